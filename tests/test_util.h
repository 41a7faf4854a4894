// Helpers shared by the test suites: where the shared data lives, running the CLI, temp dirs.
#pragma once
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace scrawl::test {

// ../shared/data, or $SCRAWL_DATA. A missing folder fails the test (never a skip): CI must have the data.
inline std::string data_dir() {
  const char* env = std::getenv("SCRAWL_DATA");
  const std::string d = env && *env ? env : SCRAWL_TEST_DATA;
  if (!std::filesystem::is_directory(d)) ADD_FAILURE() << "shared data folder missing: " << d;
  return d;
}
inline std::string emnist(const std::string& split) {
  return data_dir() + "/emnist36/emnist36-" + split;
}

inline std::string scrawl_binary() {
  return SCRAWL_BINARY;
}
inline std::string source_dir() {
  return SCRAWL_SOURCE_DIR;
}

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a shell command, capturing stdout and stderr separately.
inline RunResult run_shell(const std::string& command) {
  const auto tmp = std::filesystem::temp_directory_path() /
                   ("scrawl_err_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                    std::to_string(std::rand()));
  const std::string cmd = command + " 2>" + tmp.string();
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t k;
  while ((k = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), k);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* e = fopen(tmp.c_str(), "rb")) {
    while ((k = fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), k);
    fclose(e);
  }
  std::filesystem::remove(tmp);
  return r;
}

// Runs `scrawl ARGS` through the shell, capturing stdout and stderr separately.
inline RunResult run_scrawl(const std::string& args) {
  return run_shell(scrawl_binary() + " " + args);
}

// `mpirun -np N` on this machine's loopback, as root too (OpenMPI's documented variables allow it). Containers often
// forbid the cross-process memory copy OpenMPI's shared-memory transport tries first, hence the single-copy setting.
inline std::string mpirun(int ranks) {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none "
         "mpirun -np " +
         std::to_string(ranks) + " --oversubscribe ";
}

// A whole file's bytes ("" if it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A fresh empty folder under the system temp dir, removed when the object dies.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "scrawl_test_XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

}  // namespace scrawl::test
