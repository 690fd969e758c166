"""Progress and messages fit the terminal: field fitting at several widths,
path shortening, and the real CLI run on a pseudo-terminal of 80 columns
(no line written may be wider than the terminal)."""
from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from w2v.progress import Reporter, cells, cut, fit_fields, shorten_path
from w2vtest import planted_corpus

FIELDS = [("Alpha: 0.024", 3), ("Progress: 12.34%", 0), ("Words/thread/sec: 512.3k", 1),
          ("Loss: 2.7315", 2), ("Elapsed: 00:12", 4), ("ETA: 01:40", 5)]
FULL = "Alpha: 0.024  Progress: 12.34%  Words/thread/sec: 512.3k  Loss: 2.7315  Elapsed: 00:12  ETA: 01:40"


# ------------------------------------------------------------------ fitting
@pytest.mark.parametrize("width, expected", [
    (200, FULL),
    (len(FULL), FULL),
    # 99 columns: ETA (priority 5) goes first
    (len(FULL) - 1, "Alpha: 0.024  Progress: 12.34%  Words/thread/sec: 512.3k  Loss: 2.7315  Elapsed: 00:12"),
    # then Elapsed (4): 12+2+16+2+24+2+12 = 70 columns
    (79, "Alpha: 0.024  Progress: 12.34%  Words/thread/sec: 512.3k  Loss: 2.7315"),
    (70, "Alpha: 0.024  Progress: 12.34%  Words/thread/sec: 512.3k  Loss: 2.7315"),
    # then Alpha (3): 16+2+24+2+12 = 56
    (69, "Progress: 12.34%  Words/thread/sec: 512.3k  Loss: 2.7315"),
    (56, "Progress: 12.34%  Words/thread/sec: 512.3k  Loss: 2.7315"),
    # then Loss (2): 42; then Words/thread/sec (1): 16
    (55, "Progress: 12.34%  Words/thread/sec: 512.3k"),
    (41, "Progress: 12.34%"),
    (16, "Progress: 12.34%"),
    # Progress alone is cut: 14 columns of it and the ellipsis
    (15, "Progress: 12.3\u2026"),
    (1, "\u2026"),
    (0, ""),
])
def test_fit_fields_drops_least_important_first(width, expected):
    got = fit_fields(FIELDS, width)
    assert got == expected
    assert cells(got) <= max(0, width)


def test_fit_fields_keeps_the_given_order_and_ties_drop_the_later_field():
    assert fit_fields([("b", 1), ("a", 0), ("c", 1)], 4) == "b  a"
    assert fit_fields([("b", 1), ("a", 0), ("c", 1)], 3) == "a"
    assert fit_fields([], 10) == ""


def test_cut_counts_wide_characters_as_two_columns():
    assert cells("\u6f22\u5b57") == 4
    assert cells("e\u0301") == 1                       # combining accent takes no column
    assert cut("\u6f22\u5b57\u6f22\u5b57", 7) == "\u6f22\u5b57\u6f22\u2026"
    assert cut("\u6f22\u5b57\u6f22\u5b57", 6) == "\u6f22\u5b57\u2026"
    assert cut("abcdef", 4, ellipsis="...") == "a..."
    assert cut("abc", 3) == "abc"


@pytest.mark.parametrize("width, expected", [
    (60, "/data/corpora/wikipedia/2026/en/wiki-articles.txt.gz"),
    (52, "/data/corpora/wikipedia/2026/en/wiki-articles.txt.gz"),
    (51, "\u2026/corpora/wikipedia/2026/en/wiki-articles.txt.gz"),
    (30, "\u2026/2026/en/wiki-articles.txt.gz"),
    (25, "\u2026/en/wiki-articles.txt.gz"),
    (22, "\u2026/wiki-articles.txt.gz"),
    (21, "\u2026wiki-articles.txt.gz"),    # only the end of the file name fits
    (20, "\u2026iki-articles.txt.gz"),
    (1, "\u2026"),
])
def test_shorten_path(width, expected):
    got = shorten_path("/data/corpora/wikipedia/2026/en/wiki-articles.txt.gz", width)
    assert got == expected
    assert cells(got) <= width


# ------------------------------------------------------------------ reporter
class _Tty(io.StringIO):
    encoding = "utf-8"


def test_reporter_fits_fields_on_a_terminal_and_writes_full_lines_in_logs():
    s = _Tty()
    r = Reporter(2, stream=s, tty=True)
    r.width = lambda: 40                               # a 41-column terminal
    r.progress(FIELDS)
    r.progress("x" * 100, final=True)                  # a plain string is fitted too
    assert s.getvalue() == ("\rProgress: 12.34%\x1b[K"
                            "\r" + "x" * 39 + "\u2026\x1b[K\n")
    log = io.StringIO()
    q = Reporter(2, stream=log, tty=False, interval=0)
    q.progress(FIELDS)                                 # starts the clock
    q.progress(FIELDS, final=True)
    assert log.getvalue() == FULL + "\n"


def test_reporter_width_follows_the_terminal_and_keeps_a_spare_column():
    master, slave = pty.openpty()
    try:
        with os.fdopen(os.dup(slave), "w", encoding="utf-8") as stream:
            r = Reporter(2, stream=stream)
            assert r.tty
            for cols in (80, 45, 132):
                _set_size(slave, cols)
                assert r.width() == cols - 1
            _set_size(slave, 0)                        # unknown size: 80 columns
            assert r.width() == 79
            _set_size(slave, 31)                       # 30 usable, 22 after 8 used
            assert r.path("/data/corpora/wikipedia/2026/en/wiki-articles.txt.gz", used=8) == \
                "\u2026/wiki-articles.txt.gz"
    finally:
        os.close(master)
        os.close(slave)
    assert Reporter(2, stream=io.StringIO()).width() == 79
    log = Reporter(2, stream=io.StringIO(), tty=False)
    assert log.path("/a/b/" + "c" * 200) == "/a/b/" + "c" * 200   # logs keep whole paths


def test_no_eta_before_anything_was_trained(tmp_path):
    import time

    from w2v.config import Params
    from w2v.corpus import count_corpus
    from w2v.model import Model
    from w2v.trainer import Trainer, plan

    (tmp_path / "t.txt").write_bytes(b"a b c a b c\n" * 100)
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    model = plan(Model.new(Params(size=4, min_count=1, iter=1), corpus.vocab), len(corpus.ids), 1, "")
    s = _Tty()
    r = Reporter(2, stream=s, tty=True)
    r.width = lambda: 200
    trainer = Trainer(model, corpus.ids, threads=1, reporter=r)
    trainer._start, trainer._done_at_start = time.monotonic(), 0
    trainer._report(final=False)
    first = s.getvalue()
    assert "Progress: 0.00%" in first and "ETA" not in first
    trainer.kernel.words_done = len(corpus.ids) // 2
    r._last = 0.0
    trainer._report(final=False)
    assert "Progress: 50.00%" in s.getvalue()[len(first):] and "ETA: " in s.getvalue()[len(first):]


# ------------------------------------------------------------------ the CLI on a terminal
def _set_size(fd: int, cols: int, rows: int = 24) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


_CSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def run_on_terminal(args, cwd, cols: int = 80, timeout: float = 120):
    """Run ``python -m w2v ARGS`` with stdout and stderr on a pseudo-terminal
    *cols* wide; returns (exit status, every piece of text written between
    carriage returns and newlines, escape sequences removed)."""
    master, slave = pty.openpty()
    _set_size(slave, cols)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("COLUMNS", None)
    p = subprocess.Popen([sys.executable, "-m", "w2v", *map(str, args)], cwd=cwd, env=env,
                         stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            assert left > 0 and select.select([master], [], [], left)[0], f"no end after {timeout} s: {chunks}"
            try:
                data = os.read(master, 1 << 16)
            except OSError:                            # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        rc = p.wait(timeout=timeout)
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
    text = _CSI.sub("", b"".join(chunks).decode("utf-8", "replace"))
    return rc, re.split(r"[\r\n]", text)


def test_train_progress_fits_an_80_column_terminal(tmp_path):
    planted_corpus(tmp_path / "corpus.txt", tokens=150_000)
    rc, pieces = run_on_terminal(["train", "-train", "corpus.txt", "-output", "v.bin", "-size", "20",
                                  "-iter", "4", "-min-count", "1", "-threads", "1", "-debug", "2",
                                  "-cbow", "0"], tmp_path)
    assert rc == 0, pieces
    progress = [p for p in pieces if p.startswith(("Alpha", "Progress"))]
    assert progress, pieces
    assert any("Progress: 100.00%" in p for p in progress), progress
    too_wide = [p for p in pieces if cells(p) > 80]
    assert not too_wide, too_wide
    assert all(cells(p) <= 79 for p in progress), progress   # a spare column: no wrap


def test_phrases_shortens_a_long_corpus_path_on_a_terminal(tmp_path):
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 4))
    deep.mkdir(parents=True)
    (deep / "text.txt").write_bytes(b"new york is big\nnew york city\n" * 50)
    path = str(deep / "text.txt")
    assert len(path) > 80
    rc, pieces = run_on_terminal(["phrases", "-train", path, "-output", "out.txt", "-min-count", "1"],
                                 tmp_path)
    assert rc == 0, pieces
    start = [p for p in pieces if p.startswith("Starting phrases using file ")]
    assert start and start[0].endswith("/a-rather-long-folder-name/text.txt"), start
    assert "\u2026/" in start[0]
    too_wide = [p for p in pieces if cells(p) > 80]
    assert not too_wide, too_wide
