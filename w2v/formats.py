"""Vector formats: one registry (:data:`FORMATS`) of what w2v reads and
writes, from which :func:`w2v.vectors.load`, :func:`w2v.vectors.save`,
``w2v convert`` and the command line's ``-format`` choices come.

* ``bin``, ``text``: word2vec.c's binary and text formats.
  Text:   ``V D\\n`` then per word ``word v1 v2 ... vD \\n`` (``%f``, trailing space);
  Binary: ``V D\\n`` then per word ``word``, a space, D little-endian float32, ``\\n``.
  Read with or without the binary records' ``\\n`` (gensim omits it) and with
  or without the text lines' trailing space; fastText's ``.vec`` is text.
* ``glove``: text without the header line.
* ``npy``: ``NAME.npy`` (a 2-D array, one row per word) and ``NAME.words.txt``
  (one word per line, UTF-8, same order).
* ``tsv``: TensorBoard projector: ``vectors.tsv`` (tab-separated values, one
  row per word, no header) and ``metadata.tsv`` beside it (one word per line;
  a file with several tab-separated columns has a header line and the first
  column is the word).  ``NAME.tsv`` other than ``*vectors.tsv`` pairs with
  ``NAME.metadata.tsv``.
* a w2v model file (``-save-model``, ``-checkpoint``) is read too: its words
  and syn0, through :func:`w2v.modelfile.read_model`.

-classes output (no header, ``word class\\n`` per word) is written by
:func:`save_classes`.  Readers return words as bytes; every writer goes
through :func:`w2v.io.atomic_output` (a pair: both files renamed only once
both are complete).  A new format is one :class:`Format` row with its reader
and writer (and, when it can be recognised from its first bytes, a line of
:func:`sniff`)."""
from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import mmap
import os
import struct
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from . import _vecio, modelfile
from .errors import W2VError
from .io import atomic_output, file_size, iter_chunks, open_input

_TEXT_BLOCK = 4096


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


# --------------------------------------------------------------------------- word2vec and GloVe
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


@dataclass(frozen=True)
class Format:
    """One vector format: its ``-format`` *name*, the *extensions* that
    choose it for an output name, its writer ``write(path, words, matrix)``
    and its reader ``read(path, buf, limit, what, opts)`` -> (words as
    bytes or decoded, matrix, invalid rows, binary) (see :func:`read`).
    *kind*: what :func:`sniff` calls a file of this format; *pair*: a matrix
    file with a words file beside it (never compressed or on standard
    output)."""

    name: str
    extensions: Tuple[str, ...]
    kind: str
    write: Callable[[str, Sequence, np.ndarray], None]
    read: Callable
    pair: bool = False


def _write_bin(path: str, words: Sequence, matrix: np.ndarray) -> None:
    save_word2vec(path, words, matrix, binary=True)


def _write_text(path: str, words: Sequence, matrix: np.ndarray) -> None:
    save_word2vec(path, words, matrix, binary=False)


def _write_glove(path: str, words: Sequence, matrix: np.ndarray) -> None:
    save_word2vec(path, words, matrix, binary=False, header=False)


def _read_word2vec(path, buf, limit, what, opts):
    return _load_text_or_binary(buf, path, what, "word2vec", opts.errors, opts.binary, opts.normalize,
                                limit, opts.warn)


def _read_glove(path, buf, limit, what, opts):
    return _load_text_or_binary(buf, path, what, "glove", opts.errors, opts.binary, opts.normalize,
                                limit, opts.warn)


def _pair_reader(reader: Callable) -> Callable:
    def read_pair(path, buf, limit, what, opts):
        raw, m = reader(path, buf, limit, what)
        words, invalid = _decode_words(raw, opts.errors, path, what)
        return words, normalize_rows(m) if opts.normalize else m, invalid, False
    return read_pair


FORMATS: Tuple[Format, ...] = (
    Format("bin", (".bin",), "word2vec", _write_bin, _read_word2vec),
    Format("text", (".txt", ".vec"), "word2vec", _write_text, _read_word2vec),
    Format("glove", (), "glove", _write_glove, _read_glove),
    Format("npy", (".npy",), "npy", write_npy, _pair_reader(read_npy), pair=True),
    Format("tsv", (".tsv",), "tsv", write_tsv, _pair_reader(read_tsv), pair=True),
)
BY_NAME = {f.name: f for f in FORMATS}
SAVE_FORMATS = tuple(BY_NAME)
EXTENSIONS = {ext: f.name for f in FORMATS for ext in f.extensions}


def extensions_text(sep: str = ", ", last: str = " or ") -> str:
    """The output extensions, for messages and help (``.bin, .txt, .vec, .npy or .tsv``)."""
    exts = list(EXTENSIONS)
    return sep.join(exts[:-1]) + last + exts[-1] if len(exts) > 1 else "".join(exts)


def output_format(path: str, fmt: Optional[str] = None) -> str:
    """The format to write *path* in: *fmt*, else from the name's extension
    (:data:`EXTENSIONS`, after ``.gz``/``.bz2``/``.xz``)."""
    compressed = _strip_compression(path) != path
    if fmt is None:
        fmt = EXTENSIONS.get(os.path.splitext(_strip_compression(path))[1].lower())
        if fmt is None:
            raise W2VError(f"cannot tell the output format from the name {path!r}: use a name ending "
                           f"in {extensions_text()}, or -format {'|'.join(SAVE_FORMATS)}")
    elif fmt not in BY_NAME:
        raise W2VError(f"unknown format {fmt!r} (use one of {', '.join(SAVE_FORMATS)})")
    if compressed and BY_NAME[fmt].pair:
        raise W2VError(f"output file {path!r}: {fmt} files are not written compressed")
    if path == "-" and BY_NAME[fmt].pair:
        raise W2VError(f"{fmt} output is a pair of files; it cannot go to standard output")
    return fmt


def save(path: str, words: Sequence, matrix: np.ndarray, fmt: Optional[str] = None) -> str:
    """Write *words* and *matrix* to *path* in *fmt* (see :func:`output_format`);
    returns the format written."""
    fmt = output_format(path, fmt)
    if len(words) != np.shape(matrix)[0] or np.ndim(matrix) != 2:
        raise ValueError(f"{len(words)} words but a matrix of shape {np.shape(matrix)}")
    BY_NAME[fmt].write(path, words, matrix)
    return fmt


def save_classes(path: str, words: Sequence[bytes], classes: np.ndarray) -> None:
    with atomic_output(path, "output file") as out:
        for w, c in zip(words, np.asarray(classes).tolist()):
            out.write(b"%s %d\n" % (w, c))


_MODES = {"replace": 0, "strict": 1, "bytes": 2}
_HEADER_MAX = 1000           # bytes searched for the header's newline
_PROBE_MAX = 1 << 16         # bytes of the first record looked at to guess the format
_MAX_WORD = 100_000          # a binary "word" longer than this means a corrupt file


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


def sniff(buf, path: str, what: str = "vectors file") -> str:
    """The format of a vectors file from its first bytes (and a ``.tsv``
    name): ``word2vec`` (header line; binary or text), ``glove`` (text
    without header), ``npy`` or ``tsv``.  A fastText model (``.bin``) or
    anything else raises :class:`W2VError`."""
    if bytes(buf[:len(NPY_MAGIC)]) == NPY_MAGIC:
        return "npy"
    if bytes(buf[:4]) == _FASTTEXT_MAGIC:
        raise W2VError(f"{what} {path!r} is a fastText model (.bin), not a vectors file: "
                       f"load the .vec file that fastText writes beside it")
    line = _first_line(buf)
    if _strip_compression(path).lower().endswith(".tsv"):
        return "tsv"
    if _is_header(line) and b"\n" in bytes(buf[:_HEADER_MAX]):
        return "word2vec"
    if looks_like_tsv(buf):
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


@dataclass
class ReadOptions:
    """How :func:`read` decodes and checks (see :func:`w2v.vectors.load`)."""

    errors: str = "replace"
    binary: Optional[bool] = None
    normalize: bool = False
    warn: Callable[[str], None] = print


@dataclass
class Read:
    """What :func:`read` found: the words, the matrix and the format read."""

    words: list
    matrix: np.ndarray
    format: str          # word2vec-binary, word2vec-text, glove, npy, tsv or w2v-model
    binary: bool


def read(path: str, opts: ReadOptions, limit: Optional[int] = None, what: str = "vectors file") -> Read:
    """Read a vectors file in any format of :data:`FORMATS` (detected by
    :func:`sniff`) or a w2v model file's word vectors; warns (through
    ``opts.warn``) about words that are not valid UTF-8."""
    if opts.errors not in _MODES:
        raise W2VError(f"errors must be one of {', '.join(_MODES)} (got {opts.errors!r})")
    if modelfile.is_model_file(path):
        f = modelfile.read_model(path)
        raw, m = f.words, f.syn0
        if limit and limit > 0:
            raw, m = raw[:limit], m[:limit]
        words, invalid = _decode_words(raw, opts.errors, path, what)
        if opts.normalize:
            m = normalize_rows(m)
        if invalid and opts.errors == "replace":
            opts.warn(f"model file {path!r}: {len(invalid)} word(s) are not valid UTF-8; invalid bytes "
                      f"replaced by U+FFFD (use errors='bytes' to keep them)")
        return Read(words, m, modelfile.FORMAT, True)
    buf, close = _read_all(path, what)
    try:
        kind = sniff(buf, path, what)
        reader = next(f.read for f in FORMATS if f.kind == kind)
        words, m, invalid, binary = reader(path, buf, limit, what, opts)
    finally:
        close()
    if invalid and opts.errors == "replace":
        opts.warn(f"{what} {path!r}: {len(invalid)} word(s) are not valid UTF-8 (first: record "
                  f"{invalid[0] + 1}); invalid bytes replaced by U+FFFD (use errors='bytes' to keep them)")
    label = "word2vec-binary" if binary else ("word2vec-text" if kind == "word2vec" else kind)
    return Read(words, m, label, binary)
