"""w2v.memory: the matrices' memory (huge pages where Linux offers them)."""
from __future__ import annotations

import gc
import os

import numpy as np
import pytest

from w2v import memory
from w2v.config import Params
from w2v.model import Model
from w2v.vocab import Vocab

BIG = (memory.HUGE_MIN_BYTES // 4 // 100 + 1, 100)     # just over the threshold, in float32 rows of 100


def mapping_of(a: np.ndarray) -> dict:
    """The /proc/self/smaps entry of the mapping holding a's first byte:
    its fields, and 'VmFlags' as a set."""
    addr = a.ctypes.data
    entry, fields = None, {}
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                if entry is not None:
                    break
                lo, hi = (int(x, 16) for x in head.split("-"))
                if lo <= addr < hi:
                    entry = (lo, hi)
            elif entry is not None:
                key, _, value = line.partition(":")
                fields[key] = set(value.split()) if key == "VmFlags" else value.strip()
    assert entry is not None, "no mapping holds the array"
    fields["range"] = entry
    return fields


def test_small_arrays_are_plain_numpy():
    a = memory.zeros((10, 7))
    assert a.dtype == np.float32 and a.shape == (10, 7) and a.flags.owndata
    assert not a.any()
    assert memory.zeros(5, np.int64).tolist() == [0] * 5


def test_big_array_is_zeroed_writable_contiguous():
    a = memory.zeros(BIG)
    assert a.shape == BIG and a.dtype == np.float32
    assert a.flags.c_contiguous and a.flags.writeable
    assert not a.any()
    a[-1, -1] = 3.0
    a[0] += 1.0
    assert float(a.sum()) == 3.0 + BIG[1]


@pytest.mark.skipif(not memory.huge_pages_possible() or not os.path.exists("/proc/self/smaps"),
                    reason="Linux's madvise(MADV_HUGEPAGE) only")
def test_big_array_is_advised_and_aligned():
    """The array starts on a huge-page boundary, inside a private mapping that
    carries the kernel's 'hg' flag (MADV_HUGEPAGE); the mapping goes with
    the array."""
    a = memory.zeros(BIG)
    assert a.ctypes.data % memory.HUGE_PAGE == 0
    m = mapping_of(a)
    assert "hg" in m["VmFlags"] and "wr" in m["VmFlags"] and "sh" not in m["VmFlags"]
    lo, hi = m["range"]
    assert lo <= a.ctypes.data and a.ctypes.data + a.nbytes <= hi
    small = np.zeros((10, 10), np.float32)
    if small.ctypes.data < lo or small.ctypes.data >= hi:
        assert "hg" not in mapping_of(small)["VmFlags"]
    start = a.ctypes.data
    del a, m
    gc.collect()
    with open("/proc/self/maps") as f:
        ranges = [tuple(int(x, 16) for x in line.split()[0].split("-")) for line in f]
    assert not any(l0 == lo and h0 == hi for l0, h0 in ranges), f"mapping at {start:#x} not unmapped"


def test_copy_and_stacked():
    src = np.arange(BIG[0] * BIG[1], dtype=np.float64).reshape(BIG)
    c = memory.copy(src)
    assert c.dtype == np.float32 and np.array_equal(c, src.astype(np.float32))
    assert not np.shares_memory(c, src)
    top, bottom = c[:5], np.ones((3, BIG[1]), np.float32)
    s = memory.stacked(top, bottom)
    assert s.shape == (8, BIG[1]) and np.array_equal(s, np.vstack([top, bottom]))
    assert memory.stacked(top, bottom[:0]).shape == (5, BIG[1])


def test_model_matrices_use_it():
    """A new model's matrices (C's initial syn0, zero syn1neg) come from
    memory.zeros; a copy made writable too."""
    V = BIG[0]
    vocab = Vocab([b"</s>"] + [b"w%d" % i for i in range(V - 1)], list(range(V, 0, -1)))
    params = Params(size=BIG[1])
    m = Model.new(params, vocab)
    from w2v import _tables
    assert np.array_equal(m.syn0, _tables.init_syn0(V, BIG[1], params.seed))
    assert m.syn1 is None and not m.syn1neg.any()
    if memory.huge_pages_possible():
        for a in (m.syn0, m.syn1neg):
            assert not a.flags.owndata and a.ctypes.data % memory.HUGE_PAGE == 0
