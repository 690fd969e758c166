/* The vector primitives of cython_src/w2v/w2v_simd.h against a scalar
 * reference in double precision, for every variant the build has and the
 * CPU runs (x86-64: AVX-512, AVX2+FMA, the compiler's own target; elsewhere
 * the one variant), on row lengths around the 16-float chunks.
 *
 *   cc -O2 -fopenmp-simd -I cython_src/w2v tests/c/test_simd.c -o t && ./t
 *   aarch64-linux-gnu-gcc -O2 -fopenmp-simd -I cython_src/w2v tests/c/test_simd.c -o t
 *   qemu-aarch64 -L /usr/aarch64-linux-gnu ./t
 *
 * Prints one line per variant and exits 1 on the first wrong value.
 * (make simd-test runs both.) */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "w2v_simd.h"

static const int SIZES[] = {1, 3, 15, 16, 17, 31, 32, 33, 48, 63, 64, 100, 129, 300};
#define NSIZES ((int)(sizeof SIZES / sizeof SIZES[0]))
#define ROWS 12
#define MAXN 300

static uint64_t rng = 0x9e3779b97f4a7c15u;
static float uniform(void) {   /* in [-1, 1) */
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 4503599627370496.0 - 1.0);
}
static void fill(float *x, int n) {
    for (int i = 0; i < n; i++) x[i] = uniform();
}

static int failures = 0;
static const char *variant = "";

/* got against ref, whose terms' absolute values sum to mag: a float sum of
 * k terms is within about k * FLT_EPSILON * mag of the exact one. */
static void check(const char *what, int n, int i, float got, double ref, double mag, int terms) {
    double tol = 2.0 * (terms + 2) * FLT_EPSILON * mag + 1e-30;
    if (!(fabs((double)got - ref) <= tol)) {
        if (failures < 10)
            printf("FAIL %s: %s n=%d [%d]: %.9g, reference %.9g (tolerance %.3g)\n",
                   variant, what, n, i, got, ref, tol);
        failures++;
    }
}

static double ref_dot(const float *a, const float *b, int n, double *mag) {
    double s = 0, m = 0;
    for (int i = 0; i < n; i++) {
        s += (double)a[i] * b[i];
        m += fabs((double)a[i] * b[i]);
    }
    *mag = m;
    return s;
}

static float a[ROWS * MAXN], b[ROWS * MAXN], c[ROWS * MAXN], e[ROWS * MAXN], g[ROWS * ROWS];
static double ra[ROWS * MAXN], rb[ROWS * MAXN], re[ROWS * MAXN], ma[ROWS * MAXN], mb[ROWS * MAXN];

static void test_row_ops(int n) {
    double mag;
    fill(a, n); fill(b, n); fill(c, n);
    double ref = ref_dot(a, b, n, &mag);
    check("dot", n, 0, w2v_dot(a, b, n), ref, mag, n);

    /* y += s * x;  x *= s */
    float s = uniform();
    for (int i = 0; i < n; i++) ra[i] = b[i] + (double)s * a[i];
    w2v_axpy(s, a, b, n);
    for (int i = 0; i < n; i++) check("axpy", n, i, b[i], ra[i], fabs(ra[i]) + 2, 2);
    for (int i = 0; i < n; i++) ra[i] = (double)a[i] * s;
    w2v_scale(s, a, n);
    for (int i = 0; i < n; i++) check("scale", n, i, a[i], ra[i], fabs(ra[i]), 1);

    /* err += g * out (old out);  out += g * in */
    fill(e, n);
    for (int i = 0; i < n; i++) {
        re[i] = e[i] + (double)s * b[i];
        rb[i] = b[i] + (double)s * c[i];
    }
    w2v_pair_update(s, b, e, c, n);
    for (int i = 0; i < n; i++) {
        check("pair_update err", n, i, e[i], re[i], 3, 2);
        check("pair_update out", n, i, b[i], rb[i], 3, 2);
    }
}

/* Rows of base picked by idx (with a repeat), or the first k rows (idx NULL). */
static const int32_t IDX[ROWS] = {7, 2, 9, 2, 0, 11, 5, 3, 8, 1, 10, 4};

static void test_rows(int n, const int32_t *idx, int k) {
    double mag;
    float x[MAXN], out[ROWS];
    fill(x, n); fill(a, ROWS * n);
    w2v_dot_rows(x, a, idx, k, n, out);
    for (int j = 0; j < k; j++) {
        double ref = ref_dot(x, W2V_ROW(a, idx, j, n), n, &mag);
        check("dot_rows", n, j, out[j], ref, mag, n);
    }

    /* err += g_j * row_j (old row), row_j += g_j * x, in order; g_j == 0 skipped */
    float gs[ROWS];
    for (int j = 0; j < k; j++) gs[j] = (j % 3 == 1) ? 0.0f : uniform();
    fill(e, n);
    for (int i = 0; i < ROWS * n; i++) ra[i] = a[i];
    for (int i = 0; i < n; i++) re[i] = e[i];
    for (int j = 0; j < k; j++) {
        if (gs[j] == 0.0f) continue;
        double *row = ra + (int64_t)(idx ? idx[j] : j) * n;
        for (int i = 0; i < n; i++) {
            re[i] += gs[j] * row[i];
            row[i] += gs[j] * (double)x[i];
        }
    }
    w2v_update_rows(gs, a, idx, k, n, e, x);
    for (int i = 0; i < n; i++) check("update_rows err", n, i, e[i], re[i], 2.0 * k + 1, 2 * k);
    for (int i = 0; i < ROWS * n; i++) check("update_rows row", n, i, a[i], ra[i], 2.0 * k + 1, 2 * k);
}

static void test_publish(int n) {
    int k = ROWS / 2;   /* IDX[0..5] has row 2 twice */
    fill(a, ROWS * n); fill(b, k * n); fill(c, k * n);
    for (int i = 0; i < ROWS * n; i++) ra[i] = a[i];
    for (int j = 0; j < k; j++)
        for (int i = 0; i < n; i++)
            ra[(int64_t)IDX[j] * n + i] += (double)b[j * n + i] - c[j * n + i];
    w2v_publish_rows(a, IDX, k, n, b, c);
    for (int i = 0; i < ROWS * n; i++) check("publish_rows", n, i, a[i], ra[i], 8, 4);
}

/* The batched kernel's blocks: na rows of a against nb rows of b. */
static void test_block(int n, const int32_t *aidx, int na, const int32_t *bidx, int nb) {
    double mag;
    float out[ROWS * ROWS];
    fill(a, ROWS * n); fill(b, ROWS * n);
    w2v_dot_block(a, aidx, na, b, bidx, nb, n, out);
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++) {
            double ref = ref_dot(W2V_ROW(a, aidx, i, n), W2V_ROW(b, bidx, j, n), n, &mag);
            check("dot_block", n, i * nb + j, out[i * nb + j], ref, mag, n);
        }

    /* err_i = sum_j g_ij B_j (old B); then in order of j: B_j += sum_i g_ij A_i
     * (old A; a row listed twice gets both); then A_i += err_i */
    for (int i = 0; i < na * nb; i++) g[i] = uniform();
    for (int i = 0; i < ROWS * n; i++) { ra[i] = a[i]; rb[i] = b[i]; ma[i] = fabs(a[i]); mb[i] = fabs(b[i]); }
    for (int i = 0; i < na; i++)
        for (int t = 0; t < n; t++) {
            double s = 0;
            for (int j = 0; j < nb; j++) s += g[i * nb + j] * (double)W2V_ROW(b, bidx, j, n)[t];
            re[i * n + t] = s;
        }
    for (int j = 0; j < nb; j++) {
        int64_t rj = (int64_t)(bidx ? bidx[j] : j) * n;
        for (int t = 0; t < n; t++) {
            double s = 0, m = 0;
            for (int i = 0; i < na; i++) {
                s += g[i * nb + j] * (double)W2V_ROW(a, aidx, i, n)[t];
                m += fabs(g[i * nb + j] * (double)W2V_ROW(a, aidx, i, n)[t]);
            }
            rb[rj + t] += s;
            mb[rj + t] += m;
        }
    }
    for (int i = 0; i < na; i++) {
        int64_t ri = (int64_t)(aidx ? aidx[i] : i) * n;
        for (int t = 0; t < n; t++) {
            ra[ri + t] += re[i * n + t];
            ma[ri + t] += nb;
        }
    }
    /* the same step with B's rows as pointers into a copy: the same bits */
    static float a2[ROWS * MAXN], b2[ROWS * MAXN], e2[ROWS * MAXN];
    float *brows[ROWS], out2[ROWS * ROWS];
    memcpy(a2, a, sizeof a2);
    memcpy(b2, b, sizeof b2);
    for (int j = 0; j < nb; j++) brows[j] = W2V_ROW(b2, bidx, j, n);
    w2v_dot_block_rows(a2, aidx, na, brows, nb, n, out2);
    if (memcmp(out, out2, (size_t)na * nb * sizeof(float)) != 0) {
        printf("FAIL %s: dot_block_rows n=%d: other bits than dot_block\n", variant, n);
        failures++;
    }
    w2v_block_update(g, a, aidx, na, b, bidx, nb, n, e);
    for (int i = 0; i < ROWS * n; i++) {
        check("block_update A", n, i, a[i], ra[i], ma[i], nb + 2);
        check("block_update B", n, i, b[i], rb[i], mb[i], na + 2);
    }
    /* (rows of a multiple of 4 floats: GCC may contract the scalar loop over
     * the last n % 4 floats differently in the two inlined copies) */
    w2v_block_update_rows(g, a2, aidx, na, brows, nb, n, e2);
    for (int i = 0; i < ROWS * n; i++) {
        check("block_update_rows A", n, i, a2[i], ra[i], ma[i], nb + 2);
        check("block_update_rows B", n, i, b2[i], rb[i], mb[i], na + 2);
    }
    if (n % 4 == 0 && (memcmp(a, a2, sizeof a2) != 0 || memcmp(b, b2, sizeof b2) != 0)) {
        printf("FAIL %s: block_update_rows n=%d: other bits than block_update\n", variant, n);
        failures++;
    }
}

/* y = y0 + sum_k c[k * stride] * row_k: y0 NULL or in place, stride 1 or 0
 * (one coefficient for every row). */
static void test_combine(int n, const int32_t *idx, int k) {
    float y[MAXN], cs[ROWS];
    fill(a, ROWS * n); fill(y, n);
    for (int j = 0; j < k; j++) cs[j] = uniform();
    for (int pass = 0; pass < 4; pass++) {
        int in_place = pass & 1, stride = pass < 2 ? 1 : 0;
        for (int t = 0; t < n; t++) {
            double sum = in_place ? y[t] : 0, m = in_place ? fabs(y[t]) : 0;
            for (int j = 0; j < k; j++) {
                double v = (double)cs[j * stride] * W2V_ROW(a, idx, j, n)[t];
                sum += v;
                m += fabs(v);
            }
            ra[t] = sum;
            ma[t] = m;
        }
        w2v_combine(y, in_place ? y : NULL, cs, stride, a, idx, k, n);
        for (int t = 0; t < n; t++) check("combine", n, t, y[t], ra[t], ma[t], k + 1);
    }
}

/* A fingerprint of dot_block's output bits on fixed rows (FNV-1a), for
 * comparing builds: with and without W2V_NO_SHUFFLE, every variant must
 * print the same value (the joint sums add the same values in the same
 * order as the separate ones). */
static uint64_t dot_block_bits(void) {
    static const int NAS[] = {1, 2, 3, 4, 5, 7, 8, 10}, NBS[] = {1, 2, 3, 4, 5, 6, 9, 12};
    uint64_t saved = rng, h = 1469598103934665603u;
    rng = 0x2545f4914f6cdd1du;
    for (int s = 0; s < NSIZES; s++)
        for (int p = 0; p < 8; p++)
            for (int q = 0; q < 8; q++) {
                int n = SIZES[s], na = NAS[p], nb = NBS[q];
                float out[ROWS * ROWS];
                fill(a, ROWS * n); fill(b, ROWS * n);
                w2v_dot_block(a, NULL, na, b, IDX, nb, n, out);
                for (int i = 0; i < na * nb; i++) {
                    uint32_t u;
                    memcpy(&u, out + i, 4);
                    for (int k = 0; k < 4; k++) h = (h ^ ((u >> (8 * k)) & 0xff)) * 1099511628211u;
                }
            }
    rng = saved;
    return h;
}

static void run_all(const char *name) {
    variant = name;
    int before = failures;
    printf("dot_block bits %s: %016llx\n", name, (unsigned long long)dot_block_bits());
    for (int s = 0; s < NSIZES; s++) {
        int n = SIZES[s];
        test_row_ops(n);
        test_rows(n, IDX, ROWS);
        test_rows(n, NULL, 5);
        test_publish(n);
        test_block(n, IDX, 4, IDX + 3, 9);     /* row 2 twice in A; 9 = 4 + 4 + 1 */
        test_block(n, NULL, 4, IDX, 4);
        test_block(n, IDX + 2, 2, NULL, 7);
        test_combine(n, IDX, 9);
        test_combine(n, NULL, 0);
    }
    printf("%s %s: %s\n", failures == before ? "ok  " : "FAIL", name,
           failures == before ? "every primitive agrees with the reference" : "wrong values");
}

int main(void) {
    printf("w2v_simd_level(): %s\n", w2v_simd_level());
#ifdef W2V_DISPATCH
    struct w2v_kernels picked = w2v_k;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) {
        w2v_k = w2v_kernels_avx512;
        run_all("avx512");
    } else {
        printf("skip avx512: not supported by this CPU\n");
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        w2v_k = w2v_kernels_avx2;
        run_all("avx2+fma");
    } else {
        printf("skip avx2+fma: not supported by this CPU\n");
    }
    w2v_k = w2v_kernels_own;
    run_all(W2V_OWN_LEVEL " (own target)");
    w2v_k = picked;
#else
    run_all(W2V_OWN_LEVEL " (one variant)");
#endif
    return failures ? 1 : 0;
}
