#!/usr/bin/env bash
# Builds scrawl and runs every test. Usage:
#   scripts/test.sh              Release build in build/, all tests (unit, CLI, end-to-end on ../shared/data)
#   scripts/test.sh --sanitize   ASan+UBSan build (without MPI, whose library LeakSanitizer reports), all suites but
#                                the slow ones (SCRAWL_SLOW_SUITES): with clang in
#                                build-fuzz/, the same build the fuzz targets use (scripts/fuzz.sh), so CI compiles
#                                the library once for both; with only gcc in build-asan/
# Set SCRAWL_DATA to use a data folder other than ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
source scripts/clang.env

if [[ "${1:-}" == "--sanitize" ]]; then
  if command -v "$SCRAWL_CXX" >/dev/null; then
    dir=build-fuzz
    CC=$SCRAWL_CC CXX=$SCRAWL_CXX cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCRAWL_SANITIZE=ON -DSCRAWL_FUZZ=ON \
      -DSCRAWL_BUILD_TESTS=ON -DSCRAWL_BUILD_BENCH=OFF -DSCRAWL_SLOW_TESTS=OFF -DSCRAWL_MPI=OFF >/dev/null
  else
    dir=build-asan
    cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCRAWL_SANITIZE=ON -DSCRAWL_BUILD_TESTS=ON -DSCRAWL_BUILD_BENCH=OFF \
      -DSCRAWL_SLOW_TESTS=OFF -DSCRAWL_MPI=OFF >/dev/null
  fi
  cmake --build $dir -j"$jobs"
  # halt_on_error makes any finding fail the test that triggered it.
  export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  ctest --test-dir $dir --output-on-failure -j"$jobs"
else
  # The Python module too, against Debian's python3 (not another one first on PATH), tested with its pytest.
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSCRAWL_BUILD_TESTS=ON -DSCRAWL_BUILD_BENCH=ON -DSCRAWL_PYTHON=ON \
    -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null
  cmake --build build -j"$jobs"
  ctest --test-dir build --output-on-failure -j"$jobs"
  PYTHONPATH="$PWD/build/python" SCRAWL_BINARY="$PWD/build/scrawl" /usr/bin/python3 -m pytest -q tests/python
fi
