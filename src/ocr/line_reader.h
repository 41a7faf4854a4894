// The line path of the page reader: a CTC-trained line model reads a whole text line at once (image/segment's
// Line::ink), so letters that touch or overlap need no cutting first. Its output frames become text with the
// prefix beam search (ocr/ctc_decode) under the same word prior as the glyph path, and each character's frames
// map back through the line normalization (glyph/line) and the line's rotation to a box on the page, so the
// output formats, alternatives and --annotate work as on the glyph path.
#pragma once
#include <string>
#include <vector>

#include "scrawl/glyph/line.h"
#include "scrawl/image/layout.h"
#include "scrawl/nn/model.h"
#include "scrawl/ocr/ctc_decode.h"
#include "scrawl/ocr/page_result.h"

namespace scrawl {

// The words of a decoded line: each character owns the columns from halfway to its left neighbour's peak frame to
// halfway to its right neighbour's (the line's ends for the first and last); its box is the line ink there,
// mapped to the page by line.ink_to_page. Alternatives: the label, then the other characters of its peak frame by
// probability (top_k in all). log_probs: frames x classes natural logs; stride: strip columns per frame; columns:
// normalize_line's map from strip columns to line.ink columns.
std::vector<WordResult> words_of_alignment(const CtcDecodeResult& decoded, const std::vector<float>& log_probs,
                                           const std::string& classes, int stride, const LineColumns& columns,
                                           const Line& line, int top_k);

// The frames where the segmenter's words of `line` part: halfway across the gap between each word and the next,
// their page boxes taken to the line ink (the inverse of Line::ink_to_page) and on through normalize_line's column
// map; increasing, each within (0, frames). Words that the skew makes overlap in the ink part at their overlap's
// middle.
std::vector<int> layout_word_cuts(const Line& line, const LineColumns& columns, int stride, int frames);

// The beam search run on each stretch of frames between `cuts` as one word (the space class barred), the words
// joined with a space: the segmenter's gap statistics over the whole page decide word breaks, which a model that
// sees a few letters' width cannot (widely spaced letters read as one-letter words).
CtcDecodeResult ctc_decode_words(const std::vector<float>& log_probs, int frames, const std::string& classes, int blank,
                                 const std::vector<int>& cuts, const WordDecoder* decoder, const CtcDecodeConfig& cfg);

class LineRecognizer {
 public:
  // `model` must be a line model (input normalization "line", classes blank + glyphs + space, as train-line
  // makes them); throws std::invalid_argument otherwise. `top_k`: alternatives kept per character.
  explicit LineRecognizer(Model model, int top_k = 3);
  // What the constructor checks of a model's input and classes, for a model known by its header only.
  static void check_input(const InputSpec& input, const std::string& classes);
  // Reads one line's ink into words, boxes in page coordinates (Line::ink_to_page). A line without ink, or one
  // the model reads as nothing, gives no words. `decoder` may be null (no word prior). With `layout_words`, the
  // words are the segmenter's (Line::words): the frames are cut halfway across each gap between them and every
  // piece decoded as one word, without spaces (see layout_word_cuts).
  std::vector<WordResult> read(const Line& line, const WordDecoder* decoder, const CtcDecodeConfig& cfg,
                               bool layout_words = false);
  // An independent recognizer for another thread (the model caches activations).
  LineRecognizer clone() const { return LineRecognizer(model_.clone(), top_k_); }
  const Model& model() const { return model_; }
  // The glyph classes the model writes (its classes less the blank and the space).
  std::string glyph_classes() const;
  // The same of a line model's classes (the blank, the glyphs, the space): for a model known by its header only.
  static std::string glyphs_of(const std::string& classes);

 private:
  Model model_;
  int top_k_;
  int stride_;                    // input columns per output frame
  std::vector<float> log_probs_;  // the last line's frames x classes natural logs (kept to reuse the buffer)
};

}  // namespace scrawl
