#include "scrawl/image/binarize.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace scrawl {

namespace {
// Histogram of a CV_32F image in [0,1] with 1024 bins: every quantile the thresholds need, from one pass.
struct Histogram {
  std::vector<double> bins = std::vector<double>(1024, 0.0);
  double total = 0;
  explicit Histogram(const cv::Mat& img) {
    for (int y = 0; y < img.rows; ++y) {
      const float* p = img.ptr<float>(y);
      for (int x = 0; x < img.cols; ++x) bins[size_t(std::clamp(int(p[x] * 1023.0f + 0.5f), 0, 1023))] += 1;
    }
    total = double(img.total());
  }
  // q-th quantile of the values above `from`.
  double quantile(double q, double from = -1) const {
    const int start = from < 0 ? 0 : std::clamp(int(from * 1023.0 + 0.5) + 1, 0, 1024);
    double n = 0;
    for (int i = start; i < 1024; ++i) n += bins[size_t(i)];
    double acc = 0;
    for (int i = start; i < 1024; ++i) {
      acc += bins[size_t(i)];
      if (acc >= q * n && n > 0) return i / 1023.0;
    }
    return 1.0;
  }
  double count_above(double v) const {
    double n = 0;
    for (int i = std::clamp(int(v * 1023.0 + 0.5) + 1, 0, 1024); i < 1024; ++i) n += bins[size_t(i)];
    return n;
  }
};
}  // namespace

cv::Mat relative_darkness(const cv::Mat& gray, const BinarizeConfig& cfg) {
  CV_Assert(gray.type() == CV_8U && !gray.empty());
  // Paper is the brightest thing nearby: a closing (max filter, then min filter) wider than a pen stroke removes
  // the ink, and a blur smooths what is left. The min filter puts shadow edges back where they are: a max filter
  // alone pushes bright paper half a window into a shadow, and that band of shadowed paper then reads as ink.
  // Done on a small copy: lighting varies slowly, and this costs nothing.
  const double s = std::min(1.0, double(cfg.background_side) / std::max(gray.cols, gray.rows));
  cv::Mat small;
  cv::resize(gray, small, cv::Size(), s, s, cv::INTER_AREA);
  const int k = std::max(3, int(cfg.background_window * std::max(small.cols, small.rows)) | 1);
  cv::Mat bg;
  cv::morphologyEx(small, bg, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(k, k)));
  cv::GaussianBlur(bg, bg, cv::Size(k, k), 0);
  cv::resize(bg, bg, gray.size(), 0, 0, cv::INTER_LINEAR);
  // One pass from the 8-bit images (the float copies and five whole-image OpenCV passes this replaces cost more
  // in first-touch page faults than in arithmetic); the same float operations, so the same values.
  cv::Mat dark(gray.size(), CV_32F);
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* g = gray.ptr<uint8_t>(y);
    const uint8_t* b = bg.ptr<uint8_t>(y);
    float* d = dark.ptr<float>(y);
    for (int x = 0; x < gray.cols; ++x) {
      const float v = 1.0f - float(g[x]) / std::max(float(b[x]), 1.0f);
      d[x] = std::min(std::max(v, 0.0f), 1.0f);
    }
  }
  return dark;
}

InkMask binarize(const cv::Mat& gray, const BinarizeConfig& cfg) {
  cv::Mat smooth;
  cv::GaussianBlur(gray, smooth, cv::Size(3, 3), 0);  // sensor noise and JPEG ringing
  const cv::Mat dark = relative_darkness(smooth, cfg);
  InkMask out;
  // Ink covers a few percent of a page, so the middle quantiles describe the paper alone.
  const Histogram hist(dark);
  out.paper_level = hist.quantile(0.5);
  out.noise = std::max(hist.quantile(0.75) - hist.quantile(0.25), 1e-3) / 1.349;  // IQR -> sigma
  double weak = std::max(out.paper_level + cfg.noise_sigmas * out.noise, cfg.min_contrast);
  if (hist.count_above(weak) == 0) {
    out.mask = cv::Mat::zeros(gray.size(), CV_8U);
    return out;
  }
  out.ink_level = hist.quantile(0.5, weak);  // median of the clearly inked pixels
  const double strong = std::max(weak, cfg.strong_ratio * out.ink_level + (1 - cfg.strong_ratio) * weak);
  // Stroke edges are blurred by the lens: cutting them at a fraction of the ink's contrast keeps strokes
  // their true width instead of fattening them by the blur.
  // Before the edge cut: what a faint printed ruling still reaches.
  out.faint = dark > std::max(out.paper_level + cfg.noise_sigmas * out.noise, cfg.faint_min_contrast);
  weak = std::max(weak, cfg.edge_ratio * out.ink_level);

  cv::Mat weak_mask = dark > weak;
  if (cfg.local_edge_ratio > 0) {
    cv::Mat local_max;
    const int k = std::max(1, cfg.local_edge_window) | 1;
    cv::dilate(dark, local_max, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(k, k)));
    weak_mask &= dark > local_max * cfg.local_edge_ratio;
  }
  cv::Mat labels;
  const int n = cv::connectedComponents(weak_mask, labels, 8, CV_32S);
  std::vector<uint8_t> keep(n, 0);
  for (int y = 0; y < dark.rows; ++y) {
    const float* p = dark.ptr<float>(y);
    const int* l = labels.ptr<int>(y);
    for (int x = 0; x < dark.cols; ++x)
      if (l[x] > 0 && p[x] > strong) keep[l[x]] = 1;
  }
  out.mask = cv::Mat::zeros(gray.size(), CV_8U);
  for (int y = 0; y < dark.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    uint8_t* m = out.mask.ptr<uint8_t>(y);
    for (int x = 0; x < dark.cols; ++x) m[x] = keep[l[x]] ? 255 : 0;
  }
  // The faint mask holds all the ink, also where min_contrast lies below faint_min_contrast (the small-writing pass).
  if (cfg.min_contrast < cfg.faint_min_contrast) out.faint |= out.mask;
  return out;
}

cv::Mat faint_line_mask(const cv::Mat& gray, const InkMask& ink, const BinarizeConfig& cfg) {
  if (gray.empty() || cfg.faint_line_length < 2) return {};
  // Where the faint mask's own threshold reaches below a pale ruling's darkness, it holds such rulings already.
  if (std::max(ink.paper_level + cfg.noise_sigmas * ink.noise, cfg.faint_min_contrast) <= cfg.faint_line_below)
    return {};
  cv::Mat smooth;
  cv::GaussianBlur(gray, smooth, cv::Size(3, 3), 0);  // as binarize() does
  const cv::Mat dark = relative_darkness(smooth, cfg);
  const int len = cfg.faint_line_length, across = std::max(3, cfg.faint_line_width | 1);
  const cv::Mat dark_enough = dark > ink.paper_level + cfg.faint_line_sigmas * ink.noise;
  cv::Mat lines = cv::Mat::zeros(dark.size(), CV_8U);
  for (const bool horizontal : {true, false}) {
    // Averaged along the band the paper's noise shrinks while a straight ruling keeps its darkness; the top-hat
    // across (minus an opening as wide as `across`) leaves only bands thinner than that.
    cv::Mat along, base;
    cv::blur(dark, along, horizontal ? cv::Size(len, 1) : cv::Size(1, len));
    cv::morphologyEx(along, base, cv::MORPH_OPEN,
                     cv::getStructuringElement(cv::MORPH_RECT, horizontal ? cv::Size(1, across) : cv::Size(across, 1)));
    const cv::Mat ridge = along - base;
    const Histogram hist(ridge);
    const double spread = std::max(hist.quantile(0.75) - hist.quantile(0.25), 1e-3) / 1.349;  // IQR -> sigma
    lines |= (ridge > hist.quantile(0.5) + cfg.noise_sigmas * spread) & dark_enough;
  }
  return lines;
}

}  // namespace scrawl
