// Character classes of the model's alphabet (block capitals and digits), locale-free unlike <cctype>: a glyph label
// is a plain char, and 'a'-'z' or bytes >= 0x80 are never letters here.
#pragma once

namespace scrawl {

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_letter(char c) {
  return c >= 'A' && c <= 'Z';
}

}  // namespace scrawl
