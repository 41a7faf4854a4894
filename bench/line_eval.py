#!/usr/bin/python3
"""The glyph path against the line recognizer (scrawl read --recognizer glyph|line), on every page set issue 14 names.

Sets (synthesized pages go to a temporary folder that is removed at the end, never into the repository):
  photos      the shared phone photos (../shared/data/pages/*.jpg with NAME.txt)
  dictionary  20 pages of dictionary words from emnist36-test (seed 31)
  random      20 pages of random letter-digit strings (seed 32)
  mixed       20 pages of `scrawl synth`'s default mix (seed 81)
  touching    20 pages whose letters touch or overlap: --gap -0.25:0.05 (seed 301)
  wide        20 pages of widely spaced letters: --gap 0.35:0.6, word gaps at least twice that (seed 401)
All seeds are held out: none was used to tune the reader or to choose the line model (--seed-shift 1000 gives
other pages, on which auto's thresholds were chosen).

Per set and recognizer: pooled glyph CER (spaces ignored), text CER (spaces kept: words split or joined count),
lines whose count matches the ground truth, and the read time of the whole set (2 pages at a time).

  bench/line_eval.py --build build [--line-model FILE] [--sets touching,photos] [--recognizers glyph,line,auto]
                     [--extra-line ARGS] [--seed-shift N] [--old BIN]

--old BIN adds a row "old": the pages read by another scrawl binary (older code, e.g. the day an issue was filed),
one `BIN read PAGE` each with its defaults, as such a binary may lack --jobs and --recognizer.
"""
import argparse
import glob
import json
import os
import shlex
import tempfile
import time

from scrawl_cli import run

SETS = {  # name: (synth args, seed)
    "dictionary": (["--words", "dictionary"], 31),
    "random": (["--words", "random"], 32),
    "mixed": ([], 81),
    "touching": (["--gap", "-0.25:0.05"], 301),
    "wide": (["--gap", "0.35:0.6"], 401),
}


def read_texts(scrawl, images, extra):
    cmd = [scrawl, "read", "--format", "json", "--jobs", "2"] + extra + images
    t = time.perf_counter()
    out = json.loads(run(cmd))
    pages = out["pages"] if "pages" in out else [out]
    texts = [p["text"] if p["text"].endswith("\n") or not p["text"] else p["text"] + "\n" for p in pages]
    return texts, time.perf_counter() - t


def score_all(scrawl, gts, texts, tmp):
    tot = {"glyph_edits": 0, "gt_glyphs": 0, "text_edits": 0, "gt_chars": 0, "lines_match": 0}
    for i, (gt, text) in enumerate(zip(gts, texts)):
        pred = os.path.join(tmp, f"pred_{i}.txt")
        with open(pred, "w") as f:
            f.write(text)
        s = json.loads(run([scrawl, "score", "--json", gt, pred]))
        for k in tot:
            tot[k] += int(s[k])
    return tot


def print_row(name, rec, t, pages, secs):
    g = 100 * t["glyph_edits"] / max(1, t["gt_glyphs"])
    c = 100 * t["text_edits"] / max(1, t["gt_chars"])
    print(f"{name:<12} {rec:<12} {g:6.2f}% ({t['glyph_edits']:>4}/{t['gt_glyphs']:>5})  "
          f"{c:6.2f}% ({t['text_edits']:>4}/{t['gt_chars']:>5})  {t['lines_match']:>2}/{pages:<3}"
          f"  {secs:6.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../shared/data"))
    ap.add_argument("--line-model", default="", help="line model (default: the shipped models/line.scrawl)")
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--sets", default="photos," + ",".join(SETS), help="comma-separated subset")
    ap.add_argument("--recognizers", default="glyph,line,auto")
    ap.add_argument("--seed-shift", type=int, default=0,
                    help="added to every seed: 1000 gives the tuning pages (auto's threshold was set there)")
    ap.add_argument("--extra-line", default="", help="more `scrawl read` arguments for the line rows")
    ap.add_argument("--old", default="", help="another scrawl binary whose default reading is scored as row 'old'")
    a = ap.parse_args()
    scrawl = os.path.join(a.build, "scrawl")
    data = os.path.abspath(a.data)
    names = a.sets.split(",")
    with tempfile.TemporaryDirectory(prefix="scrawl_line_eval_") as tmp:
        print("set          recognizer   glyph CER            text CER             lines   seconds")
        for name in names:
            if name == "photos":
                images = sorted(glob.glob(os.path.join(data, "pages", "*.jpg")))
            else:
                args, seed = SETS[name]
                out = os.path.join(tmp, name)
                run([scrawl, "synth", "--glyphs", os.path.join(data, "emnist36", "emnist36-test"), "--out", out,
                     "--pages", str(a.pages), "--seed", str(seed + a.seed_shift), "-q"] + args)
                images = sorted(glob.glob(os.path.join(out, "page_*.png")))
            gts = [os.path.splitext(p)[0] + ".txt" for p in images]
            for rec in a.recognizers.split(",") + (["old"] if a.old else []):
                if rec == "old":
                    t0 = time.perf_counter()
                    texts = [run([a.old, "read", p]) for p in images]
                    secs = time.perf_counter() - t0
                    texts = [x if x.endswith("\n") or not x else x + "\n" for x in texts]
                    t = score_all(scrawl, gts, texts, tmp)
                    print_row(name, rec, t, len(images), secs)
                    continue
                extra = ["--recognizer", rec]
                if rec != "glyph":
                    if a.line_model:
                        extra += ["--line-model", a.line_model]
                    extra += shlex.split(a.extra_line)
                texts, secs = read_texts(scrawl, images, extra)
                t = score_all(scrawl, gts, texts, tmp)
                print_row(name, rec, t, len(images), secs)


if __name__ == "__main__":
    main()
