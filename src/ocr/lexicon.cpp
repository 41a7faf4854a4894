#include "ocr/lexicon.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace scrawl {

std::string lexicon_word(const std::string& line) {
  std::string w;
  w.reserve(line.size());
  for (char c : line) {
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return "";
    w.push_back(c);
  }
  return w;
}

Lexicon Lexicon::from_words(const std::vector<std::string>& words) {
  Lexicon lex;
  lex.list_.reserve(words.size());
  for (const auto& w : words) {
    std::string u = lexicon_word(w);
    if (!u.empty()) lex.list_.push_back(std::move(u));
  }
  std::sort(lex.list_.begin(), lex.list_.end());
  lex.list_.erase(std::unique(lex.list_.begin(), lex.list_.end()), lex.list_.end());
  lex.words_ = lex.list_.size();
  if (lex.words_ == 0) return lex;
  for (const auto& w : lex.list_) {
    if (w.size() >= lex.by_length_.size()) lex.by_length_.resize(w.size() + 1, 0);
    ++lex.by_length_[w.size()];
  }
  lex.nodes_.reserve(lex.words_ * 3);
  lex.nodes_.emplace_back();
  lex.build(0, lex.words_, 0, 0);
  return lex;
}

// Words [lo, hi) of the sorted list share their first `depth` letters, the path to `node`. Each node's
// children are allocated as one block before recursing, so siblings stay contiguous.
void Lexicon::build(size_t lo, size_t hi, size_t depth, size_t node) {
  size_t i = lo;
  if (list_[i].size() == depth) {
    nodes_[node].terminal = true;
    nodes_[node].depths |= 1u;
    ++i;
  }
  size_t groups = 0;
  for (size_t j = i; j < hi; ++j)
    if (j == i || list_[j][depth] != list_[j - 1][depth]) ++groups;
  const size_t first = nodes_.size();
  nodes_[node].first_child = int32_t(first);
  nodes_[node].num_children = uint8_t(groups);
  nodes_.resize(first + groups);
  size_t child = first;
  while (i < hi) {
    size_t j = i + 1;
    while (j < hi && list_[j][depth] == list_[i][depth]) ++j;
    nodes_[child].letter = list_[i][depth];
    build(i, j, depth + 1, child);
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

Lexicon Lexicon::load(const std::string& path) {
  if (std::filesystem::is_directory(path)) throw std::runtime_error(path + ": is a directory, not a word list");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open word list");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": read error");
  // One pass over the text: only lines of ASCII letters are kept, uppercased (no per-line allocation otherwise).
  std::vector<std::string> words;
  words.reserve(text.size() / 8);
  for (size_t i = 0; i < text.size();) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    size_t end = j;
    if (end > i && text[end - 1] == '\r') --end;
    bool ok = end > i;
    for (size_t k = i; k < end && ok; ++k)
      ok = (text[k] >= 'A' && text[k] <= 'Z') || (text[k] >= 'a' && text[k] <= 'z');
    if (ok) {
      std::string w(text, i, end - i);
      for (char& c : w) c = char(c & ~0x20);  // ASCII letters: clearing bit 5 uppercases
      words.push_back(std::move(w));
    }
    i = j + 1;
  }
  Lexicon lex = from_words(words);
  if (lex.empty()) throw std::runtime_error(path + ": no A-Z words in word list");
  return lex;
}

}  // namespace scrawl
