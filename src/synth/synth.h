// Synthetic test pages: lines of block letters and digits composed onto a photographed-looking page, with the
// ground-truth text. Glyphs come either from a labelled glyph set (each glyph drawn is one sample of that set, so
// pages made from a test split never contain training glyphs) or from OpenCV's Hershey vector fonts, jittered
// per glyph so they look hand-printed (no external data needed: that is how the bundled example page is made).
// Every random choice comes from the seed: the same options and seed give byte-identical files.
#pragma once
#include <cstdint>
#include <limits>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "scrawl/data/dataset.h"

namespace scrawl {

enum class SynthWords { kDictionary, kRandom, kMixed };
enum class SynthFont { kGlyphs, kHershey };
// Form pages: handwriting in printed fields instead of free lines. kBox: a framed field; kComb: a row of boxes, one
// letter per box, an empty box between words; kRuled: writing on a printed line; kGrid: a table, a word or number
// per cell; kMixed: each field one of these.
enum class SynthForm { kNone, kBox, kComb, kRuled, kGrid, kMixed };

struct SynthConfig {
  SynthWords words = SynthWords::kMixed;
  SynthFont font = SynthFont::kGlyphs;
  int width = 1600, height = 1200;                  // page size in pixels
  int min_char_h = 40, max_char_h = 90;             // character (cap) height range; one base height per page
  double max_skew_deg = 5;                          // whole-page rotation, uniform in +-max_skew_deg
  std::vector<std::string> text;                    // fixed lines to write; empty: random words and numbers
  std::string dict_path = "/usr/share/dict/words";  // for kDictionary/kMixed; a built-in list if missing
  std::string format = "png";  // png, jpg, bmp, tif, or pdf (a one-page PDF holding the JPEG, at kPdfDpi)
  bool boxes = false;  // synth_pages also writes DIR/page_000.json: every glyph's box, line and word (for scoring)
  // Letter gaps in cap heights, drawn for every gap from [gap_min, gap_max]; negative gaps overlap neighbours'
  // ink (touching letters: fast writing, bold pens, tight spacing). Unset (NaN): each page draws its writer's own
  // gap, 0.12-0.32, varied +-30% per letter.
  double gap_min = std::numeric_limits<double>::quiet_NaN(), gap_max = std::numeric_limits<double>::quiet_NaN();
  // A bolder pen: every stroke widened by this fraction of the cap height (0.05 adds about 40% to an EMNIST
  // glyph's stroke of 0.11 heights), so letters that come close run into each other as a felt pen's do. 0: the
  // glyphs' own strokes (and no random draw, so pages without it are unchanged).
  double bold = 0;
  // Form pages (see SynthForm): fields stacked down the page, rulings 1-4 px thick in black, grey or a drop-out
  // colour (blue, green, red), the sheet turned by at most kFormMaxSkew degrees (a scan, not a phone held askew).
  SynthForm form = SynthForm::kNone;
};

// `base` as small writing: an A4 page scanned at 150 dpi (1240 x 1754 px) with capitals 12-16 px tall, as a form's
// boxes hold them (the reader's small-writing pass; BENCHMARKS.md, "Forms").
inline SynthConfig small_writing(SynthConfig base = {}) {
  base.width = 1240;
  base.height = 1754;
  base.min_char_h = 12;
  base.max_char_h = 16;
  return base;
}

// The resolution synth's PDF pages are at: `scrawl read --dpi 300` (the default) renders them at their pixel size.
constexpr double kPdfDpi = 300;

// A form page's sheet is turned by at most this much (and at most max_skew_deg): scanned forms lie nearly straight.
constexpr double kFormMaxSkew = 1.0;

// One printed field of a form page, in page pixels (the axis-aligned bounds of its turned frame).
struct SynthField {
  std::string kind;             // "box", "comb", "line" (a ruled line) or "cell" (a table cell)
  cv::Rect box;                 // the frame (a ruled line: the band above the line that the writing fills)
  std::vector<cv::Rect> cells;  // a comb's boxes, left to right
  int line = -1;                // its text's line in SynthPage::text (-1: left empty)
};

// One glyph drawn on the page.
struct PlacedGlyph {
  char ch = 0;
  int sample = -1;         // index into the glyph set (-1 for Hershey glyphs)
  cv::Rect box;            // axis-aligned bounds of its ink on the final (skewed) page
  cv::Rect rect;           // where it was drawn before the page was turned (`rotation` maps this frame to the page)
  int line = 0, word = 0;  // index of its text line on the page and of its word within that line
};

struct SynthPage {
  cv::Mat image;                    // CV_8UC3 BGR
  std::string text;                 // ground truth: one line per text line, single spaces, '\n' after each line
  std::vector<PlacedGlyph> glyphs;  // in reading order
  cv::Matx23d rotation;             // drawing frame -> page pixels (the whole-sheet skew)
  std::vector<SynthField> fields;   // form pages: every field, in reading order
};

// Composes one page. `glyphs` must be set (upright, ink high) for SynthFont::kGlyphs and is ignored for kHershey.
// Throws std::runtime_error for a fixed text character the glyph set lacks or a config that cannot fit a line.
SynthPage synth_page(const SynthConfig& cfg, const Dataset* glyphs, uint64_t seed);

// Writes pages DIR/page_000.png + DIR/page_000.txt ... (page i uses seed mixed with i), each file atomically; with
// cfg.boxes also DIR/page_000.json: {"rotation": 2x3 rows, "glyphs": [{"ch","sample","box","rect","line","word"}]}
// and on form pages "fields": [{"kind","box","cells","line"}], boxes as [x, y, width, height].
// Creates DIR if needed. Returns the image paths written.
std::vector<std::string> synth_pages(const SynthConfig& cfg, const Dataset* glyphs, const std::string& out_dir,
                                     int pages, uint64_t seed);

// The uppercase A-Z words of a word list file (one word a line, 2-10 letters as util/words.h is_letter_word decides,
// deduplicated, in file order), or the built-in list when the file cannot be read.
std::vector<std::string> load_words(const std::string& path);

}  // namespace scrawl
