#include "scrawl/ocr/classifier.h"

#include <algorithm>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "scrawl/nn/softmax_xent.h"

namespace scrawl {

Classifier::Classifier(Model model, int top_k) : model_(std::move(model)), top_k_(top_k) {
  check_input(model_.input());
}

void Classifier::check_input(const InputSpec& input) {
  if (input.shape.c != 1)
    throw std::invalid_argument("model takes " + input.shape.str() + " inputs; the page reader needs one channel");
  if (input.polarity != "ink_high" || input.orientation != "upright")
    throw std::invalid_argument("model expects " + input.orientation + "/" + input.polarity +
                                " input; the page reader feeds upright/ink_high glyphs");
}

std::vector<Alternative> top_k(const std::vector<float>& probs, const std::string& classes, int k) {
  std::vector<int> idx(probs.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min<int>(k, int(idx.size()));
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) { return probs[a] > probs[b]; });
  std::vector<Alternative> out;
  for (int i = 0; i < k; ++i) out.push_back({classes.at(size_t(idx[i])), probs[size_t(idx[i])]});
  return out;
}

std::vector<Prediction> Classifier::classify(const std::vector<cv::Mat>& glyphs) {
  std::vector<Prediction> out;
  out.reserve(glyphs.size());
  const Shape s = model_.input().shape;
  // A page's glyphs go through the network kBatch at a time: the activations of a CNN are ~0.6 MB per glyph, and
  // first-touch page faults on fresh memory cost more than the arithmetic, so a bounded batch whose buffers are
  // reused is faster than one batch of every glyph, and keeps memory flat however dense the page.
  constexpr size_t kBatch = 16;
  Tensor x;
  for (size_t begin = 0; begin < glyphs.size(); begin += kBatch) {
    const size_t n = std::min(kBatch, glyphs.size() - begin);
    x.resize(int(n), s);  // x: (n,1,H,W)
    for (size_t i = 0; i < n; ++i) {
      cv::Mat g = glyphs[begin + i];
      if (g.rows != s.h || g.cols != s.w) cv::resize(g, g, cv::Size(s.w, s.h), 0, 0, cv::INTER_AREA);
      if (g.type() != CV_32F) g.convertTo(g, CV_32F);
      float* dst = x.sample(int(i));
      for (int r = 0; r < s.h; ++r) std::copy_n(g.ptr<float>(r), s.w, dst + size_t(r) * s.w);
    }
    const Tensor& logits = model_.forward(x);  // (n, classes)
    const int k = logits.features();
    for (int i = 0; i < logits.n; ++i) {
      Prediction p;
      p.probs.resize(size_t(k));
      softmax_row<double>(p.probs.data(), logits.sample(i), k);
      p.top = top_k(p.probs, model_.classes(), top_k_);
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace scrawl
