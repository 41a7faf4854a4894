// Whole-file reads and atomic writes: every output scrawl writes (models, checkpoints, PNGs, HTML) goes to a temp
// file in the same folder, is fsync'ed, then renamed, so a crash never leaves half a file.
#pragma once
#include <stdexcept>
#include <string>

namespace scrawl {

// Writes bytes to path atomically (temp file + fsync + rename). Throws naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& bytes);
// The whole file (a regular file, a pipe, a /proc file). Throws std::runtime_error naming the path on failure:
// "PATH: cannot open (...)", or "PATH: read error (...)" (a folder, an I/O error).
std::string read_file(const std::string& path);

// f(), with a std::invalid_argument it throws (the file holds the wrong kind of thing: not a glyph model, a model for
// other characters) rethrown as std::runtime_error("PATH: what"), the form every error about a file takes.
template <class F>
decltype(auto) naming_file(const std::string& path, F&& f) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace scrawl
