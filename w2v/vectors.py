"""Word-vector files: word2vec.c's text and binary formats, and -classes output.

Text:   ``V D\\n`` then per word ``word v1 v2 ... vD \\n`` (``%f``, trailing space)
Binary: ``V D\\n`` then per word ``word``, a space, D little-endian float32, ``\\n``
Classes: no header, ``word class\\n`` per word.

Every writer goes through :func:`w2v.io.atomic_output`.  :func:`load` reads
both formats (detected), with or without the binary records' ``\\n``
(gensim omits it) and with or without the text lines' trailing space."""
from __future__ import annotations

import mmap
import os
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from . import _vecio
from .errors import W2VError
from .io import atomic_output, file_size, iter_chunks, open_input
from .progress import Reporter
from .search import analogy_batch, nearest

_TEXT_BLOCK = 4096


def save_word2vec(path: str, words: Sequence[bytes], matrix: np.ndarray, binary: bool) -> None:
    words = [w if isinstance(w, bytes) else str(w).encode("utf-8") for w in words]
    m = np.ascontiguousarray(matrix, dtype=np.float32)
    V, D = m.shape
    if len(words) != V:
        raise ValueError("words and matrix rows differ")
    with atomic_output(path, "output file") as out:
        out.write(b"%d %d\n" % (V, D))
        if binary:
            le = m.astype("<f4", copy=False)
            for i, w in enumerate(words):
                out.write(w + b" " + le[i].tobytes() + b"\n")
        else:
            for s in range(0, V, _TEXT_BLOCK):
                out.write(_vecio.format_text_rows(words, m, s, min(V, s + _TEXT_BLOCK)))


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
        return self.vectors[self.index(word)]

    @property
    def unit(self) -> np.ndarray:
        """The L2-normalised matrix (zero rows stay zero)."""
        if self._unit is None:
            self._unit = normalize_rows(self.vectors)
        return self._unit

    # ------------------------------------------------------------ searches
    def most_similar(self, positive, n: int = 10, negative=()) -> List[Tuple[object, float]]:
        """The *n* words nearest (cosine) to the normalised sum of the unit
        vectors of *positive* minus those of *negative* (C's ``distance`` for
        a list of words); the query words are left out."""
        pos = [positive] if isinstance(positive, (str, bytes)) else list(positive)
        neg = [negative] if isinstance(negative, (str, bytes)) else list(negative)
        ip = [self.index(w) for w in pos]
        ineg = [self.index(w) for w in neg]
        u = self.unit
        q = u[ip].sum(axis=0) - (u[ineg].sum(axis=0) if ineg else 0)
        idx, scores = nearest(u, q[None, :], [ip + ineg], n)[0]
        return [(self.words[i], float(s)) for i, s in zip(idx, scores)]

    def analogy(self, a, b, c, n: int = 10, method: str = "3cosadd") -> List[Tuple[object, float]]:
        """Words d with a : b :: c : d, best first (C's ``word-analogy``:
        nearest to b - a + c with positive cosine; or 3CosMul)."""
        ids = [self.index(w) for w in (a, b, c)]
        idx, scores = analogy_batch(self.unit, np.array([ids]), n, method)[0]
        return [(self.words[i], float(s)) for i, s in zip(idx, scores)]


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


def _parse_header(buf, path: str, what: str) -> Tuple[int, int, int]:
    head = bytes(buf[:_HEADER_MAX])
    nl = head.find(b"\n")
    line = head if nl < 0 else head[:nl]
    fields = line.split()
    shown = line[:60].decode("utf-8", "replace")
    if nl < 0 or len(fields) != 2 or not all(f.isdigit() and int(f) > 0 for f in fields):
        raise W2VError(f"{what} {path!r}: the first line must be '<words> <dimensions>' "
                       f"(two positive integers), found {shown!r}; not a word2vec file?")
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


def load(path: str, *, errors: str = "replace", binary: Optional[bool] = None,
         normalize: bool = False, limit: Optional[int] = None,
         warn: Optional[Callable[[str], None]] = None) -> Vectors:
    """Load a word2vec vectors file (binary or text, detected; ``.gz``/``.bz2``/``.xz``).

    * ``errors``: words that are not valid UTF-8 are decoded with U+FFFD
      (``"replace"``, a warning is shown), refused (``"strict"``: W2VError
      naming the record) or every word is kept as raw ``bytes`` (``"bytes"``).
    * ``binary``: force the format instead of detecting it.
    * ``normalize``: L2-normalise each row while reading (what the C tools do).
    * ``limit``: read only the first *limit* words (compute-accuracy's threshold).
    * ``warn``: called with each warning (default: ``warning: ...`` on stderr).

    Every problem with the file raises :class:`W2VError` with a one-line message."""
    what = "vectors file"
    if errors not in _MODES:
        raise W2VError(f"errors must be one of {', '.join(_MODES)} (got {errors!r})")
    warn = warn or _warn_stderr
    buf, close = _read_all(path, what)
    try:
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
                line_no = 2 + lines
        finally:
            mv.release()
        if code == 0 and done < want:
            code = 1  # the room estimate ran out: the file is too short
        trailing = b""
        if code == 0 and want == V:
            trailing = bytes(buf[pos:pos + 64]).strip()
    finally:
        close()
    _check(code, path, what, V, D, done, binary, line_no, found)
    if done < len(m):
        m = m[:done].copy()
    if trailing:
        warn(f"{what} {path!r}: data after the last of the header's {V} words ignored")
    if invalid:
        if errors == "replace":
            warn(f"{what} {path!r}: {len(invalid)} word(s) are not valid UTF-8 (first: record "
                 f"{invalid[0] + 1}); invalid bytes replaced by U+FFFD (use errors='bytes' to keep them)")
    vec = Vectors(words, m, path=path, normalized=normalize, binary=binary)
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


def _check(code: int, path: str, what: str, V: int, D: int, done: int, binary: bool,
           line_no: int, found: int) -> None:
    if code == 0:
        return
    where = f"record {done + 1}" if binary else f"line {line_no} (word {done + 1})"
    fmt = "binary" if binary else "text"
    messages = {
        1: f"the header says {V} words but the file ends after {done}",
        2: f"{where} of {V} is truncated (the file ends inside it)",
        3: f"{where}: no space after the word within {_MAX_WORD} bytes; corrupt file, or not {fmt}?",
        4: f"{where}: the vector contains NaN or infinity",
        5: f"{where}: the word is not valid UTF-8 (use errors='replace' or 'bytes')",
        6: f"{where}: a value is not a number",
        7: f"{where}: expected {D} values (the header's dimension), found {found}",
    }
    msg = messages.get(code, f"{where}: unreadable (code {code})")
    raise W2VError(f"{what} {path!r} ({fmt}): {msg}")
