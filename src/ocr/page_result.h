// What reading a page produces: lines -> words -> characters, with boxes, confidences and alternatives. Plain
// structs handed from the reader to word decoding (ocr/decode_page) and to the output formats (ocr/format).
#pragma once
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "scrawl/ocr/classifier.h"

namespace scrawl {

struct CharResult {
  cv::Rect box;
  char label = '?';
  float confidence = 0;
  std::vector<Alternative> alternatives;  // best first, label included
};

// A cell the reader read one way that it could have read the other: cut into its proposed parts, or whole
// (Glyph::parts). The word decoder takes the other reading when only that one makes a lexicon word
// (decode_page), so "CRIN7E" can still read CRIME.
struct CellReading {
  size_t first = 0, count = 0;    // the word's chars that hold the reader's choice
  std::vector<CharResult> other;  // the reading it did not choose
};

struct WordResult {
  cv::Rect box;
  std::vector<CharResult> chars;
  std::vector<CellReading> other_readings;  // in order of `first`
  std::string text() const;
  float confidence() const;  // the least confident character
};

struct LineResult {
  cv::Rect box;
  std::vector<WordResult> words;
  std::string text() const;  // words joined by single spaces
};

// A printed field of a form (image/layout.h Field): its kind ("box", "comb", "line", "cell"), frame, comb cells,
// and the lines read in it (PageResult::lines[first_line, first_line + line_count)).
struct FieldResult {
  std::string kind;
  cv::Rect box;
  std::vector<cv::Rect> cells;
  size_t first_line = 0, line_count = 0;
};

struct PageResult {
  std::string path;
  int page_number = 0;  // 1-based page of a document of several (a PDF, a multi-page TIFF); 0 for an image
  cv::Size size;
  double skew_degrees = 0;
  std::vector<LineResult> lines;
  std::vector<FieldResult> fields;  // form pages: every field found, in reading order (empty ones too)
};

// The page's text: one line per text line, single spaces between words, each line ending in '\n'.
std::string to_text(const PageResult& page);
// A field's text: its lines joined by '\n' ("" for an empty field).
std::string field_text(const PageResult& page, const FieldResult& field);

}  // namespace scrawl
