#!/usr/bin/python3
"""Read every image and PDF in a folder with scrawl's Python module, four pages at a time, and print each page's
fields and text. scrawl releases the GIL while it reads, so a thread pool keeps several cores busy.

  cmake -S . -B build -DSCRAWL_PYTHON=ON && cmake --build build -j
  PYTHONPATH=build/python examples/python/read_folder.py FOLDER
"""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import scrawl


def pages_of(path):
    return scrawl.read_pages(path, dpi=300)


def main(folder):
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                   if f.lower().endswith((".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".pdf")))
    with ThreadPoolExecutor(4) as pool:
        for path, pages in zip(files, pool.map(pages_of, files)):
            for page in pages:
                where = path if not page.page_number else f"{path} page {page.page_number}"
                print(f"==> {where} <==")
                for field in page.fields:
                    print(f"  [{field['kind']} at {field['bbox']}] {field['text']!r}")
                print(page.text, end="")
                unsure = [c.text for line in page.lines for w in line.words for c in w.chars if c.confidence < 0.5]
                if unsure:
                    print(f"  ({len(unsure)} unsure characters: {' '.join(unsure)})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
