"""``w2v c-tools DIR``: launchers named like the C tools, with the C tools'
command lines (usage and exit 0 without arguments, messages on standard
output, prompts, positional arguments), compared with the C tools where they
are installed (PyPI ``word2vec``; found by :func:`c_tool`)."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from w2vtest import assert_one_line_error, c_tool, read_binary_vectors, run_w2v

MAKEFILE_NAMES = ["word2vec", "word2phrase", "distance", "word-analogy", "compute-accuracy"]
PYPI_NAMES = ["word2vec-distance", "word2vec-word-analogy", "word2vec-compute-accuracy", "word2vec-doc2vec"]
NAMES = MAKEFILE_NAMES + PYPI_NAMES
# the PyPI package's binary for each launcher name
C_NAME = {"word2vec": "word2vec", "word2phrase": "word2phrase", "distance": "word2vec-distance",
          "word-analogy": "word2vec-word-analogy", "compute-accuracy": "word2vec-compute-accuracy",
          "word2vec-distance": "word2vec-distance", "word2vec-word-analogy": "word2vec-word-analogy",
          "word2vec-compute-accuracy": "word2vec-compute-accuracy", "word2vec-doc2vec": "word2vec-doc2vec"}
FIRST_USAGE_LINE = {
    "word2vec": b"WORD VECTOR estimation toolkit v 0.1c\n", "word2vec-doc2vec": b"WORD VECTOR estimation toolkit v 0.1c\n",
    "word2phrase": b"WORD2PHRASE tool v0.1a\n",
    "distance": b"Usage: ./distance <FILE>\n", "word2vec-distance": b"Usage: ./distance <FILE>\n",
    "word-analogy": b"Usage: ./word-analogy <FILE>\n", "word2vec-word-analogy": b"Usage: ./word-analogy <FILE>\n",
    "compute-accuracy": b"Usage: ./compute-accuracy <FILE> <threshold>\n",
    "word2vec-compute-accuracy": b"Usage: ./compute-accuracy <FILE> <threshold>\n",
}
MARKER = b"# w2v c-tools launcher"


def _env():
    env = dict(os.environ)
    for k in ("PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):    # the demo scripts' make is not ours
        env.pop(k, None)
    return env


def run(cmd, cwd, stdin=b"", env=None, timeout=120):
    p = subprocess.run([str(c) for c in cmd], cwd=str(cwd), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env or _env(), timeout=timeout)
    return p


@pytest.fixture(scope="module")
def bindir(tmp_path_factory):
    d = tmp_path_factory.mktemp("ctools") / "bin"
    res = run_w2v(["c-tools", str(d)], cwd=str(d.parent))
    assert res.returncode == 0, str(res)
    assert res.stdout == b""
    assert res.err_lines == [f"w2v c-tools: {len(NAMES)} launchers written to {d}"]
    return d


# --------------------------------------------------------------------------- corpora
def corpus_text(seed=0, lines=3000):
    """Lines of words from a few topics with fixed word pairs (phrases for
    word2phrase) and a regular analogy structure (``kN : qN :: mN : wN``);
    it starts with a word seen once (word2phrase pairs the first word with an
    uninitialised buffer) and ends with a newline (C drops an unterminated
    last word)."""
    rng = random.Random(seed)
    topics = [[f"t{t}w{i}" for i in range(30)] for t in range(4)]
    pairs = [("new", "york"), ("los", "angeles"), ("san", "francisco")]
    out = ["start"]
    for n in range(lines):
        t = n % 4
        words = rng.choices(topics[t], k=rng.randint(4, 14))
        if rng.random() < 0.1:
            a, b = rng.choice(pairs)
            k = rng.randrange(len(words) + 1)
            words[k:k] = [a, b]
        g = rng.randrange(5)
        words += [f"k{g}", f"q{g}"] if t % 2 else [f"m{g}", f"w{g}"]
        out.append(" ".join(words))
    return ("\n".join(out) + "\n").encode()


def counts(min_count):
    """word2vec.c's figures for corpus_text(), counted here: (Vocab size
    with </s>, Words in train file = kept tokens + lines, word2phrase's
    Words in train file = all tokens)."""
    text = corpus_text()
    freq = {}
    for w in text.split():
        freq[w] = freq.get(w, 0) + 1
    kept = [c for c in freq.values() if c >= min_count]
    lines = text.count(b"\n")
    return len(kept) + 1, sum(kept) + lines, sum(freq.values())


def c_lines(min_count=5):
    vocab, words, _ = counts(min_count)
    return [b"Starting training using file text8", b"Vocab size: %d" % vocab, b"Words in train file: %d" % words]


def questions_text():
    lines = [": capital-common-countries"]
    for a in range(5):
        for b in range(5):
            if a != b:
                lines.append(f"k{a} q{a} k{b} q{b}")
    lines.append(": gram1-adjective-to-adverb")
    lines += [f"m{a} w{a} k{a} q{a}" for a in range(5)]
    lines.append("t0w1 t0w2 nothere t0w3")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A folder with a small corpus and questions file (names as in the demo scripts)."""
    d = tmp_path_factory.mktemp("demo")
    (d / "text8").write_bytes(corpus_text())
    (d / "questions-words.txt").write_bytes(questions_text())
    return d


# --------------------------------------------------------------------------- usage, exit status
@pytest.mark.parametrize("name", NAMES)
def test_usage_and_status_0_without_arguments(bindir, tmp_path, name):
    p = run([bindir / name], tmp_path)
    assert p.returncode == 0
    assert p.stderr == b""
    assert p.stdout.startswith(FIRST_USAGE_LINE[name])
    if name in ("word2vec", "word2vec-doc2vec"):
        assert b"\t-cbow <int>\n" in p.stdout and p.stdout.endswith(b"-iter 3\n\n")
        assert (b"\t-sentence-vectors <int>\n" in p.stdout) == (name == "word2vec-doc2vec")
    cp = run([c_tool(C_NAME[name])], tmp_path)
    assert (p.returncode, p.stdout) == (cp.returncode, cp.stdout)


def test_usage_is_the_c_tools_byte_for_byte():
    """The texts in the package against word2vec.c's, as its banner prints them."""
    from w2v import ctools

    assert ctools.DISTANCE_USAGE == "Usage: ./distance <FILE>\nwhere FILE contains word projections in the BINARY FORMAT\n"
    assert ctools.WORD2VEC_USAGE.count("\n\t-") == 17
    assert ctools.DOC2VEC_USAGE.count("\n\t-") == 18
    assert ctools.WORD2PHRASE_USAGE.count("\n\t-") == 5


# --------------------------------------------------------------------------- the launchers themselves
def test_launchers_point_at_this_interpreter(bindir):
    assert sorted(os.listdir(bindir)) == sorted(NAMES)
    for name in NAMES:
        path = bindir / name
        assert os.access(path, os.X_OK)
        text = path.read_text()
        lines = text.splitlines()
        assert lines[0] == "#!/bin/sh"
        assert lines[1].startswith(MARKER.decode())
        m = re.fullmatch(r'exec (\S+) -m w2v\.ctools (\S+) "\$@"', lines[2])
        assert m and m.group(2) == name, lines[2]
        # the absolute path of the interpreter that wrote it (a venv's own, not what it links to)
        assert os.path.isabs(m.group(1)) and os.path.samefile(m.group(1), sys.executable)
        assert os.path.dirname(m.group(1)) == os.path.dirname(os.path.abspath(sys.executable))
        assert len(lines) == 3


def test_launchers_work_moved_and_without_the_venv(bindir, tmp_path, demo):
    moved = tmp_path / "elsewhere"
    shutil.copytree(bindir, moved)
    env = {"PATH": f"{moved}:/usr/bin:/bin", "HOME": str(tmp_path), "LC_ALL": "C"}   # no venv activated
    p = run(["word2vec"], tmp_path, env=env)
    assert p.returncode == 0 and p.stdout.startswith(b"WORD VECTOR"), p.stderr
    p = run(["word2vec", "-train", demo / "text8", "-debug", "0"], tmp_path, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"Starting training using file {demo / 'text8'}\n".encode()


def test_rewriting_launchers_is_allowed(bindir):
    before = (bindir / "word2vec").read_bytes()
    res = run_w2v(["c-tools", str(bindir)], cwd=str(bindir))
    assert res.returncode == 0, str(res)
    assert (bindir / "word2vec").read_bytes() == before
    assert sorted(os.listdir(bindir)) == sorted(NAMES)       # no temporary file left


def test_other_files_are_not_replaced_unless_forced(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    (d / "distance").write_bytes(b"\x7fELF the C binary")
    res = run_w2v(["c-tools", str(d)], cwd=str(tmp_path))
    line = assert_one_line_error(res, "c-tools", "exists and is not a w2v launcher")
    assert "distance" in line and "-force 1" in line
    assert os.listdir(d) == ["distance"]                     # nothing written
    assert (d / "distance").read_bytes() == b"\x7fELF the C binary"
    res = run_w2v(["c-tools", str(d), "-force", "1"], cwd=str(tmp_path))
    assert res.returncode == 0, str(res)
    assert (d / "distance").read_bytes().startswith(b"#!/bin/sh\n" + MARKER)
    assert sorted(os.listdir(d)) == sorted(NAMES)


def test_a_folder_of_the_same_name_is_an_error_even_forced(tmp_path):
    (tmp_path / "bin" / "word2phrase").mkdir(parents=True)
    for force in ("0", "1"):
        res = run_w2v(["c-tools", "bin", "-force", force], cwd=str(tmp_path))
        assert_one_line_error(res, "c-tools", "is a folder")
    assert os.listdir(tmp_path / "bin") == ["word2phrase"]


def test_dir_that_cannot_be_made_or_written(tmp_path):
    (tmp_path / "afile").write_bytes(b"x")
    assert_one_line_error(run_w2v(["c-tools", "afile"], cwd=str(tmp_path)), "c-tools", "is not a folder")
    assert_one_line_error(run_w2v(["c-tools", "afile/bin"], cwd=str(tmp_path)), "c-tools", "cannot create folder")
    if os.path.isdir("/proc/self"):       # not writable, even by root
        assert_one_line_error(run_w2v(["c-tools", "/proc/self"], cwd=str(tmp_path)), "c-tools", "cannot write")
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        try:
            assert_one_line_error(run_w2v(["c-tools", "ro"], cwd=str(tmp_path)), "c-tools", "cannot write")
            assert os.listdir(ro) == []
        finally:
            ro.chmod(0o755)


def test_an_interpreter_path_with_spaces_and_quotes(tmp_path, demo):
    from w2v.ctools import write_launchers

    odd = tmp_path / "my venv's bin"
    odd.mkdir()
    python = odd / "python"
    python.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    write_launchers(str(tmp_path / "bin"), python=str(python))
    assert (tmp_path / "bin" / "word2vec").read_text().splitlines()[2] == \
        f"exec '{tmp_path}/my venv'\"'\"'s bin/python' -m w2v.ctools word2vec \"$@\""
    p = run([tmp_path / "bin" / "word2vec", "-train", demo / "text8", "-debug", "0"], tmp_path)
    assert p.returncode == 0 and p.stdout == f"Starting training using file {demo / 'text8'}\n".encode(), p.stderr


def test_a_launcher_that_cannot_be_put_in_place(tmp_path, monkeypatch):
    """os.replace failing (a file system full or gone): one error, no temporary file left."""
    from w2v import ctools
    from w2v.errors import W2VError

    def fail(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(ctools.os, "replace", fail)
    with pytest.raises(W2VError, match=r"cannot write '.*word2vec': No space left on device"):
        ctools.write_launchers(str(tmp_path))
    assert os.listdir(tmp_path) == []
    monkeypatch.setattr(ctools.tempfile, "mkstemp", lambda **kw: fail(None, None))
    with pytest.raises(W2VError, match=r"cannot write in folder '.*': No space left on device"):
        ctools.write_launchers(str(tmp_path))
    assert os.listdir(tmp_path) == []


def test_ctools_help_and_bad_flags(tmp_path):
    res = run_w2v(["c-tools", "-h"], cwd=str(tmp_path))
    assert res.returncode == 0
    for name in NAMES:
        assert name.encode() in res.stdout
    assert b"-force" in res.stdout
    assert_one_line_error(run_w2v(["c-tools"], cwd=str(tmp_path)), "c-tools", "Missing argument")
    assert_one_line_error(run_w2v(["c-tools", "d", "-force", "2"], cwd=str(tmp_path)), "c-tools", "-force")
    assert not (tmp_path / "d").exists()
    p = run([sys.executable, "-m", "w2v.ctools", "no-such-tool"], tmp_path)
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.decode().startswith("w2v.ctools: error: the first argument names a C tool: word2vec, ")


# --------------------------------------------------------------------------- messages on standard output
PROGRESS = re.compile(rb"\rAlpha: \d+\.\d{6}  Progress: \d+\.\d\d%  Words/thread/sec: \d+\.\d\dk  ")


def split_console(out: bytes):
    """(message lines, progress pieces) of word2vec's standard output."""
    lines, progress = [], []
    for piece in re.split(rb"(?=\r)", out):
        if piece.startswith(b"\rAlpha"):
            progress.append(piece)
        else:
            lines += [ln for ln in piece.replace(b"\r", b"\n").split(b"\n") if ln and not ln.endswith(b"K")]
    return lines, progress


def test_word2vec_messages_on_stdout_in_c_order(bindir, demo):
    p = run([bindir / "word2vec", "-train", "text8", "-output", "v.bin", "-size", "20", "-iter", "2",
             "-threads", "2", "-binary", "1", "-min-count", "1"], demo)
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""
    lines, progress = split_console(p.stdout)
    assert lines == c_lines(1)
    assert progress and all(PROGRESS.fullmatch(x) for x in progress), p.stdout
    assert progress[-1].startswith(b"\rAlpha: 0.000") and b"Progress: 100.00%" in progress[-1]
    assert not p.stdout.endswith(b"\n")                        # C leaves its last \r line open
    # w2v's own command keeps its messages on standard error
    res = run_w2v(["train", "-train", "text8", "-output", "v2.bin", "-size", "20", "-iter", "1",
                   "-min-count", "1"], cwd=str(demo))
    assert res.returncode == 0 and res.stdout == b""
    assert c_lines(1)[1] + b"\n" in res.stderr and b"epoch 1/1" in res.stderr


@pytest.mark.parametrize("debug, expected", [
    ("0", [b"Starting training using file text8"]),
    ("1", c_lines(1)),
])
def test_word2vec_debug_levels(bindir, demo, debug, expected):
    p = run([bindir / "word2vec", "-train", "text8", "-output", "d.txt", "-size", "10", "-iter", "1",
             "-min-count", "1", "-debug", debug], demo)
    assert p.returncode == 0 and p.stderr == b""
    assert p.stdout == b"".join(x + b"\n" for x in expected)


def test_word2phrase_messages_on_stdout(bindir, demo):
    p = run([bindir / "word2phrase", "-train", "text8", "-output", "ph.txt"], demo)
    assert p.returncode == 0 and p.stderr == b""
    out = p.stdout.decode()
    m = re.fullmatch(r"Starting training using file text8\n\nVocab size \(unigrams \+ bigrams\): (\d+)\n"
                     r"Words in train file: (\d+)\n", out)
    assert m, out
    vocab, _, tokens = counts(1)
    assert int(m.group(2)) == tokens
    assert int(m.group(1)) > vocab


# --------------------------------------------------------------------------- the demo scripts' lines
DEMO = """\
set -e
./word2vec -train text8 -output vectors.bin -cbow 1 -size 40 -window 8 -negative 25 -hs 0 -sample 1e-4 -threads 2 -binary 1 -iter 5 > word2vec.out
printf 't0w1\\nt0w2 t0w3\\nnothere\\nEXIT\\n' | ./distance vectors.bin > distance.out
printf 'k0 q0 k1\\nk0\\nEXIT\\n' | ./word-analogy vectors.bin > analogy.out
./compute-accuracy vectors.bin 30000 < questions-words.txt > accuracy.out
./word2phrase -train text8 -output text8-phrase0 -threshold 200 -debug 2 > phrase0.out
./word2phrase -train text8-phrase0 -output text8-phrase1 -threshold 100 -debug 2 > phrase1.out
./word2vec -train text8 -output classes.txt -cbow 1 -size 40 -window 8 -negative 25 -hs 0 -sample 1e-4 -threads 2 -iter 5 -classes 5 > classes.out
"""


def _demo_folder(root, name, demo, tools):
    d = root / name
    d.mkdir()
    for f in ("text8", "questions-words.txt"):
        shutil.copy(demo / f, d / f)
    for launcher, target in tools.items():
        os.symlink(target, d / launcher)
    (d / "demo.sh").write_text(DEMO)
    p = run(["sh", "demo.sh"], d, timeout=300)
    assert p.returncode == 0, p.stderr.decode()
    return d


ROW = re.compile(rb"^ *(\S*)\t\t(-?\d+\.\d{6})$")


def assert_same_dialogue(ours: bytes, theirs: bytes, tol=3e-6):
    """distance/word-analogy dialogues alike: every line but the table rows
    byte for byte; each table as many rows, the cosines rank by rank within
    *tol* (their last digit depends on the order of float additions), the
    same words with the same cosines, but for near-ties at the cut-off."""
    def parse(out):
        text, tables = [], []
        for line in out.split(b"\n"):
            m = ROW.match(line)
            if m is None:
                text.append(line)
                continue
            if not text or text[-1] != b"<row>":
                tables.append([])
                text.append(b"<row>")
            tables[-1].append((m.group(1), float(m.group(2))))
        return text, tables
    (text, tables), (c_text, c_tables) = parse(ours), parse(theirs)
    assert text == c_text
    assert [len(t) for t in tables] == [len(t) for t in c_tables]
    for rows, c_rows in zip(tables, c_tables):
        assert all(abs(a[1] - b[1]) <= tol for a, b in zip(rows, c_rows)), (rows, c_rows)
        cos, c_cos = dict(rows), dict(c_rows)
        for word in set(cos) | set(c_cos):
            if word in cos and word in c_cos:
                assert abs(cos[word] - c_cos[word]) <= tol, word
            else:                                  # in one table only: a near-tie at the last row
                assert abs(cos.get(word, c_cos.get(word)) - c_rows[-1][1]) <= tol, word


def test_assert_same_dialogue_sees_differences():
    row = b"%50s\t\t%f\n"
    base = b"Enter: \nWord: a  Position in vocabulary: 1\n" + row % (b"b", 0.9) + row % (b"c", 0.8) + b"Enter: "
    assert_same_dialogue(base, base.replace(b"0.800000", b"0.800002"))
    assert_same_dialogue(base.replace(b"c\t\t0.800000", b"d\t\t0.800001"), base)     # a tie at the cut-off
    for other in (base.replace(b"0.900000", b"0.900010"),               # a cosine
                  base.replace(b"b\t\t0.9", b"d\t\t0.9"),               # a word
                  base.replace(b"Position in vocabulary: 1", b"Position in vocabulary: 2"),
                  base + row % (b"e", 0.7)):                            # a row more
        with pytest.raises(AssertionError):
            assert_same_dialogue(other, base)


def test_demo_scripts_run_unchanged(tmp_path, bindir, demo):
    w = _demo_folder(tmp_path, "w2v", demo, {n: bindir / n for n in MAKEFILE_NAMES})
    # word2vec
    lines, progress = split_console((w / "word2vec.out").read_bytes())
    assert lines == c_lines(5)
    assert progress
    words, vecs = read_binary_vectors(str(w / "vectors.bin"))[:2]
    vocab = counts(5)[0]
    assert len(words) == vocab and vecs.shape == (vocab, 40)
    # distance: C's dialogue (a prompt before every line read, EXIT ends it)
    prompt = b"Enter word or sentence (EXIT to break): "
    out = (w / "distance.out").read_bytes()
    assert out.startswith(prompt + b"\nWord: t0w1  Position in vocabulary: ")
    assert out.count(prompt) == 4 and out.endswith(b"Out of dictionary word!\n" + prompt)
    assert out.count(b"Cosine distance\n" + b"-" * 72 + b"\n") == 2
    rows = re.findall(rb"(?m)^ {0,49}(\S+)\t\t(-?\d\.\d{6})$", out)
    assert len(rows) == 80
    # nearest words of a topic word are its topic's
    assert sum(r[0].startswith(b"t0w") for r in rows[:10]) >= 8
    out = (w / "analogy.out").read_bytes()
    assert out.count(b"Enter three words (EXIT to break): ") == 3
    assert b"Only 1 words were entered.. three words are needed at the input to perform the calculation\n" in out
    acc = (w / "accuracy.out").read_bytes().decode()
    assert acc.startswith("capital-common-countries:\nACCURACY TOP1: ")
    assert acc.endswith("Questions seen / total: 25 26   96.15 % \n")
    # word2phrase, twice
    p0, p1 = (w / "text8-phrase0").read_bytes(), (w / "text8-phrase1").read_bytes()
    assert b"new_york" in p0 and b"los_angeles" in p0 and b"k0_q0" not in p0   # score about 130
    assert b"k0_q0" in p1
    assert p0.count(b"\n") == p1.count(b"\n") == 3001
    # classes
    cls = [ln.split() for ln in (w / "classes.txt").read_bytes().splitlines()]
    assert len(cls) == vocab and {int(c) for _, c in cls} <= set(range(5))

    tools = {n: c_tool(C_NAME[n]) for n in MAKEFILE_NAMES}
    c = _demo_folder(tmp_path, "c", demo, tools)
    c_msgs, c_progress = split_console((c / "word2vec.out").read_bytes())
    assert lines == c_msgs and c_progress
    assert [ln.split()[0] for ln in (w / "classes.txt").read_bytes().splitlines()] == \
        [ln.split()[0] for ln in (c / "classes.txt").read_bytes().splitlines()]
    # the same vectors file through both tools: the same dialogue
    for tool, stdin in (("distance", b"t0w1\nt0w2 t0w3\nnothere\nEXIT\n"), ("word-analogy", b"k0 q0 k1\nk0\nEXIT\n")):
        ours = run([bindir / tool, c / "vectors.bin"], tmp_path, stdin=stdin)
        theirs = run([tools[tool], c / "vectors.bin"], tmp_path, stdin=stdin)
        assert (ours.returncode, ours.stderr) == (theirs.returncode, b"")
        assert_same_dialogue(ours.stdout, theirs.stdout)
    for vectors in (c / "vectors.bin", w / "vectors.bin"):
        ours = run([bindir / "compute-accuracy", vectors, "30000"], tmp_path, stdin=questions_text())
        theirs = run([tools["compute-accuracy"], vectors, "30000"], tmp_path, stdin=questions_text())
        assert ours.returncode == theirs.returncode == 0
        assert ours.stdout == theirs.stdout
    # word2phrase: the same output, but for C's space at the start of every line
    for f in ("text8-phrase0", "text8-phrase1"):
        theirs = [ln[1:] if ln.startswith(b" ") else ln for ln in (c / f).read_bytes().split(b"\n")]
        assert (w / f).read_bytes().split(b"\n") == theirs
    for f in ("phrase0.out", "phrase1.out"):
        ours, theirs = (w / f).read_bytes().split(b"\n"), (c / f).read_bytes().replace(b"\r", b"\r\n").split(b"\n")
        theirs = [ln for ln in theirs if not ln.startswith(b"Words processed") and not ln.startswith(b"Words written")]
        assert ours[0] == theirs[0]                              # Starting training using file ...
        assert ours[3] == theirs[3] and ours[3].startswith(b"Words in train file: ")
        assert ours[2].startswith(b"Vocab size (unigrams + bigrams): ") and theirs[2].startswith(b"Vocab size")


# the shape of the original demo-*.sh: make clean and make first, a download
# when text8 is missing, bash's time, no set -e, the look-up reading the terminal
DEMO_SCRIPT = """\
make clean
make
if [ ! -e text8 ]; then
  wget http://example.invalid/text8.zip -O text8.gz
  gzip -d text8.gz -f
fi
time ./word2vec -train text8 -output vectors.bin -cbow 1 -size 20 -window 5 -negative 5 -hs 0 -sample 1e-3 \
-threads 12 -binary 1
./word2vec -train text8 -output classes.txt -cbow 1 -size 20 -window 8 -negative 25 -hs 0 -sample 1e-4 \
-threads 12 -iter 2 -classes 7
sort classes.txt -k 2 -n > classes.sorted.txt
./distance vectors.bin
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="the demo scripts need bash (time)")
def test_a_demo_script_in_a_folder_without_the_makefile(bindir, demo, tmp_path):
    shutil.copy(demo / "text8", tmp_path / "text8")
    (tmp_path / "demo-word.sh").write_text(DEMO_SCRIPT)
    subprocess.run(["w2v", "c-tools", "."], cwd=str(tmp_path), check=True, stderr=subprocess.DEVNULL,
                   executable=os.path.join(os.path.dirname(sys.executable), "w2v"))
    p = run(["bash", "demo-word.sh"], tmp_path, stdin=b"t1w1\nEXIT\n", timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith(b"Starting training using file text8\n")
    assert out.count(b"Starting training using file text8\n") == 2 and b"Progress: " in out
    assert out.endswith(b"Enter word or sentence (EXIT to break): ")
    assert b"\nWord: t1w1  Position in vocabulary: " in out and out.count(b"Cosine distance") == 1
    assert b"real\t" in p.stderr                                   # bash's time
    assert len(read_binary_vectors(str(tmp_path / "vectors.bin"))[0]) == counts(5)[0]
    classes = [int(ln.split()[1]) for ln in (tmp_path / "classes.sorted.txt").read_bytes().splitlines()]
    assert len(classes) == counts(5)[0] and classes == sorted(classes) and set(classes) <= set(range(7))
    assert sorted(os.listdir(tmp_path)) == sorted(NAMES + ["classes.sorted.txt", "classes.txt", "demo-word.sh",
                                                           "text8", "vectors.bin"])


PYPI_WRAPPERS = """\
import word2vec
word2vec.word2vec("text8", "v.bin", size=10, iter_=1, min_count=1, binary=1, verbose=True)
word2vec.word2phrase("text8", "p.txt", verbose=True)
word2vec.word2clusters("text8", "c.txt", 5, size=10, iter_=1, min_count=1, verbose=True)
try:
    word2vec.doc2vec("text8", "d.txt", size=10, iter_=1, min_count=1, verbose=True)
    print("doc2vec: done")
except Exception as exc:
    print("doc2vec: failed:", exc)
"""


def test_the_pypi_word2vec_package_runs_the_launchers(bindir, demo, tmp_path):
    """The PyPI package's wrappers run ``word2vec``, ``word2phrase`` and
    ``word2vec-doc2vec`` from PATH and read their standard output; with only
    the launchers on PATH (the C binaries next to this Python are not)."""
    assert subprocess.run([sys.executable, "-c", "import word2vec.scripts_interface"]).returncode == 0, \
        "the PyPI word2vec package is not installed (make test installs it)"
    shutil.copy(demo / "text8", tmp_path / "text8")
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path), "LC_ALL": "C"}
    p = run([sys.executable, "-c", PYPI_WRAPPERS], tmp_path, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    head = out.partition("Running command: word2vec-doc2vec ")[0]
    assert head.count("Running command: word2vec -train text8 ") == 2
    assert head.count("Starting training using file text8\n") == 3 and "Progress: 100.00%" in head
    assert "Running command: word2phrase -train text8 -output p.txt " in out
    assert "Vocab size (unigrams + bigrams): " in out
    vocab = counts(1)[0]
    assert len(read_binary_vectors(str(tmp_path / "v.bin"))[0]) == vocab
    assert b"new_york" in (tmp_path / "p.txt").read_bytes()
    assert len((tmp_path / "c.txt").read_bytes().splitlines()) == vocab
    # doc2vec() passes "sentence-vectors 1" without the dash: read as -sentence-vectors 1
    assert re.search(r"(?m)Running command: word2vec-doc2vec -train text8 -output d\.txt .* sentence-vectors 1$", out)
    if _train_accepts("-sentence-vectors"):
        assert out.rstrip().endswith("doc2vec: done")
    else:
        last = out.rstrip().split("\n")[-1]
        assert last.startswith("doc2vec: failed: The training could not be completed (returncode=1)")
        assert "No such option '-sentence-vectors'" in last


def test_lookups_exit_0_and_prompt_again_at_end_of_input(bindir, demo, tmp_path):
    vectors = demo / "v.bin"
    if not vectors.exists():
        assert run([bindir / "word2vec", "-train", demo / "text8", "-output", vectors, "-binary", "1",
                    "-size", "10", "-iter", "1", "-min-count", "1", "-debug", "0"], tmp_path).returncode == 0
    prompt = b"Enter word or sentence (EXIT to break): "
    p = run([bindir / "distance", vectors], tmp_path, stdin=b"nothere\n")     # no EXIT
    assert p.returncode == 0 and p.stderr == b""
    assert p.stdout == (prompt + b"\nWord: nothere  Position in vocabulary: -1\nOut of dictionary word!\n"
                        + prompt + b"\n")
    # w2v's own command: no prompts, status 1 for the query it could not answer
    res = run_w2v(["distance", str(vectors)], cwd=str(tmp_path), stdin=b"nothere\n")
    assert res.returncode == 1 and prompt not in res.stdout
    p = run([bindir / "word2vec-word-analogy", vectors], tmp_path, stdin=b"")
    assert p.returncode == 0 and p.stdout == b"Enter three words (EXIT to break): \n"


def _small_vectors(path):
    """Six words whose cosines are exact in float32 (1, 0.6, 0, -1, ...)."""
    rows = [(b"</s>", (1, 0, 0)), (b"a", (1, 0, 0)), (b"b", (0.6, 0.8, 0)), (b"c", (0, 1, 0)),
            (b"d", (0, 0.6, 0.8)), (b"e", (-1, 0, 0))]
    with open(path, "wb") as f:
        f.write(b"%d 3\n" % len(rows))
        for w, v in rows:
            f.write(w + b" " + np.array(v, dtype=np.float32).tobytes() + b"\n")


@pytest.mark.parametrize("tool, stdin, rows, floor", [
    ("distance", b"a\nb c\nEXIT\n", [[b"</s>", b"b", b"c", b"d"], [b"d", b"</s>", b"a", b"e"]], b"-1.000000"),
    ("word-analogy", b"a b c\nb nothere e\nb c e\nEXIT\n", [[b"d", b"e"], [b"d"]], b"0.000000"),
])
def test_tables_have_c_s_40_rows(bindir, tmp_path, tool, stdin, rows, floor):
    """C's tables: 40 rows, the words scoring above C's starting best (so not
    e at exactly -1), then empty rows; byte for byte as C prints them."""
    _small_vectors(tmp_path / "s.bin")
    p = run([bindir / tool, "s.bin"], tmp_path, stdin=stdin)
    assert p.returncode == 0 and p.stderr == b""
    tables = re.findall(rb"-{72}\n((?:.*\t\t.*\n)*)", p.stdout)
    assert len(tables) == 2
    for table, words in zip(tables, rows):
        got = [ln.split(b"\t\t") for ln in table.splitlines()]
        assert len(got) == 40
        assert [w.strip() for w, _ in got[:len(words)]] == words
        assert got[len(words):] == [[b" " * 50, floor]] * (40 - len(words))
    if tool == "word-analogy":     # an unknown word at C's position 0
        assert b"\nWord: nothere  Position in vocabulary: 0\nOut of dictionary word!\n" in p.stdout
    assert run([c_tool(C_NAME[tool]), "s.bin"], tmp_path, stdin=stdin).stdout == p.stdout
    res = run_w2v([tool.replace("word-", ""), "s.bin"], cwd=str(tmp_path), stdin=stdin)    # w2v's own
    assert b"Position in vocabulary: 0\n" not in res.stdout
    assert res.returncode == (1 if tool == "word-analogy" else 0) and res.stdout.count(b"\t\t") == (9 if tool == "distance" else 3)   # e at -1 too


# --------------------------------------------------------------------------- paths longer than C's buffers
def test_long_paths(bindir, demo, tmp_path):
    deep = tmp_path / ("d" * 120) / ("e" * 120)
    deep.mkdir(parents=True)
    src = deep / ("corpus-" + "x" * 80 + ".txt")
    shutil.copy(demo / "text8", src)
    out = deep / ("phrases-" + "y" * 80 + ".txt")
    p = run([bindir / "word2phrase", "-train", src, "-output", out, "-debug", "1"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"Starting training using file {src}\n".encode())
    assert b"Words in train file: %d\n" % counts(1)[2] in p.stdout
    assert b"new_york" in out.read_bytes()
    vec = deep / ("vectors-" + "z" * 80 + ".bin")
    p = run([bindir / "word2vec", "-train", out, "-output", vec, "-binary", "1", "-size", "10", "-iter", "1",
             "-min-count", "1", "-debug", "1"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"Starting training using file {out}\n".encode())
    assert os.listdir(deep) == sorted(os.listdir(deep)) and vec.exists()
    p = run([bindir / "distance", vec], tmp_path, stdin=b"new_york\nEXIT\n")
    assert p.returncode == 0 and b"Word: new_york  Position in vocabulary: " in p.stdout


# --------------------------------------------------------------------------- bad input through a launcher
def _error(p, command, contains):
    assert p.returncode not in (0, None)
    assert b"Traceback" not in p.stderr
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"w2v {command}: error: "), p.stderr
    assert contains in lines[0], lines[0]
    return p.stdout


# (launcher and arguments, w2v command in the error line, words in it, exit
# status, whether C reports that error itself with that status)
BAD = [
    (["word2vec", "-train", "text8", "-size", "abc"], "train", "'-size'", 1, False),    # C: atoi, size 0
    (["word2vec", "-train", "text8", "-size"], "train", "requires an argument", 1, True),
    (["word2vec", "-train", "missing.txt", "-output", "v.bin"], "train", "'missing.txt' not found", 1, True),
    (["word2vec", "-train", "text8", "-bogus", "1"], "train", "-bogus", 1, False),       # C: ignored
    (["word2vec-doc2vec", "-train", "missing.txt", "-output", "v.bin"], "train", "not found", 1, True),
    (["word2vec-doc2vec", "-train", "text8", "-window"], "train", "requires an argument", 1, True),
    (["word2phrase", "-train", "text8"], "phrases", "-output", 1, False),              # C: crashes
    (["word2phrase", "-train", "missing.txt", "-output", "p.txt"], "phrases", "not found", 1, True),
    (["word2phrase", "-train", "text8", "-output", "p.txt", "-threshold", "x"], "phrases", "'-threshold'", 1,
     False),
    (["distance", "missing.bin"], "distance", "not found", 255, True),
    (["word2vec-distance", "missing.bin"], "distance", "not found", 255, True),
    (["distance", "v.bin", "extra"], "distance", "distance takes one argument", 1, False),
    (["word-analogy", "missing.bin"], "analogy", "not found", 255, True),
    (["word2vec-word-analogy", "v.bin", "a", "b"], "analogy", "word2vec-word-analogy takes one argument", 1,
     False),
    (["compute-accuracy", "v.bin", "abc"], "accuracy", "'-threshold'", 2, False),       # C: atoi, 0
    (["compute-accuracy", "v.bin", "-5"], "accuracy", "'-threshold'", 2, False),
    (["word2vec-compute-accuracy", "v.bin", "10", "20"], "accuracy", "takes the vectors file and an optional",
     1, False),
    (["compute-accuracy", "missing.bin", "0"], "accuracy", "not found", 255, True),
    (["word2vec-compute-accuracy", "missing.bin"], "accuracy", "not found", 255, True),
]


def _bad_input_folder(d, demo):
    d.mkdir()
    shutil.copy(demo / "text8", d / "text8")
    (d / "v.bin").write_bytes(b"1 2\na \x00\x00\x80\x3f\x00\x00\x00\x00\n")
    return d


@pytest.mark.parametrize("args, command, contains, status, c_reports", BAD)
def test_bad_arguments_are_one_line(bindir, demo, tmp_path, args, command, contains, status, c_reports):
    d = _bad_input_folder(tmp_path / "w", demo)
    p = run([bindir / args[0], *args[1:]], d, stdin=questions_text())
    stdout = _error(p, command, contains)
    assert p.returncode == status
    assert stdout == b""
    assert sorted(os.listdir(d)) == ["text8", "v.bin"]     # nothing written
    if c_reports:
        c = c_tool(C_NAME[args[0]])
        # the error C reports itself: C's status (C prints its message on standard output)
        cp = run([c, *args[1:]], _bad_input_folder(tmp_path / "c", demo), stdin=questions_text(), timeout=30)
        assert cp.returncode == status, cp.stdout


def test_c_status_keeps_interruptions_and_success():
    from w2v.ctools import c_status

    assert c_status("word2vec", [], None) == c_status("distance", ["missing.bin"], 0) == 0
    for name in ("word2vec", "distance"):
        assert c_status(name, ["missing.bin"], 130) == 130 and c_status(name, ["missing.bin"], 141) == 141
    assert c_status("word2phrase", [], 2) == c_status("word2vec-doc2vec", [], "message") == 1
    assert c_status("compute-accuracy", [], 2) == 2      # no vectors file named: w2v's status


def test_pypi_doc2vec_args():
    from w2v.ctools import pypi_doc2vec_args

    assert pypi_doc2vec_args(["-train", "t", "-cbow", "1", "sentence-vectors", "1"]) == \
        ["-train", "t", "-cbow", "1", "-sentence-vectors", "1"]
    for args in (["-train", "t", "stray", "1"], ["sentence-vectors", "1", "-train", "t"], ["sentence-vectors"]):
        assert pypi_doc2vec_args(args) == args


def _train_accepts(flag):
    res = run_w2v(["train", "-h"], cwd=".")
    assert res.returncode == 0
    return flag.encode() in res.stdout


def test_doc2vec_runs_w2v_train_with_its_flags(bindir, demo, tmp_path):
    """word2vec-doc2vec is ``w2v train`` with C's console: the flags w2v
    train has work (-sentence-vectors where w2v train has it)."""
    p = run([bindir / "word2vec-doc2vec", "-train", demo / "text8", "-output", "d.txt", "-size", "8", "-iter", "1",
             "-min-count", "1", "-debug", "1"], tmp_path)
    assert p.returncode == 0 and p.stderr == b""
    assert p.stdout == b"".join(x.replace(b"text8", str(demo / "text8").encode()) + b"\n" for x in c_lines(1))
    assert (tmp_path / "d.txt").read_bytes().split(b"\n")[0] == b"%d 8" % counts(1)[0]
    p = run([bindir / "word2vec-doc2vec", "-train", demo / "text8", "-output", "s.txt", "-size", "8", "-iter", "1",
             "-min-count", "1", "-debug", "0", "-sentence-vectors", "1"], tmp_path)
    if _train_accepts("-sentence-vectors"):
        assert p.returncode == 0, p.stderr
    else:
        _error(p, "train", "-sentence-vectors")
        assert p.returncode == 1 and not (tmp_path / "s.txt").exists()
