"""Loading word2vec files: format detection, API, and every bad-file case."""
import gzip
import math
import os
import struct
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
from vecdata import TINY, binary_bytes, text_bytes  # noqa: E402

import w2v  # noqa: E402
from w2v import vectors as V  # noqa: E402
from w2v.errors import W2VError  # noqa: E402

WORDS = [w for w, _ in TINY]
MATRIX = np.array([v for _, v in TINY], dtype=np.float32)


def write(tmp_path, name, data):
    p = tmp_path / name
    if name.endswith(".gz"):
        p.write_bytes(gzip.compress(data))
    else:
        p.write_bytes(data)
    return str(p)


VARIANTS = {
    "c-binary": (lambda: binary_bytes(newline=True), True),
    "gensim-binary": (lambda: binary_bytes(newline=False), True),
    "c-text": (lambda: text_bytes(trailing=True), False),
    "plain-text": (lambda: text_bytes(trailing=False), False),
    "crlf-text": (lambda: text_bytes(trailing=False).replace(b"\n", b"\r\n"), False),
}


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_format_detection(tmp_path, variant, gz):
    make, is_binary = VARIANTS[variant]
    path = write(tmp_path, "v" + (".gz" if gz else ""), make())
    v = w2v.load(path)
    assert v.binary is is_binary
    assert v.words == WORDS
    assert v.vectors.dtype == np.float32 and v.vectors.shape == (8, 4)
    np.testing.assert_array_equal(v.vectors, MATRIX)


def test_roundtrip_with_writers(tmp_path):
    rng = np.random.default_rng(3)
    m = rng.normal(size=(50, 7)).astype(np.float32)
    words = [b"w%d" % i for i in range(50)]
    for binary in (True, False):
        p = str(tmp_path / f"r{int(binary)}")
        V.save_word2vec(p, words, m, binary=binary)
        v = V.load(p)
        assert v.binary is binary
        assert v.words == [w.decode() for w in words]
        np.testing.assert_allclose(v.vectors, m, atol=0 if binary else 5e-7)


def test_forced_format_and_limit(tmp_path):
    path = write(tmp_path, "v.bin", binary_bytes())
    v = V.load(path, limit=3)
    assert v.words == ["</s>", "man", "woman"]
    assert V.load(path, binary=True).words == WORDS
    with pytest.raises(W2VError, match="line 2"):
        V.load(path, binary=False)


def test_normalize_and_unit(tmp_path):
    path = write(tmp_path, "v.bin", binary_bytes())
    v = V.load(path, normalize=True)
    assert v.vectors[3] == pytest.approx([1 / math.sqrt(2), 0, 1 / math.sqrt(2), 0])
    raw = V.load(path)
    np.testing.assert_allclose(raw.unit, v.vectors, atol=1e-7)
    assert raw.vectors[7][0] == -1.0       # the raw matrix is untouched
    zero = V.Vectors(["a", "b"], np.array([[0, 0], [3, 4]], dtype=np.float32))
    np.testing.assert_array_equal(zero.unit, np.array([[0, 0], [0.6, 0.8]], dtype=np.float32))


def test_lookups(tmp_path):
    v = w2v.load(write(tmp_path, "v.bin", binary_bytes()))
    assert len(v) == 8 and v.dim == 4
    assert v.index("king") == 3 and v.index(b"king") == 3
    assert "queen" in v and "Queen" not in v
    np.testing.assert_array_equal(v["queen"], [0, 1, 1, 0])
    assert v.get_index("nope") == -1
    with pytest.raises(KeyError, match="nope"):
        v.index("nope")


def test_most_similar_golden(tmp_path):
    v = w2v.load(write(tmp_path, "v.bin", binary_bytes()))
    res = v.most_similar("king", n=4)
    # cos(king, man) = cos(king, woman...) worked out by hand:
    # man 1/sqrt2, queen 1/2, France 1/2, paris 0.25/sqrt(2*1.0625)
    assert [w for w, _ in res] == ["man", "queen", "France", "paris"]
    assert res[0][1] == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    assert res[1][1] == pytest.approx(0.5, abs=1e-6)
    assert res[2][1] == pytest.approx(0.5, abs=1e-6)      # tie: earlier row first
    assert res[3][1] == pytest.approx(0.25 / math.sqrt(2 * 1.0625), abs=1e-6)
    # several words: normalised sum of unit vectors; all query words excluded
    both = v.most_similar(["man", "woman"], n=2)
    assert [w for w, _ in both] == ["king", "queen"]
    assert both[0][1] == pytest.approx(0.5, abs=1e-6)
    # the whole vocabulary when n is large: 7 rows, the query word left out
    assert len(v.most_similar("man", n=100)) == 7


def test_analogy_golden(tmp_path):
    v = w2v.load(write(tmp_path, "v.bin", binary_bytes()))
    res = v.analogy("man", "king", "woman", n=10)
    # unit vectors: king - man + woman = (1/r2 - 1, 1, 1/r2, 0); queen = (0, 1/r2, 1/r2, 0)
    r2 = math.sqrt(2)
    expected = (1 / r2 + 0.5) / math.sqrt((1 / r2 - 1) ** 2 + 1 + 0.5)
    assert res[0][0] == "queen" and res[0][1] == pytest.approx(expected, abs=1e-6)
    # 3CosAdd keeps only positive cosines (C starts from 0): 'anti' never listed
    assert "anti" not in [w for w, _ in res]
    assert all(s > 0 for _, s in res)
    assert {"man", "king", "woman"}.isdisjoint(w for w, _ in res)
    mul = v.analogy("man", "king", "woman", n=3, method="3cosmul")
    assert mul[0][0] == "queen"
    # cos'(queen,king)=0.75, cos'(queen,woman)=(1+1/sqrt2)/2, cos'(queen,man)=0.5
    assert mul[0][1] == pytest.approx(0.75 * (1 + 1 / math.sqrt(2)) / 2 / 0.501, rel=1e-5)


def test_word_modes_and_invalid_utf8(tmp_path, capsys):
    rows = [("ok", (1.0, 0.0)), (b"bad\xff", (0.0, 1.0)), ("caf\u00e9", (1.0, 1.0))]
    for name, data in (("b", binary_bytes(rows)), ("t", text_bytes(rows))):
        path = write(tmp_path, name, data)
        v = V.load(path)
        assert v.words == ["ok", "bad\ufffd", "caf\u00e9"]
        err = capsys.readouterr().err
        assert "not valid UTF-8 (first: record 2)" in err and err.count("\n") == 1
        vb = V.load(path, errors="bytes")
        assert vb.words == [b"ok", b"bad\xff", "caf\u00e9".encode()]
        assert vb.index("caf\u00e9") == 2 and vb.index(b"bad\xff") == 1
        assert capsys.readouterr().err == ""
        with pytest.raises(W2VError, match=r"(record|line 3 \(word) 2\)?: the word is not valid UTF-8"):
            V.load(path, errors="strict")
    with pytest.raises(W2VError, match="errors must be one of"):
        V.load(path, errors="ignore")


def test_duplicates_warn_and_first_wins(tmp_path):
    rows = [("a", (1.0, 0.0)), ("b", (0.0, 1.0)), ("a", (1.0, 1.0))]
    messages = []
    v = V.load(write(tmp_path, "d", binary_bytes(rows)), warn=messages.append)
    assert v.index("a") == 0 and v.duplicates() == 1
    assert len(messages) == 1 and "1 duplicate word(s) (first: 'a')" in messages[0]


def test_trailing_data_warns(tmp_path):
    messages = []
    data = binary_bytes() + b"extra junk"
    V.load(write(tmp_path, "x", data), warn=messages.append)
    assert len(messages) == 1 and "data after the last" in messages[0]
    messages.clear()
    V.load(write(tmp_path, "y", binary_bytes() + b"\n\n"), warn=messages.append)
    assert messages == []


# --------------------------------------------------------------------------- bad files
def bad(tmp_path, data, match, name="bad", **kw):
    path = write(tmp_path, name, data) if data is not None else str(tmp_path / name)
    with pytest.raises(W2VError, match=match) as info:
        V.load(path, **kw)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_missing_empty_directory_stdin(tmp_path):
    bad(tmp_path, None, "not found")
    bad(tmp_path, b"", "is empty")
    bad(tmp_path, b"", "is empty", name="e.gz")
    with pytest.raises(W2VError, match="is a directory"):
        V.load(str(tmp_path))
    with pytest.raises(W2VError, match="standard input is not supported"):
        V.load("-")


@pytest.mark.parametrize("header", [b"hello world\n", b"3\n", b"3 4 5\n", b"0 4\n", b"3 0\n",
                                    b"-3 4\n", b"3 4.5\n", b"3 4", b"\x00\x01\x02 \n"])
def test_bad_header(tmp_path, header):
    msg = bad(tmp_path, header + b"a " + b"\0" * 64, "first line must be '<words> <dimensions>'")
    assert "two positive integers" in msg


def test_truncated_binary_record(tmp_path):
    data = binary_bytes()
    cut = data[:len(data) - 10]                      # inside the vector of record 8
    assert "record 8 of 8 is truncated" in bad(tmp_path, cut, "truncated")
    cut = binary_bytes()[: binary_bytes().index(b"queen") + 2]   # inside the word of record 5
    assert "record 5 of 8 is truncated" in bad(tmp_path, cut, "truncated")
    gz = bad(tmp_path, data[:len(data) - 10], "truncated", name="t.gz")
    assert "record 8" in gz


def test_fewer_words_than_header(tmp_path):
    data = binary_bytes(header=b"10 4\n")
    assert "header says 10 words but the file ends after 8" in bad(tmp_path, data, "ends after 8")
    data = text_bytes(header=b"9 4\n")
    assert "ends after 8" in bad(tmp_path, data, "header says 9")


def test_huge_header_does_not_allocate(tmp_path):
    bad(tmp_path, binary_bytes(header=b"100000000000 4\n"), "ends after 8")
    bad(tmp_path, binary_bytes(header=b"100000000000 100000\n"), "record 1 of 100000000000 is truncated")


def test_nan_and_inf(tmp_path):
    for val in (float("nan"), float("inf"), float("-inf")):
        rows = list(TINY)
        rows[3] = ("king", (1.0, val, 0.0, 0.0))
        assert "record 4: the vector contains NaN or infinity" in bad(tmp_path, binary_bytes(rows), "NaN")
        assert "line 5 (word 4): the vector contains NaN" in bad(tmp_path, text_bytes(rows), "NaN")


def test_text_value_errors(tmp_path):
    data = text_bytes().replace(b"queen 0.000000", b"queen zero")
    assert "line 6 (word 5): a value is not a number" in bad(tmp_path, data, "not a number")
    data = text_bytes().replace(b"queen 0.000000 ", b"queen ")
    assert "line 6 (word 5): expected 4 values (the header's dimension), found 3" in bad(tmp_path, data, "found 3")
    data = text_bytes().replace(b"queen ", b"queen 1 2 ")
    assert "expected 4 values (the header's dimension), found 6" in bad(tmp_path, data, "found 6")


def test_blank_lines_in_text_are_skipped(tmp_path):
    data = text_bytes().replace(b"\nking", b"\n\n  \nking")
    assert V.load(write(tmp_path, "b", data)).words == WORDS


def test_binary_without_spaces_is_rejected_quickly(tmp_path):
    data = b"2 4\n" + b"x" * 300_000
    assert "record 1: no space after the word" in bad(tmp_path, data, "no space")


def test_big_endian_safe_values(tmp_path):
    # values written little-endian are read back exactly on this machine
    data = b"1 2\nw " + struct.pack("<2f", 1.5, -2.25) + b"\n"
    v = V.load(write(tmp_path, "le", data))
    assert v.vectors.tolist() == [[1.5, -2.25]]


def test_text_numbers_fast_path_and_fallback(tmp_path):
    vals = [b"-0.000000", b"5.", b".5", b"16777215", b"16777216", b"0.1", b"1e3", b"-1.5E-2",
            b"123456789.5", b"0.0000001", b"3.4028235e38", b"0.3333333333333", b"0.123456", b"-9.999999"]
    data = b"1 %d\nw " % len(vals) + b" ".join(vals) + b"\n"
    got = V.load(write(tmp_path, "n.txt", data)).vectors[0]
    expected = np.array([float(v) for v in vals], dtype=np.float32)
    assert got.tobytes() == expected.tobytes()          # bit for bit, -0.0 included


def test_limit_ignores_a_damaged_tail(tmp_path):
    # like compute-accuracy's threshold: only the first words are read
    data = binary_bytes()
    v = V.load(write(tmp_path, "t", data[:len(data) - 10]), limit=5)
    assert v.words == WORDS[:5]
