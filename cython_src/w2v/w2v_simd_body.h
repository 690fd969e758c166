/* The vector primitives, written once and compiled once per variant:
 * w2v_simd.h includes this file with
 *   W2V_F(name)  the variant's name for a primitive or helper,
 *   W2V_TARGET   its target attribute (empty: the compiler's own target),
 *   W2V_VB       the bytes of its native float vector (64, 32 or 16).
 * A 16-float chunk of a row is W2V_NK native vectors; every chunk lane sees
 * the same operations in the same order whatever W2V_VB is, so all variants
 * compute the same sums (only FMA contraction differs between targets).
 * Only generic vector types, no intrinsics: the compiler maps them to
 * AVX-512, AVX2, SSE2 or NEON registers. */

#define W2V_VW (W2V_VB / 4)         /* floats per native vector */
#define W2V_NK (16 / W2V_VW)        /* native vectors per 16-float chunk */
#define W2V_VEC W2V_F(vec)
#define W2V_LD(p) (*(const W2V_VEC *)(p))
#define W2V_ST(p) (*(W2V_VEC *)(p))
#define W2V_FN W2V_TARGET static
#define W2V_IN W2V_TARGET W2V_INLINE

/* may_alias + aligned(4): it may overlay any float row. */
typedef float W2V_VEC __attribute__((vector_size(W2V_VB), aligned(4), may_alias));

/* Sum of a chunk's 16 lanes as a tree: lane l + lane l+8, then + l+4, then
 * (0 + 2) + (1 + 3) (a 16-step scalar chain would cost more than the products). */
W2V_IN float W2V_F(chunk_sum)(const W2V_VEC *c) {
#if W2V_NK == 1
    w2v_v8 lo, hi;
    memcpy(&lo, c, 32);
    memcpy(&hi, (const char *)c + 32, 32);
    w2v_v8 h = lo + hi;
#elif W2V_NK == 2
    w2v_v8 h = c[0] + c[1];
#endif
#if W2V_NK == 4
    w2v_v4 q = (c[0] + c[2]) + (c[1] + c[3]);
#else
    w2v_v4 ql, qh;
    memcpy(&ql, &h, 16);
    memcpy(&qh, (const char *)&h + 16, 16);
    w2v_v4 q = ql + qh;
#endif
    return (q[0] + q[2]) + (q[1] + q[3]);
}

/* The partial last chunk of a row of n floats (n > 16, n % 16 > 0) as
 * native vector u of the chunk that ends the row, lanes already covered by
 * the full chunks zeroed (w2v_tail_mask): x * 1 and x * 0 are exact, so the
 * new lanes' products are the row's and the others add nothing. */
W2V_IN W2V_VEC W2V_F(tail_load)(const float *x, int n, int u) {
    return W2V_LD(x + n - 16 + u * W2V_VW) * W2V_LD(w2v_tail_mask + n % 16 + u * W2V_VW);
}

W2V_IN float W2V_F(dot_body)(const float *a, const float *b, int n) {
    W2V_VEC acc0[W2V_NK], acc1[W2V_NK];
    for (int u = 0; u < W2V_NK; u++) acc0[u] = acc1[u] = (W2V_VEC){0};
    int i = 0;
    for (; i + 32 <= n; i += 32)
        for (int u = 0; u < W2V_NK; u++) {
            acc0[u] += W2V_LD(a + i + u * W2V_VW) * W2V_LD(b + i + u * W2V_VW);
            acc1[u] += W2V_LD(a + i + 16 + u * W2V_VW) * W2V_LD(b + i + 16 + u * W2V_VW);
        }
    if (i + 16 <= n) {
        for (int u = 0; u < W2V_NK; u++)
            acc0[u] += W2V_LD(a + i + u * W2V_VW) * W2V_LD(b + i + u * W2V_VW);
        i += 16;
    }
    if (n > 16 && i < n) {      /* the partial last chunk, in the vector lanes */
        for (int u = 0; u < W2V_NK; u++)
            acc1[u] += W2V_F(tail_load)(a, n, u) * W2V_LD(b + n - 16 + u * W2V_VW);
        i = n;
    }
    for (int u = 0; u < W2V_NK; u++) acc0[u] += acc1[u];
    float s = W2V_F(chunk_sum)(acc0);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/* err += g * out;  out += g * in   (err uses the old out) */
W2V_IN void W2V_F(pair_update_body)(float g, float *out, float *err, const float *in, int n) {
    W2V_SIMD
    for (int i = 0; i < n; i++) {
        float o = out[i];
        err[i] += g * o;
        out[i] = o + g * in[i];
    }
}

/* dot(a, b) */
W2V_FN float W2V_F(dot)(const float *a, const float *b, int n) {
    return W2V_F(dot_body)(a, b, n);
}

/* out[j] = dot(x, row j) for j < k: the dots of one input against all its
 * output rows, issued together so their memory loads overlap. */
W2V_FN void W2V_F(dot_rows)(const float *x, const float *base, const int32_t *idx,
                            int k, int n, float *out) {
    for (int j = 0; j < k; j++) out[j] = W2V_F(dot_body)(x, W2V_ROW(base, idx, j, n), n);
}

/* For each j < k with g[j] != 0: err += g[j] * row_j; row_j += g[j] * x. */
W2V_FN void W2V_F(update_rows)(const float *g, float *base, const int32_t *idx,
                               int k, int n, float *err, const float *x) {
    for (int j = 0; j < k; j++)
        if (g[j] != 0.0f) W2V_F(pair_update_body)(g[j], W2V_ROW(base, idx, j, n), err, x, n);
}

/* base[idx[j]] += now_j - before_j for j < k: publish a block's net change. */
W2V_FN void W2V_F(publish_rows)(float *base, const int32_t *idx, int k, int n,
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
 * chunk of a row is loaded once into registers and used for every row of
 * the other side. */

/* out[j] = dot(x, rows[j]) for 4 rows at once (4 independent accumulators). */
W2V_IN void W2V_F(dot4_body)(const float *x, const float *r0, const float *r1, const float *r2,
                             const float *r3, int n, float *out) {
    W2V_VEC a0[W2V_NK], a1[W2V_NK], a2[W2V_NK], a3[W2V_NK];
    for (int u = 0; u < W2V_NK; u++) a0[u] = a1[u] = a2[u] = a3[u] = (W2V_VEC){0};
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int u = 0; u < W2V_NK; u++) {
            int o = i + u * W2V_VW;
            W2V_VEC v = W2V_LD(x + o);
            a0[u] += v * W2V_LD(r0 + o);
            a1[u] += v * W2V_LD(r1 + o);
            a2[u] += v * W2V_LD(r2 + o);
            a3[u] += v * W2V_LD(r3 + o);
        }
    if (n > 16 && i < n) {      /* the partial last chunk, in the vector lanes */
        for (int u = 0; u < W2V_NK; u++) {
            int o = n - 16 + u * W2V_VW;
            W2V_VEC v = W2V_F(tail_load)(x, n, u);
            a0[u] += v * W2V_LD(r0 + o);
            a1[u] += v * W2V_LD(r1 + o);
            a2[u] += v * W2V_LD(r2 + o);
            a3[u] += v * W2V_LD(r3 + o);
        }
        i = n;
    }
    out[0] = W2V_F(chunk_sum)(a0);
    out[1] = W2V_F(chunk_sum)(a1);
    out[2] = W2V_F(chunk_sum)(a2);
    out[3] = W2V_F(chunk_sum)(a3);
    const float *r[4] = {r0, r1, r2, r3};
    for (; i < n; i++)
        for (int j = 0; j < 4; j++) out[j] += x[i] * r[j][i];
}

/* dot4_body for W2V_TA input rows at once: out[r * nb + j] for r < W2V_TA,
 * j < 4; each chunk of the 4 rows is loaded once for all the inputs.  Per
 * (input, row) the same operations in the same order as dot4_body. */
#define W2V_TA (W2V_NK == 1 ? 4 : 2)
W2V_IN void W2V_F(dot_tile_body)(const float *const *x, const float *const *r, int n, float *out,
                                 int64_t nb) {
    W2V_VEC a[W2V_TA][4][W2V_NK];
    for (int t = 0; t < W2V_TA; t++)
        for (int j = 0; j < 4; j++)
            for (int u = 0; u < W2V_NK; u++) a[t][j][u] = (W2V_VEC){0};
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int u = 0; u < W2V_NK; u++) {
            int o = i + u * W2V_VW;
            W2V_VEC b0 = W2V_LD(r[0] + o), b1 = W2V_LD(r[1] + o), b2 = W2V_LD(r[2] + o),
                    b3 = W2V_LD(r[3] + o);
            for (int t = 0; t < W2V_TA; t++) {
                W2V_VEC v = W2V_LD(x[t] + o);
                a[t][0][u] += v * b0;
                a[t][1][u] += v * b1;
                a[t][2][u] += v * b2;
                a[t][3][u] += v * b3;
            }
        }
    if (n > 16 && i < n) {      /* the partial last chunk, in the vector lanes */
        for (int u = 0; u < W2V_NK; u++) {
            int o = n - 16 + u * W2V_VW;
            W2V_VEC b0 = W2V_LD(r[0] + o), b1 = W2V_LD(r[1] + o), b2 = W2V_LD(r[2] + o),
                    b3 = W2V_LD(r[3] + o);
            for (int t = 0; t < W2V_TA; t++) {
                W2V_VEC v = W2V_F(tail_load)(x[t], n, u);
                a[t][0][u] += v * b0;
                a[t][1][u] += v * b1;
                a[t][2][u] += v * b2;
                a[t][3][u] += v * b3;
            }
        }
        i = n;
    }
    for (int t = 0; t < W2V_TA; t++) {
        float *o = out + t * nb;
        for (int j = 0; j < 4; j++) o[j] = W2V_F(chunk_sum)(a[t][j]);
        for (int k = i; k < n; k++)
            for (int j = 0; j < 4; j++) o[j] += x[t][k] * r[j][k];
    }
}

/* out[i * nb + j] = dot(A_i, B_j) for i < na, j < nb: W2V_TA inputs x 4
 * rows at a time, then 1 input x 4 rows, then single dots (the same sums
 * as dot4_body and dot_body on those rows). */
W2V_FN void W2V_F(dot_block)(const float *abase, const int32_t *aidx, int na,
                             const float *bbase, const int32_t *bidx, int nb,
                             int n, float *out) {
    int nb4 = nb / 4 * 4, i = 0;
    for (; i + W2V_TA <= na; i += W2V_TA) {
        const float *x[W2V_TA];
        for (int t = 0; t < W2V_TA; t++) x[t] = W2V_ROW(abase, aidx, i + t, n);
        for (int j = 0; j < nb4; j += 4) {
            const float *r[4] = {W2V_ROW(bbase, bidx, j, n), W2V_ROW(bbase, bidx, j + 1, n),
                                 W2V_ROW(bbase, bidx, j + 2, n), W2V_ROW(bbase, bidx, j + 3, n)};
            W2V_F(dot_tile_body)(x, r, n, out + (int64_t)i * nb + j, nb);
        }
        for (int t = 0; t < W2V_TA; t++)
            for (int j = nb4; j < nb; j++)
                out[(int64_t)(i + t) * nb + j] = W2V_F(dot_body)(x[t], W2V_ROW(bbase, bidx, j, n), n);
    }
    for (; i < na; i++) {
        const float *x = W2V_ROW(abase, aidx, i, n);
        float *o = out + (int64_t)i * nb;
        int j = 0;
        for (; j < nb4; j += 4)
            W2V_F(dot4_body)(x, W2V_ROW(bbase, bidx, j, n), W2V_ROW(bbase, bidx, j + 1, n),
                             W2V_ROW(bbase, bidx, j + 2, n), W2V_ROW(bbase, bidx, j + 3, n),
                             n, o + j);
        for (; j < nb; j++) o[j] = W2V_F(dot_body)(x, W2V_ROW(bbase, bidx, j, n), n);
    }
}
#undef W2V_TA

/* y = y0 + sum_k c[k * stride] * rows[k] (rows[k] = W2V_ROW(base, idx, k, n)),
 * one 16-float chunk of y in registers at a time.  y may be y0 (in place). */
W2V_IN void W2V_F(combine_body)(float *y, const float *y0, const float *c, int64_t stride,
                                const float *base, const int32_t *idx, int nk, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        W2V_VEC acc[W2V_NK];
        for (int u = 0; u < W2V_NK; u++)
            acc[u] = y0 ? W2V_LD(y0 + i + u * W2V_VW) : (W2V_VEC){0};
        for (int k = 0; k < nk; k++) {
            const float *row = W2V_ROW(base, idx, k, n) + i;
            float ck = c[k * stride];
            for (int u = 0; u < W2V_NK; u++) acc[u] += ck * W2V_LD(row + u * W2V_VW);
        }
        for (int u = 0; u < W2V_NK; u++) W2V_ST(y + i + u * W2V_VW) = acc[u];
    }
    for (; i + 4 <= n; i += 4) {    /* the same per-float operations, 4 floats at a time */
        w2v_v4u acc = y0 ? *(const w2v_v4u *)(y0 + i) : (w2v_v4u){0};
        for (int k = 0; k < nk; k++)
            acc += c[k * stride] * *(const w2v_v4u *)(W2V_ROW(base, idx, k, n) + i);
        *(w2v_v4u *)(y + i) = acc;
    }
    for (; i < n; i++) {
        float acc = y0 ? y0[i] : 0.0f;
        for (int k = 0; k < nk; k++) acc += c[k * stride] * W2V_ROW(base, idx, k, n)[i];
        y[i] = acc;
    }
}

/* y = y0 + sum_k c[k * stride] * rows[k] (y0 NULL: 0; y may be y0).
 * stride 0: one coefficient c[0] for every row (a plain sum with c[0] = 1
 * computes what repeated axpy(1, row, y) does, in the same order). */
W2V_FN void W2V_F(combine)(float *y, const float *y0, const float *c, int64_t stride,
                           const float *base, const int32_t *idx, int nk, int n) {
    W2V_F(combine_body)(y, y0, c, stride, base, idx, nk, n);
}

/* combine_body for 4 outputs at once, in place: y_r += sum_k
 * c[r * rs + k * ks] * rows[k] for r < 4.  Each row chunk is loaded once for
 * the 4 outputs (4 independent sums per chunk); every output lane sees the
 * same operations in the same order as combine_body's.  The y_r must be
 * distinct rows and none of them one of the rows[k]. */
W2V_IN void W2V_F(combine4_body)(float *y0, float *y1, float *y2, float *y3, const float *c,
                                 int64_t rs, int64_t ks, const float *base, const int32_t *idx,
                                 int nk, int n) {
    float *y[4] = {y0, y1, y2, y3};
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        W2V_VEC acc[4][W2V_NK];
        for (int r = 0; r < 4; r++)
            for (int u = 0; u < W2V_NK; u++) acc[r][u] = W2V_LD(y[r] + i + u * W2V_VW);
        for (int k = 0; k < nk; k++) {
            const float *row = W2V_ROW(base, idx, k, n) + i;
            W2V_VEC v[W2V_NK];
            for (int u = 0; u < W2V_NK; u++) v[u] = W2V_LD(row + u * W2V_VW);
            for (int r = 0; r < 4; r++) {
                float ck = c[r * rs + k * ks];
                for (int u = 0; u < W2V_NK; u++) acc[r][u] += ck * v[u];
            }
        }
        for (int r = 0; r < 4; r++)
            for (int u = 0; u < W2V_NK; u++) W2V_ST(y[r] + i + u * W2V_VW) = acc[r][u];
    }
    for (; i + 4 <= n; i += 4) {    /* the same per-float operations, 4 floats at a time */
        w2v_v4u acc[4];
        for (int r = 0; r < 4; r++) acc[r] = *(const w2v_v4u *)(y[r] + i);
        for (int k = 0; k < nk; k++) {
            w2v_v4u v = *(const w2v_v4u *)(W2V_ROW(base, idx, k, n) + i);
            for (int r = 0; r < 4; r++) acc[r] += c[r * rs + k * ks] * v;
        }
        for (int r = 0; r < 4; r++) *(w2v_v4u *)(y[r] + i) = acc[r];
    }
    for (; i < n; i++)
        for (int r = 0; r < 4; r++) {
            float acc = y[r][i];
            for (int k = 0; k < nk; k++) acc += c[r * rs + k * ks] * W2V_ROW(base, idx, k, n)[i];
            y[r][i] = acc;
        }
}

/* The output side of one batched step, from the gradients g[i * nb + j]
 * of the block of dots, all from the values before the step:
 *     err_i += sum_j g_ij B_j;   B_j += sum_i g_ij A_i.
 * err: na * n floats (accumulated into, not cleared).  Rows listed twice
 * get both updates (one after the other).  Outputs are combined 4 at a
 * time where they are distinct rows, with the same arithmetic per row. */
W2V_FN void W2V_F(block_backprop)(const float *g, const float *abase, const int32_t *aidx, int na,
                                  float *bbase, const int32_t *bidx, int nb, int n, float *err) {
    int i = 0;
    for (; i + 4 <= na; i += 4)
        W2V_F(combine4_body)(err + (int64_t)i * n, err + (int64_t)(i + 1) * n,
                             err + (int64_t)(i + 2) * n, err + (int64_t)(i + 3) * n,
                             g + (int64_t)i * nb, nb, 1, bbase, bidx, nb, n);
    for (; i < na; i++) {
        float *e = err + (int64_t)i * n;
        W2V_F(combine_body)(e, e, g + (int64_t)i * nb, 1, bbase, bidx, nb, n);
    }
    int j = 0;
    for (; j + 4 <= nb; j += 4) {
        float *r0 = W2V_ROW(bbase, bidx, j, n), *r1 = W2V_ROW(bbase, bidx, j + 1, n);
        float *r2 = W2V_ROW(bbase, bidx, j + 2, n), *r3 = W2V_ROW(bbase, bidx, j + 3, n);
        if (r0 != r1 && r0 != r2 && r0 != r3 && r1 != r2 && r1 != r3 && r2 != r3) {
            W2V_F(combine4_body)(r0, r1, r2, r3, g + j, 1, nb, abase, aidx, na, n);
        } else {
            for (int t = 0; t < 4; t++) {
                float *row = W2V_ROW(bbase, bidx, j + t, n);
                W2V_F(combine_body)(row, row, g + j + t, nb, abase, aidx, na, n);
            }
        }
    }
    for (; j < nb; j++) {
        float *row = W2V_ROW(bbase, bidx, j, n);
        W2V_F(combine_body)(row, row, g + j, nb, abase, aidx, na, n);
    }
}

/* The two rank-k updates of one batched step, from the gradients
 * g[i * nb + j] of the block of dots, all from the values before the step:
 *     err_i = sum_j g_ij B_j;   B_j += sum_i g_ij A_i;   A_i += err_i.
 * err: na * n floats of scratch.  Rows listed twice get both updates. */
W2V_FN void W2V_F(block_update)(const float *g, float *abase, const int32_t *aidx, int na,
                                float *bbase, const int32_t *bidx, int nb, int n, float *err) {
    memset(err, 0, (size_t)na * n * sizeof(float));
    W2V_F(block_backprop)(g, abase, aidx, na, bbase, bidx, nb, n, err);
    for (int i = 0; i < na; i++) {
        float *row = W2V_ROW(abase, aidx, i, n);
        const float *e = err + (int64_t)i * n;
        W2V_SIMD
        for (int k = 0; k < n; k++) row[k] += e[k];
    }
}

/* y += a * x */
W2V_FN void W2V_F(axpy)(float a, const float *x, float *y, int n) {
    W2V_SIMD
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

/* One output-layer update: err += g * out;  out += g * in. */
W2V_FN void W2V_F(pair_update)(float g, float *out, float *err, const float *in, int n) {
    W2V_F(pair_update_body)(g, out, err, in, n);
}

/* x *= a */
W2V_FN void W2V_F(scale)(float a, float *x, int n) {
    W2V_SIMD
    for (int i = 0; i < n; i++) x[i] *= a;
}

#undef W2V_VW
#undef W2V_NK
#undef W2V_VEC
#undef W2V_LD
#undef W2V_ST
#undef W2V_FN
#undef W2V_IN
