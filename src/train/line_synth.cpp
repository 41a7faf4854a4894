#include "scrawl/train/line_synth.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "scrawl/train/augment.h"

namespace scrawl {

namespace {
double uniform(std::mt19937& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
int uniform_int(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Character `ch` in a Hershey font, white on black, CV_32F in [0,1], its cap height about 90 px.
cv::Mat font_glyph(char ch, std::mt19937& rng) {
  const int face = uniform_int(rng, 0, 1) ? cv::FONT_HERSHEY_DUPLEX : cv::FONT_HERSHEY_SIMPLEX;
  constexpr double kScale = 4.0;
  const std::string s(1, ch);
  int base = 0;
  const cv::Size bare = cv::getTextSize(s, face, kScale, 1, &base);
  const int pen = std::max(2, int(std::lround(uniform(rng, 0.08, 0.18) * bare.height)));
  const cv::Size size = cv::getTextSize(s, face, kScale, pen, &base);
  const int pad = pen + 4;
  cv::Mat canvas = cv::Mat::zeros(size.height + base + 2 * pad, size.width + 2 * pad, CV_8U);
  cv::putText(canvas, s, cv::Point(pad, pad + size.height), face, kScale, cv::Scalar(255), pen, cv::LINE_AA);
  cv::Mat f;
  canvas.convertTo(f, CV_32F, 1.0 / 255);
  return f;
}

// A glyph image, augmented at strength `augment` (0: as given) with its own generator seeded from rng, cropped to
// its ink (values above `level`) and scaled to `height` rows, as CV_32F in [0,1].
cv::Mat scaled_glyph(cv::Mat src, int height, double level, float augment, std::mt19937& rng) {
  if (augment > 0.f) {
    src = src.clone();
    std::mt19937 own(static_cast<std::mt19937::result_type>(rng()));
    augment_glyph(src, augment, own);
  }
  const cv::Mat mask = src > level;
  cv::Rect bb = cv::boundingRect(mask);
  if (bb.area() == 0) bb = cv::Rect(0, 0, src.cols, src.rows);
  const double s = double(height) / bb.height;
  cv::Mat out;
  cv::resize(src(bb), out, cv::Size(std::max(1, int(std::lround(bb.width * s))), height), 0, 0, cv::INTER_CUBIC);
  return out;
}
// The drawn line as a photographed pen leaves it (see LineSynthConfig::degrade), in place: bolder or thinner by a
// grey dilation or erosion, blurred, noisy.
void degrade(cv::Mat& canvas, int char_px, const LineSynthConfig& cfg, std::mt19937& rng) {
  const int pen = int(std::lround(uniform(rng, -cfg.pen_jitter, cfg.pen_jitter) * char_px / 2));
  const double sigma = uniform(rng, 0, cfg.blur_max) * char_px, noise = uniform(rng, 0, cfg.noise_max);
  if (cfg.pencil_share > 0 && uniform(rng, 0, 1) < cfg.pencil_share) {
    std::uniform_real_distribution<float> grain(0.55f, 1.f);
    for (int y = 0; y < canvas.rows; ++y) {
      float* row = canvas.ptr<float>(y);
      for (int x = 0; x < canvas.cols; ++x)
        if (row[x] > 0) row[x] *= grain(rng);
    }
  }
  if (pen != 0) {
    const cv::Mat disc =
        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * std::abs(pen) + 1, 2 * std::abs(pen) + 1));
    if (pen > 0)
      cv::dilate(canvas, canvas, disc);
    else
      cv::erode(canvas, canvas, disc);
  }
  if (sigma > 0.3) cv::GaussianBlur(canvas, canvas, cv::Size(0, 0), sigma);
  if (noise > 0) {
    std::normal_distribution<float> n(0.f, float(noise));
    for (int y = 0; y < canvas.rows; ++y) {
      float* row = canvas.ptr<float>(y);
      for (int x = 0; x < canvas.cols; ++x) row[x] += n(rng);
    }
  }
  if (cfg.jpeg_share > 0 && cfg.jpeg && uniform(rng, 0, 1) < cfg.jpeg_share) {
    const int quality = uniform_int(rng, 30, 90);
    cv::Mat gray;
    canvas.convertTo(gray, CV_8U, -255.0, 255.0);  // ink high -> paper white, clipped to 8 bits
    const cv::Mat back = cfg.jpeg(gray, quality);
    if (back.size() != canvas.size() || back.type() != CV_8U)
      throw std::runtime_error("synth_line: the JPEG round trip returned a different image");
    back.convertTo(canvas, CV_32F, -1.0 / 255, 1.0);
  }
}
}  // namespace

SynthLine synth_line(const Dataset& glyphs, const LineSynthConfig& cfg, std::mt19937& rng) {
  if (glyphs.size() == 0) throw std::runtime_error("synth_line: no glyphs to draw from");
  SynthLine line;
  const int char_px = uniform_int(rng, cfg.char_px_min, cfg.char_px_max);
  const double level = uniform(rng, cfg.threshold_min, cfg.threshold_max);

  // Lay the glyphs out left to right: each drawn at its own height and baseline offset, then the gap after it.
  struct Placed {
    cv::Mat img;
    int x, y;
  };
  std::vector<Placed> placed;
  const int words = uniform_int(rng, cfg.min_words, cfg.max_words);
  const double drift_phase = uniform(rng, 0, 2 * std::numbers::pi),
               drift = uniform(rng, -1, 1) * cfg.baseline_drift * char_px;
  double x = 0;
  int top = 0, bottom = 0;
  for (int w = 0; w < words; ++w) {
    if (w > 0) {
      line.text += ' ';
      x += uniform(rng, cfg.word_gap_min, cfg.word_gap_max) * char_px;
    }
    const int letters = uniform_int(rng, cfg.min_letters, cfg.max_letters);
    const double word_px = char_px * (1 + uniform(rng, -1, 1) * cfg.word_size_jitter);
    for (int l = 0; l < letters; ++l) {
      if (l > 0) x += uniform(rng, cfg.gap_min, cfg.gap_max) * char_px;
      const bool font = cfg.font_share > 0 && uniform(rng, 0, 1) < cfg.font_share;
      cv::Mat src;
      if (font) {
        const char ch = glyphs.classes[size_t(uniform_int(rng, 0, int(glyphs.classes.size()) - 1))];
        line.text += ch;
        src = font_glyph(ch, rng);
      } else {
        const int i = uniform_int(rng, 0, glyphs.size() - 1);
        line.text += glyphs.classes[size_t(glyphs.labels[size_t(i)])];
        src = cv::Mat(glyphs.h, glyphs.w, CV_32F, const_cast<float*>(glyphs.image(i)));
      }
      const int h = std::max(4, int(std::lround(word_px * (1 + uniform(rng, -1, 1) * cfg.size_jitter))));
      cv::Mat img = scaled_glyph(src, h, level, cfg.augment, rng);
      // Bottom-aligned on a slowly wandering baseline.
      const int y = int(std::lround(-h + drift * std::sin(drift_phase + x / (8.0 * char_px))));
      placed.push_back({img, int(std::lround(x)), y});
      top = std::min(top, y);
      bottom = std::max(bottom, y + img.rows);
      x += img.cols;
    }
  }
  // Draw them onto one canvas (overlapping ink adds up), slant and tilt it, binarize.
  int left = 0, right = 1;
  for (const auto& p : placed) {
    left = std::min(left, p.x);
    right = std::max(right, p.x + p.img.cols);
  }
  const int margin = char_px;
  cv::Mat canvas = cv::Mat::zeros(bottom - top + 2 * margin, right - left + 2 * margin, CV_32F);
  for (const auto& p : placed) {
    cv::Mat roi = canvas(cv::Rect(p.x - left + margin, p.y - top + margin, p.img.cols, p.img.rows));
    cv::max(roi, p.img, roi);
  }
  const double slant = uniform(rng, -cfg.slant_max, cfg.slant_max);
  const cv::Matx33d shear(1, -slant, slant * canvas.rows / 2.0, 0, 1, 0, 0, 0, 1);
  const double angle = uniform(rng, -cfg.rotate_max, cfg.rotate_max);
  const cv::Matx23d r = cv::getRotationMatrix2D(cv::Point2f(canvas.cols / 2.f, canvas.rows / 2.f), angle, 1.0);
  const cv::Matx33d tilt(r(0, 0), r(0, 1), r(0, 2), r(1, 0), r(1, 1), r(1, 2), 0, 0, 1);
  const cv::Matx33d m = tilt * shear;
  // The tilt lifts the line's ends by up to half its width x sin(angle): room for that above and below.
  const int lift = int(std::ceil(canvas.cols / 2.0 * std::sin(std::abs(angle) * std::numbers::pi / 180)));
  cv::Matx23d warp(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2) + lift);
  cv::warpAffine(canvas, canvas, warp, cv::Size(canvas.cols, canvas.rows + 2 * lift), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, 0);
  if (cfg.degrade) degrade(canvas, char_px, cfg, rng);
  line.ink = canvas > level;
  // Told the height the reader would estimate from this ink, not the size it was drawn at (touching letters
  // make one piece taller than any of them).
  line.char_height = line_char_height(line.ink);
  if (!(line.char_height > 0)) line.char_height = char_px;
  line.image = normalize_line(line.ink, line.char_height, cfg.normalize);
  return line;
}

}  // namespace scrawl
