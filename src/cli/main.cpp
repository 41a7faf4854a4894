// scrawl: read handwritten block letters and digits; train and study the networks that do it.
// Exit codes: 0 ok, 1 bad input or failed work, 2 usage error.
#include <malloc.h>

#include <Eigen/Core>
#include <cstdio>
#include <exception>

#include "commands.h"
#include "mpi.h"

namespace scrawl::cli {
Globals& globals() {
  static Globals g;
  return g;
}
}  // namespace scrawl::cli

namespace {
int run(int argc, char** argv);
}  // namespace

int main(int argc, char** argv) {
  using namespace scrawl::cli;
  mpi_init(&argc, &argv);
  const int code = run(argc, argv);
  // Under MPI a rank that fails ends the job: the others may be waiting on it.
  if (code != 0 && mpi_world().ranks() && !mpi_exit_is_collective()) {
    std::fflush(stderr);
    mpi_abort(code);
  }
  mpi_finalize();
  return code;
}

namespace {
int run(int argc, char** argv) {
  using namespace scrawl::cli;
  // Keep freed memory in the heap for reuse rather than handing it back to the kernel: on the VMs scrawl runs on a
  // page fault costs ~15 us, and glibc's defaults (mmap for blocks >= 128 KB, trim at 128 KB) re-fault every
  // image and activation buffer of every page. Reading 04_deep: 12,100 -> 7,100 page faults, -25% CPU time.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  CLI::App app{"scrawl: reads handwritten block letters and digits from photos, with its own neural networks."};
  app.set_version_flag("--version", std::string("scrawl ") + SCRAWL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_flag("-q,--quiet", globals().quiet, "Print only results and errors");
  app.add_flag("-v,--verbose", globals().verbose, "Print more detail on stderr");
  add_train(app);
  add_train_line(app);
  add_eval(app);
  add_study(app);
  add_read(app);
  add_synth(app);
  add_score(app);
  add_report(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "scrawl: %s (see scrawl --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // Under MPI, a failure every rank shares is rank 0's to report.
    if (!(mpi_world().rank > 0 && mpi_exit_is_collective())) std::fprintf(stderr, "scrawl: %s\n", e.what());
    return 1;
  }
  return 0;
}
}  // namespace
