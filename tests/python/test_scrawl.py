"""The Python module: reading from paths and numpy arrays, results, formats, errors, threads, Model.classify.

Run by scripts/test.sh: PYTHONPATH=build/python python3 -m pytest tests/python (Debian's python3 and pytest).
SCRAWL_DATA overrides ../shared/data; SCRAWL_BINARY names the scrawl CLI used to draw test pages.
"""
import gzip
import json
import os
import struct
import subprocess
import threading

import numpy as np
import pytest

import scrawl

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.environ.get("SCRAWL_DATA", os.path.normpath(os.path.join(SOURCE, "..", "shared", "data")))
SCHEMAS = os.path.normpath(os.path.join(DATA, "..", "schemas"))
BINARY = os.environ.get("SCRAWL_BINARY", os.path.join(SOURCE, "build", "scrawl"))
PHOTOS = ["02_letters", "03_haiku", "04_deep"]


def photo(name):
    return os.path.join(DATA, "pages", name + ".jpg")


def truth(name):
    with open(os.path.join(DATA, "pages", name + ".txt")) as f:
        return f.read().strip("\n") + "\n"


def read_bmp(path):
    """A 24-bit uncompressed BMP as an (H, W, 3) BGR uint8 array (what scrawl synth --format bmp writes)."""
    with open(path, "rb") as f:
        b = f.read()
    offset, = struct.unpack_from("<I", b, 10)
    w, h, _, bpp = struct.unpack_from("<iiHH", b, 18)
    assert bpp == 24
    stride = (w * 3 + 3) // 4 * 4
    rows = np.frombuffer(b, np.uint8, stride * abs(h), offset).reshape(abs(h), stride)[:, : w * 3]
    img = rows.reshape(abs(h), w, 3)
    return np.ascontiguousarray(img[::-1] if h > 0 else img)


def test_reads_the_shared_photos_exactly():
    for name in PHOTOS:
        page = scrawl.read(photo(name))
        assert page.text == truth(name)
        assert page.path == photo(name)
        assert page.page_number == 0
        assert len(page.lines) == truth(name).count("\n")


def test_results_nest_lines_words_chars_with_boxes_and_confidences():
    page = scrawl.read(photo("02_letters"))
    assert page.lines[0].text == "A B C D E F G"
    word = page.lines[0].words[0]
    assert word.text == "A"
    char = word.chars[0]
    assert char.text == "A"
    x, y, w, h = char.bbox
    assert 0 <= x < page.width and 0 <= y < page.height and w > 0 and h > 0
    lx, ly, lw, lh = page.lines[0].bbox
    assert lx <= x and ly <= y and x + w <= lx + lw and y + h <= ly + lh  # the char inside its line
    assert 0 < char.confidence <= 1
    assert char.alternatives[0] == (char.text, pytest.approx(char.confidence))
    assert len(char.alternatives) == 3
    assert word.confidence == pytest.approx(min(c.confidence for c in word.chars))
    line = page.lines[0]
    assert line.confidence == pytest.approx(min(w.confidence for w in line.words))


def test_a_numpy_image_reads_like_its_file(tmp_path):
    subprocess.run([BINARY, "-q", "synth", "--font", "hershey", "--text", "HELLO WORLD|42", "--format", "bmp",
                    "--seed", "5", "--width", "900", "--height", "500", "--out", str(tmp_path)], check=True)
    path = str(tmp_path / "page_000.bmp")
    bgr = read_bmp(path)
    from_file = scrawl.read(path).text
    assert scrawl.read(bgr).text == from_file
    assert scrawl.read(np.ascontiguousarray(bgr[:, :, ::-1]), color="rgb").text == from_file
    gray = (0.114 * bgr[:, :, 0] + 0.587 * bgr[:, :, 1] + 0.299 * bgr[:, :, 2]).astype(np.uint8)
    assert scrawl.read(gray).text == from_file
    assert from_file.startswith("HELLO WORLD")


def test_options_match_the_cli():
    plain = scrawl.read(photo("03_haiku"), lexicon=False, lm_weight=0)
    cli = subprocess.run([BINARY, "read", "--lm-weight", "0", photo("03_haiku")], check=True,
                         capture_output=True, text=True).stdout
    assert plain.text == cli
    line = scrawl.read(photo("02_letters"), recognizer="line")
    cli = subprocess.run([BINARY, "read", "--recognizer", "line", photo("02_letters")], check=True,
                         capture_output=True, text=True).stdout
    assert line.text == cli
    with pytest.raises(ValueError, match="recognizer"):
        scrawl.read(photo("02_letters"), recognizer="tesseract")


def test_small_writing_reads_with_the_small_model_as_the_cli_does(tmp_path):
    # A small-writing page (12-16 px capitals, seed 24): read with the shipped small-writing model by default, as
    # `scrawl read` does, and with the glyph model alone when small_model names it, as --small-model does.
    subprocess.run([BINARY, "-q", "synth", "--glyphs", os.path.join(DATA, "emnist36", "emnist36-test"), "--seed",
                    "24", "--width", "1240", "--height", "1754", "--min-char-height", "12", "--max-char-height", "16",
                    "--format", "bmp", "--out", str(tmp_path)], check=True)
    page = str(tmp_path / "page_000.bmp")
    default_model = os.path.join(SOURCE, "models", "default.scrawl")

    def cli(*args):
        return subprocess.run([BINARY, "read", *args, page], check=True, capture_output=True, text=True).stdout

    shipped = scrawl.read(page).text
    assert shipped == cli()
    alone = scrawl.read(page, small_model=default_model).text
    assert alone == cli("--small-model", default_model)
    assert alone != shipped
    assert scrawl.read(page, small_model="none").text == alone
    assert scrawl.read(page, model=default_model).text == alone  # a model given reads small writing too
    with pytest.raises(RuntimeError, match="line.scrawl: the small-writing model reads"):
        scrawl.read(page, small_model=os.path.join(SOURCE, "models", "line.scrawl"))


def test_errors_carry_the_cli_messages(tmp_path):
    with pytest.raises(RuntimeError, match="nope.png: no such file"):
        scrawl.read(str(tmp_path / "nope.png"))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    with pytest.raises(RuntimeError, match="bad.png: "):
        scrawl.read(str(bad))
    with pytest.raises(ValueError, match="shape"):
        scrawl.read(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(RuntimeError, match="no paper"):
        scrawl.read(np.zeros((200, 200), np.uint8))


def test_formats(tmp_path):
    page = scrawl.read(photo("02_letters"))
    j = json.loads(page.to_json())
    assert j["text"] == page.text and len(j["lines"]) == 5
    assert 'class="ocrx_word"' in page.to_hocr()
    for xml, schema in ((page.to_alto(), "alto-4-4.xsd"), (page.to_page(), "page-2019-07-15.xsd")):
        f = tmp_path / "out.xml"
        f.write_text(xml)
        r = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", os.path.join(SCHEMAS, schema), str(f)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    assert "<Created>2026-01-01T00:00:00Z</Created>" in page.to_page(created="2026-01-01T00:00:00Z")


def test_pdf_pages(tmp_path):
    subprocess.run([BINARY, "-q", "synth", "--font", "hershey", "--text", "PDF PAGE", "--format", "pdf",
                    "--seed", "6", "--width", "900", "--height", "500", "--out", str(tmp_path)], check=True)
    pages = scrawl.read_pages(str(tmp_path / "page_000.pdf"))
    assert len(pages) == 1
    assert pages[0].page_number == 1
    assert pages[0].text == "PDF PAGE\n"
    assert (pages[0].width, pages[0].height) == (900, 500)
    assert scrawl.read_pages(str(tmp_path / "page_000.pdf"), dpi=150)[0].width == 450


def test_threads_read_in_parallel_and_agree():
    # The GIL is released while a page is read: the main thread keeps running Python meanwhile.
    done = threading.Event()
    result = {}

    def work():
        result["text"] = scrawl.read(photo("04_deep")).text
        done.set()

    scrawl.read(photo("04_deep"))  # the reader is cached: what the thread times is the reading
    t = threading.Thread(target=work)
    spins = 0
    t.start()
    while not done.is_set():
        spins += 1
    t.join()
    assert result["text"] == truth("04_deep")
    assert spins > 10000, spins  # with the GIL held for the whole read this stays near 0
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda n: scrawl.read(photo(n)).text, PHOTOS * 3))
    assert texts == [truth(n) for n in PHOTOS * 3]


def load_idx(split, n):
    prefix = os.path.join(DATA, "emnist36", "emnist36-" + split)
    with gzip.open(prefix + "-images-idx3-ubyte.gz") as f:
        b = f.read()
    images = np.frombuffer(b, np.uint8, n * 28 * 28, 16).reshape(n, 28, 28)
    with gzip.open(prefix + "-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, n, 8)
    return images, labels


def test_model_classifies_emnist_test_glyphs():
    model = scrawl.Model(os.path.join(SOURCE, "models", "default.scrawl"))
    assert model.classes == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    images, labels = load_idx("test", 200)
    glyphs = images.transpose(0, 2, 1).astype(np.float32) / 255  # EMNIST is stored transposed
    out = model.classify(glyphs)
    assert len(out) == 200 and len(out[0]) == 3
    right = sum(top[0][0] == model.classes[label] for top, label in zip(out, labels))
    assert right >= 180  # the shipped model reads ~95% of emnist36-test (BENCHMARKS.md)
    assert out[0][0][1] >= out[0][1][1] >= out[0][2][1]
    with pytest.raises(ValueError, match="28, 28"):
        model.classify(np.zeros((2, 20, 20), np.float32))
    with pytest.raises(RuntimeError):
        scrawl.Model("/nonexistent.scrawl")
