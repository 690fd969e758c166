"""w2v distance / w2v analogy: scripted modes (arguments, pipes, formats),
the interactive mode through a pseudo-terminal, and errors."""
import fcntl
import json
import math
import os
import pty
import select
import subprocess
import sys
import termios
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
from vecdata import binary_bytes, text_bytes  # noqa: E402

HEADER_D = "\n" + " " * 46 + "Word       Cosine distance\n" + "-" * 72 + "\n"
HEADER_A = "\n" + " " * 46 + "Word              Distance\n" + "-" * 72 + "\n"
R2 = math.sqrt(2)


@pytest.fixture()
def vec(tmp_path):
    p = tmp_path / "v.bin"
    p.write_bytes(binary_bytes())
    return str(p)


def w2v(args, stdin=b"", cwd=None, timeout=60):
    """Run the installed CLI (from a folder without the source tree)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    r = subprocess.run([sys.executable, "-m", "w2v"] + args, input=stdin, capture_output=True,
                       cwd=cwd or os.path.dirname(args[1]),
                       env=env, timeout=timeout)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def row(word, score):
    return "%50s\t\t%f\n" % (word, score)


def test_distance_arguments_text_golden(vec):
    rc, out, err = w2v(["distance", vec, "king", "-n", "3"])
    assert rc == 0 and err == ""
    assert out == ("\nWord: king  Position in vocabulary: 3\n" + HEADER_D
                   + row("man", 1 / R2) + row("queen", 0.5) + row("France", 0.5))


def test_distance_several_queries_and_summed_words(vec):
    rc, out, err = w2v(["distance", vec, "man woman", "zz", "-n", "2"])
    assert rc == 1 and err == "w2v distance: error: not in vocabulary: zz\n"
    assert out == ("\nWord: man  Position in vocabulary: 1\n"
                   "\nWord: woman  Position in vocabulary: 2\n" + HEADER_D
                   + row("king", 0.5) + row("queen", 0.5)
                   + "\nWord: zz  Position in vocabulary: -1\nOut of dictionary word!\n")


def test_distance_oov_stops_listing_like_c(vec):
    rc, out, _ = w2v(["distance", vec, "man zz king"])
    assert out == ("\nWord: man  Position in vocabulary: 1\n"
                   "\nWord: zz  Position in vocabulary: -1\nOut of dictionary word!\n")


def test_distance_stdin_pipe_exit_and_blank_lines(vec):
    rc, out, err = w2v(["distance", vec, "-n", "1"], stdin=b"king\n\n   \nqueen  woman\nEXIT\nman\n")
    assert rc == 0 and err == ""
    assert out == ("\nWord: king  Position in vocabulary: 3\n" + HEADER_D + row("man", 1 / R2)
                   + "\nWord: queen  Position in vocabulary: 4\n"
                   "\nWord: woman  Position in vocabulary: 2\n" + HEADER_D
                   + row("king", 0.5 / math.sqrt((1 + 1 / R2) ** 2 + 0.5)))


def test_pipe_coprocess_gets_each_answer_at_once(vec):
    # lines from a pipe are batched only as far as they are already there:
    # a program that sends one query and waits for its answer is not stuck
    proc = subprocess.Popen([sys.executable, "-m", "w2v", "distance", vec, "-n", "1", "-format", "tsv"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=os.path.dirname(vec))
    try:
        for word, expected in ((b"king", b"king\tman\t"), (b"queen", b"queen\twoman\t")):
            proc.stdin.write(word + b"\n")
            proc.stdin.flush()
            r, _, _ = select.select([proc.stdout], [], [], 30)
            assert r, "no answer within 30 s"
            assert proc.stdout.readline().startswith(expected)
        proc.stdin.write(b"EXIT\n")
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()


def test_distance_tsv_and_json(vec):
    rc, out, err = w2v(["distance", vec, "-n", "2", "-format", "tsv"], stdin=b"king\nnope\nman woman")
    assert rc == 1
    assert out == ("king\tman\t%.6f\nking\tqueen\t0.500000\nnope\t\t\n"
                   "man woman\tking\t0.500000\nman woman\tqueen\t0.500000\n" % (1 / R2))
    assert err == "w2v distance: error: not in vocabulary: nope\n"
    rc, out, err = w2v(["distance", vec, "-n", "1", "-format", "json", "king", "nope"])
    recs = [json.loads(line) for line in out.splitlines()]
    assert recs == [{"query": "king", "measure": "cosine", "error": None,
                     "results": [{"word": "man", "score": round(1 / R2, 6)}]},
                    {"query": "nope", "measure": "cosine", "error": "not in vocabulary", "unknown": ["nope"],
                     "results": []}]
    assert rc == 1 and err == "w2v distance: error: not in vocabulary: nope\n"


def test_analogy_golden_text(vec):
    rc, out, _ = w2v(["analogy", vec, "man", "king", "woman", "-n", "40"])
    assert rc == 0
    lines = out.split("\n")
    assert out.startswith("\nWord: man  Position in vocabulary: 1\n\nWord: king  Position in vocabulary: 3\n"
                          "\nWord: woman  Position in vocabulary: 2\n" + HEADER_A)
    rows = [line for line in lines if "\t\t" in line]
    # queen first; only positive cosines; inputs and 'anti' never listed
    assert rows[0] == row("queen", (1 / R2 + 0.5) / math.sqrt((1 / R2 - 1) ** 2 + 1.5)).rstrip("\n")
    words = [r.split()[0] for r in rows]
    assert words == ["queen", "France", "paris"]


def test_analogy_groups_of_three_and_short_lines(vec):
    rc, out, _ = w2v(["analogy", vec, "-format", "tsv", "-n", "1", "man king woman", "king", "man", "queen"])
    assert out.splitlines() == ["man king woman\tqueen\t%.6f" % ((1 / R2 + 0.5) / math.sqrt((1 / R2 - 1) ** 2 + 1.5)),
                                "king man queen\twoman\t%.6f" % ((1 / R2) / math.sqrt((1 - 1 / R2) ** 2 + 0.5))]
    rc, out, _ = w2v(["analogy", vec], stdin=b"man king\n")
    assert out == ("Only 2 words were entered.. three words are needed at the input to perform the calculation\n")
    rc, out, err = w2v(["analogy", vec, "man", "king"])
    assert rc == 1 and "three words each" in err and out == ""


def test_analogy_extra_words_are_excluded_like_c(vec):
    # word-analogy uses the first three words and leaves out every word given
    rc, out, _ = w2v(["analogy", vec], stdin=b"man king woman queen\n")
    assert out.count("Position in vocabulary") == 4
    words = [line.split()[0] for line in out.splitlines() if "\t\t" in line]
    assert words == ["France", "paris"]


def test_analogy_3cosmul(vec):
    rc, out, _ = w2v(["analogy", vec, "-method", "3cosmul", "-format", "json", "-n", "1", "man", "king", "woman"])
    rec = json.loads(out)
    assert rec["results"][0]["word"] == "queen"
    assert rec["results"][0]["score"] == pytest.approx(0.75 * (1 + 1 / R2) / 2 / 0.501, abs=2e-6)


def test_text_vectors_file_and_gzip(tmp_path):
    import gzip
    p = tmp_path / "v.txt.gz"
    p.write_bytes(gzip.compress(text_bytes()))
    rc, out, _ = w2v(["distance", str(p), "king", "-n", "1", "-format", "tsv"])
    assert out == "king\tman\t%.6f\n" % (1 / R2)


@pytest.mark.parametrize("args,msg", [
    (["distance", "{d}/missing.bin", "x"], "w2v distance: error: vectors file '{d}/missing.bin' not found"),
    (["distance", "{v}", "-n", "0"], "w2v distance: error: Invalid value for '-n'"),
    (["distance", "{v}", "-format", "xml"], "w2v distance: error: Invalid value for '-format'"),
    (["analogy", "{v}", "-method", "3cosfoo"], "w2v analogy: error: Invalid value for '-method'"),
    (["distance", "{v}", "-bogus"], "w2v distance: error: No such option '-bogus'"),
    (["distance", "{e}", "x"], "w2v distance: error: vectors file '{e}' is empty"),
])
def test_errors_one_line(tmp_path, vec, args, msg):
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    fill = dict(d=str(tmp_path), v=vec, e=str(empty))
    rc, out, err = w2v([a.format(**fill) for a in args])
    assert rc != 0 and out == ""
    assert err.startswith(msg.format(**fill)) and err.count("\n") == 1 and "Traceback" not in err


# --------------------------------------------------------------------------- pseudo-terminal
def _controlling_tty():
    """In the child: a new session whose controlling terminal is the pty
    (so Ctrl-C typed there sends SIGINT, as in a real terminal)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Pty:
    def __init__(self, args, cwd):
        self.master, slave = pty.openpty()
        env = dict(os.environ, TERM="dumb", PYTHONIOENCODING="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "w2v"] + args, stdin=slave, stdout=slave,
                                     stderr=slave, cwd=cwd, env=env, close_fds=True,
                                     preexec_fn=_controlling_tty)
        os.close(slave)
        self.buf = b""

    def read_until(self, token: bytes, timeout=30.0) -> bytes:
        end = time.monotonic() + timeout
        while token not in self.buf:
            left = end - time.monotonic()
            assert left > 0, f"timed out waiting for {token!r}; got {self.buf[-500:]!r}"
            r, _, _ = select.select([self.master], [], [], left)
            if r:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                self.buf += data
        assert token in self.buf, self.buf
        head, _, self.buf = self.buf.partition(token)
        return head

    def send(self, data: bytes):
        os.write(self.master, data)

    def finish(self, timeout=30.0) -> int:
        try:
            rc = self.proc.wait(timeout=timeout)
        finally:
            try:
                while True:
                    r, _, _ = select.select([self.master], [], [], 0.2)
                    if not r:
                        break
                    data = os.read(self.master, 65536)
                    if not data:
                        break
                    self.buf += data
            except OSError:
                pass
            os.close(self.master)
        return rc


PROMPT_D = b"Enter word or sentence (EXIT to break): "
PROMPT_A = b"Enter three words (EXIT to break): "


def test_interactive_distance_prompts_and_exit(tmp_path, vec):
    t = Pty(["distance", vec, "-n", "2"], str(tmp_path))
    t.read_until(PROMPT_D)
    t.send(b"king\n")
    answer = t.read_until(PROMPT_D).replace(b"\r\n", b"\n")
    assert answer.endswith(("Word: king  Position in vocabulary: 3\n" + HEADER_D
                            + row("man", 1 / R2) + row("queen", 0.5)).encode())
    t.send(b"nothere\n")
    assert b"Out of dictionary word!" in t.read_until(PROMPT_D)
    t.send(b"EXIT\n")
    assert t.finish() == 0
    assert PROMPT_D not in t.buf and b"Traceback" not in t.buf


def test_interactive_analogy_ctrl_d(tmp_path, vec):
    t = Pty(["analogy", vec, "-n", "1"], str(tmp_path))
    t.read_until(PROMPT_A)
    t.send(b"man king woman\n")
    assert b"queen" in t.read_until(PROMPT_A)
    t.send(b"\x04")              # Ctrl-D on an empty line: end of input
    assert t.finish() == 0
    assert b"Traceback" not in t.buf and PROMPT_A not in t.buf


def test_interactive_ctrl_c(tmp_path, vec):
    t = Pty(["distance", vec], str(tmp_path))
    t.read_until(PROMPT_D)
    t.send(b"\x03")              # Ctrl-C: SIGINT from the terminal
    # CPython's readline can miss a SIGINT that lands just before it starts
    # waiting (a second Ctrl-C then works): press again if needed.
    for _ in range(5):
        try:
            t.proc.wait(timeout=2)
            break
        except subprocess.TimeoutExpired:
            t.send(b"\x03")
    assert t.finish() == 130
    assert b"Traceback" not in t.buf and b"interrupted" in t.buf
