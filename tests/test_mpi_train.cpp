// Data-parallel training over real MPI ranks (issue 17, part 2), through the CLI: `mpirun -np 2 scrawl train` and
// `train-line` give the model one process trains with the same global batch, rank 0 alone prints and writes, a
// rank that dies fails the job and the last checkpoint resumes it. tests/test_ranks.cpp tests the same splitting
// with threads as ranks, in every build.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "scrawl/nn/model_io.h"
#include "test_util.h"

// Built only with MPI (tests/CMakeLists.txt).
namespace {

namespace fs = std::filesystem;
using scrawl::test::emnist;
using scrawl::test::mpirun;
using scrawl::test::run_shell;
using scrawl::test::slurp;
using scrawl::test::TempDir;

float max_diff(const std::string& a, const std::string& b) {
  const scrawl::Model x = scrawl::load_model(a), y = scrawl::load_model(b);
  EXPECT_EQ(x.param_count(), y.param_count());
  float d = 0;
  for (size_t i = 0; i < x.param_count(); ++i) d = std::max(d, std::abs(x.params()[i] - y.params()[i]));
  return d;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// An MLP with dropout and augmentation, 2 epochs of 1,001 samples in batches of 32 (the last of 9 rows).
TEST(MpiTrain, TwoRanksTrainWhatOneProcessTrains) {
  TempDir dir;
  const std::string args = "train --train " + emnist("train300") + " --valid " + emnist("valid") +
                           " --arch fc32,relu,dropout0.3,fc36 --epochs 2 --epoch-size 1001 --batch 32 --augment 0.3"
                           " --page-redraw 0.2 --optimizer adam --lr 0.003 --seed 4 --threads 1";
  const auto one = run_shell(scrawl::test::scrawl_binary() + " " + args + " --out " + (dir / "one.scrawl"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto two = run_shell(mpirun(2) + scrawl::test::scrawl_binary() + " " + args + " --out " + (dir / "two.scrawl") +
                             " --curves " + (dir / "two.csv"));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_LT(max_diff(dir / "one.scrawl", dir / "two.scrawl"), 1e-5f);
  // Rank 0 alone prints: the banner names the ranks, each epoch appears once, with one process's figures.
  EXPECT_EQ(count(two.out, "2 ranks"), 1u) << two.out;
  EXPECT_EQ(count(two.out, "epoch   1"), 1u) << two.out;
  EXPECT_EQ(count(two.out, "epoch   2"), 1u) << two.out;
  const std::string first_epoch = one.out.substr(one.out.find("epoch   1"), 70);  // up to the timing
  EXPECT_NE(two.out.find(first_epoch), std::string::npos) << one.out << "\n---\n" << two.out;
  EXPECT_EQ(count(slurp(dir / "two.csv"), "\n"), 3u);
}

// The pid of the scrawl process that is rank `rank` of a job whose command line holds `tag`, or -1.
int rank_pid(const std::string& tag, int rank) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string cmdline = slurp(e.path() / "cmdline"), environ = slurp(e.path() / "environ");
    if (cmdline.find(tag) == std::string::npos || cmdline.find("scrawl") == std::string::npos) continue;
    if (environ.find(std::string("OMPI_COMM_WORLD_RANK=") + std::to_string(rank) + '\0') != std::string::npos)
      return std::stoi(name);
  }
  return -1;
}

// Rank 1 is killed once the first checkpoint exists: mpirun fails the job naming the rank, and `--resume` under
// MPI ends with the bytes of an uninterrupted run (two ranks sum in one order every time, so 2-rank runs repeat
// bit for bit).
TEST(MpiTrain, ARankThatDiesFailsTheJobAndTheCheckpointResumes) {
  TempDir dir;
  const std::string args = "-q train --train " + emnist("train300") + " --valid " + emnist("valid") +
                           " --arch conv3x3x8,relu,pool2,fc32,relu,fc36 --epochs 4 --batch 32 --optimizer adam"
                           " --lr 0.002 --seed 3 --threads 1";
  const auto whole = run_shell(mpirun(2) + scrawl::test::scrawl_binary() + " " + args + " --out " + (dir / "a.scrawl"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const std::string ck = dir / "ck";
  const std::string job = mpirun(2) + scrawl::test::scrawl_binary() + " " + args + " --checkpoint " + ck + " --out " +
                          (dir / "b.scrawl") + " >/dev/null 2>" + (dir / "err.txt") + "; echo $? >" + (dir / "rc");
  ASSERT_EQ(std::system(("(" + job + ") &").c_str()), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(ck + "/checkpoint.cbor") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int pid = rank_pid(ck, 1);
  ASSERT_GT(pid, 0) << "rank 1 not found";
  ::kill(pid, SIGKILL);
  while (!fs::exists(dir / "rc") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the shell has finished writing rc
  EXPECT_NE(slurp(dir / "rc"), "0\n");
  const std::string err = slurp(dir / "err.txt");
  EXPECT_NE(err.find("rank 1"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir / "b.scrawl"));
  const auto resumed = run_shell(mpirun(2) + scrawl::test::scrawl_binary() + " " + args + " --resume " + ck +
                                 " --out " + (dir / "b.scrawl"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(slurp(dir / "a.scrawl") == slurp(dir / "b.scrawl")) << "resumed model differs from the uninterrupted";
}

TEST(MpiTrain, TwoRanksTrainTheLineModelOneProcessTrains) {
  TempDir dir;
  const std::string args = "train-line --train " + emnist("train300") + " --valid " + emnist("valid") +
                           " --arch conv3x3x4s2p1,relu,conv3x3x4s2p1,relu,seq,tconv3x8,relu,tconv1x38 --epochs 2"
                           " --steps 3 --batch 5 --valid-lines 7 --seed 2 --threads 1";
  const auto one = run_shell(scrawl::test::scrawl_binary() + " " + args + " --out " + (dir / "one.scrawl"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto two = run_shell(mpirun(2) + scrawl::test::scrawl_binary() + " " + args + " --out " + (dir / "two.scrawl"));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_LT(max_diff(dir / "one.scrawl", dir / "two.scrawl"), 1e-5f);
  EXPECT_EQ(count(two.out, "epoch   2"), 1u) << two.out;
  const std::string first_epoch = one.out.substr(0, one.out.find("valid CER"));
  EXPECT_EQ(two.out.substr(0, two.out.find("valid CER")), first_epoch);
}
}  // namespace
