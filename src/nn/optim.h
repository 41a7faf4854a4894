// Optimizers: each is one loop over the model's flat parameter buffer. State buffers (velocity, m, v)
// are the same size as the parameters and indexed the same way.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace scrawl {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // w -= step(g); weight_decay adds decay*w to g (L2), applied by the caller's choice of value.
  virtual void step(float* w, const float* g, size_t n) = 0;
  float lr = 0.01f;
  float weight_decay = 0.f;
  // Flat state for checkpoints (velocity, or m then v, plus the step count as the last element).
  virtual std::vector<float> state() const { return {}; }
  virtual void set_state(const std::vector<float>&) {}
};

struct Sgd final : Optimizer {
  std::string name() const override { return "sgd"; }
  void step(float* w, const float* g, size_t n) override;
};

// The course's momentum: M = mu*M - lr*dJ/dW; W = W + M.
struct Momentum final : Optimizer {
  float mu = 0.9f;
  std::vector<float> velocity;
  std::string name() const override { return "momentum"; }
  void step(float* w, const float* g, size_t n) override;
  std::vector<float> state() const override { return velocity; }
  void set_state(const std::vector<float>& s) override { velocity = s; }
};

// Adam with bias correction, eps outside the square root.
struct Adam final : Optimizer {
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  long t = 0;
  std::vector<float> m, v;
  std::string name() const override { return "adam"; }
  void step(float* w, const float* g, size_t n) override;
  std::vector<float> state() const override;
  void set_state(const std::vector<float>& s) override;
};

// "sgd", "momentum" or "adam"; throws on anything else.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, float lr);

}  // namespace scrawl
