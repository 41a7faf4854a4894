#!/bin/bash
# Whole-command training speed: `scrawl train` against bench/train_torch.py (PyTorch), same network, data, batch,
# optimizer and threads, one run each at 1 and 2 threads, in this session. An epoch is the pass over the training
# set plus the validation set's loss and accuracy, as each command reports it.
#
#   bench/train_compare.sh [BUILD_DIR] [DATA_DIR]   (defaults: build, ../shared/data)
#   EPOCHS=4 bench/train_compare.sh                 epochs per run (the first is left out: it allocates)
#
# Network: conv5x5x32,relu,pool2,conv5x5x64,relu,pool2,fc128,relu,fc36 (BM_CnnTrainStep's), batch 64, Adam lr 0.001,
# on emnist36-train300 (10,438 glyphs), validated on emnist36-valid (3,600).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
DATA=${2:-../shared/data}
EPOCHS=${EPOCHS:-4}
((EPOCHS >= 2)) || { echo "train_compare.sh: EPOCHS must be at least 2 (the first is left out)" >&2; exit 1; }
PY=/usr/bin/python3
D="$DATA/emnist36"
[[ -x "$BUILD/scrawl" ]] || { echo "train_compare.sh: $BUILD/scrawl not found (build it first)" >&2; exit 1; }
[[ -f "$D/emnist36-train300-images-idx3-ubyte.gz" ]] || { echo "train_compare.sh: no emnist36 in $D" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ARCH=conv5x5x32,relu,pool2,conv5x5x64,relu,pool2,fc128,relu,fc36

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in 1 2; do
  "$BUILD/scrawl" train --train "$D/emnist36-train300" --valid "$D/emnist36-valid" --arch "$ARCH" --batch 64 \
    --optimizer adam --lr 0.001 --epochs "$EPOCHS" --threads "$t" --seed 7 --curves "$tmp/scrawl$t.csv" \
    --out "$tmp/m$t.scrawl" >"$tmp/scrawl$t.log" 2>&1 || { cat "$tmp/scrawl$t.log" >&2; exit 1; }
  OMP_NUM_THREADS=$t "$PY" bench/train_torch.py --train "$D/emnist36-train300" --valid "$D/emnist36-valid" \
    --threads "$t" --epochs "$EPOCHS" >"$tmp/torch$t.txt"
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$tmp" <<'EOF'
import csv, statistics, sys
tmp = sys.argv[1]
print("threads  scrawl epoch s (median, epochs 2+)  torch epoch s  scrawl/torch speed  valid acc scrawl / torch")
for t in (1, 2):
    rows = list(csv.DictReader(open(f"{tmp}/scrawl{t}.csv")))
    s = statistics.median(float(r["seconds"]) for r in rows[1:])
    tl = [dict(zip(line.split()[::2], line.split()[1::2])) for line in open(f"{tmp}/torch{t}.txt")]
    p = statistics.median(float(r["epoch_s"]) for r in tl[1:])
    print(f"{t:7d}  {s:30.3f}  {p:13.3f}  {p / s:17.2f}x  {float(rows[-1]['valid_acc']):.4f} / {float(tl[-1]['valid_acc']):.4f}")
EOF
