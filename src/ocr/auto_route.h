// The default recognizer's (auto's) choices between the glyph path and the line model, word by word: which words of
// a line go to the line model, and which reading of each word the line's result keeps.
#pragma once
#include <vector>

#include "scrawl/image/layout.h"
#include "scrawl/ocr/lexicon.h"
#include "scrawl/ocr/page_result.h"

namespace scrawl {

// Per word of the line: whether it holds a cell wider than `wide_factor` x the line's median cell height (letters that
// touch make one wide cell). All of them when such cells hold at least `touching_share` of the line's cell width:
// there letters also touch in cells no wider than one letter.
// `wide_letters` (optional, [word][cell] as in l.words): cells known to hold one wide letter (wide_letter_cells),
// which count as cells of their width but never as wide.
std::vector<bool> touching_words(const Line& l, double wide_factor, double touching_share,
                                 const std::vector<std::vector<bool>>& wide_letters = {});

// [word][cell] of `l`: whether the glyph path (`read`, recognize's result for the line, its words those of l) read
// the cell whole as a letter wide by itself, M or W, with at least `min_confidence`. Such a cell is as wide as two
// narrow letters touching, and the line model reads it worse (W as U1 or VV).
std::vector<std::vector<bool>> wide_letter_cells(const Line& l, const LineResult& read, float min_confidence);

// The share of the cells' width that lies in cells wider than `wide_factor` x their line's median cell height, over
// the lines not skipped (skip[i]: line i is read otherwise, e.g. a comb's boxes); 0 without cells. Pages written
// with touching letters throughout have up to two thirds of their cell width in such cells, most a third or more;
// pages of letters standing apart a few percent (a chance pair, an M).
double page_touching_share(const std::vector<Line>& lines, const std::vector<bool>& skip, double wide_factor);

// One line of auto's result: the glyph path's words of letters standing apart (`apart`, in order; word decoding may
// have joined or split them) and the line model's words (`model`), each in place of the layout word it overlaps most. A
// touching word among words that are not takes the glyph path's reading (`glyph`, every layout word) when only that one
// is a lexicon word: a pair that touches by chance in careful writing, which the glyph path's cut may read right. On
// lines that touch throughout only a lexicon word of at least `throughout_min_word` letters does (0: none): there the
// glyph path's readings are mostly wrong, and short ones make words by chance (touching tuning pages 11.8% -> 14.4%
// with every length).
std::vector<WordResult> merged_words(const Line& l, const std::vector<bool>& touching, std::vector<WordResult> apart,
                                     const std::vector<WordResult>& model, const std::vector<WordResult>& glyph,
                                     const Lexicon& lexicon, size_t throughout_min_word = 0);

}  // namespace scrawl
