// The line path of the reader: characters' frames back to boxes on the page (by hand-made alignments whose
// answer is known), the checks on what counts as a line model, and a whole page through the Reader with an
// untrained line model (the plumbing; accuracy is measured with the shipped model in test_read_pages).
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "scrawl/ocr/line_reader.h"
#include "scrawl/ocr/reader.h"

namespace {

const std::string kClasses = "_ABC ";  // blank, three glyph classes, the space

// Frames x classes log-probabilities: every frame blank (0.96) except where `peaks` say.
std::vector<float> posteriors(int frames, const std::vector<std::pair<int, std::vector<float>>>& peaks) {
  const int K = int(kClasses.size());
  std::vector<float> lp(size_t(frames) * K);
  for (int t = 0; t < frames; ++t)
    for (int k = 0; k < K; ++k) lp[size_t(t) * K + k] = std::log(k == 0 ? 0.96f : 0.01f);
  for (const auto& [t, p] : peaks)
    for (int k = 0; k < K; ++k) lp[size_t(t) * K + k] = std::log(p[size_t(k)]);
  return lp;
}

TEST(WordsOfAlignment, FramesMapToTheInkUnderThemAndToThePage) {
  // Three letters in the line ink at x 20-49, 90-119 and 200-229 (rows 10-49), a word space before the third.
  // One strip column shows 2.5 ink columns and a frame is 4 strip columns, so frame t covers ink x [10t, 10t+10):
  // the letters peak at frames 3, 10 and 21. The page is the ink scaled by 2 and moved by (100, 50).
  scrawl::Line line;
  line.ink = cv::Mat::zeros(60, 400, CV_8U);
  for (int x : {20, 90, 200}) cv::rectangle(line.ink, cv::Rect(x, 10, 30, 40), 255, cv::FILLED);
  line.ink_to_page = cv::Matx23d(2, 0, 100, 0, 2, 50);
  scrawl::LineColumns cols{0.0, 2.5};
  scrawl::CtcDecodeResult d;
  d.text = "AB C";
  d.chars = {{'A', 3, 0.7f}, {'B', 10, 0.8f}, {' ', 15, 0.9f}, {'C', 21, 0.6f}};
  const auto lp = posteriors(40, {{3, {0.03f, 0.7f, 0.2f, 0.05f, 0.02f}}});
  const auto words = scrawl::words_of_alignment(d, lp, kClasses, 4, cols, line, 3);
  ASSERT_EQ(words.size(), 2u);
  ASSERT_EQ(words[0].chars.size(), 2u);
  ASSERT_EQ(words[1].chars.size(), 1u);
  EXPECT_EQ(words[0].chars[0].box, cv::Rect(140, 70, 60, 80));
  EXPECT_EQ(words[0].chars[1].box, cv::Rect(280, 70, 60, 80));
  EXPECT_EQ(words[1].chars[0].box, cv::Rect(500, 70, 60, 80));
  EXPECT_EQ(words[0].box, cv::Rect(140, 70, 200, 80));
  EXPECT_EQ(words[0].text(), "AB");
  EXPECT_FLOAT_EQ(words[0].chars[0].confidence, 0.7f);
  // Alternatives at A's peak frame: A, then B (0.2), then C (0.05); never the blank or the space.
  ASSERT_EQ(words[0].chars[0].alternatives.size(), 3u);
  EXPECT_EQ(words[0].chars[0].alternatives[1].label, 'B');
  EXPECT_NEAR(words[0].chars[0].alternatives[1].prob, 0.2f, 1e-6);
  EXPECT_EQ(words[0].chars[0].alternatives[2].label, 'C');
}

TEST(WordsOfAlignment, TouchingLettersSplitHalfwayBetweenPeaks) {
  // One solid bar 0-99 read as two letters peaking at frames 2 and 7: the cut is halfway, after frame 4.5 + 0.5,
  // at ink x 50. Rotating the ink by 90 degrees on the page turns the boxes with it.
  scrawl::Line line;
  line.ink = cv::Mat::zeros(20, 100, CV_8U);
  cv::rectangle(line.ink, cv::Rect(0, 5, 100, 10), 255, cv::FILLED);
  line.ink_to_page = cv::Matx23d(0, -1, 300, 1, 0, 0);  // (x, y) -> (300 - y, x)
  scrawl::CtcDecodeResult d;
  d.text = "AB";
  d.chars = {{'A', 2, 0.9f}, {'B', 7, 0.9f}};
  const auto words = scrawl::words_of_alignment(d, posteriors(10, {}), kClasses, 4, {0.0, 2.5}, line, 1);
  ASSERT_EQ(words.size(), 1u);
  ASSERT_EQ(words[0].chars.size(), 2u);
  EXPECT_EQ(words[0].chars[0].box, cv::Rect(285, 0, 10, 50));
  EXPECT_EQ(words[0].chars[1].box, cv::Rect(285, 50, 10, 50));
  EXPECT_EQ(words[0].chars[0].alternatives.size(), 1u);
}

TEST(WordsOfAlignment, NothingReadIsNoWords) {
  scrawl::Line line;
  line.ink = cv::Mat::zeros(20, 100, CV_8U);
  EXPECT_TRUE(scrawl::words_of_alignment({}, posteriors(10, {}), kClasses, 4, {}, line, 3).empty());
}

TEST(LayoutWords, TheSegmentersWordGapsBecomeFrameCuts) {
  // Same geometry as above (frame t covers ink x [10t, 10t+10); the page is the ink scaled by 2 and moved by
  // (100, 50)). The segmenter's words on the page: ink x 20-119 and 200-229, then 300-339. Cuts halfway across the
  // gaps: ink x 159.5 -> strip column 63.3 -> frame 16; ink x 264.5 -> frame 26.
  scrawl::Line line;
  line.ink = cv::Mat::zeros(60, 400, CV_8U);
  line.ink_to_page = cv::Matx23d(2, 0, 100, 0, 2, 50);
  for (cv::Rect ink : {cv::Rect(20, 10, 100, 40), cv::Rect(200, 10, 30, 40), cv::Rect(300, 10, 40, 40)}) {
    scrawl::Word w;
    w.box = cv::Rect(100 + 2 * ink.x, 50 + 2 * ink.y, 2 * ink.width, 2 * ink.height);
    line.words.push_back(w);
  }
  const scrawl::LineColumns cols{0.0, 2.5};
  EXPECT_EQ(scrawl::layout_word_cuts(line, cols, 4, 40), (std::vector<int>{16, 26}));
  // Cuts outside the frames are dropped: a line read as 20 frames keeps the first.
  EXPECT_EQ(scrawl::layout_word_cuts(line, cols, 4, 20), (std::vector<int>{16}));
  line.words.resize(1);
  EXPECT_TRUE(scrawl::layout_word_cuts(line, cols, 4, 40).empty());
}

TEST(LayoutWords, EachPieceIsOneWordWhateverSpacesTheModelSaw) {
  // A _ B space C _ A: the model puts a space between B and C, the layout a word break between A and B (cut at
  // frame 2). Decoded per piece: "A BCA" -- the model's space barred inside a piece, the layout's break kept.
  const auto lp = posteriors(8, {{0, {0.02f, 0.9f, 0.03f, 0.03f, 0.02f}},
                                 {2, {0.02f, 0.03f, 0.9f, 0.03f, 0.02f}},
                                 {3, {0.3f, 0.01f, 0.01f, 0.01f, 0.67f}},
                                 {4, {0.02f, 0.03f, 0.03f, 0.9f, 0.02f}},
                                 {6, {0.02f, 0.9f, 0.03f, 0.03f, 0.02f}}});
  EXPECT_EQ(scrawl::ctc_beam_search(lp, 8, kClasses, 0, nullptr).text, "AB CA");
  const auto r = scrawl::ctc_decode_words(lp, 8, kClasses, 0, {2}, nullptr, {});
  EXPECT_EQ(r.text, "A BCA");
  ASSERT_EQ(r.chars.size(), 5u);
  EXPECT_EQ(r.chars[1].label, ' ');
  EXPECT_EQ(r.chars[2].frame, 2);  // B's frame, counted from the line's start
  EXPECT_EQ(r.chars[4].frame, 6);
  // No cuts: one word.
  EXPECT_EQ(scrawl::ctc_decode_words(lp, 8, kClasses, 0, {}, nullptr, {}).text, "ABCA");
  // A piece the model reads as nothing adds no word and no space.
  EXPECT_EQ(scrawl::ctc_decode_words(posteriors(8, {}), 8, kClasses, 0, {3}, nullptr, {}).text, "");
}

scrawl::Model untrained_line_model() {
  scrawl::InputSpec in;
  in.shape = scrawl::Shape{1, 32, 64};
  in.normalization = "line";
  scrawl::Model m("conv3x3x8,relu,pool2,conv3x3x8,relu,pool2,seq,tconv3x38", in,
                  "_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ");
  m.init_params(3);
  return m;
}

TEST(LineRecognizer, RefusesModelsThatAreNotLineModels) {
  scrawl::Model glyph("fc36", scrawl::InputSpec{}, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  EXPECT_THROW(scrawl::LineRecognizer{std::move(glyph)}, std::invalid_argument);
  scrawl::LineRecognizer ok(untrained_line_model());
  EXPECT_EQ(ok.glyph_classes(), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
}

TEST(LineRecognizer, AutoNeedsBothModelsToReadTheSameCharacters) {
  // A letters-only glyph model (the course's 26 classes) beside a line model of 36: auto would put digits the glyph
  // model cannot read on its words' page. Refused; the line path alone takes it.
  scrawl::Model letters("fc26", scrawl::InputSpec{}, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  scrawl::ReadConfig cfg;
  cfg.recognizer = scrawl::Recognizer::kAuto;
  scrawl::Reader autoreader(letters.clone(), scrawl::WordDecoder(letters.classes()), cfg);
  EXPECT_THROW(autoreader.set_line_model(untrained_line_model()), std::invalid_argument);
  cfg.recognizer = scrawl::Recognizer::kLine;
  scrawl::Reader line(letters.clone(), scrawl::WordDecoder(letters.classes()), cfg);
  EXPECT_NO_THROW(line.set_line_model(untrained_line_model()));
}

TEST(LineRecognizer, AnUntrainedModelReadsAPageIntoBoxesOnIt) {
  // Whatever an untrained model reads, every box lies on the page and on its line, and a clone reads the same.
  cv::Mat page(400, 1400, CV_8U, cv::Scalar(235));
  cv::putText(page, "HELLO WORLD.", cv::Point(40, 120), cv::FONT_HERSHEY_SIMPLEX, 40 / 22.0, cv::Scalar(30), 4);
  cv::putText(page, "SECOND LINE", cv::Point(40, 260), cv::FONT_HERSHEY_SIMPLEX, 40 / 22.0, cv::Scalar(30), 4);
  scrawl::Model glyph("fc36", scrawl::InputSpec{}, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  glyph.init_params(1);
  scrawl::ReadConfig cfg;
  cfg.recognizer = scrawl::Recognizer::kLine;
  scrawl::Reader reader(std::move(glyph), scrawl::WordDecoder("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), cfg);
  EXPECT_THROW(reader.read_image(page), std::runtime_error);  // no line model yet
  scrawl::ReadConfig auto_cfg = cfg;
  auto_cfg.recognizer = scrawl::Recognizer::kAuto;
  scrawl::Model glyph2("fc36", scrawl::InputSpec{}, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  scrawl::Reader auto_reader(std::move(glyph2), scrawl::WordDecoder("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), auto_cfg);
  EXPECT_THROW(auto_reader.read_image(page), std::runtime_error);
  reader.set_line_model(untrained_line_model());
  const scrawl::PageResult r = reader.read_image(page);
  const cv::Rect all({}, page.size());
  bool period = false;
  for (const auto& l : r.lines)
    for (const auto& w : l.words) {
      EXPECT_EQ(w.box & all, w.box);
      for (const auto& c : w.chars) {
        EXPECT_EQ(c.box & all, c.box);
        EXPECT_EQ(c.box & w.box, c.box);
        period |= c.label == '.';
      }
    }
  EXPECT_TRUE(period);  // put back from the segmenter: the line model never sees periods
  scrawl::Reader twin = reader.clone();
  EXPECT_EQ(scrawl::to_text(twin.read_image(page)), scrawl::to_text(r));
}

}  // namespace
