// Contextual decoding on hand-made probability tables: lexicon trie, letter trigram, and the word decoder.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "scrawl/ocr/decode.h"
#include "scrawl/ocr/decode_page.h"
#include "scrawl/util/chars.h"
#include "test_util.h"

using namespace scrawl;

namespace {
const std::string kClasses = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// A glyph whose listed labels get the listed probabilities; the rest of the mass is spread evenly over the
// other classes.
GlyphProbs glyph(std::map<char, float> top) {
  float used = 0;
  for (const auto& [c, p] : top) used += p;
  const float rest = (1.f - used) / float(kClasses.size() - top.size());
  GlyphProbs g;
  for (char c : kClasses) g.p.push_back(top.count(c) ? top[c] : rest);
  return g;
}

// Every glyph confident (p) in the given character.
std::vector<GlyphProbs> confident(const std::string& s, float p = 0.95f) {
  std::vector<GlyphProbs> w;
  for (char c : s) w.push_back(glyph({{c, p}}));
  return w;
}

// The shipped configuration: Debian's word list (installed by scripts/install-deps.sh, package wamerican).
const WordDecoder& default_decoder() {
  static const WordDecoder d = make_word_decoder(kClasses);
  return d;
}
}  // namespace

TEST(Lexicon, KeepsOnlyLetterWordsUppercasedAndDeduped) {
  const Lexicon lex = Lexicon::from_words({"house", "House", "HOUSE", "can't", "caf\xc3\xa9", "", "x2", "a", "Zebra"});
  EXPECT_EQ(lex.size(), 3u);  // HOUSE, A, ZEBRA
  EXPECT_TRUE(lex.contains("HOUSE"));
  EXPECT_TRUE(lex.contains("A"));
  EXPECT_TRUE(lex.contains("ZEBRA"));
  EXPECT_FALSE(lex.contains("HOUS"));  // a prefix is not a word
  EXPECT_FALSE(lex.contains("HOUSES"));
  EXPECT_FALSE(lex.contains("house"));  // stored uppercase
  EXPECT_FALSE(lex.contains("CANT"));
  EXPECT_FALSE(lex.contains(""));
  EXPECT_EQ(lex.count_of_length(5), 2u);
  EXPECT_EQ(lex.count_of_length(1), 1u);
  EXPECT_EQ(lex.count_of_length(4), 0u);
  EXPECT_EQ(lex.count_of_length(99), 0u);
}

TEST(Lexicon, TrieShape) {
  // AB, AC, B: root -> {A, B}; A -> {B, C}. 5 nodes (root, A, B, AB, AC); depth bits say where words end below each
  // node.
  const Lexicon lex = Lexicon::from_words({"ac", "b", "ab"});
  ASSERT_EQ(lex.nodes().size(), 5u);
  const auto& root = lex.nodes()[0];
  EXPECT_EQ(root.num_children, 2);
  EXPECT_FALSE(root.terminal);
  EXPECT_EQ(root.depths, 0b110u);  // words of length 1 and 2
  const auto& a = lex.nodes()[size_t(root.first_child)];
  const auto& b = lex.nodes()[size_t(root.first_child) + 1];
  EXPECT_EQ(a.letter, 'A');
  EXPECT_FALSE(a.terminal);
  EXPECT_EQ(a.depths, 0b10u);
  EXPECT_EQ(b.letter, 'B');
  EXPECT_TRUE(b.terminal);
  EXPECT_EQ(b.depths, 0b1u);
}

TEST(Lexicon, LoadsCustomFileAndReportsBadOnes) {
  test::TempDir dir;
  {
    std::ofstream f(dir / "words.txt");
    f << "zorblat\r\nQuib\nnot-a-word\n";
  }
  const Lexicon lex = Lexicon::load(dir / "words.txt");
  EXPECT_EQ(lex.size(), 2u);
  EXPECT_TRUE(lex.contains("ZORBLAT"));  // the Windows line end is stripped
  EXPECT_TRUE(lex.contains("QUIB"));

  const std::string missing = dir / "missing.txt";
  try {
    Lexicon::load(missing);
    FAIL() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(missing + ":", 0), 0u) << e.what();
  }
  {
    std::ofstream f(dir / "junk.txt");
    f << "123\n-\n";
  }
  EXPECT_THROW(Lexicon::load(dir / "junk.txt"), std::runtime_error);
  EXPECT_THROW(Lexicon::load(dir.path.string()), std::runtime_error);  // a folder
}

TEST(Lexicon, DefaultWordListLoads) {
  const Lexicon& lex = default_decoder().lexicon();
  EXPECT_GT(lex.size(), 50000u);  // wamerican has ~73,000 distinct A-Z words once uppercased
  EXPECT_TRUE(lex.contains("HOUSE"));
  EXPECT_TRUE(lex.contains("REFRIGERATOR"));
  EXPECT_FALSE(lex.contains("XQZT"));
}

TEST(Lexicon, WordsComeBackSortedFromTheTrie) {
  const Lexicon lex = Lexicon::from_words({"zebra", "ab", "a", "abc", "Abc", "b"});
  EXPECT_EQ(lex.words(), (std::vector<std::string>{"A", "AB", "ABC", "B", "ZEBRA"}));
  EXPECT_TRUE(Lexicon().words().empty());
}

TEST(Lexicon, SerializeRoundTripAndDamagedBytes) {
  const Lexicon lex = Lexicon::from_words({"house", "horse", "hose", "a", "zebra"});
  std::string bytes;
  lex.serialize(bytes);
  std::string_view v(bytes);
  Lexicon back;
  ASSERT_TRUE(Lexicon::parse(v, back));
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(back.words(), lex.words());
  EXPECT_EQ(back.count_of_length(5), 3u);
  EXPECT_TRUE(back.contains("HOSE"));
  EXPECT_FALSE(back.contains("HOS"));
  // Every truncation is refused.
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string_view t(bytes.data(), n);
    Lexicon x;
    EXPECT_FALSE(Lexicon::parse(t, x)) << n;
  }
  // A child index pointing outside the node table: header is 3 u64, then the length counts (u64 each), then the
  // nodes; the root's first_child is the first int32 of the node table.
  std::string bad = bytes;
  const size_t root = 3 * 8 + 6 * 8;  // words up to length 5: 6 length counts
  const int32_t far = 1 << 20;
  std::memcpy(bad.data() + root, &far, sizeof(far));
  std::string_view b(bad);
  Lexicon x;
  EXPECT_FALSE(Lexicon::parse(b, x));
}

TEST(CharNgram, SerializeRoundTrip) {
  const CharNgram lm = CharNgram::train({"CAT", "CAR", "DOG"});
  std::string bytes;
  lm.serialize(bytes);
  std::string_view v(bytes);
  CharNgram back;
  ASSERT_TRUE(CharNgram::parse(v, back));
  EXPECT_TRUE(v.empty());
  for (const std::string w : {"CAT", "DOT", "ZZZ"}) EXPECT_EQ(back.log_prob(w), lm.log_prob(w)) << w;
  EXPECT_EQ(back.log_length(3), lm.log_length(3));
  std::string_view cut(bytes.data(), bytes.size() - 1);
  EXPECT_FALSE(CharNgram::parse(cut, back));
}

TEST(WordDecoderCache, BuiltOnceThenReadBackAndRebuiltWhenTheListChanges) {
  test::TempDir dir;
  const std::string words = dir / "words.txt", cache = dir / "cache";
  {
    std::ofstream f(words);
    f << "house\nhorse\nzebra\n";
  }
  bool hit = true;
  const WordDecoder a = make_word_decoder(kClasses, words, cache, &hit);
  EXPECT_FALSE(hit);
  const WordDecoder b = make_word_decoder(kClasses, words, cache, &hit);
  EXPECT_TRUE(hit);
  EXPECT_EQ(b.lexicon().words(), (std::vector<std::string>{"HORSE", "HOUSE", "ZEBRA"}));
  EXPECT_EQ(b.lm().log_prob(std::string("HOUSE")), a.lm().log_prob(std::string("HOUSE")));
  EXPECT_EQ(b.lm().log_length(4), a.lm().log_length(4));
  // The same decode either way.
  auto w = confident("H");
  w.push_back(glyph({{'0', 0.55f}, {'O', 0.45f}}));
  for (auto& g : confident("USE")) w.push_back(g);
  EXPECT_EQ(a.decode(w).text, "HOUSE");
  EXPECT_EQ(b.decode(w).text, "HOUSE");

  // A changed list (other size and time) is not served from the stale cache.
  {
    std::ofstream f(words);
    f << "quib\nzorblat\n";
  }
  std::filesystem::last_write_time(words, std::filesystem::last_write_time(words) + std::chrono::seconds(5));
  const WordDecoder c = make_word_decoder(kClasses, words, cache, &hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(c.lexicon().words(), (std::vector<std::string>{"QUIB", "ZORBLAT"}));
  make_word_decoder(kClasses, words, cache, &hit);
  EXPECT_TRUE(hit);

  // A damaged cache file is rebuilt, silently.
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(cache), std::filesystem::directory_iterator()), 1);
  const auto file = std::filesystem::directory_iterator(cache)->path();
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  const WordDecoder d = make_word_decoder(kClasses, words, cache, &hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(d.lexicon().words(), (std::vector<std::string>{"QUIB", "ZORBLAT"}));
  make_word_decoder(kClasses, words, cache, &hit);
  EXPECT_TRUE(hit);

  // A cache folder that cannot be made (under a regular file): built in memory, no error.
  const WordDecoder e = make_word_decoder(kClasses, words, words + "/cache", &hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(e.lexicon().size(), 2u);
  // No cache folder at all, and a bad list is still reported by its path.
  EXPECT_EQ(make_word_decoder(kClasses, words, "", &hit).lexicon().size(), 2u);
  EXPECT_FALSE(hit);
  try {
    make_word_decoder(kClasses, dir / "missing.txt", cache);
    FAIL() << "no throw";
  } catch (const std::runtime_error& err) {
    EXPECT_NE(std::string(err.what()).find("missing.txt: cannot open word list"), std::string::npos) << err.what();
  }
}

TEST(CharNgram, WittenBellByHand) {
  // One word "AB": "^^AB$". Unigrams A, B, $ once each (3 tokens, 3 types), base uniform 1/27:
  //   p1(B) = (1 + 3/27) / 6 = 10/54.  Bigram after A: B once -> p2(B|A) = (1 + p1(B)) / 2 = 64/108.
  //   Trigram after ^A: B once -> p3(B|^A) = (1 + 64/108) / 2 = 172/216.
  //   p1(Z) = (0 + 3/27) / 6 = 1/54; p2(Z|A) = (0 + 1/54) / 2 = 1/108; p3(Z|^A) = (0 + 1/108) / 2 = 1/216.
  const CharNgram lm = CharNgram::train({"AB"});
  const int A = CharNgram::symbol('A'), B = CharNgram::symbol('B'), Z = CharNgram::symbol('Z');
  EXPECT_NEAR(std::exp(lm.log_prob(0, A, B)), 172.0 / 216.0, 1e-6);
  EXPECT_NEAR(std::exp(lm.log_prob(0, A, Z)), 1.0 / 216.0, 1e-7);
  // An unseen history backs off to the bigram: after "ZZ", p2(B|Z) = p1(B) (Z never seen as history).
  EXPECT_NEAR(std::exp(lm.log_prob(Z, Z, B)), 10.0 / 54.0, 1e-6);
  EXPECT_EQ(lm.log_prob(std::string("A1")), -INFINITY);
  EXPECT_FALSE(CharNgram().trained());
}

TEST(CharNgram, LengthConditionalSumsToOne) {
  const CharNgram lm = CharNgram::train({"CAT", "CAR", "DOG", "AT", "A", "TODO"});
  for (size_t n : {1, 2, 3}) {
    double sum = 0;
    std::string s(n, 'A');
    // All 26^n letter strings of length n.
    std::function<void(size_t)> rec = [&](size_t i) {
      if (i == n) {
        sum += std::exp(lm.log_prob(s) - lm.log_length(n));
        return;
      }
      for (char c = 'A'; c <= 'Z'; ++c) {
        s[i] = c;
        rec(i + 1);
      }
    };
    rec(0);
    EXPECT_NEAR(sum, 1.0, 1e-4) << "length " << n;
  }
}

TEST(WordDecoder, PriorIsADistributionOverStringsOfALength) {
  // All 36^2 two-glyph strings: the four terms each sum to their weight, so the prior sums to 1.
  const WordDecoder& d = default_decoder();
  const DecodeConfig cfg;
  double sum = 0;
  for (char a : kClasses)
    for (char b : kClasses) sum += std::exp(d.log_prior(std::string{a, b}, cfg));
  EXPECT_NEAR(sum, double(cfg.weights.sum()), 1e-3);
}

TEST(WordDecoder, LogTermsByName) {
  const WordDecoder& d = default_decoder();
  const double n_house = double(d.lexicon().count_of_length(5));
  const PriorLogTerms house = d.log_terms("HOUSE");
  EXPECT_DOUBLE_EQ(house.lexicon, -std::log(n_house));
  EXPECT_GT(house.ngram, -INFINITY);
  EXPECT_EQ(house.number, -INFINITY);
  EXPECT_DOUBLE_EQ(house.random, -5 * std::log(36.0));
  const PriorLogTerms year = d.log_terms("2019");
  EXPECT_EQ(year.lexicon, -INFINITY);
  EXPECT_EQ(year.ngram, -INFINITY);
  EXPECT_DOUBLE_EQ(year.number, -4 * std::log(10.0));
  EXPECT_DOUBLE_EQ(year.random, -4 * std::log(36.0));
  // A term switched off allows nothing; the prior is the weighted sum of the terms that allow the string.
  DecodeConfig no_words;
  no_words.use_lexicon = false;
  EXPECT_EQ(d.log_terms("HOUSE", no_words).lexicon, -INFINITY);
  const PriorWeights w = DecodeConfig{}.weights;
  EXPECT_NEAR(d.log_prior("2019"), std::log(w.number * std::pow(10.0, -4) + w.random * std::pow(36.0, -4)), 1e-12);
  DecodeConfig only_random;
  only_random.weights = {0, 0, 0, 1};
  EXPECT_DOUBLE_EQ(d.log_prior("HOUSE", only_random), house.random);
  const PriorLogTerms weighted = weighted_log_terms({0.5f, 0, 0.25f, 1}, year);
  EXPECT_EQ(weighted.lexicon, -INFINITY);  // the term does not allow "2019"
  EXPECT_EQ(weighted.ngram, -INFINITY);    // weight 0
  EXPECT_DOUBLE_EQ(weighted.number, std::log(0.25) + year.number);
  EXPECT_DOUBLE_EQ(weighted.random, year.random);
}

TEST(PriorTerms, OperationsGoInTermOrder) {
  const PriorTerms<char> names{'l', 'g', 'n', 'r'};
  EXPECT_EQ(names.fold(std::string(), [](std::string acc, char c) { return acc + c; }), "lgnr");
  const PriorWeights w{1, 2, 3, 4};
  EXPECT_EQ(w.sum(), 10.f);
  const PriorLogTerms doubled = w.map([](float x) { return 2.0 * x; });
  EXPECT_EQ(doubled.lexicon, 2.0);
  EXPECT_EQ(doubled.random, 8.0);
  const PriorLogTerms diff = doubled.zip(w, [](double a, float b) { return a - 10 * double(b); });
  EXPECT_EQ(diff.lexicon, -8.0);
  EXPECT_EQ(diff.ngram, -16.0);
  EXPECT_EQ(diff.number, -24.0);
  EXPECT_EQ(diff.random, -32.0);
}

TEST(Chars, DigitsAndCapitalsOnly) {
  static_assert(is_digit('0') && is_digit('9') && !is_digit('/') && !is_digit(':') && !is_digit('O'));
  static_assert(is_letter('A') && is_letter('Z') && !is_letter('@') && !is_letter('[') && !is_letter('a'));
  for (int c = -128; c < 128; ++c) {
    EXPECT_EQ(is_digit(char(c)), c >= '0' && c <= '9') << c;
    EXPECT_EQ(is_letter(char(c)), c >= 'A' && c <= 'Z') << c;
  }
}

TEST(WordDecoder, FixesConfusableLetters) {
  const WordDecoder& d = default_decoder();
  auto house = confident("H");
  house.push_back(glyph({{'0', 0.55f}, {'O', 0.45f}}));
  for (auto& g : confident("USE")) house.push_back(g);
  const DecodeResult r = d.decode(house);
  EXPECT_EQ(r.text, "HOUSE");
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.source, DecodeResult::Source::kLexicon);
  ASSERT_EQ(r.classes.size(), 5u);
  EXPECT_EQ(kClasses[size_t(r.classes[1])], 'O');
  EXPECT_FLOAT_EQ(r.probs[1], 0.45f);

  auto stop = std::vector<GlyphProbs>{glyph({{'5', 0.6f}, {'S', 0.4f}})};
  for (auto& g : confident("TOP")) stop.push_back(g);
  EXPECT_EQ(d.decode(stop).text, "STOP");
}

TEST(WordDecoder, AWordsLetterMayBeTheGlyphsFifthClass) {
  // HOODL?M: the sixth glyph reads 0 (0.5), O (0.4), D (0.05), Q (0.03), then U (0.01): the lexicon's HOODLUM needs
  // the fifth class, which the decoder's 6 candidates reach (4 did not, before session 12).
  const WordDecoder& d = default_decoder();
  auto word = confident("HOODL");
  word.push_back(glyph({{'0', 0.5f}, {'O', 0.4f}, {'D', 0.05f}, {'Q', 0.03f}, {'U', 0.01f}}));
  word.push_back(confident("M")[0]);
  EXPECT_EQ(d.decode(word).text, "HOODLUM");
  DecodeConfig four;
  four.top_k = 4;
  EXPECT_NE(d.decode(word, four).text, "HOODLUM");
}

TEST(WordDecoder, LeavesConfidentNonWordsAlone) {
  const WordDecoder& d = default_decoder();
  for (const std::string s : {"XQZT", "XQZT7K", "ABCDEFG", "HIJKLMN", "QX3Z9", "A1B2C3"}) {
    const DecodeResult r = d.decode(confident(s));
    EXPECT_EQ(r.text, s);
    EXPECT_FALSE(r.changed);
  }
  // One letter from a word, but the classifier is sure (second choice under min_ratio of the first): not
  // overruled, however strong the prior.
  auto housf = confident("HOUS");
  housf.push_back(glyph({{'F', 0.9994f}, {'E', 0.0005f}}));
  EXPECT_EQ(d.decode(housf).text, "HOUSF");
  DecodeConfig heavy;
  heavy.lm_weight = 100;
  EXPECT_EQ(d.decode(housf, heavy).text, "HOUSF");
  // With a less certain classifier the same word is read as a word.
  housf.back() = glyph({{'F', 0.96f}, {'E', 0.03f}});
  EXPECT_EQ(d.decode(housf).text, "HOUSE");
  // A close call inside a string that is no word either way keeps the classifier's choice.
  auto serial = confident("XQ");
  serial.push_back(glyph({{'7', 0.6f}, {'T', 0.4f}}));
  for (auto& g : confident("K9")) serial.push_back(g);
  EXPECT_EQ(d.decode(serial).text, "XQ7K9");
}

TEST(WordDecoder, ShapesDoNotOverruleConfidentGlyphs) {
  const WordDecoder& d = default_decoder();
  // "Sure" is a runner-up below DecodeConfig::shape_ratio (0.03) times the best.
  ASSERT_FLOAT_EQ(DecodeConfig{}.shape_ratio, 0.03f);
  // A serial number with one sure letter (S at 0.98, 5 at 0.02): the number shape may not turn it into a digit.
  std::vector<GlyphProbs> serial = {glyph({{'4', 0.99f}}), glyph({{'9', 0.99f}}), glyph({{'S', 0.98f}, {'5', 0.02f}}),
                                    glyph({{'8', 0.99f}}), glyph({{'C', 0.51f}, {'6', 0.36f}})};
  EXPECT_EQ(d.decode(serial).text, "49S8C");
  // With the S unsure, the same string reads as a number.
  serial[2] = glyph({{'S', 0.6f}, {'5', 0.4f}});
  EXPECT_EQ(d.decode(serial).text, "49586");
  // A random letter string with one clear digit in it (0.98 vs 0.02): the trigram may not make it all letters.
  std::vector<GlyphProbs> mixed = confident("GOU");
  mixed.push_back(glyph({{'5', 0.98f}, {'S', 0.02f}}));
  for (auto& g : confident("TAL")) mixed.push_back(g);
  EXPECT_EQ(d.decode(mixed).text, "GOU5TAL");
  // A digit that is the runner-up at 5% of the best (1 under I, as EMNIST's bare strokes go) is within reach: an
  // otherwise all-digit token reads as a number. At the old ratio, 0.1, it stayed "43I".
  const std::vector<GlyphProbs> code = {glyph({{'4', 0.99f}}), glyph({{'3', 0.99f}}),
                                        glyph({{'I', 0.95f}, {'1', 0.05f}})};
  EXPECT_EQ(d.decode(code).text, "431");
  DecodeConfig old_ratio;
  old_ratio.shape_ratio = 0.1f;
  EXPECT_EQ(d.decode(code, old_ratio).text, "43I");
}

TEST(WordDecoder, DigitTokensStayDigits) {
  const WordDecoder& d = default_decoder();
  std::vector<GlyphProbs> year = {glyph({{'2', 0.9f}, {'Z', 0.05f}}), glyph({{'O', 0.6f}, {'0', 0.4f}}),
                                  glyph({{'1', 0.85f}, {'I', 0.1f}}), glyph({{'9', 0.95f}})};
  const DecodeResult r = d.decode(year);
  EXPECT_EQ(r.text, "2019");
  EXPECT_EQ(r.source, DecodeResult::Source::kNumber);
  EXPECT_EQ(d.decode(confident("12345")).text, "12345");
}

TEST(WordDecoder, NoLexiconAndZeroWeight) {
  auto house = confident("H");
  house.push_back(glyph({{'0', 0.55f}, {'O', 0.45f}}));
  for (auto& g : confident("USE")) house.push_back(g);
  // No word list at all: letters are read glyph by glyph, digits still as numbers.
  const WordDecoder bare(kClasses);
  EXPECT_EQ(bare.decode(house).text, "H0USE");
  std::vector<GlyphProbs> year = {glyph({{'2', 0.9f}}), glyph({{'O', 0.6f}, {'0', 0.4f}}), glyph({{'1', 0.9f}})};
  EXPECT_EQ(bare.decode(year).text, "201");
  // The default decoder with the lexicon and trigram switched off, and with weight 0.
  DecodeConfig off;
  off.use_lexicon = false;
  off.use_ngram = false;
  EXPECT_EQ(default_decoder().decode(house, off).text, "H0USE");
  DecodeConfig zero;
  zero.lm_weight = 0;
  const DecodeResult z = default_decoder().decode(house, zero);
  EXPECT_EQ(z.text, "H0USE");
  EXPECT_FALSE(z.changed);
}

TEST(WordDecoder, CustomLexiconDrivesTheChoice) {
  test::TempDir dir;
  {
    std::ofstream f(dir / "words.txt");
    f << "zorblat\n";
  }
  std::vector<GlyphProbs> w = confident("Z");
  w.push_back(glyph({{'0', 0.55f}, {'O', 0.45f}}));
  for (auto& g : confident("RBLAT")) w.push_back(g);
  DecodeConfig no_ngram;
  no_ngram.use_ngram = false;
  EXPECT_EQ(WordDecoder(kClasses, Lexicon::load(dir / "words.txt")).decode(w, no_ngram).text, "ZORBLAT");
  EXPECT_EQ(WordDecoder(kClasses).decode(w, no_ngram).text, "Z0RBLAT");
}

TEST(WordDecoder, EmptyWordAndBadInput) {
  const DecodeResult r = default_decoder().decode({});
  EXPECT_EQ(r.text, "");
  EXPECT_TRUE(r.classes.empty());
  GlyphProbs short_glyph;
  short_glyph.p.assign(10, 0.1f);
  EXPECT_THROW(default_decoder().decode({short_glyph}), std::runtime_error);
}

TEST(WordDecoder, TakesTheClassStringFromTheModel) {
  // A digits-only model: the lexicon cannot apply, numbers decode as before.
  const WordDecoder d("0123456789", Lexicon::from_words({"HOUSE"}), CharNgram::train({"HOUSE"}));
  GlyphProbs g;
  g.p = {0.05f, 0.6f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.4f, 0.f, 0.f};
  EXPECT_EQ(d.decode({g, g}).text, "11");
}

namespace {
// A page line of words, each a list of glyphs given as (reader label, alternatives best first).
using GlyphSpec = std::pair<char, std::vector<Alternative>>;
LineResult line_of(const std::vector<std::vector<GlyphSpec>>& words) {
  LineResult l;
  for (const auto& w : words) {
    WordResult wr;
    for (const auto& [label, alts] : w) {
      CharResult c;
      c.label = label;
      c.confidence = alts[0].prob;
      c.alternatives = alts;
      wr.chars.push_back(c);
    }
    l.words.push_back(wr);
  }
  return l;
}
}  // namespace

TEST(DecodePage, LoneGlyphsKeepTheLineRuleOnlyInLists) {
  // The reader read a lone "3" (sure) as S because most lone glyphs on its line were letters. Among ordinary
  // words that is no evidence: the top class comes back.
  PageResult page;
  page.lines.push_back(
      line_of({{{'S', {{'3', 0.99f}, {'S', 0.005f}, {'J', 0.001f}}}},
               {{'X', {{'X', 0.9f}, {'K', 0.1f}, {'Y', 0.f}}}},
               {{'Q', {{'Q', 0.9f}, {'O', 0.1f}, {'0', 0.f}}}},
               {{'H', {{'H', 0.9f}, {'N', 0.1f}, {'A', 0.f}}}, {'0', {{'0', 0.99f}, {'O', 0.01f}, {'D', 0.f}}}}}));
  // A row of lone letters (an alphabet grid) keeps the reader's letter for its one unsure digit.
  std::vector<std::vector<GlyphSpec>> grid;
  for (char c : std::string("HIJKL")) grid.push_back({{c, {{c, 0.95f}, {'1', 0.05f}, {'7', 0.f}}}});
  grid[1] = {{'I', {{'1', 0.7f}, {'I', 0.3f}, {'7', 0.f}}}};
  page.lines.push_back(line_of(grid));
  const WordDecoder& d = default_decoder();
  PageDecodeConfig cfg;
  PageResult on = page;
  EXPECT_EQ(decode_page(on, d, cfg), 1u);
  EXPECT_EQ(on.lines[0].words[0].chars[0].label, '3');
  EXPECT_FLOAT_EQ(on.lines[0].words[0].chars[0].confidence, 0.99f);
  EXPECT_EQ(on.lines[0].text(), "3 X Q H0");  // "H0" is no word, and the 0 is sure
  EXPECT_EQ(on.lines[1].text(), "H I J K L");
  // Weight 0: the page is left exactly as the reader made it.
  cfg.decode.lm_weight = 0;
  PageResult off = page;
  EXPECT_EQ(decode_page(off, d, cfg), 0u);
  EXPECT_EQ(off.lines[0].text(), "S X Q H0");
}

TEST(DecodePage, TheLetterDigitRuleLooksAtTheTopThreeOnly) {
  // "12A45" with a sure A: the word is mostly digits, but the A's first digit is its sixth alternative (p 1e-4), no
  // close call, so the A stays (the reader lists six alternatives for the word decoder since session 12).
  auto digit = [](char c) { return GlyphSpec{c, {{c, 0.98f}, {'I', 0.01f}, {'Z', 0.01f}}}; };
  const GlyphSpec sure_a{'A', {{'A', 0.999f}, {'R', 3e-4f}, {'H', 2e-4f}, {'P', 2e-4f}, {'K', 1e-4f}, {'4', 1e-4f}}};
  PageResult page;
  page.lines.push_back(line_of({{digit('1'), digit('2'), sure_a, digit('4'), digit('5')}}));
  PageDecodeConfig cfg;
  cfg.decode.lm_weight = 0;  // the rule alone
  PageResult three = page;
  decode_page(three, default_decoder(), cfg);
  EXPECT_EQ(three.lines[0].text(), "12A45");
  cfg.context_candidates = 6;
  PageResult six = page;
  decode_page(six, default_decoder(), cfg);
  EXPECT_EQ(six.lines[0].text(), "12445");
}

TEST(DecodePage, PagesThatAreNotTextKeepTheTopClassesExceptLongWords) {
  // Two unsure words, "H0USE" and "C0W", among five other runs. Among codes that read as no word, the short one
  // stays as the classifier read it (three glyphs sit near some word by chance too often) while the long one is
  // still read as a word; among words both are.
  auto sure = [](const std::string& s) {
    std::vector<GlyphSpec> w;
    for (char c : s) w.push_back({c, {{c, 0.97f}, {c == 'Q' ? 'O' : 'Q', 0.02f}, {'K', 0.01f}}});
    return w;
  };
  std::vector<GlyphSpec> house = sure("HOUSE"), cow = sure("COW");
  house[1] = {'O', {{'0', 0.55f}, {'O', 0.45f}, {'D', 0.f}}};  // the reader's own rule already made it a letter
  cow[1] = house[1];
  auto page_of = [&](const std::vector<std::string>& others) {
    PageResult page;
    std::vector<std::vector<GlyphSpec>> words{house, cow};
    for (const auto& o : others) words.push_back(sure(o));
    page.lines.push_back(line_of(words));
    return page;
  };
  PageResult codes = page_of({"XQZT", "QX3Z9", "ZZKQ", "JXQV", "QW7W"});
  decode_page(codes, default_decoder());
  EXPECT_EQ(codes.lines[0].text(), "HOUSE C0W XQZT QX3Z9 ZZKQ JXQV QW7W");
  PageDecodeConfig no_long_words;
  no_long_words.sure_word_min = 100;
  PageResult codes_only = page_of({"XQZT", "QX3Z9", "ZZKQ", "JXQV", "QW7W"});
  decode_page(codes_only, default_decoder(), no_long_words);
  EXPECT_EQ(codes_only.lines[0].text(), "H0USE C0W XQZT QX3Z9 ZZKQ JXQV QW7W");
  // A form's mix, half words and half codes (4 of 7 runs decode to words): text, so the short word is read too.
  // Under session 10's text_min_share of 0.6 this page was codes and kept "C0W".
  PageResult form = page_of({"THE", "CAT", "XQZT", "QX3Z9", "ZZKQ"});
  decode_page(form, default_decoder());
  EXPECT_EQ(form.lines[0].text(), "HOUSE COW THE CAT XQZT QX3Z9 ZZKQ");
  PageResult prose = page_of({"THE", "CAT", "SAT", "ON", "MATS"});
  decode_page(prose, default_decoder());
  EXPECT_EQ(prose.lines[0].text(), "HOUSE COW THE CAT SAT ON MATS");
  // Too few runs to tell: decoded as text.
  PageResult few = page_of({"XQZT"});
  decode_page(few, default_decoder());
  EXPECT_EQ(few.lines[0].text(), "HOUSE COW XQZT");
}

TEST(DecodePage, CutOrWholeCellsTakeTheReadingThatMakesAWord) {
  // SUMMER with both M's cut in two by the reader ("SUN7N7ER"); each cell keeps its whole reading as the other
  // one. Only the word with both cells whole is a word, so both are taken, and the halves become the cells'
  // other readings (at the shifted positions).
  auto glyph = [](char top, float p, char second) {
    return GlyphSpec{top, {{top, p}, {second, 1 - p - 0.01f}, {'K', 0.01f}}};
  };
  auto char_of = [](const GlyphSpec& g, int x) {
    CharResult c;
    c.label = g.first;
    c.confidence = g.second[0].prob;
    c.alternatives = g.second;
    c.box = cv::Rect(x, 0, 10, 20);
    return c;
  };
  const std::vector<GlyphSpec> split{glyph('S', 0.97f, '5'), glyph('U', 0.97f, 'V'), glyph('N', 0.9f, 'H'),
                                     glyph('7', 0.9f, 'T'),  glyph('N', 0.9f, 'H'),  glyph('7', 0.9f, 'T'),
                                     glyph('E', 0.97f, 'F'), glyph('R', 0.97f, 'K')};
  auto summer = [&] {
    PageResult page;
    page.lines.push_back(line_of({split}));
    WordResult& w = page.lines[0].words[0];
    for (size_t i = 0; i < w.chars.size(); ++i) w.chars[i].box = cv::Rect(int(10 * i), 0, 10, 20);
    w.other_readings = {{2, 2, {char_of(glyph('M', 0.99f, 'W'), 20)}}, {4, 2, {char_of(glyph('M', 0.99f, 'W'), 40)}}};
    return page;
  };
  PageResult page = summer();
  EXPECT_EQ(decode_page(page, default_decoder()), 1u);
  const WordResult& w = page.lines[0].words[0];
  EXPECT_EQ(w.text(), "SUMMER");
  EXPECT_EQ(w.chars[2].box, cv::Rect(20, 0, 10, 20));
  EXPECT_EQ(w.chars[3].box, cv::Rect(40, 0, 10, 20));
  ASSERT_EQ(w.other_readings.size(), 2u);
  EXPECT_EQ(w.other_readings[0].first, 2u);
  EXPECT_EQ(w.other_readings[0].count, 1u);
  EXPECT_EQ(w.other_readings[1].first, 3u);
  EXPECT_EQ(w.other_readings[1].count, 1u);
  ASSERT_EQ(w.other_readings[1].other.size(), 2u);
  EXPECT_EQ(w.other_readings[1].other[0].label, 'N');
  EXPECT_EQ(w.other_readings[1].other[1].box, cv::Rect(50, 0, 10, 20));
  // Without the word list, or with decoding off, the cells stay as the reader chose them. With the prior off, the
  // letter/digit context alone still reads a word of six letters and two digits as letters (7 -> T, listed
  // second); with that off too, the classifier's reading stands.
  PageResult off = summer();
  PageDecodeConfig no_lm;
  no_lm.decode.lm_weight = 0;
  decode_page(off, default_decoder(), no_lm);
  EXPECT_EQ(off.lines[0].text(), "SUNTNTER");
  PageResult raw = summer();
  no_lm.context = false;
  decode_page(raw, default_decoder(), no_lm);
  EXPECT_EQ(raw.lines[0].text(), "SUN7N7ER");
  PageResult no_lexicon = summer();
  PageDecodeConfig no_words;
  no_words.decode.use_lexicon = false;
  decode_page(no_lexicon, default_decoder(), no_words);
  EXPECT_EQ(no_lexicon.lines[0].words[0].chars.size(), 8u);
  // A reading that is already a word is kept even when the other one is a word too: MINE (a cut "TW" read
  // whole) stays MINE rather than TWINE; and short words (under sure_word_min glyphs) are left to the reader.
  PageResult mine;
  mine.lines.push_back(
      line_of({{glyph('M', 0.9f, 'N'), glyph('I', 0.97f, '1'), glyph('N', 0.97f, 'H'), glyph('E', 0.97f, 'F')}}));
  mine.lines[0].words[0].other_readings = {
      {0, 1, {char_of(glyph('T', 0.9f, '7'), 0), char_of(glyph('W', 0.9f, 'V'), 10)}}};
  decode_page(mine, default_decoder());
  EXPECT_EQ(mine.lines[0].text(), "MINE");
  PageResult pnl;
  pnl.lines.push_back(line_of({{glyph('P', 0.97f, 'D'), glyph('N', 0.9f, 'H'), glyph('L', 0.97f, 'I')}}));
  pnl.lines[0].words[0].other_readings = {
      {1, 1, {char_of(glyph('A', 0.9f, '4'), 10), char_of(glyph('I', 0.9f, '1'), 20)}}};
  decode_page(pnl, default_decoder());
  EXPECT_EQ(pnl.lines[0].text(), "PNL");  // not PAIL
}

namespace {
// A line of words laid out left to right: each word a string of sure glyphs (p 0.97, a look-alike second), letters
// 20 px wide and 30 tall, `letter_gap` px apart within a word; words[i] is followed by word_gaps[i] px.
LineResult laid_out(const std::vector<std::string>& words, int letter_gap, const std::vector<int>& word_gaps) {
  LineResult l;
  int x = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    WordResult w;
    for (char c : words[i]) {
      CharResult ch;
      ch.label = c;
      ch.confidence = 0.97f;
      ch.alternatives = {{c, 0.97f}, {c == 'Q' ? 'O' : 'Q', 0.02f}, {'K', 0.01f}};
      ch.box = cv::Rect(x, 0, 20, 30);
      w.box = w.chars.empty() ? ch.box : (w.box | ch.box);
      w.chars.push_back(ch);
      x += 20 + letter_gap;
    }
    l.words.push_back(w);
    x += (i < word_gaps.size() ? word_gaps[i] : 0) - letter_gap;
  }
  return l;
}

PageResult page_of_line(const LineResult& l) {
  PageResult p;
  p.lines.push_back(l);
  return p;
}

// laid_out(words, letter_gap, {gap}) read as one word: the segmenter missed the word gap.
PageResult run_together(const std::vector<std::string>& words, int letter_gap, int gap) {
  LineResult l = laid_out(words, letter_gap, {gap});
  WordResult all;
  all.box = l.words[0].box;
  for (const auto& w : l.words) {
    all.chars.insert(all.chars.end(), w.chars.begin(), w.chars.end());
    all.box |= w.box;
  }
  l.words = {all};
  return page_of_line(l);
}

// An unsure glyph: `top` at 0.6, `second` at 0.4.
void make_unsure(CharResult& c, char top, char second) {
  c.label = top;
  c.confidence = 0.6f;
  c.alternatives = {{top, 0.6f}, {second, 0.39f}, {'K', 0.01f}};
}
}  // namespace

TEST(DecodePage, LettersWrittenApartJoinIntoLexiconWords) {
  // "H 0 U S E Q X": seven one-letter words, HOUSE's 10 px apart (the segmenter's all-spaces line), Q and X 30 px
  // further on. HOUSE decodes to a lexicon word (the 0 is an unsure O); Q and X make none and stay apart.
  auto house = [] {
    PageResult p = page_of_line(laid_out({"H", "0", "U", "S", "E", "Q", "X"}, 10, {10, 10, 10, 10, 30, 30}));
    make_unsure(p.lines[0].words[1].chars[0], '0', 'O');
    return p;
  };
  PageResult page = house();
  EXPECT_GE(decode_page(page, default_decoder()), 1u);
  ASSERT_EQ(page.lines[0].text(), "HOUSE Q X");
  const WordResult& w = page.lines[0].words[0];
  EXPECT_EQ(w.box, cv::Rect(0, 0, 140, 30));
  EXPECT_EQ(w.chars[1].box, cv::Rect(30, 0, 20, 30));
  EXPECT_FLOAT_EQ(w.chars[1].confidence, 0.39f);  // the O's own probability
  // Two words in one row, 20 px between them: the cover of most letters, MAKE and WORD (MAKEWORD is none).
  PageResult two = page_of_line(laid_out({"M", "A", "K", "E", "W", "O", "R", "D"}, 10, {10, 10, 10, 20, 10, 10, 10}));
  decode_page(two, default_decoder());
  EXPECT_EQ(two.lines[0].text(), "MAKE WORD");
  // A word must stand apart as words do (its neighbours at least join_edge_ratio x its widest gap away): in a list of
  // single glyphs all 10 px apart, HOUSE is a word by chance, not the writer's. With 13 px around it, it is one (and
  // the others, 13 px apart, further than HOUSE's letters, stay single).
  PageResult list =
      page_of_line(laid_out({"X", "Q", "H", "O", "U", "S", "E", "Z", "J"}, 10, {10, 10, 10, 10, 10, 10, 10, 10}));
  decode_page(list, default_decoder());
  EXPECT_EQ(list.lines[0].text(), "X Q H O U S E Z J");
  PageResult set_off =
      page_of_line(laid_out({"X", "Q", "H", "O", "U", "S", "E", "Z", "J"}, 10, {13, 13, 10, 10, 10, 10, 13, 13}));
  decode_page(set_off, default_decoder());
  EXPECT_EQ(set_off.lines[0].text(), "X Q HOUSE Z J");
  // A gap over join_gap_ratio (3) x the narrowest among them is a word gap: HOUS E stays apart (and so does the rest:
  // no four letters on either side make a word).
  PageResult uneven = page_of_line(laid_out({"H", "O", "U", "S", "E"}, 10, {10, 10, 10, 31}));
  decode_page(uneven, default_decoder());
  EXPECT_EQ(uneven.lines[0].text(), "H O U S E");
  PageDecodeConfig ratio4;
  ratio4.join_gap_ratio = 4;
  PageResult uneven4 = page_of_line(laid_out({"H", "O", "U", "S", "E"}, 10, {10, 10, 10, 31}));
  decode_page(uneven4, default_decoder(), ratio4);
  EXPECT_EQ(uneven4.lines[0].text(), "HOUSE");
  // Words of several letters join too, when their letters are evenly spaced across the gap between them ("HOU SE"),
  // unless each is a lexicon word on its own (HOUSE BOAT, though HOUSEBOAT is one).
  PageResult parts = page_of_line(laid_out({"HOU", "SE"}, 10, {10}));
  decode_page(parts, default_decoder());
  EXPECT_EQ(parts.lines[0].text(), "HOUSE");
  PageResult wide_parts = page_of_line(laid_out({"HOU", "SE"}, 6, {19}));  // 19 > 3 x 6: a word gap
  decode_page(wide_parts, default_decoder());
  EXPECT_EQ(wide_parts.lines[0].text(), "HOU SE");
  PageResult two_words = page_of_line(laid_out({"HOUSE", "BOAT"}, 10, {10}));
  decode_page(two_words, default_decoder());
  EXPECT_EQ(two_words.lines[0].text(), "HOUSE BOAT");
  // Short words count as words too (MAY BE, though MAYBE is one); of one letter, A and I (A PART, though APART is).
  PageResult may_be = page_of_line(laid_out({"MAY", "BE"}, 10, {10}));
  decode_page(may_be, default_decoder());
  EXPECT_EQ(may_be.lines[0].text(), "MAY BE");
  PageResult a_part = page_of_line(laid_out({"A", "PART"}, 10, {10}));
  decode_page(a_part, default_decoder());
  EXPECT_EQ(a_part.lines[0].text(), "A PART");
  // A comb's boxes are the writer's own spaces; without the word list, or with the prior off, nothing joins.
  PageResult comb = house();
  comb.fields.push_back({"comb", cv::Rect(0, 0, 200, 30), {}, 0, 1});
  decode_page(comb, default_decoder());
  EXPECT_EQ(comb.lines[0].words.size(), 7u);
  PageDecodeConfig no_words;
  no_words.decode.use_lexicon = false;
  PageResult plain = house();
  decode_page(plain, default_decoder(), no_words);
  EXPECT_EQ(plain.lines[0].words.size(), 7u);
  PageDecodeConfig no_lm;
  no_lm.decode.lm_weight = 0;
  PageResult raw = house();
  EXPECT_EQ(respace_words(raw, default_decoder(), no_lm), 0u);
  EXPECT_EQ(raw.lines[0].words.size(), 7u);
  PageDecodeConfig off;
  off.respace = false;
  PageResult kept = house();
  EXPECT_EQ(respace_words(kept, default_decoder(), off), 0u);
  EXPECT_EQ(kept.lines[0].words.size(), 7u);
}

TEST(DecodePage, OnAPageOfSpacedLettersSpacedDigitsJoinToo) {
  // Line 1: "H O U S E", letters 10 px apart (a third of their height), which the lexicon joins: this writer's
  // letters stand a third of a height apart. Line 2: "5 8 1 1 8" just as far apart, then "7" and "9" 20 px apart
  // (two thirds: a word gap), and the word HOUSE 10 px after the 9. No lexicon can join digits; the page's letter
  // gaps do. A lexicon word stays as the lexicon read it.
  auto page = [](bool with_words) {
    PageResult p;
    if (with_words) p.lines.push_back(laid_out({"H", "O", "U", "S", "E"}, 10, {10, 10, 10, 10}));
    p.lines.push_back(laid_out({"5", "8", "1", "1", "8", "7", "9", "HOUSE"}, 10, {10, 10, 10, 10, 20, 20, 10}));
    return p;
  };
  PageResult both = page(true);
  respace_words(both, default_decoder());
  EXPECT_EQ(both.lines[0].text(), "HOUSE");
  EXPECT_EQ(both.lines[1].text(), "58118 7 9 HOUSE");
  EXPECT_EQ(both.lines[1].words[0].box, cv::Rect(0, 0, 140, 30));
  // Without spaced letters on the page, nothing tells the digits' gaps from word gaps.
  PageResult digits = page(false);
  respace_words(digits, default_decoder());
  EXPECT_EQ(digits.lines[0].text(), "5 8 1 1 8 7 9 HOUSE");
  // Nor with fewer gaps than letter_gaps_min.
  PageDecodeConfig more;
  more.letter_gaps_min = 5;
  PageResult few = page(true);
  respace_words(few, default_decoder(), more);
  EXPECT_EQ(few.lines[1].text(), "5 8 1 1 8 7 9 HOUSE");
}

TEST(DecodePage, WordsRunTogetherSplitAtTheEdgesOfLexiconWords) {
  // "H0USE42" read as one word, letters 6 px apart, 14 px between E and 4: HOUSE's edge gap is over
  // split_gap_ratio (1.25) x its widest inner gap and over split_min_gap (0.4) x 30 px.
  auto house_42 = [](int letter_gap, int edge_gap) {
    PageResult p = run_together({"HOUSE", "42"}, letter_gap, edge_gap);
    make_unsure(p.lines[0].words[0].chars[1], '0', 'O');
    return p;
  };
  PageResult page = house_42(6, 14);
  const size_t changed = respace_words(page, default_decoder());
  EXPECT_EQ(changed, 1u);
  ASSERT_EQ(page.lines[0].text(), "HOUSE 42");
  EXPECT_EQ(page.lines[0].words[0].box, cv::Rect(0, 0, 124, 30));
  EXPECT_EQ(page.lines[0].words[1].box, cv::Rect(138, 0, 46, 30));
  EXPECT_EQ(page.lines[0].words[0].chars[1].label, 'O');  // the stretch reads as its word: the O's own probability
  EXPECT_FLOAT_EQ(page.lines[0].words[0].chars[1].confidence, 0.39f);
  // Just under either bound: one word still (14 < 1.25 x 12 = 15 in a word of 12 px gaps; 11 < 0.4 x 30 = 12 where
  // the gaps inside are 2 px).
  PageResult close = house_42(12, 14);
  respace_words(close, default_decoder());
  EXPECT_EQ(close.lines[0].words.size(), 1u);
  PageResult low = house_42(2, 11);
  respace_words(low, default_decoder());
  EXPECT_EQ(low.lines[0].words.size(), 1u);
  // Two lexicon words run together both split off; a lexicon word with a wide gap inside stays whole.
  PageResult hh = run_together({"HORSE", "HOUSE"}, 6, 16);
  respace_words(hh, default_decoder());
  EXPECT_EQ(hh.lines[0].text(), "HORSE HOUSE");
  PageResult hb = run_together({"HOUSE", "BOAT"}, 6, 16);
  respace_words(hb, default_decoder());
  EXPECT_EQ(hb.lines[0].text(), "HOUSEBOAT");
  // A cell read cut or whole goes with its part of the word; a split never falls inside one. "42" read cut from one
  // cell: its other reading moves to the word "42", at its start.
  PageResult cut = house_42(6, 14);
  WordResult& w = cut.lines[0].words[0];
  CharResult a = w.chars[5];
  a.label = 'A';
  w.other_readings = {{5, 2, {a}}};
  respace_words(cut, default_decoder());
  ASSERT_EQ(cut.lines[0].text(), "HOUSE 42");
  ASSERT_EQ(cut.lines[0].words[1].other_readings.size(), 1u);
  EXPECT_EQ(cut.lines[0].words[1].other_readings[0].first, 0u);
  EXPECT_EQ(cut.lines[0].words[1].other_readings[0].count, 2u);
  EXPECT_TRUE(cut.lines[0].words[0].other_readings.empty());
  // "E4" one cell cut in two: no split between them.
  PageResult inside = house_42(6, 14);
  inside.lines[0].words[0].other_readings = {{4, 2, {a}}};
  respace_words(inside, default_decoder());
  EXPECT_EQ(inside.lines[0].words.size(), 1u);
}

// End to end through `scrawl read` on the shared photos (shipped model, default word list).
namespace {
size_t glyph_edits(const std::string& truth, std::string got) {
  std::string a, b;
  for (char c : truth)
    if (!std::isspace(static_cast<unsigned char>(c))) a += c;
  for (char c : got)
    if (!std::isspace(static_cast<unsigned char>(c))) b += c;
  // Plain Levenshtein (ASCII pages).
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace

TEST(ReadCli, DecodingDoesNotHurtThePhotos) {
  for (const std::string name : {"02_letters", "03_haiku", "04_deep"}) {
    const std::string base = test::data_dir() + "/pages/" + name;
    std::ifstream in(base + ".txt");
    ASSERT_TRUE(in) << base;
    const std::string truth((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto off = test::run_scrawl("read --lm-weight 0 " + base + ".jpg");
    const auto on = test::run_scrawl("read " + base + ".jpg");
    ASSERT_EQ(off.exit_code, 0) << off.err;
    ASSERT_EQ(on.exit_code, 0) << on.err;
    EXPECT_LE(glyph_edits(truth, on.out), glyph_edits(truth, off.out)) << name << ":\n" << on.out;
  }
}

TEST(ReadCli, LexiconFlags) {
  const std::string page = test::data_dir() + "/pages/03_haiku.jpg";
  test::TempDir dir;
  const std::string missing = dir / "no_such_words.txt";
  const auto bad = test::run_scrawl("read --lexicon " + missing + " " + page);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(missing + ": cannot open word list"), std::string::npos) << bad.err;
  EXPECT_TRUE(bad.out.empty());
  const auto both = test::run_scrawl("read --no-lexicon --lexicon " + missing + " " + page);
  EXPECT_EQ(both.exit_code, 2) << both.err;
  const auto neg = test::run_scrawl("read --lm-weight -1 " + page);
  EXPECT_EQ(neg.exit_code, 2) << neg.err;
  {
    std::ofstream f(dir / "words.txt");
    f << "haikus\nare\neasy\nbut\nsometimes\nthey\ndont\nmake\nsense\nrefrigerator\n";
  }
  const auto custom = test::run_scrawl("read --lexicon " + (dir / "words.txt") + " " + page);
  EXPECT_EQ(custom.exit_code, 0) << custom.err;
  EXPECT_EQ(std::count(custom.out.begin(), custom.out.end(), '\n'), 3) << custom.out;
  const auto none = test::run_scrawl("read --no-lexicon " + page);
  EXPECT_EQ(none.exit_code, 0) << none.err;
}
