// Max pooling over K x K windows with stride S (default S = K). Token: poolK or poolKsS.
#pragma once
#include <vector>

#include "scrawl/nn/layer.h"

namespace scrawl {

class MaxPool final : public Layer {
 public:
  explicit MaxPool(int k, int stride = 0);  // stride 0: same as k
  std::string spec() const override;
  Shape setup(Shape in) override;
  // x: (N,C,H,W), y: (N,C,OH,OW) with OH = (H-K)/S+1 (a partial window at the border is dropped)
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;

 private:
  bool pool2() const { return k_ == 2 && s_ == 2; }
  // Fills y and argmax_ in one scan (any window and stride but pool2's).
  void scan(Tensor& y, const Tensor& x);
  // pool2's input gradient, each window's winner found again from x and the maxima in y.
  void backward_pool2(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y) const;

  int k_, s_;
  Shape in_, out_;
  std::vector<int> argmax_;  // all but pool2: (N,C,OH,OW) index within the sample of the max input; dy goes there
};

}  // namespace scrawl
