#!/usr/bin/env bash
# Seed corpora for the fuzzers, made by scrawl itself: a tiny trained model, a tiny IDX pair, a small .mat file,
# and a few small page images drawn with OpenCV. Usage: make_seeds.sh SCRAWL_BINARY OUT_DIR
set -euo pipefail
bin=$1 out=$2
mkdir -p "$out"/{model,idx,mat,page}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp" "$out" <<'PY'
import gzip, struct, sys, os, random
tmp, out = sys.argv[1], sys.argv[2]
random.seed(1)
n, r, c = 4, 28, 28
img = struct.pack(">IIII", 0x803, n, r, c) + bytes(random.randrange(256) for _ in range(n * r * c))
lbl = struct.pack(">II", 0x801, n) + bytes([0, 1, 2, 35])
open(os.path.join(tmp, "t-images-idx3-ubyte"), "wb").write(img)
open(os.path.join(tmp, "t-labels-idx1-ubyte"), "wb").write(lbl)
# The idx fuzzer splits its input: byte 0 * 8 = label-file length.
k = (len(lbl) + 7) // 8
lbl_padded = lbl + bytes(k * 8 - len(lbl))
open(os.path.join(out, "idx", "seed0"), "wb").write(bytes([k]) + lbl_padded + img)
# A minimal uncompressed MATLAB 5 file with valid_data (3 x 16 doubles) and valid_labels (3 x 26 one-hot).
def element(dtype, payload):
    pad = (8 - len(payload) % 8) % 8
    return struct.pack("<II", dtype, len(payload)) + payload + bytes(pad)
def matrix(name, rows, cols, values):  # values column-major
    body = element(6, struct.pack("<II", 6, 0))             # miUINT32 array flags: mxDOUBLE_CLASS
    body += element(5, struct.pack("<ii", rows, cols))       # miINT32 dimensions
    body += element(1, name.encode())                        # miINT8 name
    body += element(9, struct.pack("<%dd" % len(values), *values))  # miDOUBLE real part
    return struct.pack("<II", 14, len(body)) + body          # miMATRIX
header = b"MATLAB 5.0 MAT-file, written by scrawl fuzz/make_seeds.sh".ljust(116, b" ") + bytes(8) + struct.pack("<H", 0x0100) + b"IM"
data = [random.random() for _ in range(3 * 16)]
labels = [0.0] * (3 * 26)
for i in range(3):
    labels[i + 3 * i] = 1.0  # column-major: row i, column i
open(os.path.join(out, "mat", "seed0.mat"), "wb").write(header + matrix("valid_data", 3, 16, data) + matrix("valid_labels", 3, 26, labels))
PY
# Small pages drawn by scrawl itself (Hershey fonts), PNG and JPEG.
"$bin" -q synth --font hershey --text "AB 12|CD" --width 240 --height 200 --min-char-height 30 --max-char-height 40 \
  --pages 1 --seed 3 --out "$tmp/png" >/dev/null
"$bin" -q synth --font hershey --text "XY|7" --width 200 --height 240 --min-char-height 30 --max-char-height 40 \
  --pages 1 --seed 4 --format jpg --out "$tmp/jpg" >/dev/null
cp "$tmp"/png/*.png "$out/page/seed0.png"
cp "$tmp"/jpg/*.jpg "$out/page/seed1.jpg"
"$bin" -q train --train "$tmp/t" --arch fc4,relu,fc36 --epochs 1 --out "$out/model/seed0.scrawl" >/dev/null
