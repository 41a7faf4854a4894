// Batch reading (issue 17, part 1): folders and --list as inputs, one result per page under --out-dir named after
// the input (same names in two folders kept apart), resumable, a summary of every page, bad pages not stopping
// the batch.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "scrawl/image/pdf_write.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using scrawl::test::TempDir;

cv::Mat text_page(const std::string& text) {
  cv::Mat page(300, 900, CV_8U, cv::Scalar(240));
  cv::putText(page, text, cv::Point(60, 160), cv::FONT_HERSHEY_SIMPLEX, 40 / 22.0, cv::Scalar(20), 4, cv::LINE_AA);
  return page;
}

std::string jpeg(const cv::Mat& m) {
  std::vector<uint8_t> b;
  cv::imencode(".jpg", m, b);
  return {b.begin(), b.end()};
}

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// The summary's rows (header left out) as "path page status".
std::vector<std::string> summary(const fs::path& dir) {
  std::ifstream in(dir / "summary.tsv");
  std::vector<std::string> rows;
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "path\tpage\tstatus\tseconds\tresult\terror");
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string path, page, status;
    std::getline(f, path, '\t');
    std::getline(f, page, '\t');
    std::getline(f, status, '\t');
    rows.push_back(path + " " + page + " " + status);
  }
  return rows;
}

// A folder holding x.png twice (in a/ and b/), a two-page PDF and a broken image.
struct Batch : ::testing::Test {
  TempDir tmp;
  fs::path in, out;
  std::string model = scrawl::test::source_dir() + "/models/default.scrawl";
  void SetUp() override {
    in = tmp.path / "in";
    out = tmp.path / "out";
    fs::create_directories(in / "a");
    fs::create_directories(in / "b");
    cv::imwrite((in / "a" / "x.png").string(), text_page("ALPHA"));
    cv::imwrite((in / "b" / "x.png").string(), text_page("BRAVO"));
    const cv::Mat p1 = text_page("PAGE ONE"), p2 = text_page("SECOND 42");
    write(in / "b" / "doc.pdf", scrawl::pdf_of_jpegs({{jpeg(p1), p1.size(), true}, {jpeg(p2), p2.size(), true}}, 300));
    write(in / "a" / "broken.png", "\x89PNG\r\n\x1a\nnot really");
  }
  scrawl::test::RunResult read(const std::string& args) {
    return scrawl::test::run_scrawl("read --model " + model + " " + args);
  }
  std::string result(const std::string& rel) { return scrawl::test::slurp((out / rel).string()); }
};

TEST_F(Batch, AFolderReadsIntoOneFilePerPageAndABadPageDoesNotStopIt) {
  const std::string ins = in.string(), outs = out.string();
  const auto r = read(ins + " --out-dir " + outs + " --jobs 2");
  EXPECT_EQ(r.exit_code, 1);  // one page failed
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("broken.png: "), std::string::npos) << r.err;
  const std::string rel = fs::path(ins).relative_path().string();
  EXPECT_EQ(result(rel + "/a/x.png.txt"), "ALPHA\n");
  EXPECT_EQ(result(rel + "/b/x.png.txt"), "BRAVO\n");
  EXPECT_EQ(result(rel + "/b/doc.pdf.page1.txt"), "PAGE ONE\n");
  EXPECT_EQ(result(rel + "/b/doc.pdf.page2.txt"), "SECOND 42\n");
  EXPECT_FALSE(fs::exists(out / rel / "a" / "broken.png.txt"));
  // Sorted folder order; every page with its status.
  EXPECT_EQ(summary(out),
            (std::vector<std::string>{ins + "/a/broken.png 1 failed", ins + "/a/x.png 1 read",
                                      ins + "/b/doc.pdf 1 read", ins + "/b/doc.pdf 2 read", ins + "/b/x.png 1 read"}));
  // The same results as reading each page on its own.
  EXPECT_EQ(result(rel + "/b/x.png.txt"), read((in / "b" / "x.png").string()).out);
}

TEST_F(Batch, ARestartSkipsWhatIsDoneAndForceRereads) {
  const std::string ins = in.string(), outs = out.string();
  read(ins + " --out-dir " + outs);
  const std::string rel = fs::path(ins).relative_path().string();
  fs::remove(out / rel / "b" / "doc.pdf.page2.txt");  // as if the job had stopped there
  read(ins + " --out-dir " + outs);
  EXPECT_EQ(summary(out), (std::vector<std::string>{ins + "/a/broken.png 1 failed", ins + "/a/x.png 1 skipped",
                                                    ins + "/b/doc.pdf 1 skipped", ins + "/b/doc.pdf 2 read",
                                                    ins + "/b/x.png 1 skipped"}));
  EXPECT_EQ(result(rel + "/b/doc.pdf.page2.txt"), "SECOND 42\n");
  read(ins + " --out-dir " + outs + " --force");
  EXPECT_EQ(summary(out)[1], ins + "/a/x.png 1 read");
}

TEST_F(Batch, AListFileAndOtherFormats) {
  write(tmp.path / "list.txt",
        "# pages to read\n" + (in / "a" / "x.png").string() + "\n\n" + (in / "b" / "doc.pdf").string() + "\n");
  const auto r = read("--list " + (tmp.path / "list.txt").string() + " --format json --out-dir " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string rel = fs::path(in).relative_path().string();
  EXPECT_NE(result(rel + "/a/x.png.json").find("\"text\": \"ALPHA\\n\""), std::string::npos);
  EXPECT_NE(result(rel + "/b/doc.pdf.page2.json").find("\"page\": 2"), std::string::npos);
  EXPECT_EQ(summary(out).size(), 3u);
  // PAGE XML holds one page per file: with --out-dir a PDF of two pages is fine.
  EXPECT_EQ(read((in / "b" / "doc.pdf").string() + " --format page --out-dir " + out.string()).exit_code, 0);
  EXPECT_NE(result(rel + "/b/doc.pdf.page2.page.xml").find("<Unicode>SECOND 42</Unicode>"), std::string::npos);
  EXPECT_EQ(read("--list " + (tmp.path / "missing.txt").string()).exit_code, 1);
  EXPECT_EQ(read("--force " + in.string()).exit_code, 2);
}

#ifdef SCRAWL_TEST_MPI
// mpirun -np 2 on this machine's loopback (as root: OpenMPI's documented variables allow it) gives the files of a
// one-process run, byte for byte; the summary lists the same pages with the same statuses.
TEST_F(Batch, TwoMpiRanksWriteWhatOneProcessWrites) {
  const std::string ins = in.string();
  const fs::path one = tmp.path / "one", two = tmp.path / "two";
  read(ins + " --out-dir " + one.string() + " -q");
  const std::string cmd = scrawl::test::mpirun(2) + scrawl::test::scrawl_binary() + " read --model " + model + " " +
                          ins + " --out-dir " + two.string() + " -q 2>" + (tmp.path / "err.txt").string();
  const int status = std::system(cmd.c_str());
  EXPECT_NE(status, 0);  // the broken page fails the run on every rank
  EXPECT_NE(scrawl::test::slurp((tmp.path / "err.txt").string()).find("broken.png: "), std::string::npos);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(one)) {
    if (!e.is_regular_file() || e.path().filename() == "summary.tsv") continue;
    const fs::path other = two / fs::relative(e.path(), one);
    EXPECT_EQ(scrawl::test::slurp(other.string()), scrawl::test::slurp(e.path().string())) << other;
    ++files;
  }
  EXPECT_EQ(files, 4u);
  EXPECT_EQ(summary(two), summary(one));
  // A rerun under MPI skips every page that is done.
  std::system(cmd.c_str());
  for (const auto& row : summary(two)) EXPECT_TRUE(row.ends_with(" skipped") || row.ends_with(" failed")) << row;
}
#endif

}  // namespace
