// Data-parallel training over ranks: processes that each hold the whole model and compute the gradient of their
// share of every batch. The library never calls MPI itself; the CLI fills these hooks with MPI calls (cli/mpi), tests
// with threads. The default is one process, for which every hook is a no-op.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "scrawl/nn/layer.h"
#include "scrawl/nn/model.h"
#include "scrawl/nn/optim.h"

namespace scrawl {

// This rank's part of one training batch of m rows. `weight` turns the mean gradient over its rows into its part of
// the batch mean (the ranks' weighted gradients sum to the batch's); `counts` is the part of its rows' loss sum and
// correct count that is its own. A batch with fewer rows than ranks is computed whole on every rank, each counting
// 1/size of it, so no rank sits idle with an empty share.
struct BatchSplit {
  BatchRows rows;
  float weight = 1.f;
  double counts = 1.0;
};

struct Ranks {
  int rank = 0, size = 1;
  // Sums n values over all ranks in place; every rank ends with the same bytes.
  std::function<void(float* values, size_t n)> sum_floats;
  std::function<void(double* values, size_t n)> sum_doubles;
  // Overwrites n bytes on every rank with rank 0's.
  std::function<void(void* bytes, size_t n)> broadcast;

  bool many() const { return size > 1; }
  bool root() const { return rank == 0; }
  // This rank's rows of a batch of `total` rows: contiguous, in rank order, sizes differing by at most one.
  BatchRows share(int total) const;
  // How a training batch of m rows is split: see BatchSplit. One process holds it all.
  struct BatchSplit split(int m) const;
  void sum(float* v, size_t n) const {
    if (many()) sum_floats(v, n);
  }
  void sum(double* v, size_t n) const {
    if (many()) sum_doubles(v, n);
  }
  // Throws on every rank when any rank's `fingerprint` differs from rank 0's, naming what must agree (`what`).
  void check_same(uint64_t fingerprint, const std::string& what) const;
};

// Before the first step: every rank takes rank 0's parameters, and must hold the same optimizer state, random stream
// and epoch count (a resumed run reads the same checkpoint on every rank), or their steps would drift apart; throws
// on every rank otherwise. A no-op for one process.
void start_in_step(const Ranks& ranks, Model& model, const Optimizer& opt, const std::mt19937& rng, int epochs_done);

// FNV-1a over bytes, chained through `h`: a cheap fingerprint of training state that ranks compare.
uint64_t fingerprint(const void* bytes, size_t n, uint64_t h = 1469598103934665603ull);

}  // namespace scrawl
