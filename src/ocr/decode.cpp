#include "scrawl/ocr/decode.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "scrawl/util/chars.h"
#include "scrawl/util/files.h"

namespace scrawl {

namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr int kLexiconBest = 4;  // lexicon words kept for rescoring with the full prior

using Reading = std::vector<int>;  // a class index per glyph of a word
using Choices = std::vector<int>;  // the classes a position may take, best first

double log_of(float p) {
  return std::log(std::max(double(p), 1e-12));
}

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

void check_glyphs(const std::vector<GlyphProbs>& word, size_t num_classes) {
  for (const auto& g : word)
    if (g.p.size() != num_classes)
      throw std::runtime_error("decode: a glyph has " + std::to_string(g.p.size()) + " probabilities, the model " +
                               std::to_string(num_classes) + " classes");
  if (num_classes == 0) throw std::runtime_error("decode: no classes");
}

// The classes each position may take, best first (the first is the per-glyph argmax).
struct Candidates {
  std::vector<Choices> lexicon;  // the top_k with p >= min_ratio * p_best: for lexicon words
  std::vector<Choices> shape;    // those with p >= shape_ratio * p_best too: for numbers and trigram strings
};

// One position's candidates: the top_k classes by probability, those at or above `ratio` times the best.
Choices top_classes(const std::vector<float>& p, const DecodeConfig& cfg) {
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t k = std::min<size_t>(size_t(std::max(cfg.top_k, 1)), p.size());
  std::partial_sort(order.begin(), order.begin() + long(k), order.end(),
                    [&](int a, int b) { return p[size_t(a)] > p[size_t(b)]; });
  const float floor = cfg.min_ratio * p[size_t(order[0])];
  Choices out;
  for (size_t j = 0; j < k; ++j)
    if (j == 0 || p[size_t(order[j])] >= floor) out.push_back(order[j]);
  return out;
}

Candidates candidates(const std::vector<GlyphProbs>& word, const DecodeConfig& cfg) {
  Candidates c;
  for (const GlyphProbs& g : word) {
    c.lexicon.push_back(top_classes(g.p, cfg));
    const Choices& any = c.lexicon.back();
    const float floor = cfg.shape_ratio * g.p[size_t(any[0])];
    Choices& shape = c.shape.emplace_back();
    for (int k : any)
      if (k == any[0] || g.p[size_t(k)] >= floor) shape.push_back(k);
  }
  return c;
}

Reading argmax(const Candidates& c) {
  Reading out;
  for (const Choices& at : c.lexicon) out.push_back(at[0]);
  return out;
}

DecodeResult result_of(const std::vector<GlyphProbs>& word, const std::string& classes, const Reading& cls,
                       DecodeResult::Source src) {
  DecodeResult d;
  d.classes = cls;
  d.source = src;
  for (size_t i = 0; i < word.size(); ++i) {
    d.text.push_back(classes[size_t(cls[i])]);
    d.probs.push_back(word[i].p[size_t(cls[i])]);
  }
  return d;
}

// The best lexicon words reachable through the candidates, by classifier score alone (the lexicon term is flat
// within a length): depth-first over the trie, pruned by the lengths below a node and by a bound on the score.
class LexiconSearch {
 public:
  LexiconSearch(const std::vector<GlyphProbs>& word, const std::vector<Choices>& cand, const Lexicon& lexicon,
                const std::string& classes)
      : word_(word), cand_(cand), nodes_(lexicon.nodes()), classes_(classes), suffix_best_(word.size() + 1, 0) {
    for (size_t i = word.size(); i-- > 0;)
      suffix_best_[i] = suffix_best_[i + 1] + log_of(word[i].p[size_t(cand[i][0])]);
  }

  // Best first, at most kLexiconBest.
  std::vector<Reading> run() {
    walk(0, 0, 0);
    std::vector<Reading> out;
    for (auto& b : best_) out.push_back(std::move(b.second));
    return out;
  }

 private:
  void walk(size_t node, size_t depth, double score) {
    const Lexicon::Node& nd = nodes_[node];
    if (depth == word_.size()) {
      if (nd.terminal) keep(score);
      return;
    }
    const size_t left = word_.size() - depth;
    if (!(nd.depths & (1u << std::min<size_t>(left, 31)))) return;
    if (best_.size() == size_t(kLexiconBest) && score + suffix_best_[depth] <= best_.back().first) return;
    for (int c : cand_[depth]) {
      const char letter = classes_[size_t(c)];
      for (int k = 0; k < nd.num_children; ++k) {
        const size_t child = size_t(nd.first_child + k);
        if (nodes_[child].letter != letter) continue;
        path_.push_back(c);
        walk(child, depth + 1, score + log_of(word_[depth].p[size_t(c)]));
        path_.pop_back();
      }
    }
  }

  void keep(double score) {
    best_.emplace_back(score, path_);
    std::sort(best_.begin(), best_.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (best_.size() > size_t(kLexiconBest)) best_.pop_back();
  }

  const std::vector<GlyphProbs>& word_;
  const std::vector<Choices>& cand_;
  const std::vector<Lexicon::Node>& nodes_;
  const std::string& classes_;
  std::vector<double> suffix_best_;  // sum of the best log-prob from position i on
  Reading path_;
  std::vector<std::pair<double, Reading>> best_;  // best first
};

// The best digit at every position, when every position has one among its candidates.
std::optional<Reading> number_proposal(const std::vector<Choices>& shape, const std::string& classes) {
  Reading num;
  for (const Choices& at : shape) {
    const auto digit = std::find_if(at.begin(), at.end(), [&](int c) { return is_digit(classes[size_t(c)]); });
    if (digit == at.end()) return std::nullopt;
    num.push_back(*digit);
  }
  return num;
}

// Letter trigram: exact Viterbi over (h2, h1) history states along the candidate letters.
struct TrigramState {
  int h2, h1;    // the two symbols before the next one (h2 the older)
  double score;  // classifier log-probs plus lm_weight * trigram log-probs so far
  int prev;      // the state it came from in the previous layer
  int cls;       // the class taken at this position
};
using TrigramLayer = std::vector<TrigramState>;

// Keeps `st` unless the layer holds a state of the same history that scores at least as well.
void relax(TrigramLayer& layer, const TrigramState& st) {
  for (auto& old : layer)
    if (old.h2 == st.h2 && old.h1 == st.h1) {
      if (st.score > old.score) old = st;
      return;
    }
  layer.push_back(st);
}

// The states after position `g` (candidates `cand`) from those before it.
TrigramLayer extend(const TrigramLayer& before, const GlyphProbs& g, const Choices& cand, const std::string& classes,
                    const CharNgram& lm, double lm_weight) {
  TrigramLayer after;
  for (int c : cand) {
    const int x = CharNgram::symbol(classes[size_t(c)]);
    if (x <= 0) continue;
    const double lc = log_of(g.p[size_t(c)]);
    for (size_t j = 0; j < before.size(); ++j) {
      const TrigramState& b = before[j];
      relax(after, {b.h1, x, b.score + lc + lm_weight * lm.log_prob(b.h2, b.h1, x), int(j), c});
    }
  }
  return after;
}

std::optional<Reading> trigram_proposal(const std::vector<GlyphProbs>& word, const std::vector<Choices>& shape,
                                        const std::string& classes, const CharNgram& lm, double lm_weight) {
  const TrigramLayer start{{0, 0, 0.0, -1, -1}};  // "^^"
  std::vector<TrigramLayer> layers;
  for (size_t i = 0; i < word.size(); ++i) {
    layers.push_back(extend(i == 0 ? start : layers.back(), word[i], shape[i], classes, lm, lm_weight));
    if (layers.back().empty()) return std::nullopt;
  }
  int bi = -1;
  double bs = kNegInf;
  for (size_t j = 0; j < layers.back().size(); ++j) {
    const TrigramState& st = layers.back()[j];
    const double sc = st.score + lm_weight * lm.log_prob(st.h2, st.h1, 0);
    if (sc > bs) bs = sc, bi = int(j);
  }
  Reading cls(word.size());
  for (size_t i = word.size(); i-- > 0;) {
    cls[i] = layers[i][size_t(bi)].cls;
    bi = layers[i][size_t(bi)].prev;
  }
  return cls;
}

double total_score(const DecodeResult& d, double prior, double lm_weight) {
  double sc = 0;
  for (float p : d.probs) sc += log_of(p);
  return sc + lm_weight * prior;
}
}  // namespace

PriorLogTerms weighted_log_terms(const PriorWeights& w, const PriorLogTerms& t) {
  return w.zip(t, [](float wt, double lt) { return wt > 0 && lt > kNegInf ? std::log(double(wt)) + lt : kNegInf; });
}

WordDecoder::WordDecoder(const std::string& classes, Lexicon lexicon, CharNgram lm)
    : classes_(classes), lexicon_(std::move(lexicon)), lm_(std::move(lm)) {
  for (char c : classes_) digits_ += is_digit(c);
}

PriorLogTerms WordDecoder::log_terms(const std::string& s, const DecodeConfig& cfg) const {
  const size_t n = s.size();
  if (n == 0) return {0, 0, 0, 0};
  PriorLogTerms t{kNegInf, kNegInf, kNegInf, kNegInf};
  if (cfg.use_lexicon && lexicon_.contains(s)) t.lexicon = -std::log(double(lexicon_.count_of_length(n)));
  if (cfg.use_ngram && lm_.trained()) {
    const double w = lm_.log_prob(s);
    if (w > kNegInf) t.ngram = w - lm_.log_length(n);
  }
  if (cfg.use_numbers && digits_ > 0 && std::all_of(s.begin(), s.end(), is_digit))
    t.number = -double(n) * std::log(double(digits_));
  if (!classes_.empty()) t.random = -double(n) * std::log(double(classes_.size()));
  return t;
}

double WordDecoder::log_prior(const std::string& s, const DecodeConfig& cfg) const {
  if (s.empty()) return 0;
  return weighted_log_terms(cfg.weights, log_terms(s, cfg)).fold(kNegInf, log_add);
}

DecodeResult WordDecoder::decode(const std::vector<GlyphProbs>& word, const DecodeConfig& cfg) const {
  if (word.empty()) return {};
  check_glyphs(word, classes_.size());
  const Candidates cand = candidates(word, cfg);
  DecodeResult best = result_of(word, classes_, argmax(cand), DecodeResult::Source::kGlyphs);
  const double w = cfg.lm_weight;
  if (!(w > 0)) return best;

  // Each search proposes its best reading through the candidates, in this order (it breaks ties).
  std::vector<std::pair<Reading, DecodeResult::Source>> proposals;
  if (cfg.use_lexicon && !lexicon_.empty())
    for (Reading& cls : LexiconSearch(word, cand.lexicon, lexicon_, classes_).run())
      proposals.emplace_back(std::move(cls), DecodeResult::Source::kLexicon);
  if (cfg.use_numbers && digits_ > 0)
    if (auto cls = number_proposal(cand.shape, classes_)) proposals.emplace_back(*cls, DecodeResult::Source::kNumber);
  if (cfg.use_ngram && lm_.trained())
    if (auto cls = trigram_proposal(word, cand.shape, classes_, lm_, w))
      proposals.emplace_back(*cls, DecodeResult::Source::kNgram);

  // Every proposal is rescored with the full prior; the per-glyph argmax wins ties, then the earlier search.
  double best_score = total_score(best, log_prior(best.text, cfg), w);
  for (const auto& [cls, src] : proposals) {
    DecodeResult d = result_of(word, classes_, cls, src);
    if (d.text == best.text) continue;
    const double sc = total_score(d, log_prior(d.text, cfg), w);
    if (!(sc > best_score)) continue;
    best_score = sc;
    best = std::move(d);
    best.changed = true;
  }
  return best;
}

std::string default_decoder_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/scrawl";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.cache/scrawl";
  return "";
}

namespace {
// Bump the digit when the cached layout or the way the lexicon or trigram is built changes.
constexpr char kCacheMagic[8] = {'S', 'C', 'R', 'W', 'L', 'E', 'X', '1'};

// What identifies a word list: its absolute path, size and modification time (ns), plus this build's node size.
std::string cache_key(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string abs = fs::absolute(path).lexically_normal().string();
  std::string key(kCacheMagic, sizeof(kCacheMagic));
  const uint64_t size = fs::file_size(path);
  const int64_t mtime = int64_t(fs::last_write_time(path).time_since_epoch().count());
  const uint32_t node = sizeof(Lexicon::Node), len = uint32_t(abs.size());
  key.append(reinterpret_cast<const char*>(&size), sizeof(size));
  key.append(reinterpret_cast<const char*>(&mtime), sizeof(mtime));
  key.append(reinterpret_cast<const char*>(&node), sizeof(node));
  key.append(reinterpret_cast<const char*>(&len), sizeof(len));
  return key + abs;
}

// One file per word list: FNV-1a of its absolute path names it.
std::string cache_file(const std::string& dir, const std::string& path) {
  uint64_t h = 1469598103934665603ull;
  for (char c : std::filesystem::absolute(path).lexically_normal().string()) h = (h ^ uint8_t(c)) * 1099511628211ull;
  char name[40];
  std::snprintf(name, sizeof(name), "lexicon-%016llx.bin", static_cast<unsigned long long>(h));
  return dir + "/" + name;
}
}  // namespace

WordDecoder make_word_decoder(const std::string& classes, const std::string& lexicon_path, const std::string& cache_dir,
                              bool* from_cache) {
  if (from_cache) *from_cache = false;
  std::string key, file;
  if (!cache_dir.empty()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(lexicon_path, ec)) {
      try {
        key = cache_key(lexicon_path);
        file = cache_file(cache_dir, lexicon_path);
      } catch (const std::exception&) {
        key.clear();  // no key, no cache: Lexicon::load below reports what is wrong with the file
      }
    }
  }
  if (!key.empty()) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    std::string bytes;
    if (in) {
      bytes.resize(size_t(std::max<std::streamoff>(in.tellg(), 0)));
      in.seekg(0);
      in.read(bytes.data(), std::streamsize(bytes.size()));
    }
    if (in && !bytes.empty()) {
      std::string_view v(bytes);
      Lexicon lex;
      CharNgram lm;
      if (v.substr(0, key.size()) == key) {
        v.remove_prefix(key.size());
        if (Lexicon::parse(v, lex) && !lex.empty() && CharNgram::parse(v, lm) && v.empty()) {
          if (from_cache) *from_cache = true;
          return WordDecoder(classes, std::move(lex), std::move(lm));
        }
      }
    }
  }
  Lexicon lex = Lexicon::load(lexicon_path);
  CharNgram lm = CharNgram::train(lex.words());
  if (!key.empty()) {
    // Best effort: a read-only or full disk only means the next run builds again.
    try {
      std::error_code ec;
      std::filesystem::create_directories(cache_dir, ec);
      std::string bytes = key;
      lex.serialize(bytes);
      lm.serialize(bytes);
      write_file_atomic(file, bytes);
    } catch (const std::exception&) {
    }
  }
  return WordDecoder(classes, std::move(lex), std::move(lm));
}

}  // namespace scrawl
