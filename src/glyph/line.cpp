#include "scrawl/glyph/line.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

#include "scrawl/glyph/normalize.h"

namespace scrawl {

double line_char_height(const cv::Mat& ink, double min_share) {
  if (ink.type() != CV_8U) throw std::invalid_argument("line_char_height: expected a CV_8U ink mask");
  if (ink.empty()) return 0;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8);
  int tallest = 0;
  for (int i = 1; i < n; ++i) tallest = std::max(tallest, stats.at<int>(i, cv::CC_STAT_HEIGHT));
  std::vector<int> heights;
  for (int i = 1; i < n; ++i)
    if (stats.at<int>(i, cv::CC_STAT_HEIGHT) >= min_share * tallest)
      heights.push_back(stats.at<int>(i, cv::CC_STAT_HEIGHT));
  if (heights.empty()) return 0;
  std::nth_element(heights.begin(), heights.begin() + long(heights.size() / 2), heights.end());
  return heights[heights.size() / 2];
}

cv::Mat normalize_line(const cv::Mat& ink_in, double char_height, const LineNormalizeConfig& cfg,
                       LineColumns* columns) {
  if (!(char_height > 0)) throw std::invalid_argument("normalize_line: character height must be positive");
  if (ink_in.type() != CV_8U) throw std::invalid_argument("normalize_line: expected a CV_8U ink mask");
  if (ink_in.empty() || cv::countNonZero(ink_in) == 0) {
    if (columns) *columns = LineColumns{-double(cfg.pad), 1.0};
    return cv::Mat::zeros(cfg.height, 2 * cfg.pad, CV_32F);
  }
  const cv::Rect bb = cv::boundingRect(ink_in);
  const cv::Mat ink = ink_in(bb);
  // Scale so a character is char_px tall; strokes are matched at 4x the output scale, then area-averaged down
  // (as normalize_glyph works at 4x), so thin and bold pens end up alike.
  constexpr int kWork = 4;
  const double s = double(cfg.char_px) * kWork / char_height;
  const cv::Size big_size(std::max(1, int(std::lround(bb.width * s))), std::max(1, int(std::lround(bb.height * s))));
  cv::Mat f, big;
  ink.convertTo(f, CV_32F, 1.0 / 255);
  cv::resize(f, big, big_size, 0, 0, s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat bin = big > 0.5f;
  // Room for thickening: the crop ends at the ink.
  const int grow = int(std::ceil(cfg.stroke * cfg.char_px * kWork));
  cv::copyMakeBorder(bin, bin, grow, grow, grow, grow, cv::BORDER_CONSTANT, 0);
  match_stroke_width(bin, cfg.stroke * cfg.char_px * kWork);
  const cv::Rect kept = cv::boundingRect(bin);
  bin = bin(kept).clone();
  // Centre the ink's rows in the strip; a line taller than the strip (a tall flourish) is scaled down to fit.
  const int rows = cfg.height * kWork, pad = cfg.pad * kWork;
  cv::Mat g;
  bin.convertTo(g, CV_32F, 1.0 / 255);
  const int kept_cols = g.cols;
  if (g.rows > rows) cv::resize(g, g, cv::Size(std::max(1, g.cols * rows / g.rows), rows), 0, 0, cv::INTER_AREA);
  cv::Mat canvas = cv::Mat::zeros(rows, g.cols + 2 * pad, CV_32F);
  g.copyTo(canvas(cv::Rect(pad, (rows - g.rows) / 2, g.cols, g.rows)));
  cv::GaussianBlur(canvas, canvas, cv::Size(0, 0), cfg.blur_sigma * kWork);
  cv::Mat out;
  cv::resize(canvas, out, cv::Size(std::max(1, (canvas.cols + kWork / 2) / kWork), cfg.height), 0, 0, cv::INTER_AREA);
  if (columns) {
    // Back through each step, in continuous coordinates: the area-average down, the fit-to-height squeeze, the
    // crop after thickening (less its border), and the scaling of the ink's box.
    const double down = double(canvas.cols) / out.cols, squeeze = double(g.cols) / kept_cols;
    const double ink_per_big = double(bb.width) / big_size.width;
    columns->ink_per_column = down / squeeze * ink_per_big;
    columns->ink_x0 = bb.x + (kept.x - grow - pad / squeeze) * ink_per_big;
  }
  double mx;
  cv::minMaxLoc(out, nullptr, &mx);
  if (mx > 0) out /= mx;
  return out;
}

}  // namespace scrawl
