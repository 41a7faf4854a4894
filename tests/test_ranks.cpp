// Data-parallel training (issue 17, part 2) without MPI: ranks simulated by threads that sum through shared memory,
// so the splitting of batches, random streams and gradients is tested in every build (the sanitizer one included).
// tests/test_mpi_train.cpp runs the same over real MPI ranks through the CLI.
#include <gtest/gtest.h>

#include <barrier>
#include <cmath>
#include <cstring>
#include <optional>
#include <thread>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/dropout.h"
#include "scrawl/nn/threads.h"
#include "scrawl/train/augment.h"
#include "scrawl/train/line_trainer.h"
#include "scrawl/train/ranks.h"
#include "scrawl/train/trainer.h"
#include "test_util.h"

namespace {

using scrawl::BatchRows;
using scrawl::Ranks;

// N ranks as N threads: every collective waits for all, then each rank computes the sum in rank order, so all
// ranks get the same bytes (as MPI promises).
class ThreadWorld {
 public:
  explicit ThreadWorld(int n) : size_(n), slots_(size_t(n)), sync_(n) {}
  Ranks ranks(int rank) {
    Ranks r;
    r.rank = rank;
    r.size = size_;
    r.sum_floats = [this, rank](float* v, size_t n) { sum(v, n, rank); };
    r.sum_doubles = [this, rank](double* v, size_t n) { sum(v, n, rank); };
    r.broadcast = [this, rank](void* bytes, size_t n) {
      slots_[size_t(rank)] = bytes;
      sync_.arrive_and_wait();
      std::vector<char> copy(static_cast<char*>(slots_[0]), static_cast<char*>(slots_[0]) + n);
      sync_.arrive_and_wait();
      std::memcpy(bytes, copy.data(), n);
      sync_.arrive_and_wait();
    };
    return r;
  }
  // Runs body(rank) on size threads.
  void run(const std::function<void(int)>& body) {
    std::vector<std::thread> threads;
    for (int r = 0; r < size_; ++r) threads.emplace_back(body, r);
    for (auto& t : threads) t.join();
  }

 private:
  template <class T>
  void sum(T* v, size_t n, int rank) {
    slots_[size_t(rank)] = v;
    sync_.arrive_and_wait();
    std::vector<T> total(n, T(0));
    for (int r = 0; r < size_; ++r)
      for (size_t i = 0; i < n; ++i) total[i] += static_cast<const T*>(slots_[size_t(r)])[i];
    sync_.arrive_and_wait();  // every rank has read every buffer before any is overwritten
    std::copy(total.begin(), total.end(), v);
    sync_.arrive_and_wait();
  }
  int size_;
  std::vector<void*> slots_;
  std::barrier<> sync_;
};

TEST(Ranks, SharesCoverTheBatchInRankOrder) {
  for (int size : {1, 2, 3, 5})
    for (int total : {5, 7, 64, 65}) {
      int next = 0;
      for (int rank = 0; rank < size; ++rank) {
        Ranks r;
        r.rank = rank;
        r.size = size;
        const BatchRows s = r.share(total);
        EXPECT_EQ(s.first, next);
        EXPECT_GE(s.count, total / size);
        EXPECT_LE(s.count, total / size + 1);
        EXPECT_EQ(s.total, total);
        next += s.count;
      }
      EXPECT_EQ(next, total);
    }
  // A batch with fewer rows than ranks is computed whole everywhere, each rank weighing 1/size.
  Ranks r;
  r.rank = 2;
  r.size = 3;
  const scrawl::BatchSplit whole = r.split(2);
  EXPECT_EQ(whole.rows.first, 0);
  EXPECT_EQ(whole.rows.count, 2);
  EXPECT_FLOAT_EQ(whole.weight, 1.f / 3);
  const scrawl::BatchSplit part = r.split(9);
  EXPECT_EQ(part.rows.first, 6);
  EXPECT_FLOAT_EQ(part.weight, 3.f / 9);
}

// Two halves of a batch draw the whole batch's dropout masks, each keeping its own rows, and leave the random
// stream where the whole batch leaves it.
TEST(Ranks, DropoutOnAShareDrawsTheWholeBatchsMasks) {
  scrawl::Dropout drop(0.5f);
  drop.setup(scrawl::Shape{1, 1, 10});
  scrawl::Tensor x(6, scrawl::Shape{1, 1, 10}), y;
  x.fill(1.f);
  std::mt19937 whole_rng(9);
  scrawl::Pass pass;
  pass.training = true;
  pass.rng = &whole_rng;
  drop.forward(y, x, pass);
  const scrawl::FloatBuffer whole = y.data;
  scrawl::FloatBuffer halves;
  std::mt19937 share_rng(9);
  pass.rng = &share_rng;
  for (int first : {0, 4}) {
    const int count = first == 0 ? 4 : 2;
    scrawl::Tensor part(count, x.shape);
    part.fill(1.f);
    pass.rows = BatchRows{first, count, 6};
    drop.forward(y, part, pass);
    // Each rank draws from the same stream: rewind to where the batch began for the second share.
    if (first == 0) share_rng.seed(9);
    halves.insert(halves.end(), y.data.begin(), y.data.end());
  }
  EXPECT_EQ(halves, whole);
  EXPECT_EQ(share_rng(), whole_rng());
}

TEST(Ranks, AugmentingAShareMatchesTheWholeBatch) {
  const scrawl::Dataset data = scrawl::load_idx(scrawl::test::emnist("valid"));
  ASSERT_GE(data.size(), 10);
  std::vector<int> idx(10);
  for (int i = 0; i < 10; ++i) idx[size_t(i)] = i;
  scrawl::Tensor whole, part;
  std::vector<int> y;
  data.gather(whole, y, idx, 0, 10);
  const auto aug = scrawl::make_augmenter(0.8f, 28, 28, 0.5f);
  std::mt19937 r1(4), r2(4);
  aug(whole, r1, {});
  data.gather(part, y, idx, 3, 10);
  aug(part, r2, BatchRows{3, 7, 10});
  EXPECT_TRUE(std::equal(part.data.begin(), part.data.end(), whole.sample(3)));
  EXPECT_EQ(r1(), r2());
}

scrawl::Dataset first_glyphs(int n) {
  scrawl::Dataset d = scrawl::load_idx(scrawl::test::emnist("train300"));
  d.labels.resize(size_t(n));
  d.images.resize(size_t(n) * d.pixels());
  return d;
}

float max_diff(const scrawl::FloatBuffer& a, const scrawl::FloatBuffer& b) {
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

// Training over 2 and 3 thread-ranks ends with the model one process trains with the same global batch (within
// float tolerance: the batch gradient is summed in another order), with dropout, augmentation and a last batch of
// one row (computed whole on every rank); all ranks hold the same bytes.
TEST(Ranks, TrainingOverRanksMatchesOneProcess) {
  scrawl::set_threads(1);
  const scrawl::Dataset train = first_glyphs(161), valid = first_glyphs(37);  // 161 = 5 x 32 + 1
  scrawl::TrainConfig cfg;
  cfg.epochs = 2;
  cfg.batch = 32;
  cfg.optimizer = "adam";
  cfg.lr = 0.003f;
  cfg.seed = 5;
  cfg.progress = false;
  scrawl::InputSpec in;
  in.shape = scrawl::Shape{1, 28, 28};
  const std::string arch = "conv3x3x4,relu,pool2,fc16,relu,dropout0.3,fc36";
  auto train_once = [&](const Ranks& ranks, std::vector<scrawl::EpochStats>* history) {
    scrawl::Model m(arch, in, train.classes);
    m.init_params(cfg.seed);
    if (ranks.rank > 0) m.init_params(cfg.seed + 1);  // the broadcast must replace this
    scrawl::TrainConfig c = cfg;
    c.ranks = ranks;
    scrawl::Trainer t(m, c);
    t.augment = scrawl::make_augmenter(0.5f, 28, 28, 0.3f);
    *history = t.fit(train, &valid);
    return m.params();
  };
  std::vector<scrawl::EpochStats> one_history;
  const scrawl::FloatBuffer one = train_once(Ranks{}, &one_history);
  scrawl::Model start(arch, in, train.classes);
  start.init_params(cfg.seed);
  ASSERT_GT(max_diff(one, start.params()), 1e-3f);  // training moved the parameters: the comparisons can fail
  for (int size : {2, 3}) {
    ThreadWorld world(size);
    std::vector<scrawl::FloatBuffer> models;
    models.resize(size_t(size));
    std::vector<std::vector<scrawl::EpochStats>> histories;
    histories.resize(size_t(size));
    world.run([&](int rank) { models[size_t(rank)] = train_once(world.ranks(rank), &histories[size_t(rank)]); });
    for (int r = 1; r < size; ++r) EXPECT_TRUE(models[size_t(r)] == models[0]) << "rank " << r << " of " << size;
    EXPECT_LT(max_diff(models[0], one), 2e-5f) << size << " ranks";
    ASSERT_EQ(histories[0].size(), one_history.size());
    for (size_t e = 0; e < one_history.size(); ++e) {
      EXPECT_NEAR(histories[0][e].train_loss, one_history[e].train_loss, 1e-5);
      EXPECT_DOUBLE_EQ(histories[0][e].train_acc, one_history[e].train_acc);
      EXPECT_NEAR(histories[0][e].valid_loss, one_history[e].valid_loss, 1e-5);
      EXPECT_DOUBLE_EQ(histories[0][e].valid_acc, one_history[e].valid_acc);
    }
  }
}

// The same for line models: every rank synthesizes the whole batch and trains on its lines.
TEST(Ranks, LineTrainingOverRanksMatchesOneProcess) {
  scrawl::set_threads(1);
  const scrawl::Dataset train = first_glyphs(400), valid = first_glyphs(200);
  scrawl::LineTrainConfig cfg;
  cfg.arch = "conv3x3x4s2p1,relu,conv3x3x4s2p1,relu,seq,tconv3x8,relu,tconv1x38";
  cfg.epochs = 2;
  cfg.steps = 3;
  cfg.batch = 5;
  cfg.valid_lines = 7;
  cfg.seed = 3;
  cfg.progress = false;
  const scrawl::LineTrainResult one = scrawl::train_line_model(train, valid, cfg, false, nullptr);
  ThreadWorld world(2);
  std::vector<std::optional<scrawl::LineTrainResult>> slots(2);
  world.run([&](int rank) {
    scrawl::LineTrainConfig c = cfg;
    c.ranks = world.ranks(rank);
    slots[size_t(rank)] = scrawl::train_line_model(train, valid, c, false, nullptr);
  });
  EXPECT_TRUE(slots[0]->model.params() == slots[1]->model.params());
  EXPECT_LT(max_diff(slots[0]->model.params(), one.model.params()), 2e-5f);
  EXPECT_GT(max_diff(one.model.params(), scrawl::Model(cfg.arch, one.model.input(), one.model.classes()).params()),
            1e-3f);  // training moved the parameters: the comparison above can fail
  for (size_t e = 0; e < one.state.history.size(); ++e) {
    EXPECT_NEAR(slots[0]->state.history[e].train_loss, one.state.history[e].train_loss, 1e-5);
    EXPECT_DOUBLE_EQ(slots[0]->state.history[e].valid_acc, one.state.history[e].valid_acc);
  }
}

// Ranks that start from different random streams (as from different checkpoints) stop with one message.
TEST(Ranks, RanksThatDisagreeOnTheirStartFail) {
  ThreadWorld world(2);
  std::vector<std::string> errors(2);
  world.run([&](int rank) {
    scrawl::InputSpec in;
    in.shape = scrawl::Shape{1, 28, 28};
    scrawl::Model m("fc8,fc36", in, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    scrawl::Adam adam;
    std::mt19937 rng(rank == 0 ? 1 : 2);
    try {
      scrawl::start_in_step(world.ranks(rank), m, adam, rng, 0);
    } catch (const std::exception& e) {
      errors[size_t(rank)] = e.what();
    }
  });
  for (const auto& e : errors) EXPECT_NE(e.find("1 of 2 ranks start from another"), std::string::npos) << e;
}

}  // namespace
