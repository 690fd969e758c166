"""w2v accuracy (compute-accuracy) and w2v similarity: golden results on
hand-made vectors, the seen/unseen rules, and a reference implementation
written from the C tool's description, compared on random data."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
from vecdata import binary_bytes  # noqa: E402

from w2v import evaluate as E  # noqa: E402
from w2v import vectors as V  # noqa: E402
from w2v.errors import W2VError  # noqa: E402

# 2-D compass: z - x + y = (-2, 1): every candidate left has a score <= 0.
COMPASS = [("x", (1.0, 0.0)), ("y", (0.0, 1.0)), ("z", (-1.0, 0.0)), ("w", (0.0, -1.0)),
           ("Big", (3.0, 1.0)), ("bigger", (3.0, 2.0)), ("small", (1.0, 3.0)), ("smaller", (1.0, 4.0)),
           ("rare", (2.0, 2.0))]

QUESTIONS = b"""\
: first
x y z w
big bigger small smaller
BIG BIGGER SMALL RARE
big bigger small nothere
: all-unseen
nothere x y z
: empty
: fourth
small smaller big bigger
: fifth
: sixth-syntactic
x z y w
bigger big smaller small
"""


def load(tmp_path, rows, name="v.bin"):
    p = tmp_path / name
    p.write_bytes(binary_bytes(rows))
    return V.load(str(p))


def test_golden_accuracy_and_report(tmp_path):
    v = load(tmp_path, COMPASS)
    r = E.analogy_accuracy(v, QUESTIONS, threshold=0)
    got = [(s.name, s.correct, s.seen, s.total) for s in r.sections]
    # first: 'x y z w' -> y - x + z = (-2, 1) excluding x,y,z: only w (0,-1) left with
    #   score -1/sqrt5 <= 0 -> wrong though w is the answer; 'big bigger small smaller'
    #   correct; RARE wrong (smaller wins); 'nothere' unseen.
    assert got == [("first", 1, 3, 4), ("all-unseen", 0, 0, 1), ("empty", 0, 0, 0),
                   ("fourth", 1, 1, 1), ("fifth", 0, 0, 0), ("sixth-syntactic", 1, 2, 2)]
    assert (r.correct, r.seen, r.total) == (3, 6, 8)
    assert (r.semantic_correct, r.semantic_seen, r.syntactic_correct, r.syntactic_seen) == (2, 4, 1, 2)
    assert r.accuracy == 0.5 and r.semantic_accuracy == 0.5 and r.syntactic_accuracy == 0.5
    assert r.report() == (
        "first:\n"
        "ACCURACY TOP1: 33.33 %  (1 / 3)\n"
        "Total accuracy: 33.33 %   Semantic accuracy: 33.33 %   Syntactic accuracy: -nan % \n"
        "all-unseen:\n"
        "ACCURACY TOP1: 0.00 %  (0 / 1)\n"
        "Total accuracy: 33.33 %   Semantic accuracy: 33.33 %   Syntactic accuracy: -nan % \n"
        "empty:\n"
        "ACCURACY TOP1: 0.00 %  (0 / 1)\n"
        "Total accuracy: 33.33 %   Semantic accuracy: 33.33 %   Syntactic accuracy: -nan % \n"
        "fourth:\n"
        "ACCURACY TOP1: 100.00 %  (1 / 1)\n"
        "Total accuracy: 50.00 %   Semantic accuracy: 50.00 %   Syntactic accuracy: -nan % \n"
        "fifth:\n"
        "ACCURACY TOP1: 0.00 %  (0 / 1)\n"
        "Total accuracy: 50.00 %   Semantic accuracy: 50.00 %   Syntactic accuracy: -nan % \n"
        "sixth-syntactic:\n"
        "ACCURACY TOP1: 50.00 %  (1 / 2)\n"
        "Total accuracy: 50.00 %   Semantic accuracy: 50.00 %   Syntactic accuracy: 50.00 % \n"
        "Questions seen / total: 6 8   75.00 % \n")


def test_threshold_restricts_vocabulary(tmp_path):
    v = load(tmp_path, COMPASS)
    # the first 8 words: 'rare' (row 9) unknown -> that question becomes unseen
    r = E.analogy_accuracy(v, QUESTIONS, threshold=8)
    assert (r.sections[0].seen, r.sections[0].correct) == (2, 1)
    # the first 6: only the two x/y/z/w questions are left, both wrong
    r = E.analogy_accuracy(v, QUESTIONS, threshold=6)
    assert (r.correct, r.seen, r.total) == (0, 2, 8)


def test_questions_before_first_section_and_no_trailing_newline(tmp_path):
    v = load(tmp_path, COMPASS)
    r = E.analogy_accuracy(v, b"big bigger small smaller\n: s\nbig bigger small smaller", threshold=0)
    # C: questions before the first ':' count (as semantic) but print no section lines
    assert r.report() == ("s:\nACCURACY TOP1: 100.00 %  (1 / 1)\n"
                          "Total accuracy: 100.00 %   Semantic accuracy: 100.00 %   Syntactic accuracy: -nan % \n"
                          "Questions seen / total: 2 2   100.00 % \n")
    # an incomplete last question is ignored; nothing at all: C's -nan line
    assert E.analogy_accuracy(v, b": s\nbig bigger", threshold=0).total == 0
    assert E.analogy_accuracy(v, b"", threshold=0).report() == "Questions seen / total: 0 0   -nan % \n"


def test_uppercase_duplicates_like_c(tmp_path):
    # after upper-casing 'Paris' and 'paris' are the same word; the prediction
    # is compared as a string, so predicting the second row still counts.
    rows = [("a", (1.0, 0.0, 0.0)), ("b", (0.0, 1.0, 0.0)), ("c", (0.0, 0.0, 1.0)),
            ("d", (0.0, 1.0, 1.0)), ("D", (0.0, 1.0, 1.01))]
    v = load(tmp_path, rows)
    r = E.analogy_accuracy(v, b": s\na b c D\n", threshold=0)
    assert (r.correct, r.seen) == (1, 1)


def cosmul_answer(words, m, a, b, c):
    u = m / np.linalg.norm(m, axis=1, keepdims=True)
    i = {w.upper(): k for k, w in reversed(list(enumerate(words)))}
    ia, ib, ic = i[a.upper()], i[b.upper()], i[c.upper()]
    best, bw = 0.0, None
    for j, w in enumerate(words):
        if j in (ia, ib, ic):
            continue
        cos = lambda k: (1 + float(u[j] @ u[k])) / 2  # noqa: E731
        s = cos(ib) * cos(ic) / (cos(ia) + 0.001)
        if s > best:
            best, bw = s, w.upper()
    return bw


def test_3cosmul(tmp_path):
    v = load(tmp_path, COMPASS)
    words = [w for w, _ in COMPASS]
    m = np.array([x for _, x in COMPASS], dtype=np.float64)
    r = E.analogy_accuracy(v, QUESTIONS, threshold=0, method="3cosmul")
    assert r.method == "3cosmul" and r.seen == 6
    expected = []
    for block in QUESTIONS.decode().split(": ")[1:]:
        qs = [line.split() for line in block.splitlines()[1:] if line.strip()]
        expected.append(sum(1 for a, b, c, d in qs if all(w.upper() in map(str.upper, words) for w in (a, b, c, d))
                            and cosmul_answer(words, m, a, b, c) == d.upper()))
    assert [s.correct for s in r.sections] == expected
    # worked out: 3CosMul answers 'big bigger small' with y (1.149) before smaller (1.129)
    assert expected == [0, 0, 0, 1, 0, 1]


def test_bad_arguments(tmp_path):
    v = load(tmp_path, COMPASS)
    with pytest.raises(W2VError, match="-threshold must be an integer >= 0"):
        E.analogy_accuracy(v, QUESTIONS, threshold=-1)
    with pytest.raises(W2VError, match="-method must be one of"):
        E.analogy_accuracy(v, QUESTIONS, method="cos")
    with pytest.raises(W2VError, match="questions file 'nope' not found"):
        E.analogy_accuracy(v, "nope")


# --------------------------------------------------------------------------- reference
def reference_accuracy(words, matrix, data: bytes, threshold: int):
    """compute-accuracy, question by question, from its description."""
    n = len(words) if threshold == 0 else min(threshold, len(words))
    up = [w.encode().upper() for w in words[:n]]
    m = matrix[:n].astype(np.float64)
    m /= np.linalg.norm(m, axis=1, keepdims=True)

    def find(t):
        return up.index(t) if t in up else None

    toks = [t.upper() for t in data.split()]
    counts = []          # per section: [correct, seen, total]
    cur = [0, 0, 0]
    i = 0
    while i + 4 <= len(toks) or (i < len(toks) and toks[i] == b":"):
        if toks[i] == b":":
            counts.append(cur)
            cur = [0, 0, 0]
            i += 2
            continue
        a, b, c, d = toks[i:i + 4]
        i += 4
        cur[2] += 1
        ia, ib, ic = find(a), find(b), find(c)
        if None in (ia, ib, ic) or find(d) is None:
            continue
        cur[1] += 1
        q = m[ib] - m[ia] + m[ic]
        best, bestw = 0.0, None
        for j in range(n):
            if j in (ia, ib, ic):
                continue
            s = float(m[j] @ q)
            if s > best:
                best, bestw = s, up[j]
        if bestw == d:
            cur[0] += 1
    counts.append(cur)
    return counts[1:] if counts[0] == [0, 0, 0] else counts


@pytest.mark.parametrize("seed", range(4))
def test_matches_reference_on_random_data(tmp_path, seed):
    rng = np.random.default_rng(seed)
    nw = 60
    words = ["w%d" % i for i in range(nw)]
    m = rng.normal(size=(nw, 5)).astype(np.float32)
    v = V.Vectors(words, m)
    lines = []
    for s in range(7):
        lines.append(": sec%d" % s)
        for _ in range(rng.integers(0, 30)):
            q = ["w%d" % k for k in rng.integers(0, nw + 8, size=4)]   # some unknown
            if rng.random() < 0.3:
                q = [w.upper() for w in q]
            lines.append(" ".join(q))
    data = ("\n".join(lines) + "\n").encode()
    for threshold in (0, 40):
        r = E.analogy_accuracy(v, data, threshold=threshold)
        ref = reference_accuracy(words, m, data, threshold)
        assert [[s.correct, s.seen, s.total] for s in r.sections] == ref


# --------------------------------------------------------------------------- similarity
def test_ranks_with_ties():
    np.testing.assert_array_equal(E._ranks(np.array([10, 20, 20, 5, 20])), [2, 4, 4, 1, 4])
    assert E.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert E.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # hand-worked: x ranks 1,2,3,4; y = 1, 2.5, 2.5, 4 -> r = 4.5 / sqrt(5 * 4.5)
    assert E.spearman([1, 2, 3, 4], [0, 5, 5, 9]) == pytest.approx(4.5 / math.sqrt(5 * 4.5))
    assert E.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert math.isnan(E.pearson([1], [1])) and math.isnan(E.pearson([1, 1], [2, 3]))


PAIRS = b"""# comment line
# Word 1\tWord 2\tHuman (mean)
BIG\tbigger\t9.0
x\ty\t1.0
small\tsmaller\t8.0
x\tnothere\t5.0

x\tz\t0.5
"""


def test_similarity_golden(tmp_path):
    v = load(tmp_path, COMPASS)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_bytes(PAIRS)
    r = E.similarity(v, str(pairs))
    assert (r.used, r.skipped, r.oov) == (4, 1, ["x nothere"])
    cos = [(9 + 2) / math.sqrt(10 * 13), 0.0, (1 + 12) / math.sqrt(10 * 17), -1.0]
    human = [9.0, 1.0, 8.0, 0.5]
    assert r.pearson == pytest.approx(float(np.corrcoef(human, cos)[0, 1]), abs=1e-6)
    # human order x-z < x-y < small < BIG, cosines -1 < 0 < BIG (.965) < small (.997):
    # one swap, sum d^2 = 2 -> 1 - 6 * 2 / (4 * 15)
    assert r.spearman == pytest.approx(0.8)
    assert E.similarity(v, str(pairs), case_sensitive=True).skipped == 2   # 'BIG' is 'Big' in the file
    assert E.similarity(v, str(pairs), threshold=2).used == 1             # only x, y known


@pytest.mark.parametrize("content,msg", [
    (b"a\tb\n", "line 1: expected 'word1<TAB>word2<TAB>score', found 2 fields"),
    (b"# c\nx\ty\tlots\n", "line 2: score 'lots' is not a number"),
    (b"x\ty\tnan\n", "line 1: score is not finite"),
    (b"# only comments\n", "has no word pairs"),
])
def test_similarity_bad_pairs(tmp_path, content, msg):
    v = load(tmp_path, COMPASS)
    p = tmp_path / "p.tsv"
    p.write_bytes(content)
    with pytest.raises(W2VError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        E.similarity(v, str(p))


# --------------------------------------------------------------------------- command line
def run(args, stdin=None, cwd=None):
    r = subprocess.run([sys.executable, "-m", "w2v"] + args, input=stdin, capture_output=True,
                       cwd=cwd, timeout=60)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def test_cli_accuracy_stdin_and_option(tmp_path):
    (tmp_path / "v.bin").write_bytes(binary_bytes(COMPASS))
    (tmp_path / "q.txt").write_bytes(QUESTIONS)
    expected = E.analogy_accuracy(V.load(str(tmp_path / "v.bin")), QUESTIONS).report()
    rc, out, err = run(["accuracy", "v.bin"], stdin=QUESTIONS, cwd=tmp_path)
    assert (rc, out, err) == (0, expected, "")
    rc, out, err = run(["accuracy", "v.bin", "-questions", "q.txt", "-threshold", "6"], cwd=tmp_path)
    assert rc == 0 and out.endswith("Questions seen / total: 2 8   25.00 % \n")
    rc, out, err = run(["accuracy", "v.bin", "-questions", "q.txt", "-method", "3cosmul"], cwd=tmp_path)
    assert rc == 0 and "ACCURACY TOP1: 0.00 %  (0 / 3)" in out


def test_cli_accuracy_errors(tmp_path):
    (tmp_path / "v.bin").write_bytes(binary_bytes(COMPASS))
    rc, out, err = run(["accuracy", "v.bin", "-questions", "missing.txt"], cwd=tmp_path)
    assert rc == 1 and err == "w2v accuracy: error: questions file 'missing.txt' not found\n"
    rc, out, err = run(["accuracy", "v.bin", "-threshold", "-5"], cwd=tmp_path)
    assert rc == 2 and "Invalid value for '-threshold'" in err
    (tmp_path / "q.txt").write_bytes(QUESTIONS)
    rc, out, err = run(["accuracy", "bad.bin", "-questions", "q.txt"], cwd=tmp_path)
    assert rc == 1 and "vectors file 'bad.bin' not found" in err


def test_cli_similarity(tmp_path):
    (tmp_path / "v.bin").write_bytes(binary_bytes(COMPASS))
    (tmp_path / "p.tsv").write_bytes(PAIRS)
    rc, out, err = run(["similarity", "v.bin", "p.tsv"], cwd=tmp_path)
    assert rc == 0 and err == ""
    assert out.startswith("Spearman: 0.8000   Pearson: ")
    assert out.endswith("pairs used: 4 / 5 (1 skipped: out of vocabulary)\n")
    rc, out, err = run(["similarity", "v.bin", "p.tsv", "-format", "json"], cwd=tmp_path)
    import json
    rec = json.loads(out)
    assert rec["used"] == 4 and rec["skipped"] == 1 and rec["oov_pairs"] == ["x nothere"]
