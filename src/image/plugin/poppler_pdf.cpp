// The PDF plugin (libscrawl_poppler.so): poppler's document, page geometry and rendering behind C functions,
// loaded by image/document.cpp with dlopen only when a PDF is opened (util/plugin.h says why).
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <cmath>
#include <memory>
#include <opencv2/core.hpp>

namespace {
// Poppler reports damaged files on stderr; scrawl reports one line of its own instead.
void quiet(const std::string&, void*) {}
}  // namespace

extern "C" {

// The document, or null when poppler cannot read the file; *locked 1 when it is encrypted, else *pages its pages.
void* scrawl_pdf_open(const char* path, int* pages, int* locked) {
  try {
    poppler::set_debug_error_function(quiet, nullptr);
    std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
    if (!doc) return nullptr;
    *locked = doc->is_locked() ? 1 : 0;
    *pages = *locked ? 0 : doc->pages();  // an encrypted document's pages are not to be touched (poppler crashes)
    return doc.release();
  } catch (...) {  // nothing may unwind through a C interface
    return nullptr;
  }
}

void scrawl_pdf_close(void* doc) {
  delete static_cast<poppler::document*>(doc);
}

// 1 and page `index`'s media box in points (*turned 1 for a landscape or seascape page), 0 for a corrupt page.
int scrawl_pdf_page_box(void* doc, int index, double* width, double* height, int* turned) {
  try {
    std::unique_ptr<poppler::page> p(static_cast<poppler::document*>(doc)->create_page(index));
    if (!p) return 0;
    const poppler::rectf box = p->page_rect(poppler::media_box);
    *width = std::abs(box.width());
    *height = std::abs(box.height());
    *turned = p->orientation() == poppler::page::landscape || p->orientation() == poppler::page::seascape;
    return 1;
  } catch (...) {
    return 0;
  }
}

// 1 and page `index` rendered at `dpi`, antialiased, as BGRA in *out (its own copy), 0 when it cannot be rendered.
int scrawl_pdf_render(void* doc, int index, double dpi, cv::Mat* out) {
  try {
    std::unique_ptr<poppler::page> p(static_cast<poppler::document*>(doc)->create_page(index));
    if (!p) return 0;
    poppler::page_renderer r;
    r.set_render_hint(poppler::page_renderer::antialiasing, true);
    r.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    r.set_image_format(poppler::image::format_argb32);
    const poppler::image img = r.render_page(p.get(), dpi, dpi);
    if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) return 0;
    cv::Mat(img.height(), img.width(), CV_8UC4, const_cast<char*>(img.const_data()), size_t(img.bytes_per_row()))
        .copyTo(*out);
    return 1;
  } catch (...) {
    out->release();
    return 0;
  }
}
}
