#!/usr/bin/env bash
# Seed corpora for the fuzzers, made here (never from ../shared data): a tiny trained model, a tiny IDX pair,
# small .mat files (plain and compressed), a one-page PDF, and small page images (block glyphs drawn below, a Hershey page
# drawn by scrawl synth). Usage: make_seeds.sh SCRAWL_BINARY OUT_DIR
set -euo pipefail
bin=$1 out=$2
rm -rf "$out"
mkdir -p "$out"/{model,idx,mat,page,pdf}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp" "$out" <<'PY'
import gzip, struct, sys, os, random, zlib
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
# The same file with both matrices in compressed (miCOMPRESSED) elements, as MATLAB -v7 writes them.
z = lambda e: struct.pack("<II", 15, len(zlib.compress(e))) + zlib.compress(e)
open(os.path.join(out, "mat", "seed1.mat"), "wb").write(header + z(matrix("valid_data", 3, 16, data)) + z(matrix("valid_labels", 3, 26, labels)))
# Tiny pages of 5x7 block glyphs scaled 3x on gray paper with a gradient: an 8-bit gray PNG and a 24-bit BMP,
# a few KB each, so the page fuzzer can mutate them fast.
font = {"A": ["01110", "10001", "10001", "11111", "10001", "10001", "10001"],
        "B": ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
        "H": ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
        "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
        "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"]}
def page(lines, w, h, s=3):
    px = [[200 + (x + y) * 40 // (w + h) for x in range(w)] for y in range(h)]
    for li, text in enumerate(lines):
        for ci, ch in enumerate(text):
            if ch == " ":
                continue
            for r, row in enumerate(font[ch]):
                for c, bit in enumerate(row):
                    if bit == "1":
                        for dy in range(s):
                            for dx in range(s):
                                px[8 + li * 30 + r * s + dy][8 + ci * 18 + c * s + dx] = 30
    return px
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
g = page(["AB 17", "H1"], 112, 72)
raw = b"".join(b"\0" + bytes(row) for row in g)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 112, 72, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(os.path.join(out, "page", "seed2.png"), "wb").write(png)
g = page(["71"], 56, 40)
rows = b"".join(bytes(v for v in row for _ in range(3)) + bytes((4 - 56 * 3 % 4) % 4) for row in reversed(g))
bmp = b"BM" + struct.pack("<IHHI", 54 + len(rows), 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, 56, 40, 1, 24, 0, len(rows), 2835, 2835, 0, 0) + rows
open(os.path.join(out, "page", "seed3.bmp"), "wb").write(bmp)
PY
# A small page drawn by scrawl itself (Hershey font, photo-like paper), as JPEG: 7.5 KB. (Its PNG is ~70 KB of
# paper noise, too big for the fuzzer to mutate quickly; the PNG seed is the one drawn above.)
"$bin" -q synth --font hershey --text "XY|7" --width 200 --height 240 --min-char-height 30 --max-char-height 40 \
  --pages 1 --seed 4 --format jpg --out "$tmp/jpg" >/dev/null
cp "$tmp"/jpg/*.jpg "$out/page/seed1.jpg"
# The same small page as a one-page PDF (scrawl's own writer: the JPEG embedded as it is).
"$bin" -q synth --font hershey --text "XY|7" --width 200 --height 200 --min-char-height 30 --max-char-height 40 \
  --pages 1 --seed 4 --format pdf --out "$tmp/pdf" >/dev/null
cp "$tmp"/pdf/*.pdf "$out/pdf/seed0.pdf"
"$bin" -q train --train "$tmp/t" --arch fc4,relu,fc36 --epochs 1 --out "$out/model/seed0.scrawl" >/dev/null
