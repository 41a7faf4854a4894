#include "report/plots.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "nn/model_io.h"

namespace scrawl {

void write_confusion_png(const std::string& path, const Evaluation& ev, const std::string& classes) {
  const int k = static_cast<int>(classes.size()), cell = 18, margin = 40;
  cv::Mat img(margin + k * cell + 10, margin + k * cell + 10, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int t = 0; t < k; ++t) {
    int row = 0;
    for (int v : ev.confusion[t]) row += v;
    for (int p = 0; p < k; ++p) {
      const double frac = row ? static_cast<double>(ev.confusion[t][p]) / row : 0.0;
      const double s = frac > 0 ? 0.15 + 0.85 * std::sqrt(frac) : 0.0;  // sqrt so rare confusions stay visible
      const cv::Scalar color(255 * (1 - s), 255 * (1 - s * 0.6), 255);
      cv::rectangle(img, cv::Rect(margin + p * cell, margin + t * cell, cell - 1, cell - 1),
                    frac > 0 ? color : cv::Scalar(245, 245, 245), cv::FILLED);
    }
    const std::string lab(1, classes[t]);
    cv::putText(img, lab, {margin - 16, margin + t * cell + 14}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0}, 1,
                cv::LINE_AA);
    cv::putText(img, lab, {margin + t * cell + 4, margin - 8}, cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0}, 1,
                cv::LINE_AA);
  }
  cv::putText(img, "true (rows) vs predicted (columns)", {margin, 14}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {60, 60, 60},
              1, cv::LINE_AA);
  std::vector<uchar> buf;
  if (!cv::imencode(".png", img, buf)) throw std::runtime_error(path + ": PNG encoding failed");
  write_file_atomic(path, std::string(buf.begin(), buf.end()));
}

}  // namespace scrawl
