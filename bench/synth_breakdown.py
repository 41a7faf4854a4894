#!/usr/bin/python3
"""Why the reader gets synthesized pages wrong: segmentation vs classification, glyph by glyph.

Pages come from `scrawl synth --boxes` (emnist36-test glyphs; the sidecar page_NNN.json holds every glyph's true
box, line and word) and go to a temporary folder that is removed at the end (never into the repository). Each
predicted character box from `scrawl read --format json` is compared with the true boxes:

  merged     one predicted box covers >= half of two or more true glyphs (each of them counts)
  split      two or more predicted boxes lie mostly (>= half their area) inside one true glyph
  missed     no predicted box lies mostly inside the true glyph and none covers it
  extra      a predicted box lies mostly inside no true glyph (noise, or a stray piece)
  segmented  exactly one predicted box for the glyph: then `wrong class` if its label differs

"classifier alone" classifies the true glyphs with the shipped model (bench_synth_crops):
  raw    the EMNIST sample itself, as the model was trained
  ideal  the EMNIST sample upsampled, thresholded and put through the reader's normalize_glyph
  crop   the page's own ink mask inside the true glyph's drawing rectangle, through normalize_glyph: what the
         reader would classify if segmentation were perfect

Glyph CER (whitespace removed) comes from `scrawl score`, pooled over the pages: `argmax` (each glyph's top class),
`off` (--lm-weight 0, the reader's letter/digit rule) and `on` (default word decoding).

  /usr/bin/python3 bench/synth_breakdown.py --build build-synth [--pages 20] [--set dictionary:11 --set random:22]
      [--model FILE] [--keep DIR]   (needs the build's scrawl and bench_synth_crops: -DSCRAWL_BUILD_BENCH=ON)
"""
import argparse
import collections
import glob
import json
import os
import tempfile

from scrawl_cli import read, run, score


def area(b):
    return max(0, b[2]) * max(0, b[3])


def inter(a, b):
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def page_text(page, key):
    lines = []
    for line in page["lines"]:
        words = []
        for w in line["words"]:
            words.append("".join(key(c) for c in w["chars"]))
        lines.append(" ".join(words))
    return "".join(l + "\n" for l in lines)


def argmax_label(c):
    return c["alternatives"][0]["label"] if c["alternatives"] else c["label"]


def match_page(truth, page, counts, confusions):
    """Adds this page's segmentation and classification outcomes to counts."""
    preds = []  # (box, argmax label, reader label, line, word)
    for li, line in enumerate(page["lines"]):
        for wi, w in enumerate(line["words"]):
            for c in w["chars"]:
                preds.append((c["bbox"], argmax_label(c), c["label"], li, wi))
    tboxes = [g["box"] for g in truth]
    state = ["missed"] * len(truth)
    owned = [[] for _ in truth]
    for p, (pb, *_rest) in enumerate(preds):
        pa = max(1, area(pb))
        covers = [t for t, tb in enumerate(tboxes) if inter(pb, tb) >= 0.5 * max(1, area(tb))]
        if len(covers) >= 2:
            for t in covers:
                state[t] = "merged"
            continue
        best = max(range(len(truth)), key=lambda t: inter(pb, tboxes[t]), default=None)
        if best is not None and inter(pb, tboxes[best]) >= 0.5 * pa:
            owned[best].append(p)
        elif covers:
            owned[covers[0]].append(p)
        else:
            counts["extra"] += 1
            if pb[2] * pb[3] > 0:
                counts["extra_px"] += area(pb)
    seg_ok = {}  # truth index -> prediction index
    for t, g in enumerate(truth):
        if state[t] == "merged":
            pass
        elif len(owned[t]) >= 2:
            state[t] = "split"
        elif len(owned[t]) == 1:
            state[t] = "segmented"
            seg_ok[t] = owned[t][0]
        counts[state[t]] += 1
        counts["glyphs"] += 1
    for t, p in seg_ok.items():
        ch = truth[t]["ch"]
        if preds[p][1] != ch:
            counts["wrong_argmax"] += 1
            confusions[(ch, preds[p][1])] += 1
        if preds[p][2] != ch:
            counts["wrong_reader"] += 1
    # Grouping: consecutive correctly segmented true glyphs, on the same true line, read on different lines or
    # with a different word break.
    for t in range(len(truth) - 1):
        if t in seg_ok and t + 1 in seg_ok and truth[t]["line"] == truth[t + 1]["line"]:
            a, b = preds[seg_ok[t]], preds[seg_ok[t + 1]]
            counts["pairs"] += 1
            if a[3] != b[3]:
                counts["line_break_wrong"] += 1
            elif (a[4] != b[4]) != (truth[t]["word"] != truth[t + 1]["word"]):
                counts["word_break_wrong"] += 1
    return seg_ok


def pct(a, b):
    return f"{100.0 * a / b:5.2f}%" if b else "   n/a"


def breakdown(a, build, data, name, images, tmp):
    scrawl = os.path.join(build, "scrawl")
    gts = [os.path.splitext(p)[0] + ".txt" for p in images]
    truths = []
    for p in images:
        with open(os.path.splitext(p)[0] + ".json") as f:
            truths.append(json.load(f)["glyphs"])
    off, _ = read(scrawl, images, ["--lm-weight", "0"], a.model)
    on, _ = read(scrawl, images, [], a.model)
    cer = {
        "argmax": score(scrawl, gts, [page_text(p, argmax_label) for p in off], tmp),
        "off": score(scrawl, gts, [page_text(p, lambda c: c["label"]) for p in off], tmp),
        "on": score(scrawl, gts, [page_text(p, lambda c: c["label"]) for p in on], tmp),
    }
    counts = collections.Counter()
    confusions = collections.Counter()
    for truth, page in zip(truths, off):
        match_page(truth, page, counts, confusions)
    # Classifier alone on the true glyphs.
    cmd = [os.path.join(build, "bench_synth_crops"), "--glyphs", os.path.join(data, "emnist36", "emnist36-test")]
    if a.model:
        cmd += ["--model", a.model]
    alone = [json.loads(l) for l in run(cmd + images).splitlines() if l.strip()]
    acc = {k: sum(r[k] == r["ch"] for r in alone) for k in ("raw", "ideal", "crop")}
    n = counts["glyphs"]
    print(f"\n== {name}: {len(images)} pages, {n} true glyphs")
    print("glyph CER (edits / GT glyphs):  " +
          "   ".join(f"{k} {pct(e, g)} ({e}/{g})" for k, (e, g) in cer.items()))
    print("segmentation of the true glyphs:")
    for k in ("segmented", "merged", "split", "missed"):
        print(f"  {k:<10} {counts[k]:>5}  {pct(counts[k], n)}")
    print(f"  {'extra':<10} {counts['extra']:>5}  {pct(counts['extra'], n)}  (predicted boxes on no true glyph)")
    s = counts["segmented"]
    print(f"wrong class among segmented glyphs: argmax {counts['wrong_argmax']} ({pct(counts['wrong_argmax'], s)}),"
          f" after the reader's letter/digit rule {counts['wrong_reader']} ({pct(counts['wrong_reader'], s)})")
    print(f"grouping among {counts['pairs']} neighbour pairs: line break wrong {counts['line_break_wrong']},"
          f" word break wrong {counts['word_break_wrong']} (spaces and lines do not count in glyph CER)")
    print(f"classifier alone on the {len(alone)} true glyphs: " +
          ", ".join(f"{k} {pct(len(alone) - v, len(alone))} wrong" for k, v in acc.items()))
    top = ", ".join(f"{t}->{p} {c}" for (t, p), c in confusions.most_common(12))
    print(f"most frequent confusions (segmented, argmax): {top}")
    return cer, counts, acc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/data"))
    ap.add_argument("--model", default="")
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--set", action="append", default=[], help="KIND:SEED, KIND dictionary|random|mixed")
    ap.add_argument("--keep", default="", help="write (or reuse) the pages in this folder instead of a temp one")
    a = ap.parse_args()
    sets = a.set or ["dictionary:11", "random:22"]
    data = os.path.abspath(a.data)
    with tempfile.TemporaryDirectory(prefix="scrawl_synth_breakdown_") as tmp:
        root = a.keep or tmp
        for spec in sets:
            kind, seed = spec.split(":")
            out = os.path.join(root, f"{kind}_{seed}_{a.pages}")
            if not glob.glob(os.path.join(out, "page_*.json")):
                run([os.path.join(a.build, "scrawl"), "-q", "synth", "--glyphs",
                     os.path.join(data, "emnist36", "emnist36-test"), "--out", out, "--pages", str(a.pages), "--seed",
                     seed, "--words", kind, "--boxes"])
            images = sorted(glob.glob(os.path.join(out, "page_*.png")))
            breakdown(a, a.build, data, f"{kind} pages, seed {seed}", images, tmp)


if __name__ == "__main__":
    main()
