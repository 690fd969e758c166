"""Opening inputs and writing outputs safely.

* :func:`open_input` opens a path for binary reading: ``-`` is standard input,
  ``.gz``/``.bz2``/``.xz`` are decompressed on the fly, every failure becomes a
  one-line :class:`~w2v.errors.W2VError`.
* :func:`atomic_output` writes to a temporary file in the destination folder and
  renames it into place only when the whole output was written, so a failure
  or Ctrl-C never leaves a truncated file behind.  ``-`` is standard output.
"""
from __future__ import annotations

import bz2
import contextlib
import glob
import gzip
import lzma
import os
import stat
import sys
import tempfile
from typing import BinaryIO, Iterator, List, Sequence, Tuple

from .errors import W2VError

CHUNK_SIZE = 1 << 20

_DECOMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def describe(path: str) -> str:
    return "standard input" if path == "-" else repr(path)


def check_input(path: str, what: str = "input file") -> None:
    """Fail with one line if *path* is empty, a directory or missing."""
    if not path:
        raise W2VError(f"{what}: empty path")
    if os.path.isdir(path):
        raise W2VError(f"{what} {path!r} is a directory")
    if not os.path.exists(path):
        raise W2VError(f"{what} {path!r} not found")


def open_input(path: str, what: str = "input file") -> BinaryIO:
    """Open *path* for binary reading (``-`` = stdin; .gz/.bz2/.xz by extension)."""
    if path == "-":
        return sys.stdin.buffer
    check_input(path, what)
    opener = _DECOMPRESSORS.get(os.path.splitext(path)[1].lower())
    try:
        if opener is not None:
            return opener(path, "rb")
        return open(path, "rb")
    except OSError as exc:
        raise W2VError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None


def iter_chunks(stream: BinaryIO, path: str, what: str = "input file",
                size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the stream's bytes in chunks, turning read/decompression errors into W2VError."""
    read = getattr(stream, "read1", None) or stream.read
    while True:
        try:
            chunk = read(size)
        except (OSError, EOFError, lzma.LZMAError, ValueError) as exc:
            raise W2VError(f"cannot read {what} {describe(path)}: {exc}") from None
        if not chunk:
            return
        yield chunk


def same_file(a: str, b: str) -> bool:
    """Whether two paths name the same file (``-`` is never a file)."""
    if a == "-" or b == "-":
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def file_size(path: str) -> int:
    """Size in bytes of a plain file, or -1 for stdin/compressed input."""
    if path == "-" or os.path.splitext(path)[1].lower() in _DECOMPRESSORS:
        return -1
    try:
        return os.path.getsize(path)
    except OSError:
        return -1


def check_writable(path: str, what: str = "output file") -> None:
    """Fail early (before hours of training) if *path* cannot be created."""
    if path == "-":
        return
    if not path:
        raise W2VError(f"{what}: empty path")
    if os.path.isdir(path):
        raise W2VError(f"{what} {path!r} is a directory")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise W2VError(f"cannot write {what} {path!r}: folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise W2VError(f"cannot write {what} {path!r}: permission denied")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise W2VError(f"cannot write {what} {path!r}: permission denied")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _is_special(path: str) -> bool:
    """An existing device, pipe or socket (e.g. /dev/null, a FIFO)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def atomic_output(path: str, what: str = "output file") -> Iterator[BinaryIO]:
    """Context manager yielding a binary file that appears at *path* only on success.

    ``-`` is standard output; an existing device or pipe (``/dev/null``, a
    FIFO) is written in place, since renaming a file over it would replace it."""
    if path == "-":
        out = sys.stdout.buffer
        yield out
        try:
            out.flush()
        except BrokenPipeError:
            pass
        return
    check_writable(path, what)
    if _is_special(path):
        try:
            special = open(path, "wb")
        except OSError as exc:
            raise W2VError(f"cannot write {what} {path!r}: {exc.strerror or exc}") from None
        with special:
            yield special
        return
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise W2VError(f"cannot write {what} {path!r}: {exc.strerror or exc}") from None
    ok = False
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb", buffering=CHUNK_SIZE) as out:
            yield out
        os.replace(tmp, path)
        ok = True
    except OSError as exc:
        raise W2VError(f"cannot write {what} {path!r}: {exc.strerror or exc}") from None
    finally:
        if not ok:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# --------------------------------------------------------------------------- several inputs, shares
_GLOB_CHARS = "*?["
# Round-robin blocks of decompressed text (see iter_blocks), cut at the first
# line end after this many bytes.
SHARE_BLOCK = 1 << 20


def is_compressed(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in _DECOMPRESSORS


def expand_inputs(patterns: Sequence[str], what: str = "training file") -> List[str]:
    """The input files named by *patterns*, in the order given; a pattern with
    ``*``, ``?`` or ``[`` that is not itself an existing file is a glob whose
    matches are taken in sorted order (no match is an error).  ``-`` (standard
    input) must be the only input."""
    out: List[str] = []
    for p in patterns:
        if not p:
            raise W2VError(f"{what}: empty path")
        if p != "-" and any(c in p for c in _GLOB_CHARS) and not os.path.exists(p):
            matches = sorted(glob.glob(p))
            if not matches:
                raise W2VError(f"{what} pattern {p!r} matches no file")
            out.extend(matches)
        else:
            out.append(p)
    if not out:
        raise W2VError(f"{what}: none given")
    if "-" in out and len(out) > 1:
        raise W2VError(f"standard input (-) cannot be combined with other {what}s")
    return out


def check_share(paths: Sequence[str], share: Tuple[int, int]) -> Tuple[int, int]:
    """(rank, size) of a share; standard input cannot be shared."""
    rank, size = share
    if size < 1 or not 0 <= rank < size:
        raise ValueError(f"bad share {share!r}")
    if size > 1 and "-" in paths:
        raise W2VError(f"standard input (-train -) cannot be shared by {size} processes: "
                       "give the training text as files")
    return rank, size


def _stream(paths: Sequence[str], what: str, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The files one after the other; a file whose text does not end with a
    newline gets one when more text follows (each file ends a line)."""
    pending_newline = False
    for path in paths:
        stream = open_input(path, what)
        last = b""
        try:
            for chunk in iter_chunks(stream, path, what, size):
                if pending_newline:
                    yield b"\n"
                    pending_newline = False
                yield chunk
                last = chunk[-1:]
            if last:
                pending_newline = last != b"\n"
        finally:
            if path != "-":
                stream.close()


def _line_start_at_or_after(f: BinaryIO, x: int, length: int) -> int:
    """First line start >= x in a seekable file of *length* bytes (length if none)."""
    if x <= 0:
        return 0
    if x >= length:
        return length
    f.seek(x - 1)
    pos = x - 1
    while pos < length:
        block = f.read(min(CHUNK_SIZE, length - pos))
        if not block:
            break
        i = block.find(b"\n")
        if i >= 0:
            return min(pos + i + 1, length)
        pos += len(block)
    return length


def _plain_layout(paths: Sequence[str], what: str) -> List[Tuple[str, int, int, bool]]:
    """(path, virtual offset, size, newline added after it) for each file."""
    sizes, ends_line = [], []
    for path in paths:
        with open_input(path, what) as f:
            try:
                n = os.fstat(f.fileno()).st_size
                last = b""
                if n:
                    f.seek(n - 1)
                    last = f.read(1)
            except OSError as exc:
                raise W2VError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None
        sizes.append(n)
        ends_line.append(n == 0 or last == b"\n")
    layout, offset = [], 0
    for i, path in enumerate(paths):
        later_text = any(sizes[j] for j in range(i + 1, len(paths)))
        added = not ends_line[i] and later_text
        layout.append((path, offset, sizes[i], added))
        offset += sizes[i] + added
    return layout


def _iter_byte_share(paths: Sequence[str], rank: int, size: int, what: str,
                     chunk: int) -> Iterator[bytes]:
    layout = _plain_layout(paths, what)
    total = sum(n + added for _, _, n, added in layout)
    lo, hi = total * rank // size, total * (rank + 1) // size
    for path, offset, n, added in layout:
        if offset + n + added <= lo or offset >= hi:
            continue
        with open_input(path, what) as f:
            try:
                start = _line_start_at_or_after(f, lo - offset, n)
                stop = _line_start_at_or_after(f, hi - offset, n)
                f.seek(start)
            except OSError as exc:
                raise W2VError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None
            left = stop - start
            while left > 0:
                try:
                    data = f.read(min(chunk, left))
                except OSError as exc:
                    raise W2VError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None
                if not data:
                    raise W2VError(f"cannot read {what} {path!r}: the file shrank while being read")
                left -= len(data)
                yield data
        if added and stop == n and start < stop:
            yield b"\n"


def iter_blocks(paths: Sequence[str], share: Tuple[int, int] = (0, 1), what: str = "training file",
                chunk: int = CHUNK_SIZE, block: int = SHARE_BLOCK) -> Iterator[Tuple[int, bytes]]:
    """The bytes of process *rank*'s share of the files, as ``(block, chunk)``
    pairs; the blocks of a share come in text order and each ends a line.

    The text is the files one after the other, each ending a line.  One
    process (``share=(0, 1)``) gets all of it as block 0.  Of K processes:

    * plain files only: the text's bytes are cut into K equal ranges and a
      line belongs to the process whose range holds its first byte; process
      r reads only its range (block r);
    * any compressed file: every process reads (decompresses) the whole text,
      which is cut into blocks at the first line end after each ``block``
      bytes; block i belongs to process i mod K.
    """
    rank, size = check_share(paths, share)
    if size == 1:
        for data in _stream(paths, what, chunk):
            yield 0, data
        return
    if not any(is_compressed(p) for p in paths):
        for data in _iter_byte_share(paths, rank, size, what, chunk):
            yield rank, data
        return
    index, filled = 0, 0
    for data in _stream(paths, what, chunk):
        while data:
            cut, ended = len(data), False
            if filled + len(data) >= block:
                nl = data.find(b"\n", max(0, block - filled - 1))
                if nl >= 0:
                    cut, ended = nl + 1, True
            if index % size == rank:
                yield index, data[:cut]
            if ended:
                index, filled = index + 1, 0
            else:
                filled += cut
            data = data[cut:]


def iter_text(paths: Sequence[str], share: Tuple[int, int] = (0, 1), what: str = "training file",
              chunk: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The bytes of a share of the files (see :func:`iter_blocks`)."""
    for _, data in iter_blocks(paths, share, what, chunk):
        yield data
