"""The tokeniser (word2vec.c's ReadWord rules, on bytes) and the word table.

Golden values are worked out by hand from the rules in the C reference
(section 1.2): space, tab and newline separate words; ``\\r`` is dropped
everywhere; every newline is the sentence end ``</s>`` (id 0); a word keeps
its first 98 bytes (backing off so that a UTF-8 character is not split); the
last word of input without a final newline is kept (C drops it)."""
from __future__ import annotations

import numpy as np
import pytest

from w2v import _text

EOS = b"</s>"


def new_table():
    t = _text.WordTable()
    assert t.add_word(EOS, 0) == 0
    return t


def tokenize(chunks, table=None, mode="count"):
    """Feed *chunks* (bytes, or a list of bytes) and return (words, tokenizer, table)."""
    table = table if table is not None else new_table()
    tok = _text.Tokenizer(table, mode)
    if isinstance(chunks, bytes):
        chunks = [chunks]
    ids = [int(i) for c in chunks for i in tok.feed(c)]
    ids += [int(i) for i in tok.finish()]
    return [table.word(i) for i in ids], tok, table


def words_of(data):
    return tokenize(data)[0]


# ------------------------------------------------------------------ separators
@pytest.mark.parametrize("data, expected", [
    # space, tab and newline separate; each newline is one </s>
    (b"a b\tc\nd\n", [b"a", b"b", b"c", EOS, b"d", EOS]),
    # \r vanishes everywhere, also inside a word ("b\rc" is the word "bc")
    (b"a\r\nb\rc\r\n", [b"a", EOS, b"bc", EOS]),
    (b"\r\r\r", []),
    # blank lines give one </s> each
    (b"a\n\n\nb\n", [b"a", EOS, EOS, EOS, b"b", EOS]),
    (b"\n", [EOS]),
    # runs of separators give no empty words
    (b"  a \t\t b  \n \t \n", [b"a", b"b", EOS, EOS]),
    # the last word without a final newline is kept (C drops it: documented)
    (b"a b", [b"a", b"b"]),
    (b"x\ny", [b"x", EOS, b"y"]),
    # other whitespace bytes (VT, FF, NBSP) are part of words, like in C
    (b"a\x0bb c\x0c d\xc2\xa0e\n", [b"a\x0bb", b"c\x0c", b"d\xc2\xa0e", EOS]),
    # a literal </s> is the sentence-end token itself
    (b"a </s> b\n", [b"a", EOS, b"b", EOS]),
    # non-UTF-8 bytes are fine: words are bytes
    (b"\xff\xfe caf\xe9\n\x80", [b"\xff\xfe", b"caf\xe9", EOS, b"\x80"]),
    (b"", []),
])
def test_separators(data, expected):
    assert words_of(data) == expected


def test_ids_counts_and_token_totals():
    words, tok, table = tokenize(b"the cat the\n\nthe </s> dog")
    # ids in order of first occurrence: </s>=0, the=1, cat=2, dog=3
    assert table.words() == [EOS, b"the", b"cat", b"dog"]
    # the x3; cat x1; dog x1 (last word, no newline); </s>: 2 newlines + 1 literal
    assert table.counts_array().tolist() == [3, 3, 1, 1]
    # tokens = 5 words + 3 sentence ends (2 newlines + the literal </s>)
    assert tok.tokens == 8
    assert tok.newlines == 2
    assert words == [b"the", b"cat", b"the", EOS, EOS, b"the", EOS, b"dog"]


def test_every_chunk_split_gives_the_same_tokens():
    data = b"alpha beta\r\n\ngamma\t delta " + "é€𝄞".encode() + b" z" * 3 + b"\nomega"
    expected = words_of(data)
    assert expected == [b"alpha", b"beta", EOS, EOS, b"gamma", b"delta",
                        "é€𝄞".encode(), b"z", b"z", b"z", EOS, b"omega"]
    for cut in range(len(data) + 1):
        assert words_of([data[:cut], data[cut:]]) == expected, cut
    # one byte at a time, with empty chunks in between
    assert words_of([data[i:i + 1] for i in range(len(data))] + [b""]) == expected
    two_cuts = [data[:5], b"", data[5:17], data[17:]]
    assert words_of(two_cuts) == expected


# ------------------------------------------------------------------ truncation
def cut(word):
    """What the tokeniser keeps of *word* (checked against utf8_cut too)."""
    got = words_of(word + b"\n")
    assert got[-1] == EOS and len(got) == 2
    assert _text.utf8_cut(word) == got[0]
    return got[0]


E2 = "é".encode()      # C3 A9
E3 = "€".encode()      # E2 82 AC
E4 = "𝄞".encode()      # F0 9D 84 9E


@pytest.mark.parametrize("word, kept", [
    # ASCII: the first 98 bytes (C: MAX_STRING - 2)
    (b"a" * 97, b"a" * 97),
    (b"a" * 98, b"a" * 98),
    (b"a" * 99, b"a" * 98),
    (b"b" * 5000, b"b" * 98),
    # 2-byte character at bytes 96-97: fits exactly
    (b"a" * 96 + E2, b"a" * 96 + E2),
    # 2-byte character at bytes 97-98: byte 98 is cut, so the character goes
    (b"a" * 97 + E2, b"a" * 97),
    (b"a" * 97 + E2 + b"xyz", b"a" * 97),
    # 3-byte character at 95-97 fits; at 96-98 or 97-99 it is dropped whole
    (b"a" * 95 + E3 + b"b", b"a" * 95 + E3),
    (b"a" * 96 + E3, b"a" * 96),
    (b"a" * 97 + E3, b"a" * 97),
    # 4-byte character at 94-97 fits; at 95-98, 96-99, 97-100 it is dropped whole
    (b"a" * 94 + E4 + b"cd", b"a" * 94 + E4),
    (b"a" * 95 + E4, b"a" * 95),
    (b"a" * 96 + E4, b"a" * 96),
    (b"a" * 97 + E4 + b"q", b"a" * 97),
    # a word made only of multi-byte characters: 49 x 2 bytes = 98 exactly ...
    (E2 * 60, E2 * 49),
    # ... 32 x 3 = 96 bytes (the 33rd character would need bytes 96-98)
    (E3 * 40, E3 * 32),
    # 24 x 4 = 96 bytes (the 25th would need 96-99)
    (E4 * 30, E4 * 24),
    # invalid UTF-8 is kept as bytes: continuation bytes without a lead byte
    # (back-off finds no lead byte: cut at 98 like C)
    (b"a" * 96 + b"\x80" * 10, b"a" * 96 + b"\x80\x80"),
    # a lead byte followed by more than 3 continuation bytes is not a character
    (b"a" * 93 + b"\xf0" + b"\x80" * 10, b"a" * 93 + b"\xf0" + b"\x80" * 4),
    # 0xFF is never part of UTF-8: plain cut
    (b"\xff" * 120, b"\xff" * 98),
])
def test_truncation_utf8_back_off(word, kept):
    assert cut(word) == kept
    assert len(kept) <= 98


def test_truncated_words_merge_and_straddle_chunks():
    long1 = b"x" * 98 + b"TAIL1"
    long2 = b"x" * 98 + b"other-tail"
    data = long1 + b" " + long2 + b" " + b"a" * 97 + E3 + b"\n"
    expected = [b"x" * 98, b"x" * 98, b"a" * 97, EOS]
    for cut_at in (1, 50, 97, 98, 99, 100, 103, 104, 200, 201, 202, 300, 301):
        words, _, table = tokenize([data[:cut_at], data[cut_at:]])
        assert words == expected, cut_at
        # both long words count as the same (truncated) word
        assert table.count_of(table.get(b"x" * 98)) == 2


def test_max_bytes_parameter():
    # word2phrase keeps 58 bytes; the limit is a parameter of the tokeniser
    table = new_table()
    tok = _text.Tokenizer(table, "count", 58)
    ids = list(tok.feed(b"a" * 57 + E2 + b" " + b"b" * 70 + b"\n"))
    assert [table.word(i) for i in ids] == [b"a" * 57, b"b" * 58, EOS]
    assert _text.utf8_cut(b"a" * 57 + E2, 58) == b"a" * 57
    with pytest.raises(ValueError):
        _text.Tokenizer(new_table(), "count", 99)
    with pytest.raises(ValueError):
        _text.Tokenizer(new_table(), "count", 0)
    with pytest.raises(ValueError):
        _text.Tokenizer(new_table(), "bogus")


# ------------------------------------------------------------------ lookup mode
def test_lookup_mode_skips_unknown_words_and_leaves_table_alone():
    table = new_table()
    for w in (b"b", b"a"):
        table.add_word(w, 7)
    words, tok, _ = tokenize(b"a x b\ny </s> a", table, mode="lookup")
    # x and y are unknown: skipped (no placeholder); literal </s> is id 0
    assert words == [b"a", b"b", EOS, EOS, b"a"]
    assert tok.tokens == 5
    assert table.words() == [EOS, b"b", b"a"]
    assert table.counts_array().tolist() == [0, 7, 7]


# ------------------------------------------------------------------ WordTable
def test_word_table_basics_and_growth():
    t = _text.WordTable(4)
    words = [b"w%d" % i for i in range(5000)]
    for i, w in enumerate(words):
        assert t.add_word(w, i) == i
    assert len(t) == 5000
    assert t.add_word(b"w17", 3) == 17
    assert t.count_of(17) == 20
    assert t.get(b"w4999") == 4999
    assert t.get(b"nope") == -1
    assert t.get(b"") == -1
    assert t.words() == words
    assert t.word(10) == b"w10"
    with pytest.raises(IndexError):
        t.word(5000)
    t.set_count(3, 99)
    assert t.counts_array()[3] == 99
    # embedded NUL bytes are part of the key
    assert t.add_word(b"a\x00b") == 5000
    assert t.get(b"a\x00c") == -1 and t.get(b"a") == -1


def test_prune_is_c_reduce_vocab():
    t = new_table()
    for w, c in [(b"a", 3), (b"b", 1), (b"c", 2), (b"d", 1), (b"e", 5)]:
        t.add_word(w, c)
    # ReduceVocab(min_reduce=1): drop every entry with count <= 1; </s> (the
    # first entry) always stays, even with count 0.  Ids are compacted in order.
    mapping = t.prune(1)
    assert mapping.tolist() == [0, 1, -1, 2, -1, 3]
    assert t.words() == [EOS, b"a", b"c", b"e"]
    assert t.counts_array().tolist() == [0, 3, 2, 5]
    assert [t.get(w) for w in (b"a", b"b", b"c", b"d", b"e")] == [1, -1, 2, -1, 3]
    # a pruned word comes back as a new entry, counted from zero (as in C)
    assert t.add_word(b"b") == 4 and t.count_of(4) == 1
    # second reduce (C increments min_reduce): count <= 2 goes
    assert t.prune(2).tolist() == [0, 1, -1, 2, -1]
    assert t.words() == [EOS, b"a", b"e"]
    assert t.get(b"e") == 2 and t.get(b"c") == -1
    # the table still grows correctly after pruning
    for i in range(3000):
        t.add_word(b"n%d" % i)
    assert t.get(b"n2999") == 3 + 2999 and t.get(b"a") == 1


def test_remap_compact():
    ids = np.array([0, 3, 1, 2, 3, 0, 4], dtype=np.int32)
    mapping = np.array([0, -1, 2, 1, -1], dtype=np.int64)
    # 0->0, 3->1, 1 dropped, 2->2, 3->1, 0->0, 4 dropped
    n = _text.remap_compact(ids, mapping)
    assert n == 5
    assert ids[:n].tolist() == [0, 1, 2, 1, 0]
    # ids outside the map are dropped too; document IDs (-2 - d) are kept, or
    # become doc_base + d
    ids = np.array([7, -3, -1, 2, -2], dtype=np.int32)
    assert _text.remap_compact(ids.copy(), mapping) == 3
    kept = ids.copy()
    assert _text.remap_compact(kept, mapping) == 3 and kept[:3].tolist() == [-3, 2, -2]
    assert _text.remap_compact(ids, mapping, 10) == 3 and ids[:3].tolist() == [11, 2, 10]
