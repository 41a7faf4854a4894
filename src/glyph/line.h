// A text line becomes the line recognizer's input, as a glyph becomes the classifier's (glyph/normalize.h): the
// line's ink scaled so its characters are `char_px` tall, strokes evened out to EMNIST's share of the height,
// centred vertically in a `height`-pixel strip, blurred like EMNIST's edges. Shared by the page reader (a line
// cut from the page) and by line training (lines composed from glyphs), which must see lines exactly alike.
#pragma once
#include <opencv2/core.hpp>

namespace scrawl {

struct LineNormalizeConfig {
  int height = 32;          // output rows
  int char_px = 24;         // a character of the line's typical height spans this many rows (EMNIST: 24 of 28)
  int pad = 4;              // columns of paper before and after the ink
  double stroke = 0.115;    // target stroke width, as a fraction of the character height (EMNIST: 2.7/24)
  double blur_sigma = 0.5;  // in output pixels: EMNIST's grey edges
};

// The character height normalize_line should be told for a line's ink (CV_8U, nonzero = ink): the median height
// of its character-sized connected pieces (8-connected, at least `min_share` of the tallest piece's height, so
// periods, specks and detached strokes do not vote). Touching letters make one piece, as tall as the letters
// and their baseline's wander. The reader and line training both call this on the ink they have, so the model
// is told heights the same way in both. 0 for an inkless mask.
double line_char_height(const cv::Mat& ink, double min_share = 0.5);

// Where a normalized line's columns came from: output column u (its centre at u + 0.5) shows ink column
// ink_x0 + (u + 0.5) * ink_per_column of the crop. So the line reader maps a character's frames back to the page.
struct LineColumns {
  double ink_x0 = 0;
  double ink_per_column = 1;
  double ink_x(double u) const { return ink_x0 + (u + 0.5) * ink_per_column; }
};

// CV_32F, `height` rows, ink high (peak 1), from a binary line crop (CV_8U, nonzero = ink) whose characters are
// `char_height` pixels tall. The width follows the scale: about crop width * char_px / char_height + 2 pad.
// An empty crop gives a blank strip of 2 pad columns. `columns`, when given, gets the column mapping.
cv::Mat normalize_line(const cv::Mat& ink, double char_height, const LineNormalizeConfig& cfg = {},
                       LineColumns* columns = nullptr);

}  // namespace scrawl
