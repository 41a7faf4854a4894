// Page layout analysis: ink mask -> connected components -> text lines -> words -> character cells, plus
// the EMNIST-style normalization of each cell. Knows nothing about the classifier (see image/layout.h).
#pragma once
#include <functional>
#include <opencv2/core.hpp>
#include <vector>

#include "scrawl/glyph/normalize.h"
#include "scrawl/image/binarize.h"
#include "scrawl/image/layout.h"
#include "scrawl/image/rulings.h"

namespace scrawl {

// All sizes are relative to the page's own stroke width and character height: no pixel constants.
// Values whose comment names no origin were set by hand on the shared photos and synthesized pages when the
// segmenter was written; the history records no sweep of them.
struct SegmentConfig {
  BinarizeConfig binarize;
  NormalizeConfig normalize;
  RulingConfig rulings;  // printed rulings are found and removed first (rulings.enabled = false: never)
  // segment() reads a page whose characters are under `small_char_height` working pixels tall again enlarged so
  // they are `upscale_char_height` tall (at most `max_upscale` times): a 150 dpi form's 12 px capitals.
  double small_char_height = 20;
  double upscale_char_height = 32;
  double max_upscale = 3;
  // The enlarged copy cuts each stroke's edge at this fraction of the darkest pixel within `small_edge_window`
  // character heights (BinarizeConfig::local_edge_ratio): enlarging blurs the strokes, and their halos would
  // otherwise fill the gaps between them. Chosen on 10 small-form tuning pages (seed 1521): ratio 0.4 / 0.5 / 0.6
  // read 29.4 / 28.0 / 28.7% glyph CER, window 0.12 / 0.22 / 0.35 char heights 29.8 / 28.0 / 29.1% (36.1% without).
  double small_edge_ratio = 0.5;
  double small_edge_window = 0.22;
  // ... and keeps the faint mask at the ink's floor (BinarizeConfig::faint_min_contrast, 0.03 on other pages): the
  // enlarged strokes' halos reach past 0.03 and join letters into faint "rulings" (small-form tuning pages 1521 /
  // 1522: 28.1 / 36.3% at 0.03, 27.9 / 35.5% at 0.08; the rest of 1522's loss to the 0.03 floor, 32.0% with 0.08 in
  // both passes, comes from the first pass, which sizes the enlargement).
  double small_faint_min_contrast = 0.08;
  // ... and takes ink down to this darkening where the paper's noise allows (BinarizeConfig::min_contrast, 0.08 on
  // other pages): the local edge cut keeps the enlarged strokes' halos out, and light pencil at 12 px breaks into
  // pieces at 0.08. Small-form tuning pages 1521 / 1522 and plain small pages (seed 1531): 0.08 19.12 / 16.33 /
  // 10.55%, 0.07 18.69 / 15.76 / 9.61%, 0.06 18.15 / 15.72 / 9.30%, 0.05 18.15 / 15.73 / 8.60%, 0.04 18.15 / 15.73 /
  // 11.28% (below about 0.05 the paper's noise sets the threshold on the form pages).
  double small_min_contrast = 0.05;

  // Components and the page's character height.
  double char_min_strokes = 3;   // components at least this many stroke widths tall vote on the char height ...
  double char_max_page = 0.5;    // ... unless this big a fraction of the page either way (a border, a rule)
  double min_char_height = 0.4;  // main components are at least this tall (x char height)
  double max_char_height = 3.0;  // taller components (borders, rules, shadows) are dropped
  double max_char_aspect = 2;    // ... and components wider than this x max_char_height (x char height)
  double min_speck = 0.6;        // pieces smaller than this many stroke widths both ways are noise
  double min_speck_area = 0.5;   // ... and so are pieces with less ink than this (x stroke width squared)

  // Skew: the angle at which the main pieces' centres fall into the fewest, fullest horizontal bands.
  double max_skew_degrees = 15;    // the skew search covers +/- this
  double skew_step_degrees = 0.5;  // ... in steps of this
  double skew_bands = 3;           // bands per char height: a third of a letter, finer than the line spacing
  double exact_box_skew = 0.03;    // below this sine (~2 degrees) a rotated box's extent is exact enough

  // Lines.
  double line_gap = 8.0;         // a line never spans a horizontal gap wider than this (x char height)
  double line_tolerance = 0.55;  // a glyph joins a line if its centre is this close (x char height)
  double line_inertia = 0.3;     // weight of a line's tracked centre against its newest glyph's: follows waves

  // Small pieces: the nearest line whose band holds one takes it as a detached stroke or a period.
  double small_margin = 0.25;   // the band reaches this far above and below the line's glyphs (x char height)
  double small_lead = 1.0;      // ... and this far before its first glyph (x char height; after it: line_gap)
  double stroke_overlap = 0.6;  // a stroke of a glyph lies this much (x its own width) within the glyph's columns
  double stroke_touch = 0.25;   // ... and is vertically within this (x char height) of touching its box
  double period_max = 0.35;     // a period is at most this big (x char height)
  double period_min = 0.8;      // ... and at least this big (x stroke width)
  double period_round = 0.4;    // ... its short side at least this x its long side
  double period_low = 0.6;      // ... and its centre sits below this fraction of the line's height
  // A run of this many periods or more with nothing between them is a dotted ruling (a form's leader line, or a
  // faint ruling binarized into specks), dropped: an ellipsis has three. On the small-form tuning pages (seeds
  // 1521, 1522; 150 dpi, light rulings) one page read 51 lines of dots ("6......"): 1522 33.81% -> 26.24% glyph CER,
  // 1521 and 9 other tuning sets (forms, combs, grids, default mix, dictionary, random, touching) unchanged. 0: off.
  int leader_dots = 4;

  // Character cells on a line.
  double overlap_merge = 0.5;   // pieces overlapping this much horizontally are one character
  double typical_aspect = 0.5;  // a line's typical char width is at least this x its typical char height
  double split_width = 1.45;    // wider than this x the line's typical char width: try to split ...
  double split_aspect = 1.2;    // ... when also this many times wider than tall
  double split_search = 0.35;   // each cut is sought within this (x the expected char width) of its even spacing
  double join_max_gap = 0.0;    // neighbours this close (x char height; overlapping counts) may be one char ...
  double join_narrow = 0.9;     // ... when each is at most this wide (x typical char width) ...
  double join_width = 1.3;      // ... and both together at most this wide

  // Line recognizer input (Line::ink): off for the glyph path, which never reads it.
  bool line_ink = false;
  // With line_ink, components up to this wide (x char height) stay: a word of touching letters is one component.
  // (The glyph path drops anything over max_char_height x max_char_aspect, 6 char heights, as page furniture.) 40:
  // a line of some 50 touching letters; a printed rule is too thin to be a main piece and is dropped as a small.
  double line_max_width = 40;
  int line_ink_margin = 2;  // paper kept around the ink (working pixels): the line's edges are not cut

  // Words (see word_breaks).
  double space_ratio = 1.8;  // a word gap is at least this many times the widest letter gap on its line
  double min_space = 0.4;    // ... and at least this wide (x char height)
  // Or two populations: word gaps whose geometric mean is this many times the letter gaps' ...
  double population_means_ratio = 2.0;
  double population_step = 1.5;  // ... and a step of this ratio between the widest letter gap and the word gaps
  // (2.5 and 1.35 until e2ba2b8 tuned both on synth seeds 55/61/71: mixed-page glyph CER 4.72 -> 4.51% on 55)
  double all_spaces_median = 0.55;  // a line whose gaps are all alike: all spaces if their median exceeds this
  double gap_floor = 0.15;          // gaps below this (x char height) count as this wide when comparing ratios
};

// Splits one line's sorted horizontal gaps into spaces: result[i] is true when gap i separates words.
// `char_height` is the line's typical character height (gaps are judged relative to it).
std::vector<bool> word_breaks(const std::vector<double>& gaps, double char_height, const SegmentConfig& cfg = {});

// Full layout of a grayscale page at working scale; `scale` maps working pixels to original pixels.
PageLayout segment(const cv::Mat& gray, const SegmentConfig& cfg = {}, double scale = 1.0);
// Same, starting from an ink mask (CV_8U, 255 = ink) instead of a photo. A page with printed rulings is read as a
// form (image/form_layout.h): rulings removed, each field's writing laid out on its own, in PageLayout::fields.
// `faint` (optional, InkMask::faint) is where rulings are sought besides the ink; `faint_lines` (optional) makes
// faint_line_mask's pale rulings, sought only as RulingConfig::faint_line_min_fields says.
PageLayout segment_mask(const cv::Mat& ink, const SegmentConfig& cfg = {}, double scale = 1.0,
                        const cv::Mat& faint = {}, const std::function<cv::Mat()>& faint_lines = {});
// The layout of ink that holds no rulings (what segment_mask does on a page without them): no fields.
PageLayout segment_text(const cv::Mat& ink, const SegmentConfig& cfg = {}, double scale = 1.0);

}  // namespace scrawl
