// Training lines composed from glyphs, and the line normalization the reader shares with them.
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>
#include <set>

#include "scrawl/glyph/line.h"
#include "scrawl/glyph/normalize.h"
#include "scrawl/train/line_synth.h"
#include "test_util.h"

namespace {
const scrawl::Dataset& test_glyphs() {
  static const scrawl::Dataset ds = scrawl::load_dataset(scrawl::test::emnist("test"), "test");
  return ds;
}
int components(const cv::Mat& ink) {
  cv::Mat labels;
  return cv::connectedComponents(ink, labels, 8) - 1;
}
}  // namespace

TEST(NormalizeLine, CharactersSpanTheirShareOfTheStrip) {
  // A frame 300 wide and 60 tall (outer edges), pen 7 px (about the target's share of 60 px), said to be
  // characters 60 px tall: 24 of 32 rows, centred; the width scaled alike (300 * 24/60 = 120) plus 4 columns
  // each side.
  cv::Mat ink = cv::Mat::zeros(80, 320, CV_8U);
  cv::rectangle(ink, cv::Rect(10, 10, 300, 60), 255, cv::FILLED);
  cv::rectangle(ink, cv::Rect(17, 17, 286, 46), 0, cv::FILLED);
  ASSERT_EQ(cv::boundingRect(ink), cv::Rect(10, 10, 300, 60));
  const cv::Mat n = scrawl::normalize_line(ink, 60);
  EXPECT_EQ(n.type(), CV_32F);
  EXPECT_EQ(n.rows, 32);
  EXPECT_NEAR(n.cols, 128, 1);
  const cv::Rect bb = cv::boundingRect(n > 0.5f);
  EXPECT_NEAR(bb.height, 24, 1);
  EXPECT_NEAR(bb.y, 4, 1);
  EXPECT_NEAR(bb.x, 4, 1);
  double mx;
  cv::minMaxLoc(n, nullptr, &mx);
  EXPECT_FLOAT_EQ(float(mx), 1.f);
  EXPECT_EQ(scrawl::normalize_line(cv::Mat::zeros(10, 10, CV_8U), 10).cols, 8);
  EXPECT_THROW(scrawl::normalize_line(ink, 0), std::invalid_argument);
}

TEST(NormalizeLine, ColumnsMapBackToTheInk) {
  // The same frame, now offset in a wider crop: the strip's first and last inked columns must show the frame's
  // left and right edges (x 40 and 339 of the crop); one output column spans 60/24 = 2.5 ink columns.
  cv::Mat ink = cv::Mat::zeros(80, 400, CV_8U);
  cv::rectangle(ink, cv::Rect(40, 10, 300, 60), 255, cv::FILLED);
  cv::rectangle(ink, cv::Rect(47, 17, 286, 46), 0, cv::FILLED);
  scrawl::LineColumns cols;
  const cv::Mat n = scrawl::normalize_line(ink, 60, {}, &cols);
  EXPECT_NEAR(cols.ink_per_column, 2.5, 0.05);
  const cv::Rect bb = cv::boundingRect(n > 0.5f);
  EXPECT_NEAR(cols.ink_x(bb.x), 40, 3);
  EXPECT_NEAR(cols.ink_x(bb.x + bb.width - 1), 339, 3);
  // A line too tall for the strip is squeezed: the columns still land on the frame's edges.
  scrawl::LineColumns squeezed;
  const cv::Mat m = scrawl::normalize_line(ink, 20, {}, &squeezed);
  const cv::Rect mb = cv::boundingRect(m > 0.5f);
  EXPECT_NEAR(squeezed.ink_x(mb.x), 40, 4);
  EXPECT_NEAR(squeezed.ink_x(mb.x + mb.width - 1), 339, 4);
}

TEST(NormalizeLine, ThinAndBoldPensComeOutAlike) {
  cv::Mat thin = cv::Mat::zeros(100, 200, CV_8U), bold = thin.clone();
  cv::line(thin, {20, 20}, {20, 80}, 255, 2);
  cv::line(bold, {20, 20}, {20, 80}, 255, 14);
  const double a = cv::countNonZero(scrawl::normalize_line(thin, 60) > 0.5f);
  const double b = cv::countNonZero(scrawl::normalize_line(bold, 60) > 0.5f);
  EXPECT_NEAR(a / b, 1.0, 0.35);
}

TEST(LineCharHeight, MedianOfCharacterSizedPiecesIgnoringSpecks) {
  // Pieces 40, 44 and 50 px tall, a 6 px period and a 3 px speck: the median of the three tall ones, 44.
  cv::Mat ink = cv::Mat::zeros(100, 300, CV_8U);
  cv::rectangle(ink, cv::Rect(10, 20, 8, 40), 255, cv::FILLED);
  cv::rectangle(ink, cv::Rect(40, 16, 8, 44), 255, cv::FILLED);
  cv::rectangle(ink, cv::Rect(70, 10, 8, 50), 255, cv::FILLED);
  cv::rectangle(ink, cv::Rect(100, 54, 6, 6), 255, cv::FILLED);
  cv::rectangle(ink, cv::Rect(130, 30, 3, 3), 255, cv::FILLED);
  EXPECT_DOUBLE_EQ(scrawl::line_char_height(ink), 44);
  // With every piece voting the median is the middle of five heights: 40.
  EXPECT_DOUBLE_EQ(scrawl::line_char_height(ink, 0), 40);
  EXPECT_DOUBLE_EQ(scrawl::line_char_height(cv::Mat::zeros(10, 10, CV_8U)), 0);
  EXPECT_THROW(scrawl::line_char_height(cv::Mat::zeros(10, 10, CV_32F)), std::invalid_argument);
}

TEST(LineSynth, SameSeedSameLineAndTextMatchesTheGlyphs) {
  scrawl::LineSynthConfig cfg;
  std::mt19937 a(7), b(7), c(8);
  const auto l1 = scrawl::synth_line(test_glyphs(), cfg, a), l2 = scrawl::synth_line(test_glyphs(), cfg, b);
  const auto l3 = scrawl::synth_line(test_glyphs(), cfg, c);
  EXPECT_EQ(l1.text, l2.text);
  EXPECT_EQ(cv::norm(l1.image, l2.image, cv::NORM_INF), 0.0);
  EXPECT_NE(l1.text, l3.text);
  EXPECT_EQ(l1.image.rows, 32);
  for (int s = 0; s < 50; ++s) {
    std::mt19937 r{unsigned(s)};
    const auto l = scrawl::synth_line(test_glyphs(), cfg, r);
    ASSERT_FALSE(l.text.empty());
    EXPECT_NE(l.text.front(), ' ');
    EXPECT_NE(l.text.back(), ' ');
    EXPECT_EQ(l.text.find("  "), std::string::npos);
    for (char ch : l.text) EXPECT_TRUE(ch == ' ' || test_glyphs().classes.find(ch) != std::string::npos) << l.text;
    // Wider text makes a wider line: at least ~half a character height per glyph after normalization.
    EXPECT_GT(l.image.cols, int(l.text.size()) * 8) << l.text;
  }
}

TEST(LineSynth, OverlappingGapsMakeTouchingLetters) {
  // Gaps of -20..-25% of the character height: neighbours' ink runs together, so a word of 6 letters has fewer
  // connected pieces than letters; wide gaps keep (almost) every letter apart.
  scrawl::LineSynthConfig touching, apart;
  touching.min_words = touching.max_words = apart.min_words = apart.max_words = 1;
  touching.min_letters = touching.max_letters = apart.min_letters = apart.max_letters = 6;
  touching.gap_min = -0.25, touching.gap_max = -0.2;
  apart.gap_min = 0.3, apart.gap_max = 0.35;
  touching.slant_max = apart.slant_max = 0;
  int pieces_touching = 0, pieces_apart = 0;
  for (int s = 0; s < 20; ++s) {
    std::mt19937 r1{unsigned(s)}, r2{unsigned(s)};
    pieces_touching += components(scrawl::synth_line(test_glyphs(), touching, r1).ink);
    pieces_apart += components(scrawl::synth_line(test_glyphs(), apart, r2).ink);
  }
  EXPECT_LT(pieces_touching, 20 * 6 / 2);    // most neighbours touch
  EXPECT_GE(pieces_apart, 20 * 6 * 9 / 10);  // broken glyphs may add pieces; merged ones are rare
}

#include "scrawl/nn/model.h"
#include "scrawl/nn/optim.h"
#include "scrawl/train/line_batch.h"

TEST(LineSynth, DegradedLinesVaryThePenAndKeepTheText) {
  // Off by default: the same seed draws the same line as before the option existed (its first random draws are
  // the layout's, so the first line's text is the same either way). On: the pen's width, relative to the
  // character height, spreads wider over many lines, and the ink is not the clean line's.
  scrawl::LineSynthConfig clean, photo;
  photo.degrade = true;
  std::mt19937 a(7), b(7);
  const auto first_clean = scrawl::synth_line(test_glyphs(), clean, a);
  const auto first_photo = scrawl::synth_line(test_glyphs(), photo, b);
  EXPECT_EQ(first_clean.text, first_photo.text);
  EXPECT_GT(cv::countNonZero(first_clean.ink != first_photo.ink), 0);
  auto spread = [](const scrawl::LineSynthConfig& cfg) {
    std::mt19937 rng(8);
    double sum = 0, sum2 = 0;
    const int n = 40;
    for (int i = 0; i < n; ++i) {
      const auto line = scrawl::synth_line(test_glyphs(), cfg, rng);
      const double w = scrawl::stroke_width(line.ink) / line.char_height;
      sum += w, sum2 += w * w;
    }
    return std::sqrt(std::max(0.0, sum2 / n - (sum / n) * (sum / n)));
  };
  EXPECT_GT(spread(photo), 1.3 * spread(clean));
}

namespace {
// A glyph set holding only the test set's first glyph (all classes still named).
scrawl::Dataset first_glyph_only() {
  scrawl::Dataset one;
  one.h = one.w = test_glyphs().h;
  one.classes = test_glyphs().classes;
  one.labels = {test_glyphs().labels[0]};
  one.images.assign(test_glyphs().image(0), test_glyphs().image(0) + test_glyphs().pixels());
  return one;
}
}  // namespace

TEST(LineSynth, AugmentedGlyphsVaryInShapeAndStayDeterministic) {
  // A glyph set of one glyph, drawn alone on each line with no slant, tilt or size jitter: clean, every line's
  // ink has the same aspect; augmented, rotation, shear, scale and elastic wobble spread it. The same seed
  // still draws the same ink.
  const scrawl::Dataset one = first_glyph_only();
  scrawl::LineSynthConfig clean;
  clean.min_words = clean.max_words = clean.min_letters = clean.max_letters = 1;
  clean.size_jitter = clean.word_size_jitter = clean.baseline_drift = clean.slant_max = clean.rotate_max = 0;
  clean.char_px_min = clean.char_px_max = 40;
  clean.threshold_min = clean.threshold_max = 0.5;
  scrawl::LineSynthConfig augmented = clean;
  augmented.augment = 0.4f;
  auto aspect_spread = [&](const scrawl::LineSynthConfig& cfg) {
    std::mt19937 rng(9);
    double lo = 1e9, hi = 0;
    for (int i = 0; i < 30; ++i) {
      const cv::Rect bb = cv::boundingRect(scrawl::synth_line(one, cfg, rng).ink);
      const double a = double(bb.width) / bb.height;
      lo = std::min(lo, a), hi = std::max(hi, a);
    }
    return hi - lo;
  };
  EXPECT_LT(aspect_spread(clean), 0.05);
  EXPECT_GT(aspect_spread(augmented), 0.15);
  std::mt19937 a(5), b(5);
  EXPECT_EQ(cv::countNonZero(scrawl::synth_line(test_glyphs(), augmented, a).ink !=
                             scrawl::synth_line(test_glyphs(), augmented, b).ink),
            0);
}

TEST(LineBatch, PadsLinesAndCountsTheirFrames) {
  const std::string classes = scrawl::line_classes(test_glyphs().classes);
  EXPECT_EQ(classes.front(), '_');
  EXPECT_EQ(classes.back(), ' ');
  scrawl::LineSynthConfig cfg;
  std::mt19937 rng(4);
  const auto b = scrawl::make_line_batch(test_glyphs(), cfg, classes, 5, 4, rng);
  ASSERT_EQ(b.x.n, 5);
  EXPECT_EQ(b.x.shape.h, 32);
  EXPECT_EQ(b.x.shape.w % 4, 0);
  int widest = 0;
  for (int i = 0; i < 5; ++i) {
    widest = std::max(widest, b.frames[size_t(i)]);
    ASSERT_EQ(b.labels[size_t(i)].size(), b.texts[size_t(i)].size());
    for (size_t j = 0; j < b.texts[size_t(i)].size(); ++j)
      EXPECT_EQ(classes[size_t(b.labels[size_t(i)][j])], b.texts[size_t(i)][j]);
    // Past its frames, a line's columns are paper.
    for (int r = 0; r < 32; ++r)
      for (int c = b.frames[size_t(i)] * 4; c < b.x.shape.w; ++c) ASSERT_EQ(b.x.sample(i)[r * b.x.shape.w + c], 0.f);
  }
  EXPECT_EQ(widest * 4, b.x.shape.w);
}

TEST(LineTraining, OneBatchIsLearned) {
  // The whole path (synthesized lines, a conv -> seq -> tconv model, CTC, Adam) can fit a batch: the loss on it
  // falls by more than half in 60 steps, and the same seeds give the same model bytes.
  auto train = [](std::vector<double>* losses) {
    scrawl::LineSynthConfig cfg;
    cfg.max_words = 1;
    cfg.max_letters = 3;
    const std::string classes = scrawl::line_classes(test_glyphs().classes);
    scrawl::InputSpec in;
    in.shape = scrawl::Shape{1, 32, 64};
    scrawl::Model m("conv3x3x8s2p1,relu,conv3x3x16s2p1,relu,seq,tconv3x32,relu,tconv1x38", in, classes);
    m.init_params(1);
    EXPECT_EQ(scrawl::frame_stride(m), 4);
    std::mt19937 rng(2);
    const auto batch = scrawl::make_line_batch(test_glyphs(), cfg, classes, 4, 4, rng);
    scrawl::Adam adam;
    adam.lr = 3e-3f;
    for (int step = 0; step < 60; ++step) losses->push_back(scrawl::line_train_step(m, adam, batch, rng));
    return std::vector<float>(m.params().begin(), m.params().end());
  };
  std::vector<double> losses, again;
  const auto w1 = train(&losses), w2 = train(&again);
  EXPECT_LT(losses.back(), 0.5 * losses.front()) << losses.front() << " -> " << losses.back();
  EXPECT_EQ(w1, w2);
}

#include "scrawl/nn/model_io.h"
#include "scrawl/train/line_trainer.h"

TEST(LineTraining, ResumedRunEndsWithTheBytesOfAnUninterruptedOne) {
  scrawl::LineTrainConfig cfg;
  cfg.arch = "conv3x3x4s2p1,relu,conv3x3x4s2p1,relu,seq,tconv3x8,relu,tconv1x38";
  cfg.epochs = 3;
  cfg.steps = 3;
  cfg.batch = 4;
  cfg.valid_lines = 6;
  cfg.seed = 5;
  cfg.synth.max_words = 2;
  cfg.synth.max_letters = 3;
  const scrawl::Dataset& glyphs = test_glyphs();
  scrawl::test::TempDir dir;
  const auto whole = scrawl::train_line_model(glyphs, glyphs, cfg, false, nullptr);
  ASSERT_EQ(whole.state.history.size(), 3u);
  EXPECT_GT(whole.state.history[0].valid_acc, -10.0);  // a CER, not NaN
  scrawl::Model untrained(cfg.arch, whole.model.input(), whole.model.classes());
  untrained.init_params(cfg.seed);
  EXPECT_NE(untrained.params(), whole.model.params()) << "training moved nothing";
  // The same run stopped after epoch 2, then resumed from its checkpoint.
  cfg.checkpoint = (dir / "ck");
  std::filesystem::create_directories(cfg.checkpoint);
  cfg.epochs = 2;
  scrawl::train_line_model(glyphs, glyphs, cfg, false, nullptr);
  cfg.epochs = 3;
  const auto resumed = scrawl::train_line_model(glyphs, glyphs, cfg, true, nullptr);
  EXPECT_EQ(scrawl::serialize_model(resumed.model), scrawl::serialize_model(whole.model));
  EXPECT_EQ(resumed.state.history.back().valid_loss, whole.state.history.back().valid_loss);
  // A checkpoint of another run is refused.
  cfg.seed = 6;
  EXPECT_THROW(scrawl::train_line_model(glyphs, glyphs, cfg, true, nullptr), std::runtime_error);
}

// Validation lines are the glyphs as other writers wrote them: a run with glyph augmentation reads the very lines
// a run without it reads, while its training lines (the same stream, augmented) differ.
TEST(LineTraining, ValidationLinesAreNeverAugmented) {
  scrawl::LineTrainConfig cfg;
  cfg.batch = 4;
  cfg.valid_lines = 8;
  cfg.seed = 3;
  scrawl::LineTrainConfig augmented = cfg;
  augmented.synth.augment = 0.4f;
  const std::string classes = scrawl::line_classes(test_glyphs().classes);
  const auto plain = scrawl::validation_batches(test_glyphs(), cfg, classes, 4);
  const auto with = scrawl::validation_batches(test_glyphs(), augmented, classes, 4);
  ASSERT_EQ(plain.size(), 2u);
  ASSERT_EQ(with.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(with[i].texts, plain[i].texts);
    EXPECT_EQ(with[i].x.data, plain[i].x.data);
  }
  std::mt19937 a(3), b(3);
  const auto train_plain = scrawl::make_line_batch(test_glyphs(), cfg.synth, classes, 4, 4, a);
  const auto train_aug = scrawl::make_line_batch(test_glyphs(), augmented.synth, classes, 4, 4, b);
  EXPECT_NE(train_aug.x.data, train_plain.x.data);
}

TEST(LineSynth, FontGlyphsDrawTheirOwnLabel) {
  // Glyphs from a set holding one glyph, each line one letter: with fonts off every line says that glyph's class;
  // with fonts always on, the classes are drawn uniformly, and each one's ink has its letter's shape: a bare stroke
  // for I and 1 (narrow), wide for M and W.
  const scrawl::Dataset one = first_glyph_only();
  scrawl::LineSynthConfig cfg;
  cfg.min_words = cfg.max_words = cfg.min_letters = cfg.max_letters = 1;
  cfg.slant_max = cfg.rotate_max = 0;
  std::mt19937 r0(3);
  const std::string own(1, one.classes[size_t(one.labels[0])]);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(scrawl::synth_line(one, cfg, r0).text, own);
  cfg.font_share = 1;
  std::mt19937 r1(3), r2(3);
  std::set<std::string> seen;
  int narrow = 0, wide = 0;
  for (int i = 0; i < 300; ++i) {
    const auto line = scrawl::synth_line(one, cfg, r1);
    EXPECT_EQ(line.text, scrawl::synth_line(one, cfg, r2).text);  // seeded
    seen.insert(line.text);
    const cv::Rect bb = cv::boundingRect(line.ink);
    const double aspect = double(bb.width) / bb.height;
    if (line.text == "I" || line.text == "1") {
      EXPECT_LT(aspect, 0.45) << line.text;
      ++narrow;
    }
    if (line.text == "M" || line.text == "W") {
      EXPECT_GT(aspect, 0.7) << line.text;
      ++wide;
    }
  }
  EXPECT_GT(seen.size(), 30u);
  EXPECT_GT(narrow, 5);
  EXPECT_GT(wide, 5);
}

TEST(LineSynth, PencilLinesBreakUp) {
  // With degrade, pencil grain leaves stroke pixels 55-100% as dark: at the drawn level more of them fall out, so
  // lines drawn from the same seed hold more pieces than in pen (the grain's draws change the lines after the
  // first, so the comparison is over many lines).
  scrawl::LineSynthConfig pen, pencil;
  pen.degrade = pencil.degrade = true;
  pencil.pencil_share = 1;
  std::mt19937 a(11), b(11);
  int pieces_pen = 0, pieces_pencil = 0;
  for (int i = 0; i < 40; ++i) {
    pieces_pen += components(scrawl::synth_line(test_glyphs(), pen, a).ink);
    pieces_pencil += components(scrawl::synth_line(test_glyphs(), pencil, b).ink);
  }
  std::printf("pieces: pen %d, pencil %d\n", pieces_pen, pieces_pencil);
  EXPECT_GT(pieces_pencil, pieces_pen * 23 / 20);  // 1671 against 1329 here
}

TEST(LineSynth, JpegRoundTripIsWhatGetsBinarized) {
  // The round trip's result is what the line's ink comes from: one that hands back blank paper leaves no ink; one
  // that hands back its input changes nothing but the draws. Called once per line with a quality of 30-90 when the
  // share is 1, never when it is 0.
  scrawl::LineSynthConfig cfg;
  cfg.degrade = true;
  int calls = 0;
  cfg.jpeg = [&](const cv::Mat& gray, int quality) {
    ++calls;
    EXPECT_GE(quality, 30);
    EXPECT_LE(quality, 90);
    EXPECT_EQ(gray.type(), CV_8U);
    return cv::Mat(gray.size(), CV_8U, cv::Scalar(255));
  };
  std::mt19937 r0(4);
  for (int i = 0; i < 5; ++i) EXPECT_GT(cv::countNonZero(scrawl::synth_line(test_glyphs(), cfg, r0).ink), 0);
  EXPECT_EQ(calls, 0);
  cfg.jpeg_share = 1;
  std::mt19937 r1(4);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(cv::countNonZero(scrawl::synth_line(test_glyphs(), cfg, r1).ink), 0);
  EXPECT_EQ(calls, 5);
  cfg.jpeg = [](const cv::Mat& gray, int) { return gray.clone(); };
  std::mt19937 r2(4);
  EXPECT_GT(cv::countNonZero(scrawl::synth_line(test_glyphs(), cfg, r2).ink), 0);
}
