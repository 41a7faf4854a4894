#include "scrawl/util/words.h"

namespace scrawl {

bool is_letter_word(std::string_view word, size_t min_len, size_t max_len) {
  if (word.size() < min_len || word.size() > max_len || word.empty()) return false;
  for (char c : word)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}

std::string upper_letter_word(std::string_view word, size_t min_len, size_t max_len) {
  if (!is_letter_word(word, min_len, max_len)) return "";
  std::string up(word);
  for (char& c : up) c = char(c & ~0x20);  // ASCII letters: clearing bit 5 uppercases
  return up;
}

}  // namespace scrawl
