# cython: language_level=3
"""Fast helpers for the vector file formats (see w2v/vectors.py)."""
import numpy as np
cimport numpy as cnp
from libc.stdio cimport snprintf
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

cnp.import_array()


def format_text_rows(list words not None, cnp.float32_t[:, ::1] m not None,
                     Py_ssize_t start, Py_ssize_t stop):
    """Rows start..stop in word2vec.c's text format: ``word`` then each value
    as ``%f`` followed by a space, then ``\\n``."""
    cdef Py_ssize_t D = m.shape[1], i, j, pos = 0, cap, wl
    cdef bytes w
    cdef char *buf
    cdef int k
    cap = 0
    for i in range(start, stop):
        cap += len(<bytes>words[i]) + 2 + D * 48
    buf = <char *>malloc(cap + 64)
    if buf == NULL:
        raise MemoryError()
    try:
        for i in range(start, stop):
            w = words[i]
            wl = len(w)
            memcpy(buf + pos, <char *>w, wl)
            pos += wl
            buf[pos] = 32
            pos += 1
            for j in range(D):
                k = snprintf(buf + pos, 48, "%f ", <double>m[i, j])
                pos += k
            buf[pos] = 10
            pos += 1
        return buf[:pos]
    finally:
        free(buf)
