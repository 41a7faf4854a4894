#include "mpi.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <vector>

#ifdef SCRAWL_HAVE_MPI
#include <mpi.h>
#endif

namespace scrawl::cli {

namespace {
MpiWorld g_world;
bool g_collective = false;
#ifdef SCRAWL_HAVE_MPI
bool g_started = false;
std::mutex g_mpi;  // MPI_THREAD_SERIALIZED: one thread in MPI at a time

// Message tags of the work queue.
constexpr int kRequest = 1, kReply = 2, kDone = 3;

// A launcher's environment: Open MPI's mpirun, PMI/PMIx (MPICH, Slurm's srun).
bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}
#endif
}  // namespace

void mpi_init(int* argc, char*** argv) {
#ifdef SCRAWL_HAVE_MPI
  if (!launched()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
  g_started = true;
  if (provided < MPI_THREAD_SERIALIZED) {
    std::fprintf(stderr, "scrawl: this MPI library cannot be called from threads (MPI_THREAD_SERIALIZED)\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &g_world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world.size);
#else
  (void)argc;
  (void)argv;
#endif
}

const MpiWorld& mpi_world() {
  return g_world;
}

void mpi_finalize() {
#ifdef SCRAWL_HAVE_MPI
  if (g_started) MPI_Finalize();
  g_started = false;
#endif
}

void mpi_collective_exit() {
  g_collective = true;
}
bool mpi_exit_is_collective() {
  return g_collective;
}

void mpi_abort(int code) {
#ifdef SCRAWL_HAVE_MPI
  if (g_started) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

#ifdef SCRAWL_HAVE_MPI
namespace {
// A report as bytes: index, failed, seconds, then the error text.
std::vector<char> pack(const PageReport& r) {
  std::vector<char> b(sizeof(long) + 1 + sizeof(double) + r.error.size());
  char* p = b.data();
  std::memcpy(p, &r.index, sizeof(long));
  p[sizeof(long)] = r.failed ? 1 : 0;
  std::memcpy(p + sizeof(long) + 1, &r.seconds, sizeof(double));
  std::memcpy(p + sizeof(long) + 1 + sizeof(double), r.error.data(), r.error.size());
  return b;
}
PageReport unpack(const std::vector<char>& b) {
  PageReport r;
  if (b.size() < sizeof(long) + 1 + sizeof(double)) return r;
  std::memcpy(&r.index, b.data(), sizeof(long));
  r.failed = b[sizeof(long)] != 0;
  std::memcpy(&r.seconds, b.data() + sizeof(long) + 1, sizeof(double));
  r.error.assign(b.data() + sizeof(long) + 1 + sizeof(double), b.size() - sizeof(long) - 1 - sizeof(double));
  return r;
}
}  // namespace
#endif

void mpi_serve(const std::function<long()>& next, const std::function<void(const PageReport&)>& record) {
#ifdef SCRAWL_HAVE_MPI
  int done = 0;
  while (done < g_world.size - 1) {
    MPI_Status st;
    MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    int bytes = 0;
    MPI_Get_count(&st, MPI_CHAR, &bytes);
    std::vector<char> buf(size_t(std::max(bytes, 0)));
    MPI_Recv(buf.data(), bytes, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (st.MPI_TAG == kDone) {
      ++done;
      continue;
    }
    const PageReport r = unpack(buf);
    if (r.index >= 0) record(r);
    const long give = next();
    MPI_Send(&give, 1, MPI_LONG, st.MPI_SOURCE, kReply, MPI_COMM_WORLD);
  }
#else
  (void)next;
  (void)record;
#endif
}

long mpi_next(const PageReport* done) {
#ifdef SCRAWL_HAVE_MPI
  std::lock_guard<std::mutex> lock(g_mpi);
  const std::vector<char> b = pack(done ? *done : PageReport{});
  MPI_Send(b.data(), int(b.size()), MPI_CHAR, 0, kRequest, MPI_COMM_WORLD);
  long give = -1;
  MPI_Recv(&give, 1, MPI_LONG, 0, kReply, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return give;
#else
  (void)done;
  return -1;
#endif
}

void mpi_done() {
#ifdef SCRAWL_HAVE_MPI
  std::lock_guard<std::mutex> lock(g_mpi);
  MPI_Send(nullptr, 0, MPI_CHAR, 0, kDone, MPI_COMM_WORLD);
#endif
}

long mpi_broadcast(long value) {
#ifdef SCRAWL_HAVE_MPI
  if (g_started) MPI_Bcast(&value, 1, MPI_LONG, 0, MPI_COMM_WORLD);
#endif
  return value;
}

Ranks mpi_ranks() {
  Ranks r;
  r.rank = g_world.rank;
  r.size = g_world.size;
#ifdef SCRAWL_HAVE_MPI
  if (!g_started) return r;
  // Counts are ints in MPI; a model of over 2^31 values is far beyond anything scrawl trains.
  auto count = [](size_t n) {
    if (n > size_t(std::numeric_limits<int>::max()))
      throw std::runtime_error("MPI: buffer of " + std::to_string(n) + " values is too large");
    return int(n);
  };
  r.sum_floats = [count](float* v, size_t n) {
    MPI_Allreduce(MPI_IN_PLACE, v, count(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  };
  r.sum_doubles = [count](double* v, size_t n) {
    MPI_Allreduce(MPI_IN_PLACE, v, count(n), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  };
  r.broadcast = [count](void* bytes, size_t n) { MPI_Bcast(bytes, count(n), MPI_BYTE, 0, MPI_COMM_WORLD); };
#endif
  return r;
}

}  // namespace scrawl::cli
