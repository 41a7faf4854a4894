// scrawl study end to end on train300 with a few epochs: every promised file exists, PNGs decode, the
// summary numbers are sane, and zero initialization leaves the hidden units identical.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "scrawl/nn/model_io.h"
#include "scrawl/train/train_options.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

struct StudyRun {
  scrawl::test::TempDir dir;
  scrawl::test::RunResult result;
  nlohmann::json summary;
  StudyRun() {
    using scrawl::test::emnist;
    result =
        scrawl::test::run_scrawl("study --train " + emnist("train300") + " --valid " + emnist("valid") + " --test " +
                                 emnist("test") + " --epochs 5 --lrs 0.003,0.03,0.3 --seed 3 --out " + (dir / "s"));
    if (fs::exists(dir / "s/summary.json")) summary = nlohmann::json::parse(slurp(dir / "s/summary.json"));
  }
};
StudyRun& study() {
  static StudyRun s;
  return s;
}

}  // namespace

TEST(Study, RunsAndWritesEveryFile) {
  auto& s = study();
  ASSERT_EQ(s.result.exit_code, 0) << s.result.err;
  const std::string out = s.dir / "s";
  for (const char* f : {"summary.md", "summary.json", "report.html", "best.scrawl", "lr_search.png",
                        "weights_before.png", "weights_after.png", "weights_zero.png", "confusion_test.png",
                        "loss_zero.png", "acc_zero.png", "curves_zero.csv"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  // Runs at the best rate, 10x and 0.1x it, each with loss and accuracy plots that decode.
  ASSERT_EQ(s.summary["runs"].size(), 3u);
  for (const auto& r : s.summary["runs"])
    for (const char* key : {"loss_png", "acc_png"}) {
      const cv::Mat img = cv::imread(out + "/" + r[key].get<std::string>(), cv::IMREAD_COLOR);
      ASSERT_FALSE(img.empty()) << r[key];
      EXPECT_EQ(img.cols, 800);
      EXPECT_EQ(img.rows, 500);
    }
  const cv::Mat grid = cv::imread(out + "/weights_after.png", cv::IMREAD_COLOR);
  ASSERT_FALSE(grid.empty());
  EXPECT_GE(grid.cols, 8 * 28 * 2) << "8 tiles of 28 pixels, scaled up";
  // Progress: one line per run on stderr (3 search runs, 2 new runs at 10x/0.1x unless reused, zero init).
  EXPECT_GE(std::count(s.result.err.begin(), s.result.err.end(), '\n'), 4) << s.result.err;
}

TEST(Study, SummaryNumbersAreSane) {
  auto& s = study();
  ASSERT_EQ(s.result.exit_code, 0) << s.result.err;
  const auto& j = s.summary;
  ASSERT_EQ(j["lr_search"].size(), 3u);
  // The best rate is the search's highest final valid accuracy.
  double best_valid = 0;
  float best_lr = 0;
  for (const auto& r : j["lr_search"])
    if (!r["diverged"].get<bool>() && r["final_valid_acc"].get<double>() > best_valid)
      best_valid = r["final_valid_acc"], best_lr = r["lr"];
  EXPECT_FLOAT_EQ(j["best_lr"].get<float>(), best_lr);
  EXPECT_GT(j["best"]["valid_acc"].get<double>(), 0.5);
  EXPECT_GT(j["best"]["test_acc"].get<double>(), 0.5);
  EXPECT_LE(j["best"]["test_acc"].get<double>(), 1.0);
  EXPECT_FLOAT_EQ(j["runs"][0]["lr"].get<float>(), best_lr);
  EXPECT_NEAR(j["runs"][1]["lr"].get<double>(), 10 * best_lr, 1e-6 * best_lr);
  EXPECT_NEAR(j["runs"][2]["lr"].get<double>(), 0.1 * best_lr, 1e-6 * best_lr);
  EXPECT_EQ(j["runs"][0]["epochs"].get<int>(), 5);
  EXPECT_FALSE(j["best"]["confused_pairs"].empty());
  // Zero init: the 64 hidden units collapse into a few groups of identical units (exactly one in exact
  // arithmetic; float rounding splits off a few column blocks), far worse than the random init's 64.
  EXPECT_LE(j["zero_init"]["distinct_units"].get<int>(), 8);
  EXPECT_EQ(j["best"]["distinct_units"].get<int>(), 64);
  EXPECT_GT(j["best"]["max_unit_diff"].get<double>(), 0.01);
  EXPECT_EQ(j["zero_init"]["max_unit_diff_per_epoch"].size(), 5u);
  EXPECT_LT(j["zero_init"]["final_valid_acc"].get<double>(), j["best"]["valid_acc"].get<double>() - 0.2);
  // The markdown carries the same numbers and links the pictures.
  const std::string md = slurp(s.dir / "s/summary.md");
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.2f%%", 100 * j["best"]["test_acc"].get<double>());
  EXPECT_NE(md.find(pct), std::string::npos) << pct;
  EXPECT_NE(md.find("](confusion_test.png)"), std::string::npos);
  EXPECT_NE(md.find("](weights_before.png)"), std::string::npos);
  const std::string html = slurp(s.dir / "s/report.html");
  EXPECT_NE(html.find("id=\"study\""), std::string::npos);
  EXPECT_NE(html.find("id=\"mistakes\""), std::string::npos);
}

TEST(Study, BestModelRecordsWhatATrainedModelRecords) {
  auto& s = study();
  ASSERT_EQ(s.result.exit_code, 0) << s.result.err;
  const auto meta = nlohmann::json::parse(scrawl::load_model(s.dir / "s/best.scrawl").meta_json);
  const auto& trained = meta.at("trained");
  const nlohmann::json train_keys = scrawl::hyperparameters(scrawl::TrainOptions{});
  for (const auto& [key, value] : train_keys.items())
    EXPECT_TRUE(trained.contains(key)) << key << " missing from " << trained.dump();
  EXPECT_FLOAT_EQ(trained["lr"].get<float>(), s.summary["best_lr"].get<float>());
  EXPECT_EQ(trained["epochs"], 5);
  EXPECT_EQ(trained["seed"], 3);
  EXPECT_EQ(trained["init"], "auto");
  EXPECT_EQ(trained["by"], "scrawl study");
}

TEST(Study, ADivergedRateIsAResultNotAnError) {
  using scrawl::test::emnist;
  scrawl::test::TempDir dir;
  // A ReLU net under plain SGD at 1e30 overflows in its first batch; the study goes on without it.
  const auto r = scrawl::test::run_scrawl(
      "-q study --train " + emnist("train300") + " --valid " + emnist("valid") + " --test " + emnist("test") +
      " --arch fc64,relu,fc36 --optimizer sgd --epochs 1 --lrs 0.3,1e30 --out " + (dir / "s"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(slurp(dir / "s/summary.json"));
  ASSERT_EQ(j["lr_search"].size(), 2u);
  EXPECT_FALSE(j["lr_search"][0]["diverged"].get<bool>());
  EXPECT_TRUE(j["lr_search"][1]["diverged"].get<bool>());
  EXPECT_FLOAT_EQ(j["best_lr"].get<float>(), 0.3f);
}

TEST(Study, QuietPrintsNothingAndBadDataFailsCleanly) {
  using scrawl::test::emnist;
  scrawl::test::TempDir dir;
  auto r = scrawl::test::run_scrawl("-q study --train " + emnist("train300") + " --valid " + emnist("valid") +
                                    " --test " + (dir / "missing") + " --epochs 1 --out " + (dir / "s"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "s/summary.json"));
  r = scrawl::test::run_scrawl("-q study --train " + emnist("train300") + " --valid " + emnist("valid") + " --test " +
                               emnist("test") + " --epochs 1 --lrs 0.01 --out " + (dir / "q"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(fs::exists(dir / "q/summary.json"));
  r = scrawl::test::run_scrawl("study --train " + emnist("train300") + " --valid " + emnist("valid") + " --test " +
                               emnist("test") + " --lrs 0,0.1 --out " + (dir / "z"));
  EXPECT_EQ(r.exit_code, 2) << "a zero learning rate is a usage error";
}
