/* Vector primitives for the training kernels in _train.pyx.
 *
 * Built with portable flags, yet fast: on x86-64 with GCC each function is
 * compiled three times (x86-64-v4 = AVX-512, x86-64-v3 = AVX2+FMA, baseline
 * SSE2) and the loader picks the best one for the running CPU (target_clones,
 * an ifunc).  "omp simd reduction" lets the compiler vectorise the dot product
 * without -ffast-math (needs -fopenmp-simd; no OpenMP runtime is used).
 * Elsewhere the same code is compiled once for the baseline.
 */
#ifndef W2V_SIMD_H
#define W2V_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && (__GNUC__ >= 12) && !defined(W2V_NO_CLONES) && !defined(__AVX512F__)
#define W2V_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define W2V_CLONES
#endif

#if defined(_OPENMP) || defined(__GNUC__)
#define W2V_PRAGMA(x) _Pragma(#x)
#define W2V_SIMD_REDUCE W2V_PRAGMA(omp simd reduction(+:s))
#define W2V_SIMD W2V_PRAGMA(omp simd)
#else
#define W2V_SIMD_REDUCE
#define W2V_SIMD
#endif

#define W2V_INLINE static inline __attribute__((always_inline))

/* 16 floats as one value: one zmm register on AVX-512, two ymm on AVX2,
 * four xmm on the baseline.  may_alias + aligned(4): it may overlay any float row. */
typedef float w2v_v16 __attribute__((vector_size(64), aligned(4), may_alias));
typedef float w2v_v8 __attribute__((vector_size(32)));
typedef float w2v_v4 __attribute__((vector_size(16)));

W2V_INLINE float dot_body(const float *a, const float *b, int n) {
    w2v_v16 acc0 = {0}, acc1 = {0};
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 += *(const w2v_v16 *)(a + i) * *(const w2v_v16 *)(b + i);
        acc1 += *(const w2v_v16 *)(a + i + 16) * *(const w2v_v16 *)(b + i + 16);
    }
    if (i + 16 <= n) {
        acc0 += *(const w2v_v16 *)(a + i) * *(const w2v_v16 *)(b + i);
        i += 16;
    }
    acc0 += acc1;
    /* tree reduction (a 16-step scalar chain would cost more than the products) */
    w2v_v8 h = __builtin_shufflevector(acc0, acc0, 0, 1, 2, 3, 4, 5, 6, 7)
             + __builtin_shufflevector(acc0, acc0, 8, 9, 10, 11, 12, 13, 14, 15);
    w2v_v4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    float s = (q[0] + q[2]) + (q[1] + q[3]);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/* err += g * out;  out += g * in   (err uses the old out) */
W2V_INLINE void pair_update_body(float g, float *out, float *err, const float *in, int n) {
    W2V_SIMD
    for (int i = 0; i < n; i++) {
        float o = out[i];
        err[i] += g * o;
        out[i] = o + g * in[i];
    }
}

/* Ask for a row's cache lines ahead of use (random rows of syn1/syn1neg
 * are the main source of stalls). */
static inline void w2v_prefetch_row(const float *row, int n) {
    for (int i = 0; i < n; i += 16) __builtin_prefetch(row + i, 1, 3);
}

/* dot(a, b) */
W2V_CLONES static float w2v_dot(const float *a, const float *b, int n) {
    return dot_body(a, b, n);
}

/* Row j of base: base[idx[j]], or base[j] when idx is NULL (a contiguous block). */
#define W2V_ROW(base, idx, j, n) ((base) + (int64_t)((idx) ? (idx)[j] : (j)) * (n))

/* out[j] = dot(x, row j) for j < k: the dots of one input against all its
 * output rows, issued together so their memory loads overlap. */
W2V_CLONES static void w2v_dot_rows(const float *x, const float *base, const int32_t *idx,
                                    int k, int n, float *out) {
    for (int j = 0; j < k; j++) out[j] = dot_body(x, W2V_ROW(base, idx, j, n), n);
}

/* For each j < k with g[j] != 0: err += g[j] * row_j; row_j += g[j] * x. */
W2V_CLONES static void w2v_update_rows(const float *g, float *base, const int32_t *idx,
                                       int k, int n, float *err, const float *x) {
    for (int j = 0; j < k; j++)
        if (g[j] != 0.0f) pair_update_body(g[j], W2V_ROW(base, idx, j, n), err, x, n);
}

/* base[idx[j]] += now_j - before_j for j < k: publish a block's net change. */
W2V_CLONES static void w2v_publish_rows(float *base, const int32_t *idx, int k, int n,
                                        const float *now, const float *before) {
    for (int j = 0; j < k; j++) {
        float *row = base + (int64_t)idx[j] * n;
        const float *a = now + (int64_t)j * n, *b = before + (int64_t)j * n;
        W2V_SIMD
        for (int i = 0; i < n; i++) row[i] += a[i] - b[i];
    }
}

/* Block primitives of the batched skip-gram kernel: na input rows A_i
 * (the window's context rows) against nb output rows B_j (the centre word
 * and its negatives), all in L1 after the first touch.  Each 16-float
 * chunk of a row is loaded once into a register and used for every row of
 * the other side. */

/* out[j] = dot(x, rows[j]) for 4 rows at once (4 independent accumulators). */
W2V_INLINE void dot4_body(const float *x, const float *r0, const float *r1, const float *r2,
                          const float *r3, int n, float *out) {
    w2v_v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        w2v_v16 v = *(const w2v_v16 *)(x + i);
        a0 += v * *(const w2v_v16 *)(r0 + i);
        a1 += v * *(const w2v_v16 *)(r1 + i);
        a2 += v * *(const w2v_v16 *)(r2 + i);
        a3 += v * *(const w2v_v16 *)(r3 + i);
    }
    w2v_v16 acc[4] = {a0, a1, a2, a3};
    for (int j = 0; j < 4; j++) {
        w2v_v16 a = acc[j];
        w2v_v8 h = __builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7)
                 + __builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15);
        w2v_v4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
        out[j] = (q[0] + q[2]) + (q[1] + q[3]);
    }
    const float *r[4] = {r0, r1, r2, r3};
    for (; i < n; i++)
        for (int j = 0; j < 4; j++) out[j] += x[i] * r[j][i];
}

/* out[i * nb + j] = dot(A_i, B_j) for i < na, j < nb. */
W2V_CLONES static void w2v_dot_block(const float *abase, const int32_t *aidx, int na,
                                     const float *bbase, const int32_t *bidx, int nb,
                                     int n, float *out) {
    for (int i = 0; i < na; i++) {
        const float *x = W2V_ROW(abase, aidx, i, n);
        float *o = out + (int64_t)i * nb;
        int j = 0;
        for (; j + 4 <= nb; j += 4)
            dot4_body(x, W2V_ROW(bbase, bidx, j, n), W2V_ROW(bbase, bidx, j + 1, n),
                      W2V_ROW(bbase, bidx, j + 2, n), W2V_ROW(bbase, bidx, j + 3, n), n, o + j);
        for (; j < nb; j++) o[j] = dot_body(x, W2V_ROW(bbase, bidx, j, n), n);
    }
}

/* y = y0 + sum_k c[k * stride] * rows[k] (rows[k] = W2V_ROW(base, idx, k, n)),
 * one 16-float chunk of y in a register at a time.  y may be y0 (in place). */
W2V_INLINE void combine_body(float *y, const float *y0, const float *c, int64_t stride,
                             const float *base, const int32_t *idx, int nk, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        w2v_v16 acc = y0 ? *(const w2v_v16 *)(y0 + i) : (w2v_v16){0};
        for (int k = 0; k < nk; k++)
            acc += c[k * stride] * *(const w2v_v16 *)(W2V_ROW(base, idx, k, n) + i);
        *(w2v_v16 *)(y + i) = acc;
    }
    for (; i < n; i++) {
        float acc = y0 ? y0[i] : 0.0f;
        for (int k = 0; k < nk; k++) acc += c[k * stride] * W2V_ROW(base, idx, k, n)[i];
        y[i] = acc;
    }
}

/* The two rank-k updates of one batched step, from the gradients
 * g[i * nb + j] of the block of dots, all from the values before the step:
 *     err_i = sum_j g_ij B_j;   B_j += sum_i g_ij A_i;   A_i += err_i.
 * err: na * n floats of scratch.  Rows listed twice get both updates. */
W2V_CLONES static void w2v_block_update(const float *g, float *abase, const int32_t *aidx, int na,
                                        float *bbase, const int32_t *bidx, int nb, int n,
                                        float *err) {
    for (int i = 0; i < na; i++)
        combine_body(err + (int64_t)i * n, NULL, g + (int64_t)i * nb, 1, bbase, bidx, nb, n);
    for (int j = 0; j < nb; j++) {
        float *row = W2V_ROW(bbase, bidx, j, n);
        combine_body(row, row, g + j, nb, abase, aidx, na, n);
    }
    for (int i = 0; i < na; i++) {
        float *row = W2V_ROW(abase, aidx, i, n);
        const float *e = err + (int64_t)i * n;
        W2V_SIMD
        for (int k = 0; k < n; k++) row[k] += e[k];
    }
}

/* y += a * x */
W2V_CLONES static void w2v_axpy(float a, const float *x, float *y, int n) {
    W2V_SIMD
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

/* One output-layer update: err += g * out;  out += g * in. */
W2V_CLONES static void w2v_pair_update(float g, float *out, float *err, const float *in, int n) {
    pair_update_body(g, out, err, in, n);
}

/* x *= a */
W2V_CLONES static void w2v_scale(float a, float *x, int n) {
    W2V_SIMD
    for (int i = 0; i < n; i++) x[i] *= a;
}

/* Which code path the loader picked (for diagnostics and the benchmark). */
static const char *w2v_simd_level(void) {
#if defined(__GNUC__) && defined(__x86_64__)
    __builtin_cpu_init();
#if defined(W2V_CLONES) && !defined(__AVX512F__) && (__GNUC__ >= 12) && !defined(__clang__)
    if (__builtin_cpu_supports("x86-64-v4")) return "avx512 (x86-64-v4)";
    if (__builtin_cpu_supports("x86-64-v3")) return "avx2+fma (x86-64-v3)";
#endif
    return "baseline";
#else
    return "baseline";
#endif
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

#endif
