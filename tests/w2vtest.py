"""Helpers shared by the tests (conftest.py puts this folder on sys.path).

* :func:`run_w2v` runs the real command line in a subprocess, through the
  ``w2v`` console script installed next to ``sys.executable`` or through
  ``python -m w2v``, with the working directory in a temporary folder.
* strict parsers of word2vec.c's vector formats, and error-output checks.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

TESTS = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(TESTS, "data")
C_WORD2VEC = "/tmp/benv/bin/word2vec"


def console_script() -> str:
    """The ``w2v`` entry point installed with the interpreter running the tests."""
    path = os.path.join(os.path.dirname(sys.executable), "w2v")
    if not os.path.exists(path):
        raise RuntimeError(f"console script {path} is missing: install the package first")
    return path


@dataclass
class Result:
    args: Sequence[str]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def err_lines(self) -> List[str]:
        return self.stderr.decode("utf-8", "replace").splitlines()

    def __str__(self) -> str:
        return (f"w2v {' '.join(map(str, self.args))} -> rc {self.returncode}\n"
                f"stdout: {self.stdout[:2000]!r}\nstderr: {self.stderr[:4000]!r}")


def run_w2v(args: Sequence[str], cwd: str, stdin: Optional[bytes] = None,
            module: bool = False, timeout: float = 120) -> Result:
    """Run ``w2v ARGS`` (console script, or ``python -m w2v`` if *module*) in *cwd*."""
    cmd = [sys.executable, "-m", "w2v"] if module else [console_script()]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)   # the subprocess must import the installed package too
    p = subprocess.run(cmd + [str(a) for a in args], cwd=cwd, input=stdin if stdin is not None else b"",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=timeout)
    return Result(list(args), p.returncode, p.stdout, p.stderr)


# Lines `w2v train` may legitimately print on stderr before it fails (C prints
# the first one even with -debug 0).
INFO_PREFIXES = ("Starting training using file", "Vocab size:", "Words in train file:", "Using ")


def assert_one_line_error(res: Result, command: str = "train", contains: Optional[str] = None) -> str:
    """Non-zero exit, nothing on stdout, exactly one ``w2v <cmd>: error:`` line
    (the last one), no traceback, and otherwise only informational lines."""
    prefix = f"w2v {command}: error: " if command else "w2v: error: "
    assert res.returncode not in (0, None), str(res)
    assert b"Traceback" not in res.stderr, str(res)
    assert res.stdout == b"", str(res)
    lines = res.err_lines
    errors = [ln for ln in lines if ln.startswith(prefix)]
    assert len(errors) == 1, str(res)
    assert lines[-1] == errors[0], str(res)
    for ln in lines[:-1]:
        assert ln.startswith(INFO_PREFIXES), f"unexpected stderr line {ln!r}\n{res}"
    if contains is not None:
        assert contains in errors[0], str(res)
    return errors[0]


def read_text_vectors(path: str):
    """Parse word2vec.c's text format strictly: header, then 'word v1 .. vD ' lines."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    assert lines[-1] == b"", "text vectors must end with a newline"
    V, D = map(int, lines[0].split(b" "))
    assert len(lines) == V + 2
    words, rows = [], []
    for ln in lines[1:-1]:
        assert ln.endswith(b" "), "C writes a space after every value"
        parts = ln[:-1].split(b" ")
        assert len(parts) == D + 1
        words.append(parts[0])
        rows.append([float(x) for x in parts[1:]])
    return words, np.array(rows, dtype=np.float32).reshape(V, D)


def read_binary_vectors(path: str):
    """Parse word2vec.c's binary format strictly: 'V D\\n', then per word
    'word ' + D little-endian float32 + '\\n'."""
    with open(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n")
    V, D = map(int, data[:nl].split(b" "))
    pos = nl + 1
    words, rows = [], np.empty((V, D), dtype=np.float32)
    for i in range(V):
        sp = data.index(b" ", pos)
        words.append(data[pos:sp])
        pos = sp + 1
        rows[i] = np.frombuffer(data, dtype="<f4", count=D, offset=pos)
        pos += 4 * D
        assert data[pos:pos + 1] == b"\n", f"record {i} does not end with a newline"
        pos += 1
    assert pos == len(data), "trailing bytes after the last record"
    return words, rows


def stray_files(folder, expected) -> List[str]:
    """Files in *folder* other than *expected* (temp files included)."""
    return sorted(set(os.listdir(folder)) - set(expected))


def planted_corpus(path, groups: int = 8, per_group: int = 10, tokens: int = 100_000,
                   sentence: int = 10, seed: int = 0, noise: float = 0.0) -> List[List[bytes]]:
    """Write a corpus with planted structure: every line holds *sentence*
    random words of one random group (``g<G>w<I>``), so words co-occur only
    with members of their own group, except that a fraction *noise* of the
    tokens is replaced by words drawn uniformly from all groups.  Returns the
    groups' words."""
    rng = np.random.default_rng(seed)
    names = [[b"g%dw%d" % (g, i) for i in range(per_group)] for g in range(groups)]
    flat = [w for grp in names for w in grp]
    n_lines = max(1, tokens // (sentence + 1))
    grp = rng.integers(0, groups, size=n_lines)
    members = rng.integers(0, per_group, size=(n_lines, sentence))
    ids = grp[:, None] * per_group + members
    if noise > 0:
        swap = rng.random(ids.shape) < noise
        ids[swap] = rng.integers(0, groups * per_group, size=int(swap.sum()))
    with open(path, "wb") as f:
        f.write(b"".join(b" ".join(flat[i] for i in row) + b"\n" for row in ids.tolist()))
    return names


M64 = (1 << 64) - 1


class SplitMix:
    """The kernels' per-thread random stream (splitmix64, cython_src/w2v/_common.pxd),
    in Python, for references that replay the kernel's draws."""

    def __init__(self, state: int) -> None:
        self.state = state

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """Uniform in [0, n) from the high 32 bits (rng_below)."""
        return ((self.next() >> 32) * n) >> 32
