#!/usr/bin/env bash
# Installs scrawl from build/ into a temporary prefix, builds examples/api against the installed CMake package,
# runs it on the bundled example page, and checks the pkg-config file resolves.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d)
trap 'rm -rf "$prefix" build-api' EXIT
cmake --install build --prefix "$prefix" >/dev/null
test -x "$prefix/bin/scrawl" && test -f "$prefix/share/scrawl/models/default.scrawl"
cmake -S examples/api -B build-api -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build build-api -j"$(nproc)" >/dev/null
text=$(build-api/read_page examples/page.png 2>/dev/null)
echo "$text"
[[ -n "$text" ]] || { echo "check-install: the example program read no text" >&2; exit 1; }
# The library's one read call gives what the command prints.
cli_text=$("$prefix/bin/scrawl" read examples/page.png)
[[ "$text" == "$cli_text" ]] || { echo "check-install: the API read differs from scrawl read:" >&2; echo "$cli_text" >&2; exit 1; }
# The installed library and binary must run on CPUs without AVX-512: no zmm registers and no opmask (k0-k7)
# operands anywhere in their code (a build configured with -DSCRAWL_ARCH=native on an AVX-512 machine fails here).
if objdump -d --no-show-raw-insn "$prefix"/lib/libscrawl_*.a "$prefix"/lib/scrawl/*.so "$prefix/bin/scrawl" | grep -Eq '%zmm|%k[0-7]'; then
  echo "check-install: the installed code uses AVX-512 instructions" >&2; exit 1
fi
# The same program built through pkg-config instead of CMake (scrawl.pc names the configured prefix: pointed here).
mkdir -p "$prefix/pc"
sed "s|^prefix=.*|prefix=$prefix|" "$prefix/lib/pkgconfig/scrawl.pc" >"$prefix/pc/scrawl.pc"
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
${CXX:-c++} -std=c++20 -O1 examples/api/read_page.cpp -o "$prefix/read_page_pc" \
  $(PKG_CONFIG_PATH="$prefix/pc" pkg-config --cflags --libs scrawl)
pc_text=$("$prefix/read_page_pc" examples/page.png 2>/dev/null)
[[ "$pc_text" == "$text" ]] || { echo "check-install: the program linked through pkg-config reads differently" >&2; exit 1; }
"$prefix/bin/scrawl" --version
# The installed line model is found beside the installed binary (--recognizer line reads with it).
test -f "$prefix/share/scrawl/models/line.scrawl"
test -f "$prefix/share/scrawl/models/small.scrawl"  # small writing, found the same way
line_text=$("$prefix/bin/scrawl" read --recognizer line examples/page.png)
[[ -n "$line_text" ]] || { echo "check-install: the installed line model read no text" >&2; exit 1; }
# TIFF goes through the imgcodecs plugin: the installed binary must find the installed plugin.
"$prefix/bin/scrawl" synth --font hershey --text "TIFF OK" --format tif --pages 1 --out "$prefix/tif" -q
tif_text=$("$prefix/bin/scrawl" read "$prefix/tif/page_000.tif" --no-lexicon)
echo "$tif_text"
[[ -n "$tif_text" ]] || { echo "check-install: the installed scrawl read no text from a TIFF" >&2; exit 1; }
# PDF and the course's .mat files go through the poppler and matio plugins, found beside the installed binary.
"$prefix/bin/scrawl" synth --font hershey --text "PDF OK" --format pdf --pages 1 --out "$prefix/pdf" -q
pdf_text=$("$prefix/bin/scrawl" read "$prefix/pdf/page_000.pdf" --no-lexicon)
echo "$pdf_text"
[[ -n "$pdf_text" ]] || { echo "check-install: the installed scrawl read no text from a PDF" >&2; exit 1; }
mat="${SCRAWL_DATA:-../shared/data}/nist26/nist26_valid.mat"
"$prefix/bin/scrawl" train --train "$mat" --arch fc26 --epochs 1 --out "$prefix/m26.scrawl" -q ||
  { echo "check-install: the installed scrawl could not train on $mat (matio plugin)" >&2; exit 1; }
# The Python module installs into the prefix's dist-packages, where Debian's python3 imports it with PYTHONPATH.
if [[ -n "$(ls build/python/scrawl*.so 2>/dev/null)" ]]; then
  py_text=$(PYTHONPATH="$prefix/lib/python3/dist-packages" /usr/bin/python3 -c \
    "import scrawl, sys; sys.stdout.write(scrawl.read('examples/page.png').text)")
  [[ "$py_text" == "$cli_text" ]] || { echo "check-install: the installed Python module reads differently" >&2; exit 1; }
fi
echo "check-install: ok"
