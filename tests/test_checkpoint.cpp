// Checkpoints: a run killed with SIGKILL mid-epoch and resumed ends with the same model bytes as a run
// that was never interrupted; divergence keeps the last good model; mismatched resumes are refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "scrawl/data/dataset.h"
#include "scrawl/train/trainer.h"
#include "test_util.h"

using scrawl::test::emnist;
using scrawl::test::run_scrawl;
using scrawl::test::slurp;
using scrawl::test::TempDir;

namespace {

// Epochs completed according to DIR/checkpoint.cbor, or -1 if there is none yet.
int epochs_in_checkpoint(const std::string& dir) {
  const std::string bytes = slurp(dir + "/checkpoint.cbor");
  if (bytes.empty()) return -1;
  try {
    return nlohmann::json::from_cbor(bytes).at("state").at("epochs_done").get<int>();
  } catch (const std::exception&) {
    return -2;  // a torn file would land here; atomic writes must make this impossible
  }
}

std::string train_args(const std::string& out) {
  return "-q train --train " + emnist("train") +
         " --arch fc48,tanh,fc36 --epochs 5 --batch 64 --lr 0.002 "
         "--optimizer adam --augment 0.3 --threads 1 --seed 21 --out " +
         out;
}

}  // namespace

TEST(Checkpoint, KilledMidEpochThenResumedIsByteIdentical) {
  TempDir dir;
  const std::string ck = dir / "ck", ref_ck = dir / "ref_ck";
  auto ref = run_scrawl(train_args(dir / "ref.scrawl") + " --checkpoint " + ref_ck);
  ASSERT_EQ(ref.exit_code, 0) << ref.err;

  // Start the same run, wait for its second checkpoint, then kill it partway through epoch 3. Half an epoch is
  // measured on this run itself (between its first and second checkpoints), so a loaded or a fast machine kills
  // it mid-epoch alike; a fixed sleep raced the run.
  const std::string cmd = scrawl::test::scrawl_binary() + " " + train_args(dir / "b.scrawl") + " --checkpoint " + ck;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  auto wait_for_epochs = [&](int epochs) {
    int done = -1;
    while ((done = epochs_in_checkpoint(ck)) < epochs && std::chrono::steady_clock::now() < deadline) {
      EXPECT_NE(done, -2) << "checkpoint file was torn";
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::make_pair(done, std::chrono::steady_clock::now());
  };
  const auto [first, t1] = wait_for_epochs(1);
  const auto [second, t2] = wait_for_epochs(2);
  ASSERT_EQ(first, 1);
  ASSERT_EQ(second, 2);
  std::this_thread::sleep_for((t2 - t1) / 2);  // into epoch 3
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
  EXPECT_LT(epochs_in_checkpoint(ck), 5);
  EXPECT_FALSE(std::filesystem::exists(dir / "b.scrawl")) << "no final model from a killed run";

  const auto resumed = run_scrawl(train_args(dir / "b.scrawl") + " --resume " + ck);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const std::string a = slurp(dir / "ref.scrawl"), b = slurp(dir / "b.scrawl");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.size(), b.size());
  if (a != b) {  // keep both for inspection
    std::filesystem::copy_file(dir / "ref.scrawl", "/tmp/scrawl_ck_ref.scrawl",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(dir / "b.scrawl", "/tmp/scrawl_ck_resumed.scrawl",
                               std::filesystem::copy_options::overwrite_existing);
  }
  EXPECT_TRUE(a == b) << "resumed model differs from the uninterrupted one; resumed run said: " << resumed.out
                      << resumed.err << " ref: " << ref.out << ref.err;
}

TEST(Checkpoint, ResumeWithDifferentSettingsIsRefused) {
  TempDir dir;
  const auto r = run_scrawl("-q train --train " + emnist("train300") + " --epochs 1 --seed 1 --checkpoint " +
                            (dir / "ck") + " --out " + (dir / "m.scrawl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto again = run_scrawl("-q train --train " + emnist("train300") + " --epochs 1 --seed 2 --resume " +
                                (dir / "ck") + " --out " + (dir / "m2.scrawl"));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("checkpoint.cbor"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("different run"), std::string::npos) << again.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m2.scrawl"));
}

TEST(Checkpoint, DivergenceInTheFirstEpochWritesNoModel) {
  TempDir dir;
  const auto r = run_scrawl(
      "-q train --train " + emnist("train300") +
      " --arch fc64,relu,fc64,relu,fc36 --optimizer momentum --lr 1e7 --epochs 5 --seed 1 --out " + (dir / "m.scrawl"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("diverged"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in epoch 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no model written"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.scrawl"));
}

// A NaN injected into a batch of epoch 3 makes the loss non-finite: the trainer must say which epoch and leave
// the model holding exactly the parameters it had after epoch 2.
TEST(Checkpoint, DivergenceRestoresTheLastCompletedEpoch) {
  const scrawl::Dataset train = scrawl::load_idx(emnist("train300"));
  scrawl::InputSpec in;
  scrawl::Model model("fc16,sigmoid,fc36", in, train.classes);
  model.init_params(3);
  scrawl::TrainConfig cfg;
  cfg.epochs = 5;
  cfg.batch = 128;
  cfg.progress = false;
  scrawl::Trainer trainer(model, cfg);
  const int batches_per_epoch = (train.size() + cfg.batch - 1) / cfg.batch;
  int calls = 0;
  trainer.augment = [&](scrawl::Tensor& x, std::mt19937&, scrawl::BatchRows) {
    if (calls++ == 2 * batches_per_epoch + 3) x.data[5] = std::numeric_limits<float>::quiet_NaN();
  };
  scrawl::FloatBuffer after_epoch2;
  try {
    trainer.fit(train, nullptr, [&](const scrawl::EpochStats& s) {
      if (s.epoch == 2) after_epoch2 = model.params();
    });
    FAIL() << "expected divergence";
  } catch (const scrawl::TrainingDiverged& e) {
    EXPECT_EQ(e.epoch, 3);
    EXPECT_EQ(e.epochs_done, 2);
    EXPECT_NE(std::string(e.what()).find("epoch 3"), std::string::npos) << e.what();
  }
  ASSERT_FALSE(after_epoch2.empty());
  EXPECT_TRUE(model.params() == after_epoch2);
}
