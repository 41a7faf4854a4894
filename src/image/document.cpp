#include "scrawl/image/document.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "scrawl/util/plugin.h"

namespace scrawl {

namespace {

constexpr double kPointsPerInch = 72;  // PDF user space

// poppler, through its plugin (image/plugin/poppler_pdf.cpp), loaded on the first PDF.
struct Poppler {
  void* (*open)(const char*, int*, int*);
  void (*close)(void*);
  int (*page_box)(void*, int, double*, double*, int*);
  int (*render)(void*, int, double, cv::Mat*);
};

const Poppler& poppler() {
  static const Poppler p = [] {
    void* h = open_plugin("libscrawl_poppler.so", "scrawl_pdf_open", "reading a PDF");
    return Poppler{plugin_function<void* (*)(const char*, int*, int*)>(h, "scrawl_pdf_open"),
                   plugin_function<void (*)(void*)>(h, "scrawl_pdf_close"),
                   plugin_function<int (*)(void*, int, double*, double*, int*)>(h, "scrawl_pdf_page_box"),
                   plugin_function<int (*)(void*, int, double, cv::Mat*)>(h, "scrawl_pdf_render")};
  }();
  return p;
}

struct PdfCloser {
  void operator()(void* doc) const { poppler().close(doc); }
};

bool starts_with(const std::string& bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && bytes.compare(0, magic.size(), magic) == 0;
}

std::string first_bytes(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string b(n, '\0');
  in.read(b.data(), std::streamsize(n));
  b.resize(size_t(in.gcount()));
  return b;
}

// The reduction load_page would use for a page this size: halve while the long side stays at the working size.
int working_reduce(cv::Size full, const LoadConfig& cfg) {
  int reduce = 1;
  const int long_side = std::max(full.width, full.height);
  while (reduce < 8 && long_side / (reduce * 2) >= cfg.work_long_side) reduce *= 2;
  return reduce;
}

}  // namespace

struct Document::Impl {
  enum class Kind { kImage, kPdf, kTiff } kind = Kind::kImage;
  std::string path;
  DocumentConfig cfg;
  int pages = 1;
  std::unique_ptr<void, PdfCloser> pdf;

  std::string where(int index) const { return path + ": page " + std::to_string(index + 1); }

  // A PDF page's size in pixels at the configured resolution, checked against the pixel limit before rendering.
  void pdf_page(int index, cv::Size& full) const {
    double box_w = 0, box_h = 0;
    int turned = 0;
    if (!poppler().page_box(pdf.get(), index, &box_w, &box_h, &turned))
      throw std::runtime_error(where(index) + ": cannot be read (corrupt PDF)");
    const double scale = cfg.dpi / kPointsPerInch;
    const double w = box_w * scale, h = box_h * scale;
    if (!(w >= 1 && h >= 1) || w * h > double(cfg.load.max_pixels))
      throw std::runtime_error(where(index) + ": page too large to rasterize (" + std::to_string(int64_t(w)) + "x" +
                               std::to_string(int64_t(h)) + " pixels at " + std::to_string(int(cfg.dpi)) +
                               " dpi, limit " + std::to_string(cfg.load.max_pixels) + ")");
    full = turned ? cv::Size(int(std::lround(h)), int(std::lround(w)))
                  : cv::Size(int(std::lround(w)), int(std::lround(h)));
  }

  // Renders a PDF page at `dpi` as gray or BGR.
  cv::Mat render(int index, double dpi, Channels channels) const {
    cv::Mat bgra, out;
    if (!poppler().render(pdf.get(), index, dpi, &bgra))
      throw std::runtime_error(where(index) + ": cannot be rendered (corrupt PDF)");
    cv::cvtColor(bgra, out, channels == Channels::gray ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGRA2BGR);
    return out;
  }
};

Document::Document(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Document::~Document() = default;
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;

Document Document::open(const std::string& path, const DocumentConfig& cfg) {
  auto d = std::make_unique<Impl>();
  d->path = path;
  d->cfg = cfg;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error(path + ": no such file");
  const std::string head = first_bytes(path, 8);
  if (starts_with(head, "%PDF-")) {
    d->kind = Impl::Kind::kPdf;
    const auto bytes = std::filesystem::file_size(path, ec);
    if (ec) throw std::runtime_error(path + ": cannot read file size");
    if (int64_t(bytes) > cfg.load.max_file_bytes)
      throw std::runtime_error(path + ": file too large (" + std::to_string(bytes) + " bytes)");
    int pages = 0, locked = 0;
    d->pdf.reset(poppler().open(path.c_str(), &pages, &locked));
    if (!d->pdf) throw std::runtime_error(path + ": not a readable PDF (corrupt or truncated)");
    if (locked) throw std::runtime_error(path + ": encrypted PDF (a password is needed to read it)");
    d->pages = pages;
    if (d->pages < 1) throw std::runtime_error(path + ": PDF has no pages");
  } else if (starts_with(head, std::string_view("II*\0", 4)) || starts_with(head, std::string_view("MM\0*", 4))) {
    d->kind = Impl::Kind::kTiff;
    d->pages = int(std::min<size_t>(image_file_pages(path), size_t(cfg.max_pages) + 1));
    if (d->pages < 1) d->pages = 1;  // load_page says what is wrong with it
  }
  if (d->pages > cfg.max_pages)
    throw std::runtime_error(path + ": too many pages (" + std::to_string(d->pages) + ", limit " +
                             std::to_string(cfg.max_pages) + ")");
  return Document(std::move(d));
}

int Document::pages() const {
  return impl_->pages;
}

bool Document::paged() const {
  return impl_->kind == Impl::Kind::kPdf || impl_->pages > 1;
}

LoadedPage Document::page(int index) const {
  const Impl& d = *impl_;
  if (index < 0 || index >= d.pages) throw std::out_of_range(d.where(index) + ": no such page");
  if (d.kind == Impl::Kind::kPdf) {
    cv::Size full;
    d.pdf_page(index, full);
    // Rendered straight at the working scale, as JPEGs are decoded: coordinates are reported at the full dpi.
    LoadedPage page;
    page.reduce = working_reduce(full, d.cfg.load);
    page.gray = d.render(index, d.cfg.dpi / page.reduce, Channels::gray);
    page.original = full;
    return page;
  }
  if (d.kind == Impl::Kind::kTiff && d.pages > 1) {
    cv::Mat gray = load_image_file_page(d.path, index, Channels::gray);
    if (gray.empty()) throw std::runtime_error(d.where(index) + ": not a readable image (corrupt or truncated)");
    if (int64_t(gray.total()) > d.cfg.load.max_pixels)
      throw std::runtime_error(d.where(index) + ": image too large (" + std::to_string(gray.cols) + "x" +
                               std::to_string(gray.rows) + " pixels)");
    LoadedPage page;
    page.original = gray.size();
    page.reduce = working_reduce(gray.size(), d.cfg.load);
    if (page.reduce > 1)
      cv::resize(gray, gray, cv::Size(gray.cols / page.reduce, gray.rows / page.reduce), 0, 0, cv::INTER_AREA);
    page.gray = gray;
    return page;
  }
  return load_page(d.path, d.cfg.load);
}

cv::Mat Document::page_image(int index, Channels channels) const {
  const Impl& d = *impl_;
  if (d.kind == Impl::Kind::kPdf) {
    cv::Size full;
    d.pdf_page(index, full);  // checks the size first
    return d.render(index, d.cfg.dpi, channels);
  }
  if (d.kind == Impl::Kind::kTiff && d.pages > 1) return load_image_file_page(d.path, index, channels);
  return load_image_file(d.path, channels);
}

}  // namespace scrawl
