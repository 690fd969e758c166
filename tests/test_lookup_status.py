"""Scripted look-ups answer every query and report failures in the exit
status; evaluations that cannot score anything are errors, not ``0.00 %``
or ``-nan``; 3CosMul scores are labelled as such."""
from __future__ import annotations

import json
import math
import os
import sys

import pytest

from w2vtest import assert_one_line_error, run_w2v

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
from vecdata import binary_bytes  # noqa: E402

R2 = math.sqrt(2)
KING_MAN = 1 / R2                    # cos(king, man) in tests/data/vecdata.py's TINY


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "v.bin").write_bytes(binary_bytes())
    return tmp_path


def one_error_line(res, command, text):
    """Exactly one stderr line, ``w2v COMMAND: error: TEXT``, status 1."""
    assert res.returncode == 1, str(res)
    assert res.err_lines == [f"w2v {command}: error: {text}"], str(res)


# ------------------------------------------------------------------ distance / analogy
def test_unknown_word_text_exits_1_with_cs_line(folder):
    res = run_w2v(["distance", "v.bin", "King"], str(folder))
    assert res.stdout == b"\nWord: King  Position in vocabulary: -1\nOut of dictionary word!\n"
    one_error_line(res, "distance", "not in vocabulary: King")


def test_tsv_answers_every_query_in_order(folder):
    for args, stdin in ((["king", "King", "man woman"], None), ([], b"king\nKing\nman woman\n")):
        res = run_w2v(["distance", "v.bin", "-n", "1", "-format", "tsv", *args], str(folder), stdin=stdin)
        assert res.stdout.decode().splitlines() == [
            "king\tman\t%.6f" % KING_MAN, "King\t\t", "man woman\tking\t0.500000"], str(res)
        one_error_line(res, "distance", "not in vocabulary: King")


def test_json_unknown_words_are_named(folder):
    res = run_w2v(["distance", "v.bin", "-n", "1", "-format", "json", "man Zz yy", "queen"], str(folder))
    recs = [json.loads(line) for line in res.stdout.decode().splitlines()]
    assert recs == [
        {"query": "man Zz yy", "measure": "cosine", "error": "not in vocabulary", "unknown": ["Zz", "yy"],
         "results": []},
        {"query": "queen", "measure": "cosine", "error": None, "results": [{"word": "woman", "score": 0.707107}]},
    ]
    one_error_line(res, "distance", "not in vocabulary: Zz, yy (query 'man Zz yy')")


def test_several_failures_are_counted(folder):
    res = run_w2v(["distance", "v.bin", "-n", "1", "-format", "tsv"], str(folder), stdin=b"a\nking\nb c\n")
    assert res.stdout.decode().splitlines() == ["a\t\t", "king\tman\t%.6f" % KING_MAN, "b c\t\t"]
    one_error_line(res, "distance", "2 of 3 queries not answered; the first: not in vocabulary: a")


def test_all_answered_exits_0(folder):
    res = run_w2v(["analogy", "v.bin", "-n", "1", "-format", "tsv", "man", "king", "woman"], str(folder))
    assert res.returncode == 0 and res.stderr == b"", str(res)
    assert res.stdout.decode().startswith("man king woman\tqueen\t")


def test_analogy_failures_in_every_format(folder):
    res = run_w2v(["analogy", "v.bin", "man", "king", "Woman"], str(folder))
    assert res.stdout.decode().endswith("\nWord: Woman  Position in vocabulary: -1\nOut of dictionary word!\n")
    one_error_line(res, "analogy", "not in vocabulary: Woman (query 'man king Woman')")
    res = run_w2v(["analogy", "v.bin", "-format", "tsv"], str(folder), stdin=b"man king\nman king woman\n")
    lines = res.stdout.decode().splitlines()
    assert lines[0] == "man king\t\t" and lines[1].startswith("man king woman\tqueen\t")
    one_error_line(res, "analogy", "three words are needed (2 given) (query 'man king')")
    res = run_w2v(["analogy", "v.bin", "-format", "json"], str(folder), stdin=b"man\n")
    assert json.loads(res.stdout) == {"query": "man", "measure": "cosine",
                                      "error": "three words are needed (1 given)", "results": []}
    one_error_line(res, "analogy", "three words are needed (1 given) (query 'man')")


def test_a_query_with_no_qualifying_word_is_shown_and_is_not_an_error(folder):
    # man - king + anti has a negative cosine with every other word: nothing qualifies
    res = run_w2v(["analogy", "v.bin", "-format", "tsv", "king", "man", "anti"], str(folder))
    assert (res.returncode, res.stdout, res.stderr) == (0, b"king man anti\t\t\n", b""), str(res)


def test_3cosmul_scores_are_labelled(folder):
    res = run_w2v(["analogy", "v.bin", "-method", "3cosmul", "-n", "1", "man", "king", "woman"], str(folder))
    assert res.returncode == 0, str(res)
    out = res.stdout.decode()
    header = " " * 46 + "Word         3CosMul score"
    assert header in out.splitlines() and "Distance" not in out and len(header) == 72
    score = float(out.splitlines()[-1].split()[-1])
    assert out.splitlines()[-1].split()[0] == "queen" and score > 1      # not a cosine
    res = run_w2v(["analogy", "v.bin", "-method", "3cosmul", "-format", "json", "-n", "1",
                   "man", "king", "woman"], str(folder))
    assert json.loads(res.stdout)["measure"] == "3cosmul"
    res = run_w2v(["analogy", "v.bin", "-n", "1", "man", "king", "woman"], str(folder))
    assert " " * 46 + "Word              Distance" in res.stdout.decode().splitlines()   # 3cosadd: C's header


# ------------------------------------------------------------------ accuracy / similarity
WORDSIM = b"# Word 1\tWord 2\tHuman (mean)\nlove\tsex\t6.77\ntiger\tcat\t7.35\nking\tqueen\t8.58\nman\twoman\t8.3\n"


def test_accuracy_on_a_pairs_file_is_an_error(folder):
    (folder / "ws.tsv").write_bytes(WORDSIM)
    res = run_w2v(["accuracy", "v.bin", "-questions", "ws.tsv"], str(folder))
    err = assert_one_line_error(res, "accuracy")
    assert err == ("w2v accuracy: error: none of the 4 questions in 'ws.tsv' has all four words in the first "
                   "30000 words of 'v.bin', so nothing can be scored (is it an analogy questions file like "
                   "questions-words.txt?)")


@pytest.mark.parametrize("stdin", [b"", b"\n\n", b": only-a-section\n", b"man king woman\n"])
def test_accuracy_without_questions_is_an_error(folder, stdin):
    res = run_w2v(["accuracy", "v.bin"], str(folder), stdin=stdin)
    err = assert_one_line_error(res, "accuracy")
    assert err.startswith("w2v accuracy: error: no analogy questions in standard input")
    assert b"nan" not in res.stderr


def test_accuracy_none_seen_with_threshold(folder):
    (folder / "q.txt").write_bytes(b": s\nman king woman queen\n")
    ok = run_w2v(["accuracy", "v.bin", "-questions", "q.txt", "-threshold", "0"], str(folder))
    assert ok.returncode == 0 and ok.stdout.endswith(b"Questions seen / total: 1 1   100.00 % \n"), str(ok)
    res = run_w2v(["accuracy", "v.bin", "-questions", "q.txt", "-threshold", "3"], str(folder))
    err = assert_one_line_error(res, "accuracy")
    assert "none of the 1 questions in 'q.txt' has all four words in the first 3 words" in err


@pytest.mark.parametrize("pairs, why", [
    (b"a\tb\t1\nc\td\t2\n", "only 0 of the 2 pairs in 'p.tsv' have both words in the vocabulary of 'v.bin'"),
    (b"man\tking\t1\nx\ty\t2\n", "only 1 of the 2 pairs in 'p.tsv' have both words in the vocabulary of 'v.bin'"),
    (b"man\tking\t1\nman\twoman\t1\n", "the scores in 'p.tsv' or the cosines of its pairs are all equal"),
])
def test_similarity_without_a_correlation_is_an_error(folder, pairs, why):
    (folder / "p.tsv").write_bytes(pairs)
    res = run_w2v(["similarity", "v.bin", "p.tsv"], str(folder))
    err = assert_one_line_error(res, "similarity")
    assert err == f"w2v similarity: error: {why}: no correlation can be computed"
    assert b"nan" not in res.stdout
