# cython: language_level=3
"""Fast helpers for the vector file formats (see w2v/vectors.py)."""
import numpy as np
cimport numpy as cnp
from libc.stdio cimport snprintf
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memchr

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


# --------------------------------------------------------------------------- reading
from libc.stdint cimport uint32_t
from libc.stdlib cimport realloc, strtof
from libc.math cimport sqrtf

# Result codes of the parsers (w2v/vectors.py turns them into messages).
cdef enum:
    OK = 0
    ENDED = 1          # input ended cleanly before the header's word count
    TRUNCATED = 2      # input ended inside a record
    LONG_WORD = 3      # no space within max_word bytes: not a word
    NOT_FINITE = 4     # NaN or infinity in a vector
    BAD_UTF8 = 5       # a word is not valid UTF-8 (strict mode)
    BAD_NUMBER = 6     # text: a value is not a number
    COUNT = 7          # text: wrong number of values on a line

# Word decoding modes (w2v/vectors.py: _MODES).
cdef enum:
    DECODE_REPLACE = 0
    DECODE_STRICT = 1
    DECODE_BYTES = 2


cdef inline bint _finite_row(const float *row, Py_ssize_t D) noexcept nogil:
    cdef const uint32_t *u = <const uint32_t *>row
    cdef uint32_t bad = 0
    cdef Py_ssize_t j
    for j in range(D):
        bad |= <uint32_t>((u[j] & 0x7f800000u) == 0x7f800000u)
    return bad == 0


cdef inline void _normalize_row(float *row, Py_ssize_t D) noexcept nogil:
    # word2vec.c's distance: float sum of squares, then divide; a zero row
    # stays zero (C would make it NaN).
    cdef float s = 0
    cdef Py_ssize_t j
    for j in range(D):
        s = s + row[j] * row[j]
    if s > 0:
        s = sqrtf(s)
        for j in range(D):
            row[j] = row[j] / s


cdef int _finish_row(float *row, Py_ssize_t D, bint normalize, const unsigned char *w,
                     Py_ssize_t wlen, int mode, list words, list invalid, Py_ssize_t r) except -1:
    """Check (and normalise) a parsed row and append its word; a result code."""
    if not _finite_row(row, D):
        return NOT_FINITE
    if normalize:
        _normalize_row(row, D)
    if mode == DECODE_BYTES:
        words.append((<const char *>w)[:wlen])
        return OK
    try:
        words.append((<const char *>w)[:wlen].decode("utf-8"))
    except UnicodeDecodeError:
        invalid.append(r)
        if mode == DECODE_STRICT:
            return BAD_UTF8
        words.append((<const char *>w)[:wlen].decode("utf-8", "replace"))
    return OK


def parse_binary(const unsigned char[::1] buf, Py_ssize_t pos, Py_ssize_t count,
                 cnp.float32_t[:, ::1] out not None, int mode=DECODE_REPLACE,
                 bint normalize=False, Py_ssize_t max_word=100000):
    """Parse *count* binary records from ``buf[pos:]`` into the rows of *out*.

    A record is: any number of ``\\n`` bytes (C's trailing newline, absent in
    gensim's files), the word up to a space, then D raw float32 values.
    Returns ``(words, rows_done, pos, code, invalid_utf8_rows)``; *code* is
    one of the result codes above and concerns record ``rows_done + 1``."""
    cdef Py_ssize_t end = buf.shape[0], D = out.shape[1], nbytes = D * 4
    cdef Py_ssize_t r, start, stop
    cdef const unsigned char *base = &buf[0] if end > 0 else NULL
    cdef const unsigned char *hit
    cdef list words = [], invalid = []
    cdef int code = OK
    cdef float *row
    if count > out.shape[0]:
        raise ValueError("output matrix too small")
    r = 0
    while r < count:
        while pos < end and base[pos] == 10:
            pos += 1
        if pos >= end:
            code = ENDED
            break
        start = pos
        stop = end if end - start <= max_word else start + max_word + 1
        hit = <const unsigned char *>memchr(base + start, 32, stop - start)
        if hit == NULL:
            code = TRUNCATED if stop == end else LONG_WORD
            break
        pos = hit - base
        if end - (pos + 1) < nbytes:
            code = TRUNCATED
            break
        row = &out[r, 0]
        memcpy(row, base + pos + 1, nbytes)
        code = _finish_row(row, D, normalize, base + start, pos - start, mode, words, invalid, r)
        if code != OK:
            break
        pos += 1 + nbytes
        r += 1
    return words, r, pos, code, invalid


cdef float[11] _POW10F
for _k in range(11):
    _POW10F[_k] = <float>(10.0 ** _k)


cdef inline char *_digit_run(char *p, uint32_t *m, int *digits) noexcept nogil:
    """Read decimal digits into m (the first 9 only) and count them all."""
    while 48 <= p[0] <= 57:
        if digits[0] < 9:
            m[0] = m[0] * 10 + <uint32_t>(p[0] - 48)
        digits[0] += 1
        p += 1
    return p


cdef inline float _parse_float(char *q, char **end) noexcept nogil:
    """strtof() with an exact fast path for plain decimals such as C's
    ``%f`` output: when the digits form an integer m < 2^24 with at most 10
    after the point, m / 10^k is one correctly rounded float division, the
    same value strtof returns.  Anything else goes to strtof."""
    cdef char *p = q
    cdef bint neg = False
    cdef uint32_t m = 0
    cdef int digits = 0, frac = 0
    if p[0] == 45:                       # '-'
        neg = True
        p += 1
    p = _digit_run(p, &m, &digits)
    if p[0] == 46:                       # '.'
        frac = digits
        p = _digit_run(p + 1, &m, &digits)
        frac = digits - frac
    if digits == 0 or digits > 9 or frac > 10 or m >= 16777216u or p[0] == 101 or p[0] == 69:
        return strtof(q, end)            # no digits, too many, or an exponent
    end[0] = p
    cdef float v = <float>m / _POW10F[frac]
    return -v if neg else v


cdef inline bint _is_blank(unsigned char c) noexcept nogil:
    return c == 32 or c == 9 or c == 13 or c == 11 or c == 12


def parse_text(const unsigned char[::1] buf, Py_ssize_t pos, Py_ssize_t count,
               cnp.float32_t[:, ::1] out not None, int mode=DECODE_REPLACE,
               bint normalize=False):
    """Parse *count* text lines ``word v1 ... vD`` (trailing blanks allowed,
    blank lines skipped) from ``buf[pos:]``.  Returns
    ``(words, rows_done, pos, code, invalid_utf8_rows, lines_before, found)``:
    *lines_before* counts the newlines before the failing line (so its line
    number is the header's 1 + lines_before + 1); *found* is the number of
    values on it for COUNT errors."""
    cdef Py_ssize_t end = buf.shape[0], D = out.shape[1]
    cdef Py_ssize_t r = 0, ls, le, p, ws, j, lines = 0, found = 0, cap = 0
    cdef const unsigned char *base = &buf[0] if end > 0 else NULL
    cdef const unsigned char *nl
    cdef char *line = NULL
    cdef char *q
    cdef char *qend
    cdef float *row
    cdef list words = [], invalid = []
    cdef int code = OK
    if count > out.shape[0]:
        raise ValueError("output matrix too small")
    try:
        while r < count:
            if pos >= end:
                code = ENDED
                break
            nl = <const unsigned char *>memchr(base + pos, 10, end - pos)
            ls = pos
            le = end if nl == NULL else nl - base
            pos = le + 1 if nl != NULL else end
            p = ls
            while p < le and _is_blank(base[p]):
                p += 1
            if p == le:
                lines += 1
                continue
            ws = p
            while p < le and not _is_blank(base[p]):
                p += 1
            # copy the values part, NUL-terminated, for strtof
            if le - p + 1 > cap:
                cap = le - p + 64
                q = <char *>realloc(line, cap)
                if q == NULL:
                    raise MemoryError()
                line = q
            memcpy(line, base + p, le - p)
            line[le - p] = 0
            q = line
            row = &out[r, 0]
            j = 0
            while True:
                while _is_blank(<unsigned char>q[0]):
                    q += 1
                if q[0] == 0:
                    break
                if j == D:
                    j += 1
                    break
                row[j] = _parse_float(q, &qend)
                if qend == q or not (qend[0] == 0 or _is_blank(<unsigned char>qend[0])):
                    code = BAD_NUMBER
                    break
                q = qend
                j += 1
            if code != OK:
                break
            if j != D:
                # count every value on the line for the message
                found = j
                if j > D:
                    found = D
                    while q[0] != 0:
                        found += 1
                        while q[0] != 0 and not _is_blank(<unsigned char>q[0]):
                            q += 1
                        while _is_blank(<unsigned char>q[0]):
                            q += 1
                code = COUNT
                break
            code = _finish_row(row, D, normalize, base + ws, p - ws, mode, words, invalid, r)
            if code != OK:
                break
            lines += 1
            r += 1
    finally:
        free(line)
    return words, r, pos, code, invalid, lines, found


# --------------------------------------------------------------------------- top-n
def top_rows(cnp.float32_t[:, ::1] scores not None, cnp.int64_t[:, ::1] exclude not None,
             int n, float floor):
    """For each row of *scores*: the *n* best columns with a score strictly
    above *floor*, leaving out the columns listed in that row of *exclude*
    (-1 = unused slot).  Returns (indices int64 Q x n, scores float32 Q x n,
    counts); see :func:`top_rows_update`."""
    if n < 1:
        raise ValueError("n must be >= 1")
    Q = scores.shape[0]
    idx = np.full((Q, n), -1, dtype=np.int64)
    val = np.zeros((Q, n), dtype=np.float32)
    cnt = np.zeros(Q, dtype=np.int64)
    top_rows_update(scores, exclude, floor, idx, val, cnt, 0)
    return idx, val, cnt


def top_rows_update(cnp.float32_t[:, ::1] scores not None, cnp.int64_t[:, ::1] exclude not None,
                    float floor, cnp.int64_t[:, ::1] idx not None, cnp.float32_t[:, ::1] val not None,
                    cnp.int64_t[::1] cnt not None, Py_ssize_t offset):
    """Merge a block of scores (columns offset.. of the full rows) into the
    running best lists (idx, val, cnt: best first, cnt entries used).

    One pass per row with the C tools' insertion rule: a score enters only
    if it beats (strict ``>``) the current n-th best, so ties keep the
    earlier column and NaN never enters; only scores above *floor* count."""
    cdef Py_ssize_t Q = scores.shape[0], V = scores.shape[1], E = exclude.shape[1]
    cdef Py_ssize_t n = idx.shape[1]
    cdef Py_ssize_t r, j, a, b, e, m, col
    cdef float s, thr
    cdef bint skip
    if exclude.shape[0] != Q or idx.shape[0] != Q or val.shape[0] != Q or cnt.shape[0] != Q \
            or val.shape[1] != n or n < 1:
        raise ValueError("exclude and the state arrays must have one row per query")
    with nogil:
        for r in range(Q):
            m = cnt[r]
            thr = val[r, n - 1] if m == n else floor
            for j in range(V):
                s = scores[r, j]
                if not (s > thr):
                    continue
                col = offset + j
                skip = False
                for e in range(E):
                    if exclude[r, e] == col:
                        skip = True
                        break
                if skip:
                    continue
                a = 0
                while a < m and not (s > val[r, a]):
                    a += 1
                b = m if m < n else n - 1
                while b > a:
                    val[r, b] = val[r, b - 1]
                    idx[r, b] = idx[r, b - 1]
                    b -= 1
                val[r, a] = s
                idx[r, a] = col
                if m < n:
                    m += 1
                if m == n:
                    thr = val[r, n - 1]
            cnt[r] = m
