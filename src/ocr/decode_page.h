// Contextual decoding of a page the reader has recognized: the one place that decides what the page says. Each
// word's letters and digits are re-read as a whole with the WordDecoder (ocr/decode.h), and letters vs digits that
// look alike are decided from their word and line. Kept apart from decode.h, which stays free of OpenCV.
#pragma once
#include "scrawl/ocr/decode.h"
#include "scrawl/ocr/page_result.h"

namespace scrawl {

struct PageDecodeConfig {
  DecodeConfig decode;
  // Letters and digits that look alike (O/0, I/1, S/5, Z/2, B/8...): a word that is mostly letters reads its
  // unsure glyphs as letters, and likewise for digits; one-glyph words follow their line's one-glyph words when
  // at least `context_min_singles` of them are mostly of one kind. Applied first; with the prior on it decides
  // only what the prior leaves alone (lone glyphs on a list line), with decode.lm_weight = 0 it is all there is.
  bool context = true;
  int context_min_singles = 3;
  // The rule looks at a glyph's first this many alternatives only: the reader lists 6 for the word decoder, and a
  // confident A's sixth alternative is some 4 at p ~ 1e-4, no close call. 3: what the reader listed before session 12.
  int context_candidates = 3;
  // Runs of fewer glyphs are not decoded: a lone glyph has no word around it.
  size_t min_glyphs = 2;
  // A lone glyph keeps the reader's letter/digit choice from its line only where the line is a list of lone
  // glyphs of one kind (an alphabet grid, a row of digits): at least `list_min` of them, all but at most one of the
  // same kind by the classifier's top class. Elsewhere (lone glyphs among other words) it takes the top class.
  size_t list_min = 4;
  // The page's own mix of token kinds: after each round the prior's term weights move toward the share of the
  // page's decoded tokens each term explains (hard EM), with `adapt_strength` pseudo-tokens of the configured
  // weights. A page of serial numbers thus stops being pulled toward words, a page of prose leans on the lexicon.
  int adapt_rounds = 2;
  float adapt_strength = 10;
  // Whether the page is text at all: when it has at least `text_min_runs` decodable runs and fewer than
  // `text_min_share` of them decode to a lexicon word or a number (a page of serial numbers, codes, random
  // strings), the prior has nothing to offer, and every glyph takes the classifier's top class. Needs the
  // lexicon: with none, every page is text.
  // 0.5 (0.6 until session 11): the runs of a form page, short fields of words, numbers and codes, decode to words
  // or numbers at 0.50-1.00 per page on the tuning pages, those of random-string pages at 0.00-0.40; at 0.6 a third
  // of the form pages read their numbers glyph by glyph ("4958" as "Y958"). Tuning forms 1502/1504/1505 8.90/5.11/
  // 3.61% -> 7.85/4.50/3.43%, tables 1514 4.46 -> 3.99%, default mix 1082 2.56 -> 2.26%; random strings, dictionary,
  // touching and wide pages unchanged.
  size_t text_min_runs = 5;
  float text_min_share = 0.5f;
  // ... except runs that decode to a lexicon word of at least this many glyphs: words among codes (a form, a
  // mixed list) still read as words. Strings this long rarely sit a confusable glyph or two from a word by chance.
  size_t sure_word_min = 4;
  // Word spaces from the lexicon (respace_words): stretches of sure_word_min to join_max_glyphs letters that decode
  // to a lexicon word.
  bool respace = true;
  size_t join_max_glyphs = 20;  // longer than nearly every word in the default list; bounds the search per row
  // Words join when the gaps among all their letters are within join_gap_ratio of each other (gaps under
  // join_gap_floor x the letter height count as that). 3: on the wide-spacing tuning pages (seeds 1401, 1402) text
  // CER 6.05 / 6.28% at 2, 4.92 / 5.47% at 3, the same at 4 and with no limit; no other tuning set changed.
  double join_gap_ratio = 3.0;
  double join_gap_floor = 0.2;  // the smallest letter gap of ordinary writing (synth's default is 0.12-0.32)
  // ... and when the gaps to their neighbours are at least join_edge_ratio x their widest: they stand apart as a word
  // does. Without it, a list of single glyphs (a row of random letters and digits, one space between each) joined
  // wherever four evenly spaced ones made a word by chance, and the page's letter gaps then joined the rest: a
  // synthesized list page (24 glyphs a line, 14 lines) read at 45% text CER against 5.8% for the code of 2026-12-03;
  // at 1.0 44%, at 1.25 and 1.5 5.8%. 1.25 costs the tuning pages a little (wide 1402 text CER 4.45 -> 4.66%,
  // dictionary 2034 0.95 -> 1.00%); 1.5 costs wide 1401 3.03 -> 3.66%.
  double join_edge_ratio = 1.25;
  // A word splits off a stretch whose edge gaps are at least split_gap_ratio x its widest inner gap and
  // split_min_gap x the letter height (the segmenter's SegmentConfig::min_space). Chosen on the tuning pages:
  // 1.0-1.25 read the same (wide 1401 / 1402 text CER 4.92 / 5.47% -> 3.78 / 5.06%, dictionary 2032 0.65 ->
  // 0.19%, default mix 1081 6.54 -> 5.61% glyph CER), 1.5 lost dictionary 2032 a little (0.32%), 2.0 most of
  // it; random strings, touching pages and forms did not change. split_min_gap 0.3 and 0.55 read within a glyph
  // or two, both a little worse.
  double split_gap_ratio = 1.25;
  double split_min_gap = 0.4;
  // A page where the lexicon joined rows of spaced letters (three or more words) shows how far apart its writer's
  // letters stand: with at least letter_gaps_min such gaps, neighbouring words of which one is a single glyph join
  // wherever their gap is at most the letter_gap_quantile of them and neither is a lexicon word (numbers written as
  // spaced as the words). Chosen on the wide tuning pages 1401 / 1402: text CER 3.78 / 5.06% without, 3.03 / 4.45%
  // with these; 6 gaps and the largest (quantile 1) 3.28 / 4.86%, 12 gaps and the largest 3.53 / 5.06%; small forms
  // 1521 23.90 -> 23.24%; no other tuning set changed.
  size_t letter_gaps_min = 3;
  double letter_gap_quantile = 0.9;
};

// First the word spaces the lexicon decides (respace_words, below), then the letter/digit context (cfg.context). Then
// each maximal run of class glyphs within a word (punctuation splits runs: "1." decodes "1") is decoded from the
// probabilities in CharResult::alternatives (the mass not listed there is spread evenly over the other classes), and
// its chars take the decoder's labels and confidences (the chosen class's probability). Only the listed alternatives
// are candidates (decode.top_k is capped at their number). First, a word of cut-or-whole cells
// (WordResult::other_readings) takes the other reading when only that one decodes to a lexicon word (both readings at
// least sure_word_min glyphs). Returns the number of words joined or split, and of runs and lone glyphs whose text
// changed by the prior. With decode.lm_weight <= 0 only the letter/digit context applies.
size_t decode_page(PageResult& page, const WordDecoder& decoder, const PageDecodeConfig& cfg = {});

// Word spaces the lexicon decides, where the segmenter's gaps could not (PageDecodeConfig::respace):
// - letters written apart ("M A K E", "PIGL ONS"): on a line whose gaps all look alike the segmenter makes each
//   letter a word, or breaks a word where it should not. Consecutive words whose letters are evenly spaced across
//   the gaps between them join where together they decode to a lexicon word of at least sure_word_min letters and
//   not each of them is one on its own ("HOUSE BOAT" stays two words).
// - words run together ("WOODENLY9005"): a word that decodes to no lexicon word is split at the edges of stretches
//   that do, where those edges are clearly wider gaps than any inside the stretch.
// - on a page where rows of spaced letters joined, the other words of a single glyph join their neighbours that are
//   no lexicon words across gaps no wider than those letters' ("5 8 1 1 8": numbers spaced like the writer's
//   words).
// The stretches read as the lexicon words they decode to. Lines in a comb field keep their spaces: there a letter
// stands in each box, and empty boxes are the writer's own spaces. Returns the number of words joined or split.
// decode_page does this first; the auto and line recognizers once the line model's words are in.
size_t respace_words(PageResult& page, const WordDecoder& decoder, const PageDecodeConfig& cfg = {});

}  // namespace scrawl
