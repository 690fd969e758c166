"""Output formats (word2vec.c's text and binary vectors, -classes) and k-means.

tests/data/tiny_c.bin is a hand-made file in C's binary format (reference 1.8)::

    "3 2\\n"
    "</s> "  00 00 00 3F  00 00 80 BE  "\\n"      0.5    -0.25
    "king "  00 00 C0 3F  00 00 00 C0  "\\n"      1.5    -2.0
    "naïve " 00 00 00 3E  00 00 40 40  "\\n"      0.125   3.0   (word in UTF-8)

and tests/data/tiny_c.txt the same vectors in C's text format (``%f`` and a
space after every value)."""
from __future__ import annotations

import os
import struct
import subprocess

import numpy as np
import pytest

import w2v
from w2v import _tables, formats, vectors
from w2v.corpus import count_corpus
from w2v.classes import kmeans_classes
from w2vtest import C_WORD2VEC, DATA, planted_corpus, read_binary_vectors, read_text_vectors

TINY_WORDS = [b"</s>", b"king", "naïve".encode()]
TINY = np.array([[0.5, -0.25], [1.5, -2.0], [0.125, 3.0]], dtype=np.float32)
GENSIM_PY = "/tmp/benv/bin/python"


def test_text_exact_bytes(tmp_path):
    words = [b"</s>", b"a", "é".encode()]
    m = np.array([[0.5, -0.25], [1e-7, -1e-7], [123.456789, -5e-7]], dtype=np.float32)
    path = str(tmp_path / "v.txt")
    vectors.save_word2vec(path, words, m, binary=False)
    # %f: 6 decimals, tiny negatives print as -0.000000 (like C's printf);
    # float32(123.456789) = 123.45678710..., so 123.456787
    assert open(path, "rb").read() == (b"3 2\n"
                                       b"</s> 0.500000 -0.250000 \n"
                                       b"a 0.000000 -0.000000 \n"
                                       b"\xc3\xa9 123.456787 -0.000000 \n")


def test_binary_exact_bytes(tmp_path):
    path = str(tmp_path / "v.bin")
    vectors.save_word2vec(path, ["</s>", "x"], np.array([[1.0], [-2.5]], dtype=np.float64), binary=True)
    # str words are written as UTF-8; float64 input is stored as float32
    # 1.0 = 0x3F800000, -2.5 = 0xC0200000, little-endian
    assert open(path, "rb").read() == (b"2 1\n</s> \x00\x00\x80\x3f\nx \x00\x00\x20\xc0\n")


def test_hand_made_c_files_round_trip(tmp_path):
    c_bin = os.path.join(DATA, "tiny_c.bin")
    c_txt = os.path.join(DATA, "tiny_c.txt")
    words, m = read_binary_vectors(c_bin)
    assert words == TINY_WORDS and (m == TINY).all()
    words, m = read_text_vectors(c_txt)
    assert words == TINY_WORDS and (m == TINY).all()
    # our writers reproduce both files byte for byte
    vectors.save_word2vec(str(tmp_path / "o.bin"), TINY_WORDS, TINY, binary=True)
    vectors.save_word2vec(str(tmp_path / "o.txt"), TINY_WORDS, TINY, binary=False)
    assert (tmp_path / "o.bin").read_bytes() == open(c_bin, "rb").read()
    assert (tmp_path / "o.txt").read_bytes() == open(c_txt, "rb").read()


@pytest.mark.skipif(not hasattr(vectors, "load"), reason="w2v.vectors.load (reader) not in this branch")
@pytest.mark.parametrize("name", ["tiny_c.bin", "tiny_c.txt"])
def test_load_hand_made_c_files(name):
    # (the reader belongs to another branch: accept a (words, matrix) pair or
    # an object with words/index_to_key and vectors/matrix)
    kv = w2v.load(os.path.join(DATA, name))
    if isinstance(kv, tuple):
        got_words, matrix = kv
    else:
        got_words = next(getattr(kv, a) for a in ("words", "index_to_key") if hasattr(kv, a))
        matrix = next(getattr(kv, a) for a in ("vectors", "matrix") if hasattr(kv, a))
    got_words = [w if isinstance(w, bytes) else w.encode("utf-8") for w in got_words]
    assert got_words == TINY_WORDS
    assert np.array_equal(np.asarray(matrix, dtype=np.float32), TINY)


def test_text_block_boundary_and_many_rows(tmp_path):
    # the text writer formats 4096 rows at a time: check rows around the seams
    rng = np.random.default_rng(3)
    V, D = 5000, 3
    m = (rng.standard_normal((V, D)) * 10).astype(np.float32)
    words = [b"w%d" % i for i in range(V)]
    path = str(tmp_path / "big.txt")
    vectors.save_word2vec(path, words, m, binary=False)
    expected = b"%d %d\n" % (V, D) + b"".join(
        w + b" " + b"".join(b"%f " % float(x) for x in row) + b"\n" for w, row in zip(words, m))
    assert open(path, "rb").read() == expected
    bpath = str(tmp_path / "big.bin")
    vectors.save_word2vec(bpath, words, m, binary=True)
    bw, bm = read_binary_vectors(bpath)
    assert bw == words and (bm == m).all()


def test_writer_checks_shapes(tmp_path):
    with pytest.raises(ValueError):
        vectors.save_word2vec(str(tmp_path / "x.txt"), [b"a"], np.zeros((2, 3), np.float32), binary=False)
    assert os.listdir(tmp_path) == []


def test_failed_write_leaves_no_file_and_keeps_old_one(tmp_path, monkeypatch):
    path = tmp_path / "v.txt"
    path.write_bytes(b"old contents\n")
    calls = []

    class Boom:
        @staticmethod
        def format_text_rows(words, m, start, stop):
            calls.append(start)
            if len(calls) == 2:
                raise RuntimeError("disk on fire")
            return b"x\n"

    monkeypatch.setattr(formats, "_vecio", Boom)
    with pytest.raises(RuntimeError):
        vectors.save_word2vec(str(path), [b"w"] * 5000, np.zeros((5000, 2), np.float32), binary=False)
    assert calls == [0, 4096]
    assert path.read_bytes() == b"old contents\n"
    assert os.listdir(tmp_path) == ["v.txt"]     # the temporary file is gone


def test_save_classes_bytes(tmp_path):
    path = str(tmp_path / "c.txt")
    vectors.save_classes(path, [b"</s>", b"a", b"b"], np.array([2, 0, 1]))
    # no header; `word class` per line
    assert open(path, "rb").read() == b"</s> 2\na 0\nb 1\n"


# ------------------------------------------------------------------ k-means
def test_kmeans_hand_worked():
    """K = 2, six 2-d vectors, A = near x axis, B = near y axis, mixed ids.
    Start: word i in class i mod 2 -> class 0 = {0, 2, 4}, class 1 = {1, 3, 5}.
      centroid 0 = (1 + 0 + 1, 0 + 1 + 0.1) / 4 -> direction (2, 1.1) = (0.876, 0.482)
      centroid 1 = (0.9 + 0.1 + 0.2, 0.2 + 1 + 0.9) / 4 -> (1.2, 2.1) = (0.496, 0.868)
      dots (c0 vs c1): w0 (1, 0) .876/.496 -> 0; w1 (.9, .2) .885/.620 -> 0
                       w2 (0, 1) .482/.868 -> 1; w3 (.1, 1) .570/.918 -> 1
                       w4 (1, .1) .924/.583 -> 0; w5 (.2, .9) .609/.881 -> 1
    Iteration 2: centroids (2.9, 0.3) and (0.3, 2.9) keep the same classes."""
    x = np.array([[1, 0], [0.9, 0.2], [0, 1], [0.1, 1], [1, 0.1], [0.2, 0.9]], dtype=np.float32)
    assert kmeans_classes(x, 2).tolist() == [0, 0, 1, 1, 0, 1]
    # zero iterations: the initial i mod K assignment
    assert kmeans_classes(x, 4, iterations=0).tolist() == [0, 1, 2, 3, 0, 1]


def test_kmeans_uses_raw_vector_sums():
    """Centroids sum the raw (unnormalised) vectors.  One iteration, K = 2:
      w0 = (1, 2)  w1 = (0, 4)  w2 = (3, 4)  w3 = (2, 5);  start {w0, w2}, {w1, w3}
      c0 ~ (4, 6) -> (0.5547, 0.8321);  c1 ~ (2, 9) -> (0.2169, 0.9762)
      w0: 2.219 vs 2.169 -> 0;  w1: 3.328 vs 3.905 -> 1
      w2: 4.992 vs 4.556 -> 0;  w3: 5.270 vs 5.315 -> 1
    Summing unit vectors instead would give c0 -> (0.5258, 0.8506),
    c1 -> (0.189, 0.982) and move w3 to class 0 (0.984 vs 0.981)."""
    x = np.array([[1, 2], [0, 4], [3, 4], [2, 5]], dtype=np.float32)
    assert kmeans_classes(x, 2, iterations=1).tolist() == [0, 1, 0, 1]
    unit = x / np.linalg.norm(x, axis=1)[:, None]
    assert kmeans_classes(unit, 2, iterations=1).tolist() == [0, 1, 0, 0]


def test_kmeans_empty_class_is_never_joined():
    """C: an empty class's centroid is 0 / 1 = 0, normalised by 0 -> NaN, and
    `x > best` is false for NaN, so nobody ever joins it again.  1-d, K = 2:
      x = (1, 2, -0.5); start classes (0, 1, 0)
      it 1: c0 ~ (1 - 0.5) / 3 -> +1, c1 ~ 2 / 2 -> +1: every dot ties -> class 0
      it 2: c0 ~ 2.5 / 4 -> +1, c1 empty -> NaN: x2 = -0.5 stays in class 0
            (a zero centroid instead would take x2: dot 0 > -0.5)
    and so on for all 10 iterations."""
    x = np.array([[1.0], [2.0], [-0.5]], dtype=np.float32)
    assert kmeans_classes(x, 2).tolist() == [0, 0, 0]


def test_kmeans_all_dots_below_minus_ten_go_to_class_0():
    """C starts the search with best = -10 and class 0, so a word whose dot
    with every centroid is <= -10 lands in class 0, not at the argmax.
    One iteration, K = 3, start classes i mod 3 = (0, 1, 2, 0, 1, 2):
      w0 = (1, 0)  w1 = (1, 0.1)  w2 = (40, 17.4)  w3 = (1, 0.2)  w4 = (2, 0.1)  w5 = (-30, -0.1)
      c0 ~ w0 + w3 = (2, 0.2)   -> (0.995, 0.0995):  w5 . c0 = -29.86
      c1 ~ w1 + w4 = (3, 0.2)   -> (0.998, 0.0665):  w5 . c1 = -29.94
      c2 ~ w2 + w5 = (10, 17.3) -> (0.500, 0.866):   w5 . c2 = -15.09  (argmax, still <= -10)
    so C puts w5 in class 0.  With K = 2 (start (0, 1, 0, 1, 0, 1)) c1 ~ w1 + w3 + w5
    = (-28, 0.2) points left, w5 . c1 = +30 and w5 goes to class 1 as usual."""
    x = np.array([[1, 0], [1, 0.1], [40, 17.4], [1, 0.2], [2, 0.1], [-30, -0.1]], dtype=np.float32)
    assert kmeans_classes(x, 3, iterations=1)[5] == 0
    assert kmeans_classes(x, 2, iterations=1)[5] == 1


def test_kmeans_separates_clusters_and_k_above_v():
    rng = np.random.default_rng(0)
    centres = np.eye(4, 16, dtype=np.float32) * 5
    labels = np.arange(200) % 4
    rng.shuffle(labels)
    x = centres[labels] + rng.standard_normal((200, 16)).astype(np.float32) * 0.3
    cl = kmeans_classes(x, 4)
    assert cl.min() >= 0 and cl.max() < 4
    # a bijection between found classes and planted clusters
    pairs = set(zip(cl.tolist(), labels.tolist()))
    assert len(pairs) == 4
    # K larger than the vocabulary: at most V classes, ids below V
    small = kmeans_classes(x[:3], 10)
    assert small.max() < 3


# ------------------------------------------------------------------ C parity
@pytest.mark.skipif(not os.access(C_WORD2VEC, os.X_OK), reason="word2vec.c binary not installed")
@pytest.mark.parametrize("binary", [1, 0])
def test_c_written_file_round_trip(tmp_path, binary):
    """A file written by word2vec.c parses strictly, our writer reproduces it byte
    for byte, its vocabulary is ours and its </s> row (never trained) is our init."""
    import random

    r = random.Random(11)
    words = ["w%d" % i for i in range(30)] + ["ünï", "x" * 110]
    text = "\n".join(" ".join(r.choice(words) for _ in range(12)) for _ in range(400)) + "\n"
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    out = tmp_path / ("c.bin" if binary else "c.txt")
    subprocess.run([C_WORD2VEC, "-train", "t.txt", "-output", out.name, "-size", "6", "-iter", "1",
                    "-threads", "1", "-min-count", "2", "-binary", str(binary), "-debug", "0"],
                   cwd=str(tmp_path), check=True, capture_output=True, timeout=120)
    words_c, m = (read_binary_vectors if binary else read_text_vectors)(str(out))
    assert words_c == count_corpus(str(tmp_path / "t.txt"), 2).vocab.words
    init = _tables.init_syn0(len(words_c), 6)
    if binary:
        assert (m[0] == init[0]).all()
    else:
        assert ["%f" % v for v in m[0]] == ["%f" % v for v in init[0]]
    mine = tmp_path / "mine"
    vectors.save_word2vec(str(mine), words_c, m, binary=bool(binary))
    assert mine.read_bytes() == out.read_bytes()


@pytest.mark.skipif(not os.access(GENSIM_PY, os.X_OK), reason="gensim environment not installed")
def test_gensim_reads_our_files(tmp_path):
    vectors.save_word2vec(str(tmp_path / "v.bin"), TINY_WORDS, TINY, binary=True)
    vectors.save_word2vec(str(tmp_path / "v.txt"), TINY_WORDS, TINY, binary=False)
    script = (
        "import sys, numpy as np\n"
        "from gensim.models import KeyedVectors\n"
        "for name, b in (('v.bin', True), ('v.txt', False)):\n"
        "    kv = KeyedVectors.load_word2vec_format(name, binary=b)\n"
        "    print(name, '|'.join(kv.index_to_key), ' '.join('%g' % x for x in kv.vectors.ravel()))\n")
    p = subprocess.run([GENSIM_PY, "-c", script], cwd=str(tmp_path), capture_output=True, timeout=120)
    if p.returncode != 0 and b"No module named" in p.stderr:
        pytest.skip("gensim not importable")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode("utf-8").splitlines()
    assert lines == ["v.bin </s>|king|naïve 0.5 -0.25 1.5 -2 0.125 3",
                     "v.txt </s>|king|naïve 0.5 -0.25 1.5 -2 0.125 3"]


def test_struct_layout_helper():
    # sanity of the byte values written in this file's docstring
    assert struct.pack("<2f", 0.5, -0.25) == bytes.fromhex("0000003f000080be")
    assert struct.pack("<2f", 0.125, 3.0) == bytes.fromhex("0000003e00004040")


@pytest.mark.skipif(not os.access(C_WORD2VEC, os.X_OK), reason="word2vec.c binary not installed")
def test_kmeans_matches_c_classes(tmp_path):
    """word2vec.c with -threads 1 is deterministic: one run writes the vectors,
    a second identical run with -classes K writes the classes computed from the
    same vectors.  Our k-means on those vectors gives C's classes exactly
    (K = 150 of 201 words leaves many classes empty)."""
    planted_corpus(tmp_path / "t.txt", groups=20, tokens=30_000, noise=0.5, seed=1)
    common = [C_WORD2VEC, "-train", "t.txt", "-size", "8", "-iter", "1", "-threads", "1", "-min-count", "1",
              "-debug", "0", "-cbow", "0"]
    subprocess.run(common + ["-output", "v.bin", "-binary", "1"], cwd=str(tmp_path), check=True,
                   capture_output=True, timeout=120)
    words, m = read_binary_vectors(str(tmp_path / "v.bin"))
    for k in (7, 150):
        subprocess.run(common + ["-output", "cl.txt", "-classes", str(k)], cwd=str(tmp_path), check=True,
                       capture_output=True, timeout=120)
        pairs = [ln.split(b" ") for ln in (tmp_path / "cl.txt").read_bytes().splitlines()]
        assert [p[0] for p in pairs] == words
        assert kmeans_classes(m, k).tolist() == [int(p[1]) for p in pairs]
