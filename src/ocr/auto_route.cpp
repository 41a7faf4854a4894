#include "scrawl/ocr/auto_route.h"

#include <algorithm>
#include <string>

namespace scrawl {

namespace {
// Per word of `l`: the width of its cells (periods and other punctuation left out) and of those wider than
// `wide_factor` x the line's median cell height. Empty when the line has no cells.
struct WideCells {
  std::vector<double> all, wide;
};
WideCells wide_cells(const Line& l, double wide_factor, const std::vector<std::vector<bool>>& wide_letters = {}) {
  std::vector<int> heights;
  for (const auto& w : l.words)
    for (const auto& g : w.glyphs)
      if (!g.punct) heights.push_back(g.box.height);
  if (heights.empty()) return {};
  std::nth_element(heights.begin(), heights.begin() + long(heights.size() / 2), heights.end());
  const double wide = wide_factor * heights[heights.size() / 2];
  WideCells out{std::vector<double>(l.words.size(), 0.0), std::vector<double>(l.words.size(), 0.0)};
  for (size_t i = 0; i < l.words.size(); ++i)
    for (size_t k = 0; k < l.words[i].glyphs.size(); ++k) {
      const Glyph& g = l.words[i].glyphs[k];
      if (g.punct) continue;
      out.all[i] += g.box.width;
      const bool letter = i < wide_letters.size() && k < wide_letters[i].size() && wide_letters[i][k];
      if (g.box.width > wide && !letter) out.wide[i] += g.box.width;
    }
  return out;
}
}  // namespace

std::vector<bool> touching_words(const Line& l, double wide_factor, double touching_share,
                                 const std::vector<std::vector<bool>>& wide_letters) {
  std::vector<bool> touching(l.words.size(), false);
  const WideCells cells = wide_cells(l, wide_factor, wide_letters);
  if (cells.all.empty()) return touching;
  double all = 0, in_wide = 0;
  for (size_t i = 0; i < l.words.size(); ++i) {
    touching[i] = cells.wide[i] > 0;
    all += cells.all[i];
    in_wide += cells.wide[i];
  }
  if (in_wide >= touching_share * all) touching.assign(l.words.size(), true);
  return touching;
}

std::vector<std::vector<bool>> wide_letter_cells(const Line& l, const LineResult& read, float min_confidence) {
  std::vector<std::vector<bool>> out(l.words.size());
  for (size_t i = 0; i < l.words.size(); ++i) {
    out[i].assign(l.words[i].glyphs.size(), false);
    if (i >= read.words.size()) continue;
    for (size_t k = 0; k < l.words[i].glyphs.size(); ++k)
      for (const CharResult& c : read.words[i].chars)
        if (c.box == l.words[i].glyphs[k].box && (c.label == 'M' || c.label == 'W') && c.confidence >= min_confidence)
          out[i][k] = true;
  }
  return out;
}

double page_touching_share(const std::vector<Line>& lines, const std::vector<bool>& skip, double wide_factor) {
  double all = 0, in_wide = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i < skip.size() && skip[i]) continue;
    const WideCells cells = wide_cells(lines[i], wide_factor);
    for (size_t j = 0; j < cells.all.size(); ++j) all += cells.all[j], in_wide += cells.wide[j];
  }
  return all > 0 ? in_wide / all : 0.0;
}

namespace {
// The index of the layout word that `box` overlaps most (-1: none).
long overlapping_word(const Line& l, const cv::Rect& box) {
  long best = -1;
  int best_area = 0;
  for (size_t j = 0; j < l.words.size(); ++j) {
    const int a = (l.words[j].box & box).area();
    if (a > best_area) best_area = a, best = long(j);
  }
  return best;
}

}  // namespace

std::vector<WordResult> merged_words(const Line& l, const std::vector<bool>& touching, std::vector<WordResult> apart,
                                     const std::vector<WordResult>& model, const std::vector<WordResult>& glyph,
                                     const Lexicon& lexicon, size_t throughout_min_word) {
  if (l.words.empty()) return apart;
  std::vector<std::vector<WordResult>> by_word(l.words.size()), apart_by_word(l.words.size());
  for (const auto& w : model) {
    const long j = overlapping_word(l, w.box);
    if (j >= 0 && touching[size_t(j)]) by_word[size_t(j)].push_back(w);
  }
  // The glyph path's words by the layout word they overlap most: word decoding may have joined or split them
  // (respace_words), so they need not be one per word.
  for (auto& w : apart) {
    long j = overlapping_word(l, w.box);
    while (j >= 0 && touching[size_t(j)]) --j;  // kept in place after the word it follows
    apart_by_word[size_t(std::max(j, 0L))].push_back(std::move(w));
  }
  const bool throughout = std::all_of(touching.begin(), touching.end(), [](bool b) { return b; });
  std::vector<WordResult> words;
  for (size_t j = 0; j < l.words.size(); ++j) {
    for (auto& w : apart_by_word[j]) words.push_back(std::move(w));
    if (!touching[j]) continue;
    const size_t min_word = throughout ? throughout_min_word : 2;
    if (min_word > 0 && by_word[j].size() == 1 && j < glyph.size()) {
      const std::string g = glyph[j].text(), m = by_word[j][0].text();
      if (g.size() >= min_word && lexicon.contains(g) && !lexicon.contains(m)) {
        words.push_back(glyph[j]);
        continue;
      }
    }
    for (auto& w : by_word[j]) words.push_back(std::move(w));
  }
  return words;
}

}  // namespace scrawl
