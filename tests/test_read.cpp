// scrawl read end to end on synthetic pages and on bad input: every bad file gives one line
// "scrawl: PATH: problem" and exit code 1, never a crash; a blank page gives empty text and exit 0.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "scrawl/data/dataset.h"
#include "scrawl/image/segment.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/ocr/default_model.h"
#include "scrawl/ocr/format.h"
#include "scrawl/ocr/reader.h"
#include "scrawl/synth/synth.h"
#include "test_util.h"

namespace {

using scrawl::test::run_scrawl;
using scrawl::test::TempDir;

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

std::string encode(const cv::Mat& img, const std::string& ext) {
  std::vector<uint8_t> buf;
  EXPECT_TRUE(cv::imencode(ext, img, buf));
  return std::string(buf.begin(), buf.end());
}

// A page with typed capitals, 40 px tall: the layout is known even if the model reads the glyphs wrongly.
cv::Mat text_page(const std::vector<std::string>& lines) {
  cv::Mat page(int(lines.size()) * 120 + 80, 1400, CV_8U, cv::Scalar(235));
  for (size_t i = 0; i < lines.size(); ++i)
    cv::putText(page, lines[i], cv::Point(40, 80 + int(i) * 120), cv::FONT_HERSHEY_SIMPLEX, 40 / 22.0, cv::Scalar(30),
                4);
  return page;
}

// A small untrained model of the right shape: enough to exercise every path that does not judge accuracy.
struct Fixture : ::testing::Test {
  TempDir dir;
  std::string model;
  void SetUp() override {
    scrawl::Model m("fc36", scrawl::InputSpec{}, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    m.init_params(1);
    model = dir / "tiny.scrawl";
    scrawl::save_model(m, model);
  }
  scrawl::test::RunResult read(const std::string& args) { return run_scrawl("read --model " + model + " " + args); }
  // One line on stderr, starting "scrawl: PATH: ".
  void expect_bad(const std::string& file, const std::string& what) {
    const auto r = read(file);
    EXPECT_EQ(r.exit_code, 1) << file << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("scrawl: " + file + ": ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  }
};

TEST_F(Fixture, AGlyphModelIsNoLineModel) {
  // --recognizer line with a glyph model as its line model: one line naming the file and the problem, no output.
  const std::string page = dir / "page.png";
  write(page, encode(text_page({"HELLO"}), ".png"));
  const auto r = read("--recognizer line --line-model " + model + " " + page);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "scrawl: " + model + ": not a line model (its input normalization is 'emnist', expected 'line')\n");
  // Auto loads the line model only when a page needs it, but reads its header first: the same error, before any page.
  const auto for_auto = read("--recognizer auto --line-model " + model + " " + page);
  EXPECT_EQ(for_auto.exit_code, 1) << for_auto.err;
  EXPECT_EQ(for_auto.out, "");
  EXPECT_EQ(for_auto.err, r.err);
  const auto missing = read("--recognizer auto --line-model " + (dir / "none.scrawl") + " " + page);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("none.scrawl"), std::string::npos) << missing.err;
}

// --small-model: its predictions stand in for the glyph model's, so it must read the same characters; the header
// says so before any page is read. A missing file fails at once too.
TEST_F(Fixture, ASmallModelMustReadTheGlyphModelsCharacters) {
  const std::string page = dir / "page.png";
  write(page, encode(text_page({"HELLO"}), ".png"));
  scrawl::Model digits("fc10", scrawl::InputSpec{}, "0123456789");
  digits.init_params(1);
  const std::string digits_path = dir / "digits.scrawl";
  scrawl::save_model(digits, digits_path);
  const auto r = read("--small-model " + digits_path + " " + page);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "scrawl: " + digits_path +
                       ": the small-writing model reads '0123456789' but the glyph model "
                       "'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ': both must read the same characters\n");
  const auto missing = read("--small-model " + (dir / "none.scrawl") + " " + page);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("none.scrawl"), std::string::npos) << missing.err;
  const auto same = read("--small-model " + model + " " + page);
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(same.out, read(page).out);
}

// A model that does not read one-channel upright glyphs, as --model or --small-model: one line naming its file.
TEST_F(Fixture, AModelForOtherInputNamesItsFile) {
  const std::string page = dir / "page.png";
  write(page, encode(text_page({"HELLO"}), ".png"));
  scrawl::InputSpec colour;
  colour.shape = scrawl::Shape{3, 28, 28};
  scrawl::Model m("fc36", colour, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  m.init_params(1);
  const std::string path = dir / "colour.scrawl";
  scrawl::save_model(m, path);
  for (const std::string option : {"--model ", "--small-model "}) {
    const auto r = run_scrawl("read " + option + path + " " + page);
    EXPECT_EQ(r.exit_code, 1) << option << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "scrawl: " + path + ": model takes 3x28x28 inputs; the page reader needs one channel\n");
  }
}

TEST_F(Fixture, EmptyFile) {
  write(dir / "empty.png", "");
  expect_bad(dir / "empty.png", "empty");
}

TEST_F(Fixture, TextFileNamedPng) {
  write(dir / "notes.png", "these are notes, not pixels\n");
  expect_bad(dir / "notes.png", "not a readable image");
}

TEST_F(Fixture, TruncatedJpeg) {
  const std::string jpg = encode(text_page({"HELLO"}), ".jpg");
  write(dir / "cut.jpg", jpg.substr(0, jpg.size() / 2));
  expect_bad(dir / "cut.jpg", "truncated");
}

TEST_F(Fixture, CorruptPng) {
  std::string png = encode(text_page({"HELLO"}), ".png");
  for (size_t i = png.size() / 3; i < png.size() / 3 + 64; ++i) png[i] = char(png[i] ^ 0x5A);
  write(dir / "bad.png", png);
  expect_bad(dir / "bad.png", "corrupt PNG");
}

TEST_F(Fixture, HugeImageRefusedFromHeader) {
  std::string png = encode(cv::Mat(1, 1, CV_8U, cv::Scalar(255)), ".png");
  for (size_t at : {16u, 20u})
    for (int k = 0; k < 4; ++k) png[at + k] = char((30000u >> (24 - 8 * k)) & 0xFF);
  write(dir / "huge.png", png);
  expect_bad(dir / "huge.png", "too large");
}

TEST_F(Fixture, AllBlackPage) {
  write(dir / "black.jpg", encode(cv::Mat(600, 800, CV_8U, cv::Scalar(3)), ".jpg"));
  expect_bad(dir / "black.jpg", "dark");
}

TEST_F(Fixture, MissingFile) {
  expect_bad(dir / "nope.jpg", "no such file");
}

TEST_F(Fixture, BlankPageGivesEmptyText) {
  cv::Mat paper(900, 1200, CV_8U);
  cv::randn(paper, 215, 4);
  write(dir / "blank.png", encode(paper, ".png"));
  const auto r = read(dir / "blank.png");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(Fixture, UsageErrors) {
  EXPECT_EQ(read("").exit_code, 2);
  write(dir / "p.png", encode(text_page({"AB"}), ".png"));
  EXPECT_EQ(read(dir / "p.png --format xml").exit_code, 2);
  EXPECT_EQ(read(dir / "p.png --jobs 0").exit_code, 2);
}

TEST_F(Fixture, TextHasOneLinePerLineAndSingleSpaces) {
  write(dir / "p.png", encode(text_page({"HELLO WORLD", "ABC DEF GHK"}), ".png"));
  const auto r = read(dir / "p.png");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  const std::string first = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(first.size(), 11u) << first;  // 5 + space + 5, whatever the untrained model calls the glyphs
  EXPECT_EQ(first[5], ' ');
}

TEST_F(Fixture, SeveralImagesGetHeadersAndABadOneFailsTheRun) {
  write(dir / "a.png", encode(text_page({"AB"}), ".png"));
  write(dir / "b.png", encode(text_page({"CD", "EF"}), ".png"));
  write(dir / "c.png", "junk");
  const std::string a = dir / "a.png", b = dir / "b.png", c = dir / "c.png";
  auto r = read(a + " " + b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("==> " + a + " <==\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\n==> " + b + " <==\n"), std::string::npos) << r.out;
  r = read(a + " " + c + " " + b);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("==> " + b + " <=="), std::string::npos);  // the good pages are still read
  EXPECT_NE(r.err.find("scrawl: " + c + ": "), std::string::npos) << r.err;
}

TEST_F(Fixture, JobsGiveTheSameOutputAsOneJob) {
  std::string args;
  for (int i = 0; i < 4; ++i) {
    std::string name = "p";  // appended, not "p" + ...: GCC 12 warns falsely (-Wrestrict) on that
    name += std::to_string(i) + ".png";
    const std::string p = dir / name;
    write(p, encode(text_page({std::string("ABCDE").substr(0, size_t(i) + 1), "XYZ"}), ".png"));
    args += " " + p;
  }
  const auto one = read(args), four = read("--jobs 4" + args);
  ASSERT_EQ(one.exit_code, 0);
  EXPECT_EQ(one.out, four.out);
  EXPECT_EQ(four.exit_code, 0);
}

TEST_F(Fixture, JsonTsvHocrDescribeTheSamePage) {
  write(dir / "p.png", encode(text_page({"HELLO WORLD", "TEXT"}), ".png"));
  const auto js = read(dir / "p.png --format json");
  ASSERT_EQ(js.exit_code, 0) << js.err;
  const auto j = nlohmann::json::parse(js.out);
  ASSERT_EQ(j["lines"].size(), 2u);
  ASSERT_EQ(j["lines"][0]["words"].size(), 2u);
  const auto& ch = j["lines"][0]["words"][0]["chars"];
  ASSERT_EQ(ch.size(), 5u);
  EXPECT_EQ(ch[0]["bbox"].size(), 4u);
  // Three alternatives, best first, the label among them (the word decoder may choose one below the first; with
  // this untrained model it does).
  for (const auto& c : ch) {
    ASSERT_EQ(c["alternatives"].size(), 3u);
    bool listed = false;
    for (const auto& a : c["alternatives"]) listed = listed || a["label"] == c["label"];
    EXPECT_TRUE(listed) << c;
    for (size_t a = 1; a < c["alternatives"].size(); ++a)
      EXPECT_GE(c["alternatives"][a - 1]["prob"].get<double>(), c["alternatives"][a]["prob"].get<double>());
  }
  EXPECT_EQ(j["width"], 1400);

  const auto tsv = read(dir / "p.png --format tsv");
  ASSERT_EQ(tsv.exit_code, 0);
  EXPECT_EQ(tsv.out.rfind(
                "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n", 0),
            0u);
  int words = 0, lines = 0;
  std::istringstream in(tsv.out);
  for (std::string row; std::getline(in, row);) {
    words += row.rfind("5\t", 0) == 0;
    lines += row.rfind("4\t", 0) == 0;
  }
  EXPECT_EQ(words, 3);
  EXPECT_EQ(lines, 2);

  const auto hocr = read(dir / "p.png --format hocr");
  ASSERT_EQ(hocr.exit_code, 0);
  EXPECT_NE(hocr.out.find("class=\"ocr_page\""), std::string::npos);
  size_t n = 0;
  for (size_t at = 0; (at = hocr.out.find("class=\"ocrx_word\"", at)) != std::string::npos; ++at) ++n;
  EXPECT_EQ(n, 3u);
  EXPECT_NE(hocr.out.find("</html>"), std::string::npos);
}

TEST_F(Fixture, AnnotateWritesAPictureOfTheSameSize) {
  write(dir / "p.png", encode(text_page({"HELLO"}), ".png"));
  const auto r = read(dir / "p.png --annotate " + (dir / "out.png"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const cv::Mat a = cv::imread(dir / "out.png", cv::IMREAD_COLOR);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.cols, 1400);
  // Boxes are drawn in colour on a gray page.
  std::vector<cv::Mat> ch;
  cv::split(a, ch);
  EXPECT_GT(cv::countNonZero(ch[2] != ch[0]), 100);
}

TEST_F(Fixture, CppApiReadsAPage) {
  write(dir / "p.png", encode(text_page({"ONE TWO", "THREE"}), ".png"));
  scrawl::Reader reader(scrawl::load_model(model));
  const scrawl::PageResult page = reader.read(dir / "p.png");
  ASSERT_EQ(page.lines.size(), 2u);
  EXPECT_EQ(page.lines[0].words.size(), 2u);
  EXPECT_EQ(page.size, cv::Size(1400, 320));
  const std::string text = scrawl::to_text(page);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_EQ(text.size(), 7u + 1 + 5 + 1);
  // A clone reads the same.
  scrawl::Reader other = reader.clone();
  EXPECT_EQ(scrawl::to_text(other.read(dir / "p.png")), text);
}

TEST_F(Fixture, ReaderRefusesADecoderForOtherClasses) {
  EXPECT_THROW(scrawl::Reader(scrawl::load_model(model), scrawl::WordDecoder("0123456789")), std::invalid_argument);
  EXPECT_NO_THROW(scrawl::Reader(scrawl::load_model(model), scrawl::WordDecoder(scrawl::load_model(model).classes())));
}

// The shipped model decides whether a cell the segmenter proposes to cut is one wide letter or touching letters.
struct SplitDecision : ::testing::Test {
  static const scrawl::Dataset& glyphs() {
    static const scrawl::Dataset ds = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
    return ds;
  }
  // Binary ink (255) of sample i at 4x, as a crop would come from a page.
  static cv::Mat ink(int i) {
    const scrawl::Dataset& ds = glyphs();
    const cv::Mat src(ds.h, ds.w, CV_32F, const_cast<float*>(ds.image(i)));
    cv::Mat big;
    cv::resize(src, big, cv::Size(), 4, 4, cv::INTER_CUBIC);
    return big > 0.5f;
  }
  // The first sample of `ch` that the model reads as `ch` with confidence above 0.99 on its own.
  int clear_sample(char ch) {
    const scrawl::Dataset& ds = glyphs();
    for (int i = 0; i < ds.size(); ++i)
      if (ds.classes[size_t(ds.labels[size_t(i)])] == ch) {
        const auto p = classifier.classify({scrawl::normalize_glyph(ink(i))});
        if (p[0].label() == ch && p[0].confidence() > 0.99f) return i;
      }
    ADD_FAILURE() << "no clear " << ch;
    return 0;
  }
  // A one-line layout of one cell, `box` wide and tall, whose crop is `whole`, with the proposed parts.
  static scrawl::PageLayout cell(const cv::Mat& whole, const std::vector<cv::Mat>& parts, cv::Size box) {
    scrawl::Glyph g;
    g.box = cv::Rect(cv::Point(100, 100), box);
    g.norm = scrawl::normalize_glyph(whole);
    int x = 100;
    for (const auto& p : parts) {
      scrawl::Glyph q;
      q.box = cv::Rect(x, 100, box.width / int(parts.size()), box.height);
      x += q.box.width;
      q.norm = scrawl::normalize_glyph(p);
      g.parts.push_back(q);
    }
    scrawl::PageLayout layout;
    layout.lines.resize(1);
    layout.lines[0].words.resize(1);
    layout.lines[0].words[0].glyphs.push_back(g);
    return layout;
  }
  scrawl::Classifier classifier{scrawl::load_model(scrawl::default_model_path())};
  scrawl::Reader reader{scrawl::load_model(scrawl::default_model_path())};
};

TEST_F(SplitDecision, WideLetterStaysWhole) {
  // An "M" 1.5 times as wide as tall, cut down the middle by the segmenter: still one "M".
  const cv::Mat m = ink(clear_sample('M'));
  const int half = m.cols / 2;
  const auto page = reader.recognize(
      cell(m, {m(cv::Rect(0, 0, half, m.rows)), m(cv::Rect(half, 0, m.cols - half, m.rows))}, {90, 60}));
  ASSERT_EQ(page.lines.size(), 1u);
  EXPECT_EQ(page.lines[0].text(), "M");
  // The cut it did not take stays on the word for the decoder: two chars in the parts' boxes.
  const auto& w = page.lines[0].words[0];
  ASSERT_EQ(w.other_readings.size(), 1u);
  EXPECT_EQ(w.other_readings[0].first, 0u);
  EXPECT_EQ(w.other_readings[0].count, 1u);
  ASSERT_EQ(w.other_readings[0].other.size(), 2u);
  EXPECT_EQ(w.other_readings[0].other[0].box, cv::Rect(100, 100, 45, 60));
  EXPECT_EQ(w.other_readings[0].other[1].box, cv::Rect(145, 100, 45, 60));
  EXPECT_FALSE(w.other_readings[0].other[1].alternatives.empty());
}

TEST_F(SplitDecision, TouchingPairIsCut) {
  // "A" and "T" side by side, their ink overlapping by two pixels: one component, 1.8 times as wide as tall.
  const cv::Mat a = ink(clear_sample('A')), t = ink(clear_sample('T'));
  const cv::Rect ba = cv::boundingRect(a), bt = cv::boundingRect(t);
  cv::Mat pair = cv::Mat::zeros(std::max(ba.height, bt.height), ba.width + bt.width - 2, CV_8U);
  a(ba).copyTo(pair(cv::Rect(0, 0, ba.width, ba.height)));
  cv::Mat right = pair(cv::Rect(ba.width - 2, 0, bt.width, bt.height));
  cv::max(right, t(bt), right);
  const auto page = reader.recognize(cell(pair, {a(ba), t(bt)}, {108, 60}));
  ASSERT_EQ(page.lines.size(), 1u);
  EXPECT_EQ(page.lines[0].text(), "AT");
  ASSERT_EQ(page.lines[0].words[0].chars.size(), 2u);
  EXPECT_EQ(page.lines[0].words[0].chars[0].box, cv::Rect(100, 100, 54, 60));
  // ... and the whole cell, as one char, is the reading it did not take.
  const auto& w = page.lines[0].words[0];
  ASSERT_EQ(w.other_readings.size(), 1u);
  EXPECT_EQ(w.other_readings[0].first, 0u);
  EXPECT_EQ(w.other_readings[0].count, 2u);
  ASSERT_EQ(w.other_readings[0].other.size(), 1u);
  EXPECT_EQ(w.other_readings[0].other[0].box, cv::Rect(100, 100, 108, 60));
}

TEST(SynthBoxes, SidecarHoldsEveryGlyphWhereItWasDrawn) {
  // The truth bench/synth_breakdown.py scores against: one entry per written glyph, in reading order, with its
  // line and word, and the drawing rectangle mapped by the rotation lands inside the page box.
  scrawl::SynthConfig cfg;
  cfg.font = scrawl::SynthFont::kHershey;
  cfg.text = {"AB CD", "EFG"};
  cfg.width = 800;
  cfg.height = 500;
  cfg.boxes = true;
  TempDir dir;
  scrawl::synth_pages(cfg, nullptr, dir.path.string(), 1, 5);
  std::ifstream in(dir / "page_000.json");
  ASSERT_TRUE(in.good());
  const auto j = nlohmann::json::parse(in);
  const auto& g = j.at("glyphs");
  ASSERT_EQ(g.size(), 7u);
  const std::string chars = "ABCDEFG";
  const std::vector<int> line = {0, 0, 0, 0, 1, 1, 1}, word = {0, 0, 1, 1, 0, 0, 0};
  const auto& m = j.at("rotation");
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_EQ(g[i].at("ch").get<std::string>(), std::string(1, chars[i]));
    EXPECT_EQ(g[i].at("line").get<int>(), line[i]) << i;
    EXPECT_EQ(g[i].at("word").get<int>(), word[i]) << i;
    const auto& r = g[i].at("rect");
    const auto& b = g[i].at("box");
    const double cx = r[0].get<double>() + r[2].get<double>() / 2, cy = r[1].get<double>() + r[3].get<double>() / 2;
    const double px = m[0][0].get<double>() * cx + m[0][1].get<double>() * cy + m[0][2].get<double>();
    const double py = m[1][0].get<double>() * cx + m[1][1].get<double>() * cy + m[1][2].get<double>();
    EXPECT_GT(px, b[0].get<double>());
    EXPECT_LT(px, b[0].get<double>() + b[2].get<double>());
    EXPECT_GT(py, b[1].get<double>());
    EXPECT_LT(py, b[1].get<double>() + b[3].get<double>());
  }
  // Left to right within a line.
  EXPECT_LT(g[0].at("rect")[0].get<int>(), g[1].at("rect")[0].get<int>());
}

}  // namespace
