// Augmentation on real EMNIST glyphs: shape kept, seeded determinism, identity at strength 0, plausible ink;
// class-balanced sampling draws every class about equally often.
#include <gtest/gtest.h>
#include <omp.h>

#include <numeric>

#include "data/dataset.h"
#include "test_util.h"
#include "train/augment.h"
#include "train/trainer.h"

namespace scrawl {
namespace {

struct Batch {
  Tensor x;
  std::vector<int> y;
};

Batch first_glyphs(int n) {
  const Dataset d = load_dataset(test::emnist("valid"), "valid");
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  for (auto& i : idx) i = (i * 37) % d.size();  // spread over classes
  Batch b;
  d.gather(b.x, b.y, idx, 0, idx.size());
  return b;
}

double ink(const float* p, int n) {
  return std::accumulate(p, p + n, 0.0);
}

TEST(Augment, KeepsShapeLabelsAndRange) {
  Batch b = first_glyphs(64);
  const auto labels = b.y;
  const Shape shape = b.x.shape;
  auto aug = make_augmenter(1.f, 28, 28);
  std::mt19937 rng(1);
  aug(b.x, rng);
  EXPECT_EQ(b.x.n, 64);
  EXPECT_EQ(b.x.shape, shape);
  EXPECT_EQ(b.x.size(), 64u * 784);
  EXPECT_EQ(b.y, labels);
  for (float v : b.x.data) {
    ASSERT_GE(v, 0.f);
    ASSERT_LE(v, 1.f);
  }
}

TEST(Augment, SameSeedSameBatchDifferentSeedDifferent) {
  const Batch orig = first_glyphs(32);
  auto aug = make_augmenter(0.6f, 28, 28);
  Tensor a = orig.x, b = orig.x, c = orig.x;
  std::mt19937 r1(5), r2(5), r3(6);
  aug(a, r1);
  aug(b, r2);
  aug(c, r3);
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(a.data, c.data);
  EXPECT_NE(a.data, orig.x.data);
  // Per-sample seeds are drawn before the parallel loop, so the thread count does not matter.
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  Tensor d = orig.x;
  std::mt19937 r4(5);
  aug(d, r4);
  omp_set_num_threads(threads);
  EXPECT_EQ(a.data, d.data);
}

TEST(Augment, StrengthZeroIsIdentity) {
  const Batch orig = first_glyphs(16);
  Tensor x = orig.x;
  std::mt19937 rng(3);
  make_augmenter(0.f, 28, 28)(x, rng);
  EXPECT_EQ(x.data, orig.x.data);
  EXPECT_THROW(make_augmenter(1.5f, 28, 28), std::runtime_error);
  EXPECT_THROW(make_augmenter(-0.1f, 28, 28), std::runtime_error);
}

TEST(Augment, InkMassStaysPlausible) {
  const Batch orig = first_glyphs(100);
  for (float s : {0.3f, 1.f}) {
    Tensor x = orig.x;
    std::mt19937 rng(9);
    make_augmenter(s, 28, 28)(x, rng);
    double ratio_sum = 0;
    for (int i = 0; i < x.n; ++i) {
      const double before = ink(orig.x.sample(i), 784), after = ink(x.sample(i), 784);
      // No glyph vanishes or floods the frame: thinning, contrast loss and scaling together stay above ~1/4.
      EXPECT_GT(after, 0.25 * before) << "sample " << i << " strength " << s;
      EXPECT_LT(after, 2.5 * before) << "sample " << i << " strength " << s;
      ratio_sum += after / before;
    }
    EXPECT_GT(ratio_sum / x.n, 0.6) << s;
    EXPECT_LT(ratio_sum / x.n, 1.4) << s;
    // Changes grow with strength but a glyph stays a glyph: mean absolute change well below the ink level.
    double diff = 0;
    for (size_t j = 0; j < x.size(); ++j) diff += std::abs(x.data[j] - orig.x.data[j]);
    std::printf("strength %.1f: mean ink ratio %.3f, mean |change| per pixel %.4f\n", s, ratio_sum / x.n,
                diff / x.size());
  }
}

TEST(BalancedSampling, EveryClassAboutEquallyOften) {
  const Dataset d = load_dataset(test::emnist("train300"), "train");
  const auto counts = d.class_counts();
  ASSERT_EQ(counts.size(), 36u);
  ASSERT_EQ(counts[20], 182);  // K: the rarest class, under 300 as the data README says
  std::mt19937 rng(2);
  const std::vector<int> order = balanced_order(d, rng);
  ASSERT_EQ(order.size(), static_cast<size_t>(d.size()));
  std::vector<int> drawn(36, 0);
  for (int i : order) ++drawn[d.labels[i]];
  const double expect = static_cast<double>(d.size()) / 36;  // ~290; binomial sd ~17
  for (int c = 0; c < 36; ++c) {
    EXPECT_GT(drawn[c], expect - 80) << d.classes[c];
    EXPECT_LT(drawn[c], expect + 80) << d.classes[c];
  }
  // Unbalanced epochs, by contrast, follow the data: K appears exactly as often as it exists.
  std::vector<int> plain(36, 0);
  for (int i : epoch_order(d.size(), rng)) ++plain[d.labels[i]];
  EXPECT_EQ(plain, counts);
}

}  // namespace
}  // namespace scrawl
