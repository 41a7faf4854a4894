// The default recognizer's word-by-word routing (ocr/auto_route): which words go to the line model, and which
// reading of each word a line keeps. Hand-made layouts and readings with known answers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scrawl/ocr/auto_route.h"

namespace {

using scrawl::Glyph;
using scrawl::Line;
using scrawl::Word;
using scrawl::WordResult;

// A word of cells 20 px tall with the given widths, from x, 5 px apart.
Word word_of(int x, const std::vector<int>& widths) {
  Word w;
  for (int width : widths) {
    Glyph g;
    g.box = cv::Rect(x, 0, width, 20);
    w.glyphs.push_back(g);
    w.box = w.glyphs.size() == 1 ? g.box : (w.box | g.box);
    x += width + 5;
  }
  return w;
}

WordResult read_as(const std::string& text, const cv::Rect& box) {
  WordResult w;
  w.box = box;
  for (char c : text) {
    scrawl::CharResult ch;
    ch.label = c;
    ch.confidence = 0.9f;
    w.chars.push_back(ch);
  }
  return w;
}

std::string joined(const std::vector<WordResult>& words) {
  std::string s;
  for (const auto& w : words) {
    if (!s.empty()) s += ' ';  // appended apart: GCC 12 warns falsely (-Wrestrict) on "" + w.text()
    s += w.text();
  }
  return s;
}

}  // namespace

TEST(AutoRoute, AWordWithAWideCellGoesToTheLineModel) {
  // Median cell height 20: a cell wider than 1.6 x 20 = 32 is letters touching. The second word's 40 px cell is
  // 40 of 235 px of cells (17%), under the 20% that sends the whole line.
  Line l;
  l.words = {word_of(0, {15, 15}), word_of(60, {40, 15}), word_of(150, std::vector<int>(10, 15))};
  EXPECT_EQ(scrawl::touching_words(l, 1.6, 0.2), (std::vector<bool>{false, true, false}));
  // A period's cell counts for neither the median nor the widths.
  Glyph dot;
  dot.box = cv::Rect(400, 15, 60, 4);
  dot.punct = '.';
  l.words[0].glyphs.push_back(dot);
  EXPECT_EQ(scrawl::touching_words(l, 1.6, 0.2), (std::vector<bool>{false, true, false}));
}

TEST(AutoRoute, AWideCellReadAsASureMOrWIsNoTouching) {
  // Word 1's 40 px cell is wide (over 1.6 x 20). Read whole as a sure W it is one letter, and the word stays on the
  // glyph path; read as W at 0.6, as a sure H, or cut into parts (no char with the cell's box), it is touching.
  Line l;
  l.words = {word_of(0, {15, 15}), word_of(60, {40, 15}), word_of(150, std::vector<int>(10, 15))};
  auto read_cells = [&](char label, float confidence, bool whole) {
    scrawl::LineResult r;
    for (const auto& w : l.words) {
      WordResult wr;
      for (const auto& g : w.glyphs) {
        scrawl::CharResult c;
        c.box = whole ? g.box : cv::Rect(g.box.x, g.box.y, g.box.width / 2, g.box.height);
        c.label = g.box.width > 32 ? label : 'I';
        c.confidence = g.box.width > 32 ? confidence : 0.99f;
        wr.chars.push_back(c);
      }
      r.words.push_back(wr);
    }
    return r;
  };
  const auto sure_w = scrawl::wide_letter_cells(l, read_cells('W', 0.95f, true), 0.9f);
  ASSERT_EQ(sure_w.size(), 3u);
  EXPECT_EQ(sure_w[1], (std::vector<bool>{true, false}));
  EXPECT_EQ(scrawl::touching_words(l, 1.6, 0.2, sure_w), (std::vector<bool>{false, false, false}));
  for (const auto& other : {read_cells('W', 0.6f, true), read_cells('H', 0.95f, true), read_cells('M', 0.95f, false)})
    EXPECT_EQ(scrawl::touching_words(l, 1.6, 0.2, scrawl::wide_letter_cells(l, other, 0.9f)),
              (std::vector<bool>{false, true, false}));
  // A sure M counts as well; a reading with fewer words than the layout marks nothing it lacks.
  EXPECT_EQ(scrawl::wide_letter_cells(l, read_cells('M', 0.95f, true), 0.9f)[1][0], true);
  scrawl::LineResult short_read = read_cells('W', 0.95f, true);
  short_read.words.resize(1);
  EXPECT_EQ(scrawl::wide_letter_cells(l, short_read, 0.9f)[1], (std::vector<bool>{false, false}));
}

TEST(AutoRoute, ALineMostlyInWideCellsGoesWhole) {
  // 40 of 130 px (31%) in wide cells: every word, even those without one.
  Line l;
  l.words = {word_of(0, {15, 15}), word_of(60, {40, 15}), word_of(150, {15, 15, 15})};
  EXPECT_EQ(scrawl::touching_words(l, 1.6, 0.2), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(scrawl::touching_words(Line{}, 1.6, 0.2), std::vector<bool>{});
}

TEST(AutoRoute, MergedWordsTakeEachReadingInItsPlace) {
  const scrawl::Lexicon lex = scrawl::Lexicon::from_words({"CAT", "HOUSE", "MOUSE", "DOG"});
  Line l;
  l.words = {word_of(0, {15, 15, 15}), word_of(100, {40, 15, 15}), word_of(220, {15, 15, 15})};
  const std::vector<bool> touching = {false, true, false};
  const std::vector<WordResult> apart = {read_as("CAT", l.words[0].box), read_as("DOG", l.words[2].box)};
  const std::vector<WordResult> glyph = {read_as("CAT", l.words[0].box), read_as("HOUSE", l.words[1].box),
                                         read_as("DOG", l.words[2].box)};
  // The line model's word over the touching word takes its place (both readings lexicon words); its reading of a
  // word standing apart is dropped.
  const std::vector<WordResult> model = {read_as("CAR", l.words[0].box), read_as("MOUSE", l.words[1].box)};
  EXPECT_EQ(joined(scrawl::merged_words(l, touching, apart, model, glyph, lex)), "CAT MOUSE DOG");
  // Only the glyph path's reading is a lexicon word: it is kept.
  const std::vector<WordResult> model_nonword = {read_as("H0USE", l.words[1].box)};
  EXPECT_EQ(joined(scrawl::merged_words(l, touching, apart, model_nonword, glyph, lex)), "CAT HOUSE DOG");
  // On a line that touches throughout the line model's reading stands, unless the glyph path's is a lexicon word at
  // least throughout_min_word long (HOUSE: 5).
  EXPECT_EQ(joined(scrawl::merged_words(l, {true, true, true}, {}, model_nonword, glyph, lex)), "H0USE");
  EXPECT_EQ(joined(scrawl::merged_words(l, {true, true, true}, {}, model_nonword, glyph, lex, 6)), "H0USE");
  EXPECT_EQ(joined(scrawl::merged_words(l, {true, true, true}, {}, model_nonword, glyph, lex, 5)), "HOUSE");
  // Fewer glyph-path words than words apart (a word read as nothing): no reading is invented or overrun.
  EXPECT_EQ(joined(scrawl::merged_words(l, touching, {apart[0]}, model_nonword, glyph, lex)), "CAT HOUSE");
  // Word decoding may join the glyph path's words apart or split them (respace_words): each goes where it overlaps
  // most, so the line model's word still comes between. Here "C" "A" "T" were joined into CAT and DOG was split
  // into "DO" "G".
  Line spaced;
  spaced.words = {word_of(0, {15}),           word_of(25, {15}),      word_of(50, {15}),
                  word_of(100, {40, 15, 15}), word_of(220, {15, 15}), word_of(270, {15})};
  const std::vector<bool> middle = {false, false, false, true, false, false};
  const cv::Rect dog = spaced.words[4].box | spaced.words[5].box;
  const std::vector<WordResult> respaced = {read_as("CAT", spaced.words[0].box | spaced.words[2].box),
                                            read_as("DO", cv::Rect(dog.x, 0, 35, 20)),
                                            read_as("G", cv::Rect(dog.x + 40, 0, 15, 20))};
  const std::vector<WordResult> model_mouse = {read_as("MOUSE", spaced.words[3].box)};
  EXPECT_EQ(joined(scrawl::merged_words(spaced, middle, respaced, model_mouse, {}, lex)), "CAT MOUSE DO G");
}

TEST(AutoRoute, PageTouchingShareCountsWideCellsOverTheWholePage) {
  // Line 0: cells 15 15 | 40 15 (one 40 px cell of 85 px); line 1: 50 50 15 (100 of 115); line 2 (skipped, say a
  // comb): 100 100. The median height is 20 on each line, so "wide" is over 32 px.
  std::vector<Line> lines(3);
  lines[0].words = {word_of(0, {15, 15}), word_of(60, {40, 15})};
  lines[1].words = {word_of(0, {50, 50, 15})};
  lines[2].words = {word_of(0, {100, 100})};
  const std::vector<bool> skip = {false, false, true};
  EXPECT_NEAR(scrawl::page_touching_share(lines, skip, 1.6), 140.0 / 200.0, 1e-12);
  EXPECT_NEAR(scrawl::page_touching_share(lines, {}, 1.6), 340.0 / 400.0, 1e-12);  // no skip: all lines
  // A wider "wide" (x 2.6 = 52 px) leaves no wide cell; the heights are each line's own median (line 1 at 10 px
  // tall makes its 15 px cells wide at x 1.4, its 50s too).
  EXPECT_EQ(scrawl::page_touching_share(lines, skip, 2.6), 0.0);
  for (auto& w : lines[1].words)
    for (auto& g : w.glyphs) g.box.height = 10;
  EXPECT_NEAR(scrawl::page_touching_share(lines, skip, 1.4), (40.0 + 115.0) / 200.0, 1e-12);
  // Punctuation counts for nothing; a page without cells has share 0.
  Glyph dot;
  dot.box = cv::Rect(400, 15, 80, 4);
  dot.punct = '.';
  lines[0].words[0].glyphs.push_back(dot);
  EXPECT_NEAR(scrawl::page_touching_share(lines, skip, 1.6), 140.0 / 200.0, 1e-12);
  EXPECT_EQ(scrawl::page_touching_share({}, {}, 1.6), 0.0);
  EXPECT_EQ(scrawl::page_touching_share(std::vector<Line>(2), {}, 1.6), 0.0);
}
