// Plain structs that page layout analysis (src/image) hands to recognition (src/ocr). Neither side includes
// the other; only ocr/reader knows both. Boxes are in the original image's pixel coordinates.
#pragma once
#include <opencv2/core.hpp>
#include <vector>

namespace scrawl {

// One character cell. `norm` is what the classifier sees: 28x28 CV_32F, upright, ink high (1 = ink, 0 = paper),
// normalized like EMNIST. Punctuation recognised by its geometry has an empty `norm` and punct set instead.
struct Glyph {
  cv::Rect box;
  cv::Mat norm;
  char punct = 0;  // '.' when the segmenter decided from shape and position alone
  // A cell wide enough to be touching characters: the segmenter's cut into them, left to right. Wide letters
  // (M, W, a broad U) look the same to geometry, so the recognizer decides which reading to keep.
  std::vector<Glyph> parts;
  // Whether the cell instead joins separate pieces, its parts, that may be one broken character (the joined
  // reading must win clearly: two narrow characters side by side also make some confident glyph).
  bool joined = false;
};

struct Word {
  cv::Rect box;
  std::vector<Glyph> glyphs;
};

struct Line {
  cv::Rect box;
  std::vector<Word> words;
  // With SegmentConfig::line_ink, what a line recognizer reads: the line's own ink (its character pieces, periods
  // left out), rotated level, CV_8U 255 = ink, at the segmenter's working scale; and the map from its pixel
  // coordinates (x, y, 1) to the original image's.
  cv::Mat ink;
  cv::Matx23d ink_to_page{1, 0, 0, 0, 1, 0};
};

// A printed field of a form (image/rulings): a framed box, a comb (a box per letter), the band above a ruled line,
// or a cell of a table.
enum class FieldKind { kBox, kComb, kLine, kCell };
inline const char* field_kind_name(FieldKind kind) {
  constexpr const char* kNames[] = {"box", "comb", "line", "cell"};
  return kNames[static_cast<int>(kind)];
}

// A field and the text lines written in it (PageLayout::lines[first_line, first_line + line_count)), boxes in
// original pixels. A comb's cells are its boxes left to right; its one line holds a glyph per written box, and a
// run of empty boxes between glyphs is a word space.
struct Field {
  FieldKind kind = FieldKind::kBox;
  cv::Rect box;
  std::vector<cv::Rect> cells;
  size_t first_line = 0, line_count = 0;
};

struct PageLayout {
  cv::Size size;              // original image size
  double stroke_width = 0;    // estimated pen stroke width, original pixels
  double char_height = 0;     // typical character height, original pixels
  double skew_degrees = 0;    // dominant text-line angle (positive: lines fall to the right)
  bool enlarged = false;      // small writing, read again from an enlarged copy (segment())
  std::vector<Line> lines;    // top to bottom (on a form: field by field, in reading order)
  std::vector<Field> fields;  // form pages: every field found, written or empty, in reading order
};

}  // namespace scrawl
