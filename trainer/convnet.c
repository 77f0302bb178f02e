/* SPDX-License-Identifier: MIT */
/* convnet.c -- the conv front end in the trainer: shapes, float training (forward and backward in C,
 * Adam, L2 weight decay, early stopping on the validation part), post-training int8 quantization,
 * and the portable view the int8 kernel (portable/conv.c) runs.
 *
 * The input is the feature vector of the raw group with every point of the window
 * (imu_features: channel-major, f[c * len + t]), standardized per axis (one mean and standard
 * deviation per axis, stored per feature like the dense models'). The network: for each layer a
 * conv with "same" padding (TFLite's: pad_before = total / 2), ReLU, an optional max pool (size =
 * stride = pool), then global average pooling and the dense layers of tr_model (W, B, sizes[0] =
 * the last conv's channels).
 *
 * Training runs one example at a time through the float network (time-major tensors, padded
 * copies of each conv input), accumulating the gradients of a mini-batch, then one Adam step on
 * all parameters. Sums have a fixed order (deterministic for the seed); the inner loops of the
 * backward pass run over contiguous elements (vectorisable without reassociation).
 *
 * int8: the conv input and each conv output (after ReLU) are asymmetric per-tensor int8 with
 * ranges from the training windows; the pools keep the scale (TFLite), so the dense layers' input
 * scale is the last conv's; weights symmetric per output channel, bias int32, requantization as
 * nn.h. The quantized network is what imu_nn_run computes, on host and device alike. */
#include "tr_conv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXW 1024

int tr_parse_conv(const char *s, struct tr_options *o, char *why, size_t len)
{
    o->n_conv = 0;
    if (!s || !*s || !strcmp(s, "0")) return 0;
    const char *p = s;
    while (*p) {
        if (o->n_conv == TR_MAX_CONV) { snprintf(why, len, "at most %d conv layers", TR_MAX_CONV); return -1; }
        long v[4] = {0, 0, 0, 1};
        int nv = 0;
        for (;;) {
            char *e;
            long x = strtol(p, &e, 10);
            if (e == p) { snprintf(why, len, "'%s': expected a number at '%s'", s, p); return -1; }
            v[nv++] = x;
            p = e;
            if (*p != ':' || nv == 4) break;
            p++;
        }
        if (*p == ',') p++;
        else if (*p) { snprintf(why, len, "'%s': unexpected '%c'", s, *p); return -1; }
        if (nv < 2) { snprintf(why, len, "'%s': each layer is CHANNELS:KERNEL[:POOL[:STRIDE]]", s); return -1; }
        if (v[0] < 1 || v[0] > 128 || v[1] < 1 || v[1] > 15 || v[2] < 0 || v[2] > 8 || v[3] < 1 || v[3] > 4) {
            snprintf(why, len, "'%s': channels 1..128, kernel 1..15, pool 0..8, stride 1..4", s);
            return -1;
        }
        struct tr_conv_spec *c = &o->conv[o->n_conv++];
        c->ch = (int)v[0]; c->k = (int)v[1]; c->pool = (int)v[2]; c->stride = (int)v[3];
    }
    return 0;
}

int tr_conv_shapes(struct tr_conv *c, char *why, size_t len)
{
    int L = c->len, C = c->ch;
    for (int i = 0; i < c->n; i++) {
        struct tr_conv_layer *l = &c->l[i];
        l->len_in = L;
        l->ch_in = C;
        l->len_out = (L + l->stride - 1) / l->stride;
        int total = (l->len_out - 1) * l->stride + l->k - L;
        l->pad = total > 0 ? total / 2 : 0;
        if (l->k > 255 || l->pad >= l->k) { snprintf(why, len, "conv layer %d: kernel %d", i + 1, l->k); return -1; }
        l->pool_len = l->pool > 1 ? (l->len_out >= l->pool ? l->len_out / l->pool : 0) : l->len_out;
        if (l->pool_len < 1) {
            snprintf(why, len, "conv layer %d: pool %d longer than its %d points", i + 1, l->pool, l->len_out);
            return -1;
        }
        if (l->len_out > 1024 || l->ch_out > 256) { snprintf(why, len, "conv layer %d too large", i + 1); return -1; }
        L = l->pool_len;
        C = l->ch_out;
    }
    return 0;
}

int tr_conv_setup(struct tr_model *m, const struct tr_options *o, char *err, size_t errlen)
{
    if (o->n_conv <= 0) return 0;
    if (m->window_len > 256) {
        snprintf(err, errlen, "--conv needs at most 256 points per axis (the window has %d)", m->window_len);
        return -1;
    }
    struct imu_feat_config *f = &m->feat;
    f->flags = IMU_FEAT_RAW; /* every point of the window, nothing else */
    f->raw_points = (uint16_t)m->window_len;
    f->n_sub = 0;
    f->n_sections = 0;
    m->n_feat = imu_features_count(f);
    struct tr_conv *c = calloc(1, sizeof *c);
    if (!c) { snprintf(err, errlen, "out of memory"); return -1; }
    c->n = o->n_conv;
    c->len = m->window_len;
    c->ch = m->n_axes;
    for (int i = 0; i < c->n; i++) {
        c->l[i].ch_out = o->conv[i].ch;
        c->l[i].k = o->conv[i].k;
        c->l[i].stride = o->conv[i].stride;
        c->l[i].pool = o->conv[i].pool > 1 ? o->conv[i].pool : 0;
    }
    m->conv = c;
    char why[160];
    if (tr_conv_shapes(c, why, sizeof why)) { snprintf(err, errlen, "--conv: %s", why); return -1; }
    return 0;
}

void tr_conv_free_fit(struct tr_conv *c)
{
    if (!c) return;
    for (int i = 0; i < TR_MAX_CONV; i++) {
        struct tr_conv_layer *l = &c->l[i];
        free(l->W); free(l->B); free(l->qw); free(l->qw_blocked); free(l->w_scale);
        free(l->bias); free(l->bias_folded); free(l->mult); free(l->shift);
        l->W = l->B = l->w_scale = NULL;
        l->qw = l->qw_blocked = l->shift = NULL;
        l->bias = l->bias_folded = l->mult = NULL;
    }
}

void tr_conv_copy_shapes(struct tr_conv *dst, const struct tr_conv *src)
{
    *dst = *src;
    for (int i = 0; i < TR_MAX_CONV; i++) {
        struct tr_conv_layer *l = &dst->l[i];
        l->W = l->B = l->w_scale = NULL;
        l->qw = l->qw_blocked = l->shift = NULL;
        l->bias = l->bias_folded = l->mult = NULL;
    }
    dst->net.ops = dst->ops;
    dst->net.in_mul = dst->in_mul_c;
    dst->net.in_add = dst->in_add_c;
}

void tr_conv_free(struct tr_model *m)
{
    tr_conv_free_fit(m->conv);
    free(m->conv);
    m->conv = NULL;
    m->nn.conv = NULL;
}

/* ---- float network: parameters in one vector (per conv layer W[o][k][c] then B; per dense
 * layer W[o][i] then B, the model's layouts) ---- */

struct cnet {
    const struct tr_conv *c;
    int L;                       /* dense layers */
    int sz[TR_MAX_HIDDEN + 2];
    size_t off_c[TR_MAX_CONV], off_d[TR_MAX_HIDDEN + 1], np;
    /* per-example work: padded conv inputs (time-major), pre-activations, pool argmax, dense */
    float *xp[TR_MAX_CONV], *pre[TR_MAX_CONV], *dxp[TR_MAX_CONV], *dpre[TR_MAX_CONV];
    float *pooled[TR_MAX_CONV];  /* output of layer i after ReLU and pool (len pool_len x ch) */
    int *arg[TR_MAX_CONV];
    float act[TR_MAX_HIDDEN + 2][MAXW], dact[TR_MAX_HIDDEN + 2][MAXW];
    /* quantization-aware mode (qat): the forward pass rounds the input, each conv output (after
     * ReLU and its pool), the global average and the hidden dense tensors to their int8 grids
     * (scale, zero point; hi: the largest value, above it the gradient is 0) */
    int qat;
    float qs_in, qzp_in;
    float cs[TR_MAX_CONV], czp[TR_MAX_CONV], chi[TR_MAX_CONV];
    float ds[TR_MAX_HIDDEN + 2], dzp[TR_MAX_HIDDEN + 2], dhi[TR_MAX_HIDDEN + 2];
    float hpre[TR_MAX_HIDDEN + 2][MAXW]; /* dense pre-activations (qat) */
};

/* Fake quantization of one value: the int8 grid of scale s and zero point zp, clamped (the
 * rounding of nn.c's requantization, up to its fixed-point error). */
static inline float fq(float v, float s, float zp)
{
    float q = roundf(v / s) + zp;
    q = q < -128.0f ? -128.0f : q > 127.0f ? 127.0f : q;
    return (q - zp) * s;
}

static size_t padded_len(const struct tr_conv_layer *l)
{
    return (size_t)((l->len_out - 1) * l->stride + l->k > l->pad + l->len_in ? (l->len_out - 1) * l->stride + l->k
                                                                             : l->pad + l->len_in);
}

static void cnet_free(struct cnet *t)
{
    for (int i = 0; i < TR_MAX_CONV; i++) {
        free(t->xp[i]); free(t->pre[i]); free(t->dxp[i]); free(t->dpre[i]); free(t->pooled[i]); free(t->arg[i]);
    }
    free(t);
}

static struct cnet *cnet_alloc(const struct tr_model *m)
{
    const struct tr_conv *c = m->conv;
    struct cnet *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->c = c;
    t->L = m->n_layers;
    for (int k = 0; k <= m->n_layers; k++) t->sz[k] = m->sizes[k];
    size_t np = 0;
    int ok = 1;
    for (int i = 0; i < c->n; i++) {
        const struct tr_conv_layer *l = &c->l[i];
        t->off_c[i] = np;
        np += (size_t)l->ch_out * l->k * l->ch_in + l->ch_out;
        size_t px = padded_len(l) * l->ch_in, po = (size_t)l->len_out * l->ch_out;
        ok &= (t->xp[i] = calloc(px, sizeof(float))) != NULL;
        ok &= (t->dxp[i] = calloc(px, sizeof(float))) != NULL;
        ok &= (t->pre[i] = calloc(po, sizeof(float))) != NULL;
        ok &= (t->dpre[i] = calloc(po, sizeof(float))) != NULL;
        ok &= (t->pooled[i] = calloc(po, sizeof(float))) != NULL;
        ok &= (t->arg[i] = calloc(po, sizeof(int))) != NULL;
    }
    for (int k = 0; k < t->L; k++) {
        t->off_d[k] = np;
        np += (size_t)t->sz[k] * t->sz[k + 1] + t->sz[k + 1];
    }
    t->np = np;
    if (!ok) { cnet_free(t); return NULL; }
    return t;
}

/* Forward pass of one standardized example z (channel-major); logits in act[L]. In qat mode
 * the tensors are rounded to their int8 grids (P then holds fake-quantized weights). */
static void cnet_forward(struct cnet *t, const float *P, const float *z)
{
    const struct tr_conv *c = t->c;
    /* the input, time-major, into the first layer's padded buffer */
    {
        const struct tr_conv_layer *l = &c->l[0];
        float *x = t->xp[0];
        memset(x, 0, sizeof(float) * padded_len(l) * l->ch_in);
        for (int ch = 0; ch < c->ch; ch++)
            for (int s = 0; s < c->len; s++) x[(size_t)(l->pad + s) * c->ch + ch] = z[(size_t)ch * c->len + s];
        if (t->qat)
            for (int j = 0; j < c->len * c->ch; j++) {
                float *v = &x[(size_t)l->pad * c->ch + j];
                *v = fq(*v, t->qs_in, t->qzp_in);
            }
    }
    for (int i = 0; i < c->n; i++) {
        const struct tr_conv_layer *l = &c->l[i];
        const int kc = l->k * l->ch_in, no = l->ch_out;
        const float *W = P + t->off_c[i], *B = W + (size_t)no * kc;
        float *pre = t->pre[i];
        for (int s = 0; s < l->len_out; s++) {
            const float *patch = t->xp[i] + (size_t)s * l->stride * l->ch_in;
            for (int o = 0; o < no; o++) {
                const float *w = W + (size_t)o * kc;
                float a = B[o];
                for (int j = 0; j < kc; j++) a += patch[j] * w[j];
                pre[(size_t)s * no + o] = a;
            }
        }
        /* ReLU and max pool into pooled[i] (arg: the pre-activation index chosen, -1 if ReLU cut) */
        const int P2 = l->pool > 1 ? l->pool : 1;
        for (int s = 0; s < l->pool_len; s++)
            for (int o = 0; o < no; o++) {
                float best = 0;
                int bi = -1;
                for (int j = 0; j < P2; j++) {
                    int idx = (s * P2 + j) * no + o;
                    if (pre[idx] > best) { best = pre[idx]; bi = idx; }
                }
                if (t->qat) { /* clipped above the grid: no gradient (straight-through otherwise) */
                    if (best > t->chi[i]) bi = -1;
                    best = fq(best, t->cs[i], t->czp[i]);
                }
                t->pooled[i][(size_t)s * no + o] = best;
                t->arg[i][(size_t)s * no + o] = bi;
            }
        if (i + 1 < c->n) {
            const struct tr_conv_layer *n = &c->l[i + 1];
            float *x = t->xp[i + 1];
            memset(x, 0, sizeof(float) * padded_len(n) * n->ch_in);
            memcpy(x + (size_t)n->pad * n->ch_in, t->pooled[i], sizeof(float) * (size_t)l->pool_len * no);
        }
    }
    /* global average pooling */
    const struct tr_conv_layer *last = &c->l[c->n - 1];
    const int nc = last->ch_out;
    for (int o = 0; o < nc; o++) {
        float s = 0;
        for (int p = 0; p < last->pool_len; p++) s += t->pooled[c->n - 1][(size_t)p * nc + o];
        t->act[0][o] = s / (float)last->pool_len;
        if (t->qat) { /* as portable/conv.c: the int8 sum / count rounded half away from zero */
            const float sc = t->cs[c->n - 1], zp = t->czp[c->n - 1];
            float q = 0;
            for (int p = 0; p < last->pool_len; p++) q += roundf(t->pooled[c->n - 1][(size_t)p * nc + o] / sc) + zp;
            const float a = q / (float)last->pool_len;
            t->act[0][o] = ((a >= 0 ? floorf(a + 0.5f) : ceilf(a - 0.5f)) - zp) * sc;
        }
    }
    for (int k = 0; k < t->L; k++) {
        const int ni = t->sz[k], no = t->sz[k + 1];
        const float *W = P + t->off_d[k], *B = W + (size_t)ni * no;
        for (int o = 0; o < no; o++) {
            float s = B[o];
            for (int i = 0; i < ni; i++) s += t->act[k][i] * W[(size_t)o * ni + i];
            t->act[k + 1][o] = (k < t->L - 1 && s < 0) ? 0 : s;
            if (t->qat) {
                t->hpre[k + 1][o] = s;
                if (k < t->L - 1) t->act[k + 1][o] = fq(t->act[k + 1][o], t->ds[k + 1], t->dzp[k + 1]);
            }
        }
    }
}

/* Backward pass of the example just forwarded, with dlogits in dact[L]; gradients added to G. */
static void cnet_backward(struct cnet *t, const float *P, float *G)
{
    const struct tr_conv *c = t->c;
    for (int k = t->L - 1; k >= 0; k--) {
        const int ni = t->sz[k], no = t->sz[k + 1];
        const float *W = P + t->off_d[k];
        float *gW = G + t->off_d[k], *gB = gW + (size_t)ni * no;
        for (int i = 0; i < ni; i++) t->dact[k][i] = 0;
        for (int o = 0; o < no; o++) {
            float d = t->dact[k + 1][o];
            if (k < t->L - 1 && t->act[k + 1][o] <= 0) d = 0;
            if (t->qat && k < t->L - 1) /* straight-through where ReLU and the grid pass it */
                d = t->hpre[k + 1][o] > 0 && t->hpre[k + 1][o] <= t->dhi[k + 1] ? t->dact[k + 1][o] : 0;
            if (d == 0) continue;
            gB[o] += d;
            float *g = gW + (size_t)o * ni;
            const float *w = W + (size_t)o * ni;
            for (int i = 0; i < ni; i++) { g[i] += d * t->act[k][i]; t->dact[k][i] += d * w[i]; }
        }
    }
    /* GAP: each pooled element gets d / len */
    for (int i = c->n - 1; i >= 0; i--) {
        const struct tr_conv_layer *l = &c->l[i];
        const int no = l->ch_out, kc = l->k * l->ch_in;
        float *dpre = t->dpre[i];
        memset(dpre, 0, sizeof(float) * (size_t)l->len_out * no);
        for (int s = 0; s < l->pool_len; s++)
            for (int o = 0; o < no; o++) {
                int a = t->arg[i][(size_t)s * no + o];
                if (a < 0) continue; /* ReLU cut it */
                float d;
                if (i == c->n - 1) d = t->dact[0][o] / (float)l->pool_len;
                else d = t->dxp[i + 1][(size_t)(c->l[i + 1].pad + s) * no + o];
                dpre[a] = d;
            }
        const float *W = P + t->off_c[i];
        float *gW = G + t->off_c[i], *gB = gW + (size_t)no * kc;
        float *dx = t->dxp[i];
        if (i > 0) memset(dx, 0, sizeof(float) * padded_len(l) * l->ch_in);
        for (int s = 0; s < l->len_out; s++) {
            const float *patch = t->xp[i] + (size_t)s * l->stride * l->ch_in;
            float *dpatch = dx + (size_t)s * l->stride * l->ch_in;
            for (int o = 0; o < no; o++) {
                const float d = dpre[(size_t)s * no + o];
                if (d == 0) continue;
                gB[o] += d;
                float *g = gW + (size_t)o * kc;
                const float *w = W + (size_t)o * kc;
                for (int j = 0; j < kc; j++) g[j] += d * patch[j];
                if (i > 0)
                    for (int j = 0; j < kc; j++) dpatch[j] += d * w[j];
            }
        }
    }
}

/* Softmax of act[L] (probabilities in probs when given); the index of the largest logit. */
static int softmax(const struct cnet *t, int nc, float *probs)
{
    const float *lg = t->act[t->L];
    int best = 0;
    for (int i = 1; i < nc; i++) if (lg[i] > lg[best]) best = i;
    if (probs) {
        float sum = 0;
        for (int i = 0; i < nc; i++) { probs[i] = tr_expf(lg[i] - lg[best]); sum += probs[i]; }
        for (int i = 0; i < nc; i++) probs[i] /= sum;
    }
    return best;
}

/* The model's float parameters into the vector, and back. */
static void params_get(const struct tr_model *m, const struct cnet *t, float *P)
{
    const struct tr_conv *c = m->conv;
    for (int i = 0; i < c->n; i++) {
        const struct tr_conv_layer *l = &c->l[i];
        size_t nw = (size_t)l->ch_out * l->k * l->ch_in;
        memcpy(P + t->off_c[i], l->W, sizeof(float) * nw);
        memcpy(P + t->off_c[i] + nw, l->B, sizeof(float) * l->ch_out);
    }
    for (int k = 0; k < m->n_layers; k++) {
        size_t nw = (size_t)m->sizes[k] * m->sizes[k + 1];
        memcpy(P + t->off_d[k], m->W[k], sizeof(float) * nw);
        memcpy(P + t->off_d[k] + nw, m->B[k], sizeof(float) * m->sizes[k + 1]);
    }
}

static void params_put(struct tr_model *m, const struct cnet *t, const float *P)
{
    struct tr_conv *c = m->conv;
    for (int i = 0; i < c->n; i++) {
        struct tr_conv_layer *l = &c->l[i];
        size_t nw = (size_t)l->ch_out * l->k * l->ch_in;
        memcpy(l->W, P + t->off_c[i], sizeof(float) * nw);
        memcpy(l->B, P + t->off_c[i] + nw, sizeof(float) * l->ch_out);
    }
    for (int k = 0; k < m->n_layers; k++) {
        size_t nw = (size_t)m->sizes[k] * m->sizes[k + 1];
        memcpy(m->W[k], P + t->off_d[k], sizeof(float) * nw);
        memcpy(m->B[k], P + t->off_d[k] + nw, sizeof(float) * m->sizes[k + 1]);
    }
}

static void standardize(const struct tr_model *m, const float *f, float *z)
{
    for (int i = 0; i < m->n_feat; i++) z[i] = (f[i] - m->feat_mean[i]) / m->feat_std[i];
}

int tr_conv_predict_float(const struct tr_model *m, const float *f, float *probs)
{
    struct cnet *t = cnet_alloc(m);
    float *P = malloc(sizeof(float) * (t ? t->np : 1)), *z = malloc(sizeof(float) * (size_t)m->n_feat);
    int r = 0;
    if (t && P && z) {
        params_get(m, t, P);
        standardize(m, f, z);
        cnet_forward(t, P, z);
        r = softmax(t, m->n_labels, probs);
    }
    free(P); free(z);
    if (t) cnet_free(t);
    return r;
}

/* Per-axis mean and standard deviation over all training windows and points, stored per feature. */
static int normalization(struct tr_model *m, const struct tr_windows *tw)
{
    const struct tr_conv *c = m->conv;
    free(m->feat_mean); free(m->feat_std);
    m->feat_mean = calloc((size_t)m->n_feat, sizeof(float));
    m->feat_std = calloc((size_t)m->n_feat, sizeof(float));
    if (!m->feat_mean || !m->feat_std) return -1;
    for (int a = 0; a < c->ch; a++) {
        double s = 0, s2 = 0, n = (double)tw->n * c->len;
        for (int r = 0; r < tw->n; r++)
            for (int p = 0; p < c->len; p++) s += tw->x[(size_t)r * tw->n_feat + (size_t)a * c->len + p];
        double mu = s / n;
        for (int r = 0; r < tw->n; r++)
            for (int p = 0; p < c->len; p++) {
                double d = tw->x[(size_t)r * tw->n_feat + (size_t)a * c->len + p] - mu;
                s2 += d * d;
            }
        double sd = sqrt(s2 / n);
        for (int p = 0; p < c->len; p++) {
            m->feat_mean[a * c->len + p] = (float)mu;
            m->feat_std[a * c->len + p] = (float)(sd > 1e-6 ? sd : 1.0);
        }
    }
    return 0;
}

/* Allocate the float parameters of front end and head (model layouts), initialised from rng:
 * He-uniform for the conv layers (ReLU), Glorot-uniform for the dense ones. */
static int init_params(struct tr_model *m, uint64_t *rng)
{
    struct tr_conv *c = m->conv;
    for (int i = 0; i < c->n; i++) {
        struct tr_conv_layer *l = &c->l[i];
        const int kc = l->k * l->ch_in;
        free(l->W); free(l->B);
        l->W = malloc(sizeof(float) * (size_t)l->ch_out * kc);
        l->B = calloc((size_t)l->ch_out, sizeof(float));
        if (!l->W || !l->B) return -1;
        float bound = sqrtf(6.0f / (float)kc);
        for (int j = 0; j < l->ch_out * kc; j++) l->W[j] = bound * (2.0f * tr_rand_uniform(rng) - 1.0f);
    }
    for (int k = 0; k < m->n_layers; k++) {
        const int ni = m->sizes[k], no = m->sizes[k + 1];
        free(m->W[k]); free(m->B[k]);
        m->W[k] = malloc(sizeof(float) * (size_t)ni * no);
        m->B[k] = calloc((size_t)no, sizeof(float));
        if (!m->W[k] || !m->B[k]) return -1;
        float bound = sqrtf(6.0f / (float)(ni + no));
        for (int j = 0; j < ni * no; j++) m->W[k][j] = bound * (2.0f * tr_rand_uniform(rng) - 1.0f);
    }
    return 0;
}

/* 1 for the elements of P that are weights (L2 applies), 0 for biases. */
static void weight_mask(const struct tr_model *m, const struct cnet *t, char *isw)
{
    const struct tr_conv *c = m->conv;
    memset(isw, 0, t->np);
    for (int i = 0; i < c->n; i++)
        memset(isw + t->off_c[i], 1, (size_t)c->l[i].ch_out * c->l[i].k * c->l[i].ch_in);
    for (int k = 0; k < m->n_layers; k++) memset(isw + t->off_d[k], 1, (size_t)m->sizes[k] * m->sizes[k + 1]);
}

/* Accuracy and mean loss of the parameters P over the windows rows[0..n). */
static int eval_rows(struct cnet *t, const float *P, const float *Z, int nf, const int *y, const int *rows, int n,
                     int nc, double *loss)
{
    int ok = 0;
    float pr[TR_MAX_LABELS];
    *loss = 0;
    for (int j = 0; j < n; j++) {
        cnet_forward(t, P, Z + (size_t)rows[j] * nf);
        ok += softmax(t, nc, pr) == y[rows[j]];
        *loss += -log((double)(pr[y[rows[j]]] > 1e-20f ? pr[y[rows[j]]] : 1e-20f));
    }
    if (n) *loss /= n;
    return ok;
}

static void progress(const struct tr_options *o, int ep, int maxep, double loss, double tr_acc, int nv, double vacc)
{
    if (!o->verbose || !o->progress_out) return;
    FILE *f = o->progress_out;
    if (o->progress_bar) {
        int w = 30, fill = (ep + 1) * w / maxep;
        fprintf(f, "\r[");
        for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', f);
        fprintf(f, "] conv epoch %3d/%d loss %.4f train %.3f", ep + 1, maxep, loss, tr_acc);
        if (nv > 0) fprintf(f, " val %.3f", vacc);
        fflush(f);
    } else {
        fprintf(f, "epoch %d loss %.4f train_acc %.4f", ep + 1, loss, tr_acc);
        if (nv > 0) fprintf(f, " val_acc %.4f", vacc);
        fputc('\n', f);
    }
}

int tr_conv_fit(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw)
{
    const int n = tw->n, nf = tw->n_feat, nc = m->n_labels;
    double t0 = tr_now();
    if (n <= 0 || nf != m->n_feat || nc < 2) return -1;
    m->n_layers = o->n_hidden + 1;
    m->sizes[0] = m->conv->l[m->conv->n - 1].ch_out;
    for (int k = 0; k < o->n_hidden; k++) m->sizes[k + 1] = o->hidden[k];
    m->sizes[m->n_layers] = nc;
    for (int k = 0; k <= m->n_layers; k++)
        if (m->sizes[k] > MAXW) return -1;
    if (normalization(m, tw)) return -1;
    uint64_t rng = 0x5eed0000ull + o->seed; /* the seed mlp.c's tr_fit starts from */
    char *is_val = calloc((size_t)n, 1);
    int *idx = malloc(sizeof(int) * (size_t)n), *vidx = malloc(sizeof(int) * (size_t)n);
    float *Z = malloc(sizeof(float) * (size_t)n * nf);
    struct cnet *t = NULL;
    float *P = NULL, *G = NULL, *Am = NULL, *Av = NULL, *best = NULL, *xin = NULL;
    char *isw = NULL;
    int rc = -1;
    if (!is_val || !idx || !vidx || !Z) goto out;
    int nv = tr_validation_part(tw, o, nc, is_val);
    if (nv < 0) goto out;
    int n_tr = 0;
    nv = 0;
    for (int r = 0; r < n; r++) {
        if (is_val[r]) vidx[nv++] = r;
        else idx[n_tr++] = r;
    }
    if (n_tr == 0) goto out;
    for (int r = 0; r < n; r++) standardize(m, tw->x + (size_t)r * nf, Z + (size_t)r * nf);
    if (init_params(m, &rng)) goto out;
    t = cnet_alloc(m);
    if (!t) goto out;
    P = malloc(sizeof(float) * t->np);
    G = calloc(t->np, sizeof(float));
    Am = calloc(t->np, sizeof(float));
    Av = calloc(t->np, sizeof(float));
    best = malloc(sizeof(float) * t->np);
    xin = malloc(sizeof(float) * (size_t)nf);
    isw = malloc(t->np);
    if (!P || !G || !Am || !Av || !best || !xin || !isw) goto out;
    params_get(m, t, P);
    weight_mask(m, t, isw);
    float cw[TR_MAX_LABELS];
    {
        int cnt[TR_MAX_LABELS] = {0};
        for (int j = 0; j < n_tr; j++) cnt[tw->y[idx[j]]]++;
        for (int k = 0; k < nc; k++)
            cw[k] = (o->class_weights && cnt[k]) ? (float)n_tr / ((float)nc * (float)cnt[k]) : 1.0f;
    }
    const int maxep = o->epochs > 0 ? o->epochs : 1, B = o->batch > 0 ? o->batch : 16;
    free(m->curve_loss); free(m->curve_train_acc); free(m->curve_val_acc);
    m->curve_loss = calloc((size_t)maxep, sizeof(float));
    m->curve_train_acc = calloc((size_t)maxep, sizeof(float));
    m->curve_val_acc = calloc((size_t)maxep, sizeof(float));
    if (!m->curve_loss || !m->curve_train_acc || !m->curve_val_acc) goto out;
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    float b1t = 1, b2t = 1;
    double best_score = -1e30;
    int best_ep = 0, ep;
    memcpy(best, P, sizeof(float) * t->np);
    for (ep = 0; ep < maxep; ep++) {
        for (int j = n_tr - 1; j > 0; j--) {
            int r = (int)(tr_rand_u32(&rng) % (uint32_t)(j + 1));
            int x = idx[j]; idx[j] = idx[r]; idx[r] = x;
        }
        double loss_sum = 0;
        int correct = 0;
        for (int s0 = 0; s0 < n_tr; s0 += B) {
            const int bs = n_tr - s0 < B ? n_tr - s0 : B;
            float wsum = 0;
            for (int b = 0; b < bs; b++) wsum += cw[tw->y[idx[s0 + b]]];
            memset(G, 0, sizeof(float) * t->np);
            for (int b = 0; b < bs; b++) {
                const int r = idx[s0 + b], yr = tw->y[r];
                const float *z = Z + (size_t)r * nf;
                if (o->aug_noise > 0) {
                    for (int i = 0; i < nf; i++) xin[i] = z[i] + o->aug_noise * tr_rand_normal(&rng);
                    z = xin;
                }
                cnet_forward(t, P, z);
                float pr[TR_MAX_LABELS];
                correct += softmax(t, nc, pr) == yr;
                loss_sum += -log((double)(pr[yr] > 1e-20f ? pr[yr] : 1e-20f));
                const float wgt = cw[yr] / wsum;
                for (int k = 0; k < nc; k++) {
                    float d = (pr[k] - (k == yr ? 1.0f : 0.0f)) * wgt;
                    t->dact[t->L][k] = fabsf(d) < 1e-15f ? 0 : d;
                }
                cnet_backward(t, P, G);
            }
            b1t *= b1;
            b2t *= b2;
            const float lr = o->lr * sqrtf(1.0f - b2t) / (1.0f - b1t), l2 = o->l2;
            for (size_t j = 0; j < t->np; j++) {
                float g = G[j] + (isw[j] ? l2 * P[j] : 0.0f);
                float mm = b1 * Am[j] + (1.0f - b1) * g, vv = b2 * Av[j] + (1.0f - b2) * g * g;
                Am[j] = fabsf(mm) < 1e-30f ? 0 : mm;
                Av[j] = vv < 1e-30f ? 0 : vv;
                P[j] -= lr * Am[j] / (sqrtf(Av[j]) + eps);
            }
        }
        double tr_acc = (double)correct / n_tr, vacc = -1, vloss = 0;
        if (nv > 0) vacc = (double)eval_rows(t, P, Z, nf, tw->y, vidx, nv, nc, &vloss) / nv;
        m->curve_loss[ep] = (float)(loss_sum / n_tr);
        m->curve_train_acc[ep] = (float)tr_acc;
        m->curve_val_acc[ep] = (float)vacc;
        double score = nv > 0 ? vacc - 0.01 * vloss : -loss_sum / n_tr;
        if (score > best_score + 1e-6) {
            best_score = score;
            best_ep = ep;
            memcpy(best, P, sizeof(float) * t->np);
        }
        progress(o, ep, maxep, m->curve_loss[ep], tr_acc, nv, vacc);
        if (o->patience > 0 && ep - best_ep >= o->patience) { ep++; break; }
    }
    if (o->verbose && o->progress_out && o->progress_bar) fputc('\n', o->progress_out);
    m->n_epochs = ep;
    m->best_epoch = best_ep + 1;
    m->val_acc_float = nv > 0 ? m->curve_val_acc[best_ep] : -1;
    params_put(m, t, (nv > 0 || o->patience > 0) ? best : P);
    rc = 0;
out:
    if (t) cnet_free(t);
    free(P); free(G); free(Am); free(Av); free(best); free(xin); free(isw);
    free(is_val); free(idx); free(vidx); free(Z);
    m->train_seconds = tr_now() - t0;
    return rc;
}

/* ---- quantization-aware fine-tuning ---- */

/* Pf = P with every weight row (conv: [o][k][c], dense: [o][i]) rounded to its symmetric int8 grid
 * (per output channel, as quantize_layer and tr_quantize_with); biases as they are. */
static void fake_quant_weights(const struct tr_model *m, const struct cnet *t, const float *P, float *Pf)
{
    const struct tr_conv *c = m->conv;
    memcpy(Pf, P, sizeof(float) * t->np);
    for (int i = 0; i < c->n + m->n_layers; i++) {
        const int conv = i < c->n, k = i - c->n;
        const int rows = conv ? c->l[i].ch_out : m->sizes[k + 1];
        const int len = conv ? c->l[i].k * c->l[i].ch_in : m->sizes[k];
        const size_t off = conv ? t->off_c[i] : t->off_d[k];
        for (int o = 0; o < rows; o++) {
            const float *w = P + off + (size_t)o * len;
            float *wf = Pf + off + (size_t)o * len, mx = 0;
            for (int j = 0; j < len; j++) mx = fabsf(w[j]) > mx ? fabsf(w[j]) : mx;
            const float sc = mx > 0 ? mx / 127.0f : 1.0f;
            for (int j = 0; j < len; j++) {
                float q = roundf(w[j] / sc);
                wf[j] = (q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q) * sc;
            }
        }
    }
}

/* The activation grids of the qat forward pass from the ranges the fake-quantized network
 * (weights Pf, the grids it has) reaches on the rows: each conv output after ReLU, the hidden
 * dense tensors after ReLU (as calibrate() for post-training quantization). */
static void qat_grids(const struct tr_model *m, struct cnet *t, const float *Pf, const float *Z, const int *rows, int n)
{
    const struct tr_conv *c = m->conv;
    double chi[TR_MAX_CONV] = {0}, hi[TR_MAX_HIDDEN + 2] = {0};
    for (int r = 0; r < n; r++) {
        cnet_forward(t, Pf, Z + (size_t)rows[r] * m->n_feat);
        for (int i = 0; i < c->n; i++)
            for (int j = 0; j < c->l[i].len_out * c->l[i].ch_out; j++)
                if (t->pre[i][j] > chi[i]) chi[i] = t->pre[i][j];
        for (int k = 1; k < m->n_layers; k++)
            for (int j = 0; j < m->sizes[k]; j++)
                if (t->hpre[k][j] > hi[k]) hi[k] = t->hpre[k][j];
    }
    for (int i = 0; i < c->n; i++) {
        int zp;
        tr_range_qparams(0, chi[i], &t->cs[i], &zp);
        t->czp[i] = (float)zp;
        t->chi[i] = t->cs[i] * (127.0f - (float)zp);
    }
    for (int k = 1; k < m->n_layers; k++) {
        int zp;
        tr_range_qparams(0, hi[k], &t->ds[k], &zp);
        t->dzp[k] = (float)zp;
        t->dhi[k] = t->ds[k] * (127.0f - (float)zp);
    }
}

int tr_conv_fit_qat(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw, int epochs)
{
    const int n = tw->n, nf = tw->n_feat, nc = m->n_labels;
    const struct tr_conv *c = m->conv;
    double t0 = tr_now();
    if (n <= 0 || nf != m->n_feat || !c->l[0].qw) return -1;
    uint64_t rng = (0x5eed0000ull + o->seed) ^ (0x0a7ull << 40); /* its own stream, as tr_fit_qat */
    char *is_val = calloc((size_t)n, 1);
    int *idx = malloc(sizeof(int) * (size_t)n), *vidx = malloc(sizeof(int) * (size_t)n);
    int *all = malloc(sizeof(int) * (size_t)n);
    float *Z = malloc(sizeof(float) * (size_t)n * nf);
    struct cnet *t = cnet_alloc(m);
    float *P = NULL, *Pf = NULL, *G = NULL, *Am = NULL, *Av = NULL, *best = NULL, *orig = NULL;
    char *isw = NULL;
    int rc = -1;
    if (!is_val || !idx || !vidx || !all || !Z || !t) goto out;
    int nv = tr_validation_part(tw, o, nc, is_val);
    if (nv < 0) goto out;
    int n_tr = 0;
    nv = 0;
    for (int r = 0; r < n; r++) {
        all[r] = r;
        if (is_val[r]) vidx[nv++] = r;
        else idx[n_tr++] = r;
    }
    if (n_tr == 0) goto out;
    for (int r = 0; r < n; r++) standardize(m, tw->x + (size_t)r * nf, Z + (size_t)r * nf);
    P = malloc(sizeof(float) * t->np);
    Pf = malloc(sizeof(float) * t->np);
    G = calloc(t->np, sizeof(float));
    Am = calloc(t->np, sizeof(float));
    Av = calloc(t->np, sizeof(float));
    best = malloc(sizeof(float) * t->np);
    orig = malloc(sizeof(float) * t->np);
    isw = malloc(t->np);
    if (!P || !Pf || !G || !Am || !Av || !best || !orig || !isw) goto out;
    params_get(m, t, P);
    memcpy(orig, P, sizeof(float) * t->np);
    memcpy(best, P, sizeof(float) * t->np);
    weight_mask(m, t, isw);
    float cw[TR_MAX_LABELS];
    {
        int cnt[TR_MAX_LABELS] = {0};
        for (int j = 0; j < n_tr; j++) cnt[tw->y[idx[j]]]++;
        for (int k = 0; k < nc; k++)
            cw[k] = (o->class_weights && cnt[k]) ? (float)n_tr / ((float)nc * (float)cnt[k]) : 1.0f;
    }
    /* the grids: the input's as post-training quantization calibrated it (fixed); the others from
     * the post-training model first, then re-measured on the fake-quantized network every epoch */
    t->qat = 1;
    t->qs_in = c->in_scale;
    t->qzp_in = (float)c->in_zp;
    for (int i = 0; i < c->n; i++) {
        t->cs[i] = c->l[i].out_scale;
        t->czp[i] = (float)c->l[i].out_zp;
        t->chi[i] = t->cs[i] * (127.0f - t->czp[i]);
    }
    for (int k = 1; k < m->n_layers; k++) {
        t->ds[k] = m->act_scale[k];
        t->dzp[k] = (float)m->act_zp[k];
        t->dhi[k] = t->ds[k] * (127.0f - t->dzp[k]);
    }
    const int B = o->batch > 0 ? o->batch : 16;
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, lr0 = o->lr * 0.1f;
    float b1t = 1, b2t = 1;
    double best_score = -1e30;
    int best_ep = 0; /* 0: the starting point, the float model fake-quantized */
    for (int ep = 0; ep <= epochs; ep++) {
        fake_quant_weights(m, t, P, Pf);
        qat_grids(m, t, Pf, Z, all, n);
        if (ep == 0 && nv > 0) {
            double vloss;
            double vacc = (double)eval_rows(t, Pf, Z, nf, tw->y, vidx, nv, nc, &vloss) / nv;
            best_score = vacc - 0.01 * vloss;
        }
        if (ep == epochs) break;
        for (int j = n_tr - 1; j > 0; j--) {
            int r = (int)(tr_rand_u32(&rng) % (uint32_t)(j + 1));
            int x = idx[j]; idx[j] = idx[r]; idx[r] = x;
        }
        double loss_sum = 0;
        int correct = 0;
        for (int s0 = 0; s0 < n_tr; s0 += B) {
            const int bs = n_tr - s0 < B ? n_tr - s0 : B;
            float wsum = 0;
            for (int b = 0; b < bs; b++) wsum += cw[tw->y[idx[s0 + b]]];
            memset(G, 0, sizeof(float) * t->np);
            for (int b = 0; b < bs; b++) {
                const int r = idx[s0 + b], yr = tw->y[r];
                cnet_forward(t, Pf, Z + (size_t)r * nf);
                float pr[TR_MAX_LABELS];
                correct += softmax(t, nc, pr) == yr;
                loss_sum += -log((double)(pr[yr] > 1e-20f ? pr[yr] : 1e-20f));
                const float wgt = cw[yr] / wsum;
                for (int k = 0; k < nc; k++) {
                    float d = (pr[k] - (k == yr ? 1.0f : 0.0f)) * wgt;
                    t->dact[t->L][k] = fabsf(d) < 1e-15f ? 0 : d;
                }
                cnet_backward(t, Pf, G); /* straight-through: the gradient of the rounded weights */
            }
            b1t *= b1;
            b2t *= b2;
            const float lr = lr0 * sqrtf(1.0f - b2t) / (1.0f - b1t), l2 = o->l2;
            for (size_t j = 0; j < t->np; j++) {
                float g = G[j] + (isw[j] ? l2 * P[j] : 0.0f);
                float mm = b1 * Am[j] + (1.0f - b1) * g, vv = b2 * Av[j] + (1.0f - b2) * g * g;
                Am[j] = fabsf(mm) < 1e-30f ? 0 : mm;
                Av[j] = vv < 1e-30f ? 0 : vv;
                P[j] -= lr * Am[j] / (sqrtf(Av[j]) + eps);
            }
            fake_quant_weights(m, t, P, Pf);
        }
        double vacc = -1, vloss = 0;
        if (nv > 0) {
            vacc = (double)eval_rows(t, Pf, Z, nf, tw->y, vidx, nv, nc, &vloss) / nv;
            double score = vacc - 0.01 * vloss;
            if (score > best_score + 1e-6) {
                best_score = score;
                best_ep = ep + 1;
                memcpy(best, P, sizeof(float) * t->np);
            }
        }
        progress(o, ep, epochs, loss_sum / n_tr, (double)correct / n_tr, nv, vacc);
    }
    if (o->verbose && o->progress_out && o->progress_bar) fputc('\n', o->progress_out);
    if (nv == 0) {
        best_ep = epochs;
        memcpy(best, P, sizeof(float) * t->np);
    }
    /* the int8 model from the chosen weights (ranges of their float network); the float model
     * stays the one float training chose */
    params_put(m, t, best);
    rc = tr_conv_quantize(m, tw);
    params_put(m, t, orig);
    m->qat_best_epoch = best_ep;
out:
    if (t) cnet_free(t);
    free(P); free(Pf); free(G); free(Am); free(Av); free(best); free(orig); free(isw);
    free(is_val); free(idx); free(vidx); free(all); free(Z);
    m->qat_seconds = tr_now() - t0;
    return rc;
}

double tr_conv_qat_agreement(const struct tr_model *m, const struct tr_windows *tw, double *float_agree)
{
    const struct tr_conv *c = m->conv;
    struct cnet *t = cnet_alloc(m);
    float *P = malloc(sizeof(float) * (t ? t->np : 1)), *Pf = malloc(sizeof(float) * (t ? t->np : 1));
    float *z = malloc(sizeof(float) * (size_t)m->n_feat);
    int same_q = 0, same_f = 0;
    if (t && P && Pf && z && tw->n > 0) {
        params_get(m, t, P);
        fake_quant_weights(m, t, P, Pf);
        t->qs_in = c->in_scale;
        t->qzp_in = (float)c->in_zp;
        for (int i = 0; i < c->n; i++) {
            t->cs[i] = c->l[i].out_scale;
            t->czp[i] = (float)c->l[i].out_zp;
            t->chi[i] = t->cs[i] * (127.0f - t->czp[i]);
        }
        for (int k = 1; k < m->n_layers; k++) {
            t->ds[k] = m->act_scale[k];
            t->dzp[k] = (float)m->act_zp[k];
            t->dhi[k] = t->ds[k] * (127.0f - t->dzp[k]);
        }
        for (int r = 0; r < tw->n; r++) {
            const float *f = tw->x + (size_t)r * tw->n_feat;
            const int y8 = tr_predict_int8(m, f, NULL);
            standardize(m, f, z);
            t->qat = 0;
            cnet_forward(t, P, z);
            same_f += softmax(t, m->n_labels, NULL) == y8;
            t->qat = 1;
            cnet_forward(t, Pf, z);
            for (int k = 0; k < m->n_labels; k++) /* the int8 scores (ties: the first, as imu_nn_argmax) */
                t->act[t->L][k] = fq(t->act[t->L][k], m->act_scale[m->n_layers], (float)m->act_zp[m->n_layers]);
            same_q += softmax(t, m->n_labels, NULL) == y8;
        }
    }
    free(P); free(Pf); free(z);
    if (t) cnet_free(t);
    if (float_agree) *float_agree = tw->n > 0 ? (double)same_f / tw->n : 0;
    return tw->n > 0 ? (double)same_q / tw->n : 0;
}

/* ---- int8 ---- */

/* Ranges of the float network on the calibration windows: each conv's output after ReLU
 * (clo/chi), the dense layers' tensors (lo/hi[1..L]; lo/hi[0] is the last conv's range: the
 * pools keep the scale). */
static int calibrate(const struct tr_model *m, const struct tr_windows *cw, double *clo, double *chi, double *lo,
                     double *hi)
{
    const struct tr_conv *c = m->conv;
    struct cnet *t = cnet_alloc(m);
    float *P = malloc(sizeof(float) * (t ? t->np : 1)), *z = malloc(sizeof(float) * (size_t)m->n_feat);
    if (!t || !P || !z) { free(P); free(z); if (t) cnet_free(t); return -1; }
    params_get(m, t, P);
    for (int i = 0; i < c->n; i++) clo[i] = chi[i] = 0;
    for (int k = 0; k <= m->n_layers; k++) lo[k] = hi[k] = 0;
    for (int r = 0; r < cw->n; r++) {
        standardize(m, cw->x + (size_t)r * cw->n_feat, z);
        cnet_forward(t, P, z);
        for (int i = 0; i < c->n; i++) {
            const struct tr_conv_layer *l = &c->l[i];
            for (int j = 0; j < l->len_out * l->ch_out; j++) {
                float v = t->pre[i][j] > 0 ? t->pre[i][j] : 0;
                if (v > chi[i]) chi[i] = v;
            }
        }
        for (int k = 1; k <= m->n_layers; k++)
            for (int j = 0; j < m->sizes[k]; j++) {
                if (t->act[k][j] < lo[k]) lo[k] = t->act[k][j];
                if (t->act[k][j] > hi[k]) hi[k] = t->act[k][j];
            }
    }
    lo[0] = clo[c->n - 1];
    hi[0] = chi[c->n - 1];
    free(P); free(z);
    cnet_free(t);
    return 0;
}

/* int8 weights of one conv layer (symmetric per output channel) for input s_in/zp_in and output
 * s_out. */
static int quantize_layer(struct tr_conv_layer *l, float s_in, int zp_in, float s_out)
{
    const int kc = l->k * l->ch_in, no = l->ch_out;
    free(l->qw); free(l->w_scale); free(l->bias); free(l->bias_folded); free(l->mult); free(l->shift);
    l->qw = malloc((size_t)kc * no);
    l->w_scale = malloc(sizeof(float) * no);
    l->bias = malloc(sizeof(int32_t) * no);
    l->bias_folded = malloc(sizeof(int32_t) * no);
    l->mult = malloc(sizeof(int32_t) * no);
    l->shift = malloc((size_t)no);
    if (!l->qw || !l->w_scale || !l->bias || !l->bias_folded || !l->mult || !l->shift) return -1;
    for (int o = 0; o < no; o++) {
        const float *w = l->W + (size_t)o * kc;
        float mx = 0;
        for (int i = 0; i < kc; i++) if (fabsf(w[i]) > mx) mx = fabsf(w[i]);
        float sw = mx > 0 ? mx / 127.0f : 1.0f;
        double sw_min = fabs((double)l->B[o]) / ((double)s_in * 1073741824.0); /* |bias| < 2^30 (quant.c) */
        if ((double)sw < sw_min) sw = (float)(sw_min * 1.0001);
        l->w_scale[o] = sw;
        int32_t wsum = 0;
        for (int i = 0; i < kc; i++) {
            long v = lroundf(w[i] / sw);
            v = v > 127 ? 127 : v < -127 ? -127 : v;
            l->qw[(size_t)o * kc + i] = (int8_t)v;
            wsum += (int32_t)v;
        }
        double bs = (double)s_in * sw, bq = round(l->B[o] / bs);
        bq = bq > 2147483647.0 ? 2147483647.0 : bq < -2147483648.0 ? -2147483648.0 : bq;
        l->bias[o] = (int32_t)bq;
        int64_t bf = (int64_t)l->bias[o] - (int64_t)zp_in * wsum;
        l->bias_folded[o] = bf > INT32_MAX ? INT32_MAX : bf < INT32_MIN ? INT32_MIN : (int32_t)bf;
        tr_quantize_multiplier(bs / s_out, &l->mult[o], &l->shift[o]);
    }
    return 0;
}

/* The model's input quantization for the conv input tensor (normalization folded in). */
static void input_quant(struct tr_model *m)
{
    const struct tr_conv *c = m->conv;
    for (int i = 0; i < m->n_feat; i++) {
        double a = 1.0 / ((double)m->feat_std[i] * c->in_scale);
        m->in_mul[i] = (float)a;
        m->in_add[i] = (float)(c->in_zp - (double)m->feat_mean[i] * a);
    }
}

int tr_conv_quantize(struct tr_model *m, const struct tr_windows *tw)
{
    struct tr_conv *c = m->conv;
    double clo[TR_MAX_CONV], chi[TR_MAX_CONV], lo[TR_MAX_HIDDEN + 2], hi[TR_MAX_HIDDEN + 2], ilo, ihi;
    if (calibrate(m, tw, clo, chi, lo, hi)) return -1;
    if (tr_calibrate_input(m, tw, &ilo, &ihi)) return -1;
    tr_range_qparams(ilo, ihi, &c->in_scale, &c->in_zp);
    float s_in = c->in_scale;
    int zp_in = c->in_zp;
    for (int i = 0; i < c->n; i++) {
        struct tr_conv_layer *l = &c->l[i];
        tr_range_qparams(clo[i], chi[i], &l->out_scale, &l->out_zp);
        if (quantize_layer(l, s_in, zp_in, l->out_scale)) return -1;
        s_in = l->out_scale;
        zp_in = l->out_zp;
    }
    if (tr_quantize_with(m, m->W, m->B, lo, hi)) return -1; /* the dense layers; in_mul for the conv: */
    input_quant(m);
    return tr_build_nn(m);
}

/* Row-major [o][n_in] int8 weights in nn.h's blocked layout. */
static int8_t *block_weights(const int8_t *w, int ni, int no)
{
    const int np = (int)IMU_NN_PAD4((unsigned)ni), nblk = no / 4;
    int8_t *d = calloc((size_t)np * no, 1), *p = d;
    if (!d) return NULL;
    for (int b = 0; b < nblk; b++)
        for (int g = 0; g < np / 4; g++)
            for (int r = 0; r < 4; r++)
                for (int j = 0; j < 4; j++) *p++ = 4 * g + j < ni ? w[(size_t)(4 * b + r) * ni + 4 * g + j] : 0;
    for (int o = nblk * 4; o < no; o++)
        for (int i = 0; i < np; i++) *p++ = i < ni ? w[(size_t)o * ni + i] : 0;
    return d;
}

int tr_conv_build(struct tr_model *m)
{
    struct tr_conv *c = m->conv;
    if (!c || !c->l[0].qw) return 0;
    int n = 0, zp = c->in_zp;
    unsigned maxw = m->nn.max_width;
    for (int i = 0; i < c->n; i++) {
        struct tr_conv_layer *l = &c->l[i];
        free(l->qw_blocked);
        l->qw_blocked = block_weights(l->qw, l->k * l->ch_in, l->ch_out);
        if (!l->qw_blocked) return -1;
        struct imu_conv_op *op = &c->ops[n++];
        memset(op, 0, sizeof *op);
        op->kind = IMU_CONV_CONV;
        op->k = (uint8_t)l->k;
        op->stride = (uint8_t)l->stride;
        op->pad = (uint8_t)l->pad;
        op->len_in = (uint16_t)l->len_in;
        op->ch_in = (uint16_t)l->ch_in;
        op->len_out = (uint16_t)l->len_out;
        op->ch_out = (uint16_t)l->ch_out;
        op->fc = (struct imu_nn_layer){ (uint16_t)(l->k * l->ch_in), (uint16_t)l->ch_out, l->qw_blocked, l->bias_folded,
                                        l->mult, l->shift, (int16_t)l->out_zp, (int16_t)l->out_zp, 127 };
        op->zp_in = (int16_t)zp;
        op->blocks = (uint8_t)imu_nn_dense_n_fits(&op->fc);
        zp = l->out_zp;
        if (l->pool > 1) {
            struct imu_conv_op *p = &c->ops[n++];
            *p = (struct imu_conv_op){ IMU_CONV_MAXPOOL, (uint8_t)l->pool, (uint8_t)l->pool, 0, (uint16_t)l->len_out,
                                       (uint16_t)l->ch_out, (uint16_t)l->pool_len, (uint16_t)l->ch_out,
                                       {0, 0, NULL, NULL, NULL, NULL, 0, 0, 0}, (int16_t)zp, 0 };
        }
    }
    const struct tr_conv_layer *last = &c->l[c->n - 1];
    c->ops[n++] = (struct imu_conv_op){ IMU_CONV_GAP, (uint8_t)last->pool_len, 1, 0, (uint16_t)last->pool_len,
                                        (uint16_t)last->ch_out, 1, (uint16_t)last->ch_out,
                                        {0, 0, NULL, NULL, NULL, NULL, 0, 0, 0}, (int16_t)zp, 0 };
    for (int a = 0; a < c->ch; a++) {
        c->in_mul_c[a] = m->in_mul ? m->in_mul[a * c->len] : 0;
        c->in_add_c[a] = m->in_add ? m->in_add[a * c->len] : 0;
    }
    c->net = (struct imu_conv_net){ (uint16_t)n, (uint16_t)c->len, (uint16_t)c->ch, c->ops, c->in_mul_c, c->in_add_c,
                                    (int16_t)c->in_zp, imu_conv_quantize_input, imu_conv_run };
    for (int i = 0; i < n; i++) {
        unsigned b = imu_conv_buf_bytes(&c->net, i), o = IMU_NN_PAD4((unsigned)c->ops[i].len_out * c->ops[i].ch_out);
        if (i + 1 < n) o = imu_conv_buf_bytes(&c->net, i + 1);
        if (b > maxw) maxw = b;
        if (o > maxw) maxw = o;
    }
    m->nn.max_width = (uint16_t)(maxw < 65535 ? maxw : 65535);
    m->nn.conv = &c->net;
    return 0;
}

/* ---- hash, model.json, model.c ---- */

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 16777619u; }
    return h;
}

uint32_t tr_conv_hash(const struct tr_model *m, uint32_t h)
{
    const struct tr_conv *c = m->conv;
    int32_t hdr[5] = {c->n, c->len, c->ch, c->in_zp, 0x636f6e76};
    h = fnv(h, hdr, sizeof hdr);
    h = fnv(h, &c->in_scale, 4);
    for (int i = 0; i < c->n; i++) {
        const struct tr_conv_layer *l = &c->l[i];
        const size_t kc = (size_t)l->k * l->ch_in, no = (size_t)l->ch_out;
        int32_t s[6] = {l->ch_out, l->k, l->stride, l->pool, l->out_zp, l->pad};
        h = fnv(h, s, sizeof s);
        h = fnv(h, &l->out_scale, 4);
        h = fnv(h, l->W, sizeof(float) * kc * no);
        h = fnv(h, l->B, sizeof(float) * no);
        h = fnv(h, l->qw, kc * no);
        h = fnv(h, l->w_scale, sizeof(float) * no);
        h = fnv(h, l->bias, sizeof(int32_t) * no);
        h = fnv(h, l->bias_folded, sizeof(int32_t) * no);
        h = fnv(h, l->mult, sizeof(int32_t) * no);
        h = fnv(h, l->shift, no);
    }
    return h;
}

static cJSON *farr(const float *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
    return a;
}
static cJSON *iarr(const int32_t *v32, const int8_t *v8, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v32 ? v32[i] : v8[i]));
    return a;
}

cJSON *tr_conv_json(const struct tr_model *m)
{
    const struct tr_conv *c = m->conv;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "length", c->len);
    cJSON_AddNumberToObject(j, "channels", c->ch);
    cJSON_AddNumberToObject(j, "input_scale", (double)c->in_scale);
    cJSON_AddNumberToObject(j, "input_zero_point", c->in_zp);
    cJSON_AddStringToObject(j, "padding", "same");
    cJSON_AddStringToObject(j, "pooling", "max after each layer (pool), global average at the end");
    cJSON *ls = cJSON_AddArrayToObject(j, "layers");
    for (int i = 0; i < c->n; i++) {
        const struct tr_conv_layer *l = &c->l[i];
        const int kc = l->k * l->ch_in, no = l->ch_out;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "channels", no);
        cJSON_AddNumberToObject(o, "kernel", l->k);
        cJSON_AddNumberToObject(o, "stride", l->stride);
        cJSON_AddNumberToObject(o, "pool", l->pool);
        cJSON_AddItemToObject(o, "weights", farr(l->W, kc * no));
        cJSON_AddItemToObject(o, "bias", farr(l->B, no));
        cJSON_AddItemToObject(o, "int8_weights", iarr(NULL, l->qw, kc * no));
        cJSON_AddItemToObject(o, "weight_scale", farr(l->w_scale, no));
        cJSON_AddItemToObject(o, "int32_bias", iarr(l->bias, NULL, no));
        cJSON_AddItemToObject(o, "bias_folded", iarr(l->bias_folded, NULL, no));
        cJSON_AddItemToObject(o, "multiplier", iarr(l->mult, NULL, no));
        cJSON_AddItemToObject(o, "shift", iarr(NULL, l->shift, no));
        cJSON_AddNumberToObject(o, "output_scale", (double)l->out_scale);
        cJSON_AddNumberToObject(o, "output_zero_point", l->out_zp);
        cJSON_AddItemToArray(ls, o);
    }
    return j;
}

/* Numbers of a JSON array into floats / ints within [lo, hi]: 0, or -1. */
static int get_nums(const cJSON *a, int n, double lo, double hi, float *f, int32_t *i32, int8_t *i8)
{
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) return -1;
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || !(e->valuedouble >= lo && e->valuedouble <= hi)) return -1;
        if (!f && e->valuedouble != floor(e->valuedouble)) return -1;
        if (f) f[k] = (float)e->valuedouble;
        else if (i32) i32[k] = (int32_t)e->valuedouble;
        else i8[k] = (int8_t)e->valuedouble;
        k++;
    }
    return 0;
}

static int get_num(const cJSON *o, const char *k, double lo, double hi, double *v)
{
    const cJSON *x = cJSON_GetObjectItem(o, k);
    if (!cJSON_IsNumber(x) || !(x->valuedouble >= lo && x->valuedouble <= hi)) return -1;
    *v = x->valuedouble;
    return 0;
}

int tr_conv_load(struct tr_model *m, const cJSON *j, char *why, size_t len)
{
    struct tr_conv *c = calloc(1, sizeof *c);
    if (!c) { snprintf(why, len, "out of memory"); return -1; }
    m->conv = c;
    double v;
#define FIELD(name, cond) do { if (!(cond)) { snprintf(why, len, "field 'conv.%s' missing or out of range", name); return -1; } } while (0)
    FIELD("length", !get_num(j, "length", 1, 256, &v) && v == floor(v) && (int)v == m->window_len);
    c->len = (int)v;
    FIELD("channels", !get_num(j, "channels", 1, TR_MAX_AXES, &v) && (int)v == m->n_axes);
    c->ch = (int)v;
    FIELD("input_scale", !get_num(j, "input_scale", 1e-9, 1e9, &v));
    c->in_scale = (float)v;
    FIELD("input_zero_point", !get_num(j, "input_zero_point", -128, 127, &v) && v == floor(v));
    c->in_zp = (int)v;
    const cJSON *ls = cJSON_GetObjectItem(j, "layers");
    FIELD("layers", cJSON_IsArray(ls) && cJSON_GetArraySize(ls) >= 1 && cJSON_GetArraySize(ls) <= TR_MAX_CONV);
    c->n = cJSON_GetArraySize(ls);
    for (int i = 0; i < c->n; i++) {
        const cJSON *o = cJSON_GetArrayItem(ls, i);
        struct tr_conv_layer *l = &c->l[i];
        char f[64];
#define LFIELD(name, cond) do { snprintf(f, sizeof f, "layers[%d].%s", i, name); FIELD(f, cond); } while (0)
        LFIELD("channels", !get_num(o, "channels", 1, 128, &v) && v == floor(v));
        l->ch_out = (int)v;
        LFIELD("kernel", !get_num(o, "kernel", 1, 15, &v) && v == floor(v));
        l->k = (int)v;
        LFIELD("stride", !get_num(o, "stride", 1, 4, &v) && v == floor(v));
        l->stride = (int)v;
        LFIELD("pool", !get_num(o, "pool", 0, 8, &v) && v == floor(v) && v != 1);
        l->pool = (int)v;
    }
    if (tr_conv_shapes(c, why, len)) return -1;
    for (int i = 0; i < c->n; i++) {
        const cJSON *o = cJSON_GetArrayItem(ls, i);
        struct tr_conv_layer *l = &c->l[i];
        const int kc = l->k * l->ch_in, no = l->ch_out;
        char f[64];
        l->W = malloc(sizeof(float) * (size_t)kc * no);
        l->B = malloc(sizeof(float) * no);
        l->qw = malloc((size_t)kc * no);
        l->w_scale = malloc(sizeof(float) * no);
        l->bias = malloc(sizeof(int32_t) * no);
        l->bias_folded = malloc(sizeof(int32_t) * no);
        l->mult = malloc(sizeof(int32_t) * no);
        l->shift = malloc((size_t)no);
        if (!l->W || !l->B || !l->qw || !l->w_scale || !l->bias || !l->bias_folded || !l->mult || !l->shift) {
            snprintf(why, len, "out of memory");
            return -1;
        }
        LFIELD("weights", !get_nums(cJSON_GetObjectItem(o, "weights"), kc * no, -1e6, 1e6, l->W, NULL, NULL));
        LFIELD("bias", !get_nums(cJSON_GetObjectItem(o, "bias"), no, -1e6, 1e6, l->B, NULL, NULL));
        LFIELD("int8_weights", !get_nums(cJSON_GetObjectItem(o, "int8_weights"), kc * no, -127, 127, NULL, NULL, l->qw));
        LFIELD("weight_scale", !get_nums(cJSON_GetObjectItem(o, "weight_scale"), no, 1e-30, 1e9, l->w_scale, NULL, NULL));
        LFIELD("int32_bias", !get_nums(cJSON_GetObjectItem(o, "int32_bias"), no, -2147483648.0, 2147483647.0, NULL, l->bias, NULL));
        /* the accumulator holds bias_folded plus kc products of two int8 values */
        const double lim = 2147483647.0 - (double)kc * 128 * 128;
        LFIELD("bias_folded", !get_nums(cJSON_GetObjectItem(o, "bias_folded"), no, -lim, lim, NULL, l->bias_folded, NULL));
        LFIELD("multiplier", !get_nums(cJSON_GetObjectItem(o, "multiplier"), no, 0, 2147483647.0, NULL, l->mult, NULL));
        for (int k = 0; k < no; k++) LFIELD("multiplier", l->mult[k] == 0 || l->mult[k] >= (1 << 30));
        LFIELD("shift", !get_nums(cJSON_GetObjectItem(o, "shift"), no, -31, 30, NULL, NULL, l->shift));
        LFIELD("output_scale", !get_num(o, "output_scale", 1e-9, 1e9, &v));
        l->out_scale = (float)v;
        LFIELD("output_zero_point", !get_num(o, "output_zero_point", -128, 127, &v) && v == floor(v));
        l->out_zp = (int)v;
    }
#undef LFIELD
#undef FIELD
    return 0;
}

int tr_conv_check(const struct tr_model *m, char *why, size_t len)
{
    const struct tr_conv *c = m->conv;
    const char *w = NULL;
    if (m->sizes[0] != c->l[c->n - 1].ch_out) w = "network.sizes[0] is not the last conv layer's channels";
    else if (!(m->feat.flags == IMU_FEAT_RAW && m->feat.raw_points == c->len)) w = "features are not the raw window";
    else if (m->nn.max_width > TR_CONV_MAX_BUF) w = "activations larger than 16 KB";
    else if (m->nn.conv && imu_conv_check(m->nn.conv, &w)) {}
    if (w) { snprintf(why, len, "conv: %s", w); return -1; }
    return 0;
}

/* model.c: the front end's constants and imu_model_conv (imu_model_nn points at it). */
void tr_conv_write_c(const struct tr_model *m, FILE *f)
{
    const struct tr_conv *c = m->conv;
    fprintf(f, "\n/* conv front end (portable/conv.h): %d layers on %d points x %d axes */\n", c->n, c->len, c->ch);
    for (int i = 0; i < c->n; i++) {
        const struct tr_conv_layer *l = &c->l[i];
        const int kc = l->k * l->ch_in, np = (int)IMU_NN_PAD4((unsigned)kc) * l->ch_out;
        fprintf(f, "static const int8_t cw%d[%d] __attribute__((aligned(4))) = {", i, np);
        for (int k = 0; k < np; k++) fprintf(f, "%s%d", k ? (k % 24 ? ", " : ",\n    ") : "\n    ", l->qw_blocked[k]);
        fprintf(f, "\n};\nstatic const int32_t cb%d[%d] = {", i, l->ch_out);
        for (int k = 0; k < l->ch_out; k++) fprintf(f, "%s%ld", k ? ", " : "", (long)l->bias_folded[k]);
        fprintf(f, "};\nstatic const int32_t cm%d[%d] = {", i, l->ch_out);
        for (int k = 0; k < l->ch_out; k++) fprintf(f, "%s%ld", k ? ", " : "", (long)l->mult[k]);
        fprintf(f, "};\nstatic const int8_t cs%d[%d] = {", i, l->ch_out);
        for (int k = 0; k < l->ch_out; k++) fprintf(f, "%s%d", k ? ", " : "", l->shift[k]);
        fprintf(f, "};\n");
    }
    fprintf(f, "static const float conv_in_mul[%d] = {", c->ch);
    for (int a = 0; a < c->ch; a++) fprintf(f, "%s%af", a ? ", " : "", (double)c->in_mul_c[a]); /* hex: exact */
    fprintf(f, "};\nstatic const float conv_in_add[%d] = {", c->ch);
    for (int a = 0; a < c->ch; a++) fprintf(f, "%s%af", a ? ", " : "", (double)c->in_add_c[a]);
    fprintf(f, "};\nstatic const struct imu_conv_op conv_ops[%d] = {\n", c->net.n_ops);
    for (int i = 0, li = 0; i < c->net.n_ops; i++) {
        const struct imu_conv_op *op = &c->ops[i];
        fprintf(f, "    {%u, %u, %u, %u, %u, %u, %u, %u, ", op->kind, op->k, op->stride, op->pad, op->len_in, op->ch_in,
                op->len_out, op->ch_out);
        if (op->kind == IMU_CONV_CONV) {
            fprintf(f, "{%u, %u, cw%d, cb%d, cm%d, cs%d, %d, %d, %d}, %d, %u},\n", op->fc.n_in, op->fc.n_out, li, li, li,
                    li, op->fc.zp_out, op->fc.act_min, op->fc.act_max, op->zp_in, op->blocks);
            li++;
        } else {
            fprintf(f, "{0, 0, 0, 0, 0, 0, 0, 0, 0}, %d, 0},\n", op->zp_in);
        }
    }
    fprintf(f, "};\nstatic const struct imu_conv_net imu_model_conv = {\n");
    fprintf(f, "    .n_ops = %u, .len = %u, .ch = %u, .ops = conv_ops, .in_mul = conv_in_mul, .in_add = conv_in_add,\n",
            c->net.n_ops, c->net.len, c->net.ch);
    fprintf(f, "    .in_zp = %d, .quantize = imu_conv_quantize_input, .run = imu_conv_run,\n};\n", c->net.in_zp);
}

/* ---- gradient check (tests) ---- */

/* Cross-entropy loss of example z with label y for parameters P. */
static double example_loss(struct cnet *t, const float *P, const float *z, int y, int nc)
{
    float pr[TR_MAX_LABELS];
    cnet_forward(t, P, z);
    softmax(t, nc, pr);
    return -log((double)(pr[y] > 1e-30f ? pr[y] : 1e-30f));
}

double tr_conv_grad_check(struct tr_model *m, unsigned seed, int *n_checked)
{
    uint64_t rng = 0x9e3779b97f4a7c15ull + seed;
    *n_checked = 0;
    if (init_params(m, &rng)) return 1e30;
    struct cnet *t = cnet_alloc(m);
    const int nf = m->conv->len * m->conv->ch, nc = m->n_labels;
    float *P = malloc(sizeof(float) * (t ? t->np : 1)), *G = calloc(t ? t->np : 1, sizeof(float));
    float *z = malloc(sizeof(float) * (size_t)nf);
    double worst = 0;
    if (t && P && G && z) {
        params_get(m, t, P);
        for (size_t j = 0; j < t->np; j++) P[j] += 0.05f * (2.0f * tr_rand_uniform(&rng) - 1.0f); /* biases too */
        for (int i = 0; i < nf; i++) z[i] = 2.0f * tr_rand_uniform(&rng) - 1.0f;
        const int y = (int)(tr_rand_u32(&rng) % (uint32_t)nc);
        float pr[TR_MAX_LABELS];
        cnet_forward(t, P, z);
        softmax(t, nc, pr);
        for (int k = 0; k < nc; k++) t->dact[t->L][k] = pr[k] - (k == y ? 1.0f : 0.0f);
        cnet_backward(t, P, G);
        for (size_t j = 0; j < t->np; j += 1 + t->np / 400) {
            const float keep = P[j], h = 1e-3f;
            P[j] = keep + h;
            double lp = example_loss(t, P, z, y, nc);
            P[j] = keep - h;
            double lm = example_loss(t, P, z, y, nc);
            P[j] = keep;
            double num = (lp - lm) / (2.0 * h), err = fabs(num - G[j]) / (fabs(num) + fabs(G[j]) + 1e-2);
            if (err > worst) worst = err;
            ++*n_checked;
        }
    } else {
        worst = 1e30;
    }
    free(P); free(G); free(z);
    if (t) cnet_free(t);
    return worst;
}

/* ---- device cost (cost.c) ---- */

void tr_conv_cost(const struct tr_model *m, double *insn, int *consts, int *widest)
{
    const struct tr_conv *c = m->conv;
    double macs = 0, outs = 0, calls = 0, pool_el = 0, macs_b = 0, bpos = 0, n_b = 0;
    int w = 0, k = 0, ops = 1;
    *consts = 8 * c->ch + 28; /* per-axis input quantization, the net */
    for (int i = 0; i < c->n; i++) {
        const struct tr_conv_layer *l = &c->l[i];
        const int kc = l->k * l->ch_in, pin = (int)IMU_NN_PAD4((unsigned)kc);
        const int pad_after = (l->len_out - 1) * l->stride + l->k - l->pad - l->len_in;
        const int in_bytes = (l->pad + l->len_in + (pad_after > 0 ? pad_after : 0)) * l->ch_in + 3;
        /* imu_nn_dense_n (the blocks loop) where it fits: channels a multiple of 4 and, once
         * quantized, right shifts only (imu_nn_dense_n_fits); imu_nn_dense per position elsewhere */
        int blocks = l->ch_out % 4 == 0;
        for (int o = 0; blocks && l->shift && o < l->ch_out; o++) blocks = l->shift[o] <= 0 && l->shift[o] >= -31;
        if (blocks) {
            macs_b += (double)l->len_out * pin * l->ch_out;
            bpos += (double)l->len_out * (l->ch_out / 4);
            n_b++;
        } else {
            macs += (double)l->len_out * pin * l->ch_out;
            outs += (double)l->len_out * l->ch_out;
            calls += l->len_out;
        }
        if (l->pool > 1) { pool_el += (double)l->pool_len * l->pool * l->ch_out; ops++; }
        *consts += pin * l->ch_out + 9 * l->ch_out;
        ops++;
        k = l->len_out * l->ch_out + 3;
        if (in_bytes > w) w = in_bytes;
        if (k > w) w = k;
    }
    const struct tr_conv_layer *last = &c->l[c->n - 1];
    *consts += 44 * ops;
    /* fitted on 12 conv models measured with tests/trainer/cost/run.sh (-Os, QEMU -icount):
     * residuals -1.9%..+2.3%; the blocks loop's terms (per multiply-accumulate, per block of 4
     * outputs at one position, per layer) refitted on 12 more with the rest fixed: -1.6%..+3.1% */
    *insn = 1.345 * macs + 64.46 * outs + 83.33 * calls + 1.382 * macs_b + 150.9 * bpos + 180.0 * n_b +
            8.124 * pool_el + 3.771 * last->pool_len * last->ch_out + 17.61 * c->len * c->ch + 534.9;
    *widest = w;
}

/* The raw group with every point, as the conv input (fitted on the same 12 models: residuals
 * within 140 instructions). */
double tr_conv_feature_instructions(const struct tr_model *m)
{
    return 32.39 * m->conv->len * m->conv->ch + 87.4;
}
