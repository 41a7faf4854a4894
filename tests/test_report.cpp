// scrawl report: one self-contained HTML page with the promised sections and decodable embedded PNGs,
// rendered by a real browser to a non-blank screenshot; bad input fails cleanly with no output file.
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "scrawl/report/html_report.h"
#include "scrawl/train/train_options.h"
#include "test_util.h"

using namespace scrawl;
namespace fs = std::filesystem;

namespace {

// Independent of the code under test: a plain RFC 4648 decoder.
std::string b64_decode(const std::string& s) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : s) {
    if (c == '=') break;
    const int v = val(c);
    if (v < 0) return "";  // invalid character: not base64
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Trains the course MLP for 3 epochs on train300 once per test binary: a real model with real curves.
struct Fixture {
  test::TempDir dir;
  std::string model, curves;
  Fixture() {
    TrainOptions o;
    o.train = test::emnist("train300");
    o.valid = test::emnist("valid");
    o.cfg.epochs = 3;
    o.cfg.progress = false;
    o.out = model = dir / "m.scrawl";
    o.curves = curves = dir / "curves.csv";
    run_training(o, nullptr);
  }
};
Fixture& fixture() {
  static Fixture f;
  return f;
}

// Every src="..." attribute value (std::regex would overflow the stack on megabytes of base64).
std::vector<std::string> src_values(const std::string& html) {
  std::vector<std::string> out;
  const std::string key = "src=\"";
  for (size_t p = html.find(key); p != std::string::npos; p = html.find(key, p + 1)) {
    const size_t b = p + key.size(), e = html.find('"', b);
    if (e == std::string::npos) break;
    out.push_back(html.substr(b, e - b));
  }
  return out;
}

}  // namespace

TEST(Report, CurvesCsvRoundTripsThroughTheTrainWriter) {
  test::TempDir dir;
  std::vector<EpochStats> in(3);
  for (int i = 0; i < 3; ++i) in[i] = {i + 1, 2.5 - i, 0.3 + 0.1 * i, 2.7 - i, 0.25 + 0.1 * i, 0.01, 0.5};
  write_curves_csv(dir / "c.csv", in);
  const auto out = read_curves_csv(dir / "c.csv");
  ASSERT_EQ(out.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].epoch, i + 1);
    EXPECT_NEAR(out[i].train_loss, 2.5 - i, 1e-9);
    EXPECT_NEAR(out[i].valid_acc, 0.25 + 0.1 * i, 1e-9);
  }
}

TEST(Report, BadCurvesCsvNamesTheFile) {
  test::TempDir dir;
  std::ofstream(dir / "bad.csv") << "epoch,loss\n1,2\n";
  try {
    read_curves_csv(dir / "bad.csv");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "nan.csv") << "epoch,train_loss,train_acc,valid_loss,valid_acc\n1,x,0.5,1,0.5\n";
  EXPECT_THROW(read_curves_csv(dir / "nan.csv"), std::runtime_error);
}

TEST(Report, CliWritesOneSelfContainedPageWithEverySection) {
  auto& f = fixture();
  test::TempDir dir;
  const std::string out = dir / "r.html";
  const auto r = test::run_scrawl("report --model " + f.model + " --data " + test::emnist("test") + " --curves " +
                                  f.curves + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = slurp(out);
  ASSERT_FALSE(html.empty());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const char* id : {"summary", "model", "per-class", "confusion", "weights", "curves", "mistakes"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << "section " << id;
  EXPECT_NE(html.find("fc64,sigmoid,fc36"), std::string::npos);      // architecture
  EXPECT_EQ(html.find("in the order they run"), std::string::npos);  // no layer runs out of the written order
  EXPECT_NE(html.find("balanced accuracy"), std::string::npos);
  EXPECT_NE(html.find("optimizer"), std::string::npos);  // provenance from model.meta
  // No external resources: nothing fetched over the network or from neighbouring files.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  const std::string prefix = "data:image/png;base64,";
  const auto srcs = src_values(html);
  for (const auto& v : srcs) EXPECT_EQ(v.rfind(prefix, 0), 0u) << v.substr(0, 40);
  // Every image decodes as a PNG: confusion, weights, 2 curves, and the mistakes' glyphs.
  EXPECT_GE(srcs.size(), 4u + 10u);
  std::set<std::pair<int, int>> sizes;
  for (const auto& v : srcs) {
    const std::string bytes = b64_decode(v.substr(prefix.size()));
    ASSERT_GT(bytes.size(), 8u);
    EXPECT_EQ(bytes.substr(1, 3), "PNG");
    std::vector<uchar> buf(bytes.begin(), bytes.end());
    const cv::Mat img = cv::imdecode(buf, cv::IMREAD_COLOR);
    ASSERT_FALSE(img.empty());
    sizes.insert({img.cols, img.rows});
  }
  EXPECT_TRUE(sizes.count({800, 500})) << "learning-curve plots are 800x500";
  EXPECT_TRUE(sizes.count({84, 84})) << "mistake glyphs are 28x28 scaled 3x";
  // The headline accuracy agrees with `scrawl eval` on the same model and data.
  const auto ev = test::run_scrawl("eval --json --model " + f.model + " --data " + test::emnist("test"));
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  const double acc = nlohmann::json::parse(ev.out)["accuracy"].get<double>();
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.2f%%", 100 * acc);
  EXPECT_NE(html.find(std::string("<div class=\"v\">") + pct + "</div><div class=\"k\">accuracy"), std::string::npos)
      << "accuracy " << pct;
}

// The shipped model's ReLUs before pooling run after it (Model::layers): the layer table lists them as they run and
// says so.
TEST(Report, LayersRunOutOfTheWrittenOrderAreExplained) {
  test::TempDir dir;
  const std::string out = dir / "r.html";
  const auto r = test::run_scrawl("-q report --model " + test::source_dir() + "/models/default.scrawl --data " +
                                  test::emnist("test") + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = slurp(out);
  EXPECT_NE(html.find("in the order they run"), std::string::npos);
  const size_t pool = html.find("<code>pool2</code>"), relu = html.find("<code>relu</code>", pool);
  ASSERT_NE(pool, std::string::npos);
  EXPECT_NE(relu, std::string::npos);  // a relu after the first pool2
}

TEST(Report, WithoutCurvesThereIsNoCurvesSection) {
  auto& f = fixture();
  test::TempDir dir;
  const auto r = test::run_scrawl("-q report --model " + f.model + " --data " + test::emnist("valid") +
                                  " --worst 5 --out " + (dir / "r.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const std::string html = slurp(dir / "r.html");
  EXPECT_EQ(html.find("id=\"curves\""), std::string::npos);
  // 5 mistakes requested: 5 glyph images.
  size_t glyphs = 0;
  for (size_t p = html.find("class=\"glyph\""); p != std::string::npos; p = html.find("class=\"glyph\"", p + 1))
    ++glyphs;
  EXPECT_EQ(glyphs, 5u);
}

TEST(Report, BadInputFailsWithOneLineAndNoOutput) {
  auto& f = fixture();
  test::TempDir dir;
  const std::string out = dir / "r.html";
  auto r =
      test::run_scrawl("report --model " + (dir / "nope.scrawl") + " --data " + test::emnist("test") + " --out " + out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope.scrawl"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  std::ofstream(dir / "bad.csv") << "not,a,curves,file\n";
  r = test::run_scrawl("report --model " + f.model + " --data " + test::emnist("test") + " --curves " +
                       (dir / "bad.csv") + " --out " + out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.csv"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  r = test::run_scrawl("report --model " + f.model + " --data " + test::emnist("test"));
  EXPECT_EQ(r.exit_code, 2) << "missing --out is a usage error";
  r = test::run_scrawl("report --model " + f.model + " --data " + test::emnist("test") + " --out " +
                       (dir / "no/such/dir/r.html"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("r.html"), std::string::npos) << r.err;
  size_t left = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++left;
  EXPECT_EQ(left, 1u) << "only bad.csv: no temp files left behind";
}

TEST(Report, HeadlessChromiumRendersANonBlankPage) {
  auto& f = fixture();
  test::TempDir dir;
  const std::string html = dir / "r.html", shot = dir / "shot.png";
  auto r = test::run_scrawl("-q report --model " + f.model + " --data " + test::emnist("test") + " --curves " +
                            f.curves + " --out " + html);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string cmd =
      "timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic "
      "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" +
      (dir / "profile") + " --screenshot=" + shot + " --window-size=1200,2000 file://" + html + " >" +
      (dir / "chromium.log") + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(dir / "chromium.log");
  const cv::Mat img = cv::imread(shot, cv::IMREAD_COLOR);
  ASSERT_FALSE(img.empty()) << slurp(dir / "chromium.log");
  EXPECT_EQ(img.cols, 1200);
  EXPECT_EQ(img.rows, 2000);
  cv::Scalar mean, stddev;
  cv::meanStdDev(img, mean, stddev);
  EXPECT_GT(stddev[0] + stddev[1] + stddev[2], 30.0) << "screenshot looks blank";
  // Many distinct colours: text, the blue accuracy bars, the orange/red heat map, grey weights.
  std::set<int> colours;
  for (int y = 0; y < img.rows; y += 2)
    for (int x = 0; x < img.cols; x += 2) {
      const auto p = img.at<cv::Vec3b>(y, x);
      colours.insert((p[0] >> 4) << 8 | (p[1] >> 4) << 4 | (p[2] >> 4));
    }
  EXPECT_GT(colours.size(), 50u);
  // The page's accent blue (#3a7bd5 bars, #1f5fa8 headline numbers) is on screen: the CSS was applied.
  int blue = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      blue += p[0] > 150 && p[2] < 110 && p[0] - p[2] > 80;
    }
  EXPECT_GT(blue, 500);
}
