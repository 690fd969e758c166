"""Word-vector files: word2vec.c's text and binary formats, and -classes output.

Text:   ``V D\\n`` then per word ``word v1 v2 ... vD \\n`` (``%f``, trailing space)
Binary: ``V D\\n`` then per word ``word``, a space, D little-endian float32, ``\\n``
Classes: no header, ``word class\\n`` per word.
GloVe:  text without the header line.
Also read and written: numpy ``.npy`` and projector ``.tsv`` pairs (:mod:`w2v.formats`).

Every writer goes through :func:`w2v.io.atomic_output`.  :func:`load` reads
every format (detected), with or without the binary records' ``\\n``
(gensim omits it) and with or without the text lines' trailing space.
:class:`Vectors` has w2v's look-ups and gensim's ``KeyedVectors`` names."""
from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import mmap
import os
import struct
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from . import _vecio, formats, modelfile
from .errors import W2VError
from .io import atomic_output, file_size, iter_chunks, open_input
from .progress import Reporter
from .search import analogy_batch, nearest, scan

_TEXT_BLOCK = 4096
_EPS_COSMUL = 1e-6       # gensim's most_similar_cosmul


def save_word2vec(path: str, words: Sequence[bytes], matrix: np.ndarray, binary: bool,
                  header: bool = True) -> None:
    """word2vec's binary or text format (``header=False``: GloVe's text);
    a ``.gz``/``.bz2``/``.xz`` name is compressed."""
    words = [w if isinstance(w, bytes) else str(w).encode("utf-8") for w in words]
    m = np.ascontiguousarray(matrix, dtype=np.float32)
    V, D = m.shape
    if len(words) != V:
        raise ValueError("words and matrix rows differ")
    with atomic_output(path, "output file") as raw, _compressed(raw, path) as out:
        if header:
            out.write(b"%d %d\n" % (V, D))
        if binary:
            le = m.astype("<f4", copy=False)
            for i, w in enumerate(words):
                out.write(w + b" " + le[i].tobytes() + b"\n")
        else:
            for s in range(0, V, _TEXT_BLOCK):
                out.write(_vecio.format_text_rows(words, m, s, min(V, s + _TEXT_BLOCK)))


@contextlib.contextmanager
def _compressed(raw, path: str):
    """*raw*, or a compressor writing into it for a ``.gz``/``.bz2``/``.xz`` name."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".gz":
        out = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)
    elif ext == ".bz2":
        out = bz2.BZ2File(raw, "wb")
    elif ext == ".xz":
        out = lzma.LZMAFile(raw, "wb")
    else:
        yield raw
        return
    with out:
        yield out


SAVE_FORMATS = ("bin", "text", "glove", "npy", "tsv")
_EXTENSIONS = {".bin": "bin", ".txt": "text", ".vec": "text", ".npy": "npy", ".tsv": "tsv"}


def output_format(path: str, fmt: Optional[str] = None) -> str:
    """The format to write *path* in: *fmt*, else from the name's extension
    (``.bin``, ``.txt``/``.vec``, ``.npy``, ``.tsv``; after ``.gz``/``.bz2``/``.xz``)."""
    compressed = _strip_compression(path) != path
    if fmt is None:
        fmt = _EXTENSIONS.get(os.path.splitext(_strip_compression(path))[1].lower())
        if fmt is None:
            raise W2VError(f"cannot tell the output format from the name {path!r}: use a name ending "
                           f"in .bin, .txt, .vec, .npy or .tsv, or -format {'|'.join(SAVE_FORMATS)}")
    elif fmt not in SAVE_FORMATS:
        raise W2VError(f"unknown format {fmt!r} (use one of {', '.join(SAVE_FORMATS)})")
    if compressed and fmt in ("npy", "tsv"):
        raise W2VError(f"output file {path!r}: {fmt} files are not written compressed")
    if path == "-" and fmt in ("npy", "tsv"):
        raise W2VError(f"{fmt} output is a pair of files; it cannot go to standard output")
    return fmt


def save(path: str, words: Sequence, matrix: np.ndarray, fmt: Optional[str] = None) -> str:
    """Write *words* and *matrix* to *path* in *fmt* (see :func:`output_format`);
    returns the format written."""
    fmt = output_format(path, fmt)
    if len(words) != np.shape(matrix)[0] or np.ndim(matrix) != 2:
        raise ValueError(f"{len(words)} words but a matrix of shape {np.shape(matrix)}")
    if fmt == "npy":
        formats.write_npy(path, words, matrix)
    elif fmt == "tsv":
        formats.write_tsv(path, words, matrix)
    else:
        save_word2vec(path, words, matrix, binary=fmt == "bin", header=fmt != "glove")
    return fmt


def save_classes(path: str, words: Sequence[bytes], classes: np.ndarray) -> None:
    with atomic_output(path, "output file") as out:
        for w, c in zip(words, np.asarray(classes).tolist()):
            out.write(b"%s %d\n" % (w, c))


# --------------------------------------------------------------------------- reading
_MODES = {"replace": 0, "strict": 1, "bytes": 2}
_HEADER_MAX = 1000           # bytes searched for the header's newline
_PROBE_MAX = 1 << 16         # bytes of the first record looked at to guess the format
_MAX_WORD = 100_000          # a binary "word" longer than this means a corrupt file


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
    def analogy(self, a, b, c, n: int = 10, method: str = "3cosadd") -> List[Tuple[object, float]]:
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


def normalize_rows(m: np.ndarray) -> np.ndarray:
    """A copy of *m* with unit rows (float32; zero rows stay zero)."""
    m = np.asarray(m, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", m, m, dtype=np.float32))
    norms[norms == 0] = 1
    return m / norms[:, None]


def _read_all(path: str, what: str):
    """(buffer, closer): the file's bytes, memory-mapped when uncompressed."""
    if path == "-":
        raise W2VError(f"{what} must be a file (standard input is not supported)")
    stream = open_input(path, what)
    if file_size(path) >= 0:
        try:
            size = os.fstat(stream.fileno()).st_size
            if size == 0:
                stream.close()
                raise W2VError(f"{what} {path!r} is empty")
            mm = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
            if hasattr(mm, "madvise") and hasattr(mmap, "MADV_SEQUENTIAL"):
                mm.madvise(mmap.MADV_SEQUENTIAL)
        except (OSError, ValueError) as exc:
            stream.close()
            raise W2VError(f"cannot read {what} {path!r}: {exc}") from None
        stream.close()
        return mm, mm.close
    with stream:
        data = b"".join(iter_chunks(stream, path, what))
    if not data:
        raise W2VError(f"{what} {path!r} is empty")
    return data, (lambda: None)


_FASTTEXT_MAGIC = struct.pack("<i", 793712314)


def _first_line(buf) -> bytes:
    head = bytes(buf[:_PROBE_MAX])
    return head.split(b"\n", 1)[0].rstrip(b"\r")


def _is_header(line: bytes) -> bool:
    fields = line.split()
    return len(fields) == 2 and all(f.isdigit() and int(f) > 0 for f in fields)


def _parse_header(buf, path: str, what: str) -> Tuple[int, int, int]:
    head = bytes(buf[:_HEADER_MAX])
    nl = head.find(b"\n")
    line = head if nl < 0 else head[:nl]
    fields = line.split()
    return int(fields[0]), int(fields[1]), nl + 1


def _looks_like_text(buf, pos: int, dim: int) -> bool:
    """The first record is a text line ``word v1 v2 ...`` of numbers."""
    probe = bytes(buf[pos:pos + _PROBE_MAX])
    nl = probe.find(b"\n")
    line = probe if nl < 0 else probe[:nl]
    fields = line.split()
    if len(fields) < 2:
        return False
    for f in fields[1:]:
        try:
            float(f)
        except ValueError:
            return False
    return True


def _model_word_vectors(path: str, limit: Optional[int]) -> Tuple[List[bytes], np.ndarray]:
    """The words and word vectors (syn0) of a w2v model file (-save-model,
    -checkpoint), memory-mapped read-only."""
    arrays, _ = modelfile.read(path)
    for name in ("syn0", "vocab.bytes", "vocab.offsets"):
        if name not in arrays:
            raise W2VError(f"model file {path!r}: array {name!r} is missing")
    words = modelfile.vocab_from_arrays(arrays["vocab.bytes"], arrays["vocab.offsets"],
                                        what=f"model file {path!r}")
    m = arrays["syn0"]
    if m.ndim != 2 or m.dtype != np.float32 or len(m) != len(words):
        raise W2VError(f"model file {path!r}: syn0 does not match its vocabulary")
    if limit and limit > 0:
        words, m = words[:limit], m[:limit]
    return words, m


def sniff(buf, path: str, what: str = "vectors file") -> str:
    """The format of a vectors file from its first bytes (and a ``.tsv``
    name): ``word2vec`` (header line; binary or text), ``glove`` (text
    without header), ``npy`` or ``tsv``.  A fastText model (``.bin``) or
    anything else raises :class:`W2VError`."""
    if bytes(buf[:len(formats.NPY_MAGIC)]) == formats.NPY_MAGIC:
        return "npy"
    if bytes(buf[:4]) == _FASTTEXT_MAGIC:
        raise W2VError(f"{what} {path!r} is a fastText model (.bin), not a vectors file: "
                       f"load the .vec file that fastText writes beside it")
    line = _first_line(buf)
    if _strip_compression(path).lower().endswith(".tsv"):
        return "tsv"
    if _is_header(line) and b"\n" in bytes(buf[:_HEADER_MAX]):
        return "word2vec"
    if formats.looks_like_tsv(buf):
        return "tsv"
    if _looks_like_text(line, 0, 0) and not _looks_like_text(b"x " + line, 0, 0):
        return "glove"        # a line of numbers only is a broken header, not a word
    shown = line[:60].decode("utf-8", "replace")
    raise W2VError(f"{what} {path!r}: the first line must be '<words> <dimensions>' "
                   f"(two positive integers) or a GloVe line 'word v1 v2 ...', found {shown!r}; "
                   f"not a vectors file?")


def _strip_compression(path: str) -> str:
    base, ext = os.path.splitext(path)
    return base if ext.lower() in (".gz", ".bz2", ".xz") else path


def _decode_words(raw: List[bytes], errors: str, path: str, what: str) -> Tuple[list, List[int]]:
    """Words of a pair format in the *errors* mode of :func:`load`."""
    if errors == "bytes":
        return raw, []
    words, invalid = [], []
    for i, w in enumerate(raw):
        try:
            words.append(w.decode("utf-8"))
        except UnicodeDecodeError:
            if errors == "strict":
                raise W2VError(f"{what} {path!r}: word {i + 1} is not valid UTF-8 "
                               f"(use errors='replace' or 'bytes')") from None
            words.append(w.decode("utf-8", "replace"))
            invalid.append(i)
    return words, invalid


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
    if errors not in _MODES:
        raise W2VError(f"errors must be one of {', '.join(_MODES)} (got {errors!r})")
    warn = warn or _warn_stderr
    if modelfile.is_model_file(path):
        raw, m = _model_word_vectors(path, limit)
        words, invalid = _decode_words(raw, errors, path, what)
        if normalize:
            m = normalize_rows(m)
        if invalid and errors == "replace":
            warn(f"model file {path!r}: {len(invalid)} word(s) are not valid UTF-8; invalid bytes "
                 f"replaced by U+FFFD (use errors='bytes' to keep them)")
        vec = Vectors(words, m, path=path, normalized=normalize, binary=True)
        vec.format = "w2v-model"
        return vec
    buf, close = _read_all(path, what)
    try:
        fmt = sniff(buf, path, what)
        if fmt in ("npy", "tsv"):
            reader = formats.read_npy if fmt == "npy" else formats.read_tsv
            raw, m = reader(path, buf, limit, what)
            words, invalid = _decode_words(raw, errors, path, what)
            if normalize:
                m = normalize_rows(m)
            binary = False
        else:
            words, m, invalid, binary = _load_text_or_binary(buf, path, what, fmt, errors, binary,
                                                             normalize, limit, warn)
    finally:
        close()
    if invalid:
        if errors == "replace":
            warn(f"{what} {path!r}: {len(invalid)} word(s) are not valid UTF-8 (first: record "
                 f"{invalid[0] + 1}); invalid bytes replaced by U+FFFD (use errors='bytes' to keep them)")
    vec = Vectors(words, m, path=path, normalized=normalize, binary=binary)
    vec.format = "word2vec-binary" if binary else ("word2vec-text" if fmt == "word2vec" else fmt)
    dups = vec.duplicates()
    if dups:
        seen, first = set(), None
        for w in words:
            if w in seen:
                first = w
                break
            seen.add(w)
        warn(f"{what} {path!r}: {dups} duplicate word(s) (first: {first!r}); look-ups use the first occurrence")
    return vec


def _line_count(buf) -> int:
    """Lines in *buf* (a last line without newline counts)."""
    arr = np.frombuffer(buf, dtype=np.uint8)
    n = int(np.count_nonzero(arr == 10))
    return n + (1 if len(arr) and arr[-1] != 10 else 0)


def _load_text_or_binary(buf, path, what, fmt, errors, binary, normalize, limit, warn):
    """(words, matrix, invalid rows, binary) of a word2vec or GloVe file."""
    glove = fmt == "glove"
    if glove:
        V, D, pos = _line_count(buf), len(_first_line(buf).split()) - 1, 0
        binary = False
    else:
        V, D, pos = _parse_header(buf, path, what)
        if binary is None:
            binary = not _looks_like_text(buf, pos, D)
    want = V if not limit or limit <= 0 else min(V, int(limit))
    # Never trust the header for the allocation: each record needs at
    # least 1 + 1 + 4*D bytes (binary) or 2*D + 1 (text).
    room = (len(buf) - pos) // ((4 * D + 2) if binary else (2 * D + 1)) + 1
    m = np.empty((min(want, room), D), dtype=np.float32)
    mv = memoryview(buf)
    try:
        if binary:
            words, done, pos, code, invalid = _vecio.parse_binary(
                mv, pos, want if want <= m.shape[0] else m.shape[0], m, _MODES[errors],
                normalize, _MAX_WORD)
            line_no = found = 0
        else:
            words, done, pos, code, invalid, lines, found = _vecio.parse_text(
                mv, pos, want if want <= m.shape[0] else m.shape[0], m, _MODES[errors],
                normalize)
            line_no = (1 if glove else 2) + lines
    finally:
        mv.release()
    if glove and code == 1:
        code = 0              # blank lines: fewer words than lines
    elif code == 0 and done < want and not glove:
        code = 1              # the room estimate ran out: the file is too short
    trailing = b""
    if code == 0 and want == V and not glove:
        trailing = bytes(buf[pos:pos + 64]).strip()
    _check(code, path, what, V, D, done, binary, line_no, found, glove)
    if done < len(m):
        m = m[:done].copy()
    if trailing:
        warn(f"{what} {path!r}: data after the last of the header's {V} words ignored")
    return words, m, invalid, binary


def _check(code: int, path: str, what: str, V: int, D: int, done: int, binary: bool,
           line_no: int, found: int, glove: bool = False) -> None:
    if code == 0:
        return
    where = f"record {done + 1}" if binary else f"line {line_no} (word {done + 1})"
    fmt = "binary" if binary else ("GloVe text" if glove else "text")
    dim_from = "as on line 1" if glove else "the header's dimension"
    messages = {
        1: f"the header says {V} words but the file ends after {done}",
        2: f"{where} of {V} is truncated (the file ends inside it)",
        3: f"{where}: no space after the word within {_MAX_WORD} bytes; corrupt file, or not {fmt}?",
        4: f"{where}: the vector contains NaN or infinity",
        5: f"{where}: the word is not valid UTF-8 (use errors='replace' or 'bytes')",
        6: f"{where}: a value is not a number",
        7: f"{where}: expected {D} values ({dim_from}), found {found}",
    }
    msg = messages.get(code, f"{where}: unreadable (code {code})")
    raise W2VError(f"{what} {path!r} ({fmt}): {msg}")
