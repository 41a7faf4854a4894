// Numerical gradient checker: central differences per parameter, compared with backprop.
#pragma once
#include <functional>
#include <vector>

#include "scrawl/nn/layer.h"
#include "scrawl/nn/model.h"

namespace scrawl {

struct GradCheckResult {
  double max_rel_error = 0.0;  // max over checked entries of |a-n| / max(|a|+|n|, floor)
  size_t checked = 0;
};

// Checks a whole model on (x, labels) with the softmax cross-entropy loss. Parameters and the input
// are perturbed by +-eps in double-accumulated loss evaluations. max_checks caps work on big models
// (entries are then sampled with `seed`).
GradCheckResult check_model_gradients(Model& model, const Tensor& x, const std::vector<int>& labels, double eps = 1e-3,
                                      size_t max_checks = 0, unsigned seed = 1);

// Checks one layer on its own with the loss L = sum(y * r) for a fixed random r, so dy = r.
// Covers parameters (when the layer has any) and the input gradient.
GradCheckResult check_layer_gradients(Layer& layer, Shape in, int batch, double eps = 1e-3, unsigned seed = 1,
                                      size_t max_checks = 0);

}  // namespace scrawl
