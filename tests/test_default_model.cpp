// The shipped model loads and still scores what models/README.md says it does on emnist36-test.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/train/metrics.h"
#include "test_util.h"

namespace scrawl {
namespace {

double recorded(const std::string& key) {
  std::ifstream f(test::source_dir() + "/models/README.md");
  EXPECT_TRUE(f) << "models/README.md missing";
  std::stringstream ss;
  ss << f.rdbuf();
  std::smatch m;
  const std::string text = ss.str();
  if (!std::regex_search(text, m, std::regex("\\n" + key + ":\\s*([0-9.]+)"))) {
    ADD_FAILURE() << "models/README.md has no '" << key << ": NUMBER' line";
    return 1.0;
  }
  return std::stod(m[1]);
}

TEST(DefaultModel, ScoresWhatTheReadmeRecords) {
  Model m = load_model(test::source_dir() + "/models/default.scrawl");
  EXPECT_EQ(m.classes(), kClasses36);
  EXPECT_EQ(m.input().shape, (Shape{1, 28, 28}));
  const Dataset test = load_dataset(test::emnist("test"), "test");
  ASSERT_EQ(test.size(), 1800);
  const Evaluation ev = evaluate(m, test);
  const double acc = recorded("test_accuracy"), bal = recorded("test_balanced_accuracy");
  EXPECT_GT(acc, 0.5);  // a README number that parsed as something silly fails here, not silently
  EXPECT_GE(ev.accuracy, acc - 0.005) << "recorded " << acc;
  EXPECT_GE(ev.balanced_accuracy, bal - 0.005) << "recorded " << bal;
  std::printf("default model: accuracy %.4f (recorded %.4f), balanced %.4f (recorded %.4f)\n", ev.accuracy, acc,
              ev.balanced_accuracy, bal);
}

}  // namespace
}  // namespace scrawl
