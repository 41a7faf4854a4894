// Pictures a person looks at: line plots, confusion matrices, weight grids. Drawn with OpenCV, saved as PNG.
#pragma once
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "scrawl/nn/dense.h"
#include "scrawl/train/metrics.h"
#include "scrawl/train/trainer.h"

namespace scrawl {

// One line of a line plot: y[i] drawn at x[i]; NaN or infinite points break the line.
struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
};

struct LinePlot {
  std::string title, xlabel, ylabel;
  std::vector<PlotSeries> series;
  int width = 800, height = 500;
  bool y_from_zero = false;  // extend the y range down to 0 (accuracies, losses)
  double y_max_cap = 0.0;    // if > 0, clip the y range to at most this (diverged losses would flatten the rest)
};

// Learning curves against epoch: train and valid loss (accuracy = false) or accuracy (accuracy = true).
LinePlot curves_plot(const std::vector<EpochStats>& epochs, bool accuracy, const std::string& title);

// Renders a matplotlib-like plot: axes with "nice" ticks, grid, axis titles, legend, title. BGR 8-bit.
cv::Mat draw_line_plot(const LinePlot& plot);

// First-layer weights of a Dense layer fed h x w images: unit k's weight column (w[i*out+k] over the h*w
// inputs) as a tile, min-max normalized per unit (dark = negative, light = positive), scaled up `scale` times.
// Tiles go row-major in a cols-wide grid, unit k at row k/cols, column k%cols; at most max_units units.
// Tile k's top-left pixel is at (pad + (k%cols)*(w*scale+pad), pad + (k/cols)*(h*scale+pad)).
cv::Mat draw_weight_grid(const Dense& layer, int h, int w, int cols = 8, int scale = 4, int max_units = 64);
constexpr int kWeightGridPad = 4;

// Confusion matrix heat map (rows = true class, columns = predicted), row-normalized, with class labels.
cv::Mat draw_confusion(const Evaluation& ev, const std::string& classes);

// One h x w glyph (ink high, [0,1]) as dark ink on white paper, scaled up.
cv::Mat draw_glyph(const float* pixels, int h, int w, int scale = 3);

// An 8-bit image encoded as PNG, the bytes in a string (for a data URI or a file); throws naming `what` if
// encoding fails.
std::string png_bytes(const cv::Mat& img, const std::string& what = "image");
// Encodes and writes atomically.
void write_png(const std::string& path, const cv::Mat& img);

// Confusion matrix as a heat map with class labels on both axes, written atomically.
void write_confusion_png(const std::string& path, const Evaluation& ev, const std::string& classes);

// Largest absolute difference between any two hidden units' weight columns of a Dense layer:
// max over inputs i of (max_k w[i,k] - min_k w[i,k]). 0 means every unit computes the same function.
double max_unit_difference(const Dense& layer);
// How many of the layer's units are distinct: units whose weight columns and biases all lie within `tol` of an
// earlier unit's count as copies of it.
int distinct_units(const Dense& layer, double tol = 1e-3);

}  // namespace scrawl
