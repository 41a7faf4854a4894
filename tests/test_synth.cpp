// scrawl synth: determinism, ground truth matching the glyphs drawn, ink where the glyphs are, CLI end to end.
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "scrawl/data/dataset.h"
#include "scrawl/synth/synth.h"
#include "scrawl/util/files.h"
#include "test_util.h"

using namespace scrawl;
namespace fs = std::filesystem;

namespace {

const Dataset& emnist_test() {
  static const Dataset ds = load_dataset(test::emnist("test"), "test");
  return ds;
}

std::string strip_spaces(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\n') out += c;
  return out;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Checks one page's invariants against the glyph set it was drawn from.
void check_page(const SynthPage& page, const SynthConfig& cfg, const Dataset* ds) {
  ASSERT_EQ(page.image.type(), CV_8UC3);
  EXPECT_EQ(page.image.cols, cfg.width);
  EXPECT_EQ(page.image.rows, cfg.height);
  ASSERT_FALSE(page.text.empty());
  EXPECT_EQ(page.text.back(), '\n');
  // Ground truth: single spaces, no blank lines, no leading or trailing spaces.
  EXPECT_EQ(page.text.find("  "), std::string::npos);
  EXPECT_EQ(page.text.find("\n\n"), std::string::npos);
  EXPECT_EQ(page.text.find(" \n"), std::string::npos);
  EXPECT_EQ(page.text.find("\n "), std::string::npos);
  EXPECT_NE(page.text[0], ' ');
  // The glyphs drawn, in reading order, spell the ground truth.
  std::string drawn;
  for (const auto& g : page.glyphs) drawn += g.ch;
  EXPECT_EQ(drawn, strip_spaces(page.text));
  for (const auto& g : page.glyphs) {
    if (ds) {
      ASSERT_GE(g.sample, 0);
      ASSERT_LT(g.sample, ds->size());
      EXPECT_EQ(ds->classes[ds->labels[g.sample]], g.ch) << "glyph sample " << g.sample;
    } else {
      EXPECT_EQ(g.sample, -1);
    }
  }
  // Ink where each glyph is: its darkest pixel is well below the paper around it (a local paper level,
  // because lighting gradients and shadows make the paper itself uneven).
  cv::Mat gray;
  cv::cvtColor(page.image, gray, cv::COLOR_BGR2GRAY);
  const cv::Rect all(0, 0, gray.cols, gray.rows);
  int inked = 0;
  for (const auto& g : page.glyphs) {
    ASSERT_GT(g.box.area(), 0);
    double lo, hi;
    cv::minMaxLoc(gray(g.box), &lo, &hi);
    const int m = g.box.height;
    cv::Mat around = gray(cv::Rect(g.box.x - m, g.box.y - m, g.box.width + 2 * m, g.box.height + 2 * m) & all).clone();
    std::vector<uchar> v(around.begin<uchar>(), around.end<uchar>());
    std::nth_element(v.begin(), v.begin() + v.size() * 9 / 10, v.end());
    const double paper = v[v.size() * 9 / 10];
    if (lo < 0.75 * paper) ++inked;
  }
  EXPECT_EQ(inked, static_cast<int>(page.glyphs.size()));
  // And no ink anywhere else: a pixel much darker than the paper around it (a 41 px max filter wipes out strokes)
  // lies inside some glyph's box, give or take the blur.
  cv::Mat paper, outside(gray.size(), CV_8U, cv::Scalar(255));
  cv::dilate(gray, paper, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(41, 41)));
  for (const auto& g : page.glyphs)
    outside(cv::Rect(g.box.x - 4, g.box.y - 4, g.box.width + 8, g.box.height + 8) & all) = 0;
  int stray = 0, ink_px = 0;
  for (int y = 0; y < gray.rows; ++y)
    for (int x = 0; x < gray.cols; ++x)
      if (gray.at<uchar>(y, x) < 0.7 * paper.at<uchar>(y, x)) {
        ++ink_px;
        if (outside.at<uchar>(y, x)) ++stray;
      }
  EXPECT_GT(ink_px, 0);
  EXPECT_EQ(stray, 0) << "of " << ink_px << " ink pixels";
}

}  // namespace

TEST(Synth, GroundTruthMatchesGlyphsFromTheSet) {
  const Dataset& ds = emnist_test();
  for (const auto words : {SynthWords::kDictionary, SynthWords::kRandom, SynthWords::kMixed}) {
    SynthConfig cfg;
    cfg.words = words;
    for (uint64_t seed : {1u, 2u, 3u}) {
      const SynthPage page = synth_page(cfg, &ds, seed);
      SCOPED_TRACE("seed " + std::to_string(seed) + " words " + std::to_string(static_cast<int>(words)));
      check_page(page, cfg, &ds);
      EXPECT_GE(page.glyphs.size(), 10u);
    }
  }
}

TEST(Synth, RandomWordsUseLettersAndDigits) {
  // Over a few random-word pages both letters and digits appear, and nothing outside 0-9A-Z.
  SynthConfig cfg;
  cfg.words = SynthWords::kRandom;
  std::string all;
  for (uint64_t seed = 10; seed < 14; ++seed) all += strip_spaces(synth_page(cfg, &emnist_test(), seed).text);
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](char c) { return c >= '0' && c <= '9'; }));
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  EXPECT_TRUE(
      std::all_of(all.begin(), all.end(), [](char c) { return std::string(kClasses36).find(c) != std::string::npos; }));
}

TEST(Synth, HersheyPagesNeedNoGlyphSet) {
  SynthConfig cfg;
  cfg.font = SynthFont::kHershey;
  cfg.width = 1600;
  cfg.height = 1000;
  const SynthPage page = synth_page(cfg, nullptr, 5);
  check_page(page, cfg, nullptr);
}

TEST(Synth, FixedTextIsWrittenVerbatim) {
  SynthConfig cfg;
  cfg.text = {"THE QUICK BROWN FOX", "JUMPS OVER 13 LAZY DOGS", "0123456789"};
  for (const auto font : {SynthFont::kHershey, SynthFont::kGlyphs}) {
    cfg.font = font;
    const SynthPage page = synth_page(cfg, &emnist_test(), 9);
    EXPECT_EQ(page.text, "THE QUICK BROWN FOX\nJUMPS OVER 13 LAZY DOGS\n0123456789\n");
    check_page(page, cfg, font == SynthFont::kGlyphs ? &emnist_test() : nullptr);
  }
  // A long line on a narrow page is shrunk to fit rather than cut off.
  cfg.font = SynthFont::kHershey;
  cfg.width = 600;
  cfg.height = 400;
  cfg.text = {"A VERY LONG LINE OF BLOCK LETTERS 1234567890"};
  const SynthPage page = synth_page(cfg, nullptr, 1);
  EXPECT_EQ(page.text, cfg.text[0] + "\n");
  for (const auto& g : page.glyphs) {
    EXPECT_GE(g.box.x, 0);
    EXPECT_LE(g.box.br().x, cfg.width);
  }
}

TEST(Synth, FixedTextNeedsItsCharactersInTheSet) {
  // A two-class set (A and B, 28x28 bars): "ABC" cannot be written from it.
  Dataset ds;
  ds.h = ds.w = 28;
  ds.classes = "AB";
  ds.labels = {0, 1};
  ds.images.assign(2 * 28 * 28, 0.0f);
  for (int y = 4; y < 24; ++y)
    for (int x = 10; x < 16; ++x) ds.image(0)[y * 28 + x] = ds.image(1)[y * 28 + x] = 1.0f;
  SynthConfig cfg;
  cfg.text = {"ABC"};
  EXPECT_THROW(synth_page(cfg, &ds, 1), std::runtime_error);
  cfg.text = {"AB BA"};
  const SynthPage page = synth_page(cfg, &ds, 1);
  EXPECT_EQ(page.text, "AB BA\n");
  // Random words only use the characters the set has.
  cfg.text.clear();
  const SynthPage rnd = synth_page(cfg, &ds, 2);
  for (char c : strip_spaces(rnd.text)) EXPECT_TRUE(c == 'A' || c == 'B') << c;
}

TEST(Synth, SameSeedSameBytesDifferentSeedDiffers) {
  const Dataset& ds = emnist_test();
  test::TempDir a, b, c;
  SynthConfig cfg;
  cfg.width = 900;
  cfg.height = 700;
  cfg.min_char_h = 30;
  cfg.max_char_h = 50;
  synth_pages(cfg, &ds, a.path.string(), 2, 42);
  synth_pages(cfg, &ds, b.path.string(), 2, 42);
  synth_pages(cfg, &ds, c.path.string(), 2, 43);
  const std::vector<std::string> expect = {"page_000.png", "page_000.txt", "page_001.png", "page_001.txt"};
  ASSERT_EQ(files_in(a.path), expect);  // also: no temp files left behind
  ASSERT_EQ(files_in(b.path), expect);
  for (const auto& f : expect) EXPECT_EQ(read_file(a / f), read_file(b / f)) << f;
  EXPECT_NE(read_file(a / "page_000.png"), read_file(c / "page_000.png"));
  EXPECT_NE(read_file(a / "page_000.txt"), read_file(c / "page_000.txt"));
  // Pages within one run differ from each other too.
  EXPECT_NE(read_file(a / "page_000.png"), read_file(a / "page_001.png"));
  // The PNG decodes to the configured size.
  const cv::Mat img = cv::imread(a / "page_000.png", cv::IMREAD_COLOR);
  EXPECT_EQ(img.cols, 900);
  EXPECT_EQ(img.rows, 700);
}

TEST(Synth, JpegOutput) {
  test::TempDir a, b;
  SynthConfig cfg;
  cfg.font = SynthFont::kHershey;
  cfg.format = "jpg";
  cfg.width = 800;
  cfg.height = 600;
  cfg.min_char_h = 30;
  cfg.max_char_h = 40;
  synth_pages(cfg, nullptr, a.path.string(), 1, 3);
  synth_pages(cfg, nullptr, b.path.string(), 1, 3);
  EXPECT_EQ(read_file(a / "page_000.jpg"), read_file(b / "page_000.jpg"));
  const cv::Mat img = cv::imread(a / "page_000.jpg", cv::IMREAD_COLOR);
  EXPECT_EQ(img.cols, 800);
  EXPECT_EQ(img.rows, 600);
}

TEST(SynthCli, OnePageFromTestSetScoresZeroAgainstItself) {
  test::TempDir tmp;
  const std::string out = tmp / "pages";
  auto r = test::run_scrawl("-q synth --glyphs " + test::emnist("test") + " --out " + out +
                            " --pages 1 --seed 7 --words dictionary");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(out + "/page_000.png"));
  const std::string gt = out + "/page_000.txt";
  ASSERT_TRUE(fs::exists(gt));
  r = test::run_scrawl("score " + gt + " " + gt + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("glyph_cer").get<double>(), 0.0);
  EXPECT_EQ(j.at("text_cer").get<double>(), 0.0);
  EXPECT_TRUE(j.at("lines_match").get<bool>());
  EXPECT_GE(j.at("gt_lines").get<int>(), 1);
  EXPECT_GE(j.at("gt_glyphs").get<int>(), 10);
  // The same command again writes the same bytes.
  const std::string png = read_file(out + "/page_000.png");
  r = test::run_scrawl("-q synth --glyphs " + test::emnist("test") + " --out " + out +
                       " --pages 1 --seed 7 --words dictionary");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(out + "/page_000.png"), png);
}

TEST(SynthCli, BadInput) {
  test::TempDir tmp;
  // Missing glyph set: exit 1 naming it, nothing written.
  const std::string missing = tmp / "no_such_glyphs";
  auto r = test::run_scrawl("synth --glyphs " + missing + " --out " + (tmp / "o") + " --pages 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "o") && !fs::is_empty(tmp / "o"));
  // Usage errors: exit 2.
  EXPECT_EQ(test::run_scrawl("synth --out " + (tmp / "o")).exit_code, 2);  // no --glyphs, no --font hershey
  EXPECT_EQ(test::run_scrawl("synth --font hershey --out " + (tmp / "o") + " --words nonsense").exit_code, 2);
  EXPECT_EQ(test::run_scrawl("synth --font hershey --out " + (tmp / "o") + " --pages 0").exit_code, 2);
  EXPECT_EQ(test::run_scrawl("synth --font hershey --out " + (tmp / "o") + " --gap -0.25").exit_code, 2);
  EXPECT_EQ(test::run_scrawl("synth --font hershey --out " + (tmp / "o") + " --gap -0.25:x").exit_code, 2);
  r = test::run_scrawl("synth --font hershey --out " + (tmp / "o") + " --gap 0.3:0.1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("letter gaps"), std::string::npos) << r.err;
  // A fixed text character that no glyph exists for: exit 1.
  r = test::run_scrawl("synth --font hershey --out " + (tmp / "o") + " --text 'HELLO, WORLD'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("','"), std::string::npos) << r.err;
}

TEST(Synth, BundledExampleIsReproducible) {
  // examples/README.md's command must still make examples/page.png and page.txt.
  SynthConfig cfg;
  cfg.font = SynthFont::kHershey;
  cfg.text = {"THE QUICK BROWN", "FOX JUMPS OVER", "THE LAZY DOG", "12345 67890"};
  cfg.width = 1600;
  cfg.height = 1000;
  cfg.min_char_h = 80;
  cfg.max_char_h = 100;
  test::TempDir tmp;
  synth_pages(cfg, nullptr, tmp.path.string(), 1, 1);
  const std::string ex = test::source_dir() + "/examples/";
  EXPECT_EQ(read_file(tmp / "page_000.txt"), read_file(ex + "page.txt"));
  const cv::Mat made = cv::imread(tmp / "page_000.png", cv::IMREAD_COLOR);
  const cv::Mat shipped = cv::imread(ex + "page.png", cv::IMREAD_COLOR);
  ASSERT_FALSE(shipped.empty());
  ASSERT_EQ(made.size(), shipped.size());
  cv::Mat diff;
  cv::absdiff(made, shipped, diff);
  const cv::Scalar mean = cv::mean(diff);
  EXPECT_LT(mean[0] + mean[1] + mean[2], 1.5);
}

TEST(Synth, NegativeGapsMakeNeighboursOverlap) {
  // --gap -0.25:-0.1: every pair of neighbours in a word is drawn overlapping (the next glyph starts before the
  // previous one ends), yet in order; the default gaps keep neighbours apart.
  auto overlaps = [](const SynthPage& page, size_t* pairs) {
    size_t n = 0;
    *pairs = 0;
    for (size_t i = 1; i < page.glyphs.size(); ++i) {
      const auto &a = page.glyphs[i - 1], &b = page.glyphs[i];
      if (a.line != b.line || a.word != b.word) continue;
      ++*pairs;
      EXPECT_GT(b.rect.x, a.rect.x);
      n += b.rect.x < a.rect.x + a.rect.width;
    }
    return n;
  };
  SynthConfig touching;
  touching.gap_min = -0.25;
  touching.gap_max = -0.1;
  size_t pairs = 0;
  const size_t over = overlaps(synth_page(touching, &emnist_test(), 3), &pairs);
  ASSERT_GT(pairs, 20u);
  EXPECT_GT(over, pairs * 9 / 10);
  const size_t apart = overlaps(synth_page(SynthConfig{}, &emnist_test(), 3), &pairs);
  EXPECT_LT(apart, pairs / 10);
  SynthConfig bad;
  bad.gap_min = 0.3;
  bad.gap_max = 0.1;
  EXPECT_THROW(synth_page(bad, &emnist_test(), 1), std::runtime_error);
}

TEST(Synth, BoldWidensEveryStrokeAndKeepsTheText) {
  // The same text with a bolder pen: the same glyph samples, and the strokes (ink area over ink length, the length
  // estimated as half the outline) wider by about the added 0.05 cap heights.
  SynthConfig thin, bold;
  thin.max_skew_deg = bold.max_skew_deg = 0;
  thin.text = bold.text = {"THE QUICK BROWN FOX", "JUMPS OVER 12345", "THE LAZY DOG 67890"};
  bold.bold = 0.05;
  const SynthPage a = synth_page(thin, &emnist_test(), 11), b = synth_page(bold, &emnist_test(), 11);
  EXPECT_EQ(a.text, b.text);
  ASSERT_EQ(a.glyphs.size(), b.glyphs.size());
  auto stroke = [](const SynthPage& page) {
    cv::Mat gray, ink;
    cv::cvtColor(page.image, gray, cv::COLOR_BGR2GRAY);
    cv::adaptiveThreshold(gray, ink, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, 51, 20);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(ink, contours, cv::RETR_LIST, cv::CHAIN_APPROX_NONE);
    double outline = 0;
    for (const auto& c : contours) outline += cv::arcLength(c, true);
    return 2.0 * cv::countNonZero(ink) / std::max(outline, 1.0);
  };
  double cap = 0;
  for (size_t i = 0; i < a.glyphs.size(); ++i) {
    EXPECT_EQ(a.glyphs[i].sample, b.glyphs[i].sample);
    cap += a.glyphs[i].box.height;
  }
  cap /= double(a.glyphs.size());
  const double wider = stroke(b) - stroke(a);
  EXPECT_GT(wider, 0.5 * 0.05 * cap);
  EXPECT_LT(wider, 1.5 * 0.05 * cap);
}
