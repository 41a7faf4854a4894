// scrawl: read handwritten block letters and digits; train and study the networks that do it.
// Exit codes: 0 ok, 1 bad input or failed work, 2 usage error.
#include <dlfcn.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <Eigen/Core>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

// Even kept in the heap, a page's buffers are touched for the first time once per process, 4 KB per fault: reading
// 04_deep still took ~8,800 faults, 170 ms of system time on a VM. Transparent huge pages fault in 2 MB at a time,
// but where the kernel gives them only on request (`madvise` mode, Debian's default) nothing asks for them. This
// grows the heap once by kHeapReserve and marks that range MADV_HUGEPAGE; freed, it stays in the heap (the trim
// threshold is above it), so the large buffers malloc later places there come in huge pages. Memory never touched
// is never committed. 04_deep on the session-11 Zen 5 VM: 8,822 -> 2,254 faults, mean 249 -> 168 ms (about the same
// as glibc's own glibc.malloc.hugetlb=1 tunable, which needs the environment set before the process starts).
// Where the heap cannot grow by brk (malloc then maps the block elsewhere) nothing is marked and nothing changes.
void back_heap_with_huge_pages() {
  constexpr size_t kHeapReserve = 192u << 20;  // above a 12 Mpx page's working set, below the 256 MB mmap threshold
  constexpr uintptr_t kHugePage = 2u << 20;
  const auto begin = reinterpret_cast<uintptr_t>(sbrk(0));
  void* block = std::malloc(kHeapReserve);
  const auto end = reinterpret_cast<uintptr_t>(sbrk(0));
  const uintptr_t first = (begin + kHugePage - 1) / kHugePage * kHugePage, last = end / kHugePage * kHugePage;
  if (block && end > begin && last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  std::free(block);
}

// Debian's OpenCV links LAPACK, which brings in OpenBLAS's threaded build: its workers start with the process and
// spin in sched_yield waiting for work that scrawl never gives them (scrawl's products run in libxsmm and Eigen).
// On the 2-core Zen 3 VM of session 18 that was 100 ms of CPU time (most of it system time) on the other core for
// every `scrawl read 04_deep.jpg`, beside scrawl's own second thread. Where the library is loaded, its pool is set to
// one thread first (with one thread OpenBLAS runs on the calling thread and never starts the pool again; setting the
// count after the shutdown would start it) and then shut down, as OpenBLAS itself does before a fork. Looked up at
// run time, as scrawl does not link OpenBLAS itself. Three shared photos read with --jobs 2: 353 -> 269 ms, the same
// as with OPENBLAS_NUM_THREADS=1 set (BENCHMARKS.md, "Session 18").
void quiet_openblas() {
  using Shutdown = int (*)();
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
  if (auto shutdown = reinterpret_cast<Shutdown>(dlsym(RTLD_DEFAULT, "blas_thread_shutdown_"))) shutdown();
}
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
  back_heap_with_huge_pages();
  quiet_openblas();
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
