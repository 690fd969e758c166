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

/* dot(a, b) */
W2V_CLONES static float w2v_dot(const float *a, const float *b, int n) {
    float s = 0.0f;
    W2V_SIMD_REDUCE
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* y += a * x */
W2V_CLONES static void w2v_axpy(float a, const float *x, float *y, int n) {
    W2V_SIMD
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

/* The output-layer update of one (input, target) pair, in one pass over the
 * target row:  err += g * out;  out += g * in  (err uses the old out). */
W2V_CLONES static void w2v_pair_update(float g, float *out, float *err, const float *in, int n) {
    W2V_SIMD
    for (int i = 0; i < n; i++) {
        float o = out[i];
        err[i] += g * o;
        out[i] = o + g * in[i];
    }
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
