// Fuzzes the model-file parser: any bytes must give a model or a std::runtime_error, nothing else.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "scrawl/nn/model_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    scrawl::parse_model(std::string(reinterpret_cast<const char*>(data), size), "fuzz.scrawl");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
