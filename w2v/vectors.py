"""Word vectors: the query class :class:`Vectors` (w2v's look-ups and
gensim's ``KeyedVectors`` names) and :func:`load`.  The formats themselves
(reading, writing, detection) are :mod:`w2v.formats`' registry; its writers
are named here too (:func:`save`, :func:`save_word2vec`, :func:`save_classes`)."""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from . import formats, modelfile
from .config import ANALOGY_METHOD
from .errors import W2VError
from .formats import normalize_rows, output_format, save, save_classes, save_word2vec  # noqa: F401
from .progress import Reporter
from .search import analogy_batch, nearest, scan

_EPS_COSMUL = 1e-6       # gensim's most_similar_cosmul
SAVE_FORMATS = formats.SAVE_FORMATS


def _warn_stderr(message: str) -> None:
    Reporter(1).warn(message)


class Vectors:
    """Word vectors: ``words`` (list of str, or bytes with ``errors="bytes"``),
    ``vectors`` (float32 array, one row per word, file order) and look-ups.

    ``index(word)`` is the row of the first occurrence of *word* (like the C
    tools' linear search).  Similarity searches use the L2-normalised matrix
    (:attr:`unit`), computed once on first use unless the vectors were loaded
    with ``normalize=True``."""

    def __init__(self, words: Sequence, vectors: np.ndarray, path: Optional[str] = None,
                 normalized: bool = False, binary: Optional[bool] = None):
        self.words = list(words)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ValueError("vectors must be a (len(words), dim) matrix")
        self.path = path
        self.binary = binary
        self.format: Optional[str] = None     # set by load(): word2vec-binary, word2vec-text, glove, npy, tsv
        self._unit = self.vectors if normalized else None
        self._index: Optional[dict] = None
        self._bytes = bool(self.words) and isinstance(self.words[0], bytes)

    # ------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return f"<Vectors {len(self)} words x {self.dim} dims{' from ' + repr(self.path) if self.path else ''}>"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def word_index(self) -> dict:
        """word -> row of its first occurrence."""
        if self._index is None:
            n = len(self.words)
            self._index = dict(zip(reversed(self.words), range(n - 1, -1, -1)))
        return self._index

    def duplicates(self) -> int:
        """Number of rows whose word already appeared earlier in the file."""
        return len(self.words) - len(self.word_index)

    def _key(self, word):
        if self._bytes and isinstance(word, str):
            return word.encode("utf-8", "surrogateescape")
        if not self._bytes and isinstance(word, bytes):
            return word.decode("utf-8", "replace")
        return word

    def __contains__(self, word) -> bool:
        return self._key(word) in self.word_index

    def index(self, word) -> int:
        """Row of *word* (first occurrence); KeyError if absent."""
        try:
            return self.word_index[self._key(word)]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None

    def get_index(self, word, default: int = -1) -> int:
        return self.word_index.get(self._key(word), default)

    def __getitem__(self, word) -> np.ndarray:
        """The vector of *word*; a list of words gives a matrix (one row each)."""
        if isinstance(word, (str, bytes)):
            return self.vectors[self.index(word)]
        return self.vectors[[self.index(w) for w in word]]

    @property
    def unit(self) -> np.ndarray:
        """The L2-normalised matrix (zero rows stay zero)."""
        if self._unit is None:
            self._unit = normalize_rows(self.vectors)
        return self._unit

    # ------------------------------------------------------------ gensim's names
    @property
    def key_to_index(self) -> dict:
        """word -> row (gensim's name for :attr:`word_index`)."""
        return self.word_index

    @property
    def index_to_key(self) -> list:
        """The words in row order (gensim's name for :attr:`words`)."""
        return self.words

    @property
    def vector_size(self) -> int:
        """Dimensions (gensim's name for :attr:`dim`)."""
        return self.dim

    def get_vector(self, word, norm: bool = False) -> np.ndarray:
        """The vector of *word*, unit length with ``norm=True`` (read-only)."""
        row = (self.unit if norm else self.vectors)[self.index(word)]
        row.setflags(write=False)
        return row

    def _terms(self, items, sign: float) -> List[Tuple[object, float]]:
        """(word or vector, weight) pairs from gensim-style arguments: a word,
        a vector, a list of them, or (item, weight) tuples.  A string that is
        not a word but holds several words stands for those words (like a
        query line of ``w2v distance``)."""
        if items is None:
            return []
        if isinstance(items, (str, bytes)) or (isinstance(items, np.ndarray) and items.ndim == 1):
            items = [items]
        out: List[Tuple[object, float]] = []
        for item in items:
            weight = sign
            if isinstance(item, tuple):
                item, weight = item
            if isinstance(item, (str, bytes)) and item not in self and len(item.split()) > 1:
                out.extend((w, weight) for w in item.split())
            else:
                out.append((item, float(weight)))
        return out

    def _query(self, terms: List[Tuple[object, float]]) -> Tuple[np.ndarray, List[int]]:
        """The weighted sum of the terms' unit vectors (vectors given as
        arrays count as they are) and the rows of the words among them."""
        if not terms:
            raise ValueError("cannot compute similarity with no input")
        q = np.zeros(self.dim, dtype=np.float64)
        rows = []
        for item, weight in terms:
            if isinstance(item, np.ndarray):
                q += weight * np.asarray(item, dtype=np.float64).reshape(self.dim)
            else:
                i = self.index(item)
                rows.append(i)
                q += weight * self.unit[i]
        return q.astype(np.float32), rows

    @staticmethod
    def _topn(topn, n) -> Optional[int]:
        return topn if n is None else n

    def most_similar(self, positive=None, negative=None, topn: Optional[int] = 10,
                     restrict_vocab: Optional[int] = None, n: Optional[int] = None):
        """The *topn* words nearest (cosine) to the sum of the unit vectors of
        *positive* minus those of *negative*, best first, leaving out the
        query words (gensim's ``most_similar``; C's ``distance`` for a list of
        words).  ``n`` is w2v's name for ``topn``; ``restrict_vocab`` searches
        only the first rows; ``topn=None`` gives the cosines of all (searched)
        words as an array.  Items may be words, vectors or (item, weight)."""
        if isinstance(negative, int) and not isinstance(negative, bool):
            negative, n = None, negative            # most_similar("king", 5): w2v's old order
        topn = self._topn(topn, n)
        if topn is not None and topn < 1:
            return []
        q, rows = self._query(self._terms(positive, 1.0) + self._terms(negative, -1.0))
        unit = self.unit if not restrict_vocab else self.unit[:int(restrict_vocab)]
        if topn is None:
            norm = float(np.sqrt(np.dot(q, q))) or 1.0
            return unit @ (q / norm)
        idx, scores = nearest(unit, q[None, :], [rows], int(topn))[0]
        return [(self.words[i], float(s)) for i, s in zip(idx, scores)]

    def most_similar_cosmul(self, positive=None, negative=None, topn: Optional[int] = 10,
                            restrict_vocab: Optional[int] = None, n: Optional[int] = None):
        """gensim's ``most_similar_cosmul``: words d ranked by the product of
        (1 + cos(d, p)) / 2 over *positive* divided by (the product of
        (1 + cos(d, m)) / 2 over *negative*) + 1e-6, leaving out the query
        words.  With positive [b, c] and negative [a] this is 3CosMul (the
        analogy commands use Levy and Goldberg's epsilon 0.001 instead)."""
        topn = self._topn(topn, n)
        if topn is not None and topn < 1:
            return []
        pos, neg = self._terms(positive, 1.0), self._terms(negative, -1.0)
        if not pos:
            raise ValueError("cannot compute similarity with no input")
        rows = [self.index(w) for w, _ in pos + neg if not isinstance(w, np.ndarray)]

        def unit_of(item) -> np.ndarray:
            if isinstance(item, np.ndarray):
                return np.asarray(item, dtype=np.float32).reshape(self.dim)
            return self.unit[self.index(item)]

        P = np.stack([unit_of(w) for w, _ in pos])
        N = np.stack([unit_of(w) for w, _ in neg]) if neg else np.zeros((0, self.dim), np.float32)
        unit = self.unit if not restrict_vocab else self.unit[:int(restrict_vocab)]
        if topn is None:
            out = np.empty((1, unit.shape[0]), dtype=np.float32)
            _cosmul_fill(P, N, unit, 0, unit.shape[0], out)
            return out[0]
        idx, scores = scan(unit.shape[0], 1, int(topn), [rows], -np.inf,
                           lambda c0, c1, dst: _cosmul_fill(P, N, unit, c0, c1, dst))[0]
        return [(self.words[i], float(s)) for i, s in zip(idx, scores)]

    def similarity(self, a, b) -> float:
        """Cosine of the vectors of words *a* and *b*."""
        u = self.unit
        return float(np.dot(u[self.index(a)], u[self.index(b)]))

    def n_similarity(self, words_a, words_b) -> float:
        """Cosine of the means of the (raw) vectors of two lists of words."""
        if not len(words_a) or not len(words_b):
            raise ValueError("n_similarity needs two non-empty lists of words")
        m = normalize_rows(np.stack([self.vectors[[self.index(w) for w in ws]].mean(axis=0)
                                     for ws in (words_a, words_b)]))
        return float(np.dot(m[0], m[1]))

    def doesnt_match(self, words):
        """The word of *words* least similar to the mean of their unit vectors
        (words not in the vocabulary are left out, with a warning)."""
        used = [w for w in words if w in self]
        if len(used) != len(words):
            import warnings

            warnings.warn(f"ignoring words not in the vocabulary: {[w for w in words if w not in self]}",
                          stacklevel=2)
        if not used:
            raise ValueError("doesnt_match needs at least one word in the vocabulary")
        u = self.unit[[self.index(w) for w in used]]
        mean = normalize_rows(u.mean(axis=0, keepdims=True))[0]
        return min(zip((u @ mean).tolist(), used))[1]

    def rank(self, a, b) -> int:
        """1 + the number of words (other than *a*) more similar to *a* than *b* is."""
        ia, ib = self.index(a), self.index(b)
        sims = self.unit @ self.unit[ia]
        closer = sims > sims[ib]
        closer[ia] = False
        return int(np.count_nonzero(closer)) + 1

    # ------------------------------------------------------------ writing
    def save_word2vec_format(self, path: str, binary: bool = False) -> None:
        """Write word2vec's binary or text format (gensim's name)."""
        save_word2vec(path, self.words, self.vectors, binary=bool(binary))

    def save(self, path: str, binary: Optional[bool] = None, format: Optional[str] = None) -> str:
        """Write the vectors in *format* (bin, text, glove, npy, tsv), else
        word2vec binary or text when *binary* is given, else by the name's
        extension; returns the format written.  (gensim's ``save`` pickles
        the object instead.)"""
        if format is None and binary is not None:
            format = "bin" if binary else "text"
        return save(path, self.words, self.vectors, format)

    # ------------------------------------------------------------ searches
    def analogy(self, a, b, c, n: int = 10, method: str = ANALOGY_METHOD) -> List[Tuple[object, float]]:
        """Words d with a : b :: c : d, best first (C's ``word-analogy``:
        nearest to b - a + c with positive cosine; or 3CosMul)."""
        ids = [self.index(w) for w in (a, b, c)]
        idx, scores = analogy_batch(self.unit, np.array([ids]), n, method)[0]
        return [(self.words[i], float(s)) for i, s in zip(idx, scores)]


def _cosmul_fill(P: np.ndarray, N: np.ndarray, unit: np.ndarray, c0: int, c1: int,
                 dst: np.ndarray) -> None:
    """Scores of words c0..c1 for :meth:`Vectors.most_similar_cosmul` into dst[0]."""
    block = unit[c0:c1]
    shifted = (np.concatenate([P, N]) @ block.T + 1) * 0.5
    num = np.prod(shifted[:len(P)], axis=0)
    den = np.prod(shifted[len(P):], axis=0) + _EPS_COSMUL
    np.divide(num, den, out=dst[0])


def load(path: str, *, errors: str = "replace", binary: Optional[bool] = None,
         normalize: bool = False, limit: Optional[int] = None,
         warn: Optional[Callable[[str], None]] = None) -> Vectors:
    """Load a vectors file, format detected: word2vec binary or text (also
    fastText's ``.vec``), GloVe text (no header line), numpy ``.npy`` with
    ``NAME.words.txt`` beside it, or the TensorBoard projector's
    ``vectors.tsv`` with ``metadata.tsv``; ``.gz``/``.bz2``/``.xz`` too.

    * ``errors``: words that are not valid UTF-8 are decoded with U+FFFD
      (``"replace"``, a warning is shown), refused (``"strict"``: W2VError
      naming the record) or every word is kept as raw ``bytes`` (``"bytes"``).
    * ``binary``: force binary or text for a word2vec file instead of detecting it.
    * ``normalize``: L2-normalise each row while reading (what the C tools do).
    * ``limit``: read only the first *limit* words (compute-accuracy's threshold).
    * ``warn``: called with each warning (default: ``warning: ...`` on stderr).

    Every problem with the file raises :class:`W2VError` with a one-line message."""
    what = "vectors file"
    r = formats.read(path, formats.ReadOptions(errors, binary, normalize, warn or _warn_stderr), limit, what)
    vec = Vectors(r.words, r.matrix, path=path, normalized=normalize, binary=r.binary)
    vec.format = r.format
    if r.format == modelfile.FORMAT:
        return vec
    dups = vec.duplicates()
    if dups:
        seen, first = set(), None
        for w in r.words:
            if w in seen:
                first = w
                break
            seen.add(w)
        (warn or _warn_stderr)(f"{what} {path!r}: {dups} duplicate word(s) (first: {first!r}); "
                               f"look-ups use the first occurrence")
    return vec
