#include "scrawl/train/ranks.h"

#include <sstream>
#include <stdexcept>
#include <vector>

namespace scrawl {

BatchRows Ranks::share(int total) const {
  const long lo = long(total) * rank / size, hi = long(total) * (rank + 1) / size;
  return BatchRows{int(lo), int(hi - lo), total};
}

BatchSplit Ranks::split(int m) const {
  if (!many()) return BatchSplit{BatchRows{0, m, 0}, 1.f, 1.0};
  if (m < size) return BatchSplit{BatchRows{0, m, m}, 1.f / float(size), 1.0 / size};
  const BatchRows rows = share(m);
  return BatchSplit{rows, float(rows.count) / float(m), 1.0};
}

void Ranks::check_same(uint64_t mine, const std::string& what) const {
  if (!many()) return;
  uint64_t root_value = mine;
  broadcast(&root_value, sizeof root_value);
  double differ = root_value != mine ? 1.0 : 0.0;
  sum_doubles(&differ, 1);
  if (differ > 0)
    throw std::runtime_error(std::to_string(int(differ)) + " of " + std::to_string(size) +
                             " ranks start from another " + what + " than rank 0");
}

void start_in_step(const Ranks& ranks, Model& model, const Optimizer& opt, const std::mt19937& rng, int epochs_done) {
  if (!ranks.many()) return;
  ranks.broadcast(model.params().data(), model.param_count() * sizeof(float));
  std::ostringstream stream;
  stream << rng;
  const std::string rng_text = stream.str();
  const std::vector<float> opt_state = opt.state();
  uint64_t h = fingerprint(rng_text.data(), rng_text.size());
  h = fingerprint(opt_state.data(), opt_state.size() * sizeof(float), h);
  h = fingerprint(&epochs_done, sizeof epochs_done, h);
  ranks.check_same(h,
                   "optimizer state, random stream or epoch (a --resume folder must hold the same checkpoint for "
                   "every rank)");
}

uint64_t fingerprint(const void* bytes, size_t n, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

}  // namespace scrawl
