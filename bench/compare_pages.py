#!/usr/bin/python3
"""Reads every page photo that has a NAME.txt ground truth with scrawl and with Tesseract, and prints one
markdown table: glyph and text CER (from `scrawl score`), whether the line count matches, wall time and peak RSS.

Usage: bench/compare_pages.py [--scrawl BIN] [--model FILE] [--no-scrawl] [--no-tesseract] [DIR_OR_IMAGE ...]
Default input: ../shared/data/pages next to the checkout. Add a `scrawl synth` folder to include synthetic pages.

Tesseract runs three ways: default page segmentation (psm 3), psm 6 (one uniform block of text, usually the best
fit for a few handwritten lines), and psm 6 restricted to scrawl's 36 classes (tessedit_char_whitelist), which is
the fairest comparison for a 0-9A-Z reader. Scores are case-sensitive, as the ground truth is uppercase; the
"glyph CER nocase" column folds a-z to A-Z so Tesseract is not charged for case alone.
Times are one cold run each on a possibly busy machine: wall ms includes process start and model load.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


def run_measured(cmd, env=None):
    """Runs cmd, returns (exit code, stdout bytes, stderr bytes, wall ms, peak RSS MB) of that one process."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # Read both pipes before reaping, then take this child's own rusage (not the cumulative RUSAGE_CHILDREN).
    out, err = p.stdout.read(), p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall_ms = (time.monotonic() - t0) * 1000
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    p.stderr.close()
    return p.returncode, out, err, wall_ms, ru.ru_maxrss / 1024.0  # ru_maxrss is KiB on Linux


def find_pages(inputs):
    pages = []
    for inp in inputs:
        files = [inp] if os.path.isfile(inp) else [os.path.join(inp, f) for f in sorted(os.listdir(inp))]
        for f in files:
            stem, ext = os.path.splitext(f)
            if ext.lower() in IMAGE_EXT and os.path.isfile(stem + ".txt"):
                pages.append((f, stem + ".txt"))
    return pages


def score(scrawl, gt, pred_text, tmp, ignore_case=False):
    pred = os.path.join(tmp, "pred.txt")
    with open(pred, "wb") as fh:
        fh.write(pred_text)
    cmd = [scrawl, "score", gt, pred, "--json"] + (["--ignore-case"] if ignore_case else [])
    r = subprocess.run(cmd, capture_output=True, check=False)
    if r.returncode != 0:
        sys.exit("compare_pages: scrawl score failed: " + r.stderr.decode(errors="replace").strip())
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", nargs="*", help="folders of IMAGE + IMAGE.txt pairs, or images")
    ap.add_argument("--scrawl", default=None, help="scrawl binary (default: build/scrawl)")
    ap.add_argument("--model", default=None, help="model for scrawl read (default: the shipped model)")
    ap.add_argument("--no-scrawl", action="store_true", help="skip scrawl read (still uses scrawl score)")
    ap.add_argument("--no-tesseract", action="store_true")
    ap.add_argument("--show-text", action="store_true", help="also print each tool's output")
    a = ap.parse_args()

    scrawl = a.scrawl or os.path.join(ROOT, "build", "scrawl")
    if not os.access(scrawl, os.X_OK):
        sys.exit(f"compare_pages: {scrawl}: no scrawl binary (build it, or pass --scrawl)")
    inputs = a.inputs or [os.path.join(os.path.dirname(ROOT), "shared", "data", "pages")]
    for inp in inputs:
        if not os.path.exists(inp):
            sys.exit(f"compare_pages: {inp}: no such file or folder")
    pages = find_pages(inputs)
    if not pages:
        sys.exit("compare_pages: no IMAGE + IMAGE.txt pairs in " + ", ".join(inputs))
    tess = shutil.which("tesseract")
    if not a.no_tesseract and not tess:
        print("compare_pages: tesseract not installed; showing scrawl only", file=sys.stderr)

    tools = []
    if not a.no_scrawl:
        cmd = [scrawl, "read"] + (["--model", a.model] if a.model else [])
        tools.append(("scrawl", lambda img, c=cmd: c + [img], None))
    if tess and not a.no_tesseract:
        # One thread, like scrawl read on one page, and no OpenMP spinning on a shared machine.
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        wl = ["-c", "tessedit_char_whitelist=" + CLASSES + " "]  # the space keeps word breaks
        tools.append(("tesseract psm3", lambda img: [tess, img, "-", "--psm", "3"], env))
        tools.append(("tesseract psm6", lambda img: [tess, img, "-", "--psm", "6"], env))
        tools.append(("tesseract psm6 0-9A-Z", lambda img: [tess, img, "-", "--psm", "6"] + wl, env))

    rows = []
    texts = []
    with tempfile.TemporaryDirectory(prefix="compare_pages_") as tmp:
        for img, gt in pages:
            for name, mk, env in tools:
                rc, out, err, ms, mb = run_measured(mk(img), env)
                page = os.path.basename(img)
                if rc != 0:
                    msg = err.decode(errors="replace").strip().splitlines()
                    rows.append((page, name, "failed", "", "", "", f"{ms:.0f}", f"{mb:.0f}"))
                    print(f"compare_pages: {name} on {img}: exit {rc}: {msg[-1] if msg else ''}", file=sys.stderr)
                    continue
                s = score(scrawl, gt, out, tmp)
                si = score(scrawl, gt, out, tmp, ignore_case=True)
                rows.append((page, name, f"{100 * s['glyph_cer']:.1f}%", f"{100 * si['glyph_cer']:.1f}%",
                             f"{100 * s['text_cer']:.1f}%", f"{'yes' if s['lines_match'] else 'no'} "
                             f"({s['pred_lines']}/{s['gt_lines']})", f"{ms:.0f}", f"{mb:.0f}"))
                texts.append((page, name, out.decode(errors="replace").strip()))

    head = ("page", "tool", "glyph CER", "glyph CER nocase", "text CER", "lines ok (pred/GT)", "wall ms", "peak MB")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if a.show_text:
        for page, name, t in texts:
            print(f"\n**{page} / {name}**\n```\n{t}\n```")


if __name__ == "__main__":
    main()
