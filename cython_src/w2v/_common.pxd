# cython: language_level=3
"""Constants and small inline helpers shared by every Cython module.

The one source of truth for word2vec.c's compile-time constants."""
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t, uint8_t

cdef enum:
    MAX_STRING = 100               # word2vec.c's word buffer
    MAX_WORD_BYTES = 98            # bytes of a word word2vec.c keeps (MAX_STRING - 2)
    PHRASE_MAX_STRING = 60         # word2phrase.c's word buffer
    MAX_PHRASE_WORD_BYTES = 58     # bytes of a word word2phrase.c keeps
    MAX_SENTENCE_LENGTH = 1000     # kept words per training sentence
    EXP_TABLE_SIZE = 1000          # sigmoid table entries
    MAX_EXP = 6                    # sigmoid table covers [-MAX_EXP, MAX_EXP)
    EXP_INDEX_FACTOR = 83          # C's EXP_TABLE_SIZE / MAX_EXP / 2 in *integer* arithmetic
    ALPHA_UPDATE_WORDS = 10000     # words a thread trains between learning-rate updates
    EOS_ID = 0                     # vocabulary index of the sentence end </s>

cdef extern from "w2v_simd.h" nogil:
    float w2v_dot(const float *a, const float *b, int n)
    void w2v_axpy(float a, const float *x, float *y, int n)
    void w2v_pair_update(float g, float *out, float *err, const float *inp, int n)
    void w2v_scale(float a, float *x, int n)
    void w2v_prefetch_row(const float *row, int n)
    void w2v_dot_rows(const float *x, const float *base, const int32_t *idx, int k, int n, float *out)
    void w2v_update_rows(const float *g, float *base, const int32_t *idx, int k, int n, float *err, const float *x)
    void w2v_publish_rows(float *base, const int32_t *idx, int k, int n, const float *now, const float *before)
    void w2v_dot_block(const float *abase, const int32_t *aidx, int na, const float *bbase,
                       const int32_t *bidx, int nb, int n, float *out)
    void w2v_block_update(const float *g, float *abase, const int32_t *aidx, int na, float *bbase,
                          const int32_t *bidx, int nb, int n, float *err)
    void w2v_block_backprop(const float *g, const float *abase, const int32_t *aidx, int na, float *bbase,
                            const int32_t *bidx, int nb, int n, float *err)
    void w2v_combine(float *y, const float *y0, const float *c, int64_t stride, const float *base,
                     const int32_t *idx, int nk, int n)
    void w2v_dot_block_rows(const float *abase, const int32_t *aidx, int na, float *const *brows,
                            int nb, int n, float *out)
    void w2v_block_update_rows(const float *g, float *abase, const int32_t *aidx, int na,
                               float *const *brows, int nb, int n, float *err)
    const char *w2v_simd_level()
    int64_t w2v_atomic_add(int64_t *p, int64_t v)
    int64_t w2v_atomic_load(const int64_t *p)
    int w2v_atomic_load_int(const int *p)
    void w2v_atomic_store_int(int *p, int v)


# word2vec.c's linear congruential generator (used for syn0 initialisation).
cdef inline uint64_t lcg_next(uint64_t *state) noexcept nogil:
    state[0] = state[0] * <uint64_t>25214903917ULL + <uint64_t>11
    return state[0]


# splitmix64: the per-thread generator of the training kernels (all 64 output
# bits are usable, unlike the LCG's low bits).
cdef inline uint64_t rng_next(uint64_t *state) noexcept nogil:
    cdef uint64_t z
    state[0] += <uint64_t>0x9E3779B97F4A7C15ULL
    z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)


# Uniform integer in [0, n) from the high 32 bits (Lemire's multiply-shift).
cdef inline uint32_t rng_below(uint64_t *state, uint32_t n) noexcept nogil:
    return <uint32_t>(((rng_next(state) >> 32) * <uint64_t>n) >> 32)


# Uniform float in [0, 1) with 24 bits.
cdef inline float rng_unit(uint64_t *state) noexcept nogil:
    return <float>(rng_next(state) >> 40) * <float>(1.0 / 16777216.0)
