// Bidirectional LSTM over the frames of a sequence: the recurrent choice for the line recognizer's sequence layer
// (the other is a stack of TemporalConv). Each direction sees the whole line up to its frame; the two directions'
// hidden states are stacked. Token: blstmH (H hidden units per direction, 2H output features).
//
// Per direction, frame by frame (sigma: the logistic function, * elementwise):
//   a = W x_t + U h_{t-1} + b,  split into a_i, a_f, a_g, a_o (H each)
//   i = sigma(a_i), f = sigma(a_f), g = tanh(a_g), o = sigma(a_o)
//   c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t)
// the backward direction over the frames in reverse. Input (F, 1, T) per sample, output (2H, 1, T): rows 0..H-1 the
// forward direction's h, rows H..2H-1 the backward one's. With Pass::frames, sample i has frames[i] real frames:
// the backward direction starts at its last real frame, and padding is read as absent and written as zeros, so a
// padded line computes exactly what it would alone (as TemporalConv).
//
// The input projections W x_t of every frame and sample are one GEMM; the recurrence is one (4H x H) x (H x N)
// product per frame over the batch. backward is backpropagation through time with the same products transposed.
#pragma once
#include <Eigen/Core>
#include <vector>

#include "scrawl/nn/layer.h"

namespace scrawl {

class BiLstm final : public Layer {
 public:
  explicit BiLstm(int hidden);
  std::string spec() const override { return "blstm" + std::to_string(h_); }
  Shape setup(Shape in) override;
  // Per direction: W (4H, F), U (4H, H), b (4H), gates in the order i, f, g, o; forward direction first.
  size_t param_count() const override { return 2 * direction_params(); }
  void bind(float* w, float* dw) override;
  // Xavier-uniform W and U, zero b except the forget gate's, 1 (remember by default until trained otherwise).
  void init_params(std::mt19937& rng, Init init) override;
  void forward(Tensor& y, const Tensor& x, const Pass& pass) override;
  void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) override;

 private:
  using Mat = Eigen::MatrixXf;  // column-major: column t * N + i is frame t of sample i
  // What one direction's forward pass keeps for backward, over frames laid out as columns t * N + i.
  struct Run {
    Mat x;      // (F, T N): the inputs, in the direction's frame order
    Mat gates;  // (4H, T N): i, f, g, o after their nonlinearities
    Mat c;      // (H, T N): cell states
    Mat h;      // (H, T N): hidden states (0 on padding)
  };
  size_t direction_params() const { return size_t(4 * h_) * size_t(in_ + h_ + 1); }
  // Gathers sample i's frames into run.x, reversed within its real frames when `reverse`.
  void gather(Run& run, const Tensor& x, bool reverse) const;
  void run_forward(Run& run, int dir) const;
  // Accumulates dir's parameter gradients; dh holds dL/dh for every column (padding zero); dx_cols gets dL/dx.
  void run_backward(const Run& run, int dir, const Mat& dh, Mat& dx_cols);
  // The frame of sample i that column t * N + i of a direction's run holds (-1 past its real frames).
  int source_frame(int t, int i, bool reverse) const;

  int h_, in_ = 0, frames_ = 0, n_ = 0;
  float *w_ = nullptr, *dw_ = nullptr;
  std::vector<int> valid_;  // real frames of each sample in the last forward
  Run runs_[2];
};

}  // namespace scrawl
