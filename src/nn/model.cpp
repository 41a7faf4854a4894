#include "scrawl/nn/model.h"

#include <algorithm>
#include <stdexcept>

#include "scrawl/nn/maxpool.h"

namespace scrawl {

namespace {

// The layers of `arch` in the order they run: a ReLU followed by max pooling runs after it instead. Both are
// monotone, so max(relu(a), relu(b), ...) = relu(max(a, b, ...)) and the gradient reaches the same input (none when
// the window's maximum is not positive): the same values and gradients (NaN aside: a NaN first in a window pools to 0),
// with the ReLU on a quarter of the elements (pool2). The ReLUs before pool2 in the line model took 3.5% of its
// training step (session 18's per-layer timing).
std::vector<std::unique_ptr<Layer>> runnable_layers(const std::string& arch) {
  std::vector<std::unique_ptr<Layer>> layers = parse_arch(arch);
  for (size_t i = 0; i + 1 < layers.size(); ++i)
    if (layers[i]->spec() == "relu" && dynamic_cast<const MaxPool*>(layers[i + 1].get())) {
      std::swap(layers[i], layers[i + 1]);
      ++i;
    }
  return layers;
}

}  // namespace

Model::Model(const std::string& arch, const InputSpec& input, const std::string& classes)
    : arch_(arch), input_(input), classes_(classes), layers_(runnable_layers(arch)) {
  if (layers_.empty()) throw std::runtime_error("architecture '" + arch + "' has no layers");
  Shape s = input.shape;
  size_t total = 0;
  for (auto& l : layers_) {
    s = l->setup(s);
    // Each slice starts on a 64-byte boundary so vectorized code sees the same alignment in every process.
    if (l->param_count() > 0) total = (total + 15) / 16 * 16;
    offsets_.push_back(total);
    total += l->param_count();
  }
  // A classifier ends in one score per class; a sequence model (a line recognizer, output (K, 1, T)) in one per
  // class at every frame.
  const int outputs = s.h == 1 && s.w > 1 ? s.c : s.size();
  if (outputs != static_cast<int>(classes.size()))
    throw std::runtime_error("architecture '" + arch + "' ends in " + std::to_string(outputs) +
                             " outputs but the data has " + std::to_string(classes.size()) + " classes");
  params_.assign(total, 0.f);
  // The gradient buffer comes with the first backward, zero_grad or grads() (ensure_grads): a model that only reads
  // never touches that second copy of its size (3.5 + 2.5 MB for the two shipped models `scrawl read` loads).
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->bind(params_.data() + offsets_[i], nullptr);
  acts_.resize(layers_.size() + 1);
  dacts_.resize(layers_.size() + 1);
}

void Model::init_params(uint64_t seed, const std::string& init) {
  if (init != "auto" && init != "xavier" && init != "he" && init != "zero")
    throw std::runtime_error("unknown init '" + init + "' (expected auto, xavier, he or zero)");
  std::mt19937 rng(static_cast<std::mt19937::result_type>(seed));
  for (size_t i = 0; i < layers_.size(); ++i) {
    Init kind = Init::Xavier;
    if (init == "zero") kind = Init::Zero;
    if (init == "he") kind = Init::He;
    if (init == "auto") {
      // He init keeps ReLU activations' variance; Xavier suits sigmoid/tanh and the output layer.
      for (size_t j = i + 1; j < layers_.size() && layers_[j]->param_count() == 0; ++j)
        if (layers_[j]->spec() == "relu") kind = Init::He;
    }
    layers_[i]->init_params(rng, kind);
  }
}

void Model::set_input_width(int width) {
  if (width == input_.shape.w) return;
  if (width <= 0) throw std::runtime_error("input width must be positive, got " + std::to_string(width));
  // Try the new width on fresh layers first, so a model whose parameters depend on the width (a dense layer after
  // a flatten) is refused unchanged.
  const Shape wider{input_.shape.c, input_.shape.h, width};
  Shape s = wider;
  std::vector<std::unique_ptr<Layer>> trial = runnable_layers(arch_);
  for (size_t i = 0; i < trial.size(); ++i) {
    s = trial[i]->setup(s);
    if (trial[i]->param_count() != layers_[i]->param_count())
      throw std::runtime_error("architecture '" + arch_ + "' cannot change its input width: layer " + trial[i]->spec() +
                               " has as many parameters as its input is wide");
  }
  s = wider;
  for (auto& l : layers_) s = l->setup(s);
  input_.shape = wider;
}

Model Model::clone() const {
  Model m(arch_, input_, classes_);
  m.params_ = params_;
  m.meta_json = meta_json;
  return m;
}

const Tensor& Model::forward(const Tensor& x, const Pass& pass) {
  if (x.shape.size() != input_.shape.size())
    throw std::runtime_error("model expects inputs of " + input_.shape.str() + " but got " + x.shape.str());
  x_ = &x;
  const Tensor* in = &x;
  if (!(x.shape == input_.shape)) {  // a flat (784,1,1) batch for a (1,28,28) model: reinterpret, same bytes
    input_copy_.n = x.n;
    input_copy_.shape = input_.shape;
    input_copy_.data = x.data;
    in = &input_copy_;
    x_ = in;
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    layers_[i]->forward(acts_[i + 1], *in, pass);
    in = &acts_[i + 1];
  }
  return acts_.back();
}

void Model::ensure_grads() {
  if (grads_.size() == params_.size()) return;
  grads_.assign(params_.size(), 0.f);
  for (size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->bind(params_.data() + offsets_[i], grads_.data() + offsets_[i]);
}

void Model::backward(const Tensor& dlogits, bool need_input_grad) {
  if (!x_) throw std::runtime_error("backward called before forward");
  ensure_grads();
  dacts_.back() = dlogits;  // copy keeps dlogits const; it is small (N x classes)
  for (size_t i = layers_.size(); i-- > 0;) {
    const Tensor& xin = i == 0 ? *x_ : acts_[i];
    layers_[i]->backward(dacts_[i], dacts_[i + 1], xin, acts_[i + 1], i > 0 || need_input_grad);
  }
}

void Model::zero_grad() {
  ensure_grads();
  std::fill(grads_.begin(), grads_.end(), 0.f);
}

int frame_stride(const Model& model) {
  // Set up a copy of the layers for a probe width (no parameters are touched), and see how many frames it gives.
  constexpr int kProbe = 1024;
  Shape s{model.input().shape.c, model.input().shape.h, kProbe};
  for (const auto& l : parse_arch(model.arch())) s = l->setup(s);
  if (s.h != 1 || s.w <= 0 || kProbe % s.w != 0)
    throw std::runtime_error("model '" + model.arch() + "' does not map columns to frames evenly");
  return kProbe / s.w;
}

}  // namespace scrawl
