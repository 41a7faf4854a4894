#include "scrawl/train/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "scrawl/nn/softmax_xent.h"
#include "scrawl/train/checkpoint.h"
#include "scrawl/train/metrics.h"
#include "scrawl/util/files.h"

namespace scrawl {

std::vector<int> epoch_order(int n, std::mt19937& rng) {
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  // Fisher-Yates with our own draws: std::shuffle's algorithm is implementation-defined, this is not.
  for (int i = n - 1; i > 0; --i) {
    const int j = static_cast<int>(rng() % static_cast<unsigned>(i + 1));
    std::swap(idx[i], idx[j]);
  }
  return idx;
}

std::vector<int> balanced_order(const Dataset& data, std::mt19937& rng) {
  std::vector<std::vector<int>> by_class(data.classes.size());
  for (int i = 0; i < data.size(); ++i) by_class[data.labels[i]].push_back(i);
  std::vector<int> present;
  for (size_t c = 0; c < by_class.size(); ++c)
    if (!by_class[c].empty()) present.push_back(static_cast<int>(c));
  std::vector<int> idx(data.size());
  for (auto& v : idx) {
    const auto& members = by_class[present[rng() % present.size()]];
    v = members[rng() % members.size()];
  }
  return idx;
}

Trainer::Trainer(Model& model, TrainConfig cfg)
    : model_(model), cfg_(std::move(cfg)), opt_(make_optimizer(cfg_.optimizer, cfg_.lr)) {
  opt_->weight_decay = cfg_.weight_decay;
  if (cfg_.epochs <= 0) throw std::runtime_error("epochs must be positive");
  if (cfg_.batch <= 0) throw std::runtime_error("batch size must be positive");
  if (!(cfg_.lr > 0.f)) throw std::runtime_error("learning rate must be positive");
}

namespace {

float scheduled_lr(const TrainConfig& c, int epoch /*0-based*/) {
  if (c.schedule == "constant") return c.lr;
  if (c.schedule == "cosine") return c.lr * 0.5f * (1.f + std::cos(3.14159265f * epoch / c.epochs));
  if (c.schedule == "step") return c.lr * (epoch >= c.epochs * 3 / 4 ? 0.01f : epoch >= c.epochs / 2 ? 0.1f : 1.f);
  throw std::runtime_error("unknown schedule '" + c.schedule + "' (expected constant, cosine or step)");
}

void draw_progress(int done, int total, double loss, double acc) {
  const int width = 30;
  const int filled = total ? width * done / total : width;
  std::fprintf(stderr, "\r  [%.*s%*s] %d/%d loss %.4f acc %.4f", filled, "##############################",
               width - filled, "", done, total, loss, acc);
  std::fflush(stderr);
}

}  // namespace

namespace {
// Loss sum and correct count over rows [first, first + count) of `data`, in batches of kBatch.
std::pair<double, double> eval_sums(Model& model, const Dataset& data, BatchRows rows) {
  constexpr int kBatch = 500;  // as evaluate()'s default
  std::vector<int> idx(size_t(data.size()));
  std::iota(idx.begin(), idx.end(), 0);
  Tensor x;
  std::vector<int> y;
  SoftmaxCrossEntropy loss;
  double sum = 0, correct = 0;
  for (int b = rows.first; b < rows.first + rows.count; b += kBatch) {
    const int e = std::min(rows.first + rows.count, b + kBatch);
    data.gather(x, y, idx, size_t(b), size_t(e));
    sum += loss.forward(model.forward(x), y.data()) * (e - b);
    correct += loss.correct(y.data());
  }
  return {sum, correct};
}
}  // namespace

std::vector<EpochStats> Trainer::fit(const Dataset& train, const Dataset* valid,
                                     const std::function<void(const EpochStats&)>& on_epoch) {
  check_classes_match(model_, train);
  if (valid) check_classes_match(model_, *valid);
  if (train.size() == 0) throw std::runtime_error(train.source + ": no training samples");
  const Ranks& ranks = cfg_.ranks;
  std::mt19937 rng(static_cast<std::mt19937::result_type>(cfg_.seed * 7919 + 17));
  if (!state_.rng.empty()) {  // resuming: continue the exact random stream
    std::istringstream in(state_.rng);
    in >> rng;
  }
  start_in_step(ranks, model_, *opt_, rng, state_.epochs_done);
  const bool bar = cfg_.progress && ranks.root() && isatty(STDERR_FILENO);
  FloatBuffer last_good = model_.params();  // restored if the loss stops being finite
  Tensor x, dlogits;
  std::vector<int> y;
  SoftmaxCrossEntropy loss;
  Pass pass;
  pass.training = true;
  pass.rng = &rng;

  for (int epoch = state_.epochs_done; epoch < cfg_.epochs; ++epoch) {
    if (cfg_.patience > 0 && state_.since_best >= cfg_.patience) break;
    const auto t0 = std::chrono::steady_clock::now();
    opt_->lr = scheduled_lr(cfg_, epoch);
    const std::vector<int> order = cfg_.balanced ? balanced_order(train, rng) : epoch_order(train.size(), rng);
    double loss_sum = 0, correct = 0;
    const int n = cfg_.epoch_size > 0 ? std::min(cfg_.epoch_size, train.size()) : train.size();
    const int batches = (n + cfg_.batch - 1) / cfg_.batch;
    for (int b = 0; b < batches; ++b) {
      const size_t begin = static_cast<size_t>(b) * cfg_.batch, end = std::min<size_t>(n, begin + cfg_.batch);
      const int m = static_cast<int>(end - begin);
      const BatchSplit part = ranks.split(m);
      const BatchRows& rows = part.rows;
      train.gather(x, y, order, begin + rows.first, begin + rows.first + rows.count);
      // The next batch's rows, fetched while this one computes: gathering rows at random from a dataset larger than
      // the caches waited on memory for 16% of an MLP epoch (BM_MlpEpoch, session 18's profile).
      train.prefetch(order, std::min<size_t>(n, end + rows.first), std::min<size_t>(n, end + rows.first + rows.count));
      if (augment) augment(x, rng, rows);
      pass.rows = rows;
      const double l = loss.forward(model_.forward(x, pass), y.data());
      double sums[2] = {l * rows.count * part.counts, loss.correct(y.data()) * part.counts};
      ranks.sum(sums, 2);
      if (!std::isfinite(sums[0])) {
        if (bar) std::fprintf(stderr, "\r\033[K");
        model_.params() = last_good;
        throw TrainingDiverged("training diverged: the loss became " + std::to_string(sums[0] / m) + " in epoch " +
                                   std::to_string(epoch + 1) + " (try a lower --lr)",
                               epoch + 1, state_.epochs_done);
      }
      loss_sum += sums[0];
      correct += sums[1];
      model_.zero_grad();
      loss.backward(dlogits, y.data());
      if (ranks.many())
        for (float& d : dlogits.data) d *= part.weight;
      model_.backward(dlogits);
      ranks.sum(model_.grads().data(), model_.param_count());
      opt_->step(model_.params().data(), model_.grads().data(), model_.param_count());
      if (bar && (b % 16 == 0 || b == batches - 1))
        draw_progress(static_cast<int>(end), n, loss_sum / double(end), correct / double(end));
    }
    if (bar) std::fprintf(stderr, "\r\033[K");
    EpochStats s;
    s.epoch = epoch + 1;
    s.lr = opt_->lr;
    s.train_loss = loss_sum / n;
    s.train_acc = std::round(correct) / n;
    if (valid && !ranks.many()) {
      const Evaluation ev = evaluate(model_, *valid);
      s.valid_loss = ev.loss;
      s.valid_acc = ev.accuracy;
    } else if (valid) {  // each rank reads its share of the validation set
      auto [vloss, vcorrect] = eval_sums(model_, *valid, ranks.share(valid->size()));
      double sums[2] = {vloss, vcorrect};
      ranks.sum(sums, 2);
      s.valid_loss = valid->size() ? sums[0] / valid->size() : 0.0;
      s.valid_acc = valid->size() ? std::round(sums[1]) / valid->size() : 0.0;
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state_.history.push_back(s);
    const double score = valid ? s.valid_loss : s.train_loss;
    if (score < state_.best_loss) {
      state_.best_loss = score;
      state_.best_epoch = s.epoch;
      state_.since_best = 0;
      if (cfg_.keep_best) state_.best_params.assign(model_.params().begin(), model_.params().end());
    } else {
      ++state_.since_best;
    }
    state_.epochs_done = epoch + 1;
    last_good = model_.params();
    if (!cfg_.checkpoint.empty()) {
      std::ostringstream out;
      out << rng;
      state_.rng = out.str();
      if (ranks.root()) save_checkpoint(cfg_.checkpoint, model_, *opt_, state_, run_id);
    }
    if (on_epoch) on_epoch(s);
  }
  if (cfg_.keep_best && !state_.best_params.empty())
    model_.params().assign(state_.best_params.begin(), state_.best_params.end());
  return state_.history;
}

void Trainer::resume(const nlohmann::json& run) {
  if (cfg_.checkpoint.empty()) throw std::runtime_error("resume needs a checkpoint folder");
  load_checkpoint(cfg_.checkpoint, model_, *opt_, state_, run);
}

std::string format_epoch(const EpochStats& s) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "epoch %3d  train loss %.4f acc %.4f  valid loss %.4f acc %.4f  lr %.3g  %.2fs",
                s.epoch, s.train_loss, s.train_acc, s.valid_loss, s.valid_acc, s.lr, s.seconds);
  return buf;
}

void write_curves_csv(const std::string& path, const std::vector<EpochStats>& epochs) {
  std::ostringstream ss;
  ss << "epoch,train_loss,train_acc,valid_loss,valid_acc,lr,seconds\n";
  for (const auto& s : epochs)
    ss << s.epoch << ',' << s.train_loss << ',' << s.train_acc << ',' << s.valid_loss << ',' << s.valid_acc << ','
       << s.lr << ',' << s.seconds << '\n';
  write_file_atomic(path, ss.str());
}

}  // namespace scrawl
