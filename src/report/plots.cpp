#include "scrawl/report/plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "scrawl/image/codec.h"
#include "scrawl/util/files.h"

namespace scrawl {

namespace {

// matplotlib's "tab10" palette, in BGR.
const cv::Scalar kPalette[] = {{180, 119, 31}, {14, 127, 255},  {44, 160, 44},   {40, 39, 214},  {189, 103, 148},
                               {75, 86, 140},  {194, 119, 227}, {127, 127, 127}, {34, 189, 188}, {207, 190, 23}};
const cv::Scalar kBlack(0, 0, 0), kText(40, 40, 40), kGrid(232, 232, 232), kWhite(255, 255, 255);
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// Ticks at multiples of 1, 2, 2.5 or 5 times a power of ten, about `target` of them across [lo, hi].
double nice_step(double range, int target) {
  const double raw = range / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

std::string tick_label(double v, double step) {
  // Enough decimals to tell neighbouring ticks apart, no more.
  int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  if (std::fabs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6) ++decimals;
  if (std::fabs(v) < step * 1e-6) v = 0;  // no "-0.00"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Text with its anchor: align_x 0 = left, 0.5 = centre, 1 = right; y is the baseline.
void put_text(cv::Mat& img, const std::string& s, cv::Point at, double scale, const cv::Scalar& color, int thick,
              double align_x = 0.0, double align_y = 0.0) {
  int base = 0;
  const cv::Size sz = cv::getTextSize(s, kFont, scale, thick, &base);
  at.x -= static_cast<int>(std::lround(sz.width * align_x));
  at.y += static_cast<int>(std::lround(sz.height * align_y));
  cv::putText(img, s, at, kFont, scale, color, thick, cv::LINE_AA);
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
};

}  // namespace

LinePlot curves_plot(const std::vector<EpochStats>& epochs, bool accuracy, const std::string& title) {
  LinePlot p;
  p.title = title;
  p.xlabel = "epoch";
  p.ylabel = accuracy ? "accuracy" : "cross-entropy loss";
  p.y_from_zero = true;
  if (!accuracy) p.y_max_cap = 6.0;  // a diverging run's huge losses would flatten everything else
  PlotSeries train{"train", {}, {}}, valid{"valid", {}, {}};
  for (const auto& s : epochs) {
    train.x.push_back(s.epoch);
    valid.x.push_back(s.epoch);
    train.y.push_back(accuracy ? s.train_acc : s.train_loss);
    valid.y.push_back(accuracy ? s.valid_acc : s.valid_loss);
  }
  p.series = {train, valid};
  return p;
}

cv::Mat draw_line_plot(const LinePlot& plot) {
  // Drawn at 2x and shrunk with area averaging: smoother lines and text than drawing at 1x.
  constexpr int S = 2;
  const int W = plot.width * S, H = plot.height * S;
  cv::Mat img(H, W, CV_8UC3, kWhite);

  Range xr, yr;
  for (const auto& s : plot.series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      xr.add(s.x[i]);
      yr.add(plot.y_max_cap > 0 ? std::min(s.y[i], plot.y_max_cap) : s.y[i]);
    }
  if (xr.empty()) xr = {0, 1};
  if (yr.empty()) yr = {0, 1};
  if (plot.y_from_zero) yr.lo = std::min(yr.lo, 0.0);
  if (xr.hi - xr.lo < 1e-12) xr = {xr.lo - 0.5, xr.hi + 0.5};
  if (yr.hi - yr.lo < 1e-12) yr = {yr.lo - 0.5, yr.hi + 0.5};
  // Pad y by 5% like matplotlib's margins, but not below a zero floor.
  const double ypad = 0.05 * (yr.hi - yr.lo);
  const bool floor_zero = plot.y_from_zero && yr.lo >= 0;
  yr = {floor_zero ? yr.lo : yr.lo - ypad, yr.hi + ypad};
  const double ystep = nice_step(yr.hi - yr.lo, 6), xstep = nice_step(xr.hi - xr.lo, 8);

  // Left margin fits the widest y tick label.
  int ytick_w = 0;
  for (double v = std::ceil(yr.lo / ystep) * ystep; v <= yr.hi + ystep * 1e-9; v += ystep)
    ytick_w = std::max(ytick_w, cv::getTextSize(tick_label(v, ystep), kFont, 0.45 * S, S, nullptr).width);
  const int left = ytick_w + 40 * S, right = 24 * S, top = 44 * S, bottom = 56 * S;
  const cv::Rect area(left, top, W - left - right, H - top - bottom);
  auto px = [&](double x) { return area.x + (x - xr.lo) / (xr.hi - xr.lo) * area.width; };
  auto py = [&](double y) { return area.y + area.height - (y - yr.lo) / (yr.hi - yr.lo) * area.height; };

  // Grid and ticks.
  for (double v = std::ceil(yr.lo / ystep - 1e-9) * ystep; v <= yr.hi + ystep * 1e-9; v += ystep) {
    const int y = static_cast<int>(std::lround(py(v)));
    cv::line(img, {area.x, y}, {area.x + area.width, y}, kGrid, S, cv::LINE_AA);
    cv::line(img, {area.x - 5 * S, y}, {area.x, y}, kBlack, S, cv::LINE_AA);
    put_text(img, tick_label(v, ystep), {area.x - 9 * S, y}, 0.45 * S, kText, S, 1.0, 0.5);
  }
  for (double v = std::ceil(xr.lo / xstep - 1e-9) * xstep; v <= xr.hi + xstep * 1e-9; v += xstep) {
    const int x = static_cast<int>(std::lround(px(v)));
    cv::line(img, {x, area.y}, {x, area.y + area.height}, kGrid, S, cv::LINE_AA);
    cv::line(img, {x, area.y + area.height}, {x, area.y + area.height + 5 * S}, kBlack, S, cv::LINE_AA);
    put_text(img, tick_label(v, xstep), {x, area.y + area.height + 22 * S}, 0.45 * S, kText, S, 0.5);
  }

  // Series, clipped to the plot area by drawing into its sub-image.
  cv::Mat roi = img(area);
  constexpr int kShift = 4;  // sub-pixel coordinates for the antialiased polylines
  for (size_t si = 0; si < plot.series.size(); ++si) {
    const auto& s = plot.series[si];
    const cv::Scalar color = kPalette[si % std::size(kPalette)];
    std::vector<cv::Point> run;
    auto flush = [&] {
      if (run.size() >= 2) cv::polylines(roi, run, false, color, 2 * S, cv::LINE_AA, kShift);
      if (run.size() == 1) cv::circle(roi, run[0], 3 * S << kShift, color, cv::FILLED, cv::LINE_AA, kShift);
      run.clear();
    };
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i])) {
        flush();
        continue;
      }
      const double y = plot.y_max_cap > 0 ? std::min(s.y[i], plot.y_max_cap * 10) : s.y[i];
      run.emplace_back(static_cast<int>(std::lround((px(s.x[i]) - area.x) * (1 << kShift))),
                       static_cast<int>(std::lround((py(y) - area.y) * (1 << kShift))));
      if (n <= 25) cv::circle(roi, run.back(), (3 * S) << kShift, color, cv::FILLED, cv::LINE_AA, kShift);
    }
    flush();
  }
  cv::rectangle(img, area, kBlack, S, cv::LINE_AA);

  // Title and axis titles.
  put_text(img, plot.title, {W / 2, top - 16 * S}, 0.62 * S, kBlack, S, 0.5);
  put_text(img, plot.xlabel, {area.x + area.width / 2, H - 14 * S}, 0.5 * S, kBlack, S, 0.5);
  if (!plot.ylabel.empty()) {
    int base = 0;
    const cv::Size sz = cv::getTextSize(plot.ylabel, kFont, 0.5 * S, S, &base);
    cv::Mat label(sz.height + base + 4 * S, sz.width + 4 * S, CV_8UC3, kWhite);
    cv::putText(label, plot.ylabel, {2 * S, sz.height + 2 * S}, kFont, 0.5 * S, kBlack, S, cv::LINE_AA);
    cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
    const int x = 8 * S, y = std::max(0, area.y + area.height / 2 - label.rows / 2);
    if (y + label.rows <= H && x + label.cols <= W) label.copyTo(img(cv::Rect(x, y, label.cols, label.rows)));
  }

  // Legend in whichever corner of the plot area covers the fewest data points (matplotlib's "best").
  std::vector<size_t> labelled;
  for (size_t i = 0; i < plot.series.size(); ++i)
    if (!plot.series[i].label.empty()) labelled.push_back(i);
  if (!labelled.empty()) {
    const double ls = 0.45 * S;
    int text_w = 0;
    for (size_t i : labelled)
      text_w = std::max(text_w, cv::getTextSize(plot.series[i].label, kFont, ls, S, nullptr).width);
    const int row_h = 22 * S, swatch = 26 * S, inner = 10 * S;
    const cv::Size box(inner + swatch + 8 * S + text_w + inner, inner + row_h * static_cast<int>(labelled.size()));
    const int m = 10 * S;
    const cv::Point corners[] = {{area.x + area.width - m - box.width, area.y + m},
                                 {area.x + m, area.y + m},
                                 {area.x + area.width - m - box.width, area.y + area.height - m - box.height},
                                 {area.x + m, area.y + area.height - m - box.height}};
    int best = 0;
    size_t best_hits = std::numeric_limits<size_t>::max();
    for (int c = 0; c < 4; ++c) {
      const cv::Rect r(corners[c], box);
      size_t hits = 0;
      for (const auto& s : plot.series)
        for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
          if (std::isfinite(s.y[i]) &&
              r.contains(cv::Point(static_cast<int>(px(s.x[i])), static_cast<int>(py(s.y[i])))))
            ++hits;
      if (hits < best_hits) best_hits = hits, best = c;
    }
    const cv::Rect r(corners[best], box);
    cv::Mat under = img(r);
    cv::Mat white(under.size(), under.type(), kWhite);
    cv::addWeighted(under, 0.2, white, 0.8, 0, under);  // translucent white, like matplotlib's framealpha
    cv::rectangle(img, r, {204, 204, 204}, S, cv::LINE_AA);
    for (size_t j = 0; j < labelled.size(); ++j) {
      const int cy = r.y + inner / 2 + row_h * static_cast<int>(j) + row_h / 2;
      const cv::Scalar color = kPalette[labelled[j] % std::size(kPalette)];
      cv::line(img, {r.x + inner, cy}, {r.x + inner + swatch, cy}, color, 2 * S, cv::LINE_AA);
      put_text(img, plot.series[labelled[j]].label, {r.x + inner + swatch + 8 * S, cy}, ls, kText, S, 0.0, 0.5);
    }
  }

  cv::Mat out;
  cv::resize(img, out, cv::Size(plot.width, plot.height), 0, 0, cv::INTER_AREA);
  return out;
}

cv::Mat draw_weight_grid(const Dense& layer, int h, int w, int cols, int scale, int max_units) {
  if (layer.inputs() != h * w)
    throw std::runtime_error("weight grid: layer has " + std::to_string(layer.inputs()) + " inputs, not " +
                             std::to_string(h) + "x" + std::to_string(w));
  if (!layer.weights()) throw std::runtime_error("weight grid: layer has no parameters bound");
  const int units = std::min(layer.outputs(), max_units), out = layer.outputs();
  cols = std::max(1, std::min(cols, units));
  const int rows = (units + cols - 1) / cols, pad = kWeightGridPad, th = h * scale, tw = w * scale;
  cv::Mat grid(pad + rows * (th + pad), pad + cols * (tw + pad), CV_8UC3, cv::Scalar(255, 255, 255));
  cv::Mat tile(h, w, CV_8UC1), big;
  for (int k = 0; k < units; ++k) {
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (int i = 0; i < h * w; ++i) {
      const float v = layer.weights()[static_cast<size_t>(i) * out + k];
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const float span = hi - lo;
    for (int i = 0; i < h * w; ++i) {
      const float v = layer.weights()[static_cast<size_t>(i) * out + k];
      tile.data[i] = span > 0 ? cv::saturate_cast<uchar>(255.f * (v - lo) / span) : 128;  // flat unit: mid grey
    }
    cv::resize(tile, big, cv::Size(tw, th), 0, 0, cv::INTER_NEAREST);
    cv::cvtColor(big, big, cv::COLOR_GRAY2BGR);
    big.copyTo(grid(cv::Rect(pad + (k % cols) * (tw + pad), pad + (k / cols) * (th + pad), tw, th)));
  }
  return grid;
}

cv::Mat draw_confusion(const Evaluation& ev, const std::string& classes) {
  const int k = static_cast<int>(classes.size()), cell = 18, margin = 40, bar = 60;
  if (static_cast<int>(ev.confusion.size()) != k)
    throw std::runtime_error("confusion matrix has " + std::to_string(ev.confusion.size()) + " rows for " +
                             std::to_string(k) + " classes");
  cv::Mat img(margin + k * cell + 30, margin + k * cell + 10 + bar, CV_8UC3, cv::Scalar(255, 255, 255));
  // White -> orange -> dark red, by the square root of the row fraction so rare confusions stay visible.
  auto color_of = [](double s) {
    return cv::Scalar(255 * (1 - s), 255 * (1 - s * 0.6) * (1 - 0.5 * s * s), 255 * (1 - 0.45 * s * s));
  };
  for (int t = 0; t < k; ++t) {
    int row = 0;
    for (int v : ev.confusion[t]) row += v;
    for (int p = 0; p < k; ++p) {
      const double frac = row ? static_cast<double>(ev.confusion[t][p]) / row : 0.0;
      const double s = frac > 0 ? 0.15 + 0.85 * std::sqrt(frac) : 0.0;
      cv::rectangle(img, cv::Rect(margin + p * cell, margin + t * cell, cell - 1, cell - 1),
                    frac > 0 ? color_of(s) : cv::Scalar(245, 245, 245), cv::FILLED);
    }
    const std::string lab(1, classes[t]);
    put_text(img, lab, {margin - 8, margin + t * cell + cell / 2}, 0.42, kBlack, 1, 1.0, 0.5);
    put_text(img, lab, {margin + t * cell + cell / 2, margin - 8}, 0.42, kBlack, 1, 0.5);
  }
  put_text(img, "true (rows) vs predicted (columns)", {margin, 14}, 0.42, {60, 60, 60}, 1);
  // Colour bar: fraction of the true class's samples.
  const int bx = margin + k * cell + 20, by = margin, bh = k * cell;
  for (int y = 0; y < bh; ++y) {
    const double root = 1.0 - static_cast<double>(y) / (bh - 1);  // sqrt(fraction), the colour's scale
    cv::line(img, {bx, by + y}, {bx + 12, by + y}, color_of(0.15 + 0.85 * root), 1);
  }
  cv::rectangle(img, cv::Rect(bx, by, 13, bh), {120, 120, 120}, 1);
  for (double f : {1.0, 0.5, 0.1, 0.01}) {
    const int y = by + static_cast<int>(std::lround((1 - std::sqrt(f)) * (bh - 1)));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%g", f);
    cv::line(img, {bx + 13, y}, {bx + 16, y}, {80, 80, 80}, 1);
    put_text(img, buf, {bx + 18, y}, 0.35, kText, 1, 0.0, 0.5);
  }
  return img;
}

cv::Mat draw_glyph(const float* pixels, int h, int w, int scale) {
  cv::Mat g(h, w, CV_8UC1);
  for (int i = 0; i < h * w; ++i) g.data[i] = cv::saturate_cast<uchar>(255.f * (1.f - pixels[i]));
  cv::Mat big;
  cv::resize(g, big, cv::Size(w * scale, h * scale), 0, 0, cv::INTER_NEAREST);
  return big;
}

std::string png_bytes(const cv::Mat& img, const std::string& what) {
  const std::vector<unsigned char> buf = encode_image(img, "png", 95, what);
  return std::string(buf.begin(), buf.end());
}

void write_png(const std::string& path, const cv::Mat& img) {
  write_file_atomic(path, png_bytes(img, path));
}

void write_confusion_png(const std::string& path, const Evaluation& ev, const std::string& classes) {
  write_png(path, draw_confusion(ev, classes));
}

double max_unit_difference(const Dense& layer) {
  const int in = layer.inputs(), out = layer.outputs();
  double worst = 0.0;
  for (int i = 0; i < in; ++i) {
    const float* row = layer.weights() + static_cast<size_t>(i) * out;
    const auto [lo, hi] = std::minmax_element(row, row + out);
    worst = std::max(worst, static_cast<double>(*hi) - *lo);
  }
  return worst;
}

int distinct_units(const Dense& layer, double tol) {
  const int in = layer.inputs(), out = layer.outputs();
  const float* w = layer.weights();
  std::vector<int> reps;  // first unit of each group
  for (int k = 0; k < out; ++k) {
    bool copy = false;
    for (int r : reps) {
      bool same = std::fabs(layer.bias()[k] - layer.bias()[r]) <= tol;
      for (int i = 0; same && i < in; ++i)
        same = std::fabs(w[static_cast<size_t>(i) * out + k] - w[static_cast<size_t>(i) * out + r]) <= tol;
      if (same) {
        copy = true;
        break;
      }
    }
    if (!copy) reps.push_back(k);
  }
  return static_cast<int>(reps.size());
}

}  // namespace scrawl
