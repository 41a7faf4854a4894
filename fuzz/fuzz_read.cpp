// Fuzzes the page reader end to end on small images: header checks, decoding, binarization, layout and
// classification. Any input must give a page or a std::runtime_error. Each input goes into an in-memory file
// (memfd) that Reader::read opens as /proc/self/fd/N. Images are capped at 64K pixels (256x256), checked in
// the header before decoding like any other size limit, and are worked on at a long side of 64-127 pixels
// (JPEG scales inside the DCT, other formats are shrunk after decoding: the same paths a big photo takes), so
// one input costs about a millisecond instead of a page's worth. The classifier is a tiny untrained model
// (recognition quality is not what is tested here), and OpenCV runs single-threaded: its worker threads only
// spin on images this small.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <opencv2/core/utility.hpp>
#include <stdexcept>
#include <string>

#include "scrawl/ocr/reader.h"

namespace {
scrawl::Reader make_reader() {
  scrawl::InputSpec in;
  scrawl::Model model("fc8,relu,fc36", in, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  model.init_params(1);
  scrawl::ReadConfig cfg;
  cfg.load.max_pixels = 65'536;
  cfg.load.work_long_side = 64;
  cv::setNumThreads(0);
  return scrawl::Reader(std::move(model), cfg);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static scrawl::Reader reader = make_reader();
  static const int fd = memfd_create("scrawl_fuzz_read", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0) std::abort();  // no memfd: nothing below would test anything
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  try {
    reader.read(path);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
