// Reading a line recognizer's output: the per-frame class distributions of a CTC-trained model become text.
// A prefix beam search keeps the `beam` most likely texts frame by frame, summing over every path that spells
// the same text (CTC's own probability), and scores each finished word with the same word prior the glyph path
// uses (ocr/decode.h: lexicon, letter trigrams, number shapes, flat term; lm_weight 0 turns it off), so
// `--no-lexicon` and `--lm-weight` keep their meaning. Word spaces are a class the model predicts; the prior
// decides between "M A K E" and "MAKE" like any other reading.
#pragma once
#include <string>
#include <vector>

#include "scrawl/ocr/decode.h"

namespace scrawl {

struct CtcDecodeConfig {
  int beam = 16;  // texts kept per frame
  // Classes below this probability at a frame are not tried there (they cannot lead a beam of 16 texts).
  float min_prob = 1e-4f;
  // The lexicon search (ctc_lexicon_search): prefixes of lexicon words kept per frame, and the floor below which a
  // letter is not tried (its branching is the trie's, so it can afford a lower floor than the free search). Chosen
  // on touching tuning pages (seed 1301, 10 pages, --recognizer line): glyph CER 10.61% without the search, 9.52%
  // at 16, 8.95% at 64, 8.01% at 128, 256 and 1024 (floor 1e-12); floors 1e-6 and 1e-9 read the same. A free
  // search 400 wide reads 9.67%. The search costs dense touching pages 10-15% of their read time with the line
  // model (BENCHMARKS.md, "Touching letters", session 12).
  int lexicon_beam = 128;
  float lexicon_min_prob = 1e-6f;
  DecodeConfig prior;  // lm_weight, use_lexicon, ... as for the glyph path
};

struct CtcChar {
  char label = '?';
  int frame = 0;         // the frame where its probability peaks on the best path
  float confidence = 0;  // that probability
};

struct CtcDecodeResult {
  std::string text;            // words separated by single spaces
  std::vector<CtcChar> chars;  // one per character of text, spaces included
  double log_score = 0;        // log P_ctc(text) + lm_weight * sum of its words' log priors
};

// log_probs: `frames` rows of K natural-log probabilities (row-major). classes[k] is class k's character; the
// character of `blank` is ignored, a ' ' class is the word space. `decoder` may be null (no prior): its classes
// need not be the line model's, only the words' characters are looked up.
CtcDecodeResult ctc_beam_search(const std::vector<float>& log_probs, int frames, const std::string& classes, int blank,
                                const WordDecoder* decoder, const CtcDecodeConfig& cfg = {});

// The likeliest lexicon word for frames that hold one word: a prefix beam search whose texts are only prefixes of the
// decoder's lexicon words (its trie's nodes), ranked by their CTC probability; the finished words are then scored
// like ctc_beam_search's (log P_ctc + the word prior). The free search cannot keep a word whose letters the model
// reads against it at a few frames (a C read as O at 90%, two touching Ls as a U): the texts it keeps instead are
// many spellings of the model's own misreading. Here every text is a word prefix, so the word survives to be
// weighed. Returns an empty text with log_score -inf when no lexicon word can be spelled (no lexicon, the prior
// off, too few frames).
CtcDecodeResult ctc_lexicon_search(const std::vector<float>& log_probs, int frames, const std::string& classes,
                                   int blank, const WordDecoder& decoder, const CtcDecodeConfig& cfg = {});

}  // namespace scrawl
