#include "scrawl/train/augment.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

#include "scrawl/glyph/normalize.h"

namespace scrawl {
namespace {

float uniform(std::mt19937& rng, float lo, float hi) {
  return std::uniform_real_distribution<float>(lo, hi)(rng);
}

// Rotation, anisotropic scale, shear and shift about the image centre; border is paper (0).
void random_affine(cv::Mat& img, float s, std::mt19937& rng) {
  const float angle = uniform(rng, -12.f, 12.f) * s * 3.14159265f / 180.f;
  const float scale = 1.f + uniform(rng, -0.15f, 0.12f) * s;
  const float aspect = 1.f + uniform(rng, -0.12f, 0.12f) * s;
  const float shear = uniform(rng, -0.25f, 0.25f) * s;
  const float tx = uniform(rng, -2.f, 2.f) * s, ty = uniform(rng, -2.f, 2.f) * s;
  // A = R * Shear * S maps offsets from the centre; warpAffine inverts it to sample the input.
  const float c = std::cos(angle), sn = std::sin(angle);
  const float sx = scale * aspect, sy = scale / aspect;
  const float a00 = c * sx, a01 = (c * shear - sn) * sy, a10 = sn * sx, a11 = (sn * shear + c) * sy;
  const float cx = (img.cols - 1) * 0.5f, cy = (img.rows - 1) * 0.5f;
  cv::Matx23f m(a00, a01, cx + tx - a00 * cx - a01 * cy, a10, a11, cy + ty - a10 * cx - a11 * cy);
  cv::Mat out;
  cv::warpAffine(img, out, m, img.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  img = out;
}

// Elastic distortion (Simard et al. 2003): a random displacement field smoothed by a Gaussian.
void elastic(cv::Mat& img, float s, std::mt19937& rng) {
  const float alpha = 2.5f * s;  // peak displacement in pixels, roughly
  cv::Mat dx(img.size(), CV_32F), dy(img.size(), CV_32F);
  for (int i = 0; i < img.rows * img.cols; ++i) {
    dx.at<float>(i) = uniform(rng, -1.f, 1.f);
    dy.at<float>(i) = uniform(rng, -1.f, 1.f);
  }
  const double sigma = 4.0;
  cv::GaussianBlur(dx, dx, cv::Size(0, 0), sigma);
  cv::GaussianBlur(dy, dy, cv::Size(0, 0), sigma);
  // Smoothed uniform noise has std ~0.1 at sigma 4; normalise so alpha means pixels.
  double mx = 1e-6;
  for (int i = 0; i < img.rows * img.cols; ++i)
    mx = std::max({mx, std::abs(static_cast<double>(dx.at<float>(i))), std::abs(static_cast<double>(dy.at<float>(i)))});
  cv::Mat mapx(img.size(), CV_32F), mapy(img.size(), CV_32F);
  const float k = static_cast<float>(alpha / mx);
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) {
      mapx.at<float>(y, x) = x + k * dx.at<float>(y, x);
      mapy.at<float>(y, x) = y + k * dy.at<float>(y, x);
    }
  cv::Mat out;
  cv::remap(img, out, mapx, mapy, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  img = out;
}

// Stroke width: blend towards the grayscale dilation (bolder pen) or erosion (thinner pen).
void stroke_width(cv::Mat& img, float s, std::mt19937& rng) {
  const float t = uniform(rng, -1.f, 1.f) * s;
  if (t == 0.f) return;
  static const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3));
  cv::Mat m;
  if (t > 0)
    cv::dilate(img, m, kernel);
  else
    cv::erode(img, m, kernel);
  img = img + std::abs(t) * (m - img);
}

// Camera: defocus blur, washed-out ink or grey paper, sensor noise.
void photo(cv::Mat& img, float s, std::mt19937& rng) {
  const float sigma = uniform(rng, 0.f, 1.f) * s;
  if (sigma > 0.2f) cv::GaussianBlur(img, img, cv::Size(0, 0), sigma);
  const float ink = 1.f - uniform(rng, 0.f, 0.35f) * s;
  const float paper = uniform(rng, 0.f, 0.08f) * s;
  const float noise = uniform(rng, 0.f, 0.06f) * s;
  std::normal_distribution<float> n01(0.f, 1.f);
  for (int i = 0; i < img.rows * img.cols; ++i) {
    float& v = img.at<float>(i);
    v = paper + (ink - paper) * v + noise * n01(rng);
    v = std::clamp(v, 0.f, 1.f);
  }
}

}  // namespace

void augment_glyph(cv::Mat& img, float s, std::mt19937& rng) {
  if (img.type() != CV_32F || !img.isContinuous()) throw std::runtime_error("augment_glyph: expected a CV_32F image");
  if (s <= 0.f) return;
  random_affine(img, s, rng);
  if (uniform(rng, 0.f, 1.f) < 0.5f) elastic(img, s, rng);
  stroke_width(img, s, rng);
  photo(img, s, rng);
}

void page_redraw(cv::Mat& img, std::mt19937& rng) {
  if (img.type() != CV_32F) throw std::runtime_error("page_redraw: expected a CV_32F image");
  const float scale = uniform(rng, 1.5f, 5.f), level = uniform(rng, 0.35f, 0.65f);
  cv::Mat big;
  cv::resize(img, big, cv::Size(), scale, scale, cv::INTER_CUBIC);
  const cv::Mat ink = big > level;
  if (cv::countNonZero(ink) == 0) return;  // nothing a page would show; keep the sample as it is
  NormalizeConfig cfg;
  cfg.size = img.rows;
  if (img.cols != img.rows) throw std::runtime_error("page_redraw: expected a square glyph");
  normalize_glyph(ink, cfg).copyTo(img);
}

void small_redraw(cv::Mat& img, std::mt19937& rng) {
  if (img.type() != CV_32F || img.cols != img.rows)
    throw std::runtime_error("small_redraw: expected a square CV_32F glyph");
  // An EMNIST glyph's ink spans about 20 of its 28 pixels; on the page it is `height` pixels tall.
  const float height = uniform(rng, 10.f, 18.f), ink = uniform(rng, 0.25f, 1.f);
  const float blur = uniform(rng, 0.5f, 1.5f), noise = uniform(rng, 0.f, 0.03f);
  const bool pencil = uniform(rng, 0.f, 1.f) < 0.3f;  // grainy: each pixel of a stroke 55-100% as dark
  const int side = std::max(4, int(std::lround(img.rows * height / 20.f)));
  cv::Mat page = cv::Mat::zeros(side + 8, side + 8, CV_32F);  // paper around it, as the reader's crops have
  cv::resize(img * ink, page(cv::Rect(4, 4, side, side)), cv::Size(side, side), 0, 0, cv::INTER_AREA);
  if (pencil)
    for (int i = 0; i < page.rows * page.cols; ++i)
      if (page.at<float>(i) > 0) page.at<float>(i) *= uniform(rng, 0.55f, 1.f);
  cv::GaussianBlur(page, page, cv::Size(0, 0), blur);
  std::normal_distribution<float> grain(0.f, 1.f);  // from rng, not cv::randn: that one's generator is global
  for (int i = 0; i < page.rows * page.cols; ++i) page.at<float>(i) += noise * grain(rng);
  // segment(): enlarged to 32 px capitals (at most 3x), smoothly, then the 3x3 blur binarize() starts with.
  const double f = std::min(3.0, 32.0 / height);
  cv::Mat big;
  cv::resize(page, big, cv::Size(), f, f, cv::INTER_CUBIC);
  cv::GaussianBlur(big, big, cv::Size(3, 3), 0);
  // Close to binarize() with the small-writing settings (SegmentConfig: small_edge_ratio 0.5, small_edge_window 0.22
  // char heights), its page-wide levels taken from this glyph: weak above the noise and 0.4 of the ink, strong pixels
  // 0.45 of the way from weak to the ink's median. Two differences, kept because the shipped model was trained so:
  // binarize() sets the strong level from the weak one before the 0.4 cut (here after: a little stricter, so faint
  // parts drop out a little more often), and measures the noise after its 3x3 blur (here the grain's own sigma).
  const double floor = std::max(0.08, 6.0 * noise);
  std::vector<float> inked;
  for (int i = 0; i < big.rows * big.cols; ++i)
    if (big.at<float>(i) > floor) inked.push_back(big.at<float>(i));
  if (inked.empty()) return;  // nothing a page would show; keep the sample as it is
  std::nth_element(inked.begin(), inked.begin() + long(inked.size() / 2), inked.end());
  const double level = inked[inked.size() / 2];
  const double weak = std::max(floor, 0.4 * level), strong = std::max(weak, 0.45 * level + 0.55 * weak);
  cv::Mat local_max;
  const int k = std::max(3, int(std::lround(0.22 * height * f))) | 1;
  cv::dilate(big, local_max, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(k, k)));
  const cv::Mat weak_mask = (big > weak) & (big > local_max * 0.5);
  cv::Mat labels;
  const int n = cv::connectedComponents(weak_mask, labels, 8, CV_32S);
  std::vector<uint8_t> keep(size_t(n), 0);
  for (int i = 0; i < big.rows * big.cols; ++i)
    if (labels.at<int>(i) > 0 && big.at<float>(i) > strong) keep[size_t(labels.at<int>(i))] = 1;
  cv::Mat mask = cv::Mat::zeros(big.size(), CV_8U);
  for (int i = 0; i < big.rows * big.cols; ++i) mask.at<uint8_t>(i) = keep[size_t(labels.at<int>(i))] ? 255 : 0;
  if (cv::countNonZero(mask) == 0) return;
  NormalizeConfig cfg;
  cfg.size = img.rows;
  normalize_glyph(mask, cfg).copyTo(img);
}

BatchTransform make_augmenter(float strength, int h, int w, float redraw, float small) {
  if (!(strength >= 0.f && strength <= 1.f))
    throw std::runtime_error("augmentation strength must be in [0, 1], got " + std::to_string(strength));
  if (!(redraw >= 0.f && redraw <= 1.f))
    throw std::runtime_error("page-redraw probability must be in [0, 1], got " + std::to_string(redraw));
  if (!(small >= 0.f && redraw + small <= 1.f))
    throw std::runtime_error("small-redraw probability must be in [0, 1 - page-redraw], got " + std::to_string(small));
  // Checked here, not in the redraws: an exception thrown inside the parallel loop below would end the process.
  if ((redraw > 0.f || small > 0.f) && h != w)
    throw std::runtime_error("page and small redraws need square glyphs, got " + std::to_string(h) + "x" +
                             std::to_string(w));
  return [strength, h, w, redraw, small](Tensor& x, std::mt19937& rng, BatchRows rows) {
    if (x.shape.size() != h * w)
      throw std::runtime_error("augment: expected " + std::to_string(h) + "x" + std::to_string(w) + " glyphs, got " +
                               x.shape.str());
    const int first = rows.total > 0 ? rows.first : 0;
    std::vector<uint32_t> seeds(size_t(rows.total > 0 ? rows.total : x.n));
    for (auto& s : seeds) s = rng();
#pragma omp parallel for schedule(dynamic, 4)
    for (int i = 0; i < x.n; ++i) {
      std::mt19937 r(seeds[size_t(first + i)]);
      cv::Mat img(h, w, CV_32F, x.sample(i));  // wraps the sample; results are copied back below
      cv::Mat work = img.clone();
      augment_glyph(work, strength, r);
      if (redraw > 0.f || small > 0.f) {
        const float u = uniform(r, 0.f, 1.f);
        if (u < redraw)
          page_redraw(work, r);
        else if (u < redraw + small)
          small_redraw(work, r);
      }
      work.copyTo(img);
    }
  };
}

}  // namespace scrawl
