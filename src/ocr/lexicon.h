// A word list for contextual decoding: uppercase A-Z words in a compact trie, walked by the decoder over each
// position's candidate letters. No OpenCV, no model: testable on hand-made word lists.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scrawl {

// Debian's wamerican list (package wamerican); the default lexicon of `scrawl read`.
inline constexpr const char* kDefaultLexiconPath = "/usr/share/dict/words";

class Lexicon {
 public:
  struct Node {
    int32_t first_child = 0;  // children are nodes[first_child, first_child + num_children), sorted by letter
    uint8_t num_children = 0;
    char letter = 0;        // the letter on the edge into this node ('\0' for the root)
    bool terminal = false;  // a word ends here
    // Bit d set: some word ends exactly d letters below this node (d >= 31 folds into bit 31). Lets a walk
    // for words of one length skip whole subtrees.
    uint32_t depths = 0;
  };

  Lexicon() = default;  // empty: contains no words
  // Keeps the words made only of A-Z or a-z (util/words.h is_letter_word), uppercased; others ("can't", "café",
  // "") are dropped. Dedupes.
  static Lexicon from_words(const std::vector<std::string>& words);
  // One word a line, as from_words. Throws std::runtime_error("PATH: problem") when the file cannot be read
  // or holds no usable word.
  static Lexicon load(const std::string& path);

  bool empty() const { return words_ == 0; }
  size_t size() const { return words_; }
  bool contains(const std::string& word) const;
  size_t count_of_length(size_t n) const { return n < by_length_.size() ? by_length_[n] : 0; }
  const std::vector<Node>& nodes() const { return nodes_; }  // nodes()[0] is the root (when not empty)
  std::vector<std::string> words() const;                    // sorted, unique; rebuilt from the trie

  // Binary form for the decoder's cache (ocr/decode.h): appended to `out`; read back by parse, which consumes
  // its bytes from `in` and returns false (leaving `lex` unspecified) on anything inconsistent.
  void serialize(std::string& out) const;
  static bool parse(std::string_view& in, Lexicon& lex);

 private:
  // Builds from uppercase A-Z words (views into caller-owned text), sorting and deduping them in place.
  static Lexicon from_views(std::vector<std::string_view>& words);
  void build(const std::vector<std::string_view>& list, size_t lo, size_t hi, size_t depth, size_t node);
  std::vector<Node> nodes_;
  std::vector<uint64_t> by_length_;
  size_t words_ = 0;
};

}  // namespace scrawl
