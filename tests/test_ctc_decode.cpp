// Reading CTC output: prefix beam search against brute force over every path, and with the word prior on
// hand-made posteriors whose right answers are known.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "scrawl/ocr/ctc_decode.h"
#include "scrawl/ocr/line_reader.h"

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

// J U|V M P S: the third letter's frame gives V probability `v` and U `u` (glyph by glyph "JVMPS" when v > u).
std::vector<float> jumps_frames(float v, float u) {
  return frames_of(
      {{'J', 0.9f}, {'_', 0.9f}, {'V', v, 'U', u}, {'_', 0.9f}, {'M', 0.9f}, {'P', 0.9f}, {'_', 0.9f}, {'S', 0.9f}},
      kLineClasses);
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
  const auto lp = jumps_frames(0.5f, 0.45f);
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

namespace {
// log P_ctc(label | frames) by brute force: every path over the blank and the label's own letters (the only classes a
// path spelling it can use), collapsed and compared.
double brute_force_log_ctc(const std::vector<float>& lp, int T, const std::string& classes, const std::string& label) {
  std::string alphabet = "_";
  for (char c : label)
    if (alphabet.find(c) == std::string::npos) alphabet += c;
  const int A = int(alphabet.size());
  double mass = 0;
  long paths = 1;
  for (int t = 0; t < T; ++t) paths *= A;
  for (long code = 0; code < paths; ++code) {
    std::string text;
    double logp = 0;
    char prev = '_';
    long c = code;
    for (int t = 0; t < T; ++t, c /= A) {
      const char ch = alphabet[size_t(c % A)];
      logp += lp[size_t(t) * classes.size() + classes.find(ch)];
      if (ch != '_' && ch != prev) text += ch;
      prev = ch;
    }
    if (text == label) mass += std::exp(logp);
  }
  return std::log(mass);
}

// The prior ctc_beam_search adds for a finished word: lm_weight (log P(word) - log of the flat random term).
double word_bonus(const scrawl::WordDecoder& d, const std::string& word, const scrawl::DecodeConfig& cfg) {
  const double flat = std::log(double(cfg.weights.random)) + d.log_terms(word, cfg).random;
  return cfg.lm_weight * (d.log_prior(word, cfg) - flat);
}
// T frames of log-probabilities: normal noise from `noise`, the classes in `likely` raised by `boost`, normalized.
std::vector<float> leaning_frames(int T, const std::string& likely, float boost, std::normal_distribution<float>& noise,
                                  std::mt19937& rng) {
  const int K = int(kLineClasses.size());
  std::vector<float> lp(size_t(T * K));
  for (int t = 0; t < T; ++t) {
    double z = 0;
    for (int k = 0; k < K; ++k) {
      const bool raised = likely.find(kLineClasses[size_t(k)]) != std::string::npos;
      z += std::exp(lp[size_t(t * K + k)] = noise(rng) + (raised ? boost : 0.f));
    }
    for (int k = 0; k < K; ++k) lp[size_t(t * K + k)] -= float(std::log(z));
  }
  return lp;
}

// The lexicon word with the highest brute-force CTC mass plus prior, and that score.
std::pair<std::string, double> best_word_by_brute_force(const std::vector<float>& lp, int T,
                                                        const std::vector<std::string>& words,
                                                        const scrawl::WordDecoder& decoder,
                                                        const scrawl::DecodeConfig& prior) {
  std::string best;
  double best_score = -1e300;
  for (const auto& w : words) {
    const double s = brute_force_log_ctc(lp, T, kLineClasses, w) + word_bonus(decoder, w, prior);
    if (s > best_score) best_score = s, best = w;
  }
  return {best, best_score};
}
}  // namespace

TEST(CtcLexiconSearch, FindsTheBestWordByBruteForceCtcAndThePrior) {
  // Random frames leaning to B, O, K, T, the blank and a few others: every word of the lexicon is scored by its
  // summed path probability (brute force) plus its prior; the search returns the best, with that score.
  const std::vector<std::string> words = {"BOOK", "BOOT", "BOO", "TOOK", "TOT", "OBOE", "BOTTOM"};
  const scrawl::WordDecoder decoder(kDigitsLetters, scrawl::Lexicon::from_words(words));
  const int T = 7;
  std::mt19937 rng(11);
  std::normal_distribution<float> d(0.f, 2.f);
  const std::string likely = "_BOKTE";
  int found_repeat = 0;
  for (int trial = 0; trial < 25; ++trial) {
    const std::vector<float> lp = leaning_frames(T, likely, 3.f, d, rng);
    CtcDecodeConfig cfg;
    cfg.lexicon_beam = 100000;
    cfg.lexicon_min_prob = 0;
    const auto [want, want_score] = best_word_by_brute_force(lp, T, words, decoder, cfg.prior);
    const auto got = scrawl::ctc_lexicon_search(lp, T, kLineClasses, 0, decoder, cfg);
    EXPECT_EQ(got.text, want) << "trial " << trial;
    EXPECT_NEAR(got.log_score, want_score, 1e-4) << "trial " << trial;
    ASSERT_EQ(got.chars.size(), got.text.size());
    for (size_t i = 0; i < got.chars.size(); ++i) {
      EXPECT_EQ(got.chars[i].label, got.text[i]);
      if (i > 0) {
        EXPECT_GT(got.chars[i].frame, got.chars[i - 1].frame);  // in order along the line
      }
    }
    found_repeat += got.text.find("OO") != std::string::npos;
  }
  EXPECT_GT(found_repeat, 0);  // the repeated letter's path (a blank between the Os) was exercised
}

// The same at the shipped width and floor (CtcDecodeConfig's lexicon_beam 128, lexicon_min_prob 1e-6), where the
// pruning binds: every 3- and 4-letter string over A-E is a word (750 words; 625 prefixes of 4 letters compete for
// 128 places), frames leaning to those letters, 7 frames. The search must still return brute force's best word. Its
// score may fall a little short of the word's whole mass (alignments through pruned prefixes are lost: 0.6% of it
// in one trial here), never above it.
TEST(CtcLexiconSearch, AtTheShippedWidthFindsTheBruteForceBestWhereThePruningBinds) {
  std::vector<std::string> words;
  const std::string letters = "ABCDE";
  for (char a : letters)
    for (char b : letters)
      for (char c : letters) {
        words.push_back(std::string{a, b, c});
        for (char d : letters) words.push_back(std::string{a, b, c, d});
      }
  const scrawl::WordDecoder decoder(kDigitsLetters, scrawl::Lexicon::from_words(words));
  const int T = 7;
  std::mt19937 rng(23);
  std::normal_distribution<float> d(0.f, 1.5f);
  const std::string likely = "_ABCDE";
  const CtcDecodeConfig cfg;  // the shipped search
  ASSERT_LT(cfg.lexicon_beam, 625);
  for (int trial = 0; trial < 4; ++trial) {
    const std::vector<float> lp = leaning_frames(T, likely, 4.f, d, rng);
    const auto [want, want_score] = best_word_by_brute_force(lp, T, words, decoder, cfg.prior);
    const auto got = scrawl::ctc_lexicon_search(lp, T, kLineClasses, 0, decoder, cfg);
    EXPECT_EQ(got.text, want) << "trial " << trial;
    EXPECT_LE(got.log_score, want_score + 1e-4) << "trial " << trial;
    EXPECT_GT(got.log_score, want_score - 0.05) << "trial " << trial;
  }
}

TEST(CtcLexiconSearch, KeepsAWordTheFreeSearchLoses) {
  // J U M P S where the model reads the U as a V at 90% (U 5%): a free search one text wide keeps only the model's
  // reading; the lexicon search and ctc_decode_words (which weighs both) read JUMPS.
  const auto lp = jumps_frames(0.9f, 0.05f);
  CtcDecodeConfig narrow;
  narrow.beam = 1;
  narrow.lexicon_beam = 4;
  EXPECT_EQ(ctc_beam_search(lp, 8, kLineClasses, 0, &words_decoder(), narrow).text, "JVMPS");
  const auto lex = scrawl::ctc_lexicon_search(lp, 8, kLineClasses, 0, words_decoder(), narrow);
  EXPECT_EQ(lex.text, "JUMPS");
  ASSERT_EQ(lex.chars.size(), 5u);
  EXPECT_EQ(lex.chars[1].frame, 2);
  EXPECT_NEAR(lex.chars[1].confidence, 0.05f, 1e-5);
  EXPECT_EQ(scrawl::ctc_decode_words(lp, 8, kLineClasses, 0, {}, &words_decoder(), narrow).text, "JUMPS");
  // Without the lexicon (or the prior) the model's reading stands.
  CtcDecodeConfig no_lexicon = narrow;
  no_lexicon.prior.use_lexicon = false;
  EXPECT_EQ(scrawl::ctc_decode_words(lp, 8, kLineClasses, 0, {}, &words_decoder(), no_lexicon).text, "JVMPS");
  EXPECT_EQ(scrawl::ctc_lexicon_search(lp, 8, kLineClasses, 0, words_decoder(), no_lexicon).log_score,
            -std::numeric_limits<double>::infinity());
  CtcDecodeConfig off = narrow;
  off.prior.lm_weight = 0;
  EXPECT_EQ(scrawl::ctc_decode_words(lp, 8, kLineClasses, 0, {}, &words_decoder(), off).text, "JVMPS");
  EXPECT_TRUE(scrawl::ctc_lexicon_search(lp, 8, kLineClasses, 0, words_decoder(), off).text.empty());
}

TEST(CtcLexiconSearch, AWordTheFramesCannotSpellIsNotRead) {
  // Clear digits: no lexicon word has its letters above the floor at enough frames, so no word, and the free
  // reading stands in ctc_decode_words. Too few frames for any word, and no frames, read nothing as well.
  const auto lp = frames_of({{'4', 0.99999f}, {'_', 0.99999f}, {'2', 0.99999f}}, kLineClasses);  // the rest below 1e-6
  const auto none = scrawl::ctc_lexicon_search(lp, 3, kLineClasses, 0, words_decoder());
  EXPECT_TRUE(none.text.empty());
  EXPECT_EQ(none.log_score, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(scrawl::ctc_decode_words(lp, 3, kLineClasses, 0, {}, &words_decoder(), {}).text, "42");
  const auto short_fox = frames_of({{'F', 0.9f}, {'O', 0.9f}}, kLineClasses);  // FOX and THE need 3 frames
  EXPECT_TRUE(scrawl::ctc_lexicon_search(short_fox, 2, kLineClasses, 0, words_decoder()).text.empty());
  EXPECT_TRUE(scrawl::ctc_lexicon_search(lp, 0, kLineClasses, 0, words_decoder()).text.empty());
  EXPECT_THROW(scrawl::ctc_lexicon_search(lp, 9, kLineClasses, 0, words_decoder()), std::invalid_argument);
}
