// A character cell becomes the classifier's input: cropped, refitted, stroke width matched to EMNIST's, blurred,
// 28x28. Shared by the page reader (image/segment) and training (train/augment's page redraw), which must see
// glyphs exactly alike; depends on OpenCV alone.
#pragma once
#include <opencv2/core.hpp>

namespace scrawl {

// How a character cell becomes the classifier's 28x28 input. The targets were measured on emnist36-test:
// the ink's long side spans ~24 px of the 28 (2 px padding), strokes are ~2.7 px wide at the 0.5 level.
struct NormalizeConfig {
  int size = 28;            // output side
  int pad = 2;              // EMNIST pads the cropped glyph by 2 pixels
  int work = 4;             // the glyph is drawn at work x the output size before downsampling
  double stroke = 0.115;    // target stroke width as a fraction of the glyph's long side (EMNIST: 2.7/24)
  double blur_sigma = 1.0;  // at output scale... applied at work scale as blur_sigma * work / 2
};

// 28x28 CV_32F EMNIST-like glyph (ink high, peak 1) from a binary crop (CV_8U, nonzero = ink).
cv::Mat normalize_glyph(const cv::Mat& ink, const NormalizeConfig& cfg = {});

// Thickens (dilates) or thins (erodes) the strokes of a binary mask toward `target` pixels: strokes thinner than
// target - 1 are thickened, ones over 1.6x target thinned (bold pens vary more than EMNIST's, so only clear
// outliers are eroded; erosion that would leave nothing is skipped). The mask needs room around its ink to grow.
void match_stroke_width(cv::Mat& bin, double target);

// Pen stroke width of a binary mask: twice the ink area over the boundary length.
double stroke_width(const cv::Mat& ink);

}  // namespace scrawl
