// Fuzzes the .mat loader. matio reads from a path, so each input goes into an in-memory file (memfd) that
// load_mat opens as /proc/self/fd/N: no disk writes, and the real load_mat path (checks + libmatio) runs.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "scrawl/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("scrawl_fuzz_mat", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0) std::abort();  // no memfd: nothing below would test anything
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  try {
    scrawl::load_mat(path, "valid");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
