// Whole-file reads and atomic writes: every output scrawl writes (models, checkpoints, PNGs, HTML) goes to a temp
// file in the same folder, is fsync'ed, then renamed, so a crash never leaves half a file.
#pragma once
#include <string>

namespace scrawl {

// Writes bytes to path atomically (temp file + fsync + rename). Throws naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& bytes);
// The whole file (a regular file, a pipe, a /proc file). Throws std::runtime_error naming the path on failure:
// "PATH: cannot open (...)", or "PATH: read error (...)" (a folder, an I/O error).
std::string read_file(const std::string& path);

}  // namespace scrawl
