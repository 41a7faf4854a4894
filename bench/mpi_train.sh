#!/bin/bash
# Data-parallel training speed (issue 17): training steps/s of one process with 2 threads against 2 MPI ranks with
# 1 thread each, for the shipped glyph model's network and the line model's, alternated in one run.
#
#   bench/mpi_train.sh [BUILD_DIR]     (default: build; needs a build with SCRAWL_MPI)
#   REPS=3 bench/mpi_train.sh          repetitions of each configuration (the best is reported)
#
# Glyph: 100 steps of batch 64 from emnist36-train300 (--epoch-size 6400, no validation set), augmentation 0.4 and
# page redraw 0.5 as the shipped model was trained. Line: 20 steps of 16 synthesized lines plus reading 16
# validation lines. The time is the epoch time scrawl prints (data loading left out).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
REPS=${REPS:-3}
BIN="$BUILD/scrawl"
D=${SCRAWL_DATA:-../shared/data}/emnist36
[[ -x "$BIN" ]] || { echo "mpi_train.sh: $BIN not found" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
MPI="mpirun -np 2 --oversubscribe --bind-to none"
glyph=(train --train "$D/emnist36-train300" --epochs 1 --epoch-size 6400 --batch 64 --optimizer adam --lr 0.0015
  --arch conv3x3x32,relu,conv3x3x32,relu,pool2,conv3x3x64,relu,conv3x3x64,relu,pool2,fc256,relu,dropout0.4,fc36
  --augment 0.4 --page-redraw 0.5 --seed 7 --out /tmp/scrawl_mpi_bench.scrawl)
line=(train-line --train "$D/emnist36-train300" --valid "$D/emnist36-valid" --epochs 1 --steps 20 --batch 16
  --valid-lines 16 --seed 1 --out /tmp/scrawl_mpi_bench_line.scrawl)
# The epoch's seconds from scrawl's epoch line ("... 1.23s" or "... 1.2 s").
seconds() { sed -n 's/.* \([0-9][0-9.]*\) \?s$/\1/p'; }
best() { grep . | sort -g | head -1; }
declare -A t
for kind in glyph line; do
  for config in threads ranks; do t[$kind.$config]=""; done
done
for ((r = 0; r < REPS; r++)); do
  t[glyph.threads]+="$("$BIN" "${glyph[@]}" --threads 2 | seconds)"$'\n'
  t[glyph.ranks]+="$($MPI "$BIN" "${glyph[@]}" --threads 1 | seconds)"$'\n'
  t[line.threads]+="$("$BIN" "${line[@]}" --threads 2 | seconds)"$'\n'
  t[line.ranks]+="$($MPI "$BIN" "${line[@]}" --threads 1 | seconds)"$'\n'
done
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; best of $REPS"
for kind in glyph line; do
  steps=$([[ $kind == glyph ]] && echo 100 || echo 20)
  a=$(echo -n "${t[$kind.threads]}" | best) b=$(echo -n "${t[$kind.ranks]}" | best)
  awk -v k=$kind -v s=$steps -v a="$a" -v b="$b" 'BEGIN {
    printf "%-6s 1 process x 2 threads: %6.2f s (%5.1f steps/s)   2 ranks x 1 thread: %6.2f s (%5.1f steps/s)   ranks/threads %.2fx\n",
      k, a, s / a, b, s / b, a / b }'
done
