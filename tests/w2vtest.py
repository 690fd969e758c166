"""Helpers shared by the tests (conftest.py puts this folder on sys.path).

* :func:`run_w2v` runs the real command line in a subprocess, through the
  ``w2v`` console script installed next to ``sys.executable`` or through
  ``python -m w2v``, with the working directory in a temporary folder.
* :func:`c_tool` finds the original C tools (PyPI's ``word2vec``, which
  ``make test`` installs into the test venv) and :func:`venv_tool` other
  programs of that venv (mpiexec), never on ``$PATH`` or at fixed paths; a
  missing one fails the test that needs it (never a skip), and
  :func:`missing_requirements`, which test_requirements.py asserts empty,
  lists everything the venv lacks.
* strict parsers of word2vec.c's vector formats, and error-output checks.
* the planted corpus and the checks of learning on it (:func:`train_cli`,
  :func:`assert_learned`), Zipf-like text (:func:`make_text`).
* pieces of the numpy references that replay the kernels' random draws
  (:class:`SplitMix`, :class:`NegativeDraws`).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import random
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

TESTS = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(TESTS, "data")

# The original tools that PyPI's `word2vec` builds from word2vec.c & co.
C_TOOLS = ("word2vec", "word2phrase", "word2vec-distance", "word2vec-word-analogy",
           "word2vec-compute-accuracy", "word2vec-doc2vec")
# Python modules the comparison and extra-feature tests import (pyproject's "test" extra).
TEST_MODULES = ("gensim", "sklearn", "matplotlib", "safetensors", "mpi4py")
INSTALL_HINT = "'make test' installs it into .venv-test (pyproject.toml's \"test\" extra)"


def venv_tool(name: str) -> Optional[str]:
    """An executable installed into the environment running the tests: its
    scripts folder (a venv's bin/, where pip puts console scripts and the
    packages' programs), or next to ``sys.executable``; None when missing.
    Never looked up on ``$PATH``: a tool from outside the test venv is not
    the one ``make test`` installed."""
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_c_tool(name: str) -> Optional[str]:
    """Path of one of :data:`C_TOOLS`: where the installed ``word2vec``
    package put it (its file list), else :func:`venv_tool`; None when missing."""
    assert name in C_TOOLS, name
    try:
        files = importlib.metadata.files("word2vec") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == name and f.parent.name == "bin":
            path = os.path.normpath(str(f.locate()))
            if os.access(path, os.X_OK):
                return path
    return venv_tool(name)


def c_tool(name: str) -> str:
    """Path of one of word2vec.c's tools; a missing tool fails the test, with
    the way to install it (test_requirements.py checks them all)."""
    path = find_c_tool(name)
    if path is None:
        raise AssertionError(f"the C tool {name} is not installed: {INSTALL_HINT}")
    return path


def missing_requirements() -> List[str]:
    """What the test venv lacks of the tools and modules the tests use."""
    missing = [f"C tool {name}" for name in C_TOOLS if find_c_tool(name) is None]
    if venv_tool("mpiexec") is None:
        missing.append("mpiexec (PyPI's mpich)")
    missing += [f"Python module {m}" for m in TEST_MODULES if importlib.util.find_spec(m) is None]
    return missing


def console_script() -> str:
    """The ``w2v`` entry point installed with the interpreter running the tests."""
    path = venv_tool("w2v")
    if path is None:
        raise RuntimeError(f"the w2v console script is missing from {sys.prefix}: install the package first")
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


def make_text(seed: int, lines: int = 300) -> bytes:
    """Lines of 0 to 15 Zipf-like words from 120 (many ties, rare words that
    straddle the shares of several processes), each line ending in a newline."""
    rng = random.Random(seed)
    vocab = [b"w%d" % i for i in range(120)]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    out = []
    for _ in range(lines):
        out.append(b" ".join(rng.choices(vocab, weights, k=rng.randint(0, 15))))
    return b"\n".join(out) + b"\n"


# ------------------------------------------------------------------ learning the planted corpus
# (the corpora are conftest.py's fixtures `planted` and `planted_small`)
K = 5          # neighbours inspected per word
MODES = {
    "sg-ns": ["-cbow", "0", "-hs", "0", "-negative", "5"],
    "cbow-ns": ["-cbow", "1", "-hs", "0", "-negative", "5"],
    "sg-hs": ["-cbow", "0", "-hs", "1", "-negative", "0"],
    "cbow-hs": ["-cbow", "1", "-hs", "1", "-negative", "0"],
    "sg-hs-ns": ["-cbow", "0", "-hs", "1", "-negative", "3"],
    "cbow-hs-ns": ["-cbow", "1", "-hs", "1", "-negative", "3"],
}
BASE = ["-size", "16", "-window", "5", "-iter", "3", "-min-count", "1", "-debug", "0", "-binary", "1"]


def train_model(params, corpus, threads: int = 1):
    """A new model trained on an encoded corpus with *threads* workers:
    (model, trainer)."""
    from w2v.model import Model
    from w2v.trainer import Trainer, plan

    model = plan(Model.new(params, corpus.vocab), len(corpus.ids), threads, corpus.fingerprint)
    trainer = Trainer(model, corpus.ids, threads=threads)
    trainer.run()
    return model, trainer


def neighbour_precision(words, m, groups):
    """For every planted word: the share of its K nearest (cosine) words that
    belong to its group.  Returns {word: share}."""
    idx = {w: i for i, w in enumerate(words)}
    unit = m / np.linalg.norm(m, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    sims[:, 0] = -np.inf                     # </s> is nobody's neighbour
    out = {}
    for grp in groups:
        members = {idx[w] for w in grp}
        for w in grp:
            top = np.argsort(-sims[idx[w]], kind="stable")[:K]
            out[w] = sum(int(t) in members for t in top) / K
    return out


def train_cli(w2v_cli, folder, *args):
    """`w2v train` on *folder*/corpus.txt with BASE and *args*, writing v.bin."""
    res = w2v_cli("train", "-train", str(folder / "corpus.txt"), "-output", "v.bin", *BASE, *args)
    assert res.returncode == 0 and res.stdout == b"", str(res)
    return res


def assert_learned(path, groups):
    """The vectors in *path* (binary) put every planted word's group first."""
    words, m = read_binary_vectors(str(path))
    assert len(words) == 201 and words[0] == b"</s>"
    assert np.isfinite(m).all()
    prec = neighbour_precision(words, m, groups)
    worst = min(prec, key=prec.get)
    # every word: at least 4 of its 5 nearest words are planted neighbours
    assert prec[worst] >= 0.8, (worst, prec[worst], np.mean(list(prec.values())))
    assert np.mean(list(prec.values())) >= 0.95
    return prec


# ------------------------------------------------------------------ the kernels' random draws
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


class NegativeDraws:
    """Negative samples drawn as the kernels draw them (cython_src/w2v/_train.pxd),
    for numpy references: one 64-bit number per draw from *rng*, its high 32
    bits pick a column of the alias table of *counts* (w2v._tables.alias_table),
    its low 32 bits decide between the column and its alias; a drawn </s>
    (row 0) becomes 1 + rng.below(V - 1)."""

    def __init__(self, counts, rng: SplitMix) -> None:
        from w2v import _tables

        self.prob, self.alias = _tables.alias_table(counts)
        self.V = len(counts)
        self.rng = rng

    def __call__(self) -> int:
        r = self.rng.next()
        i = ((r >> 32) * self.V) >> 32
        if (r & 0xFFFFFFFF) >= int(self.prob[i]):
            i = int(self.alias[i])
        if i == 0:
            i = 1 + self.rng.below(self.V - 1)
        return i


# ------------------------------------------------------------------ an independent reference
def softplus(x: float) -> float:
    return max(x, 0.0) + float(np.log1p(np.exp(-abs(x))))


def reference(ids, V, D, *, cbow, hs, negative, iters, seed=1, alpha=None, syn0=None, syn1neg=None, docs=0,
              frozen=False):
    """word2vec's updates for one thread, window 1, no subsampling, written
    out in float32 numpy with the kernel's random draws, returning the
    matrices and the mean loss per example of each epoch.  The loss of a
    target with dot f and label l is -log P(l | f): from C's sigmoid table
    for |f| <= 6 (where the gradient uses it), log(1 + e^-+f) outside.

    *docs*: paragraph vectors, ids V.. V + docs - 1 are documents (rows of
    syn0 after the words'), each the context of every word of its line
    after the window (skip-gram) or one more row of the mean (CBOW);
    *frozen*: only the documents' rows change (inference)."""
    from w2v import _tables
    from w2v.model import stream_seed

    f32 = np.float32
    ids = np.asarray(ids)
    counts = np.bincount(ids[ids < V], minlength=V).astype(np.int64)
    table = _tables.exp_table()
    sig = table.astype(np.float64)
    loss_table = np.concatenate([-np.log(sig), -np.log1p(-sig)]).astype(np.float32)
    syn0 = _tables.init_syn0(V + docs, D, seed) if syn0 is None else syn0.copy()
    syn1 = np.zeros((V, D), f32)
    syn1neg = np.zeros((V, D), f32) if syn1neg is None else syn1neg.copy()
    if hs:
        codes, points, lens = _tables.huffman(counts)
    rng = SplitMix(stream_seed(seed, 0))
    draw = NegativeDraws(counts, rng)
    start = f32(alpha if alpha is not None else (0.05 if cbow else 0.025))
    total = iters * len(ids) + 1

    def index(f):
        return int((f + f32(6)) * f32(83))

    def label_loss(f, label):
        if -6 <= f <= 6:
            return float(loss_table[index(f) + (0 if label else 1000)])
        return softplus(-f if label else f)

    def train_target(l1, word, neu1e, alpha):
        loss = 0.0
        if hs:
            for d in range(lens[word]):
                l2 = syn1[points[word, d]]
                f = f32(np.dot(l1, l2))
                loss += label_loss(f, 1 - codes[word, d])
                if f <= -6 or f >= 6:
                    continue
                g = (f32(1) - f32(codes[word, d]) - table[index(f)]) * alpha
                neu1e += g * l2
                if not frozen:
                    l2 += g * l1
        if negative:
            targets = [word]
            for _ in range(negative):
                t = draw()
                if t != word:
                    targets.append(t)
            # rows of distinct targets do not interact (dots first); a row
            # drawn twice sees its first update: sequential either way here
            for j, t in enumerate(targets):
                label = 1 if j == 0 else 0
                f = f32(np.dot(l1, syn1neg[t]))
                loss += label_loss(f, label)
                if f > 6:
                    g = (f32(label) - 1) * alpha
                elif f < -6:
                    g = f32(label) * alpha
                else:
                    g = (f32(label) - table[index(f)]) * alpha
                neu1e += g * syn1neg[t]
                if not frozen:
                    syn1neg[t] += g * l1
        return loss

    losses, done = [], 0
    for _ in range(iters):
        alpha = max(start * f32(1.0 - done / total), start * f32(1e-4))
        pos = pending = 0
        loss, examples = 0.0, 0
        while pos < len(ids):
            sent, doc = [], None
            while pos < len(ids):
                w = int(ids[pos])
                pos += 1
                pending += 1
                if w == 0:
                    break
                if w >= V:
                    doc = w
                else:
                    sent.append(w)
            if len(sent) > 1 or sent and doc is not None:
                for a, word in enumerate(sent):
                    rng.below(1)                     # the dynamic window (1 - 0 = 1)
                    ctx = [sent[c] for c in (a - 1, a + 1) if 0 <= c < len(sent)]
                    if cbow:
                        rows = ctx + ([doc] if doc is not None else [])
                        neu1 = (sum((syn0[r] for r in rows), np.zeros(D, f32)) / f32(len(rows))).astype(f32)
                        neu1e = np.zeros(D, f32)
                        loss += train_target(neu1, word, neu1e, alpha)
                        examples += 1
                        for r in (rows if not frozen else rows[len(ctx):]):
                            syn0[r] += neu1e
                    else:
                        for r in (ctx if not frozen else []) + ([doc] if doc is not None else []):
                            neu1e = np.zeros(D, f32)
                            loss += train_target(syn0[r].copy(), word, neu1e, alpha)
                            examples += 1
                            syn0[r] += neu1e
        done += pending
        losses.append(loss / examples)
    return syn0, syn1, syn1neg, losses


# ------------------------------------------------------------------ a run stopped by a signal
def start_train(args, cwd):
    """``w2v train ARGS`` started in *cwd*, its output piped."""
    return subprocess.Popen([console_script(), "train", *map(str, args)], cwd=str(cwd),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def stop_when_training(proc, sig, after_epoch_lines=0, delay=0.0):
    """Wait for the vocabulary line (and *after_epoch_lines* epoch lines),
    then *delay* s, then send *sig*; returns (rc, stderr)."""
    seen, epochs = b"", 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        assert line, seen
        seen += line
        epochs += line.startswith(b"epoch ")
        if b"Words in train file" in seen and epochs >= after_epoch_lines:
            break
    time.sleep(delay)
    assert proc.poll() is None, "the run ended before it could be stopped"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert out == b""
    return proc.returncode, (seen + err).decode()
