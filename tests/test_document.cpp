// Documents of several pages: PDFs rasterized with poppler and multi-page TIFFs, read page by page with every
// output format telling the pages apart; bad PDFs (encrypted, corrupt, truncated, page-size and page-count bombs)
// give one line naming the file and no output.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "scrawl/image/document.h"
#include "scrawl/image/pdf_write.h"
#include "scrawl/ocr/reader.h"
#include "test_util.h"

namespace {

using scrawl::test::TempDir;

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// A page of typed capitals, 40 px tall: what the shipped model reads exactly.
cv::Mat text_page(const std::string& text) {
  cv::Mat page(400, 1000, CV_8U, cv::Scalar(240));
  cv::putText(page, text, cv::Point(60, 200), cv::FONT_HERSHEY_SIMPLEX, 40 / 22.0, cv::Scalar(20), 4, cv::LINE_AA);
  return page;
}

scrawl::PdfPage pdf_page(const cv::Mat& gray) {
  std::vector<uint8_t> jpeg;
  EXPECT_TRUE(cv::imencode(".jpg", gray, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95}));
  return {std::string(jpeg.begin(), jpeg.end()), gray.size(), true};
}

std::string two_page_pdf() {
  return scrawl::pdf_of_jpegs({pdf_page(text_page("FIRST PAGE")), pdf_page(text_page("SECOND 42"))}, 300);
}

std::string model() {
  return scrawl::test::source_dir() + "/models/default.scrawl";
}
scrawl::test::RunResult read(const std::string& args) {
  return scrawl::test::run_scrawl("read --model " + model() + " " + args);
}

TEST(Document, APdfOpensPageByPageAtItsResolution) {
  TempDir dir;
  write(dir / "two.pdf", two_page_pdf());
  const scrawl::Document doc = scrawl::Document::open(dir / "two.pdf");
  ASSERT_EQ(doc.pages(), 2);
  EXPECT_TRUE(doc.paged());
  for (int k = 0; k < 2; ++k) {
    const scrawl::LoadedPage p = doc.page(k);
    EXPECT_EQ(p.original, cv::Size(1000, 400));  // 300 dpi, as written
    EXPECT_EQ(p.gray.type(), CV_8U);
    EXPECT_EQ(p.gray.size(), cv::Size(1000 / p.reduce, 400 / p.reduce));
  }
  // At 150 dpi the same page has half the pixels.
  scrawl::DocumentConfig half;
  half.dpi = 150;
  EXPECT_EQ(scrawl::Document::open(dir / "two.pdf", half).page(1).original, cv::Size(500, 200));
  EXPECT_EQ(doc.page_image(0, scrawl::Channels::bgr).size(), cv::Size(1000, 400));
  EXPECT_THROW(doc.page(2), std::out_of_range);
  // A single image is a document of one page that is not paged.
  cv::imwrite(dir / "one.png", text_page("ONE"));
  const scrawl::Document one = scrawl::Document::open(dir / "one.png");
  EXPECT_EQ(one.pages(), 1);
  EXPECT_FALSE(one.paged());
}

TEST(Document, EveryPageOfAPdfIsReadAndToldApart) {
  TempDir dir;
  const std::string pdf = dir / "two.pdf";
  write(pdf, two_page_pdf());
  const auto txt = read(pdf);
  ASSERT_EQ(txt.exit_code, 0) << txt.err;
  EXPECT_EQ(txt.out, "==> " + pdf + " page 1 <==\nFIRST PAGE\n\n==> " + pdf + " page 2 <==\nSECOND 42\n");
  const auto json = read("--format json " + pdf);
  ASSERT_EQ(json.exit_code, 0);
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["pages"].size(), 2u);
  EXPECT_EQ(j["pages"][0]["page"], 1);
  EXPECT_EQ(j["pages"][1]["page"], 2);
  EXPECT_EQ(j["pages"][1]["text"], "SECOND 42\n");
  EXPECT_EQ(j["pages"][1]["width"], 1000);
  const auto alto = read("--format alto " + pdf);
  EXPECT_EQ(std::count(alto.out.begin(), alto.out.end(), '\n') > 0, true);
  size_t pages = 0;
  for (size_t at = alto.out.find("<Page "); at != std::string::npos; at = alto.out.find("<Page ", at + 1)) ++pages;
  EXPECT_EQ(pages, 2u);
  const auto hocr = read("--format hocr " + pdf);
  EXPECT_NE(hocr.out.find("ppageno 1"), std::string::npos);
  // PAGE XML holds one page: refused, naming the file, nothing written.
  const auto page = read("--format page " + pdf);
  EXPECT_EQ(page.exit_code, 1);
  EXPECT_EQ(page.out, "");
  EXPECT_NE(page.err.find(pdf + ": has 2 pages"), std::string::npos) << page.err;
  // --annotate draws each page into its own picture.
  ASSERT_EQ(read("--annotate " + (dir / "seen.png") + " " + pdf).exit_code, 0);
  for (const char* name : {"seen_1.png", "seen_2.png"}) {
    const cv::Mat a = cv::imread(dir / name);
    EXPECT_EQ(a.size(), cv::Size(1000, 400)) << name;
  }
}

TEST(Document, AMultiPageTiffIsReadPageByPage) {
  TempDir dir;
  const std::string tif = dir / "scan.tif";
  ASSERT_TRUE(cv::imwritemulti(tif, std::vector<cv::Mat>{text_page("HELLO"), text_page("WORLD")}));
  const auto r = read(tif);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "==> " + tif + " page 1 <==\nHELLO\n\n==> " + tif + " page 2 <==\nWORLD\n");
}

// A PDF that poppler opens only with a password: the standard security handler, whose user password is not empty.
std::string encrypted_pdf() {
  std::string pdf = two_page_pdf();
  const std::string o(32, 'A'), u(32, 'B');
  const std::string encrypt = "/Encrypt << /Filter /Standard /V 1 /R 2 /O (" + o + ") /U (" + u +
                              ") /P -4 >> /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]";
  const size_t at = pdf.rfind("/Root 1 0 R");
  pdf.insert(at, encrypt + " ");
  return pdf;
}

// `pages` pages all showing the same small image: tiny on disk, many pages.
std::string many_page_pdf(size_t pages) {
  return scrawl::pdf_of_jpegs(std::vector<scrawl::PdfPage>(pages, pdf_page(cv::Mat(8, 8, CV_8U, cv::Scalar(255)))),
                              300);
}

TEST(Document, BadPdfsGiveOneLineAndNoOutput) {
  TempDir dir;
  const std::string good = two_page_pdf();
  std::string huge = scrawl::pdf_of_jpegs({pdf_page(text_page("X"))}, 300);
  const size_t box = huge.find("/MediaBox [0 0 ");
  huge.replace(box, huge.find(']', box) - box + 1, "/MediaBox [0 0 200000 200000]");  // 833,000 px a side
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"encrypted.pdf", encrypted_pdf()},
      {"truncated.pdf", good.substr(0, 200)},
      {"garbage.pdf", "%PDF-1.4\n" + std::string(500, '\x07')},
      {"huge_page.pdf", huge},
      {"many_pages.pdf", many_page_pdf(2001)},
  };
  const std::vector<std::string> why = {"encrypted", "", "", "page 1: page too large", "too many pages"};
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = dir / cases[i].first;
    write(path, cases[i].second);
    for (const std::string format : {"txt", "json"}) {
      const auto r = read("--format " + format + " " + path);
      EXPECT_EQ(r.exit_code, 1) << path << ": " << r.err;
      EXPECT_EQ(r.out, "") << path;
      EXPECT_EQ(r.err.rfind("scrawl: " + path + ": ", 0), 0u) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_NE(r.err.find(why[i]), std::string::npos) << r.err;
    }
  }
}

}  // namespace
