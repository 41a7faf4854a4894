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

}  // namespace scrawl
