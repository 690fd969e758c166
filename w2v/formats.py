"""Vector formats that come as a pair of files: a numeric matrix and the
words beside it.

* numpy: ``NAME.npy`` (a 2-D array, one row per word) and ``NAME.words.txt``
  (one word per line, UTF-8, same order).
* TensorBoard projector: ``vectors.tsv`` (tab-separated values, one row per
  word, no header) and ``metadata.tsv`` beside it (one word per line; a file
  with several tab-separated columns has a header line and the first column
  is the word).  ``NAME.tsv`` other than ``*vectors.tsv`` pairs with
  ``NAME.metadata.tsv``.

Readers return ``(words, matrix)`` with words as bytes; writers write both
files atomically (each through a temporary file, renamed only once both
are complete)."""
from __future__ import annotations

import contextlib
import io
import os
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .errors import W2VError
from .io import atomic_output

NPY_MAGIC = b"\x93NUMPY"
_TSV_BLOCK = 4096


def words_path(path: str, fmt: str) -> str:
    """The words file that goes with the matrix file *path* (format npy or tsv)."""
    folder, name = os.path.split(path)
    if fmt == "npy":
        stem = name[:-4] if name.lower().endswith(".npy") else name
        return os.path.join(folder, stem + ".words.txt")
    if name.lower().endswith("vectors.tsv"):
        return os.path.join(folder, name[:-len("vectors.tsv")] + "metadata.tsv")
    stem = name[:-4] if name.lower().endswith(".tsv") else name
    return os.path.join(folder, stem + ".metadata.tsv")


def _read_words(path: str, fmt: str, what: str) -> List[bytes]:
    wp = words_path(path, fmt)
    if not os.path.isfile(wp):
        raise W2VError(f"{what} {path!r}: its words file {wp!r} is missing "
                       f"(one word per line, in the order of the rows)")
    try:
        with open(wp, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise W2VError(f"cannot read words file {wp!r}: {exc.strerror or exc}") from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    lines = [w[:-1] if w.endswith(b"\r") else w for w in lines]
    if fmt == "tsv" and lines and b"\t" in lines[0]:
        lines = [w.split(b"\t", 1)[0] for w in lines[1:]]     # header line, then columns
    for i, w in enumerate(lines):
        if not w.strip():
            raise W2VError(f"words file {wp!r}: line {i + 1} is empty")
    return lines


def _check_rows(words: Sequence[bytes], m: np.ndarray, total: int, path: str, fmt: str,
                what: str) -> None:
    """*total*: the file's rows (*m* holds the first of them)."""
    wp = words_path(path, fmt)
    if len(words) != total:
        raise W2VError(f"{what} {path!r} has {total} rows but its words file {wp!r} "
                       f"has {len(words)} words")
    bad = np.flatnonzero(~np.isfinite(m).all(axis=1))
    if len(bad):
        raise W2VError(f"{what} {path!r}: row {bad[0] + 1} contains NaN or infinity")


def read_npy(path: str, buf, limit: Optional[int], what: str) -> Tuple[List[bytes], np.ndarray]:
    """An ``.npy`` matrix (*buf*: the file's bytes, used for compressed files)."""
    try:
        if isinstance(buf, bytes):
            arr = np.load(io.BytesIO(buf), allow_pickle=False)
        else:
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise W2VError(f"{what} {path!r}: not a readable .npy matrix ({msg})") from None
    if arr.ndim != 2 or arr.dtype.kind not in "fiu" or arr.shape[1] == 0:
        raise W2VError(f"{what} {path!r}: expected a 2-D numeric matrix, found shape "
                       f"{arr.shape} of {arr.dtype}")
    total = arr.shape[0]
    rows = total if not limit or limit <= 0 else min(total, int(limit))
    m = np.array(arr[:rows], dtype=np.float32)
    del arr
    words = _read_words(path, "npy", what)
    _check_rows(words, m, total, path, "npy", what)
    return words[:rows], m


def read_tsv(path: str, buf, limit: Optional[int], what: str) -> Tuple[List[bytes], np.ndarray]:
    """A projector ``vectors.tsv`` (*buf*: the file's bytes)."""
    data = bytes(buf)
    total = sum(1 for ln in data.split(b"\n") if ln.strip())
    if not total:
        raise W2VError(f"{what} {path!r} has no rows")
    rows = total if not limit or limit <= 0 else min(total, int(limit))
    try:
        m = np.loadtxt(io.BytesIO(data), delimiter="\t", dtype=np.float32, ndmin=2,
                       max_rows=rows, comments=None)
    except ValueError as exc:
        _tsv_problem(data, path, what)
        raise W2VError(f"{what} {path!r}: {str(exc).splitlines()[0]}") from None
    words = _read_words(path, "tsv", what)
    _check_rows(words, m, total, path, "tsv", what)
    return words[:rows], m


def _tsv_problem(data: bytes, path: str, what: str) -> None:
    """Raise the first problem of a ``.tsv`` matrix, named by line."""
    lines = [ln.rstrip(b"\r") for ln in data.split(b"\n")]
    width = None
    for i, ln in enumerate(lines):
        if not ln.strip():
            continue
        fields = ln.split(b"\t")
        if width is None:
            width = (len(fields), i + 1)
        elif len(fields) != width[0]:
            raise W2VError(f"{what} {path!r}: line {i + 1} has {len(fields)} values, "
                           f"line {width[1]} has {width[0]}")
        for x in fields:
            try:
                float(x)
            except ValueError:
                raise W2VError(f"{what} {path!r}: line {i + 1}: {x[:30].decode('utf-8', 'replace')!r} "
                               f"is not a number") from None


def looks_like_tsv(buf) -> bool:
    """The first line is tab-separated numbers (and nothing else)."""
    head = bytes(buf[:1 << 16])
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if b"\t" not in line:
        return False
    try:
        [float(x) for x in line.split(b"\t")]
    except ValueError:
        return False
    return True


def _words_bytes(words: Sequence) -> List[bytes]:
    out = [w if isinstance(w, bytes) else str(w).encode("utf-8") for w in words]
    for w in out:
        if b"\n" in w or b"\t" in w or not w.strip():
            raise W2VError(f"word {w[:30]!r} cannot be written one per line (empty, tab or newline)")
    return out


@contextlib.contextmanager
def _pair(path: str, fmt: str):
    """Both outputs of a pair, renamed into place only when both are written."""
    with atomic_output(path, "output file") as out, \
            atomic_output(words_path(path, fmt), "words file") as wout:
        yield out, wout


def write_npy(path: str, words: Sequence, matrix: np.ndarray) -> None:
    wb = _words_bytes(words)
    with _pair(path, "npy") as (out, wout):
        np.lib.format.write_array(out, np.ascontiguousarray(matrix, dtype=np.float32),
                                  allow_pickle=False)
        wout.write(b"".join(w + b"\n" for w in wb))


def write_tsv(path: str, words: Sequence, matrix: np.ndarray) -> None:
    wb = _words_bytes(words)
    m = np.asarray(matrix, dtype=np.float32)
    row = "\t".join(["%.9g"] * m.shape[1]) + "\n"
    with _pair(path, "tsv") as (out, wout):
        for s in range(0, m.shape[0], _TSV_BLOCK):
            out.write("".join(row % tuple(r) for r in m[s:s + _TSV_BLOCK].tolist()).encode("ascii"))
        wout.write(b"".join(w + b"\n" for w in wb))
