#include "scrawl/ocr/score.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "scrawl/util/edit_distance.h"

namespace scrawl {

namespace {

// Decodes UTF-8 to code points. A byte that does not start a valid sequence decodes to itself (as in Latin-1),
// so arbitrary bytes still compare one-for-one instead of failing.
std::vector<char32_t> decode_utf8(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      out.push_back(b);
      i += 1;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string strip_whitespace(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!is_space(c)) out += c;
  return out;
}

int count_lines(std::string_view normalized) {
  if (normalized.empty()) return 0;
  return 1 + static_cast<int>(std::count(normalized.begin(), normalized.end(), '\n'));
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  const std::vector<char32_t> x = decode_utf8(a), y = decode_utf8(b);
  return levenshtein(x, y);
}

double cer(size_t edits, size_t gt_len, size_t pred_len) {
  if (gt_len == 0) return pred_len == 0 ? 0.0 : 1.0;
  return static_cast<double>(edits) / static_cast<double>(gt_len);
}

std::string normalize_text(std::string_view text) {
  std::string out, line;
  auto flush = [&] {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!line.empty()) {
      if (!out.empty()) out += '\n';
      out += line;
    }
    line.clear();
  };
  for (char c : text) {
    if (c == '\n') {
      flush();
    } else if (is_space(c)) {
      if (!line.empty() && line.back() != ' ') line += ' ';  // also drops leading spaces
    } else {
      line += c;
    }
  }
  flush();
  return out;
}

Score score_text(const std::string& gt_in, const std::string& pred_in, const ScoreOptions& opt) {
  std::string gt = gt_in, pred = pred_in;
  if (opt.ignore_case) {
    auto up = [](std::string& s) {
      for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    };
    up(gt);
    up(pred);
  }
  Score s;
  const std::string g_gly = strip_whitespace(gt), p_gly = strip_whitespace(pred);
  s.gt_glyphs = decode_utf8(g_gly).size();
  s.pred_glyphs = decode_utf8(p_gly).size();
  s.glyph_edits = edit_distance(g_gly, p_gly);
  s.glyph_cer = cer(s.glyph_edits, s.gt_glyphs, s.pred_glyphs);

  const std::string g_txt = normalize_text(gt), p_txt = normalize_text(pred);
  s.gt_chars = decode_utf8(g_txt).size();
  s.pred_chars = decode_utf8(p_txt).size();
  s.text_edits = edit_distance(g_txt, p_txt);
  s.text_cer = cer(s.text_edits, s.gt_chars, s.pred_chars);

  s.gt_lines = count_lines(g_txt);
  s.pred_lines = count_lines(p_txt);
  s.lines_match = s.gt_lines == s.pred_lines;
  return s;
}

}  // namespace scrawl
