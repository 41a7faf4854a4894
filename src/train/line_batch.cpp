#include "scrawl/train/line_batch.h"

#include <algorithm>
#include <stdexcept>

#include "scrawl/nn/ctc.h"

namespace scrawl {

std::string line_classes(const std::string& glyph_classes) {
  return "_" + glyph_classes + " ";
}

LineBatch make_line_batch(const Dataset& glyphs, const LineSynthConfig& cfg, const std::string& classes, int n,
                          int stride, std::mt19937& rng) {
  if (n <= 0 || stride <= 0) throw std::invalid_argument("make_line_batch: needs lines and a positive stride");
  std::vector<SynthLine> lines;
  int width = stride;
  for (int i = 0; i < n; ++i) {
    lines.push_back(synth_line(glyphs, cfg, rng));
    width = std::max(width, lines.back().image.cols);
  }
  width = (width + stride - 1) / stride * stride;
  LineBatch b;
  b.x.resize(n, Shape{1, cfg.normalize.height, width});
  b.x.fill(0.f);
  for (int i = 0; i < n; ++i) {
    const cv::Mat& img = lines[size_t(i)].image;
    cv::Mat dst(cfg.normalize.height, width, CV_32F, b.x.sample(i));
    img.copyTo(dst(cv::Rect(0, 0, img.cols, img.rows)));
    b.frames.push_back((img.cols + stride - 1) / stride);
    std::vector<int> label;
    for (char c : lines[size_t(i)].text) {
      const size_t k = classes.find(c, 1);  // never the blank
      if (k == std::string::npos) throw std::runtime_error(std::string("make_line_batch: no class for '") + c + "'");
      label.push_back(int(k));
    }
    b.labels.push_back(std::move(label));
    b.texts.push_back(lines[size_t(i)].text);
  }
  return b;
}

LineBatch line_rows(const LineBatch& batch, int first, int count) {
  if (first < 0 || count < 0 || first + count > batch.x.n) throw std::invalid_argument("line_rows: rows out of range");
  LineBatch b;
  b.x.resize(count, batch.x.shape);
  std::copy(batch.x.sample(first), batch.x.sample(first) + size_t(count) * batch.x.features(), b.x.data.begin());
  b.frames.assign(batch.frames.begin() + first, batch.frames.begin() + first + count);
  b.labels.assign(batch.labels.begin() + first, batch.labels.begin() + first + count);
  b.texts.assign(batch.texts.begin() + first, batch.texts.begin() + first + count);
  return b;
}

double line_gradient(Model& model, const LineBatch& batch, std::mt19937& rng, BatchRows rows, float weight) {
  model.set_input_width(batch.x.shape.w);
  Pass pass;
  pass.training = true;
  pass.rng = &rng;
  pass.frames = &batch.frames;
  pass.rows = rows;
  CtcLoss ctc;
  ctc.zero_infinity = true;
  const double loss = ctc.forward(model.forward(batch.x, pass), batch.frames, batch.labels);
  Tensor d;
  ctc.backward(d);
  if (weight != 1.f)
    for (float& v : d.data) v *= weight;
  model.zero_grad();
  model.backward(d);
  return loss;
}

double line_train_step(Model& model, Optimizer& opt, const LineBatch& batch, std::mt19937& rng) {
  const double loss = line_gradient(model, batch, rng);
  opt.step(model.params().data(), model.grads().data(), model.param_count());
  return loss;
}

}  // namespace scrawl
