// Writing PDFs of page images: one JPEG per page, embedded as it is (DCTDecode), the page sized so the image
// fills it at a chosen resolution. What `scrawl synth --format pdf` writes, and how the tests and fuzz seeds get
// PDFs without any other tool.
#pragma once
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace scrawl {

struct PdfPage {
  std::string jpeg;  // JFIF bytes (gray or colour)
  cv::Size size;     // its pixel size
  bool gray = false;
};

// The bytes of a PDF 1.4 file with these pages in order, each `dpi` pixels per inch.
std::string pdf_of_jpegs(const std::vector<PdfPage>& pages, double dpi);

}  // namespace scrawl
