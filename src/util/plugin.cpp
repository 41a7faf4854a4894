#include "scrawl/util/plugin.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace scrawl {

void* open_plugin(const std::string& file_name, const char* symbol, const std::string& what_for) {
  static std::mutex mu;
  static std::map<std::string, void*> opened;
  const std::lock_guard<std::mutex> lock(mu);
  if (auto it = opened.find(file_name); it != opened.end()) return it->second;
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("SCRAWL_PLUGIN_DIR")) candidates.push_back(std::string(dir) + "/" + file_name);
  std::error_code ec;
  const auto exe_dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  if (!ec) {
    candidates.push_back((exe_dir / file_name).string());
    candidates.push_back((exe_dir.parent_path() / SCRAWL_PLUGIN_LIBDIR / "scrawl" / file_name).string());
  }
  candidates.push_back(std::string(SCRAWL_PLUGIN_BUILD_DIR) + "/" + file_name);
  candidates.push_back(std::string(SCRAWL_PLUGIN_INSTALL_DIR) + "/" + file_name);
  std::string tried;
  for (const auto& path : candidates) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    if (dlsym(handle, symbol)) return opened[file_name] = handle;  // stays open for the process's life
    dlclose(handle);
    tried += (tried.empty() ? "" : ", ") + path + " (wrong plugin)";
  }
  throw std::runtime_error(what_for + " needs the plugin " + file_name + ", not found (tried " + tried + ")");
}

void* plugin_symbol(void* handle, const char* name) {
  void* f = dlsym(handle, name);
  if (!f) throw std::runtime_error(std::string("a scrawl plugin lacks ") + name + " (a plugin from another version?)");
  return f;
}

}  // namespace scrawl
