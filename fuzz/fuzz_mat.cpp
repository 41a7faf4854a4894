// Fuzzes the .mat loader. matio reads from a path, so each input goes through a temp file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/scrawl_fuzz_" + std::to_string(getpid()) + ".mat";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    scrawl::load_mat(path, "valid");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
