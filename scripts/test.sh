#!/usr/bin/env bash
# Builds scrawl and runs every test. Usage:
#   scripts/test.sh              Release build in build/, all tests (unit, CLI, end-to-end on ../shared/data)
#   scripts/test.sh --sanitize   ASan+UBSan build in build-asan/, all suites but the slow ones (SCRAWL_SLOW_SUITES)
# Set SCRAWL_DATA to use a data folder other than ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

if [[ "${1:-}" == "--sanitize" ]]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCRAWL_SANITIZE=ON -DSCRAWL_BUILD_BENCH=OFF \
    -DSCRAWL_SLOW_TESTS=OFF >/dev/null
  cmake --build build-asan -j"$jobs"
  # halt_on_error makes any finding fail the test that triggered it.
  export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
else
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$jobs"
  ctest --test-dir build --output-on-failure -j"$jobs"
fi
