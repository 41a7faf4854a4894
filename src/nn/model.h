// Model: a sequential stack of layers with one flat parameter buffer and one flat gradient buffer,
// so an optimizer step is a single loop and a checkpoint is a single write.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scrawl/nn/layer.h"

namespace scrawl {

// What the model expects to be fed. Loaders and the page reader both convert to this.
struct InputSpec {
  Shape shape{1, 28, 28};
  std::string orientation = "upright";   // rows top to bottom, as a person reads the glyph
  std::string polarity = "ink_high";     // 0 = paper, 1 = ink
  std::string normalization = "emnist";  // blur, crop to ink, center keeping aspect, pad 2, resize
};

class Model {
 public:
  Model() = default;
  Model(Model&&) noexcept = default;
  Model& operator=(Model&&) noexcept = default;

  // Builds the layers of `arch` (e.g. "fc64,sigmoid,fc36") for `input`; parameters start at zero.
  Model(const std::string& arch, const InputSpec& input, const std::string& classes);
  // Initializes every layer: Xavier, or He before a ReLU when init is "auto"; "zero" gives all zeros.
  void init_params(uint64_t seed, const std::string& init = "auto");
  Model clone() const;
  // Sets up every layer for inputs `width` columns wide (a line recognizer reads lines of any width); the
  // parameters stay as they are. Throws, leaving the model unchanged, when a layer's parameter count would change.
  void set_input_width(int width);

  // Runs all layers; activations are cached for backward. Returns the logits (N, classes).
  const Tensor& forward(const Tensor& x, const Pass& pass = {});
  // Backpropagates dlogits through the cached activations, accumulating into grads().
  // need_input_grad computes the gradient w.r.t. the input too (gradient checks); training skips it.
  void backward(const Tensor& dlogits, bool need_input_grad = false);
  void zero_grad();
  const Tensor& input_grad() const { return dacts_.front(); }

  const std::string& arch() const { return arch_; }
  const InputSpec& input() const { return input_; }
  const std::string& classes() const { return classes_; }
  int num_classes() const { return static_cast<int>(classes_.size()); }
  size_t param_count() const { return params_.size(); }
  FloatBuffer& params() { return params_; }
  const FloatBuffer& params() const { return params_; }
  // The gradients backward accumulates, zeroed at first use (a model only read with never allocates them).
  FloatBuffer& grads() {
    ensure_grads();
    return grads_;
  }
  // The layers in the order they run: that of arch(), but for a ReLU before max pooling, which runs after it (the
  // same result on fewer elements; see runnable_layers in model.cpp).
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // Output of layer i from the last forward (after layer i ran).
  const Tensor& activation(size_t i) const { return acts_.at(i + 1); }
  // Free-form provenance stored in the model file (how it was trained, its scores): the text of one JSON object.
  // Kept as text so that this header needs no JSON library; save_model checks that it parses.
  std::string meta_json = "{}";

 private:
  void ensure_grads();  // allocates grads_ (zeroed) and binds the layers to it, once

  std::string arch_;
  InputSpec input_;
  std::string classes_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<size_t> offsets_;  // offsets_[i]: start of layer i's slice in params_/grads_
  FloatBuffer params_, grads_;   // 64-byte aligned, each layer's slice too (see Model::Model); grads_ empty until
                                 // first needed
  Tensor input_copy_;  // only when x arrives flat, e.g. (784,1,1) for a (1,28,28) model: same bytes, model shape
  const Tensor* x_ = nullptr;
  std::vector<Tensor> acts_;   // acts_[i+1] = output of layer i; used by backward
  std::vector<Tensor> dacts_;  // dacts_[i] = gradient w.r.t. acts_[i]
};

// Input columns per output frame of a sequence model (its width reduction): the frames a copy of its layers gives
// for 1,024 columns. Throws when the columns do not divide evenly into frames.
int frame_stride(const Model& model);

// Splits "a,b,c" and builds each layer token; throws on an unknown token with the token named.
std::vector<std::unique_ptr<Layer>> parse_arch(const std::string& arch);
std::unique_ptr<Layer> make_layer(const std::string& token);

}  // namespace scrawl
