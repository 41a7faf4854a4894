// Contextual decoding: reads a word's glyphs as a word, not glyph by glyph. Each glyph's classifier distribution is
// combined with a prior over strings:
//   score(s) = sum_i log p_i(s_i) + lm_weight * log P(s | n),
//   P(s | n) = w.lexicon / |lexicon words of length n|     if s is a lexicon word
//            + w.ngram * P_trigram(s | n)                  if s is all letters
//            + w.number * D^-n                              if s is all digits (D digit classes)
//            + w.random * C^-n                              always (C classes): any string stays possible,
// with w = DecodeConfig::weights.
// The random term keeps the prior from punishing strings that are not words: among non-words it is flat, so the
// classifier alone decides. Only close calls can change at all: a class is a candidate at a position only when its
// probability is at least min_ratio times that position's best for lexicon words, shape_ratio times for numbers
// and trigram strings (clear evidence is never overruled).
// Pure: no OpenCV, no model; the reader feeds it each word's per-glyph probabilities.
#pragma once
#include <string>
#include <vector>

#include "scrawl/ocr/char_ngram.h"
#include "scrawl/ocr/lexicon.h"

namespace scrawl {

// One value per term of the prior, in the order above: the terms' weights (PriorWeights) or their own log-probabilities
// log P_t(s | n) (PriorLogTerms). The operations combine the terms one by one, always in the order lexicon, ngram,
// number, random, so that folds over them are reproducible to the bit.
template <typename T>
struct PriorTerms {
  T lexicon{}, ngram{}, number{}, random{};

  // {f(lexicon), f(ngram), f(number), f(random)}.
  template <typename F>
  auto map(F f) const -> PriorTerms<decltype(f(lexicon))> {
    return {f(lexicon), f(ngram), f(number), f(random)};
  }
  // {f(lexicon, b.lexicon), ...}: this struct's terms paired with b's.
  template <typename U, typename F>
  auto zip(const PriorTerms<U>& b, F f) const -> PriorTerms<decltype(f(lexicon, b.lexicon))> {
    return {f(lexicon, b.lexicon), f(ngram, b.ngram), f(number, b.number), f(random, b.random)};
  }
  // f(f(f(f(acc, lexicon), ngram), number), random).
  template <typename A, typename F>
  A fold(A acc, F f) const {
    return f(f(f(f(acc, lexicon), ngram), number), random);
  }
  T sum() const { return lexicon + ngram + number + random; }
};
using PriorWeights = PriorTerms<float>;
using PriorLogTerms = PriorTerms<double>;

// log(w_t) + log P_t(s | n) per term: each term's share of the prior's log P(s | n) before summing; -inf where the
// weight is not positive or the term does not allow s.
PriorLogTerms weighted_log_terms(const PriorWeights& w, const PriorLogTerms& t);

struct GlyphProbs {
  std::vector<float> p;  // one per class, in the order of the model's class string
};

struct DecodeConfig {
  float lm_weight = 1.0f;   // 0: the prior has no effect (plain per-glyph argmax)
  bool use_lexicon = true;  // the word-list term
  bool use_ngram = true;    // the letter-trigram term
  bool use_numbers = true;  // the all-digit term
  int top_k = 6;  // candidates per position at most (the reader lists ReadConfig::decode_candidates = 6 per glyph; it
                  // listed 3 until session 12)
  float min_ratio = 0.001f;  // ... and only those with p >= min_ratio * p_best (lexicon words)
  // Token shapes (numbers, trigram-likely letter strings) are weaker evidence than a whole lexicon word: their
  // proposals may change a glyph only to a class with p >= shape_ratio * p_best, so a confident glyph in a serial
  // number or a random string is never pulled toward a shape.
  // 0.03 since session 11 (0.1 before): a number's digit is often the classifier's second choice at 3-10% of the
  // first (1 read as I, 5 as S), which 0.1 kept out of the number term's reach. On the tuning sets 0.03 read forms
  // 1503 4.77 -> 3.77%, combs 1512 6.63 -> 6.08%, dictionary 2031 0.57 -> 0.50%, the rest unchanged; 0.01 gained
  // a few glyphs more (default mix 1082 2.56 -> 2.41%, wide 1401 3.98 -> 3.82%) but turns a glyph read at 98%
  // into its 2% runner-up, which is no longer "clear evidence never overruled".
  float shape_ratio = 0.03f;
  // Term weights (sum 1). Defaults, lm_weight and min_ratio chosen on synthesized dictionary and random-string pages
  // (seed 101, not the seeds bench/decode_eval.py reports) and the photos: lm_weight 0.5-2 and shape_ratio 0.01-0.1
  // are within 3 edits of each other there.
  PriorWeights weights{0.4f, 0.2f, 0.15f, 0.25f};
};

struct DecodeResult {
  enum class Source { kGlyphs, kLexicon, kNgram, kNumber };
  std::string text;                 // one character per glyph
  std::vector<int> classes;         // chosen class index per glyph
  std::vector<float> probs;         // the classifier's probability of each chosen class
  Source source = Source::kGlyphs;  // which search proposed the winner (kGlyphs: the per-glyph argmax)
  bool changed = false;             // text differs from the per-glyph argmax
};

class WordDecoder {
 public:
  // `classes`: the model's class string (e.g. "0123456789A...Z"). Either model may be empty/untrained.
  WordDecoder(const std::string& classes, Lexicon lexicon = {}, CharNgram lm = {});
  // Throws std::runtime_error when a glyph's probability count differs from the class count.
  DecodeResult decode(const std::vector<GlyphProbs>& word, const DecodeConfig& cfg = {}) const;
  // log P(s | n) of the prior above (natural log), for inspection and tests. -inf if no term allows s.
  double log_prior(const std::string& s, const DecodeConfig& cfg = {}) const;
  // The four terms' own log P_t(s | n), unweighted; -inf where a term does not allow s or is switched off in cfg.
  PriorLogTerms log_terms(const std::string& s, const DecodeConfig& cfg = {}) const;

  const std::string& classes() const { return classes_; }
  const Lexicon& lexicon() const { return lexicon_; }
  const CharNgram& lm() const { return lm_; }

 private:
  std::string classes_;
  Lexicon lexicon_;
  CharNgram lm_;
  int digits_ = 0;  // digit classes in classes_
};

// The decoder's cache folder: $XDG_CACHE_HOME/scrawl, else $HOME/.cache/scrawl, else "" (no cache).
std::string default_decoder_cache_dir();

// The default lexicon and n-gram: the word list at `path` (Lexicon::load), trigram trained on it. Throws like
// Lexicon::load. Building takes ~25 ms of CPU for the 100,000-line default list, so the result is cached in
// `cache_dir` (a binary file per word list, keyed by its path, size and modification time, written atomically);
// a missing, stale or damaged cache is rebuilt, and an unwritable folder ("" = none) only costs the build.
// `from_cache`, when given, says whether the cache was used.
WordDecoder make_word_decoder(const std::string& classes, const std::string& lexicon_path = kDefaultLexiconPath,
                              const std::string& cache_dir = default_decoder_cache_dir(), bool* from_cache = nullptr);

}  // namespace scrawl
