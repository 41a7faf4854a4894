#include "scrawl/ocr/ctc_decode.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "scrawl/util/log_math.h"

namespace scrawl {

namespace {
constexpr double kNegInf = kLogZero;

// One text in the beam: the probability of the paths spelling it that end in a blank and in its last character,
// the prior of its finished words, and the characters' positions on its most likely path.
struct Beam {
  double blank = kNegInf, last = kNegInf;
  double prior = 0;
  double best_path = kNegInf;  // the incoming path that set `chars`
  std::vector<CtcChar> chars;
  double total() const { return log_add(blank, last); }
};

// The word that `text` ends with (after its last space).
std::string last_word(const std::string& text) {
  const size_t space = text.rfind(' ');
  return space == std::string::npos ? text : text.substr(space + 1);
}

// The word's prior against the flat random-string term: log P(s | n) - log(w.random C^-n). CTC already gives the
// probability of the text, its length included, so the prior may only move mass between readings, never charge
// for length: a prior that fell by log C per character would make the search drop characters. Random strings
// score 0, lexicon words, trigram-likely strings and numbers above it; among texts of one length the ranking is
// the glyph path's (the subtracted term depends on n alone).
double word_prior(const std::string& word, const WordDecoder* decoder, const DecodeConfig& cfg) {
  if (!decoder || word.empty() || !(cfg.lm_weight > 0)) return 0;
  const PriorLogTerms terms = decoder->log_terms(word, cfg);  // once: log_prior would compute them again
  const double p = weighted_log_terms(cfg.weights, terms).fold(kLogZero, log_add);
  if (!std::isfinite(p)) return cfg.lm_weight * -1e3;  // a word no term allows: far below any other
  const double flat = std::log(double(cfg.weights.random)) + terms.random;
  return cfg.lm_weight * (std::isfinite(flat) ? p - flat : p);
}

// Adds path mass `log_p` to the text `key` names in `next` (the text itself, or a lexicon trie node); when it is the
// likeliest path into that text so far, the text's characters become make_chars() (built only then: most extensions
// are not).
template <typename Key, typename MakeChars>
void extend(std::map<Key, Beam>& next, const Key& key, double log_p, bool ends_in_blank, double prior,
            MakeChars make_chars) {
  if (log_p == kNegInf) return;  // no path (a beam with no paths ending in a blank, say)
  Beam& b = next[key];
  if (ends_in_blank)
    b.blank = log_add(b.blank, log_p);
  else
    b.last = log_add(b.last, log_p);
  b.prior = prior;
  if (log_p > b.best_path) {
    b.best_path = log_p;
    b.chars = make_chars();
  }
}

// `chars` after its last character, c, came again at frame t with probability p (no blank between: the same
// character, its peak moved there when p is higher).
std::vector<CtcChar> repeated(const std::vector<CtcChar>& chars, char c, int t, float p) {
  std::vector<CtcChar> out = chars;
  if (p > out.back().confidence) out.back() = {c, t, p};
  return out;
}

// `chars` and one more character, c, peaking at frame t with probability p.
std::vector<CtcChar> appended(const std::vector<CtcChar>& chars, char c, int t, float p) {
  std::vector<CtcChar> out = chars;
  out.push_back({c, t, p});
  return out;
}
}  // namespace

CtcDecodeResult ctc_beam_search(const std::vector<float>& log_probs, int frames, const std::string& classes, int blank,
                                const WordDecoder* decoder, const CtcDecodeConfig& cfg) {
  const int K = int(classes.size());
  if (blank < 0 || blank >= K) throw std::invalid_argument("ctc_beam_search: blank class out of range");
  if (log_probs.size() < size_t(frames) * size_t(K)) throw std::invalid_argument("ctc_beam_search: too few scores");
  const double min_log = std::log(double(cfg.min_prob));
  // Texts are ranked with their open (last, unfinished) word scored as if it ended here. Charging a word's prior
  // only when its space arrives would rank every text that has just closed a word below the ones that have not
  // (their words' costs not yet paid), and the beam would drop word spaces altogether. Cached per word: the
  // beams' open words repeat from frame to frame.
  std::unordered_map<std::string, double> open_prior;
  auto open_word_prior = [&](const std::string& text) {
    if (text.empty() || text.back() == ' ') return 0.0;
    std::string word = last_word(text);
    const auto it = open_prior.find(word);
    if (it != open_prior.end()) return it->second;
    const double p = word_prior(word, decoder, cfg.prior);
    open_prior.emplace(std::move(word), p);
    return p;
  };
  std::map<std::string, Beam> beams;
  beams[""].blank = 0;
  for (int t = 0; t < frames; ++t) {
    const float* y = log_probs.data() + size_t(t) * size_t(K);
    std::map<std::string, Beam> next;
    for (const auto& entry : beams) {
      const std::string& text = entry.first;
      const Beam& b = entry.second;  // named, not a structured binding: the lambdas below capture it
      // A blank: the same text, now ending in a blank.
      extend(next, text, b.total() + y[blank], true, b.prior, [&] { return b.chars; });
      for (int k = 0; k < K; ++k) {
        if (k == blank || y[k] < min_log) continue;
        const char c = classes[size_t(k)];
        if (c == ' ' && (text.empty() || text.back() == ' ')) continue;  // no leading or doubled spaces
        const float p = float(std::exp(y[k]));
        if (!text.empty() && c == text.back()) {
          // The same character again: without a blank between, the path still spells `text`...
          extend(next, text, b.last + y[k], false, b.prior, [&] { return repeated(b.chars, c, t, p); });
          // ... after a blank it spells the character twice.
          extend(next, text + c, b.blank + y[k], false, b.prior, [&] { return appended(b.chars, c, t, p); });
          continue;
        }
        const double prior = c == ' ' ? b.prior + open_word_prior(text) : b.prior;
        extend(next, text + c, b.total() + y[k], false, prior, [&] { return appended(b.chars, c, t, p); });
      }
    }
    // Keep the likeliest texts (ties by text, so the result does not depend on the map's internals).
    std::vector<std::pair<double, std::string>> order;
    for (const auto& [text, b] : next) order.emplace_back(-(b.total() + b.prior + open_word_prior(text)), text);
    std::sort(order.begin(), order.end());
    beams.clear();
    for (size_t i = 0; i < order.size() && i < size_t(std::max(cfg.beam, 1)); ++i)
      beams.emplace(order[i].second, std::move(next[order[i].second]));
  }
  CtcDecodeResult best;
  best.log_score = kNegInf;
  for (const auto& [text, b] : beams) {
    std::string out = text;
    std::vector<CtcChar> chars = b.chars;
    while (!out.empty() && out.back() == ' ') {  // a trailing space ends the last word but is not text
      out.pop_back();
      chars.pop_back();
    }
    const double score = b.total() + b.prior + open_word_prior(text);
    if (score > best.log_score) best = {out, chars, score};
  }
  return best;
}

CtcDecodeResult ctc_lexicon_search(const std::vector<float>& log_probs, int frames, const std::string& classes,
                                   int blank, const WordDecoder& decoder, const CtcDecodeConfig& cfg) {
  const int K = int(classes.size());
  if (blank < 0 || blank >= K) throw std::invalid_argument("ctc_lexicon_search: blank class out of range");
  if (log_probs.size() < size_t(frames) * size_t(K)) throw std::invalid_argument("ctc_lexicon_search: too few scores");
  CtcDecodeResult best;
  best.log_score = kNegInf;
  const Lexicon& lexicon = decoder.lexicon();
  if (lexicon.empty() || !cfg.prior.use_lexicon || !(cfg.prior.lm_weight > 0) || frames <= 0) return best;
  const std::vector<Lexicon::Node>& nodes = lexicon.nodes();
  std::array<int, 256> class_of;  // the model's class of each trie letter (-1: the model has none)
  class_of.fill(-1);
  for (int k = 0; k < K; ++k)
    if (k != blank) class_of[static_cast<unsigned char>(classes[size_t(k)])] = k;
  const double min_log = std::log(double(cfg.lexicon_min_prob));

  std::map<int32_t, Beam> beams;  // keyed by trie node; the prior is charged once a word is finished
  beams[0].blank = 0;             // the root: the empty prefix
  for (int t = 0; t < frames; ++t) {
    const float* y = log_probs.data() + size_t(t) * size_t(K);
    std::map<int32_t, Beam> next;
    for (const auto& entry : beams) {
      const int32_t node = entry.first;
      const Beam& b = entry.second;  // named, not a structured binding: the lambdas below capture it
      extend(next, node, b.total() + y[blank], true, 0.0, [&] { return b.chars; });
      const Lexicon::Node& nd = nodes[size_t(node)];
      const int own = node == 0 ? -1 : class_of[static_cast<unsigned char>(nd.letter)];
      if (own >= 0 && y[own] >= min_log) {  // its last letter again without a blank: the same prefix
        extend(next, node, b.last + y[own], false, 0.0,
               [&] { return repeated(b.chars, nd.letter, t, float(std::exp(y[own]))); });
      }
      for (int32_t c = nd.first_child; c < nd.first_child + int32_t(nd.num_children); ++c) {
        const char letter = nodes[size_t(c)].letter;
        const int k = class_of[static_cast<unsigned char>(letter)];
        if (k < 0 || y[k] < min_log) continue;
        // The same letter twice needs a blank between its copies.
        const double from = k == own ? b.blank : b.total();
        extend(next, c, from + y[k], false, 0.0, [&] { return appended(b.chars, letter, t, float(std::exp(y[k]))); });
      }
    }
    std::vector<std::pair<double, int32_t>> order;  // ties by node: independent of the map's internals
    for (const auto& [node, b] : next) order.emplace_back(-b.total(), node);
    std::sort(order.begin(), order.end());
    beams.clear();
    for (size_t i = 0; i < order.size() && i < size_t(std::max(cfg.lexicon_beam, 1)); ++i)
      beams.emplace(order[i].second, std::move(next[order[i].second]));
  }
  for (const auto& [node, b] : beams) {
    if (!nodes[size_t(node)].terminal) continue;
    std::string word;
    for (const CtcChar& c : b.chars) word += c.label;
    const double score = b.total() + word_prior(word, &decoder, cfg.prior);
    if (score > best.log_score) best = {word, b.chars, score};
  }
  return best;
}

}  // namespace scrawl
