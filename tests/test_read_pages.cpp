// End to end on the three shared page photos with the shipped model (models/default.scrawl, or $SCRAWL_MODEL):
// exact line count, and glyph/text character error rates no worse than the recorded ratchet; and on 20 pages
// `scrawl synth` composes from emnist36-test, read and decoded as `scrawl read` does.
// CER is computed here with an independent Levenshtein, not with scrawl's own scorer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "scrawl/data/dataset.h"
#include "scrawl/image/segment.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/ocr/decode_page.h"
#include "scrawl/ocr/reader.h"
#include "scrawl/synth/synth.h"
#include "scrawl/util/files.h"
#include "test_util.h"

namespace {

size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1 : 0)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string strip_ws(const std::string& s) {
  std::string o;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) o += c;
  return o;
}

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST(Levenshtein, KnownDistances) {
  EXPECT_EQ(levenshtein("kitten", "sitting"), 3u);
  EXPECT_EQ(levenshtein("", "abc"), 3u);
  EXPECT_EQ(levenshtein("abc", "abc"), 0u);
  EXPECT_EQ(levenshtein("ABC", "AC"), 1u);
}

scrawl::Reader load_reader() {
  // The shipped model; a missing one is a failure, not a skip.
  const char* env = std::getenv("SCRAWL_MODEL");
  const std::string path = env && *env ? env : scrawl::test::source_dir() + "/models/default.scrawl";
  if (!std::filesystem::exists(path)) ADD_FAILURE() << "shipped model missing: " << path;
  return scrawl::Reader(scrawl::load_model(path));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path << " missing";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct PageCase {
  std::string name;
  double max_glyph_cer;  // ratchet: lower these when the reader improves, never raise them
  double max_text_cer;
};

class SharedPage : public ::testing::TestWithParam<PageCase> {
 protected:
  static scrawl::Reader& reader() {
    static scrawl::Reader r = load_reader();
    return r;
  }
};

TEST_P(SharedPage, ReadsWithinTheRatchet) {
  const PageCase& c = GetParam();
  const std::string base = scrawl::test::data_dir() + "/pages/" + c.name;
  const std::string truth = trim_newlines(read_file(base + ".txt"));
  const std::string got = trim_newlines(scrawl::to_text(reader().read(base + ".jpg")));

  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), std::count(truth.begin(), truth.end(), '\n'))
      << "line count differs:\n"
      << got;
  const double glyph = double(levenshtein(strip_ws(truth), strip_ws(got))) / strip_ws(truth).size();
  const double text = double(levenshtein(truth, got)) / truth.size();
  EXPECT_LE(glyph, c.max_glyph_cer) << got;
  EXPECT_LE(text, c.max_text_cer) << got;
  RecordProperty("glyph_cer", std::to_string(glyph));
  RecordProperty("text_cer", std::to_string(text));
}

INSTANTIATE_TEST_SUITE_P(Pages, SharedPage,
                         ::testing::Values(PageCase{"02_letters", 0.02, 0.02}, PageCase{"03_haiku", 0.02, 0.02},
                                           PageCase{"04_deep", 0.02, 0.02}),
                         [](const auto& info) { return info.param.name; });

// The library's one read call returns what `scrawl read` prints: word decoding is part of Reader::read. On the
// photos the letter/digit context alone already reads right, so synthesized dictionary pages (where the word
// prior changes glyphs) are read too, and a glyph-by-glyph reader must differ from the command there, or the
// comparison could not fail.
TEST(ReaderApi, ReadPrintsWhatTheCommandPrints) {
  std::vector<std::string> images;
  for (const char* name : {"02_letters", "03_haiku", "04_deep"})
    images.push_back(scrawl::test::data_dir() + "/pages/" + name + ".jpg");
  const scrawl::Dataset glyphs = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
  scrawl::test::TempDir dir;
  scrawl::SynthConfig words;
  words.words = scrawl::SynthWords::kDictionary;
  for (const auto& image : scrawl::synth_pages(words, &glyphs, dir.path.string(), 3, 31)) images.push_back(image);

  // The command reads with the auto recognizer and the shipped line model; the library's default is the glyph path.
  scrawl::ReadConfig with_lines;
  with_lines.recognizer = scrawl::Recognizer::kAuto;
  scrawl::Reader reader(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"), with_lines);
  reader.set_line_model(scrawl::load_model(scrawl::test::source_dir() + "/models/line.scrawl"));
  scrawl::Reader glyph = load_reader();
  scrawl::ReadConfig raw;
  raw.decode.decode.lm_weight = 0;
  raw.decode.context = false;
  scrawl::Reader plain(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"),
                       scrawl::WordDecoder(scrawl::kClasses36), raw);
  size_t plain_differs = 0;
  for (const auto& image : images) {
    const auto cli = scrawl::test::run_scrawl("read " + image);
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    EXPECT_EQ(scrawl::to_text(reader.read(image)), cli.out) << image;
    const auto cli_glyph = scrawl::test::run_scrawl("read --recognizer glyph " + image);
    ASSERT_EQ(cli_glyph.exit_code, 0) << cli_glyph.err;
    EXPECT_EQ(scrawl::to_text(glyph.read(image)), cli_glyph.out) << image;
    const scrawl::PageResult page = plain.read(image);
    for (const auto& line : page.lines)
      for (const auto& word : line.words)
        for (const auto& c : word.chars) EXPECT_EQ(c.label, c.alternatives.at(0).label) << image;  // argmax
    plain_differs += scrawl::to_text(page) != cli.out;
  }
  EXPECT_GT(plain_differs, 0u);
}

TEST(SynthPages, MixedPagesFromTestGlyphsMeetTheTarget) {
  // Issue 4's synthetic target: 20 pages of `scrawl synth`'s default mix (words, numbers, random strings) drawn
  // from emnist36-test glyphs, glyph CER <= 5% pooled over the pages. Seed 81 was held out from every tuning
  // choice; BENCHMARKS.md records 3.37% (52 edits of 1544) for the shipped model, so the ratchet sits at 4%.
  const scrawl::Dataset glyphs = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
  scrawl::test::TempDir dir;
  const auto images = scrawl::synth_pages(scrawl::SynthConfig{}, &glyphs, dir.path.string(), 20, 81);
  ASSERT_EQ(images.size(), 20u);
  scrawl::Reader reader = load_reader();
  size_t edits = 0, total = 0, lines_ok = 0;
  for (const auto& image : images) {
    const std::string truth = trim_newlines(read_file(image.substr(0, image.size() - 4) + ".txt"));
    const std::string got = trim_newlines(scrawl::to_text(reader.read(image)));
    edits += levenshtein(strip_ws(truth), strip_ws(got));
    total += strip_ws(truth).size();
    lines_ok += std::count(got.begin(), got.end(), '\n') == std::count(truth.begin(), truth.end(), '\n');
  }
  const double cer = double(edits) / double(total);
  std::printf("synthetic mixed pages, seed 81: %zu edits / %zu glyphs = %.2f%%, lines right on %zu of 20\n", edits,
              total, 100 * cer, lines_ok);
  EXPECT_LE(cer, 0.04);
  EXPECT_GE(lines_ok, 19u);
}

// Issue 14's touching-letter set: 20 pages from emnist36-test glyphs with letter gaps -0.25..+0.05 cap heights,
// seed 301 (held out). BENCHMARKS.md records 52.1% for the glyph path, 16.45% for --recognizer line and 17.07%
// for auto with the shipped line model: the ratchets sit 1.5-2 points above. Auto must also keep the photos exact.
scrawl::Reader line_reader(scrawl::Recognizer which) {
  scrawl::ReadConfig cfg;
  cfg.recognizer = which;
  scrawl::Reader r(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"), cfg);
  r.set_line_model(scrawl::load_model(scrawl::test::source_dir() + "/models/line.scrawl"));
  return r;
}

double pooled_cer(scrawl::Reader& reader, const std::vector<std::string>& images, const std::string& ext) {
  size_t edits = 0, total = 0;
  for (const auto& image : images) {
    const std::string truth = trim_newlines(read_file(image.substr(0, image.size() - ext.size()) + ".txt"));
    const std::string got = trim_newlines(scrawl::to_text(reader.read(image)));
    edits += levenshtein(strip_ws(truth), strip_ws(got));
    total += strip_ws(truth).size();
  }
  return double(edits) / double(total);
}

// Small writing (capitals 12-16 px, read again enlarged): auto reads a page whose letters stand apart with the glyph
// classifier and word decoding alone, as the line model read such pages worse (ReadConfig::auto_glyph_on_small), but
// still gives a page written touching throughout to the line model, which reads it far better there (seeds 12 and 13,
// never tuned on). The glyph reader here cuts the page as auto does (line ink on), so the two must agree exactly.
TEST(SmallWriting, AutoReadsItOnTheGlyphPathUnlessWrittenTouching) {
  const scrawl::Dataset glyphs = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
  const scrawl::SynthConfig small = scrawl::small_writing();
  scrawl::SynthConfig touching = small;
  touching.gap_min = -0.25;
  touching.gap_max = 0.05;
  const scrawl::SynthPage apart = scrawl::synth_page(small, &glyphs, 12),
                          close = scrawl::synth_page(touching, &glyphs, 13);
  const scrawl::SynthPage full = scrawl::synth_page(scrawl::SynthConfig{}, &glyphs, 14);
  for (const auto* page : {&apart, &close, &full}) {
    cv::Mat gray;
    cv::cvtColor(page->image, gray, cv::COLOR_BGR2GRAY);
    EXPECT_EQ(scrawl::segment(gray).enlarged, page != &full);
  }
  scrawl::Reader autoreader = line_reader(scrawl::Recognizer::kAuto), glyph = line_reader(scrawl::Recognizer::kGlyph);
  scrawl::ReadConfig cut_as_auto;
  cut_as_auto.segment.line_ink = true;
  scrawl::Reader glyph_on_auto_cuts(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"),
                                    cut_as_auto);
  scrawl::ReadConfig rule_off;
  rule_off.recognizer = scrawl::Recognizer::kAuto;
  rule_off.auto_glyph_on_small = false;
  scrawl::Reader without_rule(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"), rule_off);
  without_rule.set_line_model(scrawl::load_model(scrawl::test::source_dir() + "/models/line.scrawl"));
  auto cer = [](const scrawl::SynthPage& page, const scrawl::PageResult& r) {
    const std::string truth = strip_ws(page.text), got = strip_ws(scrawl::to_text(r));
    return double(levenshtein(truth, got)) / double(truth.size());
  };
  const std::string by_auto_apart = scrawl::to_text(autoreader.read_image(apart.image));
  EXPECT_EQ(by_auto_apart, scrawl::to_text(glyph_on_auto_cuts.read_image(apart.image)));
  EXPECT_NE(by_auto_apart, scrawl::to_text(without_rule.read_image(apart.image)));  // the line model had read words
  const double by_auto = cer(close, autoreader.read_image(close.image)),
               by_glyph = cer(close, glyph.read_image(close.image));
  std::printf("small touching page, seed 13: auto %.1f%%, glyph path %.1f%%\n", 100 * by_auto, 100 * by_glyph);
  EXPECT_LT(by_auto, 0.9 * by_glyph);
}

// Issue 14's widely spaced set: 20 pages from emnist36-test glyphs, letter gaps 0.35..0.6 cap heights (word gaps at
// least twice that), seed 401 (held out). Text CER keeps the spaces: here the lexicon decides where the gaps cannot
// (respace_words). BENCHMARKS.md records 6.77% for auto and for the glyph path (12.37% and 12.44% before
// session 14): the ratchet sits at 8%.
TEST(WidePages, SpacesComeFromTheGapsAndTheWordList) {
  const scrawl::Dataset glyphs = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
  scrawl::test::TempDir dir;
  scrawl::SynthConfig wide;
  wide.gap_min = 0.35;
  wide.gap_max = 0.6;
  const auto images = scrawl::synth_pages(wide, &glyphs, dir.path.string(), 20, 401);
  ASSERT_EQ(images.size(), 20u);
  scrawl::Reader automatic = line_reader(scrawl::Recognizer::kAuto);
  size_t edits = 0, total = 0;
  for (const auto& image : images) {
    const std::string truth = trim_newlines(read_file(image.substr(0, image.size() - 4) + ".txt"));
    const std::string got = trim_newlines(scrawl::to_text(automatic.read(image)));
    edits += levenshtein(truth, got);
    total += truth.size();
  }
  const double text_cer = double(edits) / double(total);
  std::printf("wide pages, seed 401: text CER %zu / %zu = %.2f%%\n", edits, total, 100 * text_cer);
  EXPECT_LE(text_cer, 0.08);
}

TEST(ReaderAlternatives, TheDecoderSeesSixClassesTheResultListsThree) {
  // recognize() keeps ReadConfig::decode_candidates (6) classes per glyph for the word decoder; read() lists top_k (3),
  // the chosen label among them. A typed page: the counts, not the reading, are what is checked.
  cv::Mat page(200, 900, CV_8U, cv::Scalar(235));
  cv::putText(page, "HOUSE 42", cv::Point(40, 120), cv::FONT_HERSHEY_SIMPLEX, 40 / 22.0, cv::Scalar(30), 4);
  scrawl::Reader reader(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"));
  const scrawl::PageResult raw = reader.recognize(scrawl::segment(page));
  const scrawl::PageResult read = reader.read_image(page);
  ASSERT_FALSE(raw.lines.empty());
  ASSERT_FALSE(read.lines.empty());
  for (const auto& w : raw.lines[0].words)
    for (const auto& c : w.chars) EXPECT_EQ(c.alternatives.size(), 6u);
  for (const auto& w : read.lines[0].words)
    for (const auto& c : w.chars) {
      ASSERT_EQ(c.alternatives.size(), 3u);
      EXPECT_TRUE(std::any_of(c.alternatives.begin(), c.alternatives.end(),
                              [&](const scrawl::Alternative& a) { return a.label == c.label; }));
    }
}

TEST(TouchingPages, TheLineRecognizerReadsThemWithinTheRatchet) {
  const scrawl::Dataset glyphs = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
  scrawl::test::TempDir dir;
  scrawl::SynthConfig touching;
  touching.gap_min = -0.25;
  touching.gap_max = 0.05;
  const auto images = scrawl::synth_pages(touching, &glyphs, dir.path.string(), 20, 301);
  ASSERT_EQ(images.size(), 20u);
  scrawl::Reader line = line_reader(scrawl::Recognizer::kLine), automatic = line_reader(scrawl::Recognizer::kAuto);
  const double line_cer = pooled_cer(line, images, ".png"), auto_cer = pooled_cer(automatic, images, ".png");
  std::printf("touching pages, seed 301: line %.2f%%, auto %.2f%%\n", 100 * line_cer, 100 * auto_cer);
  // 4.36% for both since session 12's lexicon search and page routing (5.51% and 6.38% before; BENCHMARKS.md,
  // "Touching letters"): the ratchets sit at issue 14's 5%.
  EXPECT_LE(line_cer, 0.05);
  EXPECT_LE(auto_cer, 0.05);
  std::vector<std::string> photos;
  for (const char* name : {"02_letters", "03_haiku", "04_deep"})
    photos.push_back(scrawl::test::data_dir() + "/pages/" + name + ".jpg");
  EXPECT_EQ(pooled_cer(automatic, photos, ".jpg"), 0.0);
}

}  // namespace

namespace {
// Reading `image` fails with `message`, and again the second time (a model that failed to load is not retried).
void expect_read_fails_twice(scrawl::Reader& reader, const cv::Mat& image, const char* message) {
  for (int page = 0; page < 2; ++page) {
    try {
      reader.read_image(image);
      ADD_FAILURE() << "read without the model that failed: " << message;
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), message);
    }
  }
}
}  // namespace

// Auto with the line model given as a loader (as `scrawl read` gives it): a photo of separate letters never loads it,
// a page written touching loads it once (and a clone, reading such a page, once more), and both read exactly as with
// the model loaded up front. Seed 16 (never tuned on).
TEST(ReaderApi, AutoLoadsTheLineModelWhenAPageFirstNeedsIt) {
  const scrawl::Dataset glyphs = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
  scrawl::SynthConfig touching;
  touching.gap_min = -0.25;
  touching.gap_max = 0.05;
  const std::string apart = scrawl::test::data_dir() + "/pages/02_letters.jpg";
  const scrawl::SynthPage close = scrawl::synth_page(touching, &glyphs, 16);
  const std::string line_path = scrawl::test::source_dir() + "/models/line.scrawl";
  scrawl::ReadConfig cfg;
  cfg.recognizer = scrawl::Recognizer::kAuto;
  scrawl::Reader lazy(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"), cfg);
  int loads = 0;
  lazy.set_line_model_loader(scrawl::read_model_header(line_path).classes, [&] {
    ++loads;
    return scrawl::load_model(line_path);
  });
  EXPECT_TRUE(lazy.has_line_model());
  scrawl::Reader eager = line_reader(scrawl::Recognizer::kAuto);
  scrawl::Reader lazy_clone = lazy.clone();
  EXPECT_EQ(scrawl::to_text(lazy.read(apart)), scrawl::to_text(eager.read(apart)));
  EXPECT_EQ(loads, 0) << "a page of separate letters loaded the line model";
  const std::string close_text = scrawl::to_text(eager.read_image(close.image));
  EXPECT_EQ(scrawl::to_text(lazy.read_image(close.image)), close_text);
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(scrawl::to_text(lazy.read_image(close.image)), close_text);
  EXPECT_EQ(loads, 1) << "loaded again";
  EXPECT_EQ(scrawl::to_text(lazy_clone.read_image(close.image)), close_text);
  EXPECT_EQ(loads, 2) << "the clone, made before the first load, loads its own";
  // A model that fails to load fails the page that needs it, with the loader's message; others still read. It is
  // not tried again for the next page that needs it.
  scrawl::Reader damaged(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"), cfg);
  int tries = 0;
  damaged.set_line_model_loader(scrawl::read_model_header(line_path).classes, [&]() -> scrawl::Model {
    ++tries;
    throw std::runtime_error("line.scrawl: checksum mismatch");
  });
  EXPECT_EQ(scrawl::to_text(damaged.read(apart)), scrawl::to_text(eager.read(apart)));
  expect_read_fails_twice(damaged, close.image, "line.scrawl: checksum mismatch");
  EXPECT_EQ(tries, 1);
  // A loader giving a glyph model (no line model) fails the page with a runtime_error too.
  scrawl::Reader wrong(scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"), cfg);
  wrong.set_line_model_loader(scrawl::read_model_header(line_path).classes,
                              [] { return scrawl::load_model(scrawl::test::source_dir() + "/models/default.scrawl"); });
  EXPECT_THROW(wrong.read_image(close.image), std::runtime_error);
  // The glyph model's classes are checked when the loader is given, not when it runs.
  EXPECT_THROW(lazy.set_line_model_loader(" 0123456789 ", [&] { return scrawl::load_model(line_path); }),
               std::invalid_argument);
}

// The small-writing model (models/small.scrawl) reads only pages the segmenter enlarged, given as a loader (as
// `scrawl read` gives it): a photo at full size never loads it and reads exactly as without it; three small pages
// (seeds 21-23, never tuned on) load it once and read with fewer errors than the glyph model alone. A model that
// fails to load fails the small pages with its message, not the others; one for other characters is refused at once.
TEST(SmallWriting, TheSmallModelReadsOnlySmallPagesAndReadsThemBetter) {
  const scrawl::Dataset glyphs = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
  const std::string models = scrawl::test::source_dir() + "/models/";
  const std::string small_path = models + "small.scrawl", photo = scrawl::test::data_dir() + "/pages/04_deep.jpg";
  scrawl::Reader plain(scrawl::load_model(models + "default.scrawl"));
  scrawl::Reader with_small(scrawl::load_model(models + "default.scrawl"));
  int loads = 0;
  with_small.set_small_model_loader(scrawl::read_model_header(small_path).classes, [&] {
    ++loads;
    return scrawl::load_model(small_path);
  });
  EXPECT_TRUE(with_small.has_small_model());
  EXPECT_FALSE(plain.has_small_model());
  EXPECT_EQ(scrawl::to_text(with_small.read(photo)), scrawl::to_text(plain.read(photo)));
  EXPECT_EQ(loads, 0) << "a page at full size loaded the small-writing model";
  size_t edits_plain = 0, edits_small = 0, total = 0;
  for (uint64_t seed : {21, 22, 23}) {
    const scrawl::SynthPage page = scrawl::synth_page(scrawl::small_writing(), &glyphs, seed);
    const std::string truth = strip_ws(page.text);
    edits_plain += levenshtein(truth, strip_ws(scrawl::to_text(plain.read_image(page.image))));
    edits_small += levenshtein(truth, strip_ws(scrawl::to_text(with_small.read_image(page.image))));
    total += truth.size();
  }
  EXPECT_EQ(loads, 1);
  std::printf("small pages, seeds 21-23: %zu edits with the small-writing model, %zu without, of %zu glyphs\n",
              edits_small, edits_plain, total);
  EXPECT_LT(edits_small, edits_plain);
  // A failed load fails each small page with the loader's message (tried once); a full-size page still reads.
  scrawl::Reader damaged(scrawl::load_model(models + "default.scrawl"));
  int tries = 0;
  damaged.set_small_model_loader(scrawl::read_model_header(small_path).classes, [&]() -> scrawl::Model {
    ++tries;
    throw std::runtime_error("small.scrawl: checksum mismatch");
  });
  const scrawl::SynthPage small_page = scrawl::synth_page(scrawl::small_writing(), &glyphs, 21);
  expect_read_fails_twice(damaged, small_page.image, "small.scrawl: checksum mismatch");
  EXPECT_EQ(tries, 1);
  EXPECT_EQ(scrawl::to_text(damaged.read(photo)), scrawl::to_text(plain.read(photo)));
  // Its predictions go to the reader's word decoder: a model for other characters is refused when given.
  EXPECT_THROW(damaged.set_small_model_loader("0123456789", [&] { return scrawl::load_model(small_path); }),
               std::invalid_argument);
  EXPECT_THROW(damaged.set_small_model(scrawl::load_model(models + "line.scrawl")), std::invalid_argument);
}
