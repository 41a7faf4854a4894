// Contextual decoding of a page the reader has read: each word's letters and digits are re-read as a whole with
// the WordDecoder (ocr/decode.h). Kept apart from decode.h, which stays free of OpenCV and the reader.
#pragma once
#include "ocr/decode.h"
#include "ocr/reader.h"

namespace scrawl {

struct PageDecodeConfig {
  DecodeConfig decode;
  // Runs of fewer glyphs keep the reader's labels: a lone glyph has no word around it (the reader already uses
  // its line for those).
  size_t min_glyphs = 2;
  // The page's own mix of token kinds: after each round the prior's term weights move toward the share of the
  // page's decoded tokens each term explains (hard EM), with `adapt_strength` pseudo-tokens of the configured
  // weights. A page of serial numbers thus stops being pulled toward words, a page of prose leans on the lexicon.
  int adapt_rounds = 2;
  float adapt_strength = 10;
};

// Each maximal run of class glyphs within a word (punctuation splits runs: "1." decodes "1") is decoded from the
// probabilities in CharResult::alternatives (the mass not listed there is spread evenly over the other classes),
// and its chars take the decoder's labels and confidences (the chosen class's probability). Returns the number
// of runs whose text changed. With decode.lm_weight <= 0 the page is left as it is.
size_t decode_page(PageResult& page, const WordDecoder& decoder, const PageDecodeConfig& cfg = {});

}  // namespace scrawl
