# cython: language_level=3
from libc.stdint cimport int32_t, int64_t, uint64_t


cdef class WordTable:
    """Byte strings -> dense ids (in order of first insertion), with counts.

    Open addressing over a power-of-two slot array; the strings live in one
    arena.  Other Cython modules cimport it (phrases uses it for unigram and
    bigram keys)."""
    cdef char *arena
    cdef size_t arena_len, arena_cap
    cdef int64_t *offs
    cdef int32_t *lens
    cdef int64_t *counts
    cdef uint64_t *hashes
    cdef int64_t n, cap
    cdef int32_t *slots
    cdef uint64_t mask

    cdef int64_t find(self, const char *w, int32_t length, uint64_t h) noexcept nogil
    cdef int64_t insert(self, const char *w, int32_t length, uint64_t h) except -1 nogil
    cdef int64_t add(self, const char *w, int32_t length, int64_t count) except -1 nogil
    cdef int64_t lookup(self, const char *w, int32_t length) noexcept nogil
    cdef void bump(self, int64_t e, int64_t count) noexcept nogil
    cdef int _grow_slots(self) except -1 nogil
    cdef int _rebuild_slots(self, uint64_t nslots) except -1 nogil


cdef uint64_t hash_bytes(const char *w, int32_t length) noexcept nogil
cdef int32_t utf8_safe_length(const unsigned char *w, int32_t kept, int32_t full) noexcept nogil
