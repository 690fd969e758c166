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
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _text
from .errors import W2VError
from .io import describe, iter_text
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


def _read(chunks: Iterable[bytes], tokenizer, spool: IdSpool, reporter: Reporter, table=None,
          max_entries: int = 0) -> int:
    """Tokenise *chunks* into *spool*; returns how many times C's ReduceVocab
    rule pruned *table* (when given)."""
    min_reduce = 1
    next_report = 1_000_000
    for chunk in chunks:
        spool.append(tokenizer.feed(chunk))
        if tokenizer.tokens >= next_report:
            reporter.progress(f"{tokenizer.tokens // 1_000_000}M tokens read")
            next_report = (tokenizer.tokens // 1_000_000 + 1) * 1_000_000
        if table is not None and len(table) > max_entries:
            # word2vec.c's ReduceVocab: forget the rarest words to bound memory
            spool.remap(table.prune(min_reduce))
            min_reduce += 1
    spool.append(tokenizer.finish())
    reporter.end_line()
    return min_reduce - 1


def _paths(path: Union[str, Sequence[str]]) -> List[str]:
    return [path] if isinstance(path, str) else list(path)


def describe_inputs(paths: Sequence[str]) -> str:
    return describe(paths[0]) if len(paths) == 1 else f"{describe(paths[0])} (and {len(paths) - 1} more)"


@dataclass
class WordCounts:
    """Words of some text in order of first occurrence (``</s>`` first) with
    their counts; the text's provisional ids are in ``spool``."""

    table: object            # _text.WordTable
    spool: IdSpool
    tokens: int
    prunes: int


def new_table():
    """An empty word table holding only ``</s>`` (id 0)."""
    table = _text.WordTable()
    table.add_word(EOS, 0)
    return table


def count_chunks(chunks: Iterable[bytes], reporter: Optional[Reporter] = None,
                 max_entries: int = 21_000_000, table=None) -> WordCounts:
    """Tokenise and count byte chunks into *table* (default: a new one); the
    caller closes ``spool``."""
    reporter = reporter or Reporter(0)
    table = new_table() if table is None else table
    tokenizer = _text.Tokenizer(table, "count")
    spool = IdSpool()
    try:
        prunes = _read(chunks, tokenizer, spool, reporter, table, max_entries)
    except BaseException:
        spool.close()
        raise
    return WordCounts(table, spool, int(tokenizer.tokens), prunes)


def count_corpus(path: Union[str, Sequence[str]], min_count: int, reporter: Optional[Reporter] = None,
                 max_entries: int = 21_000_000) -> Corpus:
    """Tokenise the file(s), build the vocabulary (C's order, -min-count), encode."""
    paths = _paths(path)
    counted = count_chunks(iter_text(paths), reporter, max_entries)
    spool, table, tokens = counted.spool, counted.table, counted.tokens
    del counted
    try:
        if tokens == 0:
            raise W2VError(f"training file {describe_inputs(paths)} is empty (no words)")
        vocab, mapping = Vocab.from_counts(table.words(), table.counts_array(), min_count)
        del table
        if len(vocab) < 2:
            raise W2VError(f"no word in training file {describe_inputs(paths)} occurs at least "
                           f"-min-count {min_count} times")
        spool.remap(mapping)
        return Corpus(vocab, spool.array(), tokens)
    finally:
        spool.close()


def encode_chunks(chunks: Iterable[bytes], vocab: Vocab, reporter: Optional[Reporter] = None) -> Tuple[IdSpool, int]:
    """Tokenise chunks against a fixed vocabulary (unknown words are skipped);
    returns the spool of ids (the caller closes it) and the tokens kept."""
    reporter = reporter or Reporter(0)
    table = _text.WordTable(max(16, len(vocab)))
    for w in vocab.words:
        table.add_word(w, 0)
    tokenizer = _text.Tokenizer(table, "lookup")
    spool = IdSpool()
    try:
        _read(chunks, tokenizer, spool, reporter)
    except BaseException:
        spool.close()
        raise
    return spool, int(tokenizer.tokens)


def has_words(ids: np.ndarray) -> bool:
    """Whether *ids* hold a word (not only sentence ends, id 0)."""
    step = 1 << 20
    return any(ids[i:i + step].any() for i in range(0, len(ids), step))


def encode_corpus(path: Union[str, Sequence[str]], vocab: Vocab, reporter: Optional[Reporter] = None) -> Corpus:
    """Tokenise the file(s) against a fixed vocabulary (-read-vocab): unknown words are skipped."""
    paths = _paths(path)
    spool, tokens = encode_chunks(iter_text(paths), vocab, reporter)
    try:
        ids = spool.array()
        # sentence ends alone (id 0) leave nothing to train on
        if not has_words(ids):
            raise W2VError(f"training file {describe_inputs(paths)} has no word of the vocabulary")
        return Corpus(vocab, ids, tokens)
    finally:
        spool.close()
