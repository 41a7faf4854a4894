// Fuzzes opening and rasterizing PDFs (and whatever else Document::open takes): any input must give pages or a
// std::runtime_error, never a crash, a hang or a huge allocation. Pages are rasterized at 36 dpi under a 64K pixel
// limit (the same size checks a 300 dpi page goes through, before rendering), at most 4 pages a document. Each
// input goes into an in-memory file (memfd), opened as /proc/self/fd/N.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "scrawl/image/document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("scrawl_fuzz_pdf", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0) std::abort();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  scrawl::DocumentConfig cfg;
  cfg.dpi = 36;
  cfg.max_pages = 4;
  cfg.load.max_pixels = 65'536;
  cfg.load.work_long_side = 64;
  try {
    const scrawl::Document doc = scrawl::Document::open(path, cfg);
    for (int k = 0; k < doc.pages(); ++k) {
      const scrawl::LoadedPage page = doc.page(k);
      if (page.gray.empty() || page.gray.type() != CV_8U) std::abort();  // a page or an error, nothing between
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
