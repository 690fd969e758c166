"""The model file: hyperparameters, vocabulary, matrices and progress in one file.

The layout is safetensors' (an open, simple format that many programs read,
and that can be memory-mapped because every array lies as raw little-endian
bytes at a known offset).  It is written and read here with numpy alone:

* 8 bytes: the header length N, an unsigned little-endian 64-bit integer;
* N bytes: a JSON object ``{name: {"dtype", "shape", "data_offsets": [begin, end]},
  "__metadata__": {str: str}}``, padded with spaces so that N is a multiple of 8;
* the data buffer: the arrays back to back, C order, little-endian, with no holes;
  offsets are relative to the start of the buffer.  Arrays are stored by
  descending item size, so each one is naturally aligned in the file.

``__metadata__`` holds ``format`` (:data:`FORMAT`), ``version`` (:data:`VERSION`),
``w2v`` (the caller's metadata as one JSON string) and ``crc32`` (a JSON object
{name: CRC-32 of the array's bytes as 8 hex digits}).

Nothing is unpickled, so a file from a stranger is safe to open; every defect
(truncation, corruption, a newer version, another kind of file) is a one-line
:class:`~w2v.errors.W2VError` naming the file.
"""
from __future__ import annotations

import json
import os
import re
import struct
import zlib
from typing import BinaryIO, Iterator

import numpy as np

from . import memory
from .errors import W2VError
from .io import atomic_output, check_input

FORMAT = "w2v-model"
VERSION = 1

#: Largest header accepted (safetensors' own limit).
MAX_HEADER = 100_000_000

#: Bytes handed to write() and crc32() at a time.
CHUNK = 16 << 20

# safetensors dtype name <-> (numpy kind, item size)
_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"),
    "U64": np.dtype("<u8"), "U32": np.dtype("<u4"),
    "U8": np.dtype("u1"),
}
_CODES = {(dt.kind, dt.itemsize): code for code, dt in _DTYPES.items()}
_NO_CRC = "00000000"


def _dtype_code(name: str, arr: np.ndarray) -> str:
    code = _CODES.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None:
        raise ValueError(f"array {name!r}: dtype {arr.dtype} cannot be stored in a model file")
    return code


def _chunks(arr: np.ndarray) -> Iterator[memoryview]:
    """The array's bytes, little-endian in C order, in pieces of about CHUNK bytes.

    A contiguous little-endian array is sliced without copying; any other is
    converted a block of rows at a time."""
    le = _DTYPES[_CODES[(arr.dtype.kind, arr.dtype.itemsize)]]
    if arr.size == 0:
        return
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.dtype == le and arr.flags.c_contiguous:
        flat = memoryview(arr.reshape(-1).view(np.uint8))
        for start in range(0, len(flat), CHUNK):
            yield flat[start:start + CHUNK]
        return
    rows = max(1, CHUNK // (arr[0].size * le.itemsize))
    for start in range(0, arr.shape[0], rows):
        block = np.ascontiguousarray(arr[start:start + rows], dtype=le)
        yield memoryview(block.reshape(-1).view(np.uint8))


def _crc(arr: np.ndarray) -> str:
    crc = 0
    for piece in _chunks(arr):
        crc = zlib.crc32(piece, crc)
    return f"{crc:08x}"


def _header(entries: dict, meta_json: str, crcs: dict) -> bytes:
    metadata = {"format": FORMAT, "version": str(VERSION), "w2v": meta_json,
                "crc32": json.dumps(crcs, separators=(",", ":"))}
    text = json.dumps({"__metadata__": metadata, **entries}, separators=(",", ":"))
    raw = text.encode("ascii")
    return raw + b" " * (-len(raw) % 8)


def write(path: str, arrays: dict, meta: dict, what: str = "model file") -> None:
    """Write *arrays* ({name: ndarray}) and *meta* (JSON-serialisable) to *path* atomically."""
    order = []
    for name, arr in arrays.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ValueError(f"bad array name {name!r}")
        arr = np.asarray(arr)
        order.append((name, arr, _dtype_code(name, arr)))
    order.sort(key=lambda item: -item[1].dtype.itemsize)   # stable: ties keep their order
    entries, offset = {}, 0
    for name, arr, code in order:
        end = offset + arr.size * arr.dtype.itemsize
        entries[name] = {"dtype": code, "shape": [int(n) for n in arr.shape],
                         "data_offsets": [offset, end]}
        offset = end
    meta_json = json.dumps(meta, separators=(",", ":"), allow_nan=False)
    placeholder = _header(entries, meta_json, {name: _NO_CRC for name, _, _ in order})
    if len(placeholder) > MAX_HEADER:
        raise ValueError(f"{what} header would be {len(placeholder)} bytes (limit {MAX_HEADER})")
    with atomic_output(path, what) as out:
        if out.seekable():
            # Checksums are computed while the data streams out; the header,
            # whose length does not depend on them, is then written again.
            start = out.tell()
            out.write(struct.pack("<Q", len(placeholder)) + placeholder)
            crcs = {name: _write_array(out, arr) for name, arr, _ in order}
            out.seek(start + 8)
            out.write(_header(entries, meta_json, crcs))
            out.seek(0, os.SEEK_END)
        else:   # a pipe: one pass for the checksums, one for the data
            header = _header(entries, meta_json, {name: _crc(arr) for name, arr, _ in order})
            out.write(struct.pack("<Q", len(header)) + header)
            for name, arr, _ in order:
                _write_array(out, arr)


def _write_array(out: BinaryIO, arr: np.ndarray) -> str:
    crc = 0
    for piece in _chunks(arr):
        out.write(piece)
        crc = zlib.crc32(piece, crc)
    return f"{crc:08x}"


# ---------------------------------------------------------------- reading

_VECTORS_HEAD = re.compile(rb"\s*\d+[ \t]+\d+[ \t]*\r?\n")


def _foreign(head: bytes) -> str | None:
    """What a file that is not a model looks like, from its first bytes."""
    if _VECTORS_HEAD.match(head):
        return "a word2vec vectors file, not a w2v model (use w2v.load / -init-vectors)"
    for magic, kind in ((b"\x1f\x8b", "a gzip file"), (b"BZh", "a bzip2 file"),
                        (b"\xfd7zXZ\x00", "an xz file"), (b"PK\x03\x04", "a zip file (.npz?)"),
                        (b"\x93NUMPY", "a numpy .npy file")):
        if head.startswith(magic):
            return f"{kind}, not a w2v model"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a Python pickle, not a w2v model (pickles are never loaded)"
    return None


def _fail(path: str, what: str, detail: str) -> W2VError:
    return W2VError(f"{what} {path!r}: {detail}")


def _is_count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _parse_header(path: str, what: str, f: BinaryIO, size: int):
    """Validate the header; return (tensors sorted by offset, meta, crcs, data start)."""
    head = f.read(min(size, 4096))
    n = struct.unpack("<Q", head[:8])[0] if size >= 8 else None
    if n is None or n > MAX_HEADER or n > size - 8 or head[8:9] != b"{":
        kind = _foreign(head)
        if kind:
            raise _fail(path, what, f"this is {kind}")
        if n is None:
            raise _fail(path, what, f"too short to be a w2v model ({size} bytes)")
        if n > MAX_HEADER:
            raise _fail(path, what, f"not a w2v model (header length {n} is absurd)")
        if head[8:9] != b"{":
            raise _fail(path, what, "not a w2v model (no JSON header)")
        raise _fail(path, what, f"truncated: {n + 8 - size} bytes of the header missing")
    f.seek(8)
    try:
        header = json.loads(f.read(n).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _fail(path, what, "not a w2v model (its header is not valid JSON)") from None
    metadata = header.pop("__metadata__", None)
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        if all(isinstance(v, dict) and "data_offsets" in v for v in header.values()):
            raise _fail(path, what, "this is a safetensors file of another program, not a w2v model")
        raise _fail(path, what, "not a w2v model (no format marker in its header)")
    version = metadata.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"[1-9][0-9]{0,8}", version):
        raise _fail(path, what, f"bad format version {version!r}")
    if int(version) > VERSION:
        raise _fail(path, what, f"written by a newer w2v (format version {version}); "
                                f"this w2v reads version {VERSION}")
    meta = _json_field(path, what, metadata, "w2v")
    crcs = _json_field(path, what, metadata, "crc32")
    tensors = []
    for name, entry in header.items():
        tensors.append(_tensor(path, what, name, entry, crcs))
    tensors.sort(key=lambda t: (t[3], t[4]))
    expected = 0
    for name, _, _, begin, end in tensors:
        if begin < expected:
            raise _fail(path, what, f"array {name!r} overlaps the array before it")
        if begin > expected:
            raise _fail(path, what, f"hole of {begin - expected} bytes before array {name!r}")
        expected = end
    data = 8 + n
    if data + expected > size:
        raise _fail(path, what, f"truncated: {data + expected - size} bytes missing")
    if data + expected < size:
        raise _fail(path, what, f"{size - data - expected} unexpected bytes after the last array")
    return tensors, meta, crcs, data


def _json_field(path: str, what: str, metadata: dict, key: str) -> dict:
    try:
        value = json.loads(metadata[key])
    except (KeyError, TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise _fail(path, what, f"metadata {key!r} is missing or not a JSON object")
    return value


def _tensor(path: str, what: str, name: str, entry, crcs: dict):
    if not isinstance(entry, dict):
        raise _fail(path, what, f"array {name!r}: its entry is not a JSON object")
    code, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if code not in _DTYPES:
        raise _fail(path, what, f"array {name!r}: unknown dtype {code!r}")
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        raise _fail(path, what, f"array {name!r}: bad shape {shape!r}")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(_is_count(o) for o in offsets) or offsets[0] > offsets[1]):
        raise _fail(path, what, f"array {name!r}: bad data offsets {offsets!r}")
    dtype = _DTYPES[code]
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise _fail(path, what, f"array {name!r}: shape {shape} needs {nbytes} bytes, "
                                f"its offsets span {offsets[1] - offsets[0]}")
    crc = crcs.get(name)
    if not isinstance(crc, str) or not re.fullmatch(r"[0-9a-f]{8}", crc):
        raise _fail(path, what, f"array {name!r} has no checksum")
    return name, dtype, tuple(shape), offsets[0], offsets[1]


def read(path: str, *, verify: bool = True, mmap: bool = True,
         what: str = "model file") -> tuple[dict, dict]:
    """Read a model file: ({name: array}, meta).

    With ``mmap`` the arrays are read-only memory-mapped views into the file
    (writing to them raises ValueError: copy before training); otherwise they
    are writable copies in memory.  ``verify`` checks every array's CRC-32."""
    check_input(path, what)
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise W2VError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None
    try:
        with f:
            size = os.fstat(f.fileno()).st_size
            tensors, meta, crcs, data = _parse_header(path, what, f, size)
            if mmap:
                try:
                    whole = np.memmap(f, dtype=np.uint8, mode="r", shape=(size,))
                except ValueError:          # the file shrank since it was measured
                    raise _fail(path, what, "truncated while reading") from None
                arrays = {name: whole[data + begin:data + end].view(dtype).reshape(shape)
                          for name, dtype, shape, begin, end in tensors}
            else:
                arrays = {}
                f.seek(data)
                for name, dtype, shape, begin, end in tensors:
                    arr = memory.zeros(shape, dtype)
                    if f.readinto(memoryview(arr.reshape(-1).view(np.uint8))) != end - begin:
                        raise _fail(path, what, "truncated while reading")
                    arrays[name] = arr
    except OSError as exc:
        raise W2VError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None
    if verify:
        for name, arr in arrays.items():
            if _crc(arr) != crcs[name]:
                raise _fail(path, what, f"corrupted: array {name!r} fails its checksum")
    return arrays, meta


# ------------------------------------------------------------- vocabulary

def vocab_to_arrays(words: list) -> tuple[np.ndarray, np.ndarray]:
    """Words (bytes) -> (uint8 blob of all words back to back, int64 offsets of length n+1)."""
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)), out=offsets[1:])
    blob = np.frombuffer(b"".join(words), dtype=np.uint8)
    return blob, offsets


def vocab_from_arrays(blob: np.ndarray, offsets: np.ndarray, *,
                      what: str = "vocabulary") -> list:
    """The inverse of :func:`vocab_to_arrays`, validating the offsets."""
    blob, offsets = np.asarray(blob), np.asarray(offsets)
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise W2VError(f"{what}: the word blob is not a 1-D uint8 array")
    if offsets.dtype.kind not in "iu" or offsets.ndim != 1 or len(offsets) == 0:
        raise W2VError(f"{what}: the word offsets are not a non-empty 1-D integer array")
    if offsets[0] != 0 or offsets[-1] != len(blob):
        raise W2VError(f"{what}: the word offsets run from {int(offsets[0])} to "
                       f"{int(offsets[-1])}, not from 0 to the blob's {len(blob)} bytes")
    if len(offsets) > 1 and np.any(offsets[1:] < offsets[:-1]):
        raise W2VError(f"{what}: the word offsets decrease")
    raw = blob.tobytes()
    bounds = offsets.tolist()
    return [raw[a:b] for a, b in zip(bounds, bounds[1:])]


def is_model_file(path: str) -> bool:
    """Whether *path* is a w2v model file (a safetensors header that names
    this format); reads only the header."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                return False
            n = struct.unpack("<Q", head)[0]
            if n > MAX_HEADER or n < 2:
                return False
            header = json.loads(f.read(n).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    return isinstance(meta, dict) and meta.get("format") == FORMAT


# ------------------------------------------------------------- a model

class ModelArrays:
    """A model file read and checked (:func:`read_model`): its metadata
    (``meta``, with valid ``params``), vocabulary (``words``, ``counts``),
    matrices (``syn0``, ``syn1``, ``syn1neg``; None where the hyperparameters
    have none) and every array by name (``arrays``)."""

    def __init__(self, path: str, what: str, arrays: dict, meta: dict, params, words: list,
                 counts: np.ndarray) -> None:
        self.path, self.what, self.arrays, self.meta = path, what, arrays, meta
        self.params, self.words, self.counts = params, words, counts
        self.syn0 = self.syn1 = self.syn1neg = None
        self.docs = self.doc_ids = None     # -sentence-vectors 1: the documents' rows and IDs

    def bad(self, message: str) -> W2VError:
        return W2VError(f"{self.what} {self.path!r}: {message}")

    def need(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            raise self.bad(f"array {name!r} is missing")
        return self.arrays[name]


def read_model(path: str, *, verify: bool = True, mmap: bool = True, what: str = "model file") -> ModelArrays:
    """A model file's hyperparameters, vocabulary and matrices, every
    inconsistency a one-line W2VError: the one parser of model files
    (:meth:`w2v.model.Model.load` builds the progress on it; a vectors file
    read from a model is its ``words`` and ``syn0``)."""
    from .config import MAX_TOTAL_COUNT, Params
    from ._text import EOS

    arrays, meta = read(path, verify=verify, mmap=mmap, what=what)
    if not isinstance(meta, dict) or not isinstance(meta.get("params"), dict) \
            or not isinstance(meta.get("progress"), dict):
        raise W2VError(f"{what} {path!r}: no hyperparameters or progress in its metadata")
    params = Params.from_dict(meta["params"], f"{what} {path!r}")
    m = ModelArrays(path, what, arrays, meta, params, [], np.zeros(0, np.int64))
    words = vocab_from_arrays(m.need("vocab.bytes"), m.need("vocab.offsets"), what=f"{what} {path!r}")
    counts = np.array(m.need("vocab.counts"))
    if counts.dtype != np.int64 or counts.shape != (len(words),):
        raise m.bad("vocabulary counts do not match the words")
    if len(words) < 2 or words[0] != EOS:
        raise m.bad("the vocabulary must start with </s> and hold at least one word")
    if (counts < 0).any() or int(counts.sum()) >= MAX_TOTAL_COUNT:
        raise m.bad("vocabulary counts must be >= 0 and add up to less than 2^62")
    if len(set(words)) != len(words):
        raise m.bad("the vocabulary has a duplicate word")
    m.words, m.counts = words, counts
    V, D = len(words), params.size

    def matrix(name: str, present: bool):
        if not present:
            if name in arrays:
                raise m.bad(f"array {name!r} does not fit the hyperparameters")
            return None
        a = m.need(name)
        if a.dtype != np.float32 or a.shape != (V, D):
            raise m.bad(f"array {name!r} is {a.dtype} {a.shape}, expected float32 ({V}, {D})")
        return a

    m.syn0 = matrix("syn0", True)
    m.syn1 = matrix("syn1", bool(params.hs))
    m.syn1neg = matrix("syn1neg", bool(params.negative))
    if params.sentence_vectors:
        m.doc_ids = vocab_from_arrays(m.need("docs.bytes"), m.need("docs.offsets"), what=f"{what} {path!r}")
        m.docs = m.need("docs")
        if m.docs.dtype != np.float32 or m.docs.shape != (len(m.doc_ids), D):
            raise m.bad(f"array 'docs' is {m.docs.dtype} {m.docs.shape}, expected float32 ({len(m.doc_ids)}, {D})")
    elif "docs" in arrays:
        raise m.bad("array 'docs' does not fit the hyperparameters")
    return m
