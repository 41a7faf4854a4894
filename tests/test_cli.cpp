// The CLI end to end: training on the real data, eval output, usage errors, bad input, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "scrawl/nn/model_io.h"
#include "test_util.h"

using scrawl::test::emnist;
using scrawl::test::run_scrawl;
using scrawl::test::slurp;
using scrawl::test::TempDir;

namespace {
int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}
}  // namespace

TEST(Cli, TrainFewEpochsOnTrain300BeatsHalfAndEvalReportsIt) {
  TempDir dir;
  const auto r = run_scrawl("train --train " + emnist("train300") + " --valid " + emnist("valid") +
                            " --epochs 4 --seed 3 --out " + (dir / "m.scrawl") + " --curves " + (dir / "c.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("epoch   4"), std::string::npos) << r.out;
  const std::string csv = slurp(dir / "c.csv");
  EXPECT_EQ(count_lines(csv), 5) << csv;
  // valid_acc is the 5th column of the last row
  std::string last = csv.substr(csv.rfind('\n', csv.size() - 2) + 1);
  for (int i = 0; i < 4; ++i) last = last.substr(last.find(',') + 1);
  EXPECT_GT(std::stod(last), 0.5) << csv;

  const auto e = run_scrawl("eval --json --model " + (dir / "m.scrawl") + " --data " + emnist("test"));
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j["n"], 1800);
  EXPECT_GT(j["accuracy"].get<double>(), 0.5);
  EXPECT_NEAR(j["balanced_accuracy"].get<double>(), j["accuracy"].get<double>(), 1e-9)
      << "test has 50 per class, so balanced == plain accuracy";
  EXPECT_EQ(j["per_class"].size(), 36u);
  EXPECT_EQ(j["confused_pairs"].size(), 10u);
}

TEST(Cli, SameSeedSameModelBytes) {
  TempDir dir;
  for (const char* name : {"a.scrawl", "b.scrawl"}) {
    const auto r = run_scrawl("-q train --train " + emnist("train300") + " --epochs 1 --seed 9 --out " + (dir / name));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto r =
      run_scrawl("-q train --train " + emnist("train300") + " --epochs 1 --seed 10 --out " + (dir / "c.scrawl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp(dir / "a.scrawl"), slurp(dir / "b.scrawl"));
  EXPECT_NE(slurp(dir / "a.scrawl"), slurp(dir / "c.scrawl"));
}

TEST(Cli, UsageErrorsExitTwoWithOneLine) {
  for (const std::string args : {"train --bogus-flag", "frobnicate", "train --train x", "eval --data"}) {
    const auto r = run_scrawl(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << args << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << args;
  }
}

TEST(Cli, HelpAndVersion) {
  for (const std::string cmd : {"", "train ", "eval "}) {
    const auto r = run_scrawl(cmd + "--help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd;
  }
  const auto v = run_scrawl("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("scrawl " SCRAWL_VERSION), std::string::npos) << v.out;
}

TEST(Cli, BadInputIsOneLineExitOneNoPartialOutput) {
  TempDir dir;
  struct Case {
    std::string args, must_mention;
  } cases[] = {
      {"train --train " + (dir / "nope") + " --out " + (dir / "m.scrawl"), "nope-images-idx3-ubyte"},
      {"train --train " + emnist("train300") + " --arch fc64,sigmoid,fc10 --epochs 1 --out " + (dir / "m.scrawl"),
       "36 classes"},
      {"train --train " + emnist("train300") + " --arch fc64,wobble,fc36 --out " + (dir / "m.scrawl"), "wobble"},
      {"train --train " + emnist("train300") + " --epochs 1 --out /nonexistent-dir/m.scrawl", "/nonexistent-dir"},
      {"eval --model " + (dir / "missing.scrawl") + " --data " + emnist("test"), "missing.scrawl"},
      {"eval --model " + scrawl::test::source_dir() + "/CMakeLists.txt --data " + emnist("test"), "CMakeLists.txt"},
  };
  for (const auto& c : cases) {
    const auto r = run_scrawl(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.must_mention), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "m.scrawl"));
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) ADD_FAILURE() << "left behind: " << e.path();
}

TEST(Cli, TrainsFromCourseMatFile) {
  TempDir dir;
  const std::string mat = scrawl::test::data_dir() + "/nist26/nist26_valid.mat";
  const auto r = run_scrawl("-q train --train " + mat + " --arch fc32,sigmoid,fc26 --epochs 3 --lr 0.05 --out " +
                            (dir / "m.scrawl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto e = run_scrawl("eval --json --model " + (dir / "m.scrawl") + " --data " + mat);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j["n"], 1300);
  EXPECT_GT(j["accuracy"].get<double>(), 1.5 / 26) << "better than chance after 3 epochs";
}

TEST(Cli, TrainLineWritesALineModelAndResumesByteIdentically) {
  TempDir dir;
  const std::string args = "-q train-line --train " + emnist("train300") + " --valid " + emnist("valid") +
                           " --arch conv3x3x4s2p1,relu,conv3x3x4s2p1,relu,seq,tconv3x8,relu,tconv1x38 --steps 3"
                           " --batch 4 --valid-lines 4 --seed 2 --threads 1";
  const auto whole = run_scrawl(args + " --epochs 2 --out " + (dir / "a.scrawl") + " --curves " + (dir / "c.csv"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(count_lines(slurp(dir / "c.csv")), 3);
  const auto first = run_scrawl(args + " --epochs 1 --checkpoint " + (dir / "ck") + " --out " + (dir / "b1.scrawl"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto resumed = run_scrawl(args + " --epochs 2 --resume " + (dir / "ck") + " --out " + (dir / "b.scrawl"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const std::string a = slurp(dir / "a.scrawl");
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == slurp(dir / "b.scrawl")) << "resumed line model differs from the uninterrupted one";
  // Bad input: one line naming the problem, exit 1, no model.
  const auto bad = run_scrawl("train-line --train " + (dir / "missing") + " --valid " + emnist("valid") + " --out " +
                              (dir / "x.scrawl"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("missing"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.scrawl"));
  // --init: fine-tuning starts from the given model's parameters: at a vanishing rate the result is that model
  // (while a second epoch at the real rate moves the parameters: the comparison can fail); another architecture
  // is refused.
  const auto tuned =
      run_scrawl(args + " --epochs 1 --lr 1e-12 --init " + (dir / "b1.scrawl") + " --out " + (dir / "t.scrawl"));
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  auto max_diff = [](const scrawl::Model& x, const scrawl::Model& y) {
    float d = 0;
    for (size_t i = 0; i < x.param_count(); ++i) d = std::max(d, std::abs(x.params()[i] - y.params()[i]));
    return d;
  };
  const scrawl::Model b1 = scrawl::load_model(dir / "b1.scrawl");
  EXPECT_LT(max_diff(scrawl::load_model(dir / "t.scrawl"), b1), 1e-6f);
  EXPECT_GT(max_diff(scrawl::load_model(dir / "a.scrawl"), b1), 1e-4f);
  const auto other = run_scrawl("-q train-line --train " + emnist("train300") + " --valid " + emnist("valid") +
                                " --arch conv3x3x4s2p1,relu,conv3x3x4s2p1,relu,seq,tconv1x38 --steps 1 --batch 2"
                                " --valid-lines 2 --epochs 1 --init " +
                                (dir / "b1.scrawl") + " --out " + (dir / "y.scrawl"));
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("not a line model of this run's architecture"), std::string::npos) << other.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "y.scrawl"));
}

TEST(Cli, TrainLineDrawsFontsPencilAndJpegAndSaysWhatTheyNeed) {
  // Lines with Hershey glyphs, pencil and a real JPEG round trip (image/codec's libjpeg) train and resume like any;
  // --pencil and --jpeg without --degrade are refused in one line, with no model written.
  TempDir dir;
  const std::string args = "-q train-line --train " + emnist("train300") + " --valid " + emnist("valid") +
                           " --arch conv3x3x4s2p1,relu,conv3x3x4s2p1,relu,seq,tconv3x8,relu,tconv1x38 --steps 3"
                           " --batch 4 --valid-lines 4 --seed 2 --threads 1 --fonts 0.5";
  const std::string photo = " --degrade --pencil 0.5 --jpeg 1";
  const auto whole = run_scrawl(args + photo + " --epochs 2 --out " + (dir / "a.scrawl"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto first = run_scrawl(args + photo + " --epochs 1 --checkpoint " + (dir / "ck") + " --out " + (dir / "b1"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto resumed = run_scrawl(args + photo + " --epochs 2 --resume " + (dir / "ck") + " --out " + (dir / "b"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(slurp(dir / "a.scrawl") == slurp(dir / "b")) << "resumed line model differs from the uninterrupted one";
  const auto plain = run_scrawl(args + " --epochs 2 --out " + (dir / "p.scrawl"));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(slurp(dir / "a.scrawl") == slurp(dir / "p.scrawl"));  // the options change what is drawn
  for (const char* opt : {" --pencil 0.5", " --jpeg 0.5"}) {
    const auto bad = run_scrawl(args + opt + " --epochs 1 --out " + (dir / "x.scrawl"));
    EXPECT_NE(bad.exit_code, 0) << opt;
    EXPECT_NE(bad.err.find("--degrade"), std::string::npos) << bad.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "x.scrawl"));
  }
}

// The README's first command prints what the README shows, and that is within one glyph of the page's ground truth
// (examples/page.txt, written when the page was drawn). Found stale in session 17: a new glyph model had changed
// one glyph of the output and nothing checked the README against it.
TEST(Cli, TheReadmesExampleIsWhatTheFirstCommandPrints) {
  const std::string src = SCRAWL_SOURCE_DIR;
  const std::string readme = slurp(src + "/README.md");
  const size_t intro = readme.find("What the first command prints");
  ASSERT_NE(intro, std::string::npos);
  const size_t open = readme.find("```\n", intro), close = readme.find("```", open + 4);
  ASSERT_NE(close, std::string::npos);
  const std::string shown = readme.substr(open + 4, close - open - 4);
  const auto r = run_scrawl("read " + src + "/examples/page.png");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, shown);
  const std::string truth = slurp(src + "/examples/page.txt");
  ASSERT_EQ(r.out.size(), truth.size()) << r.out;  // same lines and lengths: glyphs compare position by position
  int wrong = 0;
  for (size_t i = 0; i < truth.size(); ++i) wrong += r.out[i] != truth[i];
  EXPECT_LE(wrong, 1) << r.out;
}

// Which glyph model reads small writing (small_model_path), on a page of 12-16 px capitals (seed 24, never tuned
// on): the shipped small.scrawl beside the shipped glyph model; none (the glyph model reads it) when --model or
// $SCRAWL_MODEL names a model of one's own, or --small-model none; --small-model or $SCRAWL_SMALL_MODEL choose one
// anyway. --recognizer line never classifies glyphs, so a small-writing model it cannot load does not stop it.
TEST(Cli, SmallWritingReadsWithTheSmallModelBesideTheShippedOne) {
  TempDir dir;
  const auto s = run_scrawl("-q synth --glyphs " + emnist("test") + " --seed 24 --pages 1 --width 1240 --height 1754 " +
                            "--min-char-height 12 --max-char-height 16 --out " + (dir / "p"));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const std::string page = (dir / "p") + "/page_000.png";
  const std::string models = scrawl::test::source_dir() + "/models/";
  auto read = [&](const std::string& env, const std::string& args) {
    const auto r = scrawl::test::run_shell(env + " " + scrawl::test::scrawl_binary() + " read " + args + " " + page);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_FALSE(r.out.empty()) << args;
    return r.out;
  };
  const std::string shipped = read("", ""), alone = read("", "--small-model none");
  EXPECT_NE(shipped, alone);
  EXPECT_EQ(read("", "--small-model " + models + "default.scrawl"), alone);
  EXPECT_EQ(read("", "--model " + models + "default.scrawl"), alone);
  EXPECT_EQ(read("SCRAWL_MODEL=" + models + "default.scrawl", ""), alone);
  EXPECT_EQ(read("", "--model " + models + "default.scrawl --small-model " + models + "small.scrawl"), shipped);
  EXPECT_EQ(read("SCRAWL_SMALL_MODEL=" + models + "small.scrawl", "--model " + models + "default.scrawl"), shipped);
  const auto line = run_scrawl("read --recognizer line --small-model " + (dir / "none.scrawl") + " " +
                               scrawl::test::source_dir() + "/examples/page.png");
  EXPECT_EQ(line.exit_code, 0) << line.err;
  EXPECT_FALSE(line.out.empty());
}

// OpenCV takes two threads for a page read alone (kPageThreads), one for pages read in parallel: the JSON
// (boxes, confidences, alternatives) is the same either way, on a phone photo and on a small-writing form (seed 25).
TEST(Cli, APageReadsTheSameOnOneThreadAsOnTwo) {
  TempDir dir;
  const auto s = run_scrawl("-q synth --glyphs " + emnist("test") + " --seed 25 --pages 1 --form mixed --width 1240 " +
                            "--height 1754 --min-char-height 12 --max-char-height 16 --out " + (dir / "p"));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  for (const std::string& page : {scrawl::test::data_dir() + "/pages/04_deep.jpg", (dir / "p") + "/page_000.png"}) {
    const auto alone = run_scrawl("read --format json " + page),
               beside = run_scrawl("read --format json --jobs 2 " + page + " " + page);
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    ASSERT_EQ(beside.exit_code, 0) << beside.err;
    const auto pages = nlohmann::json::parse(beside.out).at("pages");
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_EQ(pages[0], nlohmann::json::parse(alone.out)) << page;
    EXPECT_EQ(pages[1], pages[0]) << page;
    EXPECT_GT(alone.out.size(), 1000u) << page;
  }
}
