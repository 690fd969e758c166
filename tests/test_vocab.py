"""The vocabulary: counting, -min-count, C's order, train_words, -save-vocab /
-read-vocab, ReduceVocab pruning and the encoded corpus.

The hand-worked corpus used below (no final newline)::

    b a c a\\n
    d b a\\n
    \\n
    c e

tokens: b a c a </s> d b a </s> </s> c e  (12 tokens)
counts: a 3, b 2, c 2, d 1, e 1, </s> 3 (newlines)
first occurrence: b, a, c, d, e  (ids 1..5 while counting)
C's order: </s> first, then count descending, ties in first-occurrence order:
    </s> 3, a 3, b 2, c 2, d 1, e 1
"""
from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

from w2v import corpus as corpus_mod
from w2v.config import Params, TrainJob
from w2v.corpus import count_corpus, encode_corpus
from w2v.errors import W2VError
from w2v.train_command import build_corpus
from w2v.vocab import EOS, Vocab
from w2vtest import c_tool

TEXT = b"b a c a\nd b a\n\nc e"


@pytest.fixture
def text_file(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes(TEXT)
    return str(p)


def vocab_pairs(v):
    return list(zip(v.words, v.counts.tolist()))


def test_counts_order_and_ids(text_file):
    c = count_corpus(text_file, 1)
    assert vocab_pairs(c.vocab) == [(EOS, 3), (b"a", 3), (b"b", 2), (b"c", 2), (b"d", 1), (b"e", 1)]
    # final ids: </s>=0 a=1 b=2 c=3 d=4 e=5;  b a c a </s> d b a </s> </s> c e
    assert c.ids.tolist() == [2, 1, 3, 1, 0, 4, 2, 1, 0, 0, 3, 5]
    assert c.tokens_read == 12
    # train_words = kept word tokens (9) + newlines (3)
    assert c.vocab.train_words == 12
    assert len(c) == 12
    assert c.vocab.index[b"c"] == 3


def test_min_count_drops_rare_words_and_their_tokens(text_file):
    c = count_corpus(text_file, 2)
    assert vocab_pairs(c.vocab) == [(EOS, 3), (b"a", 3), (b"b", 2), (b"c", 2)]
    # d and e vanish from the id stream (C skips OOV words completely)
    assert c.ids.tolist() == [2, 1, 3, 1, 0, 2, 1, 0, 0, 3]
    assert c.tokens_read == 12
    # train_words = a 3 + b 2 + c 2 + 3 newlines
    assert c.vocab.train_words == 10
    c3 = count_corpus(text_file, 3)
    assert vocab_pairs(c3.vocab) == [(EOS, 3), (b"a", 3)]
    assert c3.ids.tolist() == [1, 1, 0, 1, 0, 0]


def test_eos_first_even_with_count_zero(tmp_path):
    p = tmp_path / "noeol.txt"
    p.write_bytes(b"y x x z x y")   # no newline at all: </s> count 0
    c = count_corpus(str(p), 1)
    # x 3, y 2, z 1; the last word 'y' (no final newline) is counted
    assert vocab_pairs(c.vocab) == [(EOS, 0), (b"x", 3), (b"y", 2), (b"z", 1)]
    assert c.vocab.train_words == 6
    assert c.ids.tolist() == [2, 1, 1, 3, 1, 2]


def test_ties_keep_first_occurrence_order(tmp_path):
    # all counts 2; first occurrences q, p, s, r
    p = tmp_path / "ties.txt"
    p.write_bytes(b"q p s r\nr s p q\n")
    c = count_corpus(str(p), 1)
    assert c.vocab.words == [EOS, b"q", b"p", b"s", b"r"]


@pytest.mark.parametrize("data, min_count, message", [
    (b"", 1, "is empty (no words)"),
    (b"  \t \r ", 1, "is empty (no words)"),
    (b"\n\n\n", 1, "occurs at least -min-count 1 times"),
    (b"a b c a\n", 3, "occurs at least -min-count 3 times"),
    (None, 1, "not found"),
    ("dir", 1, "is a directory"),
])
def test_counting_errors(tmp_path, data, min_count, message):
    path = tmp_path / "t.txt"
    if data == "dir":
        path.mkdir()
    elif data is not None:
        path.write_bytes(data)
    with pytest.raises(W2VError, match=message.replace("(", r"\(").replace(")", r"\)")):
        count_corpus(str(path), min_count)


# ------------------------------------------------------------------ -save-vocab
def test_save_vocab_exact_bytes(text_file, tmp_path):
    out = tmp_path / "vocab.txt"
    count_corpus(text_file, 1).vocab.save(str(out))
    assert out.read_bytes() == b"</s> 3\na 3\nb 2\nc 2\nd 1\ne 1\n"
    count_corpus(text_file, 2).vocab.save(str(out))
    assert out.read_bytes() == b"</s> 3\na 3\nb 2\nc 2\n"
    # written through a temporary file that is renamed into place
    assert sorted(os.listdir(tmp_path)) == ["t.txt", "vocab.txt"]


def test_save_vocab_bytes_words_round_trip(tmp_path):
    # form feed, vertical tab and NBSP are word bytes for the tokeniser, so a
    # saved vocabulary must read back with them (they used to split fields)
    words = [EOS, "naïve".encode(), b"\xff\xfe", b"x" * 98, b"a\x0cb", b"c\x0bd", b"e\xc2\xa0f"]
    v = Vocab(words, [2, 9, 4, 4, 3, 2, 1])
    path = str(tmp_path / "v.txt")
    v.save(path)
    assert open(path, "rb").read() == (b"</s> 2\nna\xc3\xafve 9\n\xff\xfe 4\n" + b"x" * 98 + b" 4\n"
                                       b"a\x0cb 3\nc\x0bd 2\ne\xc2\xa0f 1\n")
    back = Vocab.read(path, 1)
    assert vocab_pairs(back) == vocab_pairs(v)


# ------------------------------------------------------------------ -read-vocab
def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


@pytest.mark.parametrize("data, min_count, expected", [
    # re-sorted by count (ties in file order: b before c), </s> first
    (b"</s> 3\nb 2\na 3\nc 2\n", 1, [(EOS, 3), (b"a", 3), (b"b", 2), (b"c", 2)]),
    # -min-count applied again
    (b"</s> 3\nb 2\na 3\nc 2\n", 3, [(EOS, 3), (b"a", 3)]),
    # </s> is moved first wherever it is, and survives any -min-count
    (b"a 5\n</s> 2\nb 7\n", 6, [(EOS, 2), (b"b", 7)]),
    # no </s> line: one with count 0 is added
    (b"a 5\nb 7\n", 1, [(EOS, 0), (b"b", 7), (b"a", 5)]),
    # CRLF line ends, blank lines and tabs are accepted
    (b"</s> 1\r\n\r\nx\t4\r\n\n  y 9\n", 1, [(EOS, 1), (b"y", 9), (b"x", 4)]),
    # no final newline; count 0 words survive -min-count 0 only
    (b"</s> 0\nq 0\nr 1", 0, [(EOS, 0), (b"r", 1), (b"q", 0)]),
    (b"</s> 0\nq 0\nr 1", 1, [(EOS, 0), (b"r", 1)]),
])
def test_read_vocab(tmp_path, data, min_count, expected):
    v = Vocab.read(write(tmp_path, "v.txt", data), min_count)
    assert vocab_pairs(v) == expected
    assert v.train_words == sum(c for _, c in expected)


@pytest.mark.parametrize("data, message", [
    (b"</s> 3\na 3\nb\n", "line 3: expected 'word count', got 1 fields"),
    (b"a 1 2\n", "line 1: expected 'word count', got 3 fields"),
    (b"</s> 3\n\na x7\n", "line 3: count 'x7' is not an integer"),
    (b"</s> 3\na 2.5\n", "line 2: count '2.5' is not an integer"),
    (b"a 4\nb -1\n", "line 2: negative count -1"),
    (b"a 4\nb 1\na 2\n", "line 3: duplicate word 'a' (first on line 1)"),
    # counts beyond int64 used to escape as an OverflowError traceback
    (b"</s> 1\na 99999999999999999999\n", "line 2: count 99999999999999999999 is too large"),
    # ... and sums beyond int64 gave a negative train_words
    (b"</s> 1\na 3000000000000000000\nb 3000000000000000000\n", "counts add up to more than 2^62"),
    (b"", "is empty"),
    (b"\n \n\t\n", "is empty"),
])
def test_read_vocab_malformed(tmp_path, data, message):
    path = write(tmp_path, "bad.txt", data)
    with pytest.raises(W2VError) as exc:
        Vocab.read(path, 1)
    text = str(exc.value)
    assert message in text and "\n" not in text
    if "line" in message:
        assert text.startswith(f"malformed vocabulary file {path!r}")


def test_read_vocab_missing_file(tmp_path):
    with pytest.raises(W2VError, match="not found"):
        Vocab.read(str(tmp_path / "nope.txt"), 1)


def test_encode_corpus_with_read_vocab(tmp_path):
    vocab = Vocab.read(write(tmp_path, "v.txt", b"</s> 9\nb 2\na 3\n"), 1)
    assert vocab.words == [EOS, b"a", b"b"]
    # unknown words (c, zz) are skipped; literal </s> is the sentence end
    c = encode_corpus(write(tmp_path, "t.txt", b"a zz b\nc </s> a"), vocab)
    assert c.ids.tolist() == [1, 2, 0, 0, 1]
    assert c.tokens_read == 5
    # train_words comes from the vocabulary file, like C
    assert c.vocab.train_words == 14
    with pytest.raises(W2VError, match="no word of the vocabulary"):
        encode_corpus(write(tmp_path, "u.txt", b"zz yy\txx"), vocab)
    # sentence ends alone are not enough (they used to give untrained output)
    with pytest.raises(W2VError, match="no word of the vocabulary"):
        encode_corpus(write(tmp_path, "n.txt", b"zz\n\nyy </s> xx\n"), vocab)


def test_build_corpus_read_vocab_min_count_leaves_nothing(tmp_path):
    job = TrainJob(train=write(tmp_path, "t.txt", b"a b\n"),
                   read_vocab=write(tmp_path, "v.txt", b"</s> 1\na 2\nb 1\n"))
    with pytest.raises(W2VError, match="-min-count 3"):
        build_corpus(Params(min_count=3), job)


# ------------------------------------------------------------------ pruning
def test_prune_during_counting_and_ids_after_it(tmp_path, monkeypatch):
    """C's ReduceVocab with a tiny table.  Chunks and the hand trace:

    chunk 1 "a b a c b a\\n"  table </s>1 a3 b2 c1        4 entries: no prune (limit 4)
    chunk 2 "c d c e d c\\n"  table </s>2 a3 b2 c4 d2 e1  6 > 4: prune(1) drops e
    chunk 3 "b f e\\n"        table </s>3 a3 b3 c4 d2 f1 e1 (e is new again)
                             7 > 4: prune(2) drops d, f, e
    final counts </s>3 a3 b3 c4 -> order </s>, c, a, b (a before b: first seen)
    ids: a b a c b a </s> c c c </s> b </s>  (d, e, f gone)
    """
    chunks = [b"a b a c b a\n", b"c d c e d c\n", b"b f e\n"]
    path = write(tmp_path, "t.txt", b"".join(chunks))
    monkeypatch.setattr(corpus_mod, "iter_text", lambda paths, what: iter(chunks))
    c = count_corpus(path, 1, None, max_entries=4)
    assert vocab_pairs(c.vocab) == [(EOS, 3), (b"c", 4), (b"a", 3), (b"b", 3)]
    assert c.ids.tolist() == [2, 3, 2, 1, 3, 2, 0, 1, 1, 1, 0, 3, 0]
    assert c.tokens_read == 18
    # every kept id occurs exactly its count times: train_words == len(ids)
    assert np.bincount(c.ids, minlength=4).tolist() == c.vocab.counts.tolist()
    assert c.vocab.train_words == len(c.ids)
    # without the limit nothing is pruned
    full = count_corpus(path, 1, None)
    assert vocab_pairs(full.vocab) == [(EOS, 3), (b"c", 4), (b"a", 3), (b"b", 3), (b"d", 2),
                                       (b"e", 2), (b"f", 1)]


def test_prune_through_the_hyperparameters(tmp_path):
    # one chunk (small file): a single prune(1) when the table is over the limit
    path = write(tmp_path, "t.txt", b"a b c a d a b\n")
    c = build_corpus(Params(min_count=1, max_vocab_entries=3), TrainJob(train=path))
    # table </s>1 a3 b2 c1 d1 (5 > 3) -> c and d dropped
    assert vocab_pairs(c.vocab) == [(EOS, 1), (b"a", 3), (b"b", 2)]
    assert c.ids.tolist() == [1, 2, 1, 1, 2, 0]


# ------------------------------------------------------------------ C parity
def test_save_vocab_matches_c(tmp_path):
    import random

    # ASCII-only long words: C cuts at 98 bytes without the UTF-8 back-off
    r = random.Random(5)
    words = [b"w%d" % i for i in range(40)] + ["naïve".encode(), b"x" * 120, b"</s>", b"\xff\xfe",
                                                b"f\x0cg", b"cr\rlf", b"q" * 98, b"q" * 99]
    seps = [b" ", b"\t", b"  ", b" \t ", b"\r\n", b"\n\n"]
    parts = []
    for _ in range(3000):
        parts += [r.choice(words[: r.randint(2, len(words))]), r.choice(seps)]
    path = write(tmp_path, "t.txt", b"".join(parts) + b"\n")
    c_vocab = str(tmp_path / "c.vocab")
    subprocess.run([c_tool("word2vec"), "-train", path, "-save-vocab", c_vocab, "-min-count", "3",
                    "-debug", "0"], cwd=str(tmp_path), check=True, capture_output=True, timeout=60)
    ours = str(tmp_path / "ours.vocab")
    count_corpus(path, 3).vocab.save(ours)
    assert open(ours, "rb").read() == open(c_vocab, "rb").read()
    # and C's file reads back to the same vocabulary
    assert vocab_pairs(Vocab.read(c_vocab, 3)) == vocab_pairs(count_corpus(path, 3).vocab)
