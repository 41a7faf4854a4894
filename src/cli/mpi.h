// MPI for the command line (optional: built when CMake finds MPI, SCRAWL_MPI). Ranks exist only when scrawl is
// launched by mpirun or srun; otherwise every call here is the one-process case. Only the CLI uses MPI: the library
// never sees it.
#pragma once
#include <functional>
#include <string>

#include "scrawl/train/ranks.h"

namespace scrawl::cli {

struct MpiWorld {
  int rank = 0, size = 1;
  bool ranks() const { return size > 1; }
};

// Starts MPI when a launcher started this process (its environment says so), with threads allowed to call MPI one
// at a time; a no-op otherwise. mpi_world() tells the result; mpi_finalize() at exit.
void mpi_init(int* argc, char*** argv);
const MpiWorld& mpi_world();
void mpi_finalize();
// Ends the job on every rank with this exit code (a failed rank must not leave the others waiting).
[[noreturn]] void mpi_abort(int code);
// Says the coming failure is known to every rank (all exit with it), so main need not abort the job.
void mpi_collective_exit();
bool mpi_exit_is_collective();

// A page's outcome as a rank reports it to rank 0.
struct PageReport {
  long index = -1;
  bool failed = false;
  double seconds = 0;
  std::string error;
};

// The batch work queue over ranks. Rank 0's main thread serves: it hands out `next()` (-1: none left) to every
// request, records each report that comes with one, and returns once every other rank has said it is done. Other
// ranks' reading threads call mpi_next (one at a time) with their last page's report, and their main thread calls
// mpi_done after the readers finish.
void mpi_serve(const std::function<long()>& next, const std::function<void(const PageReport&)>& record);
long mpi_next(const PageReport* done);
void mpi_done();
// Rank 0's value on every rank.
long mpi_broadcast(long value);
// Data-parallel training's hooks (train/ranks.h) over MPI_COMM_WORLD; one process when not launched by MPI.
Ranks mpi_ranks();

}  // namespace scrawl::cli
