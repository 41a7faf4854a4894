// Which words of a word list scrawl can use: the one filter shared by the reader's lexicon (ocr/lexicon) and the
// page synthesizer's dictionary (synth), so a list means the same words to both.
#pragma once
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace scrawl {

// True when `word` is min_len..max_len ASCII letters, either case: a word block capitals can spell. Anything
// else ("can't", "café", "", a trailing '\r') is not usable.
bool is_letter_word(std::string_view word, size_t min_len = 1, size_t max_len = std::numeric_limits<size_t>::max());

// The uppercase form of `word` when is_letter_word(word, min_len, max_len), else "".
std::string upper_letter_word(std::string_view word, size_t min_len = 1,
                              size_t max_len = std::numeric_limits<size_t>::max());

}  // namespace scrawl
