#!/usr/bin/python3
"""Glyph CER with and without contextual decoding (scrawl read --lm-weight), scored by `scrawl score`.

Sets: the shared page photos (../shared/data/pages/*.jpg with NAME.txt), pages synthesized from emnist36-test with
dictionary words, pages of random letter-and-digit strings, and `scrawl synth`'s default mix of the two with numbers
(half words, a quarter numbers, a quarter random strings). Synthesized pages go to a temporary folder that is
removed at the end (never into the repository).

Rows per set:
  argmax      each glyph's top class, no context at all (from the JSON of the `off` run)
  off         scrawl read --lm-weight 0: the reader's own letter/digit majority rule, no decoder
  on          scrawl read (default --lm-weight, wamerican lexicon + trigram + number shapes)
  no-lexicon  scrawl read --no-lexicon (letter trigram + number shapes, no whole-word lookup)

  bench/decode_eval.py --build build-lex [--pages 20] [--model FILE] [--lm-weight W ...]

Seeds: the reported table uses held-out seeds 31 (dictionary), 32 (random) and 81 (mixed; 55, 61 and 71 were used to tune word spacing). The decoder's defaults were chosen
on other pages (seed 101, 30 pages of each kind, plus the photos); do not tune on 31/32.
"""
import argparse
import glob
import os
import tempfile

from scrawl_cli import read, run, score


def argmax_text(page):
    lines = []
    for line in page["lines"]:
        words = []
        for w in line["words"]:
            words.append("".join(c["alternatives"][0]["label"] if c["alternatives"] else c["label"] for c in w["chars"]))
        lines.append(" ".join(words))
    return "".join(l + "\n" for l in lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/data"))
    ap.add_argument("--model", default="", help="model file (default: the shipped model)")
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--seed-dict", type=int, default=31)
    ap.add_argument("--seed-random", type=int, default=32)
    ap.add_argument("--seed-mixed", type=int, default=81)
    ap.add_argument("--lm-weight", type=float, nargs="*", default=[], help="extra rows at these weights")
    a = ap.parse_args()
    scrawl = os.path.join(a.build, "scrawl")
    data = os.path.abspath(a.data)
    with tempfile.TemporaryDirectory(prefix="scrawl_decode_eval_") as tmp:
        sets = {"photos": sorted(glob.glob(os.path.join(data, "pages", "*.jpg")))}
        for kind, seed in (("dictionary", a.seed_dict), ("random", a.seed_random), ("mixed", a.seed_mixed)):
            out = os.path.join(tmp, kind)
            run([scrawl, "synth", "--glyphs", os.path.join(data, "emnist36", "emnist36-test"), "--out", out,
                 "--pages", str(a.pages), "--seed", str(seed), "--words", kind])
            sets[kind] = sorted(glob.glob(os.path.join(out, "page_*.png")))
        modes = [("off", ["--lm-weight", "0"]), ("on", []), ("no-lexicon", ["--no-lexicon"])]
        modes += [(f"w={w:g}", ["--lm-weight", str(w)]) for w in a.lm_weight]
        results = {}
        for name, images in sets.items():
            gts = [os.path.splitext(p)[0] + ".txt" for p in images]
            for mode, extra in modes:
                pages, secs = read(scrawl, images, extra, a.model)
                texts = [p["text"] if p["text"].endswith("\n") or not p["text"] else p["text"] + "\n" for p in pages]
                results[(name, mode)] = score(scrawl, gts, texts, tmp) + (secs,)
                if mode == "off":
                    results[(name, "argmax")] = score(scrawl, gts, [argmax_text(p) for p in pages], tmp) + (0,)
        names = list(sets)
        print("glyph CER % (edits / GT glyphs); read time in s for the whole set, 2 jobs")
        print(f"{'mode':<12}" + "".join(f"{n + f' ({len(sets[n])} pages)':>32}" for n in names))
        for mode in ["argmax"] + [m for m, _ in modes]:
            row = f"{mode:<12}"
            for n in names:
                e, g, s = results[(n, mode)]
                row += f"{100 * e / g:>10.2f} ({e:>4}/{g:>5})" + (f" {s:6.1f}s" if s else " " * 8)
            print(row)


if __name__ == "__main__":
    main()
