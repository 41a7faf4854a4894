// The shipped glyph models load and still score what their records (models/default.scores.json,
// models/small.scores.json) say on emnist36-test.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/train/metrics.h"
#include "scrawl/util/files.h"
#include "test_util.h"

namespace scrawl {
namespace {

// Half a point (9 of the 1800 glyphs): the record has 4 decimals, and another compiler or -march=native sums in
// another order and may flip a borderline glyph or two; a retrained or damaged model moves by more.
constexpr double kTolerance = 0.005;

class ShippedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedModel, ScoresWhatItsScoresFileRecords) {
  const std::string name = GetParam();
  const auto rec = nlohmann::json::parse(read_file(test::source_dir() + "/models/" + name + ".scores.json"));
  EXPECT_EQ(rec.at("model"), name + ".scrawl");
  EXPECT_EQ(rec.at("data"), "emnist36-test");
  EXPECT_NE(rec.at("command").get<std::string>().find("scrawl eval"), std::string::npos);
  const double acc = rec.at("accuracy"), bal = rec.at("balanced_accuracy");
  Model m = load_model(test::source_dir() + "/models/" + rec.at("model").get<std::string>());
  EXPECT_EQ(m.classes(), kClasses36);
  EXPECT_EQ(m.input().shape, (Shape{1, 28, 28}));
  const Dataset test = load_dataset(test::emnist("test"), "test");
  ASSERT_EQ(test.size(), rec.at("n").get<int>());
  const Evaluation ev = evaluate(m, test);
  // Either way: a model that scores better than its record also means the record is not of this model.
  EXPECT_NEAR(ev.accuracy, acc, kTolerance);
  EXPECT_NEAR(ev.balanced_accuracy, bal, kTolerance);
  std::printf("%s model: accuracy %.4f (recorded %.4f), balanced %.4f (recorded %.4f)\n", name.c_str(), ev.accuracy,
              acc, ev.balanced_accuracy, bal);
}

INSTANTIATE_TEST_SUITE_P(Models, ShippedModel, ::testing::Values("default", "small"));

}  // namespace
}  // namespace scrawl
