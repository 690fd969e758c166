# cython: language_level=3
"""Tokenising bytes into word ids, and the word table behind the vocabulary.

word2vec.c's tokeniser, on bytes: space, tab and newline separate words,
``\\r`` is dropped, every newline is the sentence end ``</s>`` (id 0), words
are truncated to their first 98 bytes (backing off so a UTF-8 character is
never split), and the last word of input without a final newline is kept.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint64_t, uint8_t
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcpy, memcmp

from w2v._common cimport MAX_WORD_BYTES, MAX_PHRASE_WORD_BYTES, EOS_ID

cnp.import_array()

EOS = b"</s>"                                # the sentence end, id EOS_ID of every vocabulary
WORD_BYTES = MAX_WORD_BYTES                  # bytes of a word word2vec.c keeps
PHRASE_WORD_BYTES = MAX_PHRASE_WORD_BYTES    # bytes of a word word2phrase.c keeps


cdef uint64_t hash_bytes(const char *w, int32_t length) noexcept nogil:
    # FNV-1a, 64 bit, followed by a final avalanche so that the low bits used
    # for the slot index depend on every byte.
    cdef uint64_t h = <uint64_t>14695981039346656037ULL
    cdef int32_t i
    for i in range(length):
        h ^= <uint8_t>w[i]
        h *= <uint64_t>1099511628211ULL
    h ^= h >> 29
    h *= <uint64_t>0xBF58476D1CE4E5B9ULL
    h ^= h >> 32
    return h


cdef int32_t utf8_safe_length(const unsigned char *w, int32_t kept, int32_t full) noexcept nogil:
    """Length to keep when a word of *full* bytes is cut to *kept* bytes.

    ``w`` must hold at least ``kept + 1`` bytes when ``full > kept``.  If the
    first dropped byte continues a UTF-8 sequence, back off to the start of
    that character (at most 3 bytes: anything longer is not UTF-8 and is cut
    where C cuts it)."""
    cdef int32_t n = kept, steps = 0
    if full <= kept:
        return full
    while n > 0 and (w[n] & 0xC0) == 0x80 and steps < 4:
        n -= 1
        steps += 1
    if steps == 0:
        return kept
    # w[n] is now the lead byte of the split character (or not UTF-8 at all)
    if (w[n] & 0xC0) == 0xC0 and steps <= 3:
        return n if n > 0 else kept
    return kept


cdef class WordTable:

    def __cinit__(self, Py_ssize_t initial_capacity=1024):
        cdef int64_t cap = max(16, initial_capacity)
        cdef uint64_t nslots = 64
        while nslots < <uint64_t>(2 * cap):
            nslots <<= 1
        self.cap = cap
        self.n = 0
        self.arena_cap = <size_t>(cap * 8)
        self.arena_len = 0
        self.arena = <char *>malloc(self.arena_cap)
        self.offs = <int64_t *>malloc(cap * sizeof(int64_t))
        self.lens = <int32_t *>malloc(cap * sizeof(int32_t))
        self.counts = <int64_t *>malloc(cap * sizeof(int64_t))
        self.hashes = <uint64_t *>malloc(cap * sizeof(uint64_t))
        self.slots = NULL
        if not (self.arena and self.offs and self.lens and self.counts and self.hashes):
            raise MemoryError()
        self._rebuild_slots(nslots)

    def __dealloc__(self):
        free(self.arena); free(self.offs); free(self.lens)
        free(self.counts); free(self.hashes); free(self.slots)

    cdef int _rebuild_slots(self, uint64_t nslots) except -1 nogil:
        cdef int32_t *slots = <int32_t *>malloc(nslots * sizeof(int32_t))
        cdef uint64_t i, s
        cdef int64_t e
        if slots == NULL:
            with gil:
                raise MemoryError()
        for i in range(nslots):
            slots[i] = -1
        for e in range(self.n):
            s = self.hashes[e] & (nslots - 1)
            while slots[s] != -1:
                s = (s + 1) & (nslots - 1)
            slots[s] = <int32_t>e
        free(self.slots)
        self.slots = slots
        self.mask = nslots - 1
        return 0

    cdef int _grow_slots(self) except -1 nogil:
        return self._rebuild_slots((self.mask + 1) * 2)

    cdef int64_t find(self, const char *w, int32_t length, uint64_t h) noexcept nogil:
        cdef uint64_t s = h & self.mask
        cdef int32_t e
        while True:
            e = self.slots[s]
            if e == -1:
                return -1
            if self.hashes[e] == h and self.lens[e] == length and \
                    memcmp(self.arena + self.offs[e], w, length) == 0:
                return e
            s = (s + 1) & self.mask

    cdef int64_t insert(self, const char *w, int32_t length, uint64_t h) except -1 nogil:
        """Append a new entry (caller checked it is absent); returns its id."""
        cdef int64_t e = self.n
        cdef uint64_t s
        cdef size_t need
        cdef void *p
        if e >= 2147483647:
            with gil:
                raise MemoryError("more than 2^31 distinct words")
        if e >= self.cap:
            self.cap *= 2
            p = realloc(self.offs, self.cap * sizeof(int64_t))
            if p == NULL:
                with gil:
                    raise MemoryError()
            self.offs = <int64_t *>p
            p = realloc(self.lens, self.cap * sizeof(int32_t))
            if p == NULL:
                with gil:
                    raise MemoryError()
            self.lens = <int32_t *>p
            p = realloc(self.counts, self.cap * sizeof(int64_t))
            if p == NULL:
                with gil:
                    raise MemoryError()
            self.counts = <int64_t *>p
            p = realloc(self.hashes, self.cap * sizeof(uint64_t))
            if p == NULL:
                with gil:
                    raise MemoryError()
            self.hashes = <uint64_t *>p
        need = self.arena_len + <size_t>length
        if need > self.arena_cap:
            while need > self.arena_cap:
                self.arena_cap *= 2
            p = realloc(self.arena, self.arena_cap)
            if p == NULL:
                with gil:
                    raise MemoryError()
            self.arena = <char *>p
        memcpy(self.arena + self.arena_len, w, length)
        self.offs[e] = <int64_t>self.arena_len
        self.lens[e] = length
        self.counts[e] = 0
        self.hashes[e] = h
        self.arena_len += length
        self.n = e + 1
        if <uint64_t>(self.n * 2) > self.mask + 1:
            self._grow_slots()
        else:
            s = h & self.mask
            while self.slots[s] != -1:
                s = (s + 1) & self.mask
            self.slots[s] = <int32_t>e
        return e

    cdef int64_t add(self, const char *w, int32_t length, int64_t count) except -1 nogil:
        """Count *count* occurrences of a word, inserting it if new; returns its id."""
        cdef uint64_t h = hash_bytes(w, length)
        cdef int64_t e = self.find(w, length, h)
        if e < 0:
            e = self.insert(w, length, h)
        self.counts[e] += count
        return e

    cdef int64_t lookup(self, const char *w, int32_t length) noexcept nogil:
        return self.find(w, length, hash_bytes(w, length))

    cdef void bump(self, int64_t e, int64_t count) noexcept nogil:
        self.counts[e] += count

    # ---- Python API -------------------------------------------------------
    def __len__(self):
        return self.n

    def add_word(self, bytes word, int64_t count=1):
        return self.add(word, len(word), count)

    def get(self, bytes word):
        """Id of *word*, or -1."""
        return self.lookup(word, len(word))

    def word(self, int64_t i):
        if i < 0 or i >= self.n:
            raise IndexError(i)
        return self.arena[self.offs[i]:self.offs[i] + self.lens[i]]

    def words(self):
        cdef int64_t i
        return [self.arena[self.offs[i]:self.offs[i] + self.lens[i]] for i in range(self.n)]

    def count_of(self, int64_t i):
        return self.counts[i]

    def counts_array(self):
        cdef cnp.ndarray[cnp.int64_t, ndim=1] out = np.empty(self.n, dtype=np.int64)
        if self.n:
            memcpy(<void *>out.data, self.counts, self.n * sizeof(int64_t))
        return out

    def set_count(self, int64_t i, int64_t count):
        self.counts[i] = count

    def prune(self, int64_t min_reduce, int64_t keep_first=1):
        """word2vec.c's ReduceVocab: drop every entry with count <= min_reduce
        (the first *keep_first* entries always stay).  Ids are compacted in
        order; returns the old -> new id map (-1 = dropped)."""
        cdef cnp.ndarray[cnp.int64_t, ndim=1] mapping = np.empty(self.n, dtype=np.int64)
        cdef int64_t e, j = 0
        cdef size_t pos = 0
        cdef int32_t length
        for e in range(self.n):
            if e < keep_first or self.counts[e] > min_reduce:
                length = self.lens[e]
                if <size_t>self.offs[e] != pos:
                    memcpy(self.arena + pos, self.arena + self.offs[e], length)  # moves left only
                self.offs[j] = <int64_t>pos
                self.lens[j] = length
                self.counts[j] = self.counts[e]
                self.hashes[j] = self.hashes[e]
                pos += length
                mapping[e] = j
                j += 1
            else:
                mapping[e] = -1
        self.n = j
        self.arena_len = pos
        self._rebuild_slots(self.mask + 1)
        return mapping


cdef class Tokenizer:
    """Feeds raw bytes, yields word ids (word2vec.c's ReadWord rules).

    ``mode='count'`` adds every word to the table and counts it;
    ``mode='lookup'`` only looks words up (unknown words are skipped, the
    table is not changed).  The sentence end ``</s>`` must be id 0 of the
    table.  Words may span chunk boundaries.

    With a *docs* table (paragraph vectors), the first token of each line is
    the line's document ID, never a word: it is added to *docs* (in both
    modes) and emitted as ``-2 - d`` for its entry d (see :func:`remap_compact`)."""
    cdef WordTable table
    cdef WordTable docs
    cdef bint with_docs
    cdef bint line_start     # no word of the current line emitted yet
    cdef unsigned char buf[MAX_WORD_BYTES + 2]
    cdef int32_t wlen       # bytes seen in the current word (may exceed the buffer)
    cdef bint counting
    cdef int32_t max_bytes
    cdef public int64_t tokens   # ids emitted so far (incl. </s>)
    cdef public int64_t newlines

    def __cinit__(self, WordTable table, str mode="count", int max_bytes=MAX_WORD_BYTES, WordTable docs=None):
        if mode not in ("count", "lookup"):
            raise ValueError(mode)
        if max_bytes < 1 or max_bytes > MAX_WORD_BYTES:
            raise ValueError("max_bytes")
        self.table = table
        self.docs = docs
        self.with_docs = docs is not None
        self.line_start = True
        self.counting = mode == "count"
        self.max_bytes = max_bytes
        self.wlen = 0
        self.tokens = 0
        self.newlines = 0

    # -2 and below are document IDs: an error is a value no id can take (-2^40)
    cdef inline int64_t _emit_word(self) except -1099511627776 nogil:
        cdef int32_t length = self.wlen
        if length > self.max_bytes:
            length = utf8_safe_length(self.buf, self.max_bytes, length)
        self.wlen = 0
        if self.with_docs and self.line_start:
            self.line_start = False
            return -2 - self.docs.add(<const char *>self.buf, length, 1)
        if self.counting:
            return self.table.add(<const char *>self.buf, length, 1)
        return self.table.lookup(<const char *>self.buf, length)

    cdef inline int64_t _emit_eos(self) noexcept nogil:
        self.newlines += 1
        self.line_start = True
        if self.counting:
            self.table.bump(EOS_ID, 1)
        return EOS_ID

    def feed(self, const unsigned char[::1] data not None):
        """Tokenise one chunk; returns the ids of the tokens it completed."""
        cdef Py_ssize_t n = data.shape[0], i
        cdef cnp.ndarray[cnp.int32_t, ndim=1] out = np.empty(n + 1, dtype=np.int32)
        cdef int32_t *o = <int32_t *>out.data
        cdef Py_ssize_t k = 0
        cdef unsigned char c
        cdef int64_t wid
        with nogil:
            for i in range(n):
                c = data[i]
                if c == 13:
                    continue
                if c == 32 or c == 9 or c == 10:
                    if self.wlen > 0:
                        wid = self._emit_word()
                        if wid != -1:
                            o[k] = <int32_t>wid
                            k += 1
                    if c == 10:
                        o[k] = <int32_t>self._emit_eos()
                        k += 1
                    continue
                if self.wlen <= self.max_bytes:
                    self.buf[self.wlen] = c
                if self.wlen < 2147483647:
                    self.wlen += 1
        self.tokens += k
        return out[:k]

    def finish(self):
        """End of input: the pending last word (C would drop it) as ids."""
        cdef int64_t wid
        if self.wlen > 0:
            wid = self._emit_word()
            if wid != -1:
                self.tokens += 1
                return np.array([wid], dtype=np.int32)
        return np.empty(0, dtype=np.int32)


def remap_compact(cnp.int32_t[::1] ids not None, cnp.int64_t[::1] mapping not None, int64_t doc_base=-1):
    """In place: ids[i] = mapping[ids[i]], dropping ids that map to -1.
    Document IDs (``-2 - d``, see :class:`Tokenizer`) are kept as they are,
    or become ``doc_base + d`` when *doc_base* >= 0.

    Returns the new length (the kept ids are at the front)."""
    cdef Py_ssize_t n = ids.shape[0], i, k = 0
    cdef int64_t m, nmap = mapping.shape[0]
    cdef int32_t v
    with nogil:
        for i in range(n):
            v = ids[i]
            if v <= -2:
                ids[k] = v if doc_base < 0 else <int32_t>(doc_base - 2 - v)
                k += 1
                continue
            if v < 0 or v >= nmap:
                continue
            m = mapping[v]
            if m >= 0:
                ids[k] = <int32_t>m
                k += 1
    return k


def utf8_cut(bytes word, int max_bytes=MAX_WORD_BYTES):
    """The prefix of *word* the tokeniser keeps (for tests and Python users)."""
    cdef Py_ssize_t n = len(word)
    cdef bytes padded
    if n <= max_bytes:
        return word
    padded = word[:max_bytes + 1]
    return word[:utf8_safe_length(<const unsigned char *><char *>padded, max_bytes, <int32_t>min(n, 2147483647))]
