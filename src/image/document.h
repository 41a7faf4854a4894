// Documents of several pages: PDFs (rasterized with poppler at a chosen resolution) and multi-page TIFFs, besides
// single images. Each page comes out as load_page's does: gray at working scale, with its size at full resolution.
#pragma once
#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "scrawl/image/codec.h"
#include "scrawl/image/load.h"

namespace scrawl {

struct DocumentConfig {
  LoadConfig load;       // per page: the pixel limit, the working scale
  double dpi = 300;      // PDF pages are rasterized at this resolution (their reported coordinates are at it)
  int max_pages = 2000;  // refuse documents with more pages (a page-count bomb), before reading any
};

// One open document. Not for sharing between threads: open one per thread.
class Document {
 public:
  // Opens a PDF, a TIFF (one page or many) or any single image load_page reads. Throws std::runtime_error("PATH:
  // problem") for a missing, corrupt, truncated, encrypted or over-large document.
  static Document open(const std::string& path, const DocumentConfig& cfg = {});
  ~Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;

  int pages() const;
  // Whether the pages should be told apart in output (a PDF, or a TIFF of more than one page).
  bool paged() const;
  // Page `index` (0-based) at working scale; throws std::runtime_error("PATH: page N: problem").
  LoadedPage page(int index) const;
  // Page `index` whole, at full resolution (for drawing on it): CV_8UC1 or CV_8UC3 as asked.
  cv::Mat page_image(int index, Channels channels) const;

 private:
  struct Impl;
  explicit Document(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scrawl
