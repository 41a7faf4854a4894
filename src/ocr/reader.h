// The page reader: the one place that joins layout analysis (image/), recognition (ocr/classifier) and word
// decoding (ocr/decode_page). Reader::read returns exactly what `scrawl read` prints:
//   Reader reader(load_model(default_model_path()));
//   std::cout << to_text(reader.read("note.jpg"));
#pragma once
#include <functional>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "scrawl/image/load.h"
#include "scrawl/image/segment.h"
#include "scrawl/ocr/classifier.h"
#include "scrawl/ocr/decode.h"
#include "scrawl/ocr/decode_page.h"
#include "scrawl/ocr/line_reader.h"
#include "scrawl/ocr/page_result.h"

namespace scrawl {

// What reads the text: the glyph classifier on the segmenter's character cells (cut where letters touch), a
// line model (ocr/line_reader) on whole lines, which needs no cuts, or auto: the glyph path, except on words
// and lines where letters touch (see auto_touching_share), which the line model reads.
enum class Recognizer { kGlyph, kLine, kAuto };

struct ReadConfig {
  LoadConfig load;
  // The library's default needs no line model; `scrawl read` and the Python module default to kAuto with the
  // shipped line model (set_line_model), which measures better (BENCHMARKS.md, "Touching letters").
  Recognizer recognizer = Recognizer::kGlyph;
  // Line path: texts the CTC prefix beam search keeps per frame. Wider than ctc_decode's default of 16: the word
  // prior can only pick a spelling still in the beam. Tuning pages (bench/line_eval.py --seed-shift 1000 and 2000):
  // touching 11.90% (16) -> 10.68% (48) -> 10.61% (64) -> 10.39% (100) with the line model, 11.76% -> 10.46% (64)
  // with auto; line model: dictionary 1.42% -> 1.35%, wide 5.35% -> 5.20%, random 11.92% -> 11.98%; a dense
  // touching page reads about 10% slower at 64, 20% at 100.
  int line_beam = 64;
  // Line path: word breaks where the segmenter put them (from the gaps of the whole page), not where the line model
  // predicts spaces (it sees a few letters' width, and reads widely spaced letters as one-letter words). Measured on
  // the tuning pages (bench/line_eval.py --seed-shift 1000, 10 pages a set), line model: wide-spaced text CER
  // 50.0% -> 12.1%, touching glyph CER 13.9% -> 11.9%, dictionary 0.16% -> 0.48%.
  bool line_layout_words = true;
  // Auto: a word goes to the line model when it holds a cell wider than auto_wide x its line's median cell height
  // (a W or an M is about 1.0-1.3 heights wide, so such a cell holds touching letters), and the whole line does
  // when at least auto_touching_share of its cells' width is in such cells (there, letters touch that make no wide
  // cell: two narrow ones overlapping). 0.2 and 1.6 set on the tuning pages (bench/line_eval.py --seed-shift 1000,
  // 10 pages): at 0.35 the touching pages read 25.3% against the line model's 22.5% (touching lines left on the
  // glyph path), at 0.2 22.4%, while the mixed pages read 3.73% at both, as on the glyph path. Deciding word by
  // word within the other lines (a line with one wide cell had gone to the line model whole): wide-spaced pages
  // 5.66% -> 4.28% (text CER 12.7% -> 11.7%), touching 11.83% -> 11.76%, random strings 8.97% -> 9.36%.
  // Session 9, on 180 more touching tuning pages (seeds 1310, 1320) and the line model alone reading them a point
  // better than auto: 0.15 cut auto's touching CER from 8.27% / 7.78% to 7.54% / 7.63% with random strings (seeds
  // 2032, 2033), dictionary pages (2031, 2032) and the default mix (1082) within 2 glyphs of 0.2; 0.1 cut touching
  // further (7.46%) but cost random strings 10 glyphs of 1,653 and dictionary pages 3.
  double auto_touching_share = 0.15;
  double auto_wide = 1.6;
  // Auto: a page whose wide cells (as above) hold at least this share of all its cells' width (page_touching_share)
  // is written touching throughout, and every line of it goes to the line model whole: there the glyph path misreads
  // even words that make no wide cell (85796 read 858: two cells 1.30 and 1.15 heights wide, two overlapping digits
  // each). On the tuning pages (session 12) touching pages (seeds 1310, 1320; 180 pages) have shares of 0.16-0.70,
  // 5 under 0.3; dictionary, random-string, default-mix, wide-spaced and form pages (seeds 2031-2034, 1081-1082,
  // 1401-1402, 1501-1503; 192 pages) at most 0.23 but one form page at 0.41. At 0.3 the touching pages read 6.07 ->
  // 5.92% (1310) and 6.67 -> 6.26% (1320), every other of those sets the same to the glyph.
  double auto_page_touching_share = 0.3;
  // Auto, on pages not written touching throughout: a line whose words all go to the line model still keeps the
  // glyph path's reading of a word when only that one is a lexicon word of at least this many letters (merged_words;
  // among words standing apart 2 letters do). Such lines are mostly a word or two with one chance pair touching
  // (WOODY read W0O774 by the line model). Tuning pages (session 12): dictionary 2034 1.24 -> 1.08% at 4, 1.21% at 6;
  // dictionary 2031/2032, random 2032/2033, default mix 1081/1082, wide 1401/1402, touching 1301-1303/1310/1320,
  // forms 1501-1503 and combs 1512 unchanged. 0: never.
  int auto_glyph_word_throughout = 4;
  // Auto, on small writing (a page read again enlarged, PageLayout::enlarged) not written touching throughout: the
  // glyph classifier and word decoding alone, on auto's layout (which keeps pieces wider than the glyph path's own
  // segmentation does, for the line model: 1521 reads 0.25 point worse than with --recognizer glyph). The line model,
  // trained on lines drawn at full size, read the enlarged 12-16 px writing worse than the glyph path on every such
  // tuning set (session 18): small forms (seeds 1521 / 1522) 18.06 / 15.60% -> 17.60 / 14.92%, plain small pages
  // (1531) 8.45 -> 7.03%. Small pages written touching throughout (1541: letter gaps -0.25..0.05) still go to the line
  // model, 48.0% against the glyph path's 72.1%; pages at full size do not take the small pass and read as before
  // (forms 1501, combs 1512, grids 1514, touching 1301, mix 1082 checked).
  bool auto_glyph_on_small = true;
  // Auto: a wide cell the glyph path reads whole as an M or a W with at least this confidence is that letter, not
  // letters touching (wide_letter_cells): the line model read such words worse (W as U1 or VV). Tuning pages
  // (session 12): random strings 2032 / 2033 7.68 -> 7.38% / 8.50 -> 8.07%, default mix 1082 2.26 -> 2.12%, dictionary
  // 2034 1.08 -> 1.04%, touching 1320 6.26 -> 6.28%, 13 other sets unchanged; 0.5 reads the same, 0.99 a glyph worse.
  float auto_wide_letter_confidence = 0.9f;
  SegmentConfig segment;
  int top_k = 3;  // alternatives each character lists in the result (its label among them)
  // Classes the classifier keeps per glyph for the word decoder to choose among (the result lists top_k of them). 6,
  // was 3 (top_k's): a word's misread glyph often has the right class fourth or fifth (HOODL?M's U after 0, O and
  // D). Tuning pages (session 12): dictionary seeds 2032 / 2034 0.91 -> 0.65% / 1.34 -> 1.24%, combs 1512 6.08 ->
  // 5.52%, random strings, the default mix, wide spacing, forms and touching pages unchanged; 4 gains most of it
  // (0.71% / 1.27% / 5.52%), 10 the same as 6.
  int decode_candidates = 6;
  // A cell the segmenter proposes to cut into touching characters is cut when
  //   mean log confidence(parts) - log confidence(whole) + split_aspect_weight * (width / height - split_aspect) > 0:
  // the classifier decides, leaning toward cutting the wider the cell (it is sure of many merged pairs too).
  // Fitted on synthetic pages (BENCHMARKS.md, "Reading pages").
  double split_aspect = 1.7;
  double split_aspect_weight = 1.0;
  // A cell joining separate pieces (Glyph::joined) stays joined when
  //   log confidence(whole) - mean log confidence(parts) > join_margin,
  // the whole read with at least sure_confidence. Set on the synthetic pages where a G drawn in two strokes read "1F".
  double join_margin = 0.1;
  // A classifier below this confidence on the whole and on every part of a proposed cut has no say (an untrained
  // model): the segmenter's cut stands. 0.5: a class more likely than all others together.
  float sure_confidence = 0.5f;
  // Confidences are floored here before taking logs (a zero would make one part veto a cut). Far below any
  // confidence a trained model gives a top class.
  float min_confidence = 1e-6f;
  // A page whose `paper_percentile` gray level is below `dark_page` shows no paper (lens cap, black page): refused,
  // since flattening would invent paper. 99%: a page's paper covers far more than 1% of it.
  double dark_page = 40;
  double paper_percentile = 0.99;
  // What the page says: words re-read in context, letter/digit context on lines (ocr/decode_page.h). The
  // default decodes; decode.decode.lm_weight = 0 reads glyph by glyph (letter/digit context still applies, unless
  // decode.context is false too).
  PageDecodeConfig decode;
};

class Reader {
 public:
  // Reads words with the default word list (make_word_decoder: /usr/share/dict/words, letter trigrams, number
  // shapes). Where that list is missing, it reads without one and says so in warning().
  explicit Reader(Model model, ReadConfig cfg = {});
  // Reads words with this decoder: another word list, or WordDecoder(classes) for none. Its classes must be the
  // model's (throws std::invalid_argument otherwise).
  Reader(Model model, WordDecoder decoder, ReadConfig cfg = {});
  // Loads and reads one image file: what `scrawl read` prints. Throws std::runtime_error("PATH: problem") on bad
  // input.
  PageResult read(const std::string& path);
  // Reads a page already loaded (load_page, or a Document's page); `name` is the path reported for it.
  PageResult read_loaded(const LoadedPage& page, const std::string& name);
  // Reads an already decoded page (CV_8U gray or BGR); `scale` maps its pixels to reported coordinates.
  PageResult read_image(const cv::Mat& image, double scale = 1.0, const std::string& name = "");
  // Recognition only, on a finished layout: each cell classified, cut-or-whole cells decided; no word decoding
  // (tests and tools that build layouts themselves; decode_page(page, reader.decoder()) finishes the reading). Each
  // character lists max(top_k, decode_candidates) alternatives here, for the decoder; read() trims them to top_k.
  PageResult recognize(const PageLayout& layout);
  // An independent reader for another thread (the model caches activations, so threads cannot share one; the
  // word decoder is read-only and shared).
  Reader clone() const;
  // The line model the line path reads with (Recognizer::kLine, kAuto); throws std::invalid_argument when `model` is
  // not a line model, or, for kAuto, reads other characters than the glyph model.
  void set_line_model(Model model);
  // The line model from `load` when a page first needs it (Recognizer::kAuto reads most pages of separate letters
  // without it): `line_classes`, the line model's classes, are checked against the glyph model's now, as
  // set_line_model does; `load` (copied into each clone) builds the model. If it throws, or gives no line model for
  // these glyphs, that page's read fails with its message as a std::runtime_error, and so does every later page
  // that needs the model (it is not tried again).
  void set_line_model_loader(const std::string& line_classes, std::function<Model()> load);
  // A line model is set, or a loader that gives one when first needed.
  bool has_line_model() const { return line_ != nullptr || load_line_ != nullptr || !line_error_.empty(); }
  // The glyph model small writing is read with (a page segment() read again enlarged, PageLayout::enlarged), in place
  // of the reader's own: one trained on glyphs redrawn the way the small pass sees them (models/small.scrawl: 5.9%
  // fewer errors than default.scrawl on the small tuning pages, forms and plain, where default.scrawl reads full-size
  // pages better; BENCHMARKS.md, "Session 21"). Without one, the reader's model reads small writing too. Throws
  // std::invalid_argument when it reads other characters than the reader's model, or is no glyph model.
  void set_small_model(Model model);
  // The small-writing model from `load` when a page first needs it (most pages are not small writing): as
  // set_line_model_loader, `classes` checked now, a failed load failing that page and every later small one.
  void set_small_model_loader(const std::string& classes, std::function<Model()> load);
  bool has_small_model() const { return small_ != nullptr || load_small_ != nullptr || !small_error_.empty(); }
  const ReadConfig& config() const { return cfg_; }
  const WordDecoder& decoder() const { return *decoder_; }
  // Why reading is narrower than asked ("" when it is not): the default word list could not be loaded.
  const std::string& warning() const { return warning_; }

 private:
  Reader(Classifier classifier, std::shared_ptr<const WordDecoder> decoder, ReadConfig cfg, std::string warning);
  // One batch over the layout: every cell whole, then every proposed part, in reading order.
  std::vector<Prediction> classify_cells(const PageLayout& layout);
  // The line path: every line read whole by the line model, periods put back where the segmenter found them.
  PageResult recognize_lines(const PageLayout& layout);
  // Auto: the glyph path (with word decoding) on lines whose letters stand apart, the line model on the others.
  PageResult recognize_auto(const PageLayout& layout);
  LineResult read_line(const Line& l, const CtcDecodeConfig& ctc, const cv::Rect& page);
  LineRecognizer& line();  // the line model, loaded at first use when it came as a loader
  Classifier& small();     // the small-writing model, likewise
  void check_small_classes(const std::string& classes) const;
  void check_line_glyphs(const std::string& glyphs) const;  // for auto, the glyph model's classes
  // The layout's fields, their line ranges moved to `kept`'s numbering (kept[i]: the result line of layout line i, or
  // -1 when it was dropped).
  static std::vector<FieldResult> fields_of(const PageLayout& layout, const std::vector<long>& kept);
  CtcDecodeConfig ctc_config() const;
  bool keep_split(const Prediction& whole, const std::vector<Prediction>& parts, double aspect) const;
  bool keep_joined(const Prediction& whole, const std::vector<Prediction>& parts) const;
  double log_confidence(const Prediction& p) const;
  double mean_log_confidence(const std::vector<Prediction>& ps) const;

  Classifier classifier_;
  std::shared_ptr<const WordDecoder> decoder_;
  ReadConfig cfg_;
  std::string warning_;
  std::unique_ptr<LineRecognizer> line_;
  std::function<Model()> load_line_;   // set_line_model_loader's, until line() has used it
  std::string line_error_;             // why the loader failed, once it has
  std::unique_ptr<Classifier> small_;  // set_small_model's (or its loader's), for PageLayout::enlarged
  std::function<Model()> load_small_;
  std::string small_error_;
};

}  // namespace scrawl
