// The word-list filter (util/words.h) and the two readers of word lists that use it: the reader's lexicon and the
// synthesizer's dictionary keep the same words of one file (within the synthesizer's lengths).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "scrawl/ocr/lexicon.h"
#include "scrawl/synth/synth.h"
#include "scrawl/util/words.h"
#include "test_util.h"

namespace scrawl {
namespace {

TEST(Words, LettersOnlyEitherCaseWithinLengths) {
  EXPECT_TRUE(is_letter_word("Ada"));
  EXPECT_TRUE(is_letter_word("ZEBRA"));
  EXPECT_TRUE(is_letter_word("a"));
  for (const char* bad : {"", "can't", "caf\xc3\xa9", "two words", "R2D2", "word\r", "x-ray", "@", "[", "`", "{"})
    EXPECT_FALSE(is_letter_word(bad)) << bad;
  EXPECT_FALSE(is_letter_word("A", 2, 10));
  EXPECT_TRUE(is_letter_word("AB", 2, 10));
  EXPECT_TRUE(is_letter_word("ABCDEFGHIJ", 2, 10));
  EXPECT_FALSE(is_letter_word("ABCDEFGHIJK", 2, 10));
  EXPECT_FALSE(is_letter_word("", 0, 10)) << "an empty line is never a word";
}

TEST(Words, UppercasesUsableWordsOnly) {
  EXPECT_EQ(upper_letter_word("Ada"), "ADA");
  EXPECT_EQ(upper_letter_word("azAZ"), "AZAZ");
  EXPECT_EQ(upper_letter_word("can't"), "");
  EXPECT_EQ(upper_letter_word("Hello", 2, 4), "");
}

TEST(Words, LexiconAndSynthDictionaryKeepTheSameWords) {
  test::TempDir tmp;
  const std::string path = tmp / "words";
  std::ofstream(path) << "Ada\nada\ncan't\nzebra\nA\nQuixotically\nR2\nfox\n\nOK\n";
  std::vector<std::string> synth = load_words(path);
  std::sort(synth.begin(), synth.end());
  EXPECT_EQ(synth, (std::vector<std::string>{"ADA", "FOX", "OK", "ZEBRA"}));
  std::vector<std::string> lex = Lexicon::load(path).words();
  EXPECT_EQ(lex, (std::vector<std::string>{"A", "ADA", "FOX", "OK", "QUIXOTICALLY", "ZEBRA"}));
  std::erase_if(lex, [](const std::string& w) { return w.size() < 2 || w.size() > 10; });
  EXPECT_EQ(lex, synth);
  EXPECT_EQ(Lexicon::from_words({"Ada", "ada", "can't", "zebra", "A", "Quixotically", "R2", "fox", "", "OK"}).words(),
            Lexicon::load(path).words());
}

}  // namespace
}  // namespace scrawl
