#include "scrawl/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "scrawl/nn/softmax_xent.h"

namespace scrawl {

void check_classes_match(const Model& model, const Dataset& data) {
  if (model.classes() != data.classes)
    throw std::runtime_error(data.source + ": classes '" + data.classes + "' do not match the model's '" +
                             model.classes() + "'");
  if (data.h * data.w != model.input().shape.size())
    throw std::runtime_error(data.source + ": images are " + std::to_string(data.h) + "x" + std::to_string(data.w) +
                             " but the model expects " + model.input().shape.str());
}

Evaluation evaluate(Model& model, const Dataset& data, int batch) {
  check_classes_match(model, data);
  const int k = model.num_classes();
  Evaluation ev;
  ev.n = data.size();
  ev.confusion.assign(k, std::vector<int>(k, 0));
  ev.predicted.resize(ev.n);
  ev.probs.resize(static_cast<size_t>(ev.n) * k);
  std::vector<int> idx(ev.n);
  for (int i = 0; i < ev.n; ++i) idx[i] = i;
  Tensor x;
  std::vector<int> y;
  SoftmaxCrossEntropy loss;
  double total_loss = 0.0;
  int correct = 0;
  for (int b = 0; b < ev.n; b += batch) {
    const int e = std::min(ev.n, b + batch);
    data.gather(x, y, idx, b, e);
    total_loss += loss.forward(model.forward(x), y.data()) * (e - b);
    for (int i = 0; i < e - b; ++i) {
      const float* p = loss.probs.sample(i);
      std::copy(p, p + k, ev.probs.begin() + static_cast<size_t>(b + i) * k);
      const int pred = argmax(p, k);
      ev.predicted[b + i] = pred;
      ++ev.confusion[y[i]][pred];
      correct += pred == y[i];
    }
  }
  ev.loss = ev.n ? total_loss / ev.n : 0.0;
  ev.accuracy = ev.n ? static_cast<double>(correct) / ev.n : 0.0;
  ev.per_class.assign(k, std::numeric_limits<double>::quiet_NaN());
  double sum = 0.0;
  int present = 0;
  for (int c = 0; c < k; ++c) {
    int row = 0;
    for (int v : ev.confusion[c]) row += v;
    if (row == 0) continue;
    ev.per_class[c] = static_cast<double>(ev.confusion[c][c]) / row;
    sum += ev.per_class[c];
    ++present;
  }
  ev.balanced_accuracy = present ? sum / present : 0.0;
  return ev;
}

std::vector<ConfusedPair> most_confused(const Evaluation& ev, int k) {
  std::vector<ConfusedPair> pairs;
  const int n = static_cast<int>(ev.confusion.size());
  for (int a = 0; a < n; ++a)
    for (int b = a + 1; b < n; ++b) {
      ConfusedPair p{a, b, ev.confusion[a][b], ev.confusion[b][a]};
      if (p.total() > 0) pairs.push_back(p);
    }
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) { return x.total() > y.total(); });
  if (static_cast<int>(pairs.size()) > k) pairs.resize(k);
  return pairs;
}

}  // namespace scrawl
