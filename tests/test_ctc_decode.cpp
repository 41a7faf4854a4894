// Reading CTC output: prefix beam search against brute force over every path, and with the word prior on
// hand-made posteriors whose right answers are known.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "scrawl/ocr/ctc_decode.h"

using scrawl::ctc_beam_search;
using scrawl::CtcDecodeConfig;

namespace {
const std::string kDigitsLetters = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const std::string kLineClasses = "_" + kDigitsLetters + " ";  // blank first, space last

// Frames of log probabilities over `classes`: each frame gives `p` to one character and spreads the rest evenly,
// with an optional runner-up.
struct FrameSpec {
  char top;
  float p;
  char second = 0;
  float q = 0;
};
std::vector<float> frames_of(const std::vector<FrameSpec>& spec, const std::string& classes) {
  std::vector<float> out;
  const size_t K = classes.size();
  for (const auto& f : spec) {
    const float rest = (1.f - f.p - f.q) / float(K - (f.second ? 2 : 1));
    for (size_t k = 0; k < K; ++k) {
      float v = rest;
      if (classes[k] == f.top) v = f.p;
      if (f.second && classes[k] == f.second) v = f.q;
      out.push_back(std::log(v));
    }
  }
  return out;
}

const scrawl::WordDecoder& words_decoder() {
  static const scrawl::WordDecoder d(kDigitsLetters, scrawl::Lexicon::from_words({"JUMPS", "MAKE", "THE", "FOX"}));
  return d;
}
}  // namespace

TEST(CtcBeamSearch, WithoutPriorFindsTheMostLikelyTextByBruteForce) {
  // 4 classes (blank + A B C), 6 frames: the text with the largest summed path probability, found by enumerating
  // all 4^6 paths, is what a beam wide enough for every prefix returns.
  const std::string classes = "_ABC";
  std::mt19937 rng(5);
  std::normal_distribution<float> d(0.f, 1.5f);
  for (int trial = 0; trial < 20; ++trial) {
    const int T = 6, K = 4;
    std::vector<float> lp(size_t(T * K));
    for (int t = 0; t < T; ++t) {
      double z = 0;
      for (int k = 0; k < K; ++k) z += std::exp(lp[size_t(t * K + k)] = d(rng));
      for (int k = 0; k < K; ++k) lp[size_t(t * K + k)] -= float(std::log(z));
    }
    std::map<std::string, double> mass;
    for (int code = 0; code < 4096; ++code) {
      std::string text;
      double logp = 0;
      int prev = 0;
      for (int t = 0, c = code; t < T; ++t, c /= K) {
        const int k = c % K;
        logp += lp[size_t(t * K + k)];
        if (k != 0 && k != prev) text += classes[size_t(k)];
        prev = k;
      }
      mass[text] += std::exp(logp);
    }
    const auto want = std::max_element(mass.begin(), mass.end(), [](auto& a, auto& b) { return a.second < b.second; });
    CtcDecodeConfig cfg;
    cfg.beam = 1000;
    cfg.min_prob = 0;
    const auto got = ctc_beam_search(lp, T, classes, 0, nullptr, cfg);
    EXPECT_EQ(got.text, want->first) << "trial " << trial;
    EXPECT_NEAR(got.log_score, std::log(want->second), 1e-4) << "trial " << trial;
  }
}

TEST(CtcBeamSearch, TheLexiconReadsAnUnsureGlyphAsAWord) {
  // J U|V M P S with V slightly ahead of U: glyph by glyph "JVMPS", with the word prior "JUMPS".
  const auto lp = frames_of({{'J', 0.9f},
                             {'_', 0.9f},
                             {'V', 0.5f, 'U', 0.45f},
                             {'_', 0.9f},
                             {'M', 0.9f},
                             {'P', 0.9f},
                             {'_', 0.9f},
                             {'S', 0.9f}},
                            kLineClasses);
  EXPECT_EQ(ctc_beam_search(lp, 8, kLineClasses, 0, nullptr).text, "JVMPS");
  const auto read = ctc_beam_search(lp, 8, kLineClasses, 0, &words_decoder());
  EXPECT_EQ(read.text, "JUMPS");
  // Positions and confidences come from the alignment: U at frame 2 with its own probability.
  ASSERT_EQ(read.chars.size(), 5u);
  EXPECT_EQ(read.chars[1].label, 'U');
  EXPECT_EQ(read.chars[1].frame, 2);
  EXPECT_NEAR(read.chars[1].confidence, 0.45f, 1e-5);
  EXPECT_EQ(read.chars[4].frame, 7);
  // lm_weight 0 is no prior at all.
  CtcDecodeConfig off;
  off.prior.lm_weight = 0;
  EXPECT_EQ(ctc_beam_search(lp, 8, kLineClasses, 0, &words_decoder(), off).text, "JVMPS");
}

TEST(CtcBeamSearch, WideSpacedLettersBecomeAWord) {
  // "M A K E" written wide: between the letters the model leans to a space (0.6) over a blank (0.35). Without the
  // prior that is four one-letter words; the lexicon joins them into MAKE.
  std::vector<FrameSpec> spec;
  for (char c : std::string("MAKE")) {
    if (!spec.empty()) spec.push_back({' ', 0.6f, '_', 0.35f});
    spec.push_back({c, 0.95f});
  }
  const auto lp = frames_of(spec, kLineClasses);
  EXPECT_EQ(ctc_beam_search(lp, int(spec.size()), kLineClasses, 0, nullptr).text, "M A K E");
  EXPECT_EQ(ctc_beam_search(lp, int(spec.size()), kLineClasses, 0, &words_decoder()).text, "MAKE");
  // A clear space stays a space: THE FOX.
  std::vector<FrameSpec> two;
  for (char c : std::string("THE FOX")) two.push_back({c == ' ' ? ' ' : c, 0.95f});
  const auto lp2 = frames_of(two, kLineClasses);
  const auto r = ctc_beam_search(lp2, int(two.size()), kLineClasses, 0, &words_decoder());
  EXPECT_EQ(r.text, "THE FOX");
  EXPECT_EQ(r.chars.size(), 7u);
}

TEST(CtcBeamSearch, ThePriorKeepsTheSpacesBetweenWordsItDoesNotKnow) {
  // Three codes no term of the prior favours, clear spaces between them. A search that charged each word's prior
  // only when its space arrived ranked every text that had just closed a word below those that had not, and read
  // "QXZJ7KP4W9RTV".
  std::vector<FrameSpec> spec;
  for (char c : std::string("QXZJ7 KP4W 9RTV")) {
    spec.push_back({c, 0.95f});
    spec.push_back({'_', 0.95f});
  }
  const auto lp = frames_of(spec, kLineClasses);
  EXPECT_EQ(ctc_beam_search(lp, int(spec.size()), kLineClasses, 0, &words_decoder()).text, "QXZJ7 KP4W 9RTV");
}

TEST(CtcBeamSearch, ThePriorDoesNotChargeForLength) {
  // A faint K (0.5 against the blank's 0.45) inside a code: the model's text keeps it, and so must the prior, which
  // may move mass between readings but not drop characters because longer strings are rarer (log 36 a glyph).
  const auto lp =
      frames_of({{'Q', 0.9f}, {'_', 0.9f}, {'X', 0.9f}, {'_', 0.9f}, {'K', 0.5f, '_', 0.45f}, {'_', 0.9f}, {'Z', 0.9f}},
                kLineClasses);
  EXPECT_EQ(ctc_beam_search(lp, 7, kLineClasses, 0, nullptr).text, "QXKZ");
  EXPECT_EQ(ctc_beam_search(lp, 7, kLineClasses, 0, &words_decoder()).text, "QXKZ");
}

TEST(CtcBeamSearch, RepeatsNeedABlankBetween) {
  // A A _ A: "AA" (the first two frames are one A).
  const auto lp = frames_of({{'A', 0.9f}, {'A', 0.9f}, {'_', 0.9f}, {'A', 0.9f}}, kLineClasses);
  const auto r = ctc_beam_search(lp, 4, kLineClasses, 0, nullptr);
  EXPECT_EQ(r.text, "AA");
  ASSERT_EQ(r.chars.size(), 2u);
  EXPECT_EQ(r.chars[1].frame, 3);
  EXPECT_TRUE(ctc_beam_search(lp, 0, kLineClasses, 0, nullptr).text.empty());
  EXPECT_THROW(ctc_beam_search(lp, 9, kLineClasses, 0, nullptr), std::invalid_argument);
}
