"""w2v phrases (word2phrase): golden cases worked out by hand, and a check
against a direct model of word2phrase's string-keyed counting on random text.

Score (word2phrase): (count(a b) - min_count) / count(a) / count(b) * words,
each step in float32; a pair is joined when the score is strictly above the
threshold.  "words" = word tokens of the input (newlines not counted)."""
from __future__ import annotations

import gzip
import random
import re
from collections import Counter

import numpy as np
import pytest

from w2v import _phrases, _text
from w2v.config import PhrasesConfig
from w2v.errors import W2VError
from w2v.phrases import run


def phrases(tmp_path, text: bytes, name: str = "in.txt", save: bool = False, **kw):
    src = tmp_path / name
    if name.endswith(".gz"):
        src.write_bytes(gzip.compress(text))
    else:
        src.write_bytes(text)
    out = tmp_path / "out.txt"
    cfg = dict(train=str(src), output=str(out), debug=0)
    if save:
        cfg["save_phrases"] = str(tmp_path / "phrases.tsv")
    cfg.update(kw)
    result = run(PhrasesConfig(**cfg))
    if save:
        return out.read_bytes(), (tmp_path / "phrases.tsv").read_bytes(), result
    return out.read_bytes()


# --------------------------------------------------------------------------- score and threshold
XY = b"x y\n" * 3 + b"x z\n" + b"w y\n"
# counts: x 4, y 4, z 1, w 1, (x y) 3, words 10, min-count 1:
# score(x y) = (3 - 1) / 4 / 4 * 10 = 1.25 exactly; (x z), (w y): (1 - 1) ... = 0


def test_score_above_threshold_joins(tmp_path):
    out, tsv, res = phrases(tmp_path, XY, save=True, min_count=1, threshold=1.2499)
    assert out == b"x_y\n" * 3 + b"x z\nw y\n"
    assert tsv == (b"phrase\tcount_ab\tcount_a\tcount_b\tscore\tjoined\n"
                   b"x_y\t3\t4\t4\t1.25\t3\n")
    assert (res.train_words, res.lines, res.phrases, res.joined) == (10, 5, 1, 3)


def test_score_equal_to_threshold_does_not_join(tmp_path):
    assert phrases(tmp_path, XY, min_count=1, threshold=1.25) == XY


def test_threshold_is_compared_in_float32(tmp_path):
    # 1.2500000001 rounds to 1.25 in float32 (word2phrase's threshold is a float)
    assert phrases(tmp_path, XY, min_count=1, threshold=1.2500000001) == XY
    # 1.2499999 does not
    assert phrases(tmp_path, XY, min_count=1, threshold=1.2499999).startswith(b"x_y\n")


def test_score_is_float32_arithmetic(tmp_path):
    # a b c on 5 lines, min-count 1: score(a b) = (5 - 1) / 5 / 5 * 15, which is
    # 2.4 in double (> 2.3999999) but 2.3999999 in float32, step by step
    text = b"a b c\n" * 5
    _, tsv, _ = phrases(tmp_path, text, save=True, min_count=1, threshold=2)
    assert tsv.splitlines()[1] == b"a_b\t5\t5\t5\t2.3999999\t5"
    assert phrases(tmp_path, text, min_count=1, threshold=2.3999999) == text
    assert phrases(tmp_path, text, min_count=1, threshold=2.39999) == b"a_b c\n" * 5


# --------------------------------------------------------------------------- min-count edges
def test_pair_count_equal_to_min_count_scores_zero(tmp_path):
    # a 3, b 3, (a b) 2, (b a) 1, words 6; min-count 2: score(a b) = (2 - 2)/3/3*6 = 0
    text = b"a b\na b\nb a\n"
    assert phrases(tmp_path, text, min_count=2, threshold=0) == text
    # any negative threshold accepts a score of 0; (b a) occurs once < min-count 2
    assert phrases(tmp_path, text, min_count=2, threshold=-1) == b"a_b\na_b\nb a\n"


def test_words_below_min_count_never_join(tmp_path):
    # c and d occur once: (a c) and (d b) are out even at a negative threshold
    text = b"a b\na b\na c\nd b\n"
    assert phrases(tmp_path, text, min_count=2, threshold=-1) == b"a_b\na_b\na c\nd b\n"


def test_min_count_zero_does_not_chain(tmp_path):
    # word2phrase with -min-count 0 scores a pair after a phrase as x/0 = inf and
    # glues the whole line; here a word that closed a phrase never starts one.
    text = b"a b c d\n" * 3
    # every pair: (3 - 0) / 3 / 3 * 12 = 4
    assert phrases(tmp_path, text, min_count=0, threshold=3.9) == b"a_b c_d\n" * 3


# --------------------------------------------------------------------------- greedy joining
def test_word_that_closes_a_phrase_cannot_start_the_next(tmp_path):
    # a 5, b 6, c 6, (a b) 5, (b c) 6, words 17, min-count 1:
    # score(a b) = 4/5/6*17 = 2.2666, score(b c) = 5/6/6*17 = 2.3611
    text = b"a b c\n" * 5 + b"b c\n"
    out, tsv, res = phrases(tmp_path, text, save=True, min_count=1, threshold=2)
    assert out == b"a_b c\n" * 5 + b"b_c\n"
    rows = [r.split(b"\t") for r in tsv.splitlines()[1:]]
    assert [(r[0], r[5]) for r in rows] == [(b"b_c", b"1"), (b"a_b", b"5")]   # by score
    assert res.joined == 6


def test_phrases_left_to_right(tmp_path):
    text = b"a b a b a\n" * 4
    # a 12, b 8, (a b) 8, (b a) 8, words 20: both score 7/12/8*20 = 1.458
    assert phrases(tmp_path, text, min_count=1, threshold=1) == b"a_b a_b a\n" * 4


# --------------------------------------------------------------------------- lines
def test_no_phrase_across_lines_and_lines_kept(tmp_path):
    text = b"\n\na b\n\nx a\nb y\n\n"
    # a 2, b 2, (a b) 1 within lines: score 0; nothing can join across a line end
    assert phrases(tmp_path, text, min_count=1, threshold=-1) == b"\n\na_b\n\nx_a\nb_y\n\n"
    assert phrases(tmp_path, text, min_count=1, threshold=0) == text


def test_bigrams_not_counted_across_lines_unless_c_compat(tmp_path):
    text = b"a b\nx a\nb y\n"
    # a 2, b 2, x 1, y 1, words 6.  Within lines (a b) occurs once: score 0.
    assert phrases(tmp_path, text, min_count=1, threshold=1) == text
    # word2phrase also counts "a" (end of line 2) + "b" (start of line 3):
    # (a b) = 2, score (2 - 1) / 2 / 2 * 6 = 1.5 > 1; still no phrase across the line end
    assert phrases(tmp_path, text, min_count=1, threshold=1, c_compat=1) == b"a_b\nx a\nb y\n"


def test_spacing_is_normalised_and_final_newline_mirrored(tmp_path):
    text = b"  a \t b  \n a   b"
    assert phrases(tmp_path, text, min_count=1, threshold=-1) == b"a_b\na_b"
    assert phrases(tmp_path, text + b"\n", min_count=1, threshold=-1) == b"a_b\na_b\n"


def test_last_word_without_newline_is_counted_and_kept(tmp_path):
    # word2phrase drops the last word ("b") of a file without a final newline
    out, _, res = phrases(tmp_path, b"a b\na b", save=True, min_count=1, threshold=-1)
    assert out == b"a_b\na_b"
    assert res.train_words == 4


def test_crlf(tmp_path):
    text = b"a b\r\n" * 3 + b"a\rb c\r\n"
    # \r is dropped everywhere (word2phrase does the same): the last line is "ab c"
    assert phrases(tmp_path, text, min_count=1, threshold=1) == b"a_b\n" * 3 + b"ab c\n"


def test_empty_inputs(tmp_path):
    out, tsv, res = phrases(tmp_path, b"", save=True)
    assert out == b""
    assert tsv == b"phrase\tcount_ab\tcount_a\tcount_b\tscore\tjoined\n"
    assert res.train_words == 0
    assert phrases(tmp_path, b"\n \n\t\n") == b"\n\n\n"
    assert phrases(tmp_path, b"   ") == b""


# --------------------------------------------------------------------------- bytes
def test_non_utf8_bytes_pass_through(tmp_path):
    text = b"\xff\xfe \x80abc\n" * 3 + b"\xc3\xa9t\xc3\xa9 \xff\xfe\n"
    assert phrases(tmp_path, text, min_count=1, threshold=1) == \
        b"\xff\xfe_\x80abc\n" * 3 + b"\xc3\xa9t\xc3\xa9 \xff\xfe\n"


def test_long_words_cut_to_58_bytes_without_splitting_utf8(tmp_path):
    long_ascii = b"L" * 70
    utf = b"u" * 57 + "é".encode() + b"tail"        # byte 58 is inside "é"
    text = long_ascii + b" " + utf + b"\n"
    assert phrases(tmp_path, text, min_count=1) == b"L" * 58 + b" " + b"u" * 57 + b"\n"


def test_bigram_keys_cut_to_59_bytes_share_counts(tmp_path):
    # word2phrase keys a pair as (a + "_" + b)[:59]: with a 58-byte word L,
    # (L u) and (L v) are both counted under "L_": count 2 each.
    L = b"k" * 58
    text = L + b" u\n" + L + b" v\nu\nv\n"
    # L 2, u 2, v 2, words 6: score = (2 - 1) / 2 / 2 * 6 = 1.5
    out, tsv, _ = phrases(tmp_path, text, save=True, min_count=1, threshold=1)
    assert out == L + b"_u\n" + L + b"_v\nu\nv\n"
    assert sorted(tsv.splitlines()[1:]) == [L + b"_u\t2\t2\t2\t1.5\t1", L + b"_v\t2\t2\t2\t1.5\t1"]


# --------------------------------------------------------------------------- second pass: literal a_b
def test_literal_token_shares_count_with_its_pair(tmp_path):
    # the key "new_york" counts the token new_york (2) and the pair (new york) (1)
    text = b"new_york city\n" * 2 + b"new york\n"
    # new 1, york 1, new_york 3, city 2, words 6
    # score(new york)      = (3 - 1) / 1 / 1 * 6 = 12
    # score(new_york city) = (2 - 1) / 3 / 2 * 6 = 1
    out, tsv, _ = phrases(tmp_path, text, save=True, min_count=1, threshold=1.5)
    assert out == b"new_york city\n" * 2 + b"new_york\n"
    assert tsv.splitlines()[1:] == [b"new_york\t3\t1\t1\t12\t1"]
    assert phrases(tmp_path, text, min_count=1, threshold=0.5) == \
        b"new_york_city\n" * 2 + b"new_york\n"


def test_pairs_with_equal_keys_share_counts(tmp_path):
    # (new_york city) and (new york_city) are both counted under "new_york_city"
    text = b"new_york city\n" * 2 + b"new york_city\n" + b"new york_city\n"
    # new 2, york_city 2, new_york 2, city 2, words 8, key count 4:
    # score = (4 - 1) / 2 / 2 * 8 = 6 for both pairs
    out, tsv, _ = phrases(tmp_path, text, save=True, min_count=1, threshold=5.9)
    assert out == b"new_york_city\n" * 4
    assert sorted(tsv.splitlines()[1:]) == [b"new_york_city\t4\t2\t2\t6\t2"] * 2


def test_rare_word_after_a_word_with_underscore_still_counts(tmp_path):
    # zzz occurs once, but (new_york zzz) adds to the key "new_york_zzz" of
    # (new york_zzz): new 2, york_zzz 2, words 6, key count 3, min-count 2:
    # score = (3 - 2) / 2 / 2 * 6 = 1.5
    text = b"new york_zzz\n" * 2 + b"new_york zzz\n"
    assert phrases(tmp_path, text, min_count=2, threshold=1) == \
        b"new_york_zzz\n" * 2 + b"new_york zzz\n"


def test_compressed_input(tmp_path):
    assert phrases(tmp_path, XY, name="in.txt.gz", min_count=1, threshold=1) == \
        b"x_y\n" * 3 + b"x z\nw y\n"


def test_output_may_replace_the_input(tmp_path):
    src = tmp_path / "t.txt"
    src.write_bytes(XY)
    run(PhrasesConfig(train=str(src), output=str(src), min_count=1, threshold=1, debug=0))
    assert src.read_bytes() == b"x_y\n" * 3 + b"x z\nw y\n"


def test_disk_full_on_the_temporary_file(tmp_path, monkeypatch):
    import errno

    from w2v import corpus

    def full(self, ids):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(corpus.IdSpool, "append", full)
    with pytest.raises(W2VError, match="cannot write a temporary file .*No space left on device"):
        phrases(tmp_path, XY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]


# --------------------------------------------------------------------------- against a model of word2phrase
def _cut(word: bytes) -> bytes:
    return _text.utf8_cut(word, 58)


def model_phrases(text: bytes, min_count: int, threshold: float, cross_lines: bool = False) -> bytes:
    """word2phrase's algorithm, written directly: one table keyed by strings,
    bigram key (a + "_" + b)[:59], float32 score; with this project's fixes
    (no pair for the first word, no leading space, last word kept)."""
    lines = [[_cut(w) for w in re.split(rb"[ \t]+", line) if w]
             for line in text.replace(b"\r", b"").split(b"\n")]
    counts, words, prev = Counter(), 0, None
    for line in lines:
        if not cross_lines:
            prev = None
        for w in line:
            counts[w] += 1
            words += 1
            if prev is not None:
                counts[(prev + b"_" + w)[:59]] += 1
            prev = w
    thr = np.float32(threshold)
    out = []
    for line in lines:
        parts, prev, closed = [], None, False
        for w in line:
            join = False
            if prev is not None and not closed:
                pa, pb, pab = counts[prev], counts[w], counts[(prev + b"_" + w)[:59]]
                if pa >= min_count and pb >= min_count and pab >= min_count:
                    score = (np.float32(pab - min_count) / np.float32(pa) / np.float32(pb)
                             * np.float32(words))
                    join = bool(score > thr)
            if join:
                parts.append(b"_" + w)
            else:
                parts.append((b" " if parts else b"") + w)
            closed = join
            prev = w
        out.append(b"".join(parts))
    return b"\n".join(out)


def random_text(rng: random.Random) -> bytes:
    base = [b"a", b"b", b"c", b"d", b"e", b"ab", b"b_c", b"a_b", b"a_b_c", b"c_", b"_d",
            b"k" * 28, b"k" * 29, b"k" * 30, b"m" * 58, b"m" * 57 + b"_", b"\xc3\xa9" * 30,
            b"\xff", b"e_\xff", b"n", b"y_z", b"n_y", b"z", b"n_y_z"]
    weights = [rng.random() ** 2 for _ in base]
    lines = []
    for _ in range(rng.randint(0, 60)):
        n = rng.randint(0, 9)
        lines.append(b" ".join(rng.choices(base, weights, k=n)))
    return b"\n".join(lines) + rng.choice([b"", b"\n"])


@pytest.mark.parametrize("seed", range(40))
def test_matches_model_of_word2phrase(tmp_path, seed):
    rng = random.Random(seed)
    text = random_text(rng)
    mc = rng.choice([0, 1, 2, 3, 5])
    thr = rng.choice([-1.0, 0.0, 0.5, 1.0, 2.0, 5.0, 20.0])
    cross = rng.random() < 0.3
    got = phrases(tmp_path, text, min_count=mc, threshold=thr, c_compat=int(cross))
    assert got == model_phrases(text, mc, thr, cross), (text, mc, thr, cross)


def test_model_agrees_on_hand_cases():
    assert model_phrases(XY, 1, 1.2499) == b"x_y\n" * 3 + b"x z\nw y\n"
    assert model_phrases(b"new_york city\n" * 2 + b"new york\n", 1, 1.5) == \
        b"new_york city\n" * 2 + b"new_york\n"


# --------------------------------------------------------------------------- Cython pieces
def test_pair_table_counts_and_grows():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 3000, 200_000, dtype=np.uint32)
    b = rng.integers(0, 50, 200_000, dtype=np.uint32)
    table = _phrases.PairTable(16)
    table.count_pairs(a[:1000], b[:1000])
    table.count_pairs(a[1000:], b[1000:])        # grows from 1024 slots several times
    expect = Counter(zip(a.tolist(), b.tolist()))
    assert table.items() == expect
    assert len(table) == len(expect)
    assert table.get(3000, 0) == -1 and table.get(int(a[7]), int(b[7])) == expect[(a[7], b[7])]


def test_model_counts_pairs_across_chunks():
    words = _text.WordTable()
    words.add_word(b"\n", 0)
    for i in range(1, 5):
        words.add_word(b"w%d" % i, 10)
    m = _phrases.PhraseModel(words, 0, 0.5)        # scores 2/10/10*100 = 2, 1, 1
    m.count(np.array([1, 2, 0, 1], dtype=np.int32))
    m.count(np.array([2, 3, 4], dtype=np.int32))      # (1 2) continues the previous chunk
    assert m.resolve(100) == 3
    assert sorted(zip(m.acc_a.tolist(), m.acc_b.tolist(), m.acc_count.tolist())) == \
        [(1, 2, 2), (2, 3, 1), (3, 4, 1)]
    with pytest.raises(RuntimeError):
        m.count(np.array([1], dtype=np.int32))


def test_errors_in_config():
    with pytest.raises(W2VError, match="-min-count"):
        PhrasesConfig(train="a", output="b", min_count=-1)
    with pytest.raises(W2VError, match="-threshold"):
        PhrasesConfig(train="a", output="b", threshold=float("nan"))
    with pytest.raises(W2VError, match="-threshold"):
        PhrasesConfig(train="a", output="b", threshold=float("inf"))
    with pytest.raises(W2VError, match="-c-compat"):
        PhrasesConfig(train="a", output="b", c_compat=2)
    with pytest.raises(W2VError, match="-train"):
        PhrasesConfig(train="", output="b")
    with pytest.raises(W2VError, match="-output"):
        PhrasesConfig(train="a", output="")
