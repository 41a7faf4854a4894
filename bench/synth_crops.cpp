// Classifier accuracy on the true glyphs of synthesized pages, for bench/synth_breakdown.py. For every glyph in
// each page's sidecar (scrawl synth --boxes) it classifies, with the reader's own binarizer and normalization:
//   raw    the EMNIST sample itself (what the model was trained on)
//   ideal  the EMNIST sample upsampled 4x, thresholded at 0.5, then normalize_glyph (normalization alone)
//   crop   the page's ink mask inside the glyph's true drawing rectangle, then normalize_glyph (the glyph as the
//          reader would see it with perfect segmentation: rendering + binarization + normalization)
// and prints one JSON line per glyph: {"page","i","ch","raw","ideal","crop","crop_px"}. With --enlarge, crops of a
// page whose writing is small come from the reader's enlarged copy, binarized as segment() does for small writing.
//   bench_synth_crops --glyphs PREFIX [--model FILE] [--enlarge] PAGE.png...
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "scrawl/data/dataset.h"
#include "scrawl/image/load.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/ocr/classifier.h"
#include "scrawl/ocr/default_model.h"
#include "scrawl/ocr/reader.h"

using namespace scrawl;

namespace {

struct TrueGlyph {
  char ch = 0;
  int sample = -1;
  cv::Rect rect;  // drawing frame
};

std::vector<cv::Mat> page_crops(const std::string& png, const std::vector<TrueGlyph>& glyphs, const cv::Matx23d& rot,
                                const ReadConfig& cfg, std::vector<int>& px, bool enlarge) {
  const LoadedPage page = load_page(png, cfg.load);
  cv::Mat ink = binarize(page.gray, cfg.segment.binarize).mask;
  double s = page.reduce;
  if (enlarge) {  // the reader's small-writing path (segment()): the page enlarged, binarized with a local edge
    std::vector<int> hs;
    for (const auto& g : glyphs) hs.push_back(g.rect.height);
    std::nth_element(hs.begin(), hs.begin() + long(hs.size() / 2), hs.end());
    const SegmentConfig& sc = cfg.segment;
    const double char_h = hs.empty() ? 0 : hs[hs.size() / 2] / page.reduce;
    if (char_h > 0 && char_h < sc.small_char_height) {
      const double f = std::min(sc.max_upscale, sc.upscale_char_height / char_h);
      cv::Mat larger;
      cv::resize(page.gray, larger, cv::Size(), f, f, cv::INTER_CUBIC);
      BinarizeConfig local = sc.binarize;
      local.local_edge_ratio = sc.small_edge_ratio;
      local.faint_min_contrast = sc.small_faint_min_contrast;
      local.local_edge_window = std::max(3, int(std::lround(sc.small_edge_window * char_h * f)));
      ink = binarize(larger, local).mask;
      s /= f;
    }
  }
  // Page pixels -> drawing frame: the inverse of the sheet rotation.
  cv::Matx23d inv;
  cv::invertAffineTransform(rot, inv);
  std::vector<cv::Mat> masks(glyphs.size());
  for (size_t i = 0; i < glyphs.size(); ++i) masks[i] = cv::Mat::zeros(ink.size(), CV_8U);
  for (int y = 0; y < ink.rows; ++y)
    for (int x = 0; x < ink.cols; ++x) {
      if (!ink.at<uint8_t>(y, x)) continue;
      const double X = (x + 0.5) * s, Y = (y + 0.5) * s;
      const double u = inv(0, 0) * X + inv(0, 1) * Y + inv(0, 2), v = inv(1, 0) * X + inv(1, 1) * Y + inv(1, 2);
      // The rectangle it lies in, or within a blur's reach of (2 px); the nearest one when several qualify.
      int best = -1;
      double best_d = 1e18;
      for (size_t i = 0; i < glyphs.size(); ++i) {
        const cv::Rect& r = glyphs[i].rect;
        const double dx = std::max({r.x - u, 0.0, u - r.br().x}), dy = std::max({r.y - v, 0.0, v - r.br().y});
        const double d = std::hypot(dx, dy);
        if (d > 2.0) continue;  // page pixels
        const double dc = d * 1e6 + std::hypot(u - (r.x + r.width / 2.0), v - (r.y + r.height / 2.0));
        if (dc < best_d) {
          best_d = dc;
          best = int(i);
        }
      }
      if (best >= 0) masks[size_t(best)].at<uint8_t>(y, x) = 255;
    }
  std::vector<cv::Mat> out;
  px.clear();
  for (auto& m : masks) {
    px.push_back(cv::countNonZero(m));
    out.push_back(normalize_glyph(m, cfg.segment.normalize));
  }
  return out;
}

cv::Mat ideal(const Dataset& ds, int sample, const NormalizeConfig& ncfg) {
  const cv::Mat src(ds.h, ds.w, CV_32F, const_cast<float*>(ds.image(sample)));
  cv::Mat big;
  cv::resize(src, big, cv::Size(), 4, 4, cv::INTER_CUBIC);
  cv::Mat bin = big > 0.5f;
  return normalize_glyph(bin, ncfg);
}

// Raw vs ideal accuracy on a whole glyph set, with the ideal glyphs' framing and stroke (tuning aid).
int valid_mode(const std::string& prefix, const std::string& model_path, const NormalizeConfig& ncfg) {
  const Dataset ds = load_dataset(prefix, "valid");
  Classifier clf(load_model(model_path), 1);
  std::vector<cv::Mat> raws, ideals;
  double long_side = 0, sw = 0, mass = 0;
  for (int i = 0; i < ds.size(); ++i) {
    raws.push_back(cv::Mat(ds.h, ds.w, CV_32F, const_cast<float*>(ds.image(i))).clone());
    ideals.push_back(ideal(ds, i, ncfg));
    const cv::Rect bb = cv::boundingRect(ideals.back() > 0.1f);
    long_side += std::max(bb.width, bb.height);
    sw += stroke_width(ideals.back() > 0.5f);
    mass += cv::sum(ideals.back())[0];
  }
  const auto pr = clf.classify(raws), pi = clf.classify(ideals);
  int r = 0, k = 0, ro = 0, ko = 0, ri = 0, ki = 0;
  for (int i = 0; i < ds.size(); ++i) {
    const char t = ds.classes[size_t(ds.labels[size_t(i)])];
    ro += t == 'O' && pr[size_t(i)].label() == '0';
    ko += t == 'O' && pi[size_t(i)].label() == '0';
    ri += t == 'I' && pr[size_t(i)].label() == '1';
    ki += t == 'I' && pi[size_t(i)].label() == '1';
    r += ds.classes[size_t(ds.labels[size_t(i)])] == pr[size_t(i)].label();
    k += ds.classes[size_t(ds.labels[size_t(i)])] == pi[size_t(i)].label();
  }
  const double n = ds.size();
  std::printf("raw %.2f%%  ideal %.2f%%  ideal long side %.2f stroke %.2f mass %.1f  O->0 %d/%d  I->1 %d/%d\n",
              100 * r / n, 100 * k / n, long_side / n, sw / n, mass / n, ro, ko, ri, ki);
  return 0;
}

int run(int argc, char** argv) {
  std::string glyphs_prefix, model_path = default_model_path();
  std::vector<std::string> pages;
  std::string valid;
  bool enlarge = false;  // crops from the reader's enlarged copy where the writing is small (segment())
  ReadConfig cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--glyphs" && i + 1 < argc)
      glyphs_prefix = argv[++i];
    else if (a == "--model" && i + 1 < argc)
      model_path = argv[++i];
    else if (a == "--enlarge")
      enlarge = true;
    else if (a == "--valid" && i + 1 < argc)
      valid = argv[++i];
    else if (a == "--stroke" && i + 1 < argc)
      cfg.segment.normalize.stroke = std::atof(argv[++i]);
    else if (a == "--blur" && i + 1 < argc)
      cfg.segment.normalize.blur_sigma = std::atof(argv[++i]);
    else if (a == "--pad" && i + 1 < argc)
      cfg.segment.normalize.pad = std::atoi(argv[++i]);
    else
      pages.push_back(a);
  }
  if (!valid.empty()) return valid_mode(valid, model_path, cfg.segment.normalize);
  if (glyphs_prefix.empty() || pages.empty()) {
    std::fprintf(stderr, "usage: bench_synth_crops --glyphs PREFIX [--model FILE] [--enlarge] PAGE.png...\n");
    return 2;
  }
  const Dataset ds = load_dataset(glyphs_prefix, "test");
  Classifier clf(load_model(model_path), 1);
  for (const auto& png : pages) {
    const std::string side = png.substr(0, png.rfind('.')) + ".json";
    std::ifstream in(side);
    if (!in) throw std::runtime_error(side + ": cannot read the box sidecar (scrawl synth --boxes)");
    const nlohmann::json j = nlohmann::json::parse(in);
    cv::Matx23d rot;
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) rot(r, c) = j.at("rotation").at(size_t(r)).at(size_t(c)).get<double>();
    std::vector<TrueGlyph> tg;
    for (const auto& g : j.at("glyphs")) {
      const auto& r = g.at("rect");
      tg.push_back({g.at("ch").get<std::string>()[0], g.at("sample").get<int>(),
                    cv::Rect(r[0].get<int>(), r[1].get<int>(), r[2].get<int>(), r[3].get<int>())});
    }
    std::vector<int> px;
    const std::vector<cv::Mat> crops = page_crops(png, tg, rot, cfg, px, enlarge);
    std::vector<cv::Mat> raws, ideals;
    for (const auto& g : tg) {
      if (g.sample < 0 || g.sample >= ds.size()) throw std::runtime_error(side + ": sample out of range");
      raws.push_back(cv::Mat(ds.h, ds.w, CV_32F, const_cast<float*>(ds.image(g.sample))).clone());
      ideals.push_back(ideal(ds, g.sample, cfg.segment.normalize));
    }
    const auto pr = clf.classify(raws), pi = clf.classify(ideals), pc = clf.classify(crops);
    for (size_t i = 0; i < tg.size(); ++i) {
      nlohmann::json o = {{"page", png},
                          {"i", i},
                          {"ch", std::string(1, tg[i].ch)},
                          {"raw", std::string(1, pr[i].label())},
                          {"ideal", std::string(1, pi[i].label())},
                          {"crop", std::string(1, pc[i].label())},
                          {"crop_px", px[i]}};
      std::cout << o.dump() << "\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_synth_crops: %s\n", e.what());
    return 1;
  }
}
