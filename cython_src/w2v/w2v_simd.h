/* Vector primitives for the training kernels in _train.pyx.
 *
 * Supported compilers: GCC 9 and later, clang 13 and later (Apple clang 13
 * and later); any CPU, with vector code for x86-64 and aarch64.  Compiler
 * features used, all in GCC 9 and clang 13: generic vector types
 * (vector_size, with arithmetic, subscripts and scalar operands),
 * always_inline, may_alias, aligned, target and constructor attributes,
 * __builtin_cpu_init / __builtin_cpu_supports (x86 only), __builtin_prefetch,
 * the __atomic builtins and "omp simd" (-fopenmp-simd: vectorise without
 * -ffast-math; no OpenMP runtime is used), and lane shuffles with constant
 * indices (__builtin_shufflevector in clang and GCC 12 and later,
 * __builtin_shuffle in GCC 9-11; W2V_NO_SHUFFLE builds without them, with
 * the same results).  No intrinsics: halves of a vector are taken with
 * memcpy, which compilers turn into register moves.
 *
 * The primitives are written once, in w2v_simd_body.h.  On x86-64 that file
 * is compiled three times (AVX-512, AVX2+FMA, and the compiler's own target,
 * SSE2 by default), each copy with __attribute__((target(...))), and a
 * constructor run when the module is loaded points the primitives at the
 * best copy the CPU supports: the same mechanism with every supported
 * compiler.  W2V_SIMD=avx2+fma or W2V_SIMD=sse2 in the environment picks a
 * lower copy (to test it); a name that is not a built, supported copy is
 * ignored.  Built for one CPU (W2V_NATIVE=1: -march=native), with AVX-512
 * already in the compiler's flags, on aarch64 (NEON is always there) or on
 * any other CPU, the file is compiled once for the compiler's target.
 * w2v_simd_level() says which code runs.
 */
#ifndef W2V_SIMD_H
#define W2V_SIMD_H

#if !defined(__GNUC__) || defined(__INTEL_COMPILER) \
    || (defined(__clang__) && __clang_major__ < 13) || (!defined(__clang__) && __GNUC__ < 9)
#error "w2v needs GCC 9 or later or clang 13 or later: pick one with CC=, e.g. CC=gcc pip install ."
#else

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define W2V_SIMD _Pragma("omp simd")
#define W2V_INLINE static inline __attribute__((always_inline))

typedef float w2v_v8 __attribute__((vector_size(32)));
typedef float w2v_v4 __attribute__((vector_size(16)));

/* Lane shuffles of two vectors with constant indices (the joint sum of 4
 * dots' lanes, chunk_sum4).  Without them (W2V_NO_SHUFFLE) each dot's lanes
 * are summed alone, with the same adds of the same values. */
#if defined(W2V_NO_SHUFFLE)
#elif defined(__clang__) || __GNUC__ >= 12
#define W2V_HAVE_SHUFFLE 1
#define W2V_SHUF4(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#define W2V_SHUF8(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define W2V_HAVE_SHUFFLE 1
typedef int32_t w2v_i4 __attribute__((vector_size(16)));
typedef int32_t w2v_i8 __attribute__((vector_size(32)));
#define W2V_SHUF4(a, b, i, j, k, l) __builtin_shuffle(a, b, (w2v_i4){i, j, k, l})
#define W2V_SHUF8(a, b, ...) __builtin_shuffle(a, b, (w2v_i8){__VA_ARGS__})
#endif

/* A row's last, partial 16-float chunk (n > 16, t = n % 16 > 0) is read as
 * the 16 floats that end the row, with the 16 - t lanes the full chunks
 * already covered zeroed: lane l of that chunk is multiplied by
 * w2v_tail_mask[t + l] (1 for the t new lanes, 0 for the others). */
static const float w2v_tail_mask[32] __attribute__((aligned(64))) = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

/* 4 floats anywhere (the part of a row past its last full 16-float chunk). */
typedef float w2v_v4u __attribute__((vector_size(16), aligned(4), may_alias));

/* Row j of base: base[idx[j]], or base[j] when idx is NULL (a contiguous block). */
#define W2V_ROW(base, idx, j, n) ((base) + (int64_t)((idx) ? (idx)[j] : (j)) * (n))
/* Row j of a list of row pointers, or of base and idx when rows is NULL (the
 * test folds away where rows is a constant NULL). */
#define W2V_ROWP(base, idx, rows, j, n) ((rows) ? (rows)[j] : W2V_ROW(base, idx, j, n))

/* Ask for a row's cache lines ahead of use (random rows of syn1/syn1neg
 * are the main source of stalls). */
static inline void w2v_prefetch_row(const float *row, int n) {
    for (int i = 0; i < n; i += 16) __builtin_prefetch(row + i, 1, 3);
}

/* The level name of code compiled for the compiler's own target. */
#if defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512BW__) && defined(__AVX512DQ__)
#define W2V_OWN_LEVEL "avx512"
#elif defined(__AVX2__) && defined(__FMA__)
#define W2V_OWN_LEVEL "avx2+fma"
#elif defined(__x86_64__) && defined(__AVX__)
#define W2V_OWN_LEVEL "avx"
#elif defined(__x86_64__)
#define W2V_OWN_LEVEL "sse2"
#elif defined(__aarch64__) && defined(__ARM_NEON)
#define W2V_OWN_LEVEL "neon"
#else
#define W2V_OWN_LEVEL "baseline"
#endif

/* Bytes of the compiler's own widest float vector. */
#if defined(__AVX512F__)
#define W2V_OWN_VB 64
#elif defined(__AVX__)
#define W2V_OWN_VB 32
#else
#define W2V_OWN_VB 16
#endif

#if defined(__x86_64__) && !defined(W2V_NATIVE) && !defined(__AVX512F__) && !defined(W2V_NO_DISPATCH)
#define W2V_DISPATCH 1
#endif

#define W2V_CAT3(a, b, c) a##b##c
#define W2V_NAME(name, sfx) W2V_CAT3(w2v_, name, sfx)

#ifdef W2V_DISPATCH
/* The primitives of one variant; w2v_k is the one in use. */
struct w2v_kernels {
    float (*dot)(const float *a, const float *b, int n);
    void (*axpy)(float a, const float *x, float *y, int n);
    void (*pair_update)(float g, float *out, float *err, const float *in, int n);
    void (*scale)(float a, float *x, int n);
    void (*dot_rows)(const float *x, const float *base, const int32_t *idx, int k, int n,
                     float *out);
    void (*update_rows)(const float *g, float *base, const int32_t *idx, int k, int n,
                        float *err, const float *x);
    void (*publish_rows)(float *base, const int32_t *idx, int k, int n, const float *now,
                         const float *before);
    void (*dot_block)(const float *abase, const int32_t *aidx, int na, const float *bbase,
                      const int32_t *bidx, int nb, int n, float *out);
    void (*block_update)(const float *g, float *abase, const int32_t *aidx, int na,
                         float *bbase, const int32_t *bidx, int nb, int n, float *err);
    void (*block_backprop)(const float *g, const float *abase, const int32_t *aidx, int na,
                           float *bbase, const int32_t *bidx, int nb, int n, float *err);
    void (*combine)(float *y, const float *y0, const float *c, int64_t stride, const float *base,
                    const int32_t *idx, int nk, int n);
    void (*dot_block_rows)(const float *abase, const int32_t *aidx, int na,
                           float *const *brows, int nb, int n, float *out);
    void (*block_update_rows)(const float *g, float *abase, const int32_t *aidx, int na,
                              float *const *brows, int nb, int n, float *err);
};
#define W2V_KERNELS(sfx) { \
    W2V_NAME(dot, sfx), W2V_NAME(axpy, sfx), W2V_NAME(pair_update, sfx), W2V_NAME(scale, sfx), \
    W2V_NAME(dot_rows, sfx), W2V_NAME(update_rows, sfx), W2V_NAME(publish_rows, sfx), \
    W2V_NAME(dot_block, sfx), W2V_NAME(block_update, sfx), W2V_NAME(block_backprop, sfx), \
    W2V_NAME(combine, sfx), W2V_NAME(dot_block_rows, sfx), W2V_NAME(block_update_rows, sfx) }

#define W2V_F(name) W2V_NAME(name, _avx512)
#define W2V_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define W2V_VB 64
#include "w2v_simd_body.h"
#undef W2V_F
#undef W2V_TARGET
#undef W2V_VB

#define W2V_F(name) W2V_NAME(name, _avx2)
#define W2V_TARGET __attribute__((target("avx2,fma")))
#define W2V_VB 32
#include "w2v_simd_body.h"
#undef W2V_F
#undef W2V_TARGET
#undef W2V_VB

#define W2V_F(name) W2V_NAME(name, _own)
#define W2V_TARGET
#define W2V_VB W2V_OWN_VB
#include "w2v_simd_body.h"
#undef W2V_F
#undef W2V_TARGET
#undef W2V_VB

static const struct w2v_kernels w2v_kernels_avx512 = W2V_KERNELS(_avx512),
                                w2v_kernels_avx2 = W2V_KERNELS(_avx2),
                                w2v_kernels_own = W2V_KERNELS(_own);
static struct w2v_kernels w2v_k = W2V_KERNELS(_own);
static const char *w2v_level = W2V_OWN_LEVEL " (picked at run time from avx512, avx2+fma, "
                               W2V_OWN_LEVEL ")";

/* Point w2v_k at the best variant this CPU (and its OS) supports, or at the
 * one W2V_SIMD names.  Runs when the module is loaded. */
__attribute__((constructor)) static void w2v_pick_kernels(void) {
    __builtin_cpu_init();
    int has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int has_avx512 = has_avx2 && __builtin_cpu_supports("avx512f")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq");
    const char *want = getenv("W2V_SIMD");
    if (want && strcmp(want, W2V_OWN_LEVEL) == 0) return;
    if (want && strcmp(want, "avx2+fma") == 0 && has_avx2) has_avx512 = 0;
    if (has_avx512) {
        w2v_k = w2v_kernels_avx512;
        w2v_level = "avx512 (picked at run time from avx512, avx2+fma, " W2V_OWN_LEVEL ")";
    } else if (has_avx2) {
        w2v_k = w2v_kernels_avx2;
        w2v_level = "avx2+fma (picked at run time from avx512, avx2+fma, " W2V_OWN_LEVEL ")";
    }
}

/* The primitives, through the variant picked. */
#define w2v_dot (*w2v_k.dot)
#define w2v_axpy (*w2v_k.axpy)
#define w2v_pair_update (*w2v_k.pair_update)
#define w2v_scale (*w2v_k.scale)
#define w2v_dot_rows (*w2v_k.dot_rows)
#define w2v_update_rows (*w2v_k.update_rows)
#define w2v_publish_rows (*w2v_k.publish_rows)
#define w2v_dot_block (*w2v_k.dot_block)
#define w2v_block_update (*w2v_k.block_update)
#define w2v_block_backprop (*w2v_k.block_backprop)
#define w2v_combine (*w2v_k.combine)
#define w2v_dot_block_rows (*w2v_k.dot_block_rows)
#define w2v_block_update_rows (*w2v_k.block_update_rows)

#else   /* one variant: the compiler's own target */

#define W2V_F(name) W2V_NAME(name, )
#define W2V_TARGET
#define W2V_VB W2V_OWN_VB
#include "w2v_simd_body.h"
#undef W2V_F
#undef W2V_TARGET
#undef W2V_VB

#ifdef W2V_NATIVE
static const char *w2v_level = W2V_OWN_LEVEL " (no run-time choice: built for this CPU, -march=native)";
#else
static const char *w2v_level = W2V_OWN_LEVEL " (no run-time choice: the compiler's target)";
#endif

#endif  /* W2V_DISPATCH */

/* Which code runs (for diagnostics and the benchmarks). */
static const char *w2v_simd_level(void) {
    return w2v_level;
}

/* Shared counters between Hogwild threads. */
static inline int64_t w2v_atomic_add(int64_t *p, int64_t v) {
    return __atomic_add_fetch(p, v, __ATOMIC_RELAXED);
}
static inline int64_t w2v_atomic_load(const int64_t *p) {
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}
static inline int w2v_atomic_load_int(const int *p) {
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}
static inline void w2v_atomic_store_int(int *p, int v) {
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

#endif  /* supported compiler */
#endif
