#!/usr/bin/env bash
# Installs everything scrawl needs to build, test and benchmark, from Debian's packages.
# Idempotent: when every package is already present it returns without touching apt.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libeigen3-dev libopenblas-dev
  libopencv-dev
  libmatio-dev zlib1g-dev
  libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy
  fonts-dejavu-core
  wamerican
)
# Optional extras a benchmark or check uses when --all is given.
extras=(tesseract-ocr python3-torch clang libclang-rt-14-dev hyperfine chromium)

want=("${packages[@]}")
[[ "${1:-}" == "--all" ]] && want+=("${extras[@]}")

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
