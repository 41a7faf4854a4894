#!/usr/bin/python3
"""How many 1s and Is in an EMNIST split are a bare vertical stroke, with nothing that tells them apart.

A glyph counts as bare when no ink row is wider than 2.2x the median row width (no flag on a 1, no serif or foot
on an I) and its ink box is narrower than 0.45 of its height. On those glyphs a classifier that sees only the
glyph can do no better than guessing the more common class, so min(bare 1s, bare Is) errors are unavoidable.

    /usr/bin/python3 bench/pair_ambiguity.py [IDX_PREFIX]   # default ../shared/data/emnist36/emnist36-test
"""
import gzip
import os
import sys

import numpy as np

CLASSES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'


def read_idx(path):
    data = gzip.open(path).read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def is_bare_stroke(img):
    ink = img > 127
    rows = ink.sum(axis=1)
    rows = rows[rows > 0]
    ys, xs = np.nonzero(ink)
    width, height = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    return not np.any(rows > 2.2 * np.median(rows)) and width < 0.45 * height


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    prefix = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '../../shared/data/emnist36/emnist36-test')
    images = read_idx(prefix + '-images-idx3-ubyte.gz').transpose(0, 2, 1)  # EMNIST stores glyphs transposed
    labels = read_idx(prefix + '-labels-idx1-ubyte.gz')
    bare = {}
    for c in '1I':
        glyphs = images[labels == CLASSES.index(c)]
        bare[c] = sum(is_bare_stroke(g) for g in glyphs)
        print(f'{c}: {len(glyphs)} glyphs, {bare[c]} bare vertical strokes')
    print(f'unavoidable 1/I errors without context: about {min(bare.values())}')


if __name__ == '__main__':
    main()
