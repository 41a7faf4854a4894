// Layer: the runtime-polymorphic unit of a Sequential model.
//
// Conventions (see STYLE.md): outputs before inputs; forward caches what backward needs in named members;
// backward *accumulates* (+=) into parameter gradients and *assigns* the input gradient dx.
#pragma once
#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "scrawl/nn/tensor.h"

namespace scrawl {

enum class Init { Xavier, He, Zero };

// Which rows of a training batch a call holds: rows [first, first + count) of a batch of `total`. Data-parallel
// training splits every batch across ranks; stochastic layers then draw for all `total` rows and use their own, so
// every rank keeps one random stream and the ranks together draw what one process would. total 0: the whole batch.
struct BatchRows {
  int first = 0, count = 0, total = 0;
};

// Per-call context: training mode enables dropout and other train-only behaviour.
struct Pass {
  bool training = false;
  std::mt19937* rng = nullptr;  // required when training with stochastic layers
  // Sequence models on padded batches: the real frames of each sample at the sequence layers' resolution
  // (null: every frame is real). See TemporalConv.
  const std::vector<int>* frames = nullptr;
  BatchRows rows;
};

class Layer {
 public:
  virtual ~Layer() = default;
  // The token that recreates this layer in an architecture string, e.g. "fc64", "relu", "conv5x5x32".
  virtual std::string spec() const = 0;
  // Called once with the per-sample input shape; returns the per-sample output shape.
  virtual Shape setup(Shape in) = 0;
  virtual size_t param_count() const { return 0; }
  // Points the layer at its slice of the model's flat parameter and gradient buffers; dw is null until the model
  // first needs gradients (a model only read with has none), and bind is called again then.
  virtual void bind(float* /*w*/, float* /*dw*/) {}
  virtual void init_params(std::mt19937& /*rng*/, Init /*init*/) {}
  virtual void forward(Tensor& y, const Tensor& x, const Pass& pass) = 0;
  // dy: gradient w.r.t. y. x, y: the tensors of the last forward. need_dx=false skips dx (first layer).
  virtual void backward(Tensor& dx, const Tensor& dy, const Tensor& x, const Tensor& y, bool need_dx) = 0;
};

}  // namespace scrawl
