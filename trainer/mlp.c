/* SPDX-License-Identifier: MIT */
/* mlp.c -- the dense network: mini-batch Adam, cross-entropy, L2, class weights, early stopping,
 * feature-noise augmentation, and quantization-aware fine-tuning (fake-quantized weights and
 * activations, straight-through estimator).
 *
 * Speed and determinism. A mini-batch goes through each layer as a matrix product whose loops
 * are written so that the innermost loop runs over contiguous outputs and every output element
 * is a sum in a fixed order (bias, then input 0, 1, 2, ...): the compiler vectorises these loops
 * with plain -O2/-O3 (no -ffast-math, no reassociation), and the vector width does not change a
 * single bit of the result because vectorisation only runs independent elements side by side.
 * With -ffp-contract=off (no FMA contraction), IEEE single precision, and the trainer's own
 * exp/log (detmath.c instead of libm, whose results vary between libraries and CPUs), training
 * gives bit-identical models for a given seed on every machine and build type.
 *
 * Layouts: during training layer k keeps its weights transposed, WT[i][o] (sizes[k] x
 * sizes[k+1]), then its biases; the model stores W[o][i]. */
#include "trainer_int.h"
#include "tr_conv.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double tr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t tr_rand_u32(uint64_t *s) { return (uint32_t)(splitmix(s) >> 32); }
float tr_rand_uniform(uint64_t *s) { return (float)(splitmix(s) >> 40) * (1.0f / 16777216.0f); }

/* standard normal, Marsaglia's polar method (sqrt is exact IEEE, log is detmath's) */
float tr_rand_normal(uint64_t *s)
{
    double u, v, q;
    do {
        u = (double)(splitmix(s) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
        v = (double)(splitmix(s) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    return (float)(u * sqrt(-2.0 * tr_log(q) / q));
}

void tr_random_rotation(uint64_t *s, float max_deg, float R[9])
{
    /* rotation by a random angle up to max_deg about a random axis (Rodrigues) */
    double ax[3], n = 0;
    for (int i = 0; i < 3; i++) { ax[i] = tr_rand_normal(s); n += ax[i] * ax[i]; }
    n = sqrt(n) + 1e-12;
    for (int i = 0; i < 3; i++) ax[i] /= n;
    double th = (2.0 * tr_rand_uniform(s) - 1.0) * max_deg * M_PI / 180.0, c = tr_cos(th), si = tr_sin(th);
    double x = ax[0], y = ax[1], z = ax[2];
    double M[9] = {c + x * x * (1 - c), x * y * (1 - c) - z * si, x * z * (1 - c) + y * si,
                   y * x * (1 - c) + z * si, c + y * y * (1 - c), y * z * (1 - c) - x * si,
                   z * x * (1 - c) - y * si, z * y * (1 - c) + x * si, c + z * z * (1 - c)};
    for (int i = 0; i < 9; i++) R[i] = (float)M[i];
}

/* ---- single-vector float inference (the model's W[o][i] layout, same sums as training) ---- */

#define MAXW 1024
static int forward(const struct tr_model *m, float *const *act, float *probs)
{
    for (int k = 0; k < m->n_layers; k++) {
        const int ni = m->sizes[k], no = m->sizes[k + 1];
        const float *in = act[k], *W = m->W[k];
        float *out = act[k + 1];
        for (int o = 0; o < no; o++) {
            const float *w = W + (size_t)o * ni;
            float s = m->B[k][o];
            for (int i = 0; i < ni; i++) s += in[i] * w[i];
            out[o] = (k < m->n_layers - 1 && s < 0) ? 0 : s;
        }
    }
    const int nc = m->sizes[m->n_layers];
    const float *lg = act[m->n_layers];
    int best = 0;
    for (int c = 1; c < nc; c++)
        if (lg[c] > lg[best]) best = c;
    if (probs) {
        float sum = 0;
        for (int c = 0; c < nc; c++) { probs[c] = tr_expf(lg[c] - lg[best]); sum += probs[c]; }
        for (int c = 0; c < nc; c++) probs[c] /= sum;
    }
    return best;
}

int tr_predict_float(const struct tr_model *m, const float *f, float *probs)
{
    float buf[TR_MAX_HIDDEN + 2][MAXW];
    float *act[TR_MAX_HIDDEN + 2];
    if (m->conv) return tr_conv_predict_float(m, f, probs);
    for (int k = 0; k <= m->n_layers; k++) act[k] = buf[k];
    for (int i = 0; i < m->n_feat; i++) buf[0][i] = (f[i] - m->feat_mean[i]) / m->feat_std[i];
    return forward(m, act, probs);
}

/* ---- batched kernels: the inner loops run over contiguous elements, each element's sum in a
 * fixed order, so they vectorise without changing results ---- */

/* The two matrix kernels live in mlp_kern.h, instantiated here once with 4-float vectors
 * (SSE2 on x86-64, NEON on ARM, plain scalar code with other compilers) and, on x86-64 with
 * GCC or Clang, with 8-float vectors for CPUs with AVX2 and 16-float vectors for CPUs with
 * AVX-512F, picked at run time. All do the same IEEE single-precision operations per element
 * in the same order (no FMA: the avx2 and avx512f targets are used without contraction, which
 * -ffp-contract=off forbids anyway), so they give the same bits; tests/trainer checks this.
 * The 16-float source is also instantiated for AVX2 (each vector two ymm halves): this
 * machine has no AVX-512, and that instance lets the tests check the 16-lane code's bits. */
#define KSUF(name) name##_v4
#define KVEC 4
#define KATTR
#include "mlp_kern.h"
#undef KSUF
#undef KVEC
#undef KATTR

#if defined(__x86_64__) && defined(__GNUC__) && !defined(TR_NO_VECTOR_EXT)
#define TR_HAVE_AVX2_KERNELS 1
#define KSUF(name) name##_v8
#define KVEC 8
#define KATTR __attribute__((target("avx2")))
#include "mlp_kern.h"
#undef KSUF
#undef KVEC
#undef KATTR
#define KSUF(name) name##_v16
#define KVEC 16
#define KATTR __attribute__((target("avx512f")))
#include "mlp_kern.h"
#undef KSUF
#undef KVEC
#undef KATTR
#define KSUF(name) name##_v16a
#define KVEC 16
#define KATTR __attribute__((target("avx2")))
#include "mlp_kern.h"
#undef KSUF
#undef KVEC
#undef KATTR
#endif

/* -1 not decided, then TR_KERNELS_PORTABLE, _AVX2, _16_ON_AVX2 or _AVX512 */
static int kernel_choice = -1;

/* The best kernels this CPU runs. */
static int kernels_best(void)
{
#ifdef TR_HAVE_AVX2_KERNELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return TR_KERNELS_AVX512;
    if (__builtin_cpu_supports("avx2")) return TR_KERNELS_AVX2;
#endif
    return TR_KERNELS_PORTABLE;
}

static void kernels_init(void)
{
    if (kernel_choice < 0) kernel_choice = kernels_best();
}

void tr_fit_kernels_init(void) { kernels_init(); }

int tr_fit_kernels(int force)
{
    const int best = kernels_best();
    if (force < 0) kernel_choice = best;
    else if (force == TR_KERNELS_AVX512) kernel_choice = best == TR_KERNELS_AVX512 ? force : TR_KERNELS_PORTABLE;
    else if (force == TR_KERNELS_AVX2 || force == TR_KERNELS_16_ON_AVX2)
        kernel_choice = best >= TR_KERNELS_AVX2 ? force : TR_KERNELS_PORTABLE;
    else kernel_choice = TR_KERNELS_PORTABLE;
    return kernel_choice;
}

static void dense_fwd(int bs, int ni, int no, const float *restrict X, const float *restrict WT,
                      const float *restrict bias, float *restrict Y)
{
#ifdef TR_HAVE_AVX2_KERNELS
    switch (kernel_choice) {
    case TR_KERNELS_AVX2: dense_fwd_v8(bs, ni, no, X, WT, bias, Y); return;
    case TR_KERNELS_AVX512: dense_fwd_v16(bs, ni, no, X, WT, bias, Y); return;
    case TR_KERNELS_16_ON_AVX2: dense_fwd_v16a(bs, ni, no, X, WT, bias, Y); return;
    }
#endif
    dense_fwd_v4(bs, ni, no, X, WT, bias, Y);
}

static void dense_grad(int bs, int ni, int no, const float *restrict X, const float *restrict D,
                       float *restrict gWT, float *restrict gb)
{
#ifdef TR_HAVE_AVX2_KERNELS
    switch (kernel_choice) {
    case TR_KERNELS_AVX2: dense_grad_v8(bs, ni, no, X, D, gWT, gb); return;
    case TR_KERNELS_AVX512: dense_grad_v16(bs, ni, no, X, D, gWT, gb); return;
    case TR_KERNELS_16_ON_AVX2: dense_grad_v16a(bs, ni, no, X, D, gWT, gb); return;
    }
#endif
    dense_grad_v4(bs, ni, no, X, D, gWT, gb);
}

/* dX[b][i] = sum_o D[b][o] Wr[o][i] (Wr: the forward weights row-major [no][ni]), then zeroed
 * where the forward activation did not pass: pre <= 0 (ReLU) or pre > hi (clipped by the
 * fake quantization; hi = FLT_MAX when training in float) */
static void dense_bwd_in(int bs, int ni, int no, const float *restrict D, const float *restrict Wr,
                         const float *restrict pre, float hi, float *restrict dX)
{
    dense_fwd(bs, no, ni, D, Wr, NULL, dX);
    for (size_t j = 0; j < (size_t)bs * ni; j++) dX[j] = (pre[j] > 0 && pre[j] <= hi) ? dX[j] : 0.0f;
}

/* One Adam step over n parameters with the L2 penalty l2 (see mlp_kern.h). */
static void adam_step(size_t n, float *restrict P, const float *restrict G, float *restrict Am,
                      float *restrict Av, float lr, float b1, float b2, float eps, float l2)
{
#ifdef TR_HAVE_AVX2_KERNELS
    switch (kernel_choice) {
    case TR_KERNELS_AVX2: adam_v8(n, P, G, Am, Av, lr, b1, b2, eps, l2); return;
    case TR_KERNELS_AVX512: adam_v16(n, P, G, Am, Av, lr, b1, b2, eps, l2); return;
    case TR_KERNELS_16_ON_AVX2: adam_v16a(n, P, G, Am, Av, lr, b1, b2, eps, l2); return;
    }
#endif
    adam_v4(n, P, G, Am, Av, lr, b1, b2, eps, l2);
}

/* fake quantization of one value: the int8 grid of scale s and zero point zp, clamped */
static inline float fq(float v, float s, float zp)
{
    float q = roundf(v / s) + zp;
    q = q < -128.0f ? -128.0f : q > 127.0f ? 127.0f : q;
    return (q - zp) * s;
}

/* ---- the trainer ---- */

struct net {
    int L, sz[TR_MAX_HIDDEN + 2], B;
    size_t off[TR_MAX_HIDDEN + 1], np;     /* layer k at P + off[k]: WT then bias */
    float *P, *G, *Am, *Av, *best;
    float *Pf;                              /* forward parameters: P, or its fake-quantized copy */
    float *Wr[TR_MAX_HIDDEN + 1];           /* [no][ni] copy of the forward weights, k >= 1 */
    float *act[TR_MAX_HIDDEN + 2], *pre[TR_MAX_HIDDEN + 2], *del[TR_MAX_HIDDEN + 2];
    /* data */
    const float *X, *mean, *sd;             /* features n x nf, normalized as rows are used
                                             * (norm_row): no normalized copy of them all */
    const int *y;
    int nf, nc, *idx, n_tr, *vidx, nv;
    float cw[TR_MAX_LABELS];
    uint64_t rng;
    /* quantization-aware mode: activation grids of the input (0) and hidden tensors */
    int qat;
    float qs[TR_MAX_HIDDEN + 2], qzp[TR_MAX_HIDDEN + 2], qhi[TR_MAX_HIDDEN + 2];
    double lo[TR_MAX_HIDDEN + 2], hi[TR_MAX_HIDDEN + 2]; /* ranges seen by net_eval */
};

static void net_free(struct net *t)
{
    free(t->P); free(t->G); free(t->Am); free(t->Av); free(t->best); free(t->idx); free(t->vidx);
    if (t->Pf != t->P) free(t->Pf);
    for (int k = 0; k <= TR_MAX_HIDDEN + 1; k++) {
        if (k <= TR_MAX_HIDDEN) free(t->Wr[k]);
        free(t->act[k]); free(t->pre[k]); free(t->del[k]);
    }
    memset(t, 0, sizeof *t);
}

static int net_alloc(struct net *t, const struct tr_model *m, int B, int qat)
{
    t->L = m->n_layers;
    t->B = B;
    t->np = 0;
    for (int k = 0; k <= t->L; k++) t->sz[k] = m->sizes[k];
    for (int k = 0; k < t->L; k++) {
        t->off[k] = t->np;
        t->np += (size_t)t->sz[k] * t->sz[k + 1] + (size_t)t->sz[k + 1];
    }
    t->P = calloc(t->np, sizeof(float));
    t->G = calloc(t->np, sizeof(float));
    t->Am = calloc(t->np, sizeof(float));
    t->Av = calloc(t->np, sizeof(float));
    t->best = calloc(t->np, sizeof(float));
    t->Pf = qat ? calloc(t->np, sizeof(float)) : t->P;
    int ok = t->P && t->G && t->Am && t->Av && t->best && t->Pf;
    for (int k = 1; k < t->L; k++) ok &= (t->Wr[k] = malloc(sizeof(float) * (size_t)t->sz[k] * t->sz[k + 1])) != NULL;
    for (int k = 0; k <= t->L; k++) {
        size_t n = (size_t)B * (size_t)t->sz[k];
        ok &= (t->act[k] = malloc(sizeof(float) * n)) != NULL;
        ok &= (t->pre[k] = malloc(sizeof(float) * n)) != NULL;
        ok &= (t->del[k] = malloc(sizeof(float) * n)) != NULL;
    }
    t->qat = qat;
    for (int k = 0; k <= t->L; k++) t->qhi[k] = FLT_MAX;
    return ok ? 0 : -1;
}

/* After a change of P: the forward copy (fake-quantized weights, per output channel symmetric
 * like tr_quantize) and the row-major copies for back-propagation. */
static void net_refresh(struct net *t)
{
    for (int k = 0; k < t->L; k++) {
        const int ni = t->sz[k], no = t->sz[k + 1];
        const float *WT = t->P + t->off[k];
        float *WF = t->Pf + t->off[k];
        if (t->qat) {
            float mx[MAXW], sc[MAXW];
            for (int o = 0; o < no; o++) mx[o] = 0;
            for (int i = 0; i < ni; i++)
                for (int o = 0; o < no; o++) {
                    float a = fabsf(WT[(size_t)i * no + o]);
                    mx[o] = a > mx[o] ? a : mx[o];
                }
            for (int o = 0; o < no; o++) sc[o] = mx[o] > 0 ? mx[o] / 127.0f : 1.0f;
            for (int i = 0; i < ni; i++)
                for (int o = 0; o < no; o++) {
                    float q = roundf(WT[(size_t)i * no + o] / sc[o]);
                    q = q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
                    WF[(size_t)i * no + o] = q * sc[o];
                }
            memcpy(WF + (size_t)ni * no, WT + (size_t)ni * no, sizeof(float) * no);
        }
        if (k > 0)
            for (int o = 0; o < no; o++)
                for (int i = 0; i < ni; i++) t->Wr[k][(size_t)o * ni + i] = WF[(size_t)i * no + o];
    }
}

/* Forward bs rows already in act[0]. pre[k] keeps the values before the activation function
 * (and fake quantization) of hidden tensor k; act[L] receives the logits. */
static void net_forward(struct net *t, int bs)
{
    const int L = t->L;
    if (t->qat) {
        float *a = t->act[0];
        const float s = t->qs[0], zp = t->qzp[0];
        for (size_t j = 0; j < (size_t)bs * t->sz[0]; j++) a[j] = fq(a[j], s, zp);
    }
    for (int k = 0; k < L; k++) {
        const int ni = t->sz[k], no = t->sz[k + 1];
        const float *WT = t->Pf + t->off[k];
        float *out = k < L - 1 ? t->pre[k + 1] : t->act[L];
        dense_fwd(bs, ni, no, t->act[k], WT, WT + (size_t)ni * no, out);
        if (k == L - 1) break;
        float *a = t->act[k + 1];
        const size_t n = (size_t)bs * no;
        for (size_t j = 0; j < n; j++) a[j] = out[j] > 0 ? out[j] : 0.0f;
        if (t->qat && t->qs[k + 1] > 0) {
            const float s = t->qs[k + 1], zp = t->qzp[k + 1];
            for (size_t j = 0; j < n; j++) a[j] = fq(a[j], s, zp);
        }
    }
}

/* Softmax cross-entropy of bs rows: del[L] = weight * (p - onehot); returns the weighted loss sum. */
static double net_loss(struct net *t, int bs, const int *rows, float wsum, int *correct)
{
    const int nc = t->nc, L = t->L;
    double loss = 0;
    for (int b = 0; b < bs; b++) {
        const float *lg = t->act[L] + (size_t)b * nc;
        float *d = t->del[L] + (size_t)b * nc;
        int y = t->y[rows[b]], am = 0;
        for (int c = 1; c < nc; c++) if (lg[c] > lg[am]) am = c;
        *correct += am == y;
        float sum = 0;
        for (int c = 0; c < nc; c++) { d[c] = tr_expf(lg[c] - lg[am]); sum += d[c]; }
        /* probabilities below 1e-20 are 0 (no subnormal gradients further down) */
        for (int c = 0; c < nc; c++) { float p = d[c] / sum; d[c] = p < 1e-20f ? 0.0f : p; }
        loss += -tr_log(d[y] > 1e-12f ? d[y] : 1e-12f) * t->cw[y];
        float wgt = t->cw[y] / wsum;
        d[y] -= 1.0f;
        for (int c = 0; c < nc; c++) d[c] *= wgt;
    }
    return loss;
}

/* Accuracy and mean loss over rows (no noise); with track, the range of the hidden tensors
 * (after ReLU, before fake quantization) and of the logits goes to t->lo/hi[1..L]. */
/* Row r of the features, normalized with the model's mean and deviation, into dst. */
static void norm_row(const struct net *t, int r, float *dst)
{
    const float *x = t->X + (size_t)r * t->nf;
    for (int i = 0; i < t->nf; i++) dst[i] = (x[i] - t->mean[i]) / t->sd[i];
}

static int net_eval(struct net *t, const int *rows, int n, double *loss, int track)
{
    const int nf = t->nf, nc = t->nc, L = t->L;
    int ok = 0;
    double ls = 0;
    if (track)
        for (int k = 0; k <= L; k++) { t->lo[k] = 0; t->hi[k] = 0; }
    for (int s0 = 0; s0 < n; s0 += t->B) {
        const int bs = n - s0 < t->B ? n - s0 : t->B;
        for (int b = 0; b < bs; b++)
            norm_row(t, rows[s0 + b], t->act[0] + (size_t)b * nf);
        net_forward(t, bs);
        if (track)
            for (int k = 1; k <= L; k++) {
                const float *v = k < L ? t->pre[k] : t->act[L];
                for (size_t j = 0; j < (size_t)bs * t->sz[k]; j++) {
                    if (k == L && v[j] < t->lo[k]) t->lo[k] = v[j];
                    if (v[j] > t->hi[k]) t->hi[k] = v[j];
                }
            }
        for (int b = 0; b < bs; b++) {
            const float *lg = t->act[L] + (size_t)b * nc;
            int y = t->y[rows[s0 + b]], am = 0;
            for (int c = 1; c < nc; c++) if (lg[c] > lg[am]) am = c;
            ok += am == y;
            float sum = 0;
            for (int c = 0; c < nc; c++) sum += tr_expf(lg[c] - lg[am]);
            float py = tr_expf(lg[y] - lg[am]) / sum;
            ls += -tr_log(py > 1e-12f ? py : 1e-12f);
        }
    }
    if (loss) *loss = n ? ls / n : 0;
    return ok;
}

/* One epoch of mini-batch Adam over the training rows. */
static void net_epoch(struct net *t, const struct tr_options *o, float lr0, float *b1t, float *b2t,
                      double *loss_sum, int *correct)
{
    const int nf = t->nf, L = t->L, B = t->B;
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    for (int j = t->n_tr - 1; j > 0; j--) {
        int r = (int)(tr_rand_u32(&t->rng) % (uint32_t)(j + 1));
        int x = t->idx[j]; t->idx[j] = t->idx[r]; t->idx[r] = x;
    }
    *loss_sum = 0;
    *correct = 0;
    for (int s0 = 0; s0 < t->n_tr; s0 += B) {
        const int bs = (t->n_tr - s0 < B) ? t->n_tr - s0 : B;
        const int *rows = t->idx + s0;
        /* (the gradient buffer needs no clearing: dense_grad overwrites every element) */
        float wsum = 0;
        for (int b = 0; b < bs; b++) wsum += t->cw[t->y[rows[b]]];
        for (int b = 0; b < bs; b++) {
            float *a0 = t->act[0] + (size_t)b * nf;
            norm_row(t, rows[b], a0);
            if (o->aug_noise > 0)
                for (int i = 0; i < nf; i++) a0[i] = a0[i] + o->aug_noise * tr_rand_normal(&t->rng);
        }
        net_forward(t, bs);
        *loss_sum += net_loss(t, bs, rows, wsum, correct);
        for (int k = L - 1; k >= 0; k--) {
            const int ni = t->sz[k], no = t->sz[k + 1];
            float *gW = t->G + t->off[k];
            dense_grad(bs, ni, no, t->act[k], t->del[k + 1], gW, gW + (size_t)ni * no);
            if (k > 0) dense_bwd_in(bs, ni, no, t->del[k + 1], t->Wr[k], t->pre[k], t->qhi[k], t->del[k]);
        }
        *b1t *= b1;
        *b2t *= b2;
        const float lr = lr0 * sqrtf(1.0f - *b2t) / (1.0f - *b1t);
        /* per layer: the weights with the L2 penalty, then the biases without */
        for (int k = 0; k < L; k++) {
            const size_t nw = (size_t)t->sz[k] * t->sz[k + 1], at = t->off[k];
            const float l2 = o->l2 > 0 ? o->l2 : 0.0f;
            adam_step(nw, t->P + at, t->G + at, t->Am + at, t->Av + at, lr, b1, b2, eps, l2);
            adam_step((size_t)t->sz[k + 1], t->P + at + nw, t->G + at + nw, t->Am + at + nw, t->Av + at + nw,
                      lr, b1, b2, eps, 0.0f);
        }
        net_refresh(t);
    }
}

static void progress(const struct tr_options *o, const char *what, int ep, int maxep, float loss,
                     float tr_acc, int nv, float vacc)
{
    if (!o->verbose || !o->progress_out) return;
    FILE *f = o->progress_out;
    if (o->progress_bar) {
        int w = 30, fill = (ep + 1) * w / maxep;
        fprintf(f, "\r[");
        for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', f);
        fprintf(f, "] %s %3d/%d loss %.4f train %.3f", what, ep + 1, maxep, loss, tr_acc);
        if (nv > 0) fprintf(f, " val %.3f", vacc);
        fflush(f);
    } else {
        fprintf(f, "%s %d loss %.4f train_acc %.4f", what, ep + 1, loss, tr_acc);
        if (nv > 0) fprintf(f, " val_acc %.4f", vacc);
        fputc('\n', f);
    }
}

/* The validation part: whole recordings, a share val_frac of each label's recordings (at least
 * one when a label has two or more), drawn with rng. is_val[r] for each window. */
static int split_validation(const struct tr_windows *tw, const struct tr_options *o, int nc, uint64_t *rng,
                            char *is_val)
{
    const int n = tw->n;
    int n_val = 0;
    memset(is_val, 0, (size_t)n);
    if (!(o->val_frac > 0)) return 0;
    int maxrec = 0;
    for (int r = 0; r < n; r++) if (tw->rec[r] + 1 > maxrec) maxrec = tw->rec[r] + 1;
    int *reclab = malloc(sizeof(int) * (size_t)maxrec);
    char *valrec = calloc((size_t)maxrec, 1);
    if (!reclab || !valrec) { free(reclab); free(valrec); return -1; }
    for (int i = 0; i < maxrec; i++) reclab[i] = -1;
    for (int r = 0; r < n; r++) reclab[tw->rec[r]] = tw->y[r];
    for (int c = 0; c < nc; c++) {
        int cnt = 0;
        for (int i = 0; i < maxrec; i++) cnt += reclab[i] == c;
        int take = (int)(cnt * o->val_frac + 0.5);
        if (cnt >= 2 && take < 1) take = 1;
        if (take >= cnt) take = cnt - 1;
        while (take > 0) {
            int pick = (int)(tr_rand_u32(rng) % (uint32_t)cnt);
            for (int i = 0, seen = 0; i < maxrec; i++)
                if (reclab[i] == c && seen++ == pick) {
                    if (!valrec[i]) { valrec[i] = 1; take--; }
                    break;
                }
        }
    }
    for (int r = 0; r < n; r++) { is_val[r] = valrec[tw->rec[r]]; n_val += is_val[r]; }
    free(reclab);
    free(valrec);
    return n_val;
}

static uint64_t fit_seed(const struct tr_options *o) { return 0x5eed0000ull + o->seed; }

int tr_validation_part(const struct tr_windows *tw, const struct tr_options *o, int n_labels, char *is_val)
{
    uint64_t rng = fit_seed(o);
    return split_validation(tw, o, n_labels, &rng, is_val);
}

/* Common set-up of float training and QAT: the features (normalized row by row as used), split, class weights. */
static int net_data(struct net *t, const struct tr_model *m, const struct tr_options *o,
                    const struct tr_windows *tw, float **Zp, char **is_val)
{
    const int n = tw->n, nf = tw->n_feat;
    *Zp = NULL; /* (rows are normalized as they are used) */
    *is_val = calloc((size_t)n, 1);
    t->idx = malloc(sizeof(int) * (size_t)n);
    t->vidx = malloc(sizeof(int) * (size_t)n);
    if (!*is_val || !t->idx || !t->vidx) return -1;
    t->X = tw->x;
    t->mean = m->feat_mean;
    t->sd = m->feat_std;
    t->y = tw->y;
    t->nf = nf;
    t->nc = m->n_labels;
    t->rng = fit_seed(o);
    if (split_validation(tw, o, t->nc, &t->rng, *is_val) < 0) return -1;
    t->n_tr = t->nv = 0;
    for (int r = 0; r < n; r++) {
        if ((*is_val)[r]) t->vidx[t->nv++] = r;
        else t->idx[t->n_tr++] = r;
    }
    int cnt[TR_MAX_LABELS] = {0};
    for (int j = 0; j < t->n_tr; j++) cnt[tw->y[t->idx[j]]]++;
    for (int c = 0; c < t->nc; c++)
        t->cw[c] = (o->class_weights && cnt[c]) ? (float)t->n_tr / ((float)t->nc * (float)cnt[c]) : 1.0f;
    return t->n_tr > 0 ? 0 : -1;
}

static void net_to_model(const struct net *t, const float *P, float **W, float **Bs)
{
    for (int k = 0; k < t->L; k++) {
        const int ni = t->sz[k], no = t->sz[k + 1];
        const float *WT = P + t->off[k];
        for (int o = 0; o < no; o++)
            for (int i = 0; i < ni; i++) W[k][(size_t)o * ni + i] = WT[(size_t)i * no + o];
        memcpy(Bs[k], WT + (size_t)ni * no, sizeof(float) * no);
    }
}

static void model_to_net(struct net *t, float *const *W, float *const *Bs)
{
    for (int k = 0; k < t->L; k++) {
        const int ni = t->sz[k], no = t->sz[k + 1];
        float *WT = t->P + t->off[k];
        for (int o = 0; o < no; o++)
            for (int i = 0; i < ni; i++) WT[(size_t)i * no + o] = W[k][(size_t)o * ni + i];
        memcpy(WT + (size_t)ni * no, Bs[k], sizeof(float) * no);
    }
}


int tr_fit(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw)
{
    const int n = tw->n, nf = tw->n_feat, nc = m->n_labels;
    double t0 = tr_now();
    if (m->conv) return tr_conv_fit(m, o, tw);
    if (n <= 0 || nf <= 0 || nc < 2) return -1;
    kernels_init();
    m->n_layers = o->n_hidden + 1;
    m->sizes[0] = nf;
    for (int k = 0; k < o->n_hidden; k++) m->sizes[k + 1] = o->hidden[k];
    m->sizes[m->n_layers] = nc;
    for (int k = 0; k <= m->n_layers; k++)
        if (m->sizes[k] > MAXW) return -1;
    /* normalization */
    free(m->feat_mean);
    free(m->feat_std);
    m->feat_mean = calloc((size_t)nf, sizeof(float));
    m->feat_std = calloc((size_t)nf, sizeof(float));
    if (!m->feat_mean || !m->feat_std) return -1;
    for (int i = 0; i < nf; i++) {
        double s = 0, s2 = 0;
        for (int r = 0; r < n; r++) s += tw->x[(size_t)r * nf + i];
        double mu = s / n;
        for (int r = 0; r < n; r++) { double d = tw->x[(size_t)r * nf + i] - mu; s2 += d * d; }
        double sd = sqrt(s2 / n);
        m->feat_mean[i] = (float)mu;
        m->feat_std[i] = (float)(sd > 1e-6 ? sd : 1.0);
    }
    const int B = o->batch > 0 ? o->batch : 32;
    struct net t;
    memset(&t, 0, sizeof t);
    float *Z = NULL;
    char *is_val = NULL;
    int rc = -1;
    if (net_alloc(&t, m, B, 0) || net_data(&t, m, o, tw, &Z, &is_val)) goto out;
    /* Glorot-uniform initialization, drawn in the model's W[o][i] order */
    for (int k = 0; k < t.L; k++) {
        const int ni = t.sz[k], no = t.sz[k + 1];
        float bound = sqrtf(6.0f / (float)(ni + no));
        float *WT = t.P + t.off[k];
        for (int oo = 0; oo < no; oo++)
            for (int i = 0; i < ni; i++) WT[(size_t)i * no + oo] = bound * (2.0f * tr_rand_uniform(&t.rng) - 1.0f);
        for (int j = 0; j < no; j++) WT[(size_t)ni * no + j] = bound * (2.0f * tr_rand_uniform(&t.rng) - 1.0f);
    }
    net_refresh(&t);
    for (int k = 0; k < t.L; k++) {
        free(m->W[k]);
        free(m->B[k]);
        m->W[k] = malloc(sizeof(float) * (size_t)t.sz[k] * t.sz[k + 1]);
        m->B[k] = malloc(sizeof(float) * (size_t)t.sz[k + 1]);
        if (!m->W[k] || !m->B[k]) goto out;
    }
    const int maxep = o->epochs > 0 ? o->epochs : 1;
    free(m->curve_loss); free(m->curve_train_acc); free(m->curve_val_acc);
    m->curve_loss = calloc((size_t)maxep, sizeof(float));
    m->curve_train_acc = calloc((size_t)maxep, sizeof(float));
    m->curve_val_acc = calloc((size_t)maxep, sizeof(float));
    if (!m->curve_loss || !m->curve_train_acc || !m->curve_val_acc) goto out;
    float b1t = 1, b2t = 1;
    double best_score = -1e30;
    int best_ep = 0, ep;
    memcpy(t.best, t.P, sizeof(float) * t.np);
    for (ep = 0; ep < maxep; ep++) {
        double loss_sum;
        int correct;
        net_epoch(&t, o, o->lr, &b1t, &b2t, &loss_sum, &correct);
        float tr_acc = (float)correct / (float)t.n_tr, vacc = -1;
        double vloss = 0;
        if (t.nv > 0) vacc = (float)net_eval(&t, t.vidx, t.nv, &vloss, 0) / (float)t.nv;
        m->curve_loss[ep] = (float)(loss_sum / t.n_tr);
        m->curve_train_acc[ep] = tr_acc;
        m->curve_val_acc[ep] = vacc;
        double score = t.nv > 0 ? vacc - 0.01 * vloss : -loss_sum / t.n_tr;
        if (score > best_score + 1e-6) {
            best_score = score;
            best_ep = ep;
            memcpy(t.best, t.P, sizeof(float) * t.np);
        }
        progress(o, "epoch", ep, maxep, m->curve_loss[ep], tr_acc, t.nv, vacc);
        if (o->patience > 0 && ep - best_ep >= o->patience) { ep++; break; }
    }
    if (o->verbose && o->progress_out && o->progress_bar) fputc('\n', o->progress_out);
    m->n_epochs = ep;
    m->best_epoch = best_ep + 1;
    m->val_acc_float = t.nv > 0 ? m->curve_val_acc[best_ep] : -1;
    net_to_model(&t, (t.nv > 0 || o->patience > 0) ? t.best : t.P, m->W, m->B);
    rc = 0;
out:
    net_free(&t);
    free(Z);
    free(is_val);
    m->train_seconds = tr_now() - t0;
    return rc;
}

/* Quantization-aware fine-tuning, see trainer_int.h. */
int tr_fit_qat(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw, int epochs,
               float **Wq, float **Bq, double *lo, double *hi)
{
    const int B = o->batch > 0 ? o->batch : 32;
    struct net t;
    memset(&t, 0, sizeof t);
    float *Z = NULL;
    char *is_val = NULL;
    int rc = -1;
    double t0 = tr_now();
    kernels_init();
    if (net_alloc(&t, m, B, 1) || net_data(&t, m, o, tw, &Z, &is_val)) goto out;
    t.rng ^= 0x0a7ull << 40; /* its own stream for shuffling and noise */
    model_to_net(&t, m->W, m->B);
    /* activation grids: the input as tr_quantize calibrates it (fixed); hidden tensors from the
     * fake-quantized network on all training windows (first with the hidden tensors still in
     * float), again before every epoch */
    int *all = malloc(sizeof(int) * (size_t)tw->n);
    if (!all) goto out;
    for (int r = 0; r < tw->n; r++) all[r] = r;
    if (tr_calibrate_input(m, tw, &lo[0], &hi[0])) { free(all); goto out; }
    {
        float s;
        int zp;
        tr_range_qparams(lo[0], hi[0], &s, &zp);
        t.qs[0] = s;
        t.qzp[0] = (float)zp;
    }
    const int L = t.L;
    for (int k = 1; k < L; k++) { t.qs[k] = 0; t.qzp[k] = 0; t.qhi[k] = FLT_MAX; } /* off */
    net_refresh(&t);
    float b1t = 1, b2t = 1;
    const float lr = o->lr * 0.1f;
    double best_score = -1e30;
    int best_ep = 0; /* 0: the starting point, the float model fake-quantized */
    memcpy(t.best, t.P, sizeof(float) * t.np);
    for (int ep = 0; ep <= epochs; ep++) {
        net_eval(&t, all, tw->n, NULL, 1);
        for (int k = 1; k < L; k++) {
            float s;
            int zp;
            tr_range_qparams(t.lo[k], t.hi[k], &s, &zp);
            t.qs[k] = s;
            t.qzp[k] = (float)zp;
            t.qhi[k] = s * (127.0f - (float)zp);
        }
        if (ep == 0 && t.nv > 0) {
            double vloss;
            double vacc = (double)net_eval(&t, t.vidx, t.nv, &vloss, 0) / t.nv;
            best_score = vacc - 0.01 * vloss;
        }
        if (ep == epochs) break;
        double loss_sum, vloss = 0;
        int correct;
        net_epoch(&t, o, lr, &b1t, &b2t, &loss_sum, &correct);
        float tr_acc = (float)correct / (float)t.n_tr, vacc = -1;
        if (t.nv > 0) {
            vacc = (float)net_eval(&t, t.vidx, t.nv, &vloss, 0) / (float)t.nv;
            double score = vacc - 0.01 * vloss;
            if (score > best_score + 1e-6) {
                best_score = score;
                best_ep = ep + 1;
                memcpy(t.best, t.P, sizeof(float) * t.np);
            }
        }
        progress(o, "qat epoch", ep, epochs, (float)(loss_sum / t.n_tr), tr_acc, t.nv, vacc);
    }
    if (o->verbose && o->progress_out && o->progress_bar) fputc('\n', o->progress_out);
    if (t.nv > 0) {
        memcpy(t.P, t.best, sizeof(float) * t.np);
        net_refresh(&t);
    } else best_ep = epochs;
    /* the final grids: ranges of the fake-quantized network with the chosen weights */
    net_eval(&t, all, tw->n, NULL, 1);
    for (int k = 1; k <= L; k++) { lo[k] = t.lo[k]; hi[k] = t.hi[k]; }
    net_to_model(&t, t.P, Wq, Bq);
    m->qat_best_epoch = best_ep;
    free(all);
    rc = 0;
out:
    net_free(&t);
    free(Z);
    free(is_val);
    m->qat_seconds = tr_now() - t0;
    return rc;
}
