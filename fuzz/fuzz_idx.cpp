// Fuzzes the IDX parser. The input is split into an image file and a label file at a position taken from
// its first byte, so both headers and their consistency checks get exercised.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "scrawl/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string all(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t cut = std::min<size_t>(all.size(), static_cast<size_t>(data[0]) * 8);
  try {
    scrawl::parse_idx(all.substr(cut), all.substr(0, cut), "fuzz-images", "fuzz-labels", true, "fuzz");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
