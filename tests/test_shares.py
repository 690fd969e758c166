"""Several input files and the shares of K processes (w2v.io.expand_inputs,
iter_blocks, iter_text), checked against a plain-Python reference."""
from __future__ import annotations

import bz2
import gzip
import os
import random

import pytest

from w2v.errors import W2VError
from w2v.io import expand_inputs, iter_blocks, iter_text


def joined(contents):
    """Reference: the files one after the other, a newline added after a file
    not ending with one when more text follows."""
    out = b""
    for i, c in enumerate(contents):
        if out and not out.endswith(b"\n") and c:
            out += b"\n"
        out += c
    return out


def line_starts(text):
    return [0] + [i + 1 for i, b in enumerate(text) if b == 10 and i + 1 < len(text)]


def reference_byte_shares(text, K):
    """Line l belongs to the rank whose range [S*r//K, S*(r+1)//K) holds its first byte."""
    S = len(text)
    starts = line_starts(text) if text else []
    shares = [b""] * K
    for j, s in enumerate(starts):
        end = starts[j + 1] if j + 1 < len(starts) else S
        r = next(r for r in range(K) if S * r // K <= s < S * (r + 1) // K)
        shares[r] += text[s:end]
    return shares


def random_text(rng, lines, end_newline):
    words = [b"a", b"bb", b"ccc", b"\xc3\xa9t\xc3\xa9", b"x" * 50]
    body = b"\n".join(b" ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
                      for _ in range(lines))
    return body + (b"\n" if end_newline else b"")


def write(tmp_path, name, data):
    p = tmp_path / name
    if name.endswith(".gz"):
        p.write_bytes(gzip.compress(data))
    elif name.endswith(".bz2"):
        p.write_bytes(bz2.compress(data))
    else:
        p.write_bytes(data)
    return str(p)


@pytest.mark.parametrize("seed", range(6))
def test_plain_byte_shares_match_reference(tmp_path, seed):
    rng = random.Random(seed)
    contents = [random_text(rng, rng.randint(0, 40), rng.random() < 0.5) for _ in range(rng.randint(1, 4))]
    if seed == 0:
        contents.insert(1, b"")           # an empty file in the middle
    paths = [write(tmp_path, f"f{i}.txt", c) for i, c in enumerate(contents)]
    text = joined(contents)
    assert b"".join(iter_text(paths)) == text
    for K in (1, 2, 3, 5, 8):
        got = [b"".join(iter_text(paths, (r, K), chunk=7)) for r in range(K)]
        assert got == reference_byte_shares(text, K), K
        for r in range(K):
            assert {b for b, _ in iter_blocks(paths, (r, K))} <= {r}


@pytest.mark.parametrize("seed", range(4))
def test_compressed_round_robin_blocks(tmp_path, seed):
    rng = random.Random(100 + seed)
    contents = [random_text(rng, rng.randint(1, 60), rng.random() < 0.5) for _ in range(3)]
    names = ["a.gz", "b.txt", "c.bz2"]
    paths = [write(tmp_path, n, c) for n, c in zip(names, contents)]
    text = joined(contents)
    for K in (2, 3):
        block = rng.randint(1, 200)
        pieces = {}
        for r in range(K):
            for index, data in iter_blocks(paths, (r, K), chunk=rng.randint(1, 64), block=block):
                assert index % K == r
                pieces.setdefault(index, b"")
                pieces[index] += data
        order = sorted(pieces)
        assert order == list(range(len(order)))
        assert b"".join(pieces[i] for i in order) == text
        # each block but the last ends a line and is the shortest such cut of >= block bytes
        for i in order[:-1]:
            b = pieces[i]
            assert b.endswith(b"\n") and len(b) >= block
            assert b"\n" not in b[block - 1:-1]


def test_share_of_one_line_file(tmp_path):
    p = write(tmp_path, "one.txt", b"only one line here")
    assert [b"".join(iter_text([p], (r, 3))) for r in range(3)] == [b"only one line here", b"", b""]


def test_expand_inputs(tmp_path):
    for n in ("s2.txt", "s10.txt", "s1.txt", "other.gz"):
        (tmp_path / n).write_bytes(b"x\n")
    g = str(tmp_path / "s*.txt")
    assert expand_inputs([g]) == [str(tmp_path / n) for n in ("s1.txt", "s10.txt", "s2.txt")]
    one = str(tmp_path / "other.gz")
    assert expand_inputs([one, g]) == [one] + expand_inputs([g])
    assert expand_inputs(["-"]) == ["-"]
    # a file whose name has glob characters is taken as it is
    odd = tmp_path / "odd[1].txt"
    odd.write_bytes(b"y\n")
    assert expand_inputs([str(odd)]) == [str(odd)]


@pytest.mark.parametrize("patterns,message", [
    (["nothing-*.txt"], "pattern 'nothing-*.txt' matches no file"),
    (["-", "a.txt"], "standard input (-) cannot be combined"),
    ([""], "empty path"),
])
def test_expand_inputs_errors(tmp_path, patterns, message):
    os.chdir(tmp_path)
    with pytest.raises(W2VError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        expand_inputs(patterns)


def test_stdin_cannot_be_shared():
    with pytest.raises(W2VError, match=r"standard input \(-train -\) cannot be shared by 2 processes"):
        list(iter_text(["-"], (1, 2)))


def test_missing_file_in_share(tmp_path):
    p = write(tmp_path, "a.txt", b"x\n")
    with pytest.raises(W2VError, match="not found"):
        list(iter_text([p, str(tmp_path / "gone.txt")], (0, 2)))
