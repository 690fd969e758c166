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
later occurrences (C re-reads the text and would train on all of them).

Paragraph vectors (``docs``): the first token of each line is the line's
document ID, kept whatever -min-count and never counted as a word; in the
final ids, document d is ``len(vocab) + d`` (its row in the kernel's input
matrix, after the words'), d in order of first occurrence, so a repeated ID
is one document."""
from __future__ import annotations

import contextlib
import tempfile
import zlib
from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional, Sequence

import numpy as np

from . import _text
from .config import MAX_VOCAB_ENTRIES
from .errors import W2VError
from .io import describe, iter_text, open_input
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

    def remap(self, mapping: np.ndarray, doc_base: int = -1) -> int:
        """ids = mapping[ids] in place, dropping -1 (document IDs become
        doc_base + d when doc_base >= 0); returns the new length."""
        self.file.flush()
        if self.length == 0:
            return 0
        mm = np.memmap(self.file, dtype=ID_DTYPE, mode="r+", shape=(self.length,))
        n = _text.remap_compact(mm, np.ascontiguousarray(mapping, dtype=np.int64), doc_base)
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
    fingerprint: str = ""    # of the text read (TextSource.fingerprint)
    pruned: int = 0          # times C's ReduceVocab rule pruned the counts
    docs: Optional[List[bytes]] = None   # paragraph vectors: the document IDs (None: none)

    def __len__(self) -> int:
        return len(self.ids)


class TextSource:
    """Training text as byte chunks: files (``-`` = standard input; several
    files are read in order and each one ends a line), or an iterable of
    sentences (each item a string, bytes, or a sequence of tokens: one line).

    While it is read it keeps a fingerprint (length and CRC-32 of the bytes
    read), so that a resumed run can check that it reads the same text."""

    def __init__(self, paths: Sequence[str] = (), sentences: Optional[Iterable] = None,
                 chunks: Optional[Iterable[bytes]] = None, what: str = "training file",
                 name: Optional[str] = None) -> None:
        self.paths = tuple(paths)
        self.sentences = sentences
        self.chunks = chunks
        self.what = what
        self.nbytes = 0
        self.crc = 0
        self.nul_at = -1
        self._name = name

    @property
    def name(self) -> str:
        if self._name:
            return self._name
        if self.sentences is not None:
            return "the sentences given"
        if len(self.paths) == 1:
            return describe(self.paths[0])
        return f"{len(self.paths)} files ({describe(self.paths[0])}, ...)"

    @property
    def fingerprint(self) -> str:
        return f"{self.nbytes}:{self.crc:08x}"

    def check(self) -> None:
        """Fail early (before anything is written) if a file cannot be opened."""
        for path in self.paths:
            if path != "-":
                open_input(path, self.what).close()

    def _raw(self) -> Iterator[bytes]:
        if self.chunks is not None:
            yield from self.chunks
        elif self.sentences is not None:
            yield from _sentence_chunks(self.sentences)
        else:
            yield from iter_text(self.paths, what=self.what)     # each file ends a line

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._raw():
            if not chunk:
                continue
            if self.nul_at < 0:
                at = chunk.find(b"\0")
                if at >= 0:
                    self.nul_at = self.nbytes + at
            self.crc = zlib.crc32(chunk, self.crc)
            self.nbytes += len(chunk)
            yield chunk


def _token_bytes(token) -> bytes:
    return token.encode("utf-8") if isinstance(token, str) else bytes(token)


def _sentence_chunks(sentences: Iterable, size: int = 1 << 20) -> Iterator[bytes]:
    buf: List[bytes] = []
    held = 0
    for item in sentences:
        if isinstance(item, (str, bytes, bytearray)):
            line = _token_bytes(item)
        else:
            try:
                line = b" ".join(_token_bytes(t) for t in item)
            except TypeError:
                raise W2VError(f"sentences must be strings or sequences of tokens "
                               f"(got {type(item).__name__})") from None
        buf.append(line)
        buf.append(b"\n")
        held += len(line) + 1
        if held >= size:
            yield b"".join(buf)
            buf, held = [], 0
    if buf:
        yield b"".join(buf)


@contextlib.contextmanager
def spool_errors() -> Iterator[None]:
    """Disk full (or a file size limit) on the temporary file: a one-line error."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise W2VError(f"cannot write a temporary file in {tempfile.gettempdir()!r} "
                       f"(set TMPDIR to use another folder): {exc.strerror or exc}") from None


def spool_text(source: TextSource, tokenizer, spool: IdSpool, reporter: Reporter, table=None,
               max_entries: int = 0, label: str = "Words read") -> int:
    """The one reader: tokenise *source* chunk by chunk and spool the ids.
    With *table* (counting), word2vec.c's ReduceVocab rule keeps at most
    *max_entries* words.  Returns how many times the rule pruned."""
    min_reduce = 1
    next_report = 1_000_000
    with spool_errors():
        for chunk in source:
            spool.append(tokenizer.feed(chunk))
            if tokenizer.tokens >= next_report:
                reporter.progress(f"{label}: {tokenizer.tokens // 1_000_000}M")
                next_report = (tokenizer.tokens // 1_000_000 + 1) * 1_000_000
            if table is not None and len(table) > max_entries:
                # word2vec.c's ReduceVocab: forget the rarest words to bound memory
                spool.remap(table.prune(min_reduce))
                min_reduce += 1
        spool.append(tokenizer.finish())
    reporter.end_line()
    if source.nul_at >= 0:
        reporter.warn(f"{source.what} {source.name} has a NUL byte at offset {source.nul_at}: "
                      f"is it a text file?")
    return min_reduce - 1


def doc_table(docs) -> Optional[object]:
    """The tokeniser's table of document IDs: None without paragraph
    vectors (*docs* None or False), else holding the IDs of *docs* (a
    sequence, or True for none yet) first."""
    if docs is None or docs is False:
        return None
    table = _text.WordTable()
    for d in (() if docs is True else docs):
        table.add_word(d, 0)
    return table


def count_corpus(source, min_count: int, reporter: Optional[Reporter] = None,
                 max_entries: int = MAX_VOCAB_ENTRIES, docs=None) -> Corpus:
    """Tokenise *source* (a TextSource or a path), build the vocabulary (C's
    order, -min-count), encode.  *docs*: paragraph vectors (see
    :func:`doc_table`)."""
    reporter = reporter or Reporter(0)
    source = as_source(source)
    table = new_table()
    ids_of_docs = doc_table(docs)
    tokenizer = _text.Tokenizer(table, "count", docs=ids_of_docs)
    with spool_errors():
        spool = IdSpool()
    try:
        pruned = spool_text(source, tokenizer, spool, reporter, table, max_entries)
        if tokenizer.tokens == 0:
            raise W2VError(f"{source.what} {source.name} is empty (no words)")
        vocab, mapping = Vocab.from_counts(table.words(), table.counts_array(), min_count)
        del table
        if len(vocab) < 2:
            raise W2VError(f"no word in {source.what} {source.name} occurs at least "
                           f"-min-count {min_count} times")
        with spool_errors():
            spool.remap(mapping, -1 if ids_of_docs is None else len(vocab))
        return Corpus(vocab, spool.array(), int(tokenizer.tokens), source.fingerprint, pruned,
                      _doc_ids(ids_of_docs))
    finally:
        spool.close()


def encode_corpus(source, vocab: Vocab, reporter: Optional[Reporter] = None,
                  require_words: bool = True, docs=None) -> Corpus:
    """Tokenise *source* against a fixed vocabulary (-read-vocab, a loaded
    model): unknown words are skipped.  With *require_words*, a text without
    a word of the vocabulary is an error.  *docs*: paragraph vectors (see
    :func:`doc_table`; new IDs are added)."""
    reporter = reporter or Reporter(0)
    source = as_source(source)
    table = _text.WordTable(max(16, len(vocab)))
    for w in vocab.words:
        table.add_word(w, 0)
    ids_of_docs = doc_table(docs)
    tokenizer = _text.Tokenizer(table, "lookup", docs=ids_of_docs)
    with spool_errors():
        spool = IdSpool()
    try:
        spool_text(source, tokenizer, spool, reporter)
        if ids_of_docs is not None:
            with spool_errors():
                spool.remap(np.arange(len(vocab)), len(vocab))
        ids = spool.array()
        # sentence ends alone (id 0) leave nothing to train on
        if require_words and not has_words(ids, len(vocab)):
            raise W2VError(f"{source.what} {source.name} has no word of the vocabulary")
        return Corpus(vocab, ids, int(tokenizer.tokens), source.fingerprint, 0, _doc_ids(ids_of_docs))
    finally:
        spool.close()


def has_words(ids: np.ndarray, words: Optional[int] = None) -> bool:
    """Whether *ids* hold a word (not only sentence ends, id 0, or documents,
    ids from *words* on)."""
    step = 1 << 20
    if words is None:
        return any(ids[i:i + step].any() for i in range(0, len(ids), step))
    return any(((ids[i:i + step] > 0) & (ids[i:i + step] < words)).any() for i in range(0, len(ids), step))


def _doc_ids(table) -> Optional[List[bytes]]:
    return None if table is None else table.words()


def new_table():
    """A word table holding only the sentence end ``</s>`` (id 0)."""
    table = _text.WordTable()
    table.add_word(EOS, 0)
    return table


def as_source(source) -> TextSource:
    """A TextSource from a TextSource, a path, or an iterable of sentences."""
    if isinstance(source, TextSource):
        return source
    if isinstance(source, str):
        return TextSource([source])
    return TextSource(sentences=source)
