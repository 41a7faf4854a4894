// Training lines for the line recognizer, composed on the fly from labelled glyphs (emnist36-train) and, if asked,
// Hershey vector-font capitals: random letters and digits in words, letter gaps from overlapping to wide, word gaps,
// size jitter, baseline drift, slant and pen width, binarized and put through the reader's own line normalization
// (glyph/line.h), so the model sees lines exactly as the reader hands them over. Every random choice comes from the
// caller's rng.
#pragma once
#include <functional>
#include <opencv2/core.hpp>
#include <random>
#include <string>

#include "scrawl/data/dataset.h"
#include "scrawl/glyph/line.h"

namespace scrawl {

struct LineSynthConfig {
  int min_words = 1, max_words = 4;  // words per line
  int min_letters = 1, max_letters = 7;
  // Letter gaps, in character heights: -0.25 (neighbours overlap by a quarter of their height, fast writing
  // with a bold pen) to 0.35 (wide spacing). Word gaps are wider than any letter gap.
  double gap_min = -0.25, gap_max = 0.35;
  double word_gap_min = 0.6, word_gap_max = 1.6;
  int char_px_min = 18, char_px_max = 60;  // drawn character height in pixels before normalization
  double size_jitter = 0.12;               // each glyph's height varies by up to this share
  // ... and each word's by up to this share on top: writers print some words larger (the shared photo 04_deep
  // has one word 1.4x the next on its line).
  double word_size_jitter = 0.2;
  double baseline_drift = 0.15;  // the baseline wanders up to this many character heights over the line
  double slant_max = 0.2;        // shear (x shift per row, in rows), either way
  double rotate_max = 2.0;       // degrees either way: a line tilted against its page, which deskewing leaves
  double threshold_min = 0.35, threshold_max = 0.65;  // binarization level of the drawn ink
  // Off by default (the shipped line model's command must keep drawing the same lines): each line's ink also
  // drawn like a photographed pen before binarization, so the model sees the strokes a page's binarizer hands
  // over: the pen up to pen_jitter char heights bolder or thinner (felt pens close counters, fine ones break),
  // a blur of up to blur_max char heights, and pixel noise of up to noise_max (ink is 1, paper 0).
  bool degrade = false;
  double pen_jitter = 0.05, blur_max = 0.05, noise_max = 0.15;
  // With degrade, this share of lines is drawn in pencil: each stroke pixel 55-100% as dark (graphite's grain), so
  // a light level breaks strokes up as a pencil page's binarizer does. 0: off (no extra random draws).
  double pencil_share = 0;
  // With degrade, this share of lines also goes through a JPEG round trip at quality 30-90, as phone photos are
  // stored: `jpeg` maps an 8-bit gray image (paper white) and a quality to its decoded copy. The caller supplies it
  // (train-line hands it image/codec's libjpeg path; this layer knows no codecs). 0 or none: off.
  double jpeg_share = 0;
  std::function<cv::Mat(const cv::Mat& gray, int quality)> jpeg;
  // Off by default for the same reason: this share of glyphs is drawn from OpenCV's Hershey vector fonts (simplex or
  // duplex, a pen 8-18% of the cap height) instead of the glyph set, a class drawn uniformly: printed capitals,
  // which some writers' block letters resemble and no writer in the glyph set wrote.
  double font_share = 0;
  // Off by default for the same reason: each glyph first put through the glyph trainer's augmentation
  // (train/augment.h: small rotation, scale and shear, elastic wobble, thinner or bolder strokes) at this
  // strength, so lines from the same 82,064 training glyphs do not repeat glyphs the model can learn by heart
  // (without it the shipped model's training loss ends at half its validation loss, on other writers).
  float augment = 0.f;
  LineNormalizeConfig normalize;
};

struct SynthLine {
  cv::Mat image;           // normalized: CV_32F, normalize.height rows, ink high
  std::string text;        // the glyphs' labels, words separated by single spaces
  cv::Mat ink;             // the binary line before normalization (CV_8U, 255 = ink), for inspection and tests
  double char_height = 0;  // of `ink`, in pixels: line_char_height(ink), what normalization was told
};

// One line from `glyphs` (upright, ink high, labels into glyphs.classes). Throws on an empty glyph set.
SynthLine synth_line(const Dataset& glyphs, const LineSynthConfig& cfg, std::mt19937& rng);

}  // namespace scrawl
