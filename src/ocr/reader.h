// The page reader: the one place that joins layout analysis (image/) and recognition (ocr/classifier).
//   Reader reader(load_model(default_model_path()));
//   PageResult page = reader.read("note.jpg");
//   std::cout << to_text(page);
#pragma once
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "scrawl/image/load.h"
#include "scrawl/image/segment.h"
#include "scrawl/ocr/classifier.h"

namespace scrawl {

struct ReadConfig {
  LoadConfig load;
  SegmentConfig segment;
  int top_k = 3;
  // Letters and digits that look alike (O/0, I/1, S/5, Z/2, B/8...): a word that is mostly letters reads its
  // unsure glyphs as letters, and likewise for digits. Single-glyph words use their line's single glyphs.
  bool context = true;
  // A cell the segmenter proposes to cut into touching characters is cut when
  //   mean log confidence(parts) - log confidence(whole) + split_aspect_weight * (width / height - split_aspect) > 0:
  // the classifier decides, leaning toward cutting the wider the cell (it is sure of many merged pairs too).
  double split_aspect = 1.7;
  double split_aspect_weight = 1.0;
  // A cell joining separate pieces (Glyph::joined) stays joined when
  //   log confidence(whole) - mean log confidence(parts) > join_margin.
  double join_margin = 0.1;
  double dark_page = 40;  // a page whose 99th-percentile gray level is below this shows no paper: refused
};

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

struct PageResult {
  std::string path;
  cv::Size size;
  double skew_degrees = 0;
  std::vector<LineResult> lines;
};

class Reader {
 public:
  explicit Reader(Model model, ReadConfig cfg = {});
  // Loads and reads one image file. Throws std::runtime_error("PATH: problem") on bad input.
  PageResult read(const std::string& path);
  // Reads an already decoded page (CV_8U gray or BGR); `scale` maps its pixels to reported coordinates.
  PageResult read_image(const cv::Mat& image, double scale = 1.0, const std::string& name = "");
  // Recognition only, on a finished layout (tests and tools that build layouts themselves).
  PageResult recognize(const PageLayout& layout);
  // An independent reader for another thread (the model caches activations, so threads cannot share one).
  Reader clone() const { return Reader(classifier_.model().clone(), cfg_); }
  const ReadConfig& config() const { return cfg_; }

 private:
  bool keep_split(const Prediction& whole, const std::vector<Prediction>& parts, double aspect) const;
  bool keep_joined(const Prediction& whole, const std::vector<Prediction>& parts) const;

  Classifier classifier_;
  ReadConfig cfg_;
};

// The page's text: one line per text line, single spaces between words, each line ending in '\n'.
std::string to_text(const PageResult& page);

}  // namespace scrawl
