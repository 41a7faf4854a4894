#include "scrawl/glyph/normalize.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace scrawl {

double stroke_width(const cv::Mat& ink) {
  const int area = cv::countNonZero(ink);
  if (area == 0) return 0;
  cv::Mat er;
  cv::erode(ink, er, cv::Mat());  // 3x3
  const int boundary = area - cv::countNonZero(er);
  return boundary > 0 ? 2.0 * area / boundary : std::sqrt(double(area));
}

void match_stroke_width(cv::Mat& bin, double target) {
  const double sw = stroke_width(bin);
  if (sw > 0 && sw < target - 1) {
    const int k = int(std::lround(target - sw)) | 1;
    cv::dilate(bin, bin, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(k, k)));
  } else if (sw > 1.6 * target) {
    const int k = int(std::lround(sw - target)) | 1;
    cv::Mat er;
    cv::erode(bin, er, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(k, k)));
    if (cv::countNonZero(er) > 0) bin = er;
  }
}

cv::Mat normalize_glyph(const cv::Mat& ink_in, const NormalizeConfig& cfg) {
  cv::Mat out = cv::Mat::zeros(cfg.size, cfg.size, CV_32F);
  if (ink_in.empty() || cv::countNonZero(ink_in) == 0) return out;
  const cv::Rect bb = cv::boundingRect(ink_in);
  const cv::Mat ink = ink_in(bb);
  // Draw the glyph at work scale with its long side filling the padded frame.
  const int inner = (cfg.size - 2 * cfg.pad) * cfg.work;
  const double s = double(inner) / std::max(bb.width, bb.height);
  cv::Mat f, big;
  ink.convertTo(f, CV_32F, 1.0 / 255);
  cv::resize(f, big,
             cv::Size(std::max(1, int(std::lround(bb.width * s))), std::max(1, int(std::lround(bb.height * s)))), 0, 0,
             s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat bin = big > 0.5f;
  // Match EMNIST's stroke thickness relative to the glyph size: thin pen lines are thickened.
  const int margin = inner / 4;
  cv::copyMakeBorder(bin, bin, margin, margin, margin, margin, cv::BORDER_CONSTANT, 0);
  match_stroke_width(bin, cfg.stroke * inner);
  // A speck the enlargement's threshold or the stroke matching leaves no ink in reads as a blank glyph.
  if (cv::countNonZero(bin) == 0) return out;
  // Crop to the ink again, refit into the frame, centre the box (EMNIST centres the box, not the mass).
  const cv::Rect b2 = cv::boundingRect(bin);
  const double s2 = double(inner) / std::max(b2.width, b2.height);
  cv::Mat g;
  bin(b2).convertTo(g, CV_32F, 1.0 / 255);
  cv::resize(g, g,
             cv::Size(std::max(1, int(std::lround(b2.width * s2))), std::max(1, int(std::lround(b2.height * s2)))), 0,
             0, cv::INTER_AREA);
  const int side = cfg.size * cfg.work;
  cv::Mat canvas = cv::Mat::zeros(side, side, CV_32F);
  const int ox = (side - g.cols) / 2, oy = (side - g.rows) / 2;
  g.copyTo(canvas(cv::Rect(ox, oy, g.cols, g.rows)));
  const double sigma = cfg.blur_sigma * cfg.work / 2;
  cv::GaussianBlur(canvas, canvas, cv::Size(0, 0), sigma);
  cv::resize(canvas, out, cv::Size(cfg.size, cfg.size), 0, 0, cv::INTER_AREA);
  double mx;
  cv::minMaxLoc(out, nullptr, &mx);
  if (mx > 0) out /= mx;
  return out;
}

}  // namespace scrawl
