#include "scrawl/ocr/lexicon.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "scrawl/util/words.h"

namespace scrawl {

Lexicon Lexicon::from_words(const std::vector<std::string>& words) {
  std::vector<std::string> upper;
  upper.reserve(words.size());
  for (const auto& w : words) {
    std::string u = upper_letter_word(w);
    if (!u.empty()) upper.push_back(std::move(u));
  }
  std::vector<std::string_view> views(upper.begin(), upper.end());
  return from_views(views);
}

// Views, not strings, are sorted: moving 16-byte views is what makes loading the 100,000-line default list cheap.
// A merge sort: wamerican uppercased is two interleaved sorted runs (capitalized and lowercase words), which
// std::sort handles badly (40 vs 31 ms CPU for the whole load).
Lexicon Lexicon::from_views(std::vector<std::string_view>& list) {
  Lexicon lex;
  std::stable_sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  lex.words_ = list.size();
  if (lex.words_ == 0) return lex;
  for (const auto& w : list) {
    if (w.size() >= lex.by_length_.size()) lex.by_length_.resize(w.size() + 1, 0);
    ++lex.by_length_[w.size()];
  }
  lex.nodes_.reserve(lex.words_ * 3);
  lex.nodes_.emplace_back();
  lex.build(list, 0, lex.words_, 0, 0);
  lex.nodes_.shrink_to_fit();
  return lex;
}

// Words [lo, hi) of the sorted list share their first `depth` letters, the path to `node`. Each node's
// children are allocated as one block before recursing, so siblings stay contiguous.
void Lexicon::build(const std::vector<std::string_view>& list, size_t lo, size_t hi, size_t depth, size_t node) {
  size_t i = lo;
  if (list[i].size() == depth) {
    nodes_[node].terminal = true;
    nodes_[node].depths |= 1u;
    ++i;
  }
  size_t groups = 0;
  for (size_t j = i; j < hi; ++j)
    if (j == i || list[j][depth] != list[j - 1][depth]) ++groups;
  const size_t first = nodes_.size();
  nodes_[node].first_child = int32_t(first);
  nodes_[node].num_children = uint8_t(groups);
  nodes_.resize(first + groups);
  size_t child = first;
  while (i < hi) {
    size_t j = i + 1;
    while (j < hi && list[j][depth] == list[i][depth]) ++j;
    nodes_[child].letter = list[i][depth];
    build(list, i, j, depth + 1, child);
    const uint32_t d = nodes_[child].depths;
    nodes_[node].depths |= (d << 1) | (d & 0x80000000u);
    ++child;
    i = j;
  }
}

bool Lexicon::contains(const std::string& word) const {
  if (nodes_.empty()) return false;
  size_t n = 0;
  for (char c : word) {
    const Node& nd = nodes_[n];
    size_t next = 0;
    for (size_t k = 0; k < nd.num_children; ++k)
      if (nodes_[size_t(nd.first_child) + k].letter == c) next = size_t(nd.first_child) + k;
    if (!next) return false;
    n = next;
  }
  return nodes_[n].terminal;
}

std::vector<std::string> Lexicon::words() const {
  std::vector<std::string> out;
  if (nodes_.empty()) return out;
  out.reserve(words_);
  std::string prefix;
  // Depth-first, a node's own word before its children's, children in letter order: sorted output.
  auto walk = [&](auto&& self, size_t n) -> void {
    const Node& nd = nodes_[n];
    if (nd.terminal) out.push_back(prefix);
    for (size_t k = 0; k < nd.num_children; ++k) {
      const size_t c = size_t(nd.first_child) + k;
      prefix.push_back(nodes_[c].letter);
      self(self, c);
      prefix.pop_back();
    }
  };
  walk(walk, 0);
  return out;
}

Lexicon Lexicon::load(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw std::runtime_error(path + ": is a directory, not a word list");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open word list");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": read error");
  // One pass over the text, uppercasing in place: only lines of ASCII letters are kept, as views into `text`.
  std::vector<std::string_view> words;
  words.reserve(text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    size_t end = j;
    if (end > i && text[end - 1] == '\r') --end;
    if (is_letter_word(std::string_view(text.data() + i, end - i))) {
      for (size_t k = i; k < end; ++k) text[k] = char(text[k] & ~0x20);  // ASCII letters: clearing bit 5 uppercases
      words.emplace_back(text.data() + i, end - i);
    }
    i = j + 1;
  }
  Lexicon lex = from_views(words);
  if (lex.empty()) throw std::runtime_error(path + ": no A-Z words in word list");
  return lex;
}

namespace {
template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <class T>
bool get(std::string_view& in, T& v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}
}  // namespace

// Layout: u64 words, u64 length-count entries, u64 nodes, the length counts, the nodes as stored in memory.
void Lexicon::serialize(std::string& out) const {
  put(out, uint64_t(words_));
  put(out, uint64_t(by_length_.size()));
  put(out, uint64_t(nodes_.size()));
  out.append(reinterpret_cast<const char*>(by_length_.data()), by_length_.size() * sizeof(uint64_t));
  out.append(reinterpret_cast<const char*>(nodes_.data()), nodes_.size() * sizeof(Node));
}

bool Lexicon::parse(std::string_view& in, Lexicon& lex) {
  uint64_t words = 0, lengths = 0, nodes = 0;
  if (!get(in, words) || !get(in, lengths) || !get(in, nodes)) return false;
  if (lengths > 4096 || nodes > in.size() / sizeof(Node) || lengths * sizeof(uint64_t) > in.size()) return false;
  if (in.size() < lengths * sizeof(uint64_t) + nodes * sizeof(Node)) return false;
  if ((words == 0) != (nodes == 0)) return false;
  lex = Lexicon();
  lex.words_ = size_t(words);
  lex.by_length_.resize(size_t(lengths));
  std::memcpy(lex.by_length_.data(), in.data(), size_t(lengths) * sizeof(uint64_t));
  in.remove_prefix(size_t(lengths) * sizeof(uint64_t));
  lex.nodes_.resize(size_t(nodes));
  std::memcpy(static_cast<void*>(lex.nodes_.data()), in.data(), size_t(nodes) * sizeof(Node));
  in.remove_prefix(size_t(nodes) * sizeof(Node));
  // Every child block must lie after its parent and inside the table, so walks stay in bounds and end.
  uint64_t total = 0, terminals = 0;
  for (uint64_t c : lex.by_length_) total += c;
  for (size_t n = 0; n < lex.nodes_.size(); ++n) {
    const Node& nd = lex.nodes_[n];
    terminals += nd.terminal;
    if (nd.num_children == 0) continue;
    if (nd.first_child <= int32_t(n) || size_t(nd.first_child) + nd.num_children > lex.nodes_.size()) return false;
  }
  return total == words && terminals == words;
}

}  // namespace scrawl
