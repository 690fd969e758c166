"""Memory for the model's matrices: zeroed float32 arrays in transparent huge
pages where the operating system offers them.

Training reads and writes rows of ``syn0``, ``syn1`` and ``syn1neg`` at
random: the negatives and the Huffman nodes are spread over the whole matrix.
With 4 KiB pages a 57 MB matrix (71k words at ``-size 200``) spans 14,000
pages, far more than a core's TLB holds, so most rows cost a page-table walk
(two nested walks under a hypervisor) on top of the cache miss.  In 2 MiB
pages the same matrix is 28 pages.  Linux gives an anonymous private mapping
huge pages when it is advised to (``madvise(MADV_HUGEPAGE)``; the default
``/sys/kernel/mm/transparent_hugepage/enabled`` setting ``madvise`` gives
them to no other memory); where it cannot (``never``, no free 2 MiB blocks,
another OS) the mapping is ordinary memory and nothing changes but the
speed.  docs/benchmarks.md has the measurement.

Small arrays (under :data:`HUGE_MIN_BYTES`) are plain numpy arrays."""
from __future__ import annotations

import mmap
from typing import Tuple, Union

import numpy as np

HUGE_PAGE = 2 << 20
# Arrays smaller than this stay in ordinary pages (a huge page would hold
# the whole of one, for a few TLB entries saved)
HUGE_MIN_BYTES = 2 * HUGE_PAGE

_ADVICE = getattr(mmap, "MADV_HUGEPAGE", None)
_FLAGS = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0)

Shape = Union[int, Tuple[int, ...]]


def huge_pages_possible() -> bool:
    """Whether :func:`zeros` asks for huge pages on this system (Linux's
    madvise; whether the kernel grants them is its own affair)."""
    return _ADVICE is not None and bool(getattr(mmap, "MAP_ANONYMOUS", 0))


def zeros(shape: Shape, dtype=np.float32) -> np.ndarray:
    """A zeroed, writable, C-contiguous array; from *HUGE_MIN_BYTES* up, in
    a private anonymous mapping advised to use huge pages and aligned to
    them (the array keeps the mapping alive; it is unmapped with it)."""
    dtype = np.dtype(dtype)
    shape = (int(shape),) if np.isscalar(shape) else tuple(int(n) for n in shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes < HUGE_MIN_BYTES or not huge_pages_possible():
        return np.zeros(shape, dtype=dtype)
    try:
        mm = mmap.mmap(-1, nbytes + HUGE_PAGE, flags=_FLAGS)
    except (OSError, ValueError):        # no address space for it: numpy's own error follows
        return np.zeros(shape, dtype=dtype)
    raw = np.frombuffer(mm, dtype=np.uint8)
    start = -raw.ctypes.data % HUGE_PAGE
    try:
        mm.madvise(_ADVICE)
    except OSError:                      # a kernel without transparent huge pages
        pass
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def copy(a: np.ndarray, dtype=np.float32) -> np.ndarray:
    """A private copy of *a* (as *dtype*, C order) in :func:`zeros`' memory."""
    out = zeros(np.shape(a), dtype)
    out[...] = a
    return out


def stacked(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """The rows of *top* then those of *bottom* (float32) in one new array."""
    out = zeros((len(top) + len(bottom),) + tuple(top.shape[1:]), np.float32)
    out[:len(top)] = top
    out[len(top):] = bottom
    return out
