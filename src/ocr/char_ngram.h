// A letter trigram model of words (A-Z plus a word-boundary symbol), Witten-Bell smoothed, trained from a word
// list: the decoder's prior for letter strings that are not in the lexicon ("DONT", names, inflections).
#pragma once
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "scrawl/util/chars.h"

namespace scrawl {

class CharNgram {
 public:
  static constexpr int kSymbols = 27;  // 0 = word boundary, 1..26 = 'A'..'Z'
  static constexpr int kMaxLength = 32;

  CharNgram() = default;  // untrained: trained() is false and the decoder ignores it
  // Counts trigrams over "^^WORD$" for every word of only A-Z letters (others skipped; case as given).
  static CharNgram train(const std::vector<std::string>& words);

  bool trained() const { return trained_; }
  // log P(x | h2 h1), symbols as above (h2 is the older one). x = 0 is the end of the word.
  float log_prob(int h2, int h1, int x) const { return lp_[size_t((h2 * kSymbols + h1) * kSymbols + x)]; }
  // log P(word) including its end; -inf when it has a character outside A-Z.
  double log_prob(const std::string& word) const;
  // log P(length = n) under the model itself, so log_prob(word) - log_length(n) is a distribution over the
  // words of length n. -inf for n < 1 or n > kMaxLength.
  double log_length(size_t n) const;

  static int symbol(char c) { return is_letter(c) ? c - 'A' + 1 : -1; }

  // Binary form for the decoder's cache, as Lexicon::serialize / Lexicon::parse.
  void serialize(std::string& out) const;
  static bool parse(std::string_view& in, CharNgram& lm);

 private:
  bool trained_ = false;
  std::vector<float> lp_;                         // (h2, h1, x): kSymbols^3
  std::array<double, kMaxLength + 1> log_len_{};  // log P(length = n)
};

}  // namespace scrawl
