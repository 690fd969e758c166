"""w2v phrases through the real command line: pipes, messages, errors.

Commands run as ``python -m w2v`` from a temporary folder, so the installed
package is used."""
from __future__ import annotations

import gzip
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

W2V = [sys.executable, "-m", "w2v", "phrases"]

PASS1 = b"new york times\n" * 4 + b"new york\n" * 2 + b"times\n"
# pass 1, -min-count 1: new 6, york 6, times 5, (new york) 6, (york times) 4, words 17
#   score(new york) = 5/6/6*17 = 2.36 > 2, score(york times) = 3/6/5*17 = 1.7
PASS1_OUT = b"new_york times\n" * 4 + b"new_york\n" * 2 + b"times\n"
# pass 2: new_york 6, times 5, (new_york times) 4, words 11: score 3/6/5*11 = 1.1 > 1
PASS2_OUT = b"new_york_times\n" * 4 + b"new_york\n" * 2 + b"times\n"


def w2v(tmp_path, *args, input=None, check=True):
    proc = subprocess.run(W2V + [str(a) for a in args], input=input, cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr.decode()
    return proc


def test_stdin_to_stdout(tmp_path):
    p = w2v(tmp_path, "-train", "-", "-output", "-", "-min-count", 1, "-threshold", 2,
            "-debug", 2, input=PASS1)
    assert p.stdout == PASS1_OUT                     # messages never on standard output
    err = p.stderr.decode()
    assert "Words in train file: 17" in err
    assert "Phrases joined in the output: 6" in err


def test_two_stage_pipeline(tmp_path):
    src = tmp_path / "text.txt"
    src.write_bytes(PASS1)
    first = subprocess.Popen(W2V + ["-train", str(src), "-output", "-", "-min-count", "1",
                                    "-threshold", "2", "-debug", "0"],
                             cwd=tmp_path, stdout=subprocess.PIPE)
    second = subprocess.run(W2V + ["-train", "-", "-output", "-", "-min-count", "1",
                                   "-threshold", "1", "-debug", "0"],
                            cwd=tmp_path, stdin=first.stdout, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=120)
    first.stdout.close()
    assert first.wait(timeout=120) == 0
    assert second.returncode == 0
    assert second.stdout == PASS2_OUT
    assert second.stderr == b""


def test_files_compressed_input_and_save_phrases(tmp_path):
    (tmp_path / "text.txt.gz").write_bytes(gzip.compress(PASS1))
    p = w2v(tmp_path, "-train", "text.txt.gz", "-output", "out.txt", "-min-count", 1,
            "-threshold", 1.5, "-save-phrases", "ph.tsv", "-debug", 0)
    assert p.stdout == b"" and p.stderr == b""
    assert (tmp_path / "out.txt").read_bytes() == PASS1_OUT   # york closed new_york
    assert (tmp_path / "ph.tsv").read_bytes() == (
        b"phrase\tcount_ab\tcount_a\tcount_b\tscore\tjoined\n"
        b"new_york\t6\t6\t6\t2.361111\t6\n"
        b"york_times\t4\t6\t5\t1.7\t0\n")
    assert sorted(os.listdir(tmp_path)) == ["out.txt", "ph.tsv", "text.txt.gz"]   # no temp files left


def test_help(tmp_path):
    p = w2v(tmp_path, "-h")
    assert b"-save-phrases" in p.stdout and b"-threshold" in p.stdout


@pytest.mark.parametrize("args, message", [
    (["-train", "missing.txt", "-output", "out.txt"], "input file 'missing.txt' not found"),
    (["-train", "folder", "-output", "out.txt"], "input file 'folder' is a directory"),
    (["-train", "in.txt", "-output", "nofolder/out.txt"], "folder"),
    (["-train", "in.txt", "-output", "folder"], "output file 'folder' is a directory"),
    (["-train", "in.txt", "-output", "out.txt", "-save-phrases", "nofolder/p.tsv"], "-save-phrases file"),
    (["-train", "in.txt", "-output", "out.txt", "-save-phrases", "out.txt"], "same file"),
    (["-train", "in.txt", "-output", "out.txt", "-save-phrases", "in.txt"], "same file"),
    (["-train", "in.txt", "-output", "out.txt", "-min-count", "abc"], "'-min-count': 'abc' is not a valid integer"),
    (["-train", "in.txt", "-output", "out.txt", "-min-count", "-1"], "-min-count must be >= 0"),
    (["-train", "in.txt", "-output", "out.txt", "-threshold", "x"], "'-threshold': 'x' is not a valid float"),
    (["-train", "in.txt", "-output", "out.txt", "-threshold", "nan"], "-threshold must be a finite number"),
    (["-train", "in.txt", "-output", "out.txt", "-threshold", "inf"], "-threshold must be a finite number"),
    (["-train", "in.txt", "-output", "out.txt", "-c-compat", "2"], "-c-compat must be 0 or 1"),
    (["-train", "in.txt", "-output", "out.txt", "-debug", "x"], "'-debug'"),
    (["-train", "in.txt", "-output", "out.txt", "-bogus", "1"], "No such option '-bogus'"),
    (["-train", "in.txt", "-output", "out.txt", "-threshold"], "'-threshold' requires an argument"),
    (["-train", "in.txt"], "Missing option '-output'"),
    (["-output", "out.txt"], "Missing option '-train'"),
    (["-train", "bad.gz", "-output", "out.txt"], "cannot read input file 'bad.gz'"),
])
def test_errors_leave_no_output(tmp_path, args, message):
    (tmp_path / "in.txt").write_bytes(PASS1)
    (tmp_path / "folder").mkdir()
    (tmp_path / "bad.gz").write_bytes(gzip.compress(os.urandom(100_000))[:5000])   # truncated
    before = sorted(os.listdir(tmp_path))
    p = w2v(tmp_path, *args, check=False)
    err = p.stderr.decode()
    assert p.returncode != 0
    last = err.splitlines()[-1]
    assert last.startswith("w2v phrases: error: ") and message in last, err
    assert err.count("w2v phrases: error:") == 1 and "Traceback" not in err
    assert p.stdout == b""
    assert sorted(os.listdir(tmp_path)) == before


def test_failed_run_keeps_existing_output(tmp_path):
    (tmp_path / "out.txt").write_bytes(b"precious\n")
    (tmp_path / "bad.xz").write_bytes(b"not xz at all")
    p = w2v(tmp_path, "-train", "bad.xz", "-output", "out.txt", check=False)
    assert p.returncode == 1 and b"cannot read input file 'bad.xz'" in p.stderr
    assert (tmp_path / "out.txt").read_bytes() == b"precious\n"
    assert sorted(os.listdir(tmp_path)) == ["bad.xz", "out.txt"]


def test_output_to_a_fifo_writes_into_it(tmp_path):
    # a device or pipe (/dev/null, a FIFO) is written in place, never replaced
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    (tmp_path / "in.txt").write_bytes(PASS1)
    w2v(tmp_path, "-train", "in.txt", "-output", "fifo", "-min-count", 1, "-threshold", 2)
    assert reader.communicate(timeout=60)[0] == PASS1_OUT
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["fifo", "in.txt"]


def test_empty_input_gives_empty_output(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    p = w2v(tmp_path, "-train", "empty.txt", "-output", "out.txt", "-debug", 0)
    assert (tmp_path / "out.txt").read_bytes() == b"" and p.stderr == b""
    assert w2v(tmp_path, "-train", "-", "-output", "-", input=b"").stdout == b""


def test_closed_stdout_is_quiet(tmp_path):
    src = tmp_path / "big.txt"
    src.write_bytes(b"alpha beta gamma delta\n" * 100_000)           # 2.3 MB of output
    proc = subprocess.Popen(W2V + ["-train", str(src), "-output", "-", "-debug", "0"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(100) == b"alpha beta gamma delta\n" * 4 + b"alpha beta gamma"[:8]
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141    # like a tool killed by SIGPIPE, and quietly
    assert err == b""


def test_interrupt_leaves_no_output(tmp_path):
    proc = subprocess.Popen(W2V + ["-train", "-", "-output", "out.txt", "-debug", "0"],
                            cwd=tmp_path, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.write(b"a b c\n" * 1000)
    proc.stdin.flush()
    time.sleep(1.0)                       # reading standard input, which stays open
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 130
    proc.stdin.close()
    assert b"interrupted" in err and b"Traceback" not in err
    assert os.listdir(tmp_path) == []
