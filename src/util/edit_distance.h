// Levenshtein distance (unit insert, delete, substitute) between two sequences: what every CER in scrawl counts.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

namespace scrawl {

template <typename Seq>
size_t levenshtein(const Seq& x, const Seq& y) {
  // Two rows of the DP table: prev[j] = distance(x[0..i), y[0..j)).
  std::vector<size_t> prev(y.size() + 1), cur(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= x.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= y.size(); ++j) {
      const size_t sub = prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1);
      cur[j] = std::min({sub, prev[j] + 1, cur[j - 1] + 1});
    }
    std::swap(prev, cur);
  }
  return prev[y.size()];
}

}  // namespace scrawl
