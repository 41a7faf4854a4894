#include "scrawl/ocr/decode.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string_view>

#include "scrawl/util/files.h"

namespace scrawl {

namespace {
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr int kLexiconBest = 4;  // lexicon words kept for rescoring with the full prior

double log_of(float p) {
  return std::log(std::max(double(p), 1e-12));
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

struct Search {
  const std::vector<GlyphProbs>& word;
  std::vector<std::vector<int>> cand;  // candidate classes per position, best first
  std::vector<double> suffix_best;     // sum of the best log-prob from position i on
  const std::vector<Lexicon::Node>* nodes = nullptr;
  const std::string* classes = nullptr;
  std::vector<int> path;
  std::vector<std::pair<double, std::vector<int>>> best;  // top lexicon words by classifier score, best first

  // Depth-first over the trie along each position's candidate letters, pruned by length and by score bound.
  void walk(size_t node, size_t depth, double score) {
    const size_t n = word.size();
    const Lexicon::Node& nd = (*nodes)[node];
    if (depth == n) {
      if (!nd.terminal) return;
      best.emplace_back(score, path);
      std::sort(best.begin(), best.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      if (best.size() > size_t(kLexiconBest)) best.pop_back();
      return;
    }
    const size_t left = n - depth;
    if (!(nd.depths & (1u << std::min<size_t>(left, 31)))) return;
    if (best.size() == size_t(kLexiconBest) && score + suffix_best[depth] <= best.back().first) return;
    for (int c : cand[depth]) {
      const char letter = (*classes)[size_t(c)];
      for (int k = 0; k < nd.num_children; ++k) {
        const size_t child = size_t(nd.first_child + k);
        if ((*nodes)[child].letter != letter) continue;
        path.push_back(c);
        walk(child, depth + 1, score + log_of(word[depth].p[size_t(c)]));
        path.pop_back();
      }
    }
  }
};
}  // namespace

WordDecoder::WordDecoder(const std::string& classes, Lexicon lexicon, CharNgram lm)
    : classes_(classes), lexicon_(std::move(lexicon)), lm_(std::move(lm)) {
  for (char c : classes_) digits_ += is_digit(c);
}

std::array<double, 4> WordDecoder::log_terms(const std::string& s, const DecodeConfig& cfg) const {
  std::array<double, 4> t{kNegInf, kNegInf, kNegInf, kNegInf};
  const size_t n = s.size();
  if (n == 0) return {0, 0, 0, 0};
  if (cfg.use_lexicon && lexicon_.contains(s)) t[0] = -std::log(double(lexicon_.count_of_length(n)));
  if (cfg.use_ngram && lm_.trained()) {
    const double w = lm_.log_prob(s);
    if (w > kNegInf) t[1] = w - lm_.log_length(n);
  }
  if (cfg.use_numbers && digits_ > 0 && std::all_of(s.begin(), s.end(), is_digit))
    t[2] = -double(n) * std::log(double(digits_));
  if (!classes_.empty()) t[3] = -double(n) * std::log(double(classes_.size()));
  return t;
}

double WordDecoder::log_prior(const std::string& s, const DecodeConfig& cfg) const {
  if (s.empty()) return 0;
  const std::array<double, 4> t = log_terms(s, cfg);
  const std::array<float, 4> w{cfg.w_lexicon, cfg.w_ngram, cfg.w_number, cfg.w_random};
  double lp = kNegInf;
  for (size_t k = 0; k < 4; ++k)
    if (w[k] > 0 && t[k] > kNegInf) lp = log_add(lp, std::log(double(w[k])) + t[k]);
  return lp;
}

DecodeResult WordDecoder::decode(const std::vector<GlyphProbs>& word, const DecodeConfig& cfg) const {
  DecodeResult r;
  const size_t n = word.size();
  if (n == 0) return r;
  const size_t nc = classes_.size();
  for (const auto& g : word)
    if (g.p.size() != nc)
      throw std::runtime_error("decode: a glyph has " + std::to_string(g.p.size()) + " probabilities, the model " +
                               std::to_string(nc) + " classes");
  if (nc == 0) throw std::runtime_error("decode: no classes");

  Search s{word, {}, {}, &lexicon_.nodes(), &classes_, {}, {}};
  s.cand.resize(n);
  s.suffix_best.assign(n + 1, 0);
  std::vector<int> order(nc);
  for (size_t i = 0; i < n; ++i) {
    const auto& p = word[i].p;
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min<size_t>(size_t(std::max(cfg.top_k, 1)), nc);
    std::partial_sort(order.begin(), order.begin() + long(k), order.end(),
                      [&](int a, int b) { return p[size_t(a)] > p[size_t(b)]; });
    const float floor = cfg.min_ratio * p[size_t(order[0])];
    for (size_t j = 0; j < k; ++j)
      if (j == 0 || p[size_t(order[j])] >= floor) s.cand[i].push_back(order[j]);
  }
  for (size_t i = n; i-- > 0;) s.suffix_best[i] = s.suffix_best[i + 1] + log_of(word[i].p[size_t(s.cand[i][0])]);
  // The stricter candidates for the shape proposals (numbers, trigram).
  std::vector<std::vector<int>> shape(n);
  for (size_t i = 0; i < n; ++i) {
    const float floor = cfg.shape_ratio * word[i].p[size_t(s.cand[i][0])];
    for (int c : s.cand[i])
      if (c == s.cand[i][0] || word[i].p[size_t(c)] >= floor) shape[i].push_back(c);
  }

  auto finish = [&](const std::vector<int>& cls, DecodeResult::Source src) {
    DecodeResult d;
    d.classes = cls;
    d.source = src;
    for (size_t i = 0; i < n; ++i) {
      d.text.push_back(classes_[size_t(cls[i])]);
      d.probs.push_back(word[i].p[size_t(cls[i])]);
    }
    return d;
  };
  std::vector<int> raw(n);
  for (size_t i = 0; i < n; ++i) raw[i] = s.cand[i][0];
  r = finish(raw, DecodeResult::Source::kGlyphs);
  const double w = cfg.lm_weight;
  if (!(w > 0)) return r;

  std::vector<std::pair<std::vector<int>, DecodeResult::Source>> proposals;
  // Lexicon: the few best words reachable through the candidates (the lexicon term is flat within a length).
  if (cfg.use_lexicon && !lexicon_.empty()) {
    s.walk(0, 0, 0);
    for (auto& b : s.best) proposals.emplace_back(std::move(b.second), DecodeResult::Source::kLexicon);
  }

  // Numbers: the best digit at every position, when every position has one among its candidates.
  if (cfg.use_numbers && digits_ > 0) {
    std::vector<int> num;
    for (size_t i = 0; i < n; ++i)
      for (int c : shape[i])
        if (is_digit(classes_[size_t(c)])) {
          num.push_back(c);
          break;
        }
    if (num.size() == n) proposals.emplace_back(num, DecodeResult::Source::kNumber);
  }
  // Letter trigram: exact Viterbi over (h2, h1) states along the candidate letters.
  if (cfg.use_ngram && lm_.trained()) {
    struct State {
      int h2, h1;
      double score;
      int prev, cls;
    };
    std::vector<std::vector<State>> layers(n);
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) {
      for (int c : shape[i]) {
        const int x = CharNgram::symbol(classes_[size_t(c)]);
        if (x <= 0) continue;
        const double lc = log_of(word[i].p[size_t(c)]);
        auto relax = [&](int h2, int h1, double base, int prev) {
          const double sc = base + lc + w * lm_.log_prob(h2, h1, x);
          for (auto& st : layers[i])
            if (st.h2 == h1 && st.h1 == x) {
              if (sc > st.score) st = {h1, x, sc, prev, c};
              return;
            }
          layers[i].push_back({h1, x, sc, prev, c});
        };
        if (i == 0) {
          relax(0, 0, 0, -1);
        } else {
          for (size_t j = 0; j < layers[i - 1].size(); ++j)
            relax(layers[i - 1][j].h2, layers[i - 1][j].h1, layers[i - 1][j].score, int(j));
        }
      }
      ok = !layers[i].empty();
    }
    if (ok) {
      int bi = -1;
      double bs = kNegInf;
      for (size_t j = 0; j < layers[n - 1].size(); ++j) {
        const State& st = layers[n - 1][j];
        const double sc = st.score + w * lm_.log_prob(st.h2, st.h1, 0);
        if (sc > bs) bs = sc, bi = int(j);
      }
      std::vector<int> cls(n);
      for (size_t i = n; i-- > 0;) {
        cls[i] = layers[i][size_t(bi)].cls;
        bi = layers[i][size_t(bi)].prev;
      }
      proposals.emplace_back(cls, DecodeResult::Source::kNgram);
    }
  }
  // Every proposal is rescored with the full prior; the per-glyph argmax wins ties, then the
  // earlier search (lexicon, numbers, trigram).
  auto total = [&](const DecodeResult& d) {
    double sc = 0;
    for (size_t i = 0; i < n; ++i) sc += log_of(d.probs[i]);
    return sc + w * log_prior(d.text, cfg);
  };
  double best = total(r);
  for (const auto& [cls, src] : proposals) {
    DecodeResult d = finish(cls, src);
    if (d.text == r.text) continue;
    const double sc = total(d);
    if (sc > best) {
      best = sc;
      r = std::move(d);
      r.changed = true;
    }
  }
  return r;
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
