// Scoring recognized text against ground truth: character error rates, the numbers the README reports.
//   glyph CER = edit distance / GT length over the characters with all whitespace removed (what the recognizer got).
//   text CER  = the same over normalized text with single spaces and newlines kept (also counts layout mistakes).
// Distances count Unicode code points (UTF-8 decoded), so a stray multi-byte quote from another OCR costs one edit.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace scrawl {

struct Score {
  size_t gt_glyphs = 0, pred_glyphs = 0;  // code points with whitespace removed
  size_t glyph_edits = 0;
  double glyph_cer = 0;                 // glyph_edits / gt_glyphs (see cer())
  size_t gt_chars = 0, pred_chars = 0;  // code points of the normalized text, spaces and newlines included
  size_t text_edits = 0;
  double text_cer = 0;
  int gt_lines = 0, pred_lines = 0;  // non-blank lines
  bool lines_match = false;
};

struct ScoreOptions {
  bool ignore_case = false;  // fold ASCII a-z to A-Z on both sides before comparing
};

// Levenshtein distance (unit insert, delete, substitute) between the code points of two UTF-8 strings.
size_t edit_distance(std::string_view a, std::string_view b);

// Error rate edits / gt_len; with an empty GT it is 0 when nothing was predicted, else 1.
double cer(size_t edits, size_t gt_len, size_t pred_len);

// Normalized text: CR dropped, every whitespace run inside a line becomes one space, lines trimmed,
// blank lines dropped, lines joined with '\n' (no trailing newline).
std::string normalize_text(std::string_view text);

Score score_text(const std::string& gt, const std::string& pred, const ScoreOptions& opt = {});

}  // namespace scrawl
