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

/* The sums of 4 chunks' lanes at once: lane j is chunk_sum(c_j), with the
 * same adds of the same values, the 4 chunks' partial sums packed into
 * common vectors by shuffles (about a quarter of the instructions of 4
 * chunk_sums).  Halves: h_j[l] = c_j[l] + c_j[l + 8], quarters: q_j[m] =
 * h_j[m] + h_j[m + 4], then (q_j[0] + q_j[2]) + (q_j[1] + q_j[3]). */
W2V_IN w2v_v4 W2V_F(chunk_sum4)(const W2V_VEC *c0, const W2V_VEC *c1, const W2V_VEC *c2,
                                const W2V_VEC *c3) {
#ifndef W2V_HAVE_SHUFFLE
    return (w2v_v4){W2V_F(chunk_sum)(c0), W2V_F(chunk_sum)(c1), W2V_F(chunk_sum)(c2),
                    W2V_F(chunk_sum)(c3)};
#else
    w2v_v4 u01, u23;    /* q_j[0] + q_j[2], q_j[1] + q_j[3] of chunks 0, 1 and 2, 3 */
#if W2V_NK == 4
    w2v_v4 q0 = (c0[0] + c0[2]) + (c0[1] + c0[3]), q1 = (c1[0] + c1[2]) + (c1[1] + c1[3]);
    w2v_v4 q2 = (c2[0] + c2[2]) + (c2[1] + c2[3]), q3 = (c3[0] + c3[2]) + (c3[1] + c3[3]);
    u01 = W2V_SHUF4(q0, q1, 0, 1, 4, 5) + W2V_SHUF4(q0, q1, 2, 3, 6, 7);
    u23 = W2V_SHUF4(q2, q3, 0, 1, 4, 5) + W2V_SHUF4(q2, q3, 2, 3, 6, 7);
#else
    w2v_v8 h[4];
    const W2V_VEC *c[4] = {c0, c1, c2, c3};
    for (int j = 0; j < 4; j++) {
#if W2V_NK == 1
        w2v_v8 lo, hi;
        memcpy(&lo, c[j], 32);
        memcpy(&hi, (const char *)c[j] + 32, 32);
        h[j] = lo + hi;
#else
        h[j] = c[j][0] + c[j][1];
#endif
    }
    w2v_v8 t01 = W2V_SHUF8(h[0], h[1], 0, 1, 2, 3, 8, 9, 10, 11)
               + W2V_SHUF8(h[0], h[1], 4, 5, 6, 7, 12, 13, 14, 15);   /* q_0, q_1 */
    w2v_v8 t23 = W2V_SHUF8(h[2], h[3], 0, 1, 2, 3, 8, 9, 10, 11)
               + W2V_SHUF8(h[2], h[3], 4, 5, 6, 7, 12, 13, 14, 15);   /* q_2, q_3 */
    w2v_v8 u = W2V_SHUF8(t01, t23, 0, 1, 4, 5, 8, 9, 12, 13)
             + W2V_SHUF8(t01, t23, 2, 3, 6, 7, 10, 11, 14, 15);
    memcpy(&u01, &u, 16);
    memcpy(&u23, (const char *)&u + 16, 16);
#endif
    return W2V_SHUF4(u01, u23, 0, 2, 4, 6) + W2V_SHUF4(u01, u23, 1, 3, 5, 7);
#endif
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

/* row j += now_j - before_j for j < k (rows: W2V_ROW): publish a block's net change. */
W2V_FN void W2V_F(publish_rows)(float *base, const int32_t *idx, int k, int n,
                                const float *now, const float *before) {
    for (int j = 0; j < k; j++) {
        float *row = W2V_ROW(base, idx, j, n);
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
    w2v_v4 sums = W2V_F(chunk_sum4)(a0, a1, a2, a3);
    memcpy(out, &sums, 16);
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
        w2v_v4 sums = W2V_F(chunk_sum4)(a[t][0], a[t][1], a[t][2], a[t][3]);
        memcpy(o, &sums, 16);
        for (int k = i; k < n; k++)
            for (int j = 0; j < 4; j++) o[j] += x[t][k] * r[j][k];
    }
}

/* dot4_body with the roles swapped: out[t * stride] = dot(x[t], r) for
 * t < 4, the row's chunks loaded once for the 4 inputs; per (input, row)
 * the same operations in the same order as dot4_body. */
W2V_IN void W2V_F(dot_col4_body)(const float *const *x, const float *r, int n, float *out,
                                 int64_t stride) {
    W2V_VEC a[4][W2V_NK];
    for (int t = 0; t < 4; t++)
        for (int u = 0; u < W2V_NK; u++) a[t][u] = (W2V_VEC){0};
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int u = 0; u < W2V_NK; u++) {
            int o = i + u * W2V_VW;
            W2V_VEC b = W2V_LD(r + o);
            for (int t = 0; t < 4; t++) a[t][u] += W2V_LD(x[t] + o) * b;
        }
    if (n > 16 && i < n) {      /* the partial last chunk, in the vector lanes */
        for (int u = 0; u < W2V_NK; u++) {
            W2V_VEC b = W2V_LD(r + n - 16 + u * W2V_VW);
            for (int t = 0; t < 4; t++) a[t][u] += W2V_F(tail_load)(x[t], n, u) * b;
        }
        i = n;
    }
    w2v_v4 sums = W2V_F(chunk_sum4)(a[0], a[1], a[2], a[3]);
    for (int t = 0; t < 4; t++) {
        float s = sums[t];
        for (int k = i; k < n; k++) s += x[t][k] * r[k];
        out[t * stride] = s;
    }
}

/* out[i * nb + j] = dot(A_i, B_j) for i < na, j < nb: W2V_TA inputs x 4
 * rows at a time, then 1 input x 4 rows; the last nb % 4 rows 4 inputs at
 * a time, then single dots.  Which dots go where depends on na and nb
 * only (every variant computes the same sums: dot_tile_body, dot4_body and
 * dot_col4_body do the same operations per dot). */
W2V_IN void W2V_F(dot_block_body)(const float *abase, const int32_t *aidx, int na,
                                  const float *bbase, const int32_t *bidx, float *const *brows,
                                  int nb, int n, float *out) {
    int nb4 = nb / 4 * 4, i = 0;
    for (; i + W2V_TA <= na; i += W2V_TA) {
        const float *x[W2V_TA];
        for (int t = 0; t < W2V_TA; t++) x[t] = W2V_ROW(abase, aidx, i + t, n);
        for (int j = 0; j < nb4; j += 4) {
            const float *r[4] = {W2V_ROWP(bbase, bidx, brows, j, n), W2V_ROWP(bbase, bidx, brows, j + 1, n),
                                 W2V_ROWP(bbase, bidx, brows, j + 2, n), W2V_ROWP(bbase, bidx, brows, j + 3, n)};
            W2V_F(dot_tile_body)(x, r, n, out + (int64_t)i * nb + j, nb);
        }
    }
    for (; i < na; i++) {
        const float *x = W2V_ROW(abase, aidx, i, n);
        float *o = out + (int64_t)i * nb;
        for (int j = 0; j < nb4; j += 4)
            W2V_F(dot4_body)(x, W2V_ROWP(bbase, bidx, brows, j, n), W2V_ROWP(bbase, bidx, brows, j + 1, n),
                             W2V_ROWP(bbase, bidx, brows, j + 2, n), W2V_ROWP(bbase, bidx, brows, j + 3, n),
                             n, o + j);
    }
    for (int j = nb4; j < nb; j++) {
        const float *r = W2V_ROWP(bbase, bidx, brows, j, n);
        int t = 0;
        for (; t + 4 <= na; t += 4) {
            const float *x[4] = {W2V_ROW(abase, aidx, t, n), W2V_ROW(abase, aidx, t + 1, n),
                                 W2V_ROW(abase, aidx, t + 2, n), W2V_ROW(abase, aidx, t + 3, n)};
            W2V_F(dot_col4_body)(x, r, n, out + (int64_t)t * nb + j, nb);
        }
        for (; t < na; t++) out[(int64_t)t * nb + j] = W2V_F(dot_body)(W2V_ROW(abase, aidx, t, n), r, n);
    }
}
W2V_FN void W2V_F(dot_block)(const float *abase, const int32_t *aidx, int na,
                             const float *bbase, const int32_t *bidx, int nb,
                             int n, float *out) {
    W2V_F(dot_block_body)(abase, aidx, na, bbase, bidx, NULL, nb, n, out);
}

/* dot_block with the B rows given as pointers (brows[j] for j < nb). */
W2V_FN void W2V_F(dot_block_rows)(const float *abase, const int32_t *aidx, int na,
                                  float *const *brows, int nb, int n, float *out) {
    W2V_F(dot_block_body)(abase, aidx, na, NULL, NULL, brows, nb, n, out);
}
#undef W2V_TA

/* y = y0 + sum_k c[k * stride] * rows[k] (rows[k] = W2V_ROW(base, idx, k, n)),
 * one 16-float chunk of y in registers at a time.  y may be y0 (in place). */
W2V_IN void W2V_F(combine_body)(float *y, const float *y0, const float *c, int64_t stride,
                                const float *base, const int32_t *idx, float *const *rows,
                                int nk, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        W2V_VEC acc[W2V_NK];
        for (int u = 0; u < W2V_NK; u++)
            acc[u] = y0 ? W2V_LD(y0 + i + u * W2V_VW) : (W2V_VEC){0};
        for (int k = 0; k < nk; k++) {
            const float *row = W2V_ROWP(base, idx, rows, k, n) + i;
            float ck = c[k * stride];
            for (int u = 0; u < W2V_NK; u++) acc[u] += ck * W2V_LD(row + u * W2V_VW);
        }
        for (int u = 0; u < W2V_NK; u++) W2V_ST(y + i + u * W2V_VW) = acc[u];
    }
    for (; i + 4 <= n; i += 4) {    /* the same per-float operations, 4 floats at a time */
        w2v_v4u acc = y0 ? *(const w2v_v4u *)(y0 + i) : (w2v_v4u){0};
        for (int k = 0; k < nk; k++)
            acc += c[k * stride] * *(const w2v_v4u *)(W2V_ROWP(base, idx, rows, k, n) + i);
        *(w2v_v4u *)(y + i) = acc;
    }
    for (; i < n; i++) {
        float acc = y0 ? y0[i] : 0.0f;
        for (int k = 0; k < nk; k++) acc += c[k * stride] * W2V_ROWP(base, idx, rows, k, n)[i];
        y[i] = acc;
    }
}

/* y = y0 + sum_k c[k * stride] * rows[k] (y0 NULL: 0; y may be y0).
 * stride 0: one coefficient c[0] for every row (a plain sum with c[0] = 1
 * computes what repeated axpy(1, row, y) does, in the same order). */
W2V_FN void W2V_F(combine)(float *y, const float *y0, const float *c, int64_t stride,
                           const float *base, const int32_t *idx, int nk, int n) {
    W2V_F(combine_body)(y, y0, c, stride, base, idx, NULL, nk, n);
}

/* combine_body for 4 outputs at once, in place: y_r += sum_k
 * c[r * rs + k * ks] * rows[k] for r < 4.  Each row chunk is loaded once for
 * the 4 outputs (4 independent sums per chunk); every output lane sees the
 * same operations in the same order as combine_body's.  The y_r must be
 * distinct rows and none of them one of the rows[k]. */
W2V_IN void W2V_F(combine4_body)(float *y0, float *y1, float *y2, float *y3, const float *c,
                                 int64_t rs, int64_t ks, const float *base, const int32_t *idx,
                                 float *const *rows, int nk, int n) {
    float *y[4] = {y0, y1, y2, y3};
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        W2V_VEC acc[4][W2V_NK];
        for (int r = 0; r < 4; r++)
            for (int u = 0; u < W2V_NK; u++) acc[r][u] = W2V_LD(y[r] + i + u * W2V_VW);
        for (int k = 0; k < nk; k++) {
            const float *row = W2V_ROWP(base, idx, rows, k, n) + i;
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
            w2v_v4u v = *(const w2v_v4u *)(W2V_ROWP(base, idx, rows, k, n) + i);
            for (int r = 0; r < 4; r++) acc[r] += c[r * rs + k * ks] * v;
        }
        for (int r = 0; r < 4; r++) *(w2v_v4u *)(y[r] + i) = acc[r];
    }
    for (; i < n; i++)
        for (int r = 0; r < 4; r++) {
            float acc = y[r][i];
            for (int k = 0; k < nk; k++) acc += c[r * rs + k * ks] * W2V_ROWP(base, idx, rows, k, n)[i];
            y[r][i] = acc;
        }
}

/* The output side of one batched step, from the gradients g[i * nb + j]
 * of the block of dots, all from the values before the step:
 *     err_i += sum_j g_ij B_j;   B_j += sum_i g_ij A_i.
 * err: na * n floats (accumulated into, not cleared).  Rows listed twice
 * get both updates (one after the other).  Outputs are combined 4 at a
 * time where they are distinct rows, with the same arithmetic per row. */
W2V_IN void W2V_F(block_backprop_body)(const float *g, const float *abase, const int32_t *aidx,
                                       int na, float *bbase, const int32_t *bidx,
                                       float *const *brows, int nb, int n, float *err) {
    int i = 0;
    for (; i + 4 <= na; i += 4)
        W2V_F(combine4_body)(err + (int64_t)i * n, err + (int64_t)(i + 1) * n,
                             err + (int64_t)(i + 2) * n, err + (int64_t)(i + 3) * n,
                             g + (int64_t)i * nb, nb, 1, bbase, bidx, brows, nb, n);
    for (; i < na; i++) {
        float *e = err + (int64_t)i * n;
        W2V_F(combine_body)(e, e, g + (int64_t)i * nb, 1, bbase, bidx, brows, nb, n);
    }
    int j = 0;
    for (; j + 4 <= nb; j += 4) {
        float *r0 = W2V_ROWP(bbase, bidx, brows, j, n), *r1 = W2V_ROWP(bbase, bidx, brows, j + 1, n);
        float *r2 = W2V_ROWP(bbase, bidx, brows, j + 2, n), *r3 = W2V_ROWP(bbase, bidx, brows, j + 3, n);
        if (r0 != r1 && r0 != r2 && r0 != r3 && r1 != r2 && r1 != r3 && r2 != r3) {
            W2V_F(combine4_body)(r0, r1, r2, r3, g + j, 1, nb, abase, aidx, NULL, na, n);
        } else {
            for (int t = 0; t < 4; t++) {
                float *row = W2V_ROWP(bbase, bidx, brows, j + t, n);
                W2V_F(combine_body)(row, row, g + j + t, nb, abase, aidx, NULL, na, n);
            }
        }
    }
    for (; j < nb; j++) {
        float *row = W2V_ROWP(bbase, bidx, brows, j, n);
        W2V_F(combine_body)(row, row, g + j, nb, abase, aidx, NULL, na, n);
    }
}

W2V_FN void W2V_F(block_backprop)(const float *g, const float *abase, const int32_t *aidx, int na,
                                  float *bbase, const int32_t *bidx, int nb, int n, float *err) {
    W2V_F(block_backprop_body)(g, abase, aidx, na, bbase, bidx, NULL, nb, n, err);
}

/* The two rank-k updates of one batched step, from the gradients
 * g[i * nb + j] of the block of dots, all from the values before the step:
 *     err_i = sum_j g_ij B_j;   B_j += sum_i g_ij A_i;   A_i += err_i.
 * err: na * n floats of scratch.  Rows listed twice get both updates. */
W2V_IN void W2V_F(block_update_body)(const float *g, float *abase, const int32_t *aidx, int na,
                                     float *bbase, const int32_t *bidx, float *const *brows,
                                     int nb, int n, float *err) {
    memset(err, 0, (size_t)na * n * sizeof(float));
    W2V_F(block_backprop_body)(g, abase, aidx, na, bbase, bidx, brows, nb, n, err);
    for (int i = 0; i < na; i++) {
        float *row = W2V_ROW(abase, aidx, i, n);
        const float *e = err + (int64_t)i * n;
        W2V_SIMD
        for (int k = 0; k < n; k++) row[k] += e[k];
    }
}

W2V_FN void W2V_F(block_update)(const float *g, float *abase, const int32_t *aidx, int na,
                                float *bbase, const int32_t *bidx, int nb, int n, float *err) {
    W2V_F(block_update_body)(g, abase, aidx, na, bbase, bidx, NULL, nb, n, err);
}

/* block_update with the B rows given as pointers (brows[j] for j < nb). */
W2V_FN void W2V_F(block_update_rows)(const float *g, float *abase, const int32_t *aidx, int na,
                                     float *const *brows, int nb, int n, float *err) {
    W2V_F(block_update_body)(g, abase, aidx, na, NULL, NULL, brows, nb, n, err);
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
