"""Running the scrawl binary from the benchmark scripts: read pages as JSON, score texts against ground truth."""
import json
import os
import subprocess
import sys
import time


def run(cmd):
    """stdout of cmd; exits naming the command when it fails."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{os.path.basename(sys.argv[0])}: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def read(scrawl, images, extra, model):
    """(pages, seconds): `scrawl read --format json` of all images in one process, two pages at a time."""
    cmd = [scrawl, "read", "--format", "json", "--jobs", "2"] + extra + images
    if model:
        cmd += ["--model", model]
    t = time.perf_counter()
    out = json.loads(run(cmd))
    return (out["pages"] if "pages" in out else [out]), time.perf_counter() - t


def score(scrawl, gts, texts, tmp):
    """Pooled glyph CER over pages: (sum of edits, sum of ground-truth glyphs), by `scrawl score`."""
    edits = glyphs = 0
    for i, (gt, text) in enumerate(zip(gts, texts)):
        pred = os.path.join(tmp, f"pred_{i}.txt")
        with open(pred, "w") as f:
            f.write(text)
        s = json.loads(run([scrawl, "score", "--json", gt, pred]))
        edits += s["glyph_edits"]
        glyphs += s["gt_glyphs"]
    return edits, glyphs
