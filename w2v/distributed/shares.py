"""The text and the vocabulary of a multi-process run.

Every rank reads only its share of the text (byte ranges of the files,
:func:`w2v.io.iter_blocks`), counts it (:func:`count_share`), and the counts
are merged into one vocabulary, identical to the one a single process builds
from the whole text (:func:`merge_counts`, :func:`merge_vocab`);
:func:`load_corpus` gives each rank its share as ids of that vocabulary."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .. import _text
from ..config import MAX_VOCAB_ENTRIES
from ..corpus import (Corpus, IdSpool, TextSource, encode_corpus, has_words, new_table, spool_errors,
                      spool_text)
from ..errors import W2VError
from ..io import iter_blocks, iter_text
from ..progress import Reporter
from ..vocab import Vocab
from .launch import Dist, agreed_error


@dataclass
class Counts:
    """One rank's count of its share: words in local first-occurrence order
    (``</s>`` first), their counts, and for each word the index of the text
    block where this rank first saw it (see :func:`w2v.io.iter_blocks`)."""

    words: List[bytes]
    counts: np.ndarray
    first_block: np.ndarray
    tokens: int = 0
    prunes: int = 0   # times C's ReduceVocab rule forgot rare words


def count_share(blocks: Iterable[Tuple[int, bytes]], reporter: Optional[Reporter] = None,
                max_entries: int = MAX_VOCAB_ENTRIES) -> Tuple[Counts, IdSpool, TextSource]:
    """Count this rank's (block, chunk) pairs (:func:`w2v.io.iter_blocks`);
    returns the counts, the spooled provisional ids (the caller closes it) and
    the source read (its fingerprint).

    A word's first block is where this rank first saw it; after C's pruning
    rule forgot words (ids compacted), every word gets the share's first block
    (ties then follow rank order, see docs/distributed.md)."""
    reporter = reporter or Reporter(0)
    table = new_table()
    starts: List[Tuple[int, int]] = []     # (table size when a block began, block)

    def chunks():
        current = None
        for block, data in blocks:
            if block != current:
                starts.append((len(table), block))
                current = block
            yield data

    source = TextSource(chunks=chunks())
    tokenizer = _text.Tokenizer(table, "count")
    with spool_errors():
        spool = IdSpool()
    try:
        prunes = spool_text(source, tokenizer, spool, reporter, table, max_entries)
    except BaseException:
        spool.close()
        raise
    n = len(table)
    first = np.zeros(n, dtype=np.int64)
    if starts and prunes == 0:
        for (lo, block), (hi, _) in zip(starts, starts[1:] + [(n, None)]):
            first[lo:hi] = block
    elif starts:
        first[:] = starts[0][1]
    counts = Counts(table.words(), table.counts_array(), first, int(tokenizer.tokens), prunes)
    return counts, spool, source


def merge_counts(parts: Sequence[Counts], min_count: int) -> Tuple[Vocab, List[np.ndarray]]:
    """Merge the ranks' counts (in rank order) into one vocabulary.

    Counts are summed; a word's first occurrence in the whole text is the
    smallest (first block, rank-local order) over the ranks (a block belongs
    to one rank, and in rank order blocks follow the text), so sorting by
    count with ties in that order gives exactly the vocabulary one process
    builds.  Returns the vocabulary and, for each rank, its local id -> final
    index map (-1 = dropped)."""
    table = new_table()
    slots: List[np.ndarray] = []
    for part in parts:
        slot = np.empty(len(part.words), dtype=np.int64)
        for i, (w, c) in enumerate(zip(part.words, part.counts.tolist())):
            slot[i] = table.add_word(w, c)
        slots.append(slot)
    n = len(table)
    counts = table.counts_array()
    big = np.iinfo(np.int64).max
    block = np.full(n, big, dtype=np.int64)
    local = np.full(n, big, dtype=np.int64)
    for part, slot in zip(parts, slots):
        pos = np.arange(len(slot), dtype=np.int64)
        b = np.asarray(part.first_block, dtype=np.int64)
        earlier = (b < block[slot]) | ((b == block[slot]) & (pos < local[slot]))
        block[slot[earlier]] = b[earlier]
        local[slot[earlier]] = pos[earlier]
    block[0] = local[0] = -1                     # </s> stays first
    order = np.lexsort((local, block))           # first occurrence in the whole text
    words = table.words()
    vocab, mapping = Vocab.from_counts([words[i] for i in order], counts[order], min_count)
    final = np.empty(n, dtype=np.int64)
    final[order] = mapping
    return vocab, [final[s] for s in slots]


def _pack_words(words: Sequence[bytes]) -> bytes:
    return b"\n".join(words)     # words never hold a newline


def _unpack_words(blob: bytes) -> List[bytes]:
    return blob.split(b"\n")


def merge_vocab(dist: Dist, counts: Counts, min_count: int) -> Tuple[Vocab, np.ndarray]:
    """:func:`merge_counts` over the job: rank 0 merges, every rank gets the
    vocabulary and its own id map."""
    mine = (_pack_words(counts.words), counts.counts, counts.first_block)
    gathered = dist.comm.gather(mine, root=0)
    vocab_msg = maps = None
    if dist.rank == 0:
        parts = [Counts(_unpack_words(w), c, b) for w, c, b in gathered]
        del gathered
        vocab, maps = merge_counts(parts, min_count)
        vocab_msg = (_pack_words(vocab.words), vocab.counts)
    mapping = dist.comm.scatter(maps, root=0)
    blob, vcounts = dist.comm.bcast(vocab_msg, root=0)
    return Vocab(_unpack_words(blob), vcounts), mapping


def bcast_vocab(dist: Dist, vocab: Optional[Vocab]) -> Vocab:
    """Rank 0's vocabulary (e.g. read from -read-vocab) on every rank."""
    msg = (_pack_words(vocab.words), vocab.counts) if dist.rank == 0 else None
    blob, counts = dist.comm.bcast(msg, root=0)
    return vocab if dist.rank == 0 else Vocab(_unpack_words(blob), counts)


def load_corpus(dist: Dist, paths: Sequence[str], min_count: int, read_vocab: Optional[str] = None,
                max_entries: int = MAX_VOCAB_ENTRIES, reporter: Optional[Reporter] = None,
                vocab: Optional[Vocab] = None) -> Corpus:
    """This rank's share of the text, encoded against the job's vocabulary:
    *vocab* (every rank has it), rank 0's -read-vocab, or the one merged from
    every rank's counts."""
    reporter = reporter if reporter is not None and dist.rank == 0 else Reporter(0)
    share = (dist.rank, dist.size)
    source = TextSource(paths)
    if read_vocab or vocab is not None:
        if vocab is None:
            def read() -> Optional[Vocab]:
                if dist.rank != 0:
                    return None
                v = Vocab.read(read_vocab, min_count)
                if len(v) < 2:
                    raise W2VError(f"no word in vocabulary file {read_vocab!r} has count >= -min-count {min_count}")
                return v

            vocab = bcast_vocab(dist, dist.collective(read))
        mine = TextSource(chunks=iter_text(paths, share))
        corpus = dist.collective(lambda: encode_corpus(mine, vocab, reporter, require_words=False))
        if not dist.comm.allreduce(int(has_words(corpus.ids)), op=dist.MPI.MAX):
            raise agreed_error(f"{source.what} {source.name} has no word of the vocabulary")
        return corpus
    counts, spool, mine = dist.collective(lambda: count_share(iter_blocks(paths, share), reporter, max_entries))
    try:
        if dist.comm.allreduce(counts.tokens) == 0:
            raise agreed_error(f"{source.what} {source.name} is empty (no words)")
        vocab, mapping = merge_vocab(dist, counts, min_count)
        if len(vocab) < 2:
            raise agreed_error(f"no word in {source.what} {source.name} occurs at least -min-count {min_count} times")
        with spool_errors():
            spool.remap(mapping)
        return Corpus(vocab, spool.array(), counts.tokens, mine.fingerprint, counts.prunes)
    finally:
        spool.close()
