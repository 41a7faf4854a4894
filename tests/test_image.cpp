// Layout analysis on synthetic pages whose truth is known by construction: file headers, EXIF orientation,
// size limits, binarization under uneven light, lines under skew, word gaps, periods, glyph normalization.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "scrawl/image/binarize.h"
#include "scrawl/image/load.h"
#include "scrawl/image/segment.h"
#include "test_util.h"

namespace {

using scrawl::test::TempDir;

std::string encode(const cv::Mat& img, const std::string& ext) {
  std::vector<uint8_t> buf;
  EXPECT_TRUE(cv::imencode(ext, img, buf));
  return std::string(buf.begin(), buf.end());
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// A white page with black Hershey text: one string per line, `height` pixels per capital.
cv::Mat text_page(const std::vector<std::string>& lines, int height = 40, int thickness = 4) {
  const double scale = height / 22.0;  // Hershey simplex capitals are ~22 units tall at scale 1
  // Margins wide enough that rotating by 15 degrees keeps all the text inside.
  cv::Mat page(int(lines.size()) * height * 3 + 14 * height, 40 * height, CV_8U, cv::Scalar(255));
  for (size_t i = 0; i < lines.size(); ++i)
    cv::putText(page, lines[i], cv::Point(5 * height, 8 * height + int(i) * 3 * height), cv::FONT_HERSHEY_SIMPLEX,
                scale, cv::Scalar(0), thickness, cv::LINE_8);
  return page;
}

cv::Mat rotate(const cv::Mat& img, double deg) {
  const cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(img.cols / 2.f, img.rows / 2.f), deg, 1.0);
  cv::Mat out;
  cv::warpAffine(img, out, m, img.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  return out;
}

std::vector<size_t> words_per_line(const scrawl::PageLayout& p) {
  std::vector<size_t> w;
  for (const auto& l : p.lines) w.push_back(l.words.size());
  return w;
}

TEST(Load, HeaderSizesOfEveryFormatMatchTheEncodedImage) {
  const cv::Mat img(37, 91, CV_8U, cv::Scalar(200));
  for (const std::string ext : {".png", ".jpg", ".bmp", ".tiff"}) {
    const auto s = scrawl::header_size(encode(img, ext));
    ASSERT_TRUE(s.has_value()) << ext;
    EXPECT_EQ(s->width, 91) << ext;
    EXPECT_EQ(s->height, 37) << ext;
  }
  EXPECT_FALSE(scrawl::header_size("hello, this is plain text").has_value());
}

TEST(Load, RefusesAHugeImageFromItsHeaderAlone) {
  // A PNG that claims 30000x30000 but holds no pixel data: refused before any decoding is attempted.
  std::string png = encode(cv::Mat(1, 1, CV_8U, cv::Scalar(255)), ".png");
  auto put32 = [&](size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k) png[at + k] = char((v >> (24 - 8 * k)) & 0xFF);
  };
  put32(16, 30000);
  put32(20, 30000);
  TempDir dir;
  write(dir / "huge.png", png);
  try {
    scrawl::load_page(dir / "huge.png");
    FAIL() << "accepted a 30000x30000 image";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("huge.png"), std::string::npos) << e.what();
  }
}

TEST(Load, AppliesExifOrientation) {
  // 60 wide x 20 tall, dark on the left: EXIF orientation 6 (rotate 90 clockwise) makes it 20 wide x 60 tall,
  // dark on top.
  cv::Mat img(20, 60, CV_8U, cv::Scalar(255));
  img(cv::Rect(0, 0, 20, 20)).setTo(0);
  std::string jpg = encode(img, ".jpg");
  const unsigned char exif[] = {0xFF, 0xE1, 0x00, 0x22, 'E',  'x',  'i',  'f',  0,    0,    'I',  'I',
                                0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00,
                                0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  jpg.insert(2, reinterpret_cast<const char*>(exif), sizeof exif);
  TempDir dir;
  write(dir / "rot.jpg", jpg);
  const auto page = scrawl::load_page(dir / "rot.jpg");
  ASSERT_EQ(page.gray.cols, 20);
  ASSERT_EQ(page.gray.rows, 60);
  EXPECT_LT(cv::mean(page.gray(cv::Rect(0, 0, 20, 20)))[0], 60);
  EXPECT_GT(cv::mean(page.gray(cv::Rect(0, 40, 20, 20)))[0], 200);
}

TEST(Load, DecodesLargeJpegsAtReducedScale) {
  cv::Mat img(1200, 4400, CV_8U, cv::Scalar(230));
  TempDir dir;
  write(dir / "big.jpg", encode(img, ".jpg"));
  const auto page = scrawl::load_page(dir / "big.jpg");  // work_long_side 1000: 4400/4 = 1100
  EXPECT_EQ(page.reduce, 4);
  EXPECT_EQ(page.gray.cols, 1100);
  EXPECT_EQ(page.original, cv::Size(4400, 1200));
}

TEST(Binarize, FindsInkUnderAStrongLightingGradient) {
  const cv::Mat truth = text_page({"HELLO WORLD", "FLAT LIGHT"}) < 128;  // 255 where ink was drawn
  cv::Mat photo(truth.size(), CV_8U);
  for (int y = 0; y < photo.rows; ++y)
    for (int x = 0; x < photo.cols; ++x) {
      const double paper = 110 + 140.0 * x / photo.cols;  // dim on the left, bright on the right
      photo.at<uint8_t>(y, x) = cv::saturate_cast<uint8_t>(truth.at<uint8_t>(y, x) ? paper * 0.35 : paper);
    }
  const auto ink = scrawl::binarize(photo);
  const double inter = cv::countNonZero(ink.mask & truth), uni = cv::countNonZero(ink.mask | truth);
  EXPECT_GT(inter / uni, 0.9);
  // Global Otsu on the same photo fails: the dim paper on the left is darker than the bright ink's threshold.
  cv::Mat otsu;
  cv::threshold(photo, otsu, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  const double o_inter = cv::countNonZero(otsu & truth), o_uni = cv::countNonZero(otsu | truth);
  EXPECT_LT(o_inter / o_uni, inter / uni);
}

TEST(Binarize, ShadowEdgeIsNotInk) {
  // Text across the edge of a cast shadow (paper 220 on the left, 60% of that on the right, the edge blurred over
  // ~30 px like a phone's shadow). A plain max filter spreads the bright paper into the shadow, so a band of
  // shadowed paper along the edge reads as ink and swallows the letters touching it (the layout then drops the
  // whole tall blob). The paper estimate must keep the edge where it is.
  const cv::Mat truth = text_page({"SHADOW EDGE", "ACROSS TEXT"}) < 128;
  const int edge = truth.cols / 2;
  cv::Mat photo(truth.size(), CV_8U);
  for (int y = 0; y < photo.rows; ++y)
    for (int x = 0; x < photo.cols; ++x) {
      const double paper = 220 * (1 - 0.4 / (1 + std::exp(-(x - edge) / 30.0)));
      photo.at<uint8_t>(y, x) = cv::saturate_cast<uint8_t>(truth.at<uint8_t>(y, x) ? paper * 0.3 : paper);
    }
  const auto ink = scrawl::binarize(photo);
  const double inter = cv::countNonZero(ink.mask & truth), uni = cv::countNonZero(ink.mask | truth);
  EXPECT_GT(inter / uni, 0.9);
  // No stray ink along the edge.
  cv::Mat near_edge =
      ink.mask(cv::Rect(edge - 40, 0, 80, ink.mask.rows)) & ~truth(cv::Rect(edge - 40, 0, 80, truth.rows));
  EXPECT_LT(cv::countNonZero(near_edge), 200);
}

// Small writing enlarged: two dark strokes 4 px wide and 5 px apart, blurred (sigma 2), on a page whose other ink is
// faint pencil. The page-wide edge follows the faint ink's median and lets the dark strokes' halos fill the gap
// between them; cut at half the darkest pixel nearby, each stroke keeps about its width and the gap stays open.
TEST(Binarize, LocalEdgeKeepsBlurredStrokesApart) {
  cv::Mat page(600, 800, CV_8U, cv::Scalar(230));
  for (int y = 100; y < 500; y += 40) cv::line(page, {400, y}, {700, y}, cv::Scalar(170), 5);  // faint strokes
  cv::rectangle(page, cv::Rect(100, 200, 4, 200), cv::Scalar(40), -1);
  cv::rectangle(page, cv::Rect(109, 200, 4, 200), cv::Scalar(40), -1);
  cv::GaussianBlur(page, page, cv::Size(0, 0), 2.0);
  const cv::Rect across(90, 300, 34, 1), gap(105, 250, 3, 100), faint(380, 80, 340, 440);
  const scrawl::InkMask page_wide = scrawl::binarize(page);
  EXPECT_EQ(cv::countNonZero(page_wide.mask(gap)), gap.area());  // one blob
  scrawl::BinarizeConfig cfg;
  cfg.local_edge_ratio = 0.5;
  cfg.local_edge_window = 7;
  const scrawl::InkMask local = scrawl::binarize(page, cfg);
  EXPECT_EQ(cv::countNonZero(local.mask(gap)), 0);
  EXPECT_GE(cv::countNonZero(local.mask(across)), 8);  // two strokes of about 4 px (the blur's half maximum)
  EXPECT_LE(cv::countNonZero(local.mask(across)), 14);
  EXPECT_GT(cv::countNonZero(local.mask(faint)), 10 * 300 * 3);  // the faint strokes are still ink
}

TEST(Binarize, BlankPaperHasNoInk) {
  cv::Mat paper(300, 400, CV_8U);
  cv::randn(paper, 200, 3);  // sensor noise only
  cv::RNG rng(7);
  EXPECT_EQ(cv::countNonZero(scrawl::binarize(paper).mask), 0);
}

TEST(Segment, StrokeWidthOfADrawnBar) {
  cv::Mat m = cv::Mat::zeros(100, 400, CV_8U);
  cv::rectangle(m, cv::Rect(50, 40, 300, 6), cv::Scalar(255), cv::FILLED);
  EXPECT_NEAR(scrawl::stroke_width(m), 6.0, 0.6);
}

TEST(Segment, LinesWordsAndGlyphsOfATypedPage) {
  const cv::Mat page = text_page({"HELLO WORLD", "ABC DEF GHK", "TEXT"});
  const auto layout = scrawl::segment(page);
  ASSERT_EQ(layout.lines.size(), 3u);
  EXPECT_EQ(words_per_line(layout), (std::vector<size_t>{2, 3, 1}));
  EXPECT_EQ(layout.lines[0].words[0].glyphs.size(), 5u);
  EXPECT_EQ(layout.lines[2].words[0].glyphs.size(), 4u);
  // Reading order: lines top to bottom, glyphs left to right.
  EXPECT_LT(layout.lines[0].box.y, layout.lines[1].box.y);
  const auto& g = layout.lines[1].words[0].glyphs;
  for (size_t i = 1; i < g.size(); ++i) EXPECT_LT(g[i - 1].box.x, g[i].box.x);
  EXPECT_NEAR(layout.char_height, 40, 8);
}

class SkewedPage : public ::testing::TestWithParam<double> {};
TEST_P(SkewedPage, KeepsLinesAndWords) {
  const cv::Mat page = rotate(text_page({"HELLO WORLD", "ABC DEF GHK", "LAST LINE HERE"}), GetParam());
  const auto layout = scrawl::segment(page);
  ASSERT_EQ(layout.lines.size(), 3u);
  EXPECT_EQ(words_per_line(layout), (std::vector<size_t>{2, 3, 3}));
  EXPECT_NEAR(layout.skew_degrees, -GetParam(), 1.0);
}
INSTANTIATE_TEST_SUITE_P(Angles, SkewedPage, ::testing::Values(-15.0, -8.0, 0.0, 5.0, 12.0, 15.0));

TEST(Segment, WavyBaselineStaysOneLine) {
  // Glyphs whose baseline drifts by a full character height along the line, in steps.
  cv::Mat page(400, 1600, CV_8U, cv::Scalar(255));
  const std::string s = "WAVYLINEOFTEXT";
  for (size_t i = 0; i < s.size(); ++i) {
    const int y = 200 + int(25 * std::sin(i * 0.45));  // +/- 0.6 character heights
    cv::putText(page, std::string(1, s[i]), cv::Point(40 + int(i) * 100, y), cv::FONT_HERSHEY_SIMPLEX, 1.8,
                cv::Scalar(0), 4);
  }
  const auto layout = scrawl::segment(page);
  ASSERT_EQ(layout.lines.size(), 1u);
  size_t glyphs = 0;
  for (const auto& w : layout.lines[0].words) glyphs += w.glyphs.size();
  EXPECT_EQ(glyphs, s.size());
}

TEST(Segment, NoiseSpecksAreDropped) {
  cv::Mat page = text_page({"CLEAN TEXT"});
  cv::RNG rng(11);
  for (int i = 0; i < 200; ++i)
    cv::circle(page, cv::Point(rng.uniform(0, page.cols), rng.uniform(0, page.rows)), 1, cv::Scalar(0), cv::FILLED);
  const auto layout = scrawl::segment(page);
  ASSERT_EQ(layout.lines.size(), 1u);
  EXPECT_EQ(words_per_line(layout), (std::vector<size_t>{2}));
}

TEST(Segment, PeriodIsFoundByItsGeometry) {
  cv::Mat page(300, 1200, CV_8U, cv::Scalar(255));
  cv::putText(page, "1", cv::Point(60, 150), cv::FONT_HERSHEY_SIMPLEX, 2.0, cv::Scalar(0), 5);
  cv::circle(page, cv::Point(115, 144), 6, cv::Scalar(0), cv::FILLED);
  cv::putText(page, "MAKE A LIST", cv::Point(200, 150), cv::FONT_HERSHEY_SIMPLEX, 2.0, cv::Scalar(0), 5);
  const auto layout = scrawl::segment(page);
  ASSERT_EQ(layout.lines.size(), 1u);
  ASSERT_EQ(words_per_line(layout), (std::vector<size_t>{4}));
  const auto& first = layout.lines[0].words[0].glyphs;
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].punct, 0);
  EXPECT_EQ(first[1].punct, '.');
  EXPECT_TRUE(first[1].norm.empty());
}

TEST(Segment, DottedRulingsAreDroppedAnEllipsisIsNot) {
  // "NAME" then a leader of 10 dots on the baseline, "END" then an ellipsis of 3: the leader is a ruling (no
  // glyphs of it remain), the ellipsis stays three periods.
  cv::Mat page(300, 1800, CV_8U, cv::Scalar(255));
  cv::putText(page, "NAME", cv::Point(60, 150), cv::FONT_HERSHEY_SIMPLEX, 2.0, cv::Scalar(0), 5);
  for (int i = 0; i < 10; ++i) cv::circle(page, cv::Point(250 + 28 * i, 144), 6, cv::Scalar(0), cv::FILLED);
  cv::putText(page, "END", cv::Point(540, 150), cv::FONT_HERSHEY_SIMPLEX, 2.0, cv::Scalar(0), 5);
  for (int i = 0; i < 3; ++i) cv::circle(page, cv::Point(690 + 30 * i, 144), 6, cv::Scalar(0), cv::FILLED);
  const auto layout = scrawl::segment(page);
  ASSERT_EQ(layout.lines.size(), 1u);
  std::string read;
  for (const auto& w : layout.lines[0].words) {
    if (!read.empty()) read += ' ';
    for (const auto& g : w.glyphs) read += g.punct ? g.punct : '#';
  }
  EXPECT_EQ(read, "#### ###...");
  scrawl::SegmentConfig keep_all;
  keep_all.leader_dots = 100;
  size_t periods = 0;
  const auto all = scrawl::segment(page, keep_all);  // a named layout: a range-for over a temporary's member dangles
  ASSERT_EQ(all.lines.size(), 1u);
  for (const auto& w : all.lines[0].words)
    for (const auto& g : w.glyphs) periods += g.punct == '.';
  EXPECT_EQ(periods, 13u);  // all found as periods: the rule, not the period finder, drops the leader
}

TEST(Segment, PeriodOnAShortLineKeepsItsLineOrder) {
  // Lines are put in reading order by their glyphs' mean height. The period after "NO" must not count as a glyph
  // at height 0 in that mean: with the text this far down the page it would lift "NO." above "FIRST LINE".
  const auto layout = scrawl::segment(text_page({"FIRST LINE", "NO."}));
  ASSERT_EQ(layout.lines.size(), 2u);
  EXPECT_EQ(words_per_line(layout), (std::vector<size_t>{2, 1}));
  EXPECT_LT(layout.lines[0].box.y, layout.lines[1].box.y);
  const auto& no = layout.lines.back().words.back().glyphs;
  ASSERT_EQ(no.size(), 3u);
  EXPECT_EQ(no.back().punct, '.');
}

// Share of the line ink's pixels that land on dark page pixels through ink_to_page (page coordinates x scale).
double ink_on_page(const scrawl::Line& l, const cv::Mat& page, double scale) {
  size_t on = 0, all = 0;
  for (int y = 0; y < l.ink.rows; ++y)
    for (int x = 0; x < l.ink.cols; ++x) {
      if (!l.ink.at<uint8_t>(y, x)) continue;
      ++all;
      const cv::Matx23d& m = l.ink_to_page;
      const int px = int(std::lround((m(0, 0) * x + m(0, 1) * y + m(0, 2)) / scale));
      const int py = int(std::lround((m(1, 0) * x + m(1, 1) * y + m(1, 2)) / scale));
      if (px < 0 || py < 0 || px >= page.cols || py >= page.rows) continue;
      cv::Mat around = page((cv::Rect(px, py, 1, 1) + cv::Size(2, 2) - cv::Point(1, 1)) & cv::Rect({}, page.size()));
      double lo;
      cv::minMaxLoc(around, &lo);
      on += lo < 128;
    }
  return all ? double(on) / double(all) : 0.0;
}

TEST(Segment, LineInkIsLevelMapsBackAndLeavesPeriodsOut) {
  const cv::Mat page = rotate(text_page({"HELLO WORLD", "NO."}), 6.0);
  scrawl::SegmentConfig cfg;
  EXPECT_TRUE(scrawl::segment(page, cfg).lines.at(0).ink.empty());  // off unless asked for
  cfg.line_ink = true;
  const auto layout = scrawl::segment(page, cfg);
  ASSERT_EQ(layout.lines.size(), 2u);
  for (const auto& l : layout.lines) {
    ASSERT_EQ(l.ink.type(), CV_8U);
    // Level: the rotated line's ink is no taller than a character and a bit (6 degrees over ~1000 px would add
    // some 100 px).
    EXPECT_LT(cv::boundingRect(l.ink).height, 1.4 * layout.char_height);
    EXPECT_GT(ink_on_page(l, page, 1.0), 0.97);
  }
  cv::Mat labels;
  EXPECT_EQ(cv::connectedComponents(layout.lines[1].ink, labels) - 1, 2);  // N and O; the period is not line ink
  // At another working scale the map takes the page coordinates along.
  const auto scaled = scrawl::segment(page, cfg, 2.0);
  ASSERT_EQ(scaled.lines.size(), 2u);
  EXPECT_GT(ink_on_page(scaled.lines[0], page, 2.0), 0.97);
}

TEST(Segment, LineInkKeepsAWordOfTouchingLetters) {
  // Letters joined by a bar through their middle: one component 9 character heights wide. The glyph path drops
  // it as page furniture (over 6 heights); the line recognizer's ink keeps it.
  cv::Mat page = text_page({"TOUCHING", "A B"});
  cv::rectangle(page, cv::Rect(5 * 40, 8 * 40 - 22, 360, 6), cv::Scalar(0), cv::FILLED);
  scrawl::SegmentConfig cfg;
  cfg.line_ink = true;
  cfg.rulings.enabled = false;  // a bar this long and straight is a ruling to the form reader, which removes it
  const auto layout = scrawl::segment(page, cfg);
  ASSERT_EQ(layout.lines.size(), 2u);
  EXPECT_GT(cv::boundingRect(layout.lines[0].ink).width, 8 * layout.char_height);
  cfg.line_ink = false;
  EXPECT_EQ(scrawl::segment(page, cfg).lines.size(), 1u);
}

TEST(Segment, BrokenCharacterPiecesAreMerged) {
  // An "E" drawn as a spine and three separate bars: one glyph.
  cv::Mat page(300, 600, CV_8U, cv::Scalar(255));
  cv::rectangle(page, cv::Rect(100, 100, 8, 80), cv::Scalar(0), cv::FILLED);
  for (int y : {100, 136, 172}) cv::rectangle(page, cv::Rect(112, y, 40, 8), cv::Scalar(0), cv::FILLED);
  cv::putText(page, "X", cv::Point(220, 180), cv::FONT_HERSHEY_SIMPLEX, 2.8, cv::Scalar(0), 8);
  const auto layout = scrawl::segment(page);
  ASSERT_EQ(layout.lines.size(), 1u);
  size_t glyphs = 0;
  for (const auto& w : layout.lines[0].words) glyphs += w.glyphs.size();
  EXPECT_EQ(glyphs, 2u);
}

// An "H" 38 px wide and 60 px tall with 8 px strokes, built from rectangles at a chosen x.
void bar(cv::Mat& page, int x) {
  cv::rectangle(page, cv::Rect(x, 100, 8, 60), cv::Scalar(0), cv::FILLED);
}
// The glyphs of a page that segments into exactly one line (none otherwise), in reading order.
std::vector<scrawl::Glyph> one_line_glyphs(const cv::Mat& page) {
  const auto layout = scrawl::segment(page);
  std::vector<scrawl::Glyph> glyphs;
  if (layout.lines.size() != 1) return glyphs;
  for (const auto& w : layout.lines[0].words)
    for (const auto& g : w.glyphs) glyphs.push_back(g);
  return glyphs;
}

void letter_h(cv::Mat& page, int x) {
  bar(page, x);
  bar(page, x + 30);
  cv::rectangle(page, cv::Rect(x, 126, 38, 8), cv::Scalar(0), cv::FILLED);
}

TEST(Segment, TouchingLettersGetACutAtTheirJoin) {
  // "H H HH H H": the middle two touch (the first one's right bar is joined to the second's left bar by a 4 px
  // bridge at mid height), making one component 80 px wide in a line of 38 px glyphs.
  cv::Mat page(300, 900, CV_8U, cv::Scalar(255));
  letter_h(page, 80);
  letter_h(page, 140);
  letter_h(page, 200);
  cv::rectangle(page, cv::Rect(238, 128, 4, 4), cv::Scalar(0), cv::FILLED);
  letter_h(page, 242);
  letter_h(page, 302);
  letter_h(page, 362);
  const std::vector<scrawl::Glyph> glyphs = one_line_glyphs(page);
  ASSERT_EQ(glyphs.size(), 5u);
  // The joined pair is one cell with a proposed cut into two; the cut falls in the bridge (x 238..242), so each
  // part holds one H: 38 px wide give or take the bridge.
  const auto& pair = glyphs[2];
  EXPECT_NEAR(pair.box.x, 200, 2);
  EXPECT_NEAR(pair.box.width, 80, 2);
  ASSERT_EQ(pair.parts.size(), 2u);
  EXPECT_NEAR(pair.parts[0].box.x, 200, 2);
  EXPECT_GE(pair.parts[0].box.br().x, 238);
  EXPECT_LE(pair.parts[0].box.br().x, 243);
  EXPECT_EQ(pair.parts[1].box.x, pair.parts[0].box.br().x);
  EXPECT_NEAR(pair.parts[1].box.br().x, 280, 2);
  for (const auto& q : pair.parts) {
    EXPECT_EQ(q.norm.size(), cv::Size(28, 28));
    EXPECT_GT(cv::countNonZero(q.norm > 0.5f), 20);
  }
  // Narrow cells get no proposal.
  for (size_t i : {0u, 1u, 3u, 4u}) EXPECT_TRUE(glyphs[i].parts.empty()) << i;
}

TEST(Segment, BrokenLetterPiecesAreProposedAsOneCell) {
  // "H H G H H" where the G is drawn in two strokes that do not touch: a bar (x 200..208) and a bracket whose arms
  // reach back over the bar's columns (x 205..238) above and below it. Geometry cannot tell a broken letter from
  // two narrow ones, so the cell is proposed joined, with the two pieces as its parts.
  cv::Mat page(300, 900, CV_8U, cv::Scalar(255));
  letter_h(page, 80);
  letter_h(page, 140);
  cv::rectangle(page, cv::Rect(200, 100, 8, 60), cv::Scalar(0), cv::FILLED);  // the bar, rows 100..159
  cv::rectangle(page, cv::Rect(205, 90, 33, 8), cv::Scalar(0), cv::FILLED);   // top arm, rows 90..97
  cv::rectangle(page, cv::Rect(205, 162, 33, 8), cv::Scalar(0), cv::FILLED);  // bottom arm, rows 162..169
  cv::rectangle(page, cv::Rect(230, 90, 8, 80), cv::Scalar(0), cv::FILLED);   // its right side
  letter_h(page, 260);
  letter_h(page, 320);
  const std::vector<scrawl::Glyph> glyphs = one_line_glyphs(page);
  ASSERT_EQ(glyphs.size(), 5u);
  const auto& g = glyphs[2];
  EXPECT_TRUE(g.joined);
  EXPECT_NEAR(g.box.x, 200, 2);
  EXPECT_NEAR(g.box.width, 38, 2);
  ASSERT_EQ(g.parts.size(), 2u);
  EXPECT_NEAR(g.parts[0].box.width, 8, 2);
  EXPECT_NEAR(g.parts[1].box.x, 205, 2);
  // Whole H's, apart from each other, are not.
  for (size_t i : {0u, 1u, 3u, 4u}) EXPECT_FALSE(glyphs[i].joined) << i;
}

TEST(Segment, WordBreaksFromTheLinesOwnGaps) {
  const scrawl::SegmentConfig cfg;
  // Tight letters, one wide gap.
  EXPECT_EQ(scrawl::word_breaks({8, 10, 60, 12, 9}, 40, cfg), (std::vector<bool>{false, false, true, false, false}));
  // All gaps wide and alike: every glyph is its own word.
  EXPECT_EQ(scrawl::word_breaks({35, 40, 30, 45}, 40, cfg), (std::vector<bool>{true, true, true, true}));
  // All gaps narrow and alike: one word.
  EXPECT_EQ(scrawl::word_breaks({6, 10, 4, 12}, 40, cfg), (std::vector<bool>{false, false, false, false}));
  EXPECT_TRUE(scrawl::word_breaks({}, 40, cfg).empty());
}

TEST(Segment, WordBreaksOnWideSpacedHandwriting) {
  const scrawl::SegmentConfig cfg;
  // Gaps (x char height) measured on a synthetic page whose ground truth is "9 9847 542 BUN448 BARBS": one
  // letter gap (0.55) is wide enough that no single jump reaches space_ratio, yet the two populations are plain.
  const std::vector<double> line = {0.89, 0.24, 0.23, 0.37, 0.84, 0.19, 0.34, 0.92, 0.31,
                                    0.55, 0.29, 0.33, 0.25, 0.98, 0.21, 0.17, 0.21, 0.15};
  std::vector<bool> want(line.size(), false);
  for (size_t i : {0u, 4u, 7u, 13u}) want[i] = true;
  EXPECT_EQ(scrawl::word_breaks(line, 1.0, cfg), want);
  // One word whose widest letter gap stands out a little: still one word.
  const std::vector<double> word = {0.18, 0.31, 0.28, 0.16, 0.30, 0.27, 0.24, 0.25, 0.45};
  EXPECT_EQ(scrawl::word_breaks(word, 1.0, cfg), std::vector<bool>(word.size(), false));
  // "REFRIGERATOR" on the shared photo 03_haiku: one gap (0.56) stands out, but one gap is no population.
  const std::vector<double> fridge = {0.17, 0.31, 0.36, 0.28, 0.56, 0.36, 0.33, 0.13, 0.25, -0.03, 0.25};
  EXPECT_EQ(scrawl::word_breaks(fridge, 1.0, cfg), std::vector<bool>(fridge.size(), false));
}

TEST(Normalize, MatchesEmnistFraming) {
  // A tall thin-stroked "L": EMNIST frames the long side in ~24 of 28 pixels with ~2.7 px strokes.
  cv::Mat ink = cv::Mat::zeros(200, 120, CV_8U);
  cv::line(ink, cv::Point(10, 5), cv::Point(10, 195), cv::Scalar(255), 3);
  cv::line(ink, cv::Point(10, 195), cv::Point(110, 195), cv::Scalar(255), 3);
  const cv::Mat n = scrawl::normalize_glyph(ink);
  ASSERT_EQ(n.rows, 28);
  ASSERT_EQ(n.cols, 28);
  ASSERT_EQ(n.type(), CV_32F);
  double lo, hi;
  cv::minMaxLoc(n, &lo, &hi);
  EXPECT_FLOAT_EQ(hi, 1.0f);
  EXPECT_GE(lo, 0.0);
  const cv::Rect bb = cv::boundingRect(n > 0.05f);
  EXPECT_GE(bb.y, 1);
  EXPECT_LE(bb.y, 4);
  EXPECT_GE(bb.height, 21);
  EXPECT_LE(bb.height, 26);
  // Horizontally centred, and the aspect ratio kept (the "L" is 0.55 as wide as tall).
  EXPECT_NEAR(bb.x + bb.width / 2.0, 14, 1.5);
  EXPECT_NEAR(double(bb.width) / bb.height, 0.6, 0.15);
  // Stroke thickened to EMNIST's width: the vertical bar's width at the 0.5 level.
  const cv::Mat row = n.row(14) > 0.5f;
  EXPECT_GE(cv::countNonZero(row), 2);
  EXPECT_LE(cv::countNonZero(row), 4);
}

// A crop whose ink does not survive the glyph's redrawing (a one-pixel diagonal across a large box: shrunk by area,
// no pixel stays above half) reads as a blank glyph; it once reached OpenCV's resize as an empty image and aborted
// the page (a 150 dpi form page of held-out seed 521).
TEST(Normalize, InkLostInTheRedrawGivesBlankGlyph) {
  cv::Mat crop = cv::Mat::zeros(400, 400, CV_8U);
  for (int i = 0; i < 400; ++i) crop.at<uint8_t>(i, i) = 255;
  cv::Mat g;
  ASSERT_NO_THROW(g = scrawl::normalize_glyph(crop));
  ASSERT_EQ(g.rows, 28);
  EXPECT_EQ(cv::countNonZero(g), 0);
}

TEST(Normalize, EmptyCropGivesBlankGlyph) {
  const cv::Mat n = scrawl::normalize_glyph(cv::Mat::zeros(10, 10, CV_8U));
  EXPECT_EQ(cv::countNonZero(n), 0);
}

}  // namespace
