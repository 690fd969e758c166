"""The README's commands work where the README says to run them.

* Quick start: its shell commands (``make demo`` and what follows it) run in
  the repository folder with the editable ``.venv`` that ``make test`` (like
  ``make demo``) builds; ``make demo CORPUS=...`` ends at the interactive
  ``w2v distance`` prompt.
* Commands: every shell command and Python block of that section runs, as
  written, in a temporary folder holding the files the examples name
  (``text.txt``, ``corpus.txt.gz``, ``questions-words.txt``, ...), with the
  tested install's ``w2v`` first on ``PATH``.

A command fails the test when it exits non-zero or prints a traceback."""
from __future__ import annotations

import gzip
import os
import re
import select
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Tuple

import numpy as np
import pytest

from w2vtest import planted_corpus

TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TESTS)
README = os.path.join(REPO, "README.md")
DEV_PYTHON = os.path.join(REPO, ".venv", "bin", "python")


def sections() -> Dict[str, List[Tuple[str, str]]]:
    """``## `` heading -> [(language, code), ...] of its fenced blocks."""
    out: Dict[str, List[Tuple[str, str]]] = {}
    current = ""
    lines = open(README, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            current = line[3:].strip()
            out.setdefault(current, [])
        elif line.startswith("```") and len(line) > 3:
            lang, body = line[3:].strip(), []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.setdefault(current, []).append((lang, "\n".join(body)))
        i += 1
    return out


def commands(code: str) -> List[str]:
    """Shell commands of a block: ``\\`` continuations joined, blank lines skipped."""
    out, pending = [], ""
    for line in code.split("\n"):
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        cmd = (pending + line).strip()
        pending = ""
        if cmd and not cmd.startswith("#"):
            out.append(cmd)
    return out


def bare(cmd: str) -> str:
    """A command without its trailing ``# comment``."""
    return re.sub(r"\s+#[^'\"]*$", "", cmd)


def clean_env(path_first: str = "") -> dict:
    env = dict(os.environ)
    for k in ("PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV", "CORPUS", "DEMO"):
        env.pop(k, None)
    if path_first:
        env["PATH"] = path_first + os.pathsep + env.get("PATH", "")
    return env


def sh(cmd: str, cwd: str, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    p = subprocess.run(["bash", "-c", "set -o pipefail\n" + cmd], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0 and "Traceback" not in out, f"README command failed in {cwd}:\n$ {cmd}\n{out[-3000:]}"
    return p


def test_readme_parser():
    blocks = sections()
    quick = [c for lang, code in blocks["Quick start"] if lang == "sh" for c in commands(code)]
    assert [bare(c) for c in quick[:2]] == ["make demo", "make test"]
    assert bare(".venv/bin/python -c 'import x  # y'   # z") == ".venv/bin/python -c 'import x  # y'"
    assert commands("a \\\n  | b\n\n# c\nd  # e\n") == ["a    | b", "d  # e"]


# --------------------------------------------------------------------------- Quick start
def _dev_venv() -> None:
    """`make test` builds .venv (with make) before it runs the suite: both are there."""
    assert shutil.which("make") is not None, "make is not installed: the README's commands need it"
    assert os.path.exists(DEV_PYTHON), "there is no .venv: 'make test' (or 'make install') builds it"


def test_quick_start_commands_run_in_the_repository_folder():
    _dev_venv()
    cmds = [c for lang, code in sections()["Quick start"] if lang == "sh" for c in commands(code)]
    assert "make demo" in map(bare, cmds) and any(c.startswith(".venv/bin/python -c 'import w2v;") for c in cmds)
    env = clean_env()
    outputs = {}
    for cmd in cmds:
        if bare(cmd) == "make test":
            continue                                   # that is what is running now
        outputs[bare(cmd)] = sh(cmd, REPO, env, timeout=900).stdout.decode("utf-8", "replace")
    assert "Word: god  Position in vocabulary:" in outputs["make demo"]
    # the editable install: the source folder is the package, compiled modules included
    where = subprocess.run([DEV_PYTHON, "-c", "import w2v, w2v._train; print(w2v.__file__)"], cwd=REPO,
                           env=env, capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr
    assert os.path.realpath(where.stdout.strip()) == os.path.realpath(os.path.join(REPO, "w2v", "__init__.py"))


def test_make_demo_with_a_corpus_ends_at_the_distance_prompt(tmp_path):
    _dev_venv()
    import pty

    planted_corpus(tmp_path / "corpus.txt", tokens=40_000)
    master, slave = pty.openpty()
    proc = subprocess.Popen(["make", "demo", f"CORPUS={tmp_path / 'corpus.txt'}", f"DEMO={tmp_path / 'demo'}"],
                            cwd=REPO, env=clean_env(), stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    buf = b""

    def read_until(marker: bytes, timeout: float = 600) -> bytes:
        nonlocal buf
        end = time.monotonic() + timeout
        while marker not in buf:
            left = end - time.monotonic()
            assert left > 0, f"no {marker!r} in {buf[-2000:]!r}"
            r, _, _ = select.select([master], [], [], left)
            if r:
                try:
                    data = os.read(master, 1 << 16)
                except OSError:
                    data = b""
                assert data, f"ended before {marker!r}: {buf[-2000:]!r}"
                buf += data
        head, _, buf = buf.partition(marker)
        return head

    try:
        before = read_until(b"Enter word or sentence (EXIT to break): ")
        assert b"type a word (or several), EXIT or Ctrl-D to quit" in before
        os.write(master, b"g3w1\n")
        answer = read_until(b"Enter word or sentence (EXIT to break): ").replace(b"\r\n", b"\n")
        assert b"Word: g3w1  Position in vocabulary:" in answer
        rows = [ln.split() for ln in answer.split(b"\n") if b"\t\t" in ln]
        assert len(rows) == 10
        assert sum(r[0].startswith(b"g3w") for r in rows) >= 7    # its planted group comes first
        os.write(master, b"EXIT\n")
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


# --------------------------------------------------------------------------- Commands
TOPICS = [
    "king queen prince princess throne crown palace royal".split(),
    "man woman boy girl father mother son daughter".split(),
    "paris france london england berlin germany rome italy".split(),
]
FILLER = "the of and a in to is was".split()


def write_example_files(folder) -> None:
    """The files the README's examples name, with words they query."""
    rng = np.random.default_rng(7)
    lines = []
    for _ in range(5000):
        topic = TOPICS[rng.integers(len(TOPICS))]
        words = list(rng.choice(topic, 6)) + list(rng.choice(FILLER, 3))
        rng.shuffle(words)
        lines.append(" ".join(words))
    text = ("\n".join(lines) + "\n").encode()
    (folder / "text.txt").write_bytes(text)
    (folder / "corpus.txt.gz").write_bytes(gzip.compress(text))
    (folder / "queries.txt").write_bytes(b"king\nparis france\n")
    (folder / "questions-words.txt").write_bytes(
        b": capital-common-countries\nparis france london england\nberlin germany rome italy\n"
        b": family\nman woman king queen\nboy girl son daughter\nfather mother king queen\n")
    # vectors in other programs' formats, and the demo's vectors, for convert and plot
    words = sorted({w for topic in TOPICS for w in topic} | {"god", "water"})
    vecs = rng.normal(size=(len(words), 100)).astype(np.float32)
    rows = [w + " " + " ".join("%.5f" % x for x in v) for w, v in zip(words, vecs)]
    (folder / "glove.6B.100d.txt").write_text("\n".join(rows) + "\n")
    (folder / "wiki.en.vec").write_text("%d 100\n" % len(words) + "\n".join(rows) + "\n")
    (folder / "build" / "demo").mkdir(parents=True)
    with open(folder / "build" / "demo" / "vectors.bin", "wb") as f:
        f.write(b"%d 100\n" % len(words))
        for w, v in zip(words, vecs):
            f.write(w.encode() + b" " + v.tobytes() + b"\n")
    (folder / "docs").mkdir()
    (folder / "projector").mkdir()
    (folder / "wordsim353.tsv").write_bytes(
        b"# Word 1\tWord 2\tHuman (mean)\nking\tqueen\t8.58\nman\twoman\t8.30\nparis\tfrance\t7.50\n"
        b"king\tberlin\t2.10\nboy\tthe\t0.90\n")


def test_command_examples_run_as_written(tmp_path):
    blocks = sections()["Commands"]
    write_example_files(tmp_path)
    env = clean_env(os.path.dirname(sys.executable))    # the tested install's w2v and python
    ran = []
    for lang, code in blocks:
        if lang == "sh":
            for cmd in commands(code):
                sh(cmd, str(tmp_path), env)
                ran.append(cmd)
    assert any(c.startswith("w2v train ") for c in ran) and any(c.startswith("w2v accuracy ") for c in ran)
    python_blocks = [code for lang, code in blocks if lang == "python"]
    assert python_blocks
    for code in python_blocks:
        p = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), env=env, capture_output=True,
                           text=True, timeout=300)
        assert p.returncode == 0, f"README Python block failed:\n{code}\n{p.stderr[-3000:]}"
