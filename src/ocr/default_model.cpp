#include "scrawl/ocr/default_model.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace scrawl {

namespace {
std::string find_model(const char* env_name, const char* file, const char* option) {
  if (const char* env = std::getenv(env_name); env && *env) return env;
  std::vector<std::string> tried;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::vector<std::filesystem::path> dirs{SCRAWL_MODEL_DIR_BUILD, SCRAWL_MODEL_DIR_INSTALL};
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "scrawl" / "models");
  for (const auto& d : dirs) {
    const auto p = d / file;
    if (std::filesystem::exists(p)) return p.string();
    tried.push_back(p.string());
  }
  std::string msg = std::string("no ") + file + " found (looked in";
  for (const auto& t : tried) msg += " " + t;
  throw std::runtime_error(msg + "); pass " + option + " or set " + env_name);
}
}  // namespace

std::string default_model_path() {
  return find_model("SCRAWL_MODEL", "default.scrawl", "--model");
}

std::string default_line_model_path() {
  return find_model("SCRAWL_LINE_MODEL", "line.scrawl", "--line-model");
}

std::string small_model_path(const std::string& small, const std::string& model) {
  const char* env = std::getenv("SCRAWL_SMALL_MODEL");
  const std::string chosen = !small.empty() ? small : env && *env ? env : "";
  if (!chosen.empty()) return chosen == "none" ? "" : chosen;
  const char* glyph_env = std::getenv("SCRAWL_MODEL");
  if (!model.empty() || (glyph_env && *glyph_env)) return "";
  return find_model("SCRAWL_SMALL_MODEL", "small.scrawl", "--small-model");
}

}  // namespace scrawl
