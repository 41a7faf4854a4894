// Plugins: the libraries scrawl loads with dlopen only when a file needs them (OpenCV's imgcodecs for image formats
// other than JPEG and PNG, poppler for PDF, matio for the course's .mat files), so that a command that never meets
// such a file does not pay for loading them and their dependencies: linked in, matio (with HDF5, curl, Kerberos, ...)
// and poppler (with NSS, fontconfig, ...) made 86 shared libraries load at every start instead of 34; `scrawl
// --version` took 62 ms instead of 27 on a 2-core VM (BENCHMARKS.md, "Session 11").
#pragma once
#include <string>

namespace scrawl {

// The handle of plugin `file_name` (e.g. "libscrawl_matio.so"), opened once and kept open for the process's life,
// after checking that it exports `symbol`. Searched in $SCRAWL_PLUGIN_DIR, next to the running program (a build
// tree), in the program's prefix's lib/scrawl (an installed, possibly relocated tree), then where this build put it
// and where it installs it. Throws std::runtime_error naming `what_for` and the paths tried when none opens.
void* open_plugin(const std::string& file_name, const char* symbol, const std::string& what_for);

// dlsym on a plugin handle, cast to the function type F; throws when the plugin lacks the symbol.
void* plugin_symbol(void* handle, const char* name);
template <class F>
F plugin_function(void* handle, const char* name) {
  return reinterpret_cast<F>(plugin_symbol(handle, name));
}

}  // namespace scrawl
