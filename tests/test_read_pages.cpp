// End to end on the three shared page photos with the shipped model (models/default.scrawl, or $SCRAWL_MODEL):
// exact line count, and glyph/text character error rates no worse than the recorded ratchet.
// CER is computed here with an independent Levenshtein, not with scrawl's own scorer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nn/model_io.h"
#include "ocr/reader.h"
#include "test_util.h"

namespace {

size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1 : 0)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string strip_ws(const std::string& s) {
  std::string o;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) o += c;
  return o;
}

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST(Levenshtein, KnownDistances) {
  EXPECT_EQ(levenshtein("kitten", "sitting"), 3u);
  EXPECT_EQ(levenshtein("", "abc"), 3u);
  EXPECT_EQ(levenshtein("abc", "abc"), 0u);
  EXPECT_EQ(levenshtein("ABC", "AC"), 1u);
}

struct PageCase {
  std::string name;
  double max_glyph_cer;  // ratchet: lower these when the reader improves, never raise them
  double max_text_cer;
};

class SharedPage : public ::testing::TestWithParam<PageCase> {
 protected:
  static scrawl::Reader& reader() {
    static scrawl::Reader r = [] {
      // The shipped model; a missing one is a failure, not a skip.
      const char* env = std::getenv("SCRAWL_MODEL");
      const std::string path = env && *env ? env : scrawl::test::source_dir() + "/models/default.scrawl";
      if (!std::filesystem::exists(path)) ADD_FAILURE() << "shipped model missing: " << path;
      return scrawl::Reader(scrawl::load_model(path));
    }();
    return r;
  }
};

TEST_P(SharedPage, ReadsWithinTheRatchet) {
  const PageCase& c = GetParam();
  const std::string base = scrawl::test::data_dir() + "/pages/" + c.name;
  std::ifstream in(base + ".txt");
  ASSERT_TRUE(in) << base << ".txt missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string truth = trim_newlines(ss.str());
  const std::string got = trim_newlines(scrawl::to_text(reader().read(base + ".jpg")));

  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), std::count(truth.begin(), truth.end(), '\n'))
      << "line count differs:\n"
      << got;
  const double glyph = double(levenshtein(strip_ws(truth), strip_ws(got))) / strip_ws(truth).size();
  const double text = double(levenshtein(truth, got)) / truth.size();
  EXPECT_LE(glyph, c.max_glyph_cer) << got;
  EXPECT_LE(text, c.max_text_cer) << got;
  RecordProperty("glyph_cer", std::to_string(glyph));
  RecordProperty("text_cer", std::to_string(text));
}

INSTANTIATE_TEST_SUITE_P(Pages, SharedPage,
                         ::testing::Values(PageCase{"02_letters", 0.02, 0.02}, PageCase{"03_haiku", 0.02, 0.02},
                                           PageCase{"04_deep", 0.02, 0.02}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
