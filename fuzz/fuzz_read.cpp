// Fuzzes the page reader end to end on small images: header checks, decoding, binarization, layout and
// classification. Any input must give a page or a std::runtime_error. Images are capped at 1 Mpx so a run
// stays fast; the classifier is a tiny untrained model (recognition quality is not what is tested here).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "ocr/reader.h"

namespace {
scrawl::Reader make_reader() {
  scrawl::InputSpec in;
  scrawl::Model model("fc8,relu,fc36", in, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  model.init_params(1);
  scrawl::ReadConfig cfg;
  cfg.load.max_pixels = 1'000'000;
  return scrawl::Reader(std::move(model), cfg);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static scrawl::Reader reader = make_reader();
  static const std::string path = "/tmp/scrawl_fuzz_read_" + std::to_string(getpid()) + ".img";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    reader.read(path);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
