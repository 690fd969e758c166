"""The vocabulary: words (bytes) in word2vec.c's order with their counts.

Index 0 is always the sentence end ``</s>`` (its count is the number of
newlines), then words by descending count; ties keep first-occurrence order
(what glibc's merge-sort qsort gives word2vec.c)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from ._text import EOS
from .config import MAX_TOTAL_COUNT
from .errors import W2VError
from .io import atomic_output, iter_chunks, open_input


@dataclass
class Vocab:
    words: List[bytes]
    counts: np.ndarray  # int64, aligned with words
    _index: Optional[Dict[bytes, int]] = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError("words and counts differ in length")
        if not self.words or self.words[0] != EOS:
            raise ValueError("index 0 must be </s>")

    def __len__(self) -> int:
        return len(self.words)

    @property
    def train_words(self) -> int:
        """word2vec.c's train_words: kept word tokens plus sentence ends."""
        return int(self.counts.sum())

    @property
    def index(self) -> Dict[bytes, int]:
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    @classmethod
    def from_counts(cls, words: List[bytes], counts, min_count: int) -> Tuple["Vocab", np.ndarray]:
        """Sort like word2vec.c's SortVocab and drop words below *min_count*.

        ``words[0]`` must be ``</s>``; it stays first whatever its count.
        Returns the vocabulary and the old -> new index map (-1 = dropped)."""
        counts = np.asarray(counts, dtype=np.int64)
        rest = np.arange(1, len(words), dtype=np.int64)
        rest = rest[counts[1:] >= min_count]
        rest = rest[np.argsort(-counts[rest], kind="stable")]
        order = np.concatenate([np.zeros(1, dtype=np.int64), rest])
        mapping = np.full(len(words), -1, dtype=np.int64)
        mapping[order] = np.arange(len(order), dtype=np.int64)
        return cls([words[i] for i in order], counts[order]), mapping

    # ---- word2vec.c's -save-vocab / -read-vocab format ---------------------
    def save(self, path: str) -> None:
        with atomic_output(path, "vocabulary file") as out:
            for w, c in zip(self.words, self.counts.tolist()):
                out.write(b"%s %d\n" % (w, c))

    @classmethod
    def read(cls, path: str, min_count: int) -> "Vocab":
        """Read ``word count`` lines.  Like C, the file's order is re-sorted
        and -min-count applied again.  ``</s>`` is put first (C makes the
        first entry the sentence end whatever it is; a file without ``</s>``
        gets one with count 0)."""
        stream = open_input(path, "vocabulary file")
        data = b"".join(iter_chunks(stream, path, "vocabulary file"))
        if stream is not None and path != "-":
            stream.close()
        words: List[bytes] = []
        counts: List[int] = []
        seen: Dict[bytes, int] = {}
        for lineno, line in enumerate(data.split(b"\n"), 1):
            line = line.replace(b"\r", b"")
            # only space and tab separate, like the tokeniser (C's ReadWord):
            # other whitespace bytes (\v, \f) can be part of a saved word
            fields = line.replace(b"\t", b" ").split(b" ")
            fields = [f for f in fields if f]
            if not fields:
                continue
            if len(fields) != 2:
                raise W2VError(f"malformed vocabulary file {path!r} line {lineno}: expected 'word count', "
                               f"got {len(fields)} fields")
            word, count = fields
            try:
                n = int(count)
            except ValueError:
                raise W2VError(f"malformed vocabulary file {path!r} line {lineno}: count "
                               f"{count.decode('utf-8', 'replace')!r} is not an integer") from None
            if n < 0:
                raise W2VError(f"malformed vocabulary file {path!r} line {lineno}: negative count {n}")
            if n >= MAX_TOTAL_COUNT:
                raise W2VError(f"malformed vocabulary file {path!r} line {lineno}: count {n} is too large")
            if word in seen:
                raise W2VError(f"malformed vocabulary file {path!r} line {lineno}: duplicate word "
                               f"{word.decode('utf-8', 'replace')!r} (first on line {seen[word]})")
            seen[word] = lineno
            words.append(word)
            counts.append(n)
        if not words:
            raise W2VError(f"vocabulary file {path!r} is empty")
        if sum(counts) >= MAX_TOTAL_COUNT:
            raise W2VError(f"malformed vocabulary file {path!r}: the counts add up to more than 2^62")
        if EOS in seen:
            i = words.index(EOS)
            words.insert(0, words.pop(i))
            counts.insert(0, counts.pop(i))
        else:
            words.insert(0, EOS)
            counts.insert(0, 0)
        vocab, _ = cls.from_counts(words, counts, min_count)
        return vocab
