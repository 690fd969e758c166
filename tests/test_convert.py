"""Other vector formats (GloVe, fastText, numpy, TensorBoard projector) and
``w2v convert``: detection, round trips, and every bad-input case."""
import gzip
import os
import struct
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
from vecdata import TINY, binary_bytes, text_bytes  # noqa: E402

import w2v  # noqa: E402
from w2v.convert import convert  # noqa: E402
from w2v.errors import W2VError  # noqa: E402

WORDS = [w for w, _ in TINY]
MATRIX = np.array([v for _, v in TINY], dtype=np.float32)


def glove_bytes(rows=TINY):
    return text_bytes(rows, trailing=False)[len(b"%d %d\n" % (len(rows), len(rows[0][1]))):]


def put(tmp_path, name, data):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return str(p)


# --------------------------------------------------------------------------- reading
def test_glove_text_without_header(tmp_path):
    p = put(tmp_path, "glove.6B.4d.txt", glove_bytes().replace(b"\nking", b"\n\nking"))   # a blank line
    v = w2v.load(p)
    assert v.format == "glove" and v.words == WORDS
    np.testing.assert_array_equal(v.vectors, MATRIX)
    assert w2v.load(p, limit=3).words == WORDS[:3]
    gz = put(tmp_path, "g.txt.gz", gzip.compress(glove_bytes()))
    assert w2v.load(gz).words == WORDS
    bad = put(tmp_path, "bad.txt", glove_bytes().replace(b"king 1.000000 0.000000", b"king 1.0"))
    with pytest.raises(W2VError, match=r"GloVe text\): line 4 \(word 4\): expected 4 values \(as on line 1\), found 3"):
        w2v.load(bad)


def test_fasttext_vec_and_bin(tmp_path):
    # fastText's .vec: a word2vec text file, every line ending in a space, UTF-8 words
    rows = [("</s>", (0.5, -0.25)), ("caf\u00e9", (1.0, 2.0)), ("\u65e5\u672c", (-1.0, 0.125))]
    v = w2v.load(put(tmp_path, "wiki.vec", text_bytes(rows, trailing=True)))
    assert v.format == "word2vec-text" and v.words == ["</s>", "caf\u00e9", "\u65e5\u672c"]
    np.testing.assert_array_equal(v["caf\u00e9"], [1.0, 2.0])
    model = put(tmp_path, "wiki.bin", struct.pack("<ii", 793712314, 12) + b"\0" * 100)
    with pytest.raises(W2VError, match=r"is a fastText model \(\.bin\), not a vectors file: load the \.vec file"):
        w2v.load(model)


def test_npy_pair(tmp_path):
    np.save(tmp_path / "emb.npy", MATRIX.astype(np.float64))
    put(tmp_path, "emb.words.txt", "".join(w + "\n" for w in WORDS).encode())
    v = w2v.load(str(tmp_path / "emb.npy"))
    assert v.format == "npy" and v.words == WORDS and v.vectors.dtype == np.float32
    np.testing.assert_array_equal(v.vectors, MATRIX)
    lim = w2v.load(str(tmp_path / "emb.npy"), limit=2, normalize=True)
    assert lim.words == WORDS[:2]
    np.testing.assert_allclose(lim.vectors, [[0, 0, 0, 1], [1, 0, 0, 0]])


def test_npy_errors(tmp_path):
    p = str(tmp_path / "m.npy")
    np.save(p, MATRIX)
    with pytest.raises(W2VError, match=r"its words file '.*m\.words\.txt' is missing"):
        w2v.load(p)
    put(tmp_path, "m.words.txt", b"a\nb\n")
    with pytest.raises(W2VError, match=r"has 8 rows but its words file '.*m\.words\.txt' has 2 words"):
        w2v.load(p)
    with pytest.raises(W2VError, match=r"has 8 rows but its words file .* has 2 words"):
        w2v.load(p, limit=2)                          # a limit does not hide a broken pair
    put(tmp_path, "m.words.txt", b"a\n\nb\n" + b"w\n" * 5)
    with pytest.raises(W2VError, match="line 2 is empty"):
        w2v.load(p)
    np.save(p, np.zeros(8, dtype=np.float32))
    with pytest.raises(W2VError, match=r"expected a 2-D numeric matrix, found shape \(8,\)"):
        w2v.load(p)
    np.save(p, np.array([{"a": 1}], dtype=object))
    with pytest.raises(W2VError, match="not a readable .npy matrix"):
        w2v.load(p)
    m = MATRIX.copy()
    m[5, 1] = np.nan
    np.save(p, m)
    put(tmp_path, "m.words.txt", "".join(w + "\n" for w in WORDS).encode())
    with pytest.raises(W2VError, match="row 6 contains NaN or infinity"):
        w2v.load(p)


def test_tsv_pair_and_errors(tmp_path):
    rows = "".join("\t".join("%g" % x for x in r) + "\n" for r in MATRIX).encode()
    p = put(tmp_path, "proj/vectors.tsv", rows)
    with pytest.raises(W2VError, match=r"its words file '.*proj/metadata\.tsv' is missing"):
        w2v.load(p)
    put(tmp_path, "proj/metadata.tsv", "".join(w + "\n" for w in WORDS).encode())
    v = w2v.load(p)
    assert v.format == "tsv" and v.words == WORDS
    np.testing.assert_array_equal(v.vectors, MATRIX)
    # several metadata columns: a header line, the word first
    put(tmp_path, "proj/metadata.tsv", b"word\tcount\n" + "".join(w + "\t1\n" for w in WORDS).encode())
    assert w2v.load(p).words == WORDS
    # another name: NAME.tsv pairs with NAME.metadata.tsv; content is detected without .tsv too
    q = put(tmp_path, "kjv", rows)
    put(tmp_path, "kjv.metadata.tsv", "".join(w + "\n" for w in WORDS).encode())
    assert w2v.load(q).format == "tsv"
    put(tmp_path, "proj/vectors.tsv", rows.replace(b"0\t0\t0\t0.5", b"0\t0\t0"))
    with pytest.raises(W2VError, match="line 2 has 4 values, line 1 has 3$"):
        w2v.load(p)
    put(tmp_path, "proj/vectors.tsv", rows.replace(b"0\t0\t0\t0.5", b"0\t0\tx\t0.5"))
    with pytest.raises(W2VError, match="line 1: 'x' is not a number"):
        w2v.load(p)
    put(tmp_path, "proj/vectors.tsv", rows.replace(b"0\t0\t0\t0.5", b"0\t0\t1_0\t0.5"))   # Python reads it
    with pytest.raises(W2VError, match=r"vectors file '.*vectors.tsv': .*'1_0'"):
        w2v.load(p)
    put(tmp_path, "proj/vectors.tsv", rows + rows)
    with pytest.raises(W2VError, match="has 16 rows but its words file .* has 8 words"):
        w2v.load(p)


def test_unknown_content_names_the_formats(tmp_path):
    with pytest.raises(W2VError, match="'<words> <dimensions>'.* or a GloVe line 'word v1 v2 ...'"):
        w2v.load(put(tmp_path, "x.txt", b"hello world\n"))


# --------------------------------------------------------------------------- writing and converting
@pytest.mark.parametrize("name,fmt,kind", [
    ("o.bin", None, "word2vec-binary"), ("o.txt", None, "word2vec-text"), ("o.vec", None, "word2vec-text"),
    ("o.txt", "glove", "glove"), ("o.npy", None, "npy"), ("p/vectors.tsv", None, "tsv"),
    ("o.bin.gz", None, "word2vec-binary"), ("o.txt.xz", "glove", "glove"), ("plain", "npy", "npy"),
])
def test_round_trip(tmp_path, name, fmt, kind):
    src = put(tmp_path, "in.bin", binary_bytes())
    os.makedirs(tmp_path / "p", exist_ok=True)
    dst = str(tmp_path / name)
    convert(src, dst, fmt)
    back = w2v.load(dst)
    assert back.format == kind and back.words == WORDS
    np.testing.assert_array_equal(back.vectors, MATRIX)   # the values are short decimals
    # and back to binary: the same bytes as the input
    again = str(tmp_path / "again.bin")
    convert(dst, again)
    assert open(again, "rb").read() == binary_bytes()


def test_pair_names_on_disk(tmp_path):
    src = put(tmp_path, "in.bin", binary_bytes())
    convert(src, str(tmp_path / "e.npy"))
    convert(src, str(tmp_path / "plain"), "npy")
    convert(src, str(tmp_path / "kjv-vectors.tsv"))
    convert(src, str(tmp_path / "kjv.tsv"))
    assert sorted(os.listdir(tmp_path)) == sorted([
        "in.bin", "e.npy", "e.words.txt", "plain", "plain.words.txt", "kjv-vectors.tsv",
        "kjv-metadata.tsv", "kjv.tsv", "kjv.metadata.tsv"])
    assert (tmp_path / "e.words.txt").read_bytes() == "".join(w + "\n" for w in WORDS).encode()
    first = (tmp_path / "kjv.tsv").read_bytes().split(b"\n")[0]
    assert first == b"0\t0\t0\t0.5"


def test_limit_and_normalize(tmp_path):
    src = put(tmp_path, "in.txt", text_bytes())
    dst = str(tmp_path / "o.npy")
    assert "5 words x 4 dimensions, word2vec-text -> npy (unit vectors)" in convert(src, dst, None, 5, True)
    back = w2v.load(dst)
    assert back.words == WORDS[:5]
    ref = MATRIX[:5] / np.linalg.norm(MATRIX[:5], axis=1, keepdims=True)
    np.testing.assert_allclose(back.vectors, ref, atol=1e-7)
    with pytest.raises(W2VError, match="-limit must be >= 0"):
        convert(src, dst, None, -1)


def test_convert_errors_leave_nothing(tmp_path):
    src = put(tmp_path, "in.bin", binary_bytes())
    with pytest.raises(W2VError, match=r"cannot tell the output format from the name '.*o\.dat'"):
        convert(src, str(tmp_path / "o.dat"))
    with pytest.raises(W2VError, match=r"npy files are not written compressed"):
        convert(src, str(tmp_path / "o.npy.gz"))
    with pytest.raises(W2VError, match="folder .* does not exist"):
        convert(src, str(tmp_path / "no" / "o.txt"))
    with pytest.raises(W2VError, match="unknown format 'csv'"):
        convert(src, str(tmp_path / "o.txt"), "csv")
    os.mkdir(tmp_path / "o.words.txt")                      # the words file cannot be written
    with pytest.raises(W2VError, match="words file .*o.words.txt' is a directory"):
        convert(src, str(tmp_path / "o.npy"))
    with pytest.raises(ValueError, match=r"3 words but a matrix of shape \(2, 3\)"):
        w2v.vectors.save(str(tmp_path / "x.tsv"), ["a", "b", "c"], np.zeros((2, 3)))
    with pytest.raises(W2VError, match=r"cannot be written one per line"):
        w2v.vectors.save(str(tmp_path / "x.npy"), ["a", "b\tc"], np.zeros((2, 3)))
    with pytest.raises(W2VError, match="not found"):
        convert(str(tmp_path / "missing.bin"), str(tmp_path / "o.txt"))
    assert sorted(os.listdir(tmp_path)) == ["in.bin", "o.words.txt"]


def test_convert_cli(tmp_path, w2v_cli):
    listing = w2v_cli("-h").stdout.decode()
    assert "\n  convert " in listing and "\n  plot " in listing, listing
    put(tmp_path, "glove.txt", glove_bytes())
    r = w2v_cli("convert", "glove.txt", "g.bin", "-limit", "6")
    assert r.returncode == 0, r
    assert r.err_lines == ["w2v convert: 6 words x 4 dimensions, glove -> bin: g.bin"]
    assert w2v.load(str(tmp_path / "g.bin")).words == WORDS[:6]
    # every command reads the other formats too
    r = w2v_cli("distance", "glove.txt", "king", "-n", "1", "-format", "tsv")
    assert r.returncode == 0 and r.stdout == b"king\tman\t0.707107\n", r
    assert w2v_cli("convert", "glove.txt", "g.npy").returncode == 0
    r = w2v_cli("analogy", "g.npy", "man", "king", "woman", "-n", "1", "-format", "tsv")
    assert r.returncode == 0 and r.stdout.startswith(b"man king woman\tqueen\t"), r
    for args, msg in [
        (("convert", "glove.txt", "o.xyz"), "w2v convert: error: cannot tell the output format from the name 'o.xyz'"),
        (("convert", "nope.bin", "o.txt"), "w2v convert: error: vectors file 'nope.bin' not found"),
        (("convert", "glove.txt", "o.txt", "-normalize", "2"), "w2v convert: error: Invalid value for '-normalize'"),
        (("convert", "glove.txt", "o.txt", "-format", "csv"), "w2v convert: error: Invalid value for '-format'"),
    ]:
        r = w2v_cli(*args)
        assert r.returncode != 0 and len(r.err_lines) == 1 and r.err_lines[0].startswith(msg), r
    assert not os.path.exists(tmp_path / "o.txt")
    r = w2v_cli("convert", "glove.txt", "-", "-format", "text", "-limit", "2")
    assert r.returncode == 0 and r.stdout == text_bytes(TINY[:2]), r
    r = w2v_cli("convert", "glove.txt", "-", "-format", "npy")
    assert r.err_lines == ["w2v convert: error: npy output is a pair of files; it cannot go to standard output"], r
