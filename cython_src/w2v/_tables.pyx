# cython: language_level=3
"""Deterministic tables built once before training: the Huffman tree, the
negative-sampling distribution, the sigmoid table, subsampling keep
probabilities and word2vec.c's syn0 initialisation."""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, sqrt, pow
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t, uint8_t, INT64_MAX

from w2v._common cimport EXP_TABLE_SIZE, MAX_EXP, lcg_next

cnp.import_array()

from w2v.config import MAX_TOTAL_COUNT as _MAX_TOTAL_COUNT

cdef int64_t MAX_TOTAL_COUNT = _MAX_TOTAL_COUNT     # one definition: w2v.config


def exp_table():
    """word2vec.c's sigmoid table: entry i = sigmoid((i / 1000 * 2 - 1) * 6)."""
    cdef cnp.ndarray[cnp.float32_t, ndim=1] t = np.empty(EXP_TABLE_SIZE, dtype=np.float32)
    cdef int i
    cdef float e
    for i in range(EXP_TABLE_SIZE):
        # float arithmetic like C's `real`
        e = <float>exp(<float>((<float>i / <float>EXP_TABLE_SIZE * 2 - 1) * MAX_EXP))
        t[i] = e / (e + 1)
    return t


cdef inline Py_ssize_t _take_smallest(const int64_t *count, Py_ssize_t *pos1,
                                      Py_ssize_t *pos2) noexcept nogil:
    """C's two-queue step: the next leaf (scanning down from the rarest) if it
    is strictly smaller than the next inner node, else that inner node."""
    cdef Py_ssize_t i
    if pos1[0] >= 0 and count[pos1[0]] < count[pos2[0]]:
        i = pos1[0]
        pos1[0] -= 1
    else:
        i = pos2[0]
        pos2[0] += 1
    return i


def huffman(cnp.int64_t[::1] counts not None):
    """word2vec.c's CreateBinaryTree over vocabulary counts (in vocab order).

    Returns ``(codes, points, codelens)``: ``codes[w, :codelens[w]]`` is the
    bit string from the root to word w and ``points[w, :codelens[w]]`` the
    inner nodes on that path (root = V - 2).  Unlike C there is no 40-bit
    limit: the arrays are as wide as the deepest path."""
    cdef Py_ssize_t V = counts.shape[0]
    if V < 2:
        raise ValueError("a Huffman tree needs at least two words")
    cdef cnp.ndarray[cnp.int64_t, ndim=1] count = np.empty(2 * V, dtype=np.int64)
    cdef cnp.ndarray[cnp.uint8_t, ndim=1] binary = np.zeros(2 * V, dtype=np.uint8)
    cdef cnp.ndarray[cnp.int64_t, ndim=1] parent = np.zeros(2 * V, dtype=np.int64)
    cdef Py_ssize_t a, pos1, pos2, min1i, min2i, b, i, depth, maxdepth = 0
    cdef int64_t total = 0
    for a in range(V):
        if counts[a] < 0 or counts[a] >= MAX_TOTAL_COUNT - total:
            raise ValueError("word counts must be >= 0 and add up to less than 2^62")
        count[a] = counts[a]
        total += counts[a]
    # Not-yet-built inner nodes: C uses 1e15, which breaks (endless loop) once
    # a count reaches it; any value above every possible sum picks the same nodes.
    for a in range(V, 2 * V):
        count[a] = INT64_MAX
    pos1 = V - 1
    pos2 = V
    for a in range(V - 1):
        min1i = _take_smallest(<int64_t *>count.data, &pos1, &pos2)
        min2i = _take_smallest(<int64_t *>count.data, &pos1, &pos2)
        count[V + a] = count[min1i] + count[min2i]
        parent[min1i] = V + a
        parent[min2i] = V + a
        binary[min2i] = 1
    cdef cnp.ndarray[cnp.int32_t, ndim=1] codelens = np.empty(V, dtype=np.int32)
    for a in range(V):
        depth = 0
        b = a
        while b != 2 * V - 2:
            depth += 1
            b = parent[b]
        codelens[a] = depth
        if depth > maxdepth:
            maxdepth = depth
    cdef cnp.ndarray[cnp.uint8_t, ndim=2] codes = np.zeros((V, maxdepth), dtype=np.uint8)
    cdef cnp.ndarray[cnp.int32_t, ndim=2] points = np.zeros((V, maxdepth), dtype=np.int32)
    for a in range(V):
        depth = codelens[a]
        b = a
        i = depth - 1
        while b != 2 * V - 2:
            codes[a, i] = binary[b]
            b = parent[b]
            points[a, i] = <int32_t>(b - V)
            i -= 1
    return codes, points, codelens


def alias_table(cnp.int64_t[::1] counts not None, double power=0.75):
    """Walker/Vose alias table for P(w) proportional to counts[w]**power.

    Returns ``(prob, alias)``: draw a bucket i uniformly, keep i when a 32-bit
    uniform value is below prob[i], else take alias[i].  Each word's
    probability is exact to 2^-32 / V (C's 1e8-slot table quantises to 1e-8)."""
    cdef Py_ssize_t V = counts.shape[0], i, s, l
    cdef cnp.ndarray[cnp.float64_t, ndim=1] w = np.power(np.asarray(counts, dtype=np.float64), power)
    cdef double total = w.sum()
    if V == 0 or total <= 0:
        raise ValueError("no words to sample from")
    cdef cnp.ndarray[cnp.float64_t, ndim=1] q = w * (V / total)
    cdef cnp.ndarray[cnp.uint32_t, ndim=1] prob = np.empty(V, dtype=np.uint32)
    cdef cnp.ndarray[cnp.int32_t, ndim=1] alias = np.arange(V, dtype=np.int32)
    cdef cnp.ndarray[cnp.int64_t, ndim=1] small = np.empty(V, dtype=np.int64)
    cdef cnp.ndarray[cnp.int64_t, ndim=1] large = np.empty(V, dtype=np.int64)
    cdef Py_ssize_t ns = 0, nl = 0
    for i in range(V):
        if q[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        l = large[nl - 1]
        prob[s] = <uint32_t>min(q[s] * 4294967296.0, 4294967295.0)
        alias[s] = <int32_t>l
        q[l] = (q[l] + q[s]) - 1.0
        if q[l] < 1.0:
            nl -= 1
            small[ns] = l
            ns += 1
    for i in range(nl):
        prob[large[i]] = 4294967295
        alias[large[i]] = <int32_t>large[i]
    for i in range(ns):  # rounding leftovers: probability ~1
        prob[small[i]] = 4294967295
        alias[small[i]] = <int32_t>small[i]
    return prob, alias


def alias_probabilities(cnp.uint32_t[::1] prob not None, cnp.int32_t[::1] alias not None):
    """The exact distribution an alias table samples from (for tests)."""
    cdef Py_ssize_t V = prob.shape[0], i
    cdef cnp.ndarray[cnp.float64_t, ndim=1] p = np.zeros(V, dtype=np.float64)
    cdef double keep
    for i in range(V):
        keep = (<double>prob[i] + (1.0 if prob[i] == 4294967295 else 0.0)) / 4294967296.0
        p[i] += keep / V
        p[alias[i]] += (1.0 - keep) / V
    return p


def keep_probabilities(cnp.int64_t[::1] counts not None, double sample, int64_t train_words):
    """word2vec.c's subsampling: a word of count c is kept with probability
    (sqrt(c / t) + 1) * t / c, t = sample * train_words (values above 1 mean
    always kept).  Returned as float32; index 0 (</s>) is never subsampled."""
    cdef Py_ssize_t V = counts.shape[0], i
    cdef cnp.ndarray[cnp.float32_t, ndim=1] keep = np.ones(V, dtype=np.float32)
    cdef double t = sample * <double>train_words, c, p
    for i in range(1, V):
        c = <double>counts[i]
        if c <= 0:
            continue
        p = (sqrt(c / t) + 1.0) * t / c
        keep[i] = <float>p if p < 2.0 else <float>2.0
    return keep


def init_syn0(Py_ssize_t V, int size, uint64_t seed=1, out=None):
    """word2vec.c's initialisation: row-major LCG (seeded with 1 by C) values
    ((next & 0xFFFF) / 65536 - 0.5) / size; into *out* (a C-contiguous
    float32 V x size array) when given, else a new array."""
    if out is None:
        out = np.empty((V, size), dtype=np.float32)
    elif out.shape != (V, size) or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous float32 array of shape (V, size)")
    cdef cnp.float32_t[:, ::1] syn0 = out
    cdef float *p = &syn0[0, 0] if V > 0 and size > 0 else NULL
    cdef Py_ssize_t i, n = V * size
    cdef uint64_t state = seed
    with nogil:
        for i in range(n):
            lcg_next(&state)
            p[i] = ((<float>(state & 0xFFFF) / <float>65536) - <float>0.5) / <float>size
    return out
