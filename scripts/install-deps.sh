#!/usr/bin/env bash
# Installs what scrawl needs from Debian's packages: to build and run (no flag), plus what CI's tests need (--ci),
# plus the benchmarks' reference tools (--bench), or everything (--all).
# Idempotent: when every package is already present it returns without touching apt.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libeigen3-dev libopenblas-dev libxsmm-dev
  libopencv-dev libjpeg-dev libpng-dev
  libmatio-dev zlib1g-dev libpoppler-cpp-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-dev python3-pybind11
  fonts-dejavu-core
  wamerican
)
# What the tests need beyond building (--ci): clang + libFuzzer runtime for the fuzz targets, Chromium for the
# report screenshot test, xmllint (libxml2-utils) to validate ALTO and PAGE output against their schemas, pytest for
# the Python module's tests, OpenMPI for the MPI batch-reading tests (the default build needs no MPI). What the benchmarks compare against (--bench): Tesseract, PyTorch, hyperfine.
source "$(dirname "$0")/clang.env"
ci_extras=("clang-$SCRAWL_CLANG_VERSION" "libclang-rt-$SCRAWL_CLANG_VERSION-dev" chromium libxml2-utils python3-pytest openmpi-bin libopenmpi-dev)
bench_extras=(tesseract-ocr python3-torch hyperfine)

want=("${packages[@]}")
case "${1:-}" in
  --ci) want+=("${ci_extras[@]}") ;;
  --bench) want+=("${bench_extras[@]}") ;;
  --all) want+=("${ci_extras[@]}" "${bench_extras[@]}") ;;
  "") ;;
  *) echo "usage: install-deps.sh [--ci|--bench|--all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
