// Plots: valid PNGs of the promised size with ink where the data is; weight tiles in the documented places.
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "scrawl/report/html_report.h"
#include "scrawl/report/plots.h"
#include "test_util.h"

using namespace scrawl;

namespace {

cv::Mat decode(const std::string& png) {
  std::vector<uchar> buf(png.begin(), png.end());
  return cv::imdecode(buf, cv::IMREAD_COLOR);
}

// Pixels in `roi` that are far from white.
int inked(const cv::Mat& img, const cv::Rect& roi) {
  int n = 0;
  for (int y = roi.y; y < roi.y + roi.height; ++y)
    for (int x = roi.x; x < roi.x + roi.width; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      n += p[0] + p[1] + p[2] < 3 * 200;
    }
  return n;
}

// Pixels close to matplotlib's first colour (BGR 180,119,31), i.e. the first series' line.
int first_series_pixels(const cv::Mat& img, const cv::Rect& roi) {
  int n = 0;
  for (int y = roi.y; y < roi.y + roi.height; ++y)
    for (int x = roi.x; x < roi.x + roi.width; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      n += std::abs(p[0] - 180) < 30 && std::abs(p[1] - 119) < 30 && std::abs(p[2] - 31) < 30;
    }
  return n;
}

Dense make_dense(int outputs, std::vector<float>& w, std::vector<float>& dw) {
  Dense d(outputs);
  d.setup(Shape{1, 28, 28});
  w.assign(d.param_count(), 0.f);
  dw.assign(d.param_count(), 0.f);
  d.bind(w.data(), dw.data());
  return d;
}

}  // namespace

TEST(Plots, LinePlotIsAnImageOfTheRequestedSizeWithTheLineWhereTheDataIs) {
  LinePlot p;
  p.title = "t";
  p.xlabel = "epoch";
  p.ylabel = "loss";
  // A rising line: low on the left, high on the right.
  PlotSeries s{"train", {}, {}};
  for (int i = 0; i <= 50; ++i) s.x.push_back(i), s.y.push_back(i);
  p.series = {s};
  const cv::Mat img = decode(png_bytes(draw_line_plot(p)));
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 800);
  EXPECT_EQ(img.rows, 500);
  // Corner pixels are background.
  EXPECT_EQ(img.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(img.at<cv::Vec3b>(498, 798), cv::Vec3b(255, 255, 255));
  // The line's colour shows up bottom-left and top-right of the middle of the picture, not top-left.
  const cv::Rect bottom_left(150, 300, 150, 120), top_right(550, 70, 150, 120), top_left(150, 120, 150, 120);
  EXPECT_GT(first_series_pixels(img, bottom_left), 50);
  EXPECT_GT(first_series_pixels(img, top_right), 50);
  EXPECT_EQ(first_series_pixels(img, top_left), 0);
  // Text and axes: something dark along the left and bottom margins.
  EXPECT_GT(inked(img, cv::Rect(0, 50, 70, 400)), 100);
  EXPECT_GT(inked(img, cv::Rect(60, 440, 700, 60)), 100);
}

TEST(Plots, LinePlotSurvivesEmptyNanAndFlatSeries) {
  LinePlot p;
  p.width = 400;
  p.height = 300;
  PlotSeries flat{"flat", {1, 2, 3}, {0.5, 0.5, 0.5}};
  PlotSeries gaps{"gaps", {1, 2, 3, 4}, {NAN, 1.0, INFINITY, 2.0}};
  PlotSeries empty{"empty", {}, {}};
  p.series = {flat, gaps, empty};
  const cv::Mat img = draw_line_plot(p);
  EXPECT_EQ(img.cols, 400);
  EXPECT_EQ(img.rows, 300);
  EXPECT_GT(inked(img, cv::Rect(0, 0, 400, 300)), 200);
  p.series.clear();
  EXPECT_EQ(draw_line_plot(p).rows, 300);
}

TEST(Plots, WeightGridPutsUnitKInTileK) {
  std::vector<float> w, dw;
  Dense d = make_dense(64, w, dw);
  // Unit k has one large weight at pixel p_k = 12k+5 (row-major 28x28), a small negative one elsewhere.
  for (int k = 0; k < 64; ++k) {
    for (int i = 0; i < 784; ++i) w[static_cast<size_t>(i) * 64 + k] = -0.1f * k;
    w[static_cast<size_t>(12 * k + 5) * 64 + k] = 3.f;
  }
  const int scale = 4, cols = 8, tile = 28 * scale, pad = kWeightGridPad;
  const cv::Mat img = decode(png_bytes(draw_weight_grid(d, 28, 28, cols, scale)));
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, pad + 8 * (tile + pad));
  EXPECT_EQ(img.rows, pad + 8 * (tile + pad));
  auto px = [&](int k, int pixel) {
    const int ox = pad + (k % cols) * (tile + pad), oy = pad + (k / cols) * (tile + pad);
    const int y = oy + (pixel / 28) * scale + scale / 2, x = ox + (pixel % 28) * scale + scale / 2;
    return static_cast<int>(img.at<cv::Vec3b>(y, x)[1]);
  };
  for (int k = 0; k < 64; ++k) {
    EXPECT_EQ(px(k, 12 * k + 5), 255) << "unit " << k << " bright pixel";
    EXPECT_EQ(px(k, (12 * k + 6) % 784), 0) << "unit " << k << " background";
    EXPECT_EQ(px(k, (12 * ((k + 1) % 64) + 5)), 0) << "unit " << k << " has unit " << (k + 1) % 64 << "'s pixel";
  }
}

TEST(Plots, WeightGridRejectsAMismatchedImageSize) {
  std::vector<float> w, dw;
  Dense d = make_dense(10, w, dw);
  EXPECT_THROW(draw_weight_grid(d, 32, 32), std::runtime_error);
  // Fewer than 64 units: one row of 8, then the rest.
  const cv::Mat img = draw_weight_grid(d, 28, 28, 8, 2);
  EXPECT_EQ(img.rows, kWeightGridPad + 2 * (56 + kWeightGridPad));
}

TEST(Plots, MaxUnitDifferenceIsZeroOnlyForIdenticalUnits) {
  std::vector<float> w, dw;
  Dense d = make_dense(5, w, dw);
  for (int i = 0; i < 784; ++i)
    for (int k = 0; k < 5; ++k) w[static_cast<size_t>(i) * 5 + k] = 0.01f * (i % 7);
  EXPECT_EQ(max_unit_difference(d), 0.0);
  w[static_cast<size_t>(300) * 5 + 3] += 0.5f;
  EXPECT_NEAR(max_unit_difference(d), 0.5, 1e-6);
}

TEST(Plots, ConfusionPngHasOneRowPerClassAndIsWrittenAtomically) {
  Evaluation ev;
  ev.confusion = {{5, 1, 0}, {0, 4, 2}, {1, 0, 6}};
  test::TempDir dir;
  const std::string path = dir / "c.png";
  write_confusion_png(path, ev, "ABC");
  const cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
  ASSERT_FALSE(img.empty());
  EXPECT_GT(img.rows, 3 * 18);
  EXPECT_GT(inked(img, cv::Rect(0, 0, img.cols, img.rows)), 100);
  // A class count that does not match the matrix is an error, not a garbage picture.
  EXPECT_THROW(draw_confusion(ev, "AB"), std::runtime_error);
  EXPECT_THROW(write_confusion_png(dir / "missing/c.png", ev, "ABC"), std::runtime_error);
}

TEST(Plots, GlyphIsDarkInkOnWhitePaper) {
  std::vector<float> g(28 * 28, 0.f);
  g[14 * 28 + 3] = 1.f;  // one ink pixel at row 14, column 3
  const cv::Mat img = draw_glyph(g.data(), 28, 28, 3);
  ASSERT_EQ(img.rows, 84);
  EXPECT_EQ(img.at<uchar>(14 * 3 + 1, 3 * 3 + 1), 0);
  EXPECT_EQ(img.at<uchar>(3 * 3 + 1, 14 * 3 + 1), 255);
}

TEST(Report, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Report, HtmlEscapeEscapesMarkup) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  // One escape serves HTML and hOCR (XML): the C0 controls XML forbids are dropped, tab and newline kept.
  EXPECT_EQ(html_escape(std::string("a\x01\tb\r\nc\x1f", 8)), "a\tb\nc");
}
