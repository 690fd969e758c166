"""`w2v train` through the real command line (console script / python -m w2v):
help and version, every error of issue 2 section 2 (one line on stderr, non-zero
exit, no traceback, no output or temporary file left), vocabulary-only runs,
stdin and compressed inputs, progress on stderr only, Ctrl-C."""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import signal
import subprocess
import time

import pytest

import w2v
from w2v import _tables
from w2vtest import (assert_one_line_error, console_script, planted_corpus, read_binary_vectors,
                     read_text_vectors, stray_files)

C_FLAGS = ["-train", "-output", "-size", "-window", "-sample", "-hs", "-negative", "-threads", "-iter",
           "-min-count", "-alpha", "-classes", "-debug", "-binary", "-save-vocab", "-read-vocab", "-cbow"]
FAST = ["-size", "8", "-iter", "1", "-threads", "1", "-min-count", "1"]


# ------------------------------------------------------------------ help / version
@pytest.mark.parametrize("flag", ["-h", "-help", "--help"])
def test_train_help(w2v_cli, flag):
    res = w2v_cli("train", flag)
    assert res.returncode == 0 and res.stderr == b"", str(res)
    out = res.stdout.decode()
    assert out.startswith("Usage: w2v train")
    for name in C_FLAGS + ["-seed", "-min-alpha"]:
        assert f"  {name} " in out, name
    # the flags beyond C are documented in -h
    assert "standard input" in out and ".gz" in out and "reproducible" in out


@pytest.mark.parametrize("module", [False, True])
def test_version_and_subcommand_list(w2v_cli, module):
    for flag in ("--version", "-version"):
        res = w2v_cli(flag, module=module)
        assert res.returncode == 0 and res.stdout == f"w2v {w2v.__version__}\n".encode(), str(res)
    for args in (["-h"], ["--help"], []):
        res = w2v_cli(*args, module=module)
        assert res.returncode == 0 and res.stderr == b"", str(res)
        out = res.stdout.decode()
        assert "Commands:" in out and "\n  train " in out, out


def test_unknown_subcommand(w2v_cli):
    res = w2v_cli("tarin")
    assert_one_line_error(res, command="", contains="tarin")


# ------------------------------------------------------------------ errors
@pytest.fixture
def work(tmp_path):
    """A folder with the inputs the error cases need."""
    planted_corpus(tmp_path / "corpus.txt", tokens=3000)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\t\r\n")
    (tmp_path / "adir").mkdir()
    (tmp_path / "bad.gz").write_bytes(b"this is not gzip")
    good = gzip.compress(b"a b c\n" * 100)
    (tmp_path / "truncated.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "bad.vocab").write_bytes(b"</s> 5\ng0w0 12\ng0w1\n")
    (tmp_path / "neg.vocab").write_bytes(b"</s> 5\ng0w0 -3\n")
    (tmp_path / "empty.vocab").write_bytes(b"\n\n")
    (tmp_path / "other.vocab").write_bytes(b"</s> 5\nzzz 12\n")
    return tmp_path


ERROR_CASES = [
    (["-train", "missing.txt"], "training file 'missing.txt' not found"),
    (["-train", "empty.txt"], "training file 'empty.txt' is empty"),
    (["-train", "blank.txt"], "occurs at least -min-count"),
    (["-train", "adir"], "training file 'adir' is a directory"),
    (["-train", "bad.gz"], "cannot read training file 'bad.gz'"),
    (["-train", "truncated.gz"], "cannot read training file 'truncated.gz'"),
    (["-train", "corpus.txt", "-min-count", "100000"], "-min-count 100000"),
    (["-train", "corpus.txt", "-size", "0"], "-size must be"),
    (["-train", "corpus.txt", "-size", "-3"], "-size must be"),
    (["-train", "corpus.txt", "-size", "abc"], "'-size'"),
    (["-train", "corpus.txt", "-size", "1.5"], "'-size'"),
    (["-train", "corpus.txt", "-window", "-1"], "-window must be"),
    (["-train", "corpus.txt", "-window", "0"], "-window must be"),
    (["-train", "corpus.txt", "-cbow", "2"], "-cbow must be 0 or 1"),
    (["-train", "corpus.txt", "-hs", "2"], "-hs must be 0 or 1"),
    (["-train", "corpus.txt", "-binary", "3"], "-binary must be 0 or 1"),
    (["-train", "corpus.txt", "-sample", "-1"], "-sample must be >= 0"),
    (["-train", "corpus.txt", "-sample", "nan"], "-sample must be >= 0"),
    (["-train", "corpus.txt", "-sample", "x"], "'-sample'"),
    (["-train", "corpus.txt", "-alpha", "0"], "-alpha must be > 0"),
    (["-train", "corpus.txt", "-alpha", "-0.1"], "-alpha must be > 0"),
    (["-train", "corpus.txt", "-alpha", "inf"], "-alpha must be > 0"),
    (["-train", "corpus.txt", "-min-alpha", "0.06"], "-min-alpha must be between 0 and the starting -alpha 0.05 (got 0.06)"),
    (["-train", "corpus.txt", "-cbow", "0", "-min-alpha", "0.03"], "the starting -alpha 0.025 (got 0.03)"),
    (["-train", "corpus.txt", "-alpha", "0.01", "-min-alpha", "0.02"], "the starting -alpha 0.01 (got 0.02)"),
    (["-train", "corpus.txt", "-min-alpha", "-0.001"], "-min-alpha must be between 0"),
    (["-train", "corpus.txt", "-min-alpha", "nan"], "-min-alpha must be between 0"),
    (["-train", "corpus.txt", "-min-alpha", "x"], "'-min-alpha'"),
    (["-train", "corpus.txt", "-negative", "0", "-hs", "0"], "-negative 0 with -hs 0"),
    (["-train", "corpus.txt", "-negative", "-1"], "-negative must be"),
    (["-train", "corpus.txt", "-iter", "0"], "-iter must be >= 1"),
    (["-train", "corpus.txt", "-threads", "-2"], "-threads must be >= 0"),
    (["-train", "corpus.txt", "-min-count", "-1"], "-min-count must be >= 0"),
    (["-train", "corpus.txt", "-classes", "-1"], "-classes must be >= 0"),
    (["-train", "corpus.txt", "-seed", "-1"], "-seed must be"),
    (["-train", "corpus.txt", "-debug", "x"], "'-debug'"),
    (["-train", "corpus.txt", "-bogus", "1"], "-bogus"),
    (["-train", "corpus.txt", "-Size", "10"], "-Size"),
    (["-train", "corpus.txt", "--size", "10"], "--size"),
    (["-train", "corpus.txt", "stray"], "stray"),
    (["-train", "corpus.txt", "-size"], "-size"),
    (["-output", "o.bin"], "-train"),
    (["-train", "corpus.txt", "-output", "nodir/o.bin"], "folder"),
    (["-train", "corpus.txt", "-output", "adir"], "output file 'adir' is a directory"),
    (["-train", "corpus.txt", "-save-vocab", "nodir/v.txt"], "vocabulary file 'nodir/v.txt'"),
    (["-train", "corpus.txt", "-read-vocab", "bad.vocab"], "malformed vocabulary file 'bad.vocab' line 3"),
    (["-train", "corpus.txt", "-read-vocab", "neg.vocab"], "line 2: negative count"),
    (["-train", "corpus.txt", "-read-vocab", "empty.vocab"], "is empty"),
    (["-train", "corpus.txt", "-read-vocab", "missing.vocab"], "not found"),
    (["-train", "corpus.txt", "-read-vocab", "other.vocab", "-min-count", "1"], "no word of the vocabulary"),
    (["-train", "corpus.txt", "-read-vocab", "other.vocab", "-min-count", "20"], "-min-count 20"),
]


@pytest.mark.parametrize("args, message", ERROR_CASES, ids=[" ".join(a) for a, _ in ERROR_CASES])
def test_error_one_line_no_output(work, w2v_cli, args, message):
    before = sorted(os.listdir(work))
    full = args + (["-output", "out.bin"] if "-output" not in args and args[-1] != "-size" else [])
    res = w2v_cli("train", *full)
    assert_one_line_error(res, contains=message)
    assert stray_files(work, before) == []


def test_error_through_python_m(work, w2v_cli):
    res = w2v_cli("train", "-train", "missing.txt", "-output", "o.bin", module=True)
    assert_one_line_error(res, contains="training file 'missing.txt' not found")
    res = w2v_cli("train", "-train", "corpus.txt", "-size", "0", module=True)
    assert_one_line_error(res, contains="-size must be")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_training_file(work, w2v_cli):
    os.chmod(work / "corpus.txt", 0)
    assert_one_line_error(w2v_cli("train", "-train", "corpus.txt", "-output", "o.bin"),
                          contains="cannot read training file")
    assert not (work / "o.bin").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_output_folder(work, w2v_cli):
    os.chmod(work / "adir", 0o555)
    assert_one_line_error(w2v_cli("train", "-train", "corpus.txt", "-output", "adir/o.bin"),
                          contains="permission denied")


def test_failed_run_keeps_existing_output(work, w2v_cli):
    (work / "out.bin").write_bytes(b"precious")
    assert_one_line_error(w2v_cli("train", "-train", "corpus.txt", "-output", "out.bin",
                                  "-min-count", "100000"))
    assert (work / "out.bin").read_bytes() == b"precious"


# ------------------------------------------------------------------ vocabulary-only runs
def test_without_output_only_the_vocabulary(tmp_path, w2v_cli):
    (tmp_path / "t.txt").write_bytes(b"b a c a\nd b a\n\nc e")
    res = w2v_cli("train", "-train", "t.txt", "-min-count", "1", "-save-vocab", "v.txt")
    assert res.returncode == 0 and res.stdout == b"", str(res)
    # counts: see test_vocab.py (hand-worked)
    assert (tmp_path / "v.txt").read_bytes() == b"</s> 3\na 3\nb 2\nc 2\nd 1\ne 1\n"
    assert sorted(os.listdir(tmp_path)) == ["t.txt", "v.txt"]
    # (a "Using N threads" note may come first: -threads defaults to C's 12)
    assert [ln for ln in res.err_lines if not ln.startswith("Using ")] == [
        "Starting training using file t.txt", "Vocab size: 6", "Words in train file: 12"]
    res = w2v_cli("train", "-train", "t.txt", "-min-count", "2", "-debug", "0")
    assert res.returncode == 0 and res.err_lines == [], str(res)       # -debug 0: silent
    assert sorted(os.listdir(tmp_path)) == ["t.txt", "v.txt"]


def test_stdin_and_compressed_inputs_give_the_same_vocabulary(tmp_path, w2v_cli):
    planted_corpus(tmp_path / "t.txt", tokens=20_000, seed=4)
    data = (tmp_path / "t.txt").read_bytes()
    (tmp_path / "t.txt.gz").write_bytes(gzip.compress(data))
    (tmp_path / "t.txt.bz2").write_bytes(bz2.compress(data))
    (tmp_path / "t.txt.xz").write_bytes(lzma.compress(data))
    (tmp_path / "T.TXT.GZ").write_bytes(gzip.compress(data))
    outputs = {}
    for name in ("t.txt", "t.txt.gz", "t.txt.bz2", "t.txt.xz", "T.TXT.GZ", "-"):
        vocab = "v-%s" % name.replace(".", "_")
        res = w2v_cli("train", "-train", name, "-save-vocab", vocab, "-debug", "1",
                      stdin=data if name == "-" else None)
        assert res.returncode == 0, str(res)
        outputs[name] = (tmp_path / vocab).read_bytes()
    assert outputs["t.txt"].startswith(b"</s> %d\n" % data.count(b"\n"))
    assert len(set(outputs.values())) == 1
    assert b"Starting training using standard input" in res.stderr


def test_stdin_pipeline_trains(tmp_path):
    planted_corpus(tmp_path / "t.txt", tokens=20_000, seed=4)
    cmd = f"cat t.txt | '{console_script()}' train -train - -output v.bin -binary 1 " + " ".join(FAST)
    p = subprocess.run(["sh", "-c", cmd], cwd=str(tmp_path), capture_output=True, timeout=120)
    assert p.returncode == 0 and p.stdout == b"", p.stderr
    words, m = read_binary_vectors(str(tmp_path / "v.bin"))
    assert words[0] == b"</s>" and len(words) == 81 and m.shape == (81, 8)


# ------------------------------------------------------------------ outputs and messages
def test_progress_on_stderr_nothing_on_stdout(tmp_path, w2v_cli):
    planted_corpus(tmp_path / "t.txt", tokens=20_000)
    res = w2v_cli("train", "-train", "t.txt", "-output", "v.txt", "-debug", "2", *FAST)
    assert res.returncode == 0 and res.stdout == b"", str(res)
    lines = res.err_lines
    assert lines[:3] == ["Starting training using file t.txt", "Vocab size: 81",
                         "Words in train file: %d" % (20_000 // 11 * 11)]
    # the final progress line, as a full line (stderr is not a terminal: no \r redraws)
    assert lines[-1].startswith("Alpha: ") and "Progress: 100.00%" in lines[-1]
    assert "Words/thread/sec: " in lines[-1] and "Elapsed: " in lines[-1]
    assert b"\r" not in res.stderr
    quiet = w2v_cli("train", "-train", "t.txt", "-output", "v.txt", "-debug", "0", *FAST)
    assert quiet.returncode == 0 and quiet.stdout == b""
    assert quiet.err_lines == []


def test_text_and_binary_outputs_agree(tmp_path, w2v_cli):
    planted_corpus(tmp_path / "t.txt", tokens=20_000)
    common = ["-train", "t.txt", "-debug", "0", "-save-vocab", "vocab.txt", "-seed", "3"] + FAST
    assert w2v_cli("train", *common, "-output", "v.txt", "-binary", "0").returncode == 0
    assert w2v_cli("train", *common, "-output", "v.bin", "-binary", "1").returncode == 0
    tw, tm = read_text_vectors(str(tmp_path / "v.txt"))
    bw, bm = read_binary_vectors(str(tmp_path / "v.bin"))
    vocab_words = [ln.split(b" ")[0] for ln in (tmp_path / "vocab.txt").read_bytes().splitlines()]
    assert tw == bw == vocab_words and tw[0] == b"</s>"
    text_rows = (tmp_path / "v.txt").read_bytes().split(b"\n")[1:-1]
    assert text_rows == [w + b" " + b"".join(b"%f " % v for v in row) for w, row in zip(bw, bm)]
    # </s> is never trained: its row is C's initial value for seed ... the LCG seed
    assert (bm[0] == _tables.init_syn0(len(bw), 8, 3)[0]).all()
    # trained rows moved away from the initialisation
    assert not (bm[1:] == _tables.init_syn0(len(bw), 8, 3)[1:]).all()
    assert sorted(os.listdir(tmp_path)) == ["t.txt", "v.bin", "v.txt", "vocab.txt"]


def test_classes_output(tmp_path, w2v_cli):
    planted_corpus(tmp_path / "t.txt", tokens=20_000)
    res = w2v_cli("train", "-train", "t.txt", "-output", "cl.txt", "-classes", "5", "-save-vocab", "v.txt",
                  "-debug", "0", *FAST)
    assert res.returncode == 0, str(res)
    lines = (tmp_path / "cl.txt").read_bytes().split(b"\n")
    assert lines[-1] == b""
    pairs = [ln.split(b" ") for ln in lines[:-1]]
    vocab = [ln.split(b" ")[0] for ln in (tmp_path / "v.txt").read_bytes().splitlines()]
    # no header: one `word class` line per vocabulary word, in vocabulary order
    assert [p[0] for p in pairs] == vocab
    assert {int(p[1]) for p in pairs} <= set(range(5))


def test_read_vocab_round_trip(tmp_path, w2v_cli):
    planted_corpus(tmp_path / "t.txt", tokens=20_000)
    assert w2v_cli("train", "-train", "t.txt", "-save-vocab", "v.txt", "-debug", "0").returncode == 0
    res = w2v_cli("train", "-train", "t.txt", "-read-vocab", "v.txt", "-output", "o.txt", "-debug", "1", *FAST)
    assert res.returncode == 0, str(res)
    words, _ = read_text_vectors(str(tmp_path / "o.txt"))
    assert words == [ln.split(b" ")[0] for ln in (tmp_path / "v.txt").read_bytes().splitlines()]


@pytest.mark.parametrize("threads", ["0", "64"])
def test_threads_zero_and_above_cores(tmp_path, w2v_cli, threads):
    planted_corpus(tmp_path / "t.txt", tokens=20_000)
    res = w2v_cli("train", "-train", "t.txt", "-output", "o.txt", "-size", "8", "-iter", "1",
                  "-threads", threads, "-debug", "2")
    assert res.returncode == 0, str(res)
    cores = len(os.sched_getaffinity(0))
    if int(threads) > cores:
        assert f"Using {cores} threads" in res.stderr.decode()
    assert read_text_vectors(str(tmp_path / "o.txt"))[1].shape == (81, 8)


# ------------------------------------------------------------------ Ctrl-C
def _wait_for_line(proc, needle: bytes, timeout: float = 60) -> bytes:
    seen = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} not seen on stderr: {seen!r}")


def _interrupt(proc, needle: bytes, delay: float):
    """Wait for *needle* on stderr, then *delay* s, then SIGINT; returns
    (stdout, stderr, seconds from the signal to the exit)."""
    try:
        _wait_for_line(proc, needle)
        time.sleep(delay)
        assert proc.poll() is None, "the command ended before it could be interrupted"
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        return out, err, time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_interrupted(proc, out: bytes, err: bytes, elapsed: float) -> None:
    assert elapsed < 2.0, elapsed
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and out == b""
    last = err.decode().splitlines()[-1]
    assert last.startswith("w2v train:") and "interrupted" in last, err


def test_ctrl_c_during_training(tmp_path):
    planted_corpus(tmp_path / "t.txt", tokens=100_000)
    proc = subprocess.Popen([console_script(), "train", "-train", "t.txt", "-output", "out.bin",
                             "-size", "100", "-iter", "2000", "-threads", "2", "-cbow", "0",
                             "-min-count", "1", "-debug", "1"],
                            cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err, elapsed = _interrupt(proc, b"Words in train file", 0.7)   # training under way
    assert_interrupted(proc, out, err, elapsed)
    assert sorted(os.listdir(tmp_path)) == ["t.txt"]      # no output, no temporary file


def test_ctrl_c_while_reading_stdin(tmp_path):
    proc = subprocess.Popen([console_script(), "train", "-train", "-", "-output", "out.bin", "-debug", "1"],
                            cwd=str(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdin.write(b"some words that never end\n" * 1000)
    proc.stdin.flush()
    out, err, elapsed = _interrupt(proc, b"Starting training", 0.5)   # stdin stays open
    assert_interrupted(proc, out, err, elapsed)
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ progress reporter
def test_reporter_on_a_terminal_redraws_in_place():
    import io

    from w2v.progress import Reporter

    s = io.StringIO()
    r = Reporter(2, stream=s, tty=True)
    r.progress("Alpha: 0.05")
    r.progress("Alpha: 0.04")                 # within 0.1 s: skipped
    r.info("Vocab size: 3")                   # ends the open progress line first
    r.progress("Alpha: 0.01", final=True)
    assert s.getvalue() == "\rAlpha: 0.05\x1b[K\nVocab size: 3\n\rAlpha: 0.01\x1b[K\n"


def test_reporter_in_logs_writes_full_lines():
    import io

    from w2v.progress import Reporter, fmt_duration

    s = io.StringIO()
    r = Reporter(2, stream=s, tty=False, interval=0)
    r.progress("one")                         # the first call only starts the clock
    r.progress("two")
    r.progress("three", final=True)
    r.warn("careful")
    assert s.getvalue() == "two\nthree\nwarning: careful\n"
    quiet = io.StringIO()
    q = Reporter(1, stream=quiet, tty=True)
    q.progress("hidden", final=True)          # progress needs -debug 2
    q.info("shown")
    q.info("hidden too", level=2)
    q.always("always")
    assert quiet.getvalue() == "shown\nalways\n"
    assert [fmt_duration(x) for x in (0, 59.6, 61, 3661)] == ["00:00", "01:00", "01:01", "1:01:01"]


def test_reporter_survives_a_closed_stream():
    """stderr gone (a closed pipe, a closed file): every message is still
    offered to the stream, none raises, and the run goes on reporting."""
    import io

    from w2v.progress import Reporter

    class Gone:
        def __init__(self):
            self.offered = []

        def write(self, text):
            self.offered.append(text)
            raise BrokenPipeError()

        def flush(self):
            raise BrokenPipeError()

        def isatty(self):
            return False

    gone = Gone()
    r = Reporter(2, stream=gone)
    assert r.always("x") is None
    assert r.progress("y", final=True) is None
    assert r.warn("z") is None
    assert gone.offered == ["x\n", "y\n", "warning: z\n"]
    closed = io.StringIO()
    closed.close()                        # writes raise ValueError
    r = Reporter(2, stream=closed, tty=True)
    assert r.width() == 79                # 80 columns less the spare one: the stream cannot tell
    assert r.progress("a", final=True) is None and r.always("b") is None


# ------------------------------------------------------------------ messages as a new user sees them
def test_a_missing_training_file_is_one_line_and_nothing_before_it(tmp_path, w2v_cli):
    res = w2v_cli("train", "-train", "nosuch.txt", "-output", "o.bin")
    assert res.returncode == 1 and res.err_lines == ["w2v train: error: training file 'nosuch.txt' not found"]


def test_no_note_about_a_thread_flag_that_was_not_given(tmp_path, w2v_cli):
    planted_corpus(tmp_path / "t.txt", tokens=5_000)
    res = w2v_cli("train", "-train", "t.txt", "-output", "o.bin", "-iter", "1", "-min-count", "1")
    assert res.returncode == 0 and not any(ln.startswith("Using ") for ln in res.err_lines), str(res)
    cores = len(os.sched_getaffinity(0))
    res = w2v_cli("train", "-train", "t.txt", "-output", "o.bin", "-iter", "1", "-min-count", "1",
                  "-threads", str(cores + 3))
    assert f"Using {cores} threads: -threads {cores + 3} is more than the {cores} available cores" \
        in res.err_lines, str(res)


def test_an_interrupted_run_is_not_called_an_error(tmp_path):
    planted_corpus(tmp_path / "t.txt", tokens=100_000)
    proc = subprocess.Popen([console_script(), "train", "-train", "t.txt", "-output", "out.bin",
                             "-size", "100", "-iter", "2000", "-threads", "1", "-min-count", "1", "-debug", "1"],
                            cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err, elapsed = _interrupt(proc, b"Words in train file", 0.3)
    assert_interrupted(proc, out, err, elapsed)
    assert err.decode().splitlines()[-1] == "w2v train: interrupted: training stopped, no output written"
