#include "scrawl/ocr/default_model.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace scrawl {

std::string default_model_path() {
  if (const char* env = std::getenv("SCRAWL_MODEL"); env && *env) return env;
  std::vector<std::string> tried;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::vector<std::filesystem::path> dirs{SCRAWL_MODEL_DIR_BUILD, SCRAWL_MODEL_DIR_INSTALL};
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "scrawl" / "models");
  for (const auto& d : dirs) {
    const auto p = d / "default.scrawl";
    if (std::filesystem::exists(p)) return p.string();
    tried.push_back(p.string());
  }
  std::string msg = "no default model found (looked in";
  for (const auto& t : tried) msg += " " + t;
  throw std::runtime_error(msg + "); pass --model or set SCRAWL_MODEL");
}

}  // namespace scrawl
