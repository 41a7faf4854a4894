#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each one, one after the other.
#   scripts/fuzz.sh --smoke              each target for 15 seconds (CI)
#   scripts/fuzz.sh [RUNS [TARGET...]]   RUNS executions (default 1,000,000) of each TARGET (default all:
#                                        fuzz_idx fuzz_mat fuzz_model fuzz_pdf fuzz_read); logs in build-fuzz/logs/
# Seed corpora are made from files the project writes itself (see fuzz/make_seeds.sh), never from ../shared data.
# Findings go to build-fuzz/artifacts/; a target that finds one exits non-zero and so does this script.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-1000000}
shift || true
source scripts/clang.env
command -v "$SCRAWL_CXX" >/dev/null || { echo "fuzz.sh: $SCRAWL_CXX is missing (scripts/install-deps.sh --ci)" >&2; exit 1; }
CC=$SCRAWL_CC CXX=$SCRAWL_CXX cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCRAWL_FUZZ=ON -DSCRAWL_SANITIZE=ON \
  -DSCRAWL_BUILD_TESTS=OFF -DSCRAWL_BUILD_BENCH=OFF >/dev/null
if [[ $# -gt 0 ]]; then targets="$*"; else targets=$(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//'); fi
# scrawl draws the seed pages; the plugins are what the library loads for BMP, TIFF, ... (imgcodecs), PDF and .mat
cmake --build build-fuzz -j"$(nproc)" --target scrawl scrawl_imgcodecs scrawl_matio scrawl_poppler $targets
bash fuzz/make_seeds.sh build-fuzz/scrawl build-fuzz/seeds
mkdir -p build-fuzz/logs build-fuzz/artifacts
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
status=0
for t in $targets; do
  corpus=build-fuzz/corpus/$t
  seeds=${t#fuzz_}
  # Inputs are capped near the size of real ones: the .mat and page targets are about small files.
  max_len=131072
  case $t in
    fuzz_read) seeds=page max_len=16384 ;;
    fuzz_mat) max_len=16384 ;;
    fuzz_pdf) max_len=65536 ;;
  esac
  mkdir -p "$corpus"
  if [[ "$mode" == "--smoke" ]]; then
    args=(-max_total_time=15)
  else
    args=(-runs="$mode")
  fi
  echo "fuzz: $t ${args[*]} -max_len=$max_len"
  start=$(date +%s)
  if ! build-fuzz/fuzz/$t "${args[@]}" -seed=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/artifacts/ \
      -max_len=$max_len -print_final_stats=1 "$corpus" "build-fuzz/seeds/$seeds" >"build-fuzz/logs/$t.log" 2>&1; then
    echo "fuzz: $t FAILED"; tail -40 "build-fuzz/logs/$t.log"; status=1
  fi
  grep -E "^(#[0-9]+\s+DONE|Done [0-9]+ runs)" "build-fuzz/logs/$t.log" | tail -1 || true
  echo "fuzz: $t took $(($(date +%s) - start)) s"
done
exit $status
