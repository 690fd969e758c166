"""Reading the training text once into an array of word ids.

The text is tokenised in Cython (:mod:`w2v._text`) chunk by chunk; word ids
are spooled to an anonymous temporary file (in ``$TMPDIR``) and memory-mapped,
so the corpus never has to fit in memory and standard input or compressed
files work like plain ones.  While counting, ids are provisional (order of
first occurrence); once the vocabulary is sorted and filtered they are
rewritten in place to final indices, dropping out-of-vocabulary words
(word2vec.c skips those completely, so the result is the same).

One difference remains on inputs with more than ``max_vocab_entries``
distinct words (21M, C's threshold): when C's ReduceVocab rule forgets the
rarest words, their earlier occurrences are gone from the id stream too, so a
forgotten word that comes back and reaches -min-count is trained only on its
later occurrences (C re-reads the text and would train on all of them)."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import _text
from .errors import W2VError
from .io import describe, iter_chunks, open_input
from .progress import Reporter
from .vocab import EOS, Vocab

ID_DTYPE = np.int32
_ITEM = np.dtype(ID_DTYPE).itemsize


class IdSpool:
    """Append-only int32 file, memory-mapped for in-place rewriting."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix="w2v-corpus-")
        self.length = 0

    def append(self, ids: np.ndarray) -> None:
        if len(ids):
            self.file.write(memoryview(np.ascontiguousarray(ids, dtype=ID_DTYPE)))
            self.length += len(ids)

    def remap(self, mapping: np.ndarray) -> int:
        """ids = mapping[ids] in place, dropping -1; returns the new length."""
        self.file.flush()
        if self.length == 0:
            return 0
        mm = np.memmap(self.file, dtype=ID_DTYPE, mode="r+", shape=(self.length,))
        n = _text.remap_compact(mm, np.ascontiguousarray(mapping, dtype=np.int64))
        mm.flush()
        del mm
        self.length = n
        self.file.truncate(n * _ITEM)
        self.file.seek(n * _ITEM)
        return n

    def array(self) -> np.ndarray:
        """The ids, read-only and memory-mapped."""
        self.file.flush()
        if self.length == 0:
            return np.empty(0, dtype=ID_DTYPE)
        return np.memmap(self.file, dtype=ID_DTYPE, mode="r", shape=(self.length,))

    def close(self) -> None:
        self.file.close()


@dataclass
class Corpus:
    vocab: Vocab
    ids: np.ndarray          # final vocabulary indices; 0 = sentence end
    tokens_read: int         # tokens in the text (incl. sentence ends), before min-count

    def __len__(self) -> int:
        return len(self.ids)


def _read(path: str, tokenizer, spool: IdSpool, reporter: Reporter, table=None,
          max_entries: int = 0):
    stream = open_input(path, "training file")
    min_reduce = 1
    next_report = 1_000_000
    try:
        for chunk in iter_chunks(stream, path, "training file"):
            spool.append(tokenizer.feed(chunk))
            if tokenizer.tokens >= next_report:
                reporter.progress(f"{tokenizer.tokens // 1_000_000}M tokens read")
                next_report = (tokenizer.tokens // 1_000_000 + 1) * 1_000_000
            if table is not None and len(table) > max_entries:
                # word2vec.c's ReduceVocab: forget the rarest words to bound memory
                spool.remap(table.prune(min_reduce))
                min_reduce += 1
        spool.append(tokenizer.finish())
    finally:
        if path != "-":
            stream.close()
    reporter.end_line()
    return min_reduce


def count_corpus(path: str, min_count: int, reporter: Optional[Reporter] = None,
                 max_entries: int = 21_000_000) -> Corpus:
    """Tokenise *path*, build the vocabulary (C's order, -min-count), encode."""
    reporter = reporter or Reporter(0)
    table = _text.WordTable()
    table.add_word(EOS, 0)
    tokenizer = _text.Tokenizer(table, "count")
    spool = IdSpool()
    try:
        _read(path, tokenizer, spool, reporter, table, max_entries)
        if tokenizer.tokens == 0:
            raise W2VError(f"training file {describe(path)} is empty (no words)")
        vocab, mapping = Vocab.from_counts(table.words(), table.counts_array(), min_count)
        del table
        if len(vocab) < 2:
            raise W2VError(f"no word in training file {describe(path)} occurs at least "
                           f"-min-count {min_count} times")
        spool.remap(mapping)
        return Corpus(vocab, spool.array(), int(tokenizer.tokens))
    finally:
        spool.close()


def encode_corpus(path: str, vocab: Vocab, reporter: Optional[Reporter] = None) -> Corpus:
    """Tokenise *path* against a fixed vocabulary (-read-vocab): unknown words are skipped."""
    reporter = reporter or Reporter(0)
    table = _text.WordTable(max(16, len(vocab)))
    for w in vocab.words:
        table.add_word(w, 0)
    tokenizer = _text.Tokenizer(table, "lookup")
    spool = IdSpool()
    try:
        _read(path, tokenizer, spool, reporter)
        ids = spool.array()
        # sentence ends alone (id 0) leave nothing to train on
        step = 1 << 20
        if not any(ids[i:i + step].any() for i in range(0, len(ids), step)):
            raise W2VError(f"training file {describe(path)} has no word of the vocabulary")
        return Corpus(vocab, ids, int(tokenizer.tokens))
    finally:
        spool.close()
