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
import gzip
import lzma
import os
import stat
import sys
import tempfile
from typing import BinaryIO, Iterator

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
