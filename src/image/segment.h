// Page layout analysis: ink mask -> connected components -> text lines -> words -> character cells, plus
// the EMNIST-style normalization of each cell. Knows nothing about the classifier (see image/layout.h).
#pragma once
#include <opencv2/core.hpp>
#include <vector>

#include "scrawl/glyph/normalize.h"
#include "scrawl/image/binarize.h"
#include "scrawl/image/layout.h"

namespace scrawl {

// All sizes are relative to the page's own stroke width and character height: no pixel constants.
struct SegmentConfig {
  BinarizeConfig binarize;
  NormalizeConfig normalize;
  double min_char_height = 0.4;  // main components are at least this tall (x char height)
  double max_char_height = 3.0;  // taller components (borders, rules, shadows) are dropped
  double min_speck = 0.6;        // pieces smaller than this many stroke widths both ways are noise
  double max_skew_degrees = 15;  // the skew search covers +/- this
  double line_gap = 8.0;         // a line never spans a horizontal gap wider than this (x char height)
  double line_tolerance = 0.55;  // a glyph joins a line if its centre is this close (x char height)
  double overlap_merge = 0.5;    // pieces overlapping this much horizontally are one character
  double split_width = 1.45;     // wider than this x the line's typical char width: try to split
  double join_gap = 0.0;         // neighbours this close (x char height; overlapping counts) may be one char ...
  double join_narrow = 0.9;      // ... when each is at most this wide (x typical char width) ...
  double join_width = 1.3;       // ... and both together at most this wide
  double period_max = 0.35;      // a period is at most this big (x char height)
  double period_low = 0.6;       // ... and its centre sits below this fraction of the line's height
  double space_ratio = 1.8;      // a word gap is at least this many times the widest letter gap on its line
  double min_space = 0.4;        // ... and at least this wide (x char height)
  double space_means = 2.0;      // or: word gaps (geometric mean) this many times the letter gaps ...
  double space_step = 1.5;       // ... and a step of this ratio between the widest letter gap and the word gaps
  double space_alone = 0.55;     // a line whose gaps are all alike: spaces if their median exceeds this
  double gap_floor = 0.15;       // gaps below this (x char height) count as this wide when comparing ratios
};

// Splits one line's sorted horizontal gaps into spaces: result[i] is true when gap i separates words.
// `char_height` is the line's typical character height (gaps are judged relative to it).
std::vector<bool> word_breaks(const std::vector<double>& gaps, double char_height, const SegmentConfig& cfg = {});

// Full layout of a grayscale page at working scale; `scale` maps working pixels to original pixels.
PageLayout segment(const cv::Mat& gray, const SegmentConfig& cfg = {}, double scale = 1.0);
// Same, starting from an ink mask (CV_8U, 255 = ink) instead of a photo.
PageLayout segment_mask(const cv::Mat& ink, const SegmentConfig& cfg = {}, double scale = 1.0);

}  // namespace scrawl
