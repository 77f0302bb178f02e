/* SPDX-License-Identifier: MIT */
/* mlp_kern.h -- the training's two matrix kernels, included by mlp.c once per vector width.
 * Before including define KSUF(name) (the function names' suffix), KVEC (floats per vector: 4
 * or 8) and KATTR (function attributes, e.g. a target).
 *
 * Register tiles: with GCC or Clang, 4 rows x 2 vectors of outputs are accumulated in generic
 * vectors (vector_size: no intrinsics; the compiler maps them to the target's registers) for a
 * whole dot product, and each weight vector is loaded once for 4 rows; then 4 rows x 1 vector;
 * the remaining outputs (and everything with other compilers) go through plain loops. Every
 * output element sees exactly the same scalar operations in the same order on every path:
 *   dense_fwd:  y = bias (or 0); y += x[0] * w[0]; y += x[1] * w[1]; ...
 *   dense_grad: g = 0; g += x[b=0] * d[b=0]; g += x[1] * d[1]; ...  (gb likewise)
 * so the vector width changes the speed, never the result. */
#if defined(__GNUC__) && !defined(TR_NO_VECTOR_EXT)
#define KV 1
typedef float KSUF(vt) __attribute__((vector_size(4 * KVEC)));
typedef float KSUF(vh) __attribute__((vector_size(16)));
#define VT KSUF(vt)
#define VH KSUF(vh) /* 4 floats, for a remainder of 4 outputs when KVEC is 8 */
#define VLOAD(v, p) memcpy(&(v), (p), sizeof(VT)) /* unaligned; macros, as vectors wider than */
#define VSTORE(p, v) memcpy((p), &(v), sizeof(VT)) /* 16 bytes passed by value change the ABI */
#define HLOAD(v, p) memcpy(&(v), (p), sizeof(VH))
#define HSTORE(p, v) memcpy((p), &(v), sizeof(VH))
#else
#define KV 0
#endif

/* Y[b][o] = bias[o] + sum_i X[b][i] WT[i][o] (bias NULL: 0), summed in the order of i. */
KATTR static void KSUF(dense_fwd)(int bs, int ni, int no, const float *restrict X, const float *restrict WT,
                                  const float *restrict bias, float *restrict Y)
{
    for (int b = 0; b < bs; b += 4) {
        /* rows b..b+3; a short last group computes its first row again into scratch */
        float scratch[2 * KVEC];
        const int nr = bs - b < 4 ? bs - b : 4;
        const float *x[4];
        float *y[4];
        for (int r = 0; r < 4; r++) {
            x[r] = X + (size_t)(b + (r < nr ? r : 0)) * ni;
            y[r] = Y + (size_t)(b + (r < nr ? r : 0)) * no;
        }
        const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
        int o0 = 0;
#if KV
        for (; o0 + 2 * KVEC <= no; o0 += 2 * KVEC) {
            VT a0 = {0}, a1 = {0};
            if (bias) { VLOAD(a0, bias + o0); VLOAD(a1, bias + o0 + KVEC); }
            VT c00 = a0, c01 = a1, c10 = a0, c11 = a1, c20 = a0, c21 = a1, c30 = a0, c31 = a1;
            for (int i = 0; i < ni; i++) {
                VT w0, w1;
                VLOAD(w0, WT + (size_t)i * no + o0);
                VLOAD(w1, WT + (size_t)i * no + o0 + KVEC);
                const float s0 = x0[i], s1 = x1[i], s2 = x2[i], s3 = x3[i];
                c00 += s0 * w0; c01 += s0 * w1;
                c10 += s1 * w0; c11 += s1 * w1;
                c20 += s2 * w0; c21 += s2 * w1;
                c30 += s3 * w0; c31 += s3 * w1;
            }
            float *y1 = nr > 1 ? y[1] + o0 : scratch, *y2 = nr > 2 ? y[2] + o0 : scratch,
                  *y3 = nr > 3 ? y[3] + o0 : scratch;
            VSTORE(y[0] + o0, c00); VSTORE(y[0] + o0 + KVEC, c01);
            VSTORE(y1, c10); VSTORE(y1 + KVEC, c11);
            VSTORE(y2, c20); VSTORE(y2 + KVEC, c21);
            VSTORE(y3, c30); VSTORE(y3 + KVEC, c31);
        }
        for (; o0 + KVEC <= no; o0 += KVEC) {
            VT c0 = {0};
            if (bias) VLOAD(c0, bias + o0);
            VT c1 = c0, c2 = c0, c3 = c0;
            for (int i = 0; i < ni; i++) {
                VT w;
                VLOAD(w, WT + (size_t)i * no + o0);
                c0 += x0[i] * w;
                c1 += x1[i] * w;
                c2 += x2[i] * w;
                c3 += x3[i] * w;
            }
            VSTORE(y[0] + o0, c0);
            VSTORE(nr > 1 ? y[1] + o0 : scratch, c1);
            VSTORE(nr > 2 ? y[2] + o0 : scratch, c2);
            VSTORE(nr > 3 ? y[3] + o0 : scratch, c3);
        }
        for (; o0 + 4 <= no; o0 += 4) {
            VH c0 = {0};
            if (bias) HLOAD(c0, bias + o0);
            VH c1 = c0, c2 = c0, c3 = c0;
            for (int i = 0; i < ni; i++) {
                VH w;
                HLOAD(w, WT + (size_t)i * no + o0);
                c0 += x0[i] * w;
                c1 += x1[i] * w;
                c2 += x2[i] * w;
                c3 += x3[i] * w;
            }
            HSTORE(y[0] + o0, c0);
            HSTORE(nr > 1 ? y[1] + o0 : scratch, c1);
            HSTORE(nr > 2 ? y[2] + o0 : scratch, c2);
            HSTORE(nr > 3 ? y[3] + o0 : scratch, c3);
        }
#endif
        if (o0 < no)
            for (int r = 0; r < nr; r++) {
                const float *xr = x[r];
                float *yr = y[r];
                for (int o = o0; o < no; o++) yr[o] = bias ? bias[o] : 0.0f;
                for (int i = 0; i < ni; i++) {
                    const float a = xr[i];
                    const float *w = WT + (size_t)i * no;
                    for (int o = o0; o < no; o++) yr[o] += a * w[o];
                }
            }
    }
}

/* gWT[i][o] = sum_b X[b][i] D[b][o] and gb[o] = sum_b D[b][o], summed in the order of b from 0
 * (the gradient buffer is overwritten, not accumulated into). Tiles of 4 inputs x 2 vectors. */
KATTR static void KSUF(dense_grad)(int bs, int ni, int no, const float *restrict X, const float *restrict D,
                                   float *restrict gWT, float *restrict gb)
{
    for (int o = 0; o < no; o++) gb[o] = 0.0f;
    for (int b = 0; b < bs; b++) {
        const float *restrict d = D + (size_t)b * no;
        for (int o = 0; o < no; o++) gb[o] += d[o];
    }
    int o0 = 0;
#if KV
    for (; o0 + 2 * KVEC <= no; o0 += 2 * KVEC) {
        int i = 0;
        for (; i + 4 <= ni; i += 4) {
            VT c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
            for (int b = 0; b < bs; b++) {
                const float *xb = X + (size_t)b * ni + i;
                VT d0, d1;
                VLOAD(d0, D + (size_t)b * no + o0);
                VLOAD(d1, D + (size_t)b * no + o0 + KVEC);
                const float s0 = xb[0], s1 = xb[1], s2 = xb[2], s3 = xb[3];
                c00 += s0 * d0; c01 += s0 * d1;
                c10 += s1 * d0; c11 += s1 * d1;
                c20 += s2 * d0; c21 += s2 * d1;
                c30 += s3 * d0; c31 += s3 * d1;
            }
            float *g = gWT + (size_t)i * no + o0;
            VSTORE(g, c00); VSTORE(g + KVEC, c01);
            VSTORE(g + no, c10); VSTORE(g + no + KVEC, c11);
            VSTORE(g + 2 * no, c20); VSTORE(g + 2 * no + KVEC, c21);
            VSTORE(g + 3 * no, c30); VSTORE(g + 3 * no + KVEC, c31);
        }
        for (; i < ni; i++) {
            VT c0 = {0}, c1 = {0}, d0, d1;
            for (int b = 0; b < bs; b++) {
                VLOAD(d0, D + (size_t)b * no + o0);
                VLOAD(d1, D + (size_t)b * no + o0 + KVEC);
                const float sv = X[(size_t)b * ni + i];
                c0 += sv * d0; c1 += sv * d1;
            }
            float *g = gWT + (size_t)i * no + o0;
            VSTORE(g, c0); VSTORE(g + KVEC, c1);
        }
    }
    for (; o0 + KVEC <= no; o0 += KVEC)
        for (int i = 0; i < ni; i++) {
            VT c = {0}, d;
            for (int b = 0; b < bs; b++) {
                VLOAD(d, D + (size_t)b * no + o0);
                c += X[(size_t)b * ni + i] * d;
            }
            VSTORE(gWT + (size_t)i * no + o0, c);
        }
    for (; o0 + 4 <= no; o0 += 4)
        for (int i = 0; i < ni; i++) {
            VH c = {0}, d;
            for (int b = 0; b < bs; b++) {
                HLOAD(d, D + (size_t)b * no + o0);
                c += X[(size_t)b * ni + i] * d;
            }
            HSTORE(gWT + (size_t)i * no + o0, c);
        }
#endif
    if (o0 < no) {
        for (int i = 0; i < ni; i++)
            for (int o = o0; o < no; o++) gWT[(size_t)i * no + o] = 0.0f;
        for (int b = 0; b < bs; b++) {
            const float *x = X + (size_t)b * ni;
            const float *restrict d = D + (size_t)b * no;
            for (int i = 0; i < ni; i++) {
                const float a = x[i];
                float *restrict g = gWT + (size_t)i * no;
                for (int o = o0; o < no; o++) g[o] += a * d[o];
            }
        }
    }
}

/* One Adam step over n parameters, with the L2 penalty l2 * P folded into the gradient (0 for
 * biases) in the same pass: g = G + l2 P, then the flush and the moments (the same operations
 * in the same order as adding the penalty in a pass of its own, so the same bits; elementwise:
 * vectorised by the compiler, same bits at every width; sqrt and division are correctly rounded
 * IEEE operations). Subnormal numbers cost about a hundred cycles per operation on x86, and the
 * moments of inactive units decay geometrically into them: gradients below 1e-15 and moments
 * below 1e-30 are flushed to zero here, in plain C (MXCSR's flush-to-zero mode would do it
 * machine-dependently); no product is formed from a flushed gradient. */
KATTR static void KSUF(adam)(size_t np, float *restrict P, const float *restrict G, float *restrict Am,
                             float *restrict Av, float lr, float b1, float b2, float eps, float l2)
{
    for (size_t j = 0; j < np; j++) {
        float g = l2 > 0 ? G[j] + l2 * P[j] : G[j];
        g = fabsf(g) < 1e-15f ? 0.0f : g;
        float am = b1 * Am[j] + (1 - b1) * g, av = b2 * Av[j] + (1 - b2) * (g * g);
        am = fabsf(am) < 1e-30f ? 0.0f : am;
        av = av < 1e-30f ? 0.0f : av;
        Am[j] = am;
        Av[j] = av;
        P[j] -= lr * am / (sqrtf(av) + eps);
    }
}

#undef KV
#undef VT
#undef VH
#undef HLOAD
#undef HSTORE
#undef VLOAD
#undef VSTORE
