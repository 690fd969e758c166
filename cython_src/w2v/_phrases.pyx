# cython: language_level=3
"""word2phrase on word ids: pair counting, C's string-keyed scoring, joining.

The text is tokenised once (``w2v._text.Tokenizer``, 58-byte words, the
newline is id 0) and kept as ids.  word2phrase keeps unigrams and bigrams in
one table keyed by strings, the bigram (a, b) under ``a + "_" + b`` cut to 59
bytes, so a literal token ``a_b`` and the pair (a, b) share one count, and so
do different pairs whose keys are equal.  Counting every pair as a string is
what makes word2phrase slow; here pairs are counted by id (``PairTable``) and
the string semantics is rebuilt afterwards, once per distinct pair, and only
where a collision is possible:

* a *plain* pair (no ``_`` in either word, key of at most 58 bytes) has a key
  with exactly one ``_`` that no other pair can produce; it can only equal a
  unigram that contains one ``_``;
* every other pair's key has two ``_`` or more, or is 59 bytes long; those
  keys are summed in a string table (``WordTable``).

Only pairs that can matter are counted: pairs of words that are frequent
enough (or halves of a word ``l_r``), and every non-plain pair.
"""
cimport cython
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t, UINT32_MAX
from libc.stdlib cimport malloc, calloc, realloc, free
from libc.string cimport memcpy

from w2v._common cimport PHRASE_MAX_STRING
from w2v._text cimport WordTable

cnp.import_array()

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define W2V_PREFETCH_W(p) __builtin_prefetch((p), 1, 1)
    #else
    #define W2V_PREFETCH_W(p) ((void)(p))
    #endif
    """
    void W2V_PREFETCH_W(const void *p) noexcept nogil

cdef enum:
    NEWLINE_ID = 0
    KEY_BYTES = PHRASE_MAX_STRING - 1     # word2phrase cuts bigram keys to 59 bytes
    # word flags
    F_SPECIAL = 1      # contains "_"
    F_HALF_L = 2       # left part of a word "l_r" (exactly one "_")
    F_HALF_R = 4       # right part of such a word
    F_KEEP = 8         # pairs with this word may be joined: count them
    F_START = 16       # first word of an accepted pair
    BLOCK = 4096       # pairs hashed ahead of insertion (prefetching)
    AHEAD = 12         # prefetch distance, in pairs
    UNDERSCORE = 95


cdef inline uint64_t _mix(uint32_t a, uint32_t b) noexcept nogil:
    cdef uint64_t k = (<uint64_t>a << 32) | <uint64_t>b
    k ^= k >> 33
    k *= <uint64_t>0xFF51AFD7ED558CCDULL
    k ^= k >> 33
    k *= <uint64_t>0xC4CEB9FE1A85EC53ULL
    k ^= k >> 33
    return k


@cython.final
cdef class PairTable:
    """(a, b) word-id pairs -> 32-bit value, open addressing, linear probing.

    A slot is three uint32: a + 1 (0 = empty), b, value."""
    cdef uint32_t *cells
    cdef uint64_t mask
    cdef public int64_t n
    cdef public bint overflow

    def __cinit__(self, int64_t expected=1024):
        cdef uint64_t nslots = 1024
        while <double>nslots * 0.7 < <double>expected:
            nslots <<= 1
        self.cells = <uint32_t *>calloc(nslots * 3, sizeof(uint32_t))
        if self.cells == NULL:
            raise MemoryError()
        self.mask = nslots - 1
        self.n = 0
        self.overflow = False

    def __dealloc__(self):
        free(self.cells)

    cdef int _grow(self) except -1 nogil:
        cdef uint64_t old_slots = self.mask + 1, nslots = old_slots * 2, i, s
        cdef uint32_t *old = self.cells
        cdef uint32_t *cells = <uint32_t *>calloc(nslots * 3, sizeof(uint32_t))
        if cells == NULL:
            with gil:
                raise MemoryError("out of memory counting word pairs")
        for i in range(old_slots):
            if old[3 * i] != 0:
                s = _mix(old[3 * i] - 1, old[3 * i + 1]) & (nslots - 1)
                while cells[3 * s] != 0:
                    s = (s + 1) & (nslots - 1)
                cells[3 * s] = old[3 * i]
                cells[3 * s + 1] = old[3 * i + 1]
                cells[3 * s + 2] = old[3 * i + 2]
        self.cells = cells
        self.mask = nslots - 1
        free(old)
        return 0

    cdef inline int64_t find(self, uint32_t a, uint32_t b) noexcept nogil:
        """Slot of (a, b), or -1."""
        cdef uint64_t s = _mix(a, b) & self.mask
        cdef uint32_t *c
        while True:
            c = self.cells + 3 * s
            if c[0] == 0:
                return -1
            if c[0] == a + 1 and c[1] == b:
                return <int64_t>s
            s = (s + 1) & self.mask

    cdef int64_t slot(self, uint32_t a, uint32_t b) except -1 nogil:
        """Slot of (a, b), inserted with value 0 if absent."""
        return self.slot_h(a, b, _mix(a, b))

    cdef int64_t slot_h(self, uint32_t a, uint32_t b, uint64_t h) except -1 nogil:
        """slot() with the hash _mix(a, b) already computed."""
        cdef uint64_t s = h & self.mask
        cdef uint32_t *c
        while True:
            c = self.cells + 3 * s
            if c[0] == 0:
                break
            if c[0] == a + 1 and c[1] == b:
                return <int64_t>s
            s = (s + 1) & self.mask
        if <double>(self.n + 1) > <double>(self.mask + 1) * 0.7:
            self._grow()
            return self.slot_h(a, b, h)
        c[0] = a + 1
        c[1] = b
        c[2] = 0
        self.n += 1
        return <int64_t>s

    cdef inline int add_h(self, uint32_t a, uint32_t b, uint64_t h) except -1 nogil:
        cdef int64_t s = self.slot_h(a, b, h)
        if self.cells[3 * s + 2] == UINT32_MAX:
            self.overflow = True
        else:
            self.cells[3 * s + 2] += 1
        return 0

    cdef int add_block(self, const uint32_t *a, const uint32_t *b, uint64_t *h, Py_ssize_t m) except -1 nogil:
        """Count m pairs; hashes first, then inserts with the slots prefetched."""
        cdef Py_ssize_t k
        for k in range(m):
            h[k] = _mix(a[k], b[k])
        for k in range(m):
            if k + AHEAD < m:
                W2V_PREFETCH_W(self.cells + 3 * (h[k + AHEAD] & self.mask))
            self.add_h(a[k], b[k], h[k])
        return 0

    cdef inline bint entry(self, uint64_t s, int32_t *a, int32_t *b, uint32_t *value) noexcept nogil:
        """Slot s: False if empty, else True with its pair and value."""
        cdef uint32_t *c = self.cells + 3 * s
        if c[0] == 0:
            return False
        a[0] = <int32_t>(c[0] - 1)
        b[0] = <int32_t>c[1]
        value[0] = c[2]
        return True

    cdef inline uint32_t value_at(self, int64_t s) noexcept nogil:
        return self.cells[3 * s + 2]

    # ---- Python API (tests, small data) -------------------------------------
    def __len__(self):
        return self.n

    def count_pairs(self, const uint32_t[::1] a not None, const uint32_t[::1] b not None):
        """Count the pairs (a[i], b[i]) (for tests)."""
        cdef Py_ssize_t i, m
        cdef uint64_t h[BLOCK]
        for i in range(0, a.shape[0], BLOCK):
            m = min(BLOCK, a.shape[0] - i)
            self.add_block(&a[i], &b[i], h, m)

    def get(self, uint32_t a, uint32_t b):
        """Value of (a, b), or -1."""
        cdef int64_t s = self.find(a, b)
        return -1 if s < 0 else self.cells[3 * s + 2]

    def items(self):
        """{(a, b): value} (for tests)."""
        cdef uint64_t i
        out = {}
        for i in range(self.mask + 1):
            if self.cells[3 * i] != 0:
                out[(self.cells[3 * i] - 1, self.cells[3 * i + 1])] = self.cells[3 * i + 2]
        return out


cdef inline int32_t _key(char *dst, const char *a, int32_t la, const char *b, int32_t lb) noexcept nogil:
    """word2phrase's bigram key: a + "_" + b cut to its first 59 bytes
    (*dst* holds 59 bytes); returns the key's length."""
    cdef int32_t n
    if la >= KEY_BYTES:
        memcpy(dst, a, KEY_BYTES)
        return KEY_BYTES
    memcpy(dst, a, la)
    dst[la] = UNDERSCORE
    n = la + 1
    if lb > KEY_BYTES - n:
        lb = KEY_BYTES - n
    memcpy(dst + n, b, lb)
    return n + lb


cdef struct Row:
    int32_t a, b
    float score
    int64_t count


cdef struct Accepted:
    Row *rows
    int64_t n, cap


cdef int _acc_push(Accepted *acc, int32_t a, int32_t b, int64_t count, float score) noexcept nogil:
    """Append one accepted pair; -1 when out of memory."""
    cdef void *p
    if acc.n == acc.cap:
        p = realloc(acc.rows, max(1024, 2 * acc.cap) * sizeof(Row))
        if p == NULL:
            return -1
        acc.rows = <Row *>p
        acc.cap = max(1024, 2 * acc.cap)
    acc.rows[acc.n].a = a
    acc.rows[acc.n].b = b
    acc.rows[acc.n].count = count
    acc.rows[acc.n].score = score
    acc.n += 1
    return 0


cdef object _to_numpy(void *src, int64_t n, object dtype):
    out = np.empty(n, dtype=dtype)
    if n:
        memcpy(<void *>cnp.PyArray_DATA(out), src, n * out.itemsize)
    return out


@cython.final
cdef class PhraseModel:
    """Counts and decisions of one word2phrase run.

    Usage: ``m = PhraseModel(words, min_count, threshold, cross_lines)`` after
    tokenising into *words* (id 0 = newline); ``m.count(ids)`` for every chunk
    of ids; ``m.resolve(train_words)``; then ``m.write(...)`` chunk by chunk."""
    cdef WordTable words
    cdef int64_t min_count
    cdef float threshold
    cdef bint cross_lines
    cdef int64_t nwords
    cdef uint8_t *flags
    cdef int32_t *left
    cdef int32_t *right
    cdef int64_t *fu              # word2phrase's count of each word's key
    cdef PairTable pairs          # counted pairs (freed after resolve)
    cdef PairTable joins          # accepted pairs -> index into the acc_* arrays
    cdef int32_t prev             # counting state across chunks
    # accepted pairs
    cdef public object acc_a, acc_b, acc_count, acc_score
    cdef int64_t *joined
    # writing state
    cdef int32_t w_prev
    cdef bint w_closed, w_line_start
    cdef public int64_t pairs_counted
    cdef public int64_t words_kept

    def __cinit__(self, WordTable words not None, int64_t min_count, double threshold,
                  bint cross_lines=False):
        self.words = words
        self.min_count = min_count
        self.threshold = <float>threshold        # word2phrase's threshold is a float
        self.cross_lines = cross_lines
        self.nwords = words.n
        self.flags = <uint8_t *>calloc(max(1, self.nwords), sizeof(uint8_t))
        self.left = <int32_t *>malloc(max(1, self.nwords) * sizeof(int32_t))
        self.right = <int32_t *>malloc(max(1, self.nwords) * sizeof(int32_t))
        self.fu = <int64_t *>malloc(max(1, self.nwords) * sizeof(int64_t))
        self.joined = NULL
        if not (self.flags and self.left and self.right and self.fu):
            raise MemoryError()
        self.prev = -1
        self.w_prev = -1
        self.w_closed = False
        self.w_line_start = True
        self.pairs_counted = 0
        self.words_kept = 0
        self._classify()
        self.pairs = PairTable(1024)

    def __dealloc__(self):
        free(self.flags); free(self.left); free(self.right); free(self.fu)
        free(self.joined)

    cdef void _classify(self) noexcept:
        """Flag words with "_", the halves l and r of words "l_r", and the words
        whose pairs must be counted."""
        cdef WordTable t = self.words
        cdef int64_t w
        cdef int32_t length, i, pos, nund, l, r
        cdef const char *s
        for w in range(self.nwords):
            self.left[w] = -1
            self.right[w] = -1
        with nogil:
            for w in range(1, self.nwords):
                s = t.arena + t.offs[w]
                length = t.lens[w]
                nund = 0
                pos = -1
                for i in range(length):
                    if s[i] == UNDERSCORE:
                        nund += 1
                        pos = i
                if nund == 0:
                    continue
                self.flags[w] |= F_SPECIAL
                if nund == 1 and 0 < pos < length - 1:
                    l = <int32_t>t.lookup(s, pos)
                    r = <int32_t>t.lookup(s + pos + 1, length - pos - 1)
                    if l > 0 and r > 0:
                        self.left[w] = l
                        self.right[w] = r
                        self.flags[l] |= F_HALF_L
                        self.flags[r] |= F_HALF_R
            for w in range(1, self.nwords):
                if t.counts[w] >= self.min_count or self.flags[w] & (F_SPECIAL | F_HALF_L | F_HALF_R):
                    self.flags[w] |= F_KEEP

    def count(self, const int32_t[::1] ids not None):
        """Count the pairs of one chunk of ids (continues the previous chunk)."""
        cdef Py_ssize_t i, n = ids.shape[0], m = 0
        cdef int32_t cur, prev = self.prev
        cdef PairTable p = self.pairs
        cdef WordTable t = self.words
        cdef uint8_t *flags = self.flags
        cdef bint cross = self.cross_lines
        cdef uint32_t ba[BLOCK]
        cdef uint32_t bb[BLOCK]
        cdef uint64_t bh[BLOCK]
        if p is None:
            raise RuntimeError("count() after resolve()")
        with nogil:
            for i in range(n):
                cur = ids[i]
                if cur == NEWLINE_ID:
                    if not cross:
                        prev = -1
                    continue
                if prev > 0:
                    # pairs that may be joined; pairs whose key may equal another
                    # key (a word with "_", a 59-byte key): always
                    if (flags[prev] & flags[cur] & F_KEEP) or ((flags[prev] | flags[cur]) & F_SPECIAL) \
                            or t.lens[prev] + t.lens[cur] >= KEY_BYTES - 1:
                        ba[m] = <uint32_t>prev
                        bb[m] = <uint32_t>cur
                        m += 1
                        if m == BLOCK:
                            p.add_block(ba, bb, bh, m)
                            m = 0
                prev = cur
            p.add_block(ba, bb, bh, m)
        self.prev = prev
        if p.overflow:
            from w2v.errors import W2VError
            raise W2VError("a word pair occurs more than 4294967295 times: input too large")

    cdef inline bint _plain(self, int32_t a, int32_t b) noexcept nogil:
        return not ((self.flags[a] | self.flags[b]) & F_SPECIAL) and \
            self.words.lens[a] + self.words.lens[b] + 1 < KEY_BYTES

    cdef inline int32_t _pair_key(self, char *dst, int32_t a, int32_t b) noexcept nogil:
        return _key(dst, self.words.arena + self.words.offs[a], self.words.lens[a],
                    self.words.arena + self.words.offs[b], self.words.lens[b])

    def resolve(self, int64_t train_words):
        """Combine the counts like word2phrase's string table, score every
        counted pair, keep those above the threshold.  Returns how many."""
        cdef WordTable t = self.words
        cdef PairTable p = self.pairs
        cdef WordTable extra = WordTable(1024)   # keys of non-plain pairs
        cdef char key[PHRASE_MAX_STRING]
        cdef int32_t klen, a, b, w
        cdef uint64_t i, nslots
        cdef uint32_t v
        cdef int64_t e, x, fp, s, nacc
        cdef float score, thr = self.threshold
        cdef float ftrain = <float>train_words
        cdef int64_t mc = self.min_count
        cdef int64_t *fu = self.fu
        cdef Accepted acc
        cdef int oom = 0
        if p is None:
            raise RuntimeError("resolve() called twice")
        nslots = p.mask + 1
        acc.rows = NULL
        acc.n = 0
        acc.cap = 0
        try:
            self.pairs_counted = p.n
            with nogil:
                # 1. keys of non-plain pairs, summed as strings
                for i in range(nslots):
                    if p.entry(i, &a, &b, &v) and not self._plain(a, b):
                        extra.add(key, self._pair_key(key, a, b), v)
                # 2. a word's count = its own + that of every pair whose key is the word
                for w in range(self.nwords):
                    fu[w] = t.counts[w]
                    if self.flags[w] & F_SPECIAL:
                        e = extra.lookup(t.arena + t.offs[w], t.lens[w])
                        if e >= 0:
                            fu[w] += extra.counts[e]
                        if self.left[w] > 0:
                            s = p.find(<uint32_t>self.left[w], <uint32_t>self.right[w])
                            if s >= 0:
                                fu[w] += p.value_at(s)
                    if w > 0 and fu[w] >= mc:
                        self.words_kept += 1
                # 3. score the pairs whose words are both frequent enough
                for i in range(nslots):
                    if not p.entry(i, &a, &b, &v) or fu[a] < mc or fu[b] < mc:
                        continue
                    if self._plain(a, b):
                        fp = v
                        if (self.flags[a] & F_HALF_L) and (self.flags[b] & F_HALF_R):
                            x = t.lookup(key, self._pair_key(key, a, b))
                            if x > 0:
                                fp += t.counts[x]
                    else:
                        klen = self._pair_key(key, a, b)
                        fp = extra.counts[extra.lookup(key, klen)]
                        if klen < KEY_BYTES:
                            x = t.lookup(key, klen)
                            if x > 0:
                                fp += t.counts[x]
                    if fp < mc:
                        continue
                    # word2phrase: (pab - min_count) / pa / pb * train_words, in float
                    score = <float>(fp - mc)
                    score = score / <float>fu[a]
                    score = score / <float>fu[b]
                    score = score * ftrain
                    if score > thr:
                        if _acc_push(&acc, a, b, fp, score) < 0:
                            oom = 1
                            break
            if oom:
                raise MemoryError("out of memory collecting phrases")
            self.pairs = None        # the big table is no longer needed
            del p
            nacc = acc.n
            rows = np.empty(nacc, dtype=np.dtype([("a", np.int32), ("b", np.int32), ("score", np.float32),
                                                  ("count", np.int64)], align=True))
            assert rows.itemsize == sizeof(Row)
            if nacc:
                memcpy(<void *>cnp.PyArray_DATA(rows), acc.rows, nacc * sizeof(Row))
            self.acc_a = np.ascontiguousarray(rows["a"])
            self.acc_b = np.ascontiguousarray(rows["b"])
            self.acc_count = np.ascontiguousarray(rows["count"])
            self.acc_score = np.ascontiguousarray(rows["score"])
            self.joins = PairTable(nacc)
            for e in range(nacc):
                s = self.joins.slot(<uint32_t>acc.rows[e].a, <uint32_t>acc.rows[e].b)
                self.joins.cells[3 * s + 2] = <uint32_t>e
                self.flags[acc.rows[e].a] |= F_START
            self.joined = <int64_t *>calloc(max(1, nacc), sizeof(int64_t))
            if self.joined == NULL:
                raise MemoryError()
            return nacc
        finally:
            free(acc.rows)

    def word_counts(self):
        """word2phrase's count of every word id (after resolve)."""
        return _to_numpy(self.fu, self.nwords, np.int64)

    def joined_counts(self):
        """How many times each accepted pair was joined in the output so far."""
        return _to_numpy(self.joined, len(self.acc_a), np.int64)

    def write(self, const int32_t[::1] ids not None, Py_ssize_t start, unsigned char[::1] buf not None):
        """Render ids[start:] into *buf* until it is (nearly) full.

        Returns (next start, bytes written).  Lines keep their words in order,
        separated by one space; an accepted pair (a, b) is written ``a_b``
        unless *a* already closed a phrase; newlines are kept."""
        cdef Py_ssize_t i = start, n = ids.shape[0], pos = 0
        cdef Py_ssize_t limit = buf.shape[0] - (PHRASE_MAX_STRING + 2)
        cdef int32_t cur, prev = self.w_prev, length
        cdef bint closed = self.w_closed, line_start = self.w_line_start
        cdef int64_t s
        cdef WordTable t = self.words
        cdef PairTable j = self.joins
        if j is None:
            raise RuntimeError("write() before resolve()")
        if limit <= 0:
            raise ValueError("buffer too small")
        with nogil:
            while i < n and pos < limit:
                cur = ids[i]
                i += 1
                if cur == NEWLINE_ID:
                    buf[pos] = 10
                    pos += 1
                    prev = -1
                    line_start = True
                    continue
                s = -1
                if prev > 0 and not closed and (self.flags[prev] & F_START):
                    s = j.find(<uint32_t>prev, <uint32_t>cur)
                if s >= 0:
                    buf[pos] = UNDERSCORE
                    pos += 1
                    self.joined[j.cells[3 * s + 2]] += 1
                    closed = True
                else:
                    if not line_start:
                        buf[pos] = 32
                        pos += 1
                    closed = False
                length = t.lens[cur]
                memcpy(&buf[pos], t.arena + t.offs[cur], length)
                pos += length
                line_start = False
                prev = cur
        self.w_prev = prev
        self.w_closed = closed
        self.w_line_start = line_start
        return i, pos
