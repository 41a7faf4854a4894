// scrawl score: edit distance and CER against hand-computed values, and the CLI's exit codes.
#include <nlohmann/json.hpp>

#include "scrawl/ocr/score.h"
#include "scrawl/util/files.h"
#include "test_util.h"

using namespace scrawl;

TEST(EditDistance, ClassicPairs) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);  // k->s, e->i, +g
  EXPECT_EQ(edit_distance("sitting", "kitten"), 3u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);  // -f, +n
  EXPECT_EQ(edit_distance("intention", "execution"), 5u);
  EXPECT_EQ(edit_distance("ABC", "ABC"), 0u);
  EXPECT_EQ(edit_distance("ABC", "CBA"), 2u);
}

TEST(EditDistance, EmptyStrings) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abcd", ""), 4u);
}

TEST(EditDistance, CountsCodePointsNotBytes) {
  // U+2014 EM DASH is 3 bytes in UTF-8 but one character.
  EXPECT_EQ(edit_distance("A\xE2\x80\x94"
                          "B",
                          "A-B"),
            1u);
  EXPECT_EQ(edit_distance("\xE2\x80\x94", ""), 1u);
  // A lone continuation byte is not valid UTF-8: it still counts as one character.
  EXPECT_EQ(edit_distance("A\x80", "A"), 1u);
}

TEST(NormalizeText, CollapsesSpacesAndDropsBlankLines) {
  EXPECT_EQ(normalize_text("  A \t B  \r\n\n C \f\n"), "A B\nC");
  EXPECT_EQ(normalize_text(""), "");
  EXPECT_EQ(normalize_text(" \n\n \t"), "");
  EXPECT_EQ(normalize_text("HELLO WORLD\n"), "HELLO WORLD");
}

TEST(ScoreText, HandComputedExample) {
  // GT glyphs ABCDEF (6), predicted ABCDEX: 1 substitution.
  // Normalized texts "AB CD\nEF" and "AB CD\nEX" (8 chars each): 1 substitution.
  const Score s = score_text("AB CD\nEF\n", "AB  CD \n\nEX\n");
  EXPECT_EQ(s.gt_glyphs, 6u);
  EXPECT_EQ(s.pred_glyphs, 6u);
  EXPECT_EQ(s.glyph_edits, 1u);
  EXPECT_DOUBLE_EQ(s.glyph_cer, 1.0 / 6.0);
  EXPECT_EQ(s.gt_chars, 8u);
  EXPECT_EQ(s.pred_chars, 8u);
  EXPECT_EQ(s.text_edits, 1u);
  EXPECT_DOUBLE_EQ(s.text_cer, 1.0 / 8.0);
  EXPECT_EQ(s.gt_lines, 2);
  EXPECT_EQ(s.pred_lines, 2);
  EXPECT_TRUE(s.lines_match);
}

TEST(ScoreText, LineCountMismatch) {
  // Same glyphs, but the line break became a space: glyph CER 0, text CER 1/5, 2 lines vs 1.
  const Score s = score_text("AB\nCD", "AB CD");
  EXPECT_EQ(s.glyph_edits, 0u);
  EXPECT_DOUBLE_EQ(s.glyph_cer, 0.0);
  EXPECT_EQ(s.text_edits, 1u);
  EXPECT_DOUBLE_EQ(s.text_cer, 0.2);
  EXPECT_EQ(s.gt_lines, 2);
  EXPECT_EQ(s.pred_lines, 1);
  EXPECT_FALSE(s.lines_match);
}

TEST(ScoreText, MissingAndExtraText) {
  // Nothing recognized: every GT glyph is a deletion.
  Score s = score_text("HELLO\nWORLD", "");
  EXPECT_EQ(s.glyph_edits, 10u);
  EXPECT_DOUBLE_EQ(s.glyph_cer, 1.0);
  EXPECT_EQ(s.text_edits, 11u);
  EXPECT_DOUBLE_EQ(s.text_cer, 1.0);
  EXPECT_EQ(s.pred_lines, 0);
  // Extra text can push CER above 1.
  s = score_text("A", "ABC");
  EXPECT_DOUBLE_EQ(s.glyph_cer, 2.0);
}

TEST(ScoreText, EmptyGroundTruth) {
  Score s = score_text("", "");
  EXPECT_DOUBLE_EQ(s.glyph_cer, 0.0);
  EXPECT_DOUBLE_EQ(s.text_cer, 0.0);
  EXPECT_TRUE(s.lines_match);
  s = score_text("\n \n", "X");
  EXPECT_EQ(s.gt_glyphs, 0u);
  EXPECT_DOUBLE_EQ(s.glyph_cer, 1.0);
  EXPECT_FALSE(s.lines_match);
}

TEST(ScoreText, IgnoreCase) {
  EXPECT_DOUBLE_EQ(score_text("DEEP", "Deep").glyph_cer, 0.75);
  EXPECT_DOUBLE_EQ(score_text("DEEP", "Deep", ScoreOptions{true}).glyph_cer, 0.0);
}

TEST(ScoreCli, TextAndJsonOutput) {
  test::TempDir tmp;
  write_file_atomic(tmp / "gt.txt", "KITTEN\n");
  write_file_atomic(tmp / "pred.txt", "SITTING\n");
  auto r = test::run_scrawl("score " + (tmp / "gt.txt") + " " + (tmp / "pred.txt") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("glyph_edits").get<int>(), 3);
  EXPECT_DOUBLE_EQ(j.at("glyph_cer").get<double>(), 0.5);
  EXPECT_TRUE(j.at("lines_match").get<bool>());

  r = test::run_scrawl("score " + (tmp / "gt.txt") + " " + (tmp / "pred.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("50.00%"), std::string::npos) << r.out;
}

TEST(ScoreCli, MissingFileIsExit1NamingTheFile) {
  test::TempDir tmp;
  write_file_atomic(tmp / "gt.txt", "A\n");
  const std::string missing = tmp / "nope.txt";
  for (const std::string& args :
       {"score " + missing + " " + (tmp / "gt.txt"), "score " + (tmp / "gt.txt") + " " + missing}) {
    const auto r = test::run_scrawl(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  // A folder is not a text file.
  const auto r = test::run_scrawl("score " + tmp.path.string() + " " + (tmp / "gt.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(tmp.path.string()), std::string::npos) << r.err;
}

TEST(ScoreCli, UsageErrorIsExit2) {
  EXPECT_EQ(test::run_scrawl("score").exit_code, 2);
  EXPECT_EQ(test::run_scrawl("score only_one.txt").exit_code, 2);
}
