/* SPDX-License-Identifier: MIT */
/* quant.c -- post-training int8 quantization (TFLite scheme), evaluation, the whole training run. */
#include "trainer_int.h"
#include "tr_conv.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* TFLite's QuantizeMultiplier: M = mult * 2^(shift - 31) with mult in [2^30, 2^31), the
 * mantissa rounded to nearest (not truncated); 0 for M <= 0 or M < 2^-32. */
void tr_quantize_multiplier(double M, int32_t *mult, int8_t *shift)
{
    if (M <= 0) { *mult = 0; *shift = 0; return; }
    int e;
    double q = frexp(M, &e); /* M = q * 2^e, q in [0.5, 1) */
    long long qf = llround(q * 2147483648.0);
    if (qf == 2147483648LL) { qf /= 2; e++; }
    if (e < -31) { *mult = 0; *shift = 0; return; }
    if (e > 30) { e = 30; qf = 2147483647LL; }
    *mult = (int32_t)qf;
    *shift = (int8_t)e;
}

void tr_range_qparams(double lo, double hi, float *scale, int *zp)
{
    if (lo > 0) lo = 0;
    if (hi < 0) hi = 0;
    if (hi - lo < 1e-8) hi = lo + 1e-8;
    double s = (hi - lo) / 255.0;
    long z = lround(-128.0 - lo / s);
    if (z < -128) z = -128;
    if (z > 127) z = 127;
    *scale = (float)s;
    *zp = (int)z;
}

static void free_q(struct tr_model *m)
{
    for (int k = 0; k <= TR_MAX_HIDDEN; k++) {
        struct tr_qlayer *q = &m->q[k];
        free(q->w); free(q->w_blocked); free(q->w_scale); free(q->bias); free(q->bias_folded);
        free(q->mult); free(q->shift);
        memset(q, 0, sizeof *q);
    }
    free(m->in_mul); free(m->in_add);
    m->in_mul = m->in_add = NULL;
}

/* An unsigned key that orders as the float does (finite values; -0 counts as +0). */
static uint32_t order_key(float f)
{
    f += 0.0f; /* -0 -> +0 */
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

static float key_value(uint32_t k)
{
    uint32_t u = (k & 0x80000000u) ? k & 0x7fffffffu : ~k;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The bin of a 65,536-bin histogram holding rank k (0-based); *k becomes the rank within it. */
static unsigned rank_bin(const size_t *hist, size_t *k)
{
    for (unsigned b = 0; b < 65536; b++) {
        if (*k < hist[b]) return b;
        *k -= hist[b];
    }
    assert(0 && "rank beyond the histogram");
    return 65535;
}

/* The input range: the 0.1% and 99.9% quantiles of the normalized features, so rare outliers do
 * not eat the resolution. Exactly the values at ranks floor(0.001 (n-1)) and floor(0.999 (n-1))
 * of the sorted normalized features (what sorting them all gave before), found by two passes of
 * 16-bit radix histograms over order_key without copying the features: O(n) time and 1.5 MB
 * whatever the number of windows. 0, or -1 out of memory. */
int tr_calibrate_input(const struct tr_model *m, const struct tr_windows *cw, double *lo, double *hi)
{
    const int nf = m->n_feat;
    const size_t nz = (size_t)cw->n * nf;
    *lo = *hi = 0;
    if (!nz) return 0;
    size_t *top = calloc(65536, sizeof *top), *low_a = calloc(65536, sizeof *low_a),
           *low_b = calloc(65536, sizeof *low_b);
    if (!top || !low_a || !low_b) { free(top); free(low_a); free(low_b); return -1; }
    for (int r = 0; r < cw->n; r++)
        for (int i = 0; i < nf; i++) {
            float v = (cw->x[(size_t)r * nf + i] - m->feat_mean[i]) / m->feat_std[i];
            top[order_key(v) >> 16]++;
        }
    size_t ka = (size_t)(0.001 * (double)(nz - 1)), kb = (size_t)(0.999 * (double)(nz - 1));
    unsigned ba = rank_bin(top, &ka), bb = rank_bin(top, &kb);
    for (int r = 0; r < cw->n; r++)
        for (int i = 0; i < nf; i++) {
            float v = (cw->x[(size_t)r * nf + i] - m->feat_mean[i]) / m->feat_std[i];
            uint32_t k = order_key(v);
            if (k >> 16 == ba) low_a[k & 0xffffu]++;
            if (k >> 16 == bb) low_b[k & 0xffffu]++;
        }
    *lo = key_value(ba << 16 | rank_bin(low_a, &ka));
    *hi = key_value(bb << 16 | rank_bin(low_b, &kb));
    free(top);
    free(low_a);
    free(low_b);
    return 0;
}

/* Activation ranges of the float network on the calibration windows: min/max (ranges always
 * include 0; hidden tensors after ReLU). */
static int calibrate(const struct tr_model *m, const struct tr_windows *cw, double *lo, double *hi)
{
    const int L = m->n_layers, nf = m->n_feat;
    for (int k = 0; k <= L; k++) { lo[k] = 0; hi[k] = 0; }
    float buf[TR_MAX_HIDDEN + 2][1024];
    for (int r = 0; r < cw->n; r++) {
        const float *f = cw->x + (size_t)r * nf;
        for (int i = 0; i < nf; i++) buf[0][i] = (f[i] - m->feat_mean[i]) / m->feat_std[i];
        for (int k = 0; k < L; k++) {
            const int ni = m->sizes[k], no = m->sizes[k + 1];
            for (int o = 0; o < no; o++) {
                float s = m->B[k][o];
                for (int i = 0; i < ni; i++) s += buf[k][i] * m->W[k][(size_t)o * ni + i];
                if (k < L - 1 && s < 0) s = 0;
                buf[k + 1][o] = s;
                if (s < lo[k + 1]) lo[k + 1] = s;
                if (s > hi[k + 1]) hi[k + 1] = s;
            }
        }
    }
    return tr_calibrate_input(m, cw, &lo[0], &hi[0]);
}

int tr_quantize_with(struct tr_model *m, float *const *W, float *const *Bs, const double *lo, const double *hi)
{
    const int L = m->n_layers, nf = m->n_feat;
    free_q(m);
    for (int k = 0; k <= L; k++) tr_range_qparams(lo[k], hi[k], &m->act_scale[k], &m->act_zp[k]);
    /* input quantization with the normalization folded in */
    m->in_mul = malloc(sizeof(float) * nf);
    m->in_add = malloc(sizeof(float) * nf);
    if (!m->in_mul || !m->in_add) return -1;
    for (int i = 0; i < nf; i++) {
        double a = 1.0 / ((double)m->feat_std[i] * m->act_scale[0]);
        m->in_mul[i] = (float)a;
        m->in_add[i] = (float)(m->act_zp[0] - (double)m->feat_mean[i] * a);
    }
    for (int k = 0; k < L; k++) {
        const int ni = m->sizes[k], no = m->sizes[k + 1];
        struct tr_qlayer *q = &m->q[k];
        q->n_in = ni;
        q->n_out = no;
        q->w = malloc((size_t)ni * no);
        q->w_scale = malloc(sizeof(float) * no);
        q->bias = malloc(sizeof(int32_t) * no);
        q->bias_folded = malloc(sizeof(int32_t) * no);
        q->mult = malloc(sizeof(int32_t) * no);
        q->shift = malloc((size_t)no);
        if (!q->w || !q->w_scale || !q->bias || !q->bias_folded || !q->mult || !q->shift) return -1;
        for (int o = 0; o < no; o++) {
            const float *w = W[k] + (size_t)o * ni;
            float mx = 0;
            for (int i = 0; i < ni; i++) if (fabsf(w[i]) > mx) mx = fabsf(w[i]);
            float sw = mx > 0 ? mx / 127.0f : 1.0f;
            /* A (nearly) dead channel with a real bias would get a tiny weight scale and a bias
             * beyond int32: widen its scale so |bias| < 2^30, which leaves the accumulator
             * (bias + zero-point fold + products, < 2^24 each for n_in <= 1000) clear of overflow. */
            double sw_min = fabs((double)Bs[k][o]) / ((double)m->act_scale[k] * 1073741824.0);
            if ((double)sw < sw_min) sw = (float)(sw_min * 1.0001);
            q->w_scale[o] = sw;
            int32_t wsum = 0;
            for (int i = 0; i < ni; i++) {
                long v = lroundf(w[i] / sw);
                if (v > 127) v = 127;
                if (v < -127) v = -127;
                q->w[(size_t)o * ni + i] = (int8_t)v;
                wsum += (int32_t)v;
            }
            double bs = (double)m->act_scale[k] * sw;
            double bq = round(Bs[k][o] / bs);
            if (bq > 2147483647.0) bq = 2147483647.0;
            if (bq < -2147483648.0) bq = -2147483648.0;
            q->bias[o] = (int32_t)bq;
            int64_t bf = (int64_t)q->bias[o] - (int64_t)m->act_zp[k] * wsum;
            q->bias_folded[o] = bf > INT32_MAX ? INT32_MAX : bf < INT32_MIN ? INT32_MIN : (int32_t)bf;
            tr_quantize_multiplier(bs / m->act_scale[k + 1], &q->mult[o], &q->shift[o]);
        }
    }
    return tr_build_nn(m);
}

int tr_quantize(struct tr_model *m, const struct tr_windows *cw)
{
    double lo[TR_MAX_HIDDEN + 2], hi[TR_MAX_HIDDEN + 2];
    if (m->conv) return tr_conv_quantize(m, cw);
    if (calibrate(m, cw, lo, hi)) return -1;
    return tr_quantize_with(m, m->W, m->B, lo, hi);
}

/* accuracy over the windows with mask[r] (all when mask is NULL) */
static double acc_masked(const struct tr_model *m, const struct tr_windows *w, const char *mask, int int8)
{
    int ok = 0, n = 0;
    for (int r = 0; r < w->n; r++) {
        if (mask && !mask[r]) continue;
        const float *f = w->x + (size_t)r * w->n_feat;
        ok += (int8 ? tr_predict_int8(m, f, NULL) : tr_predict_float(m, f, NULL)) == w->y[r];
        n++;
    }
    return n ? (double)ok / n : 0;
}

int tr_quantize_auto(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw)
{
    const int L = m->n_layers;
    if (tr_quantize(m, tw)) return -1;
    m->qat_epochs = m->qat_auto = m->qat_kept = m->qat_best_epoch = 0;
    m->qat_seconds = 0;
    if (o->qat_epochs == 0) return 0;
    char *is_val = malloc((size_t)(tw->n ? tw->n : 1));
    if (!is_val) return -1;
    int nv = tr_validation_part(tw, o, m->n_labels, is_val);
    if (nv < 0) { free(is_val); return -1; }
    const char *mask = nv > 0 ? is_val : NULL;
    m->cmp_windows = nv > 0 ? nv : tw->n;
    m->cmp_is_val = nv > 0;
    m->cmp_float = acc_masked(m, tw, mask, 0);
    m->cmp_int8_ptq = acc_masked(m, tw, mask, 1);
    m->cmp_int8_qat = -1;
    const double loss = m->cmp_float - m->cmp_int8_ptq;
    int epochs = o->qat_epochs > 0 ? o->qat_epochs : loss > 0.01 + 1e-9 ? TR_QAT_AUTO_EPOCHS : 0;
    if (epochs == 0) { free(is_val); return 0; }
    m->qat_auto = o->qat_epochs < 0;
    if (o->verbose && o->progress_out)
        fprintf(o->progress_out, "%s: int8 %.4f against float %.4f on the %s (%d windows); "
                "quantization-aware fine-tuning for %d epochs\n",
                m->qat_auto ? "post-training int8 loses more than 1 point" : "--qat-epochs",
                m->cmp_int8_ptq, m->cmp_float, nv > 0 ? "validation part" : "training windows",
                m->cmp_windows, epochs);
    float *Wq[TR_MAX_HIDDEN + 1] = {0}, *Bq[TR_MAX_HIDDEN + 1] = {0};
    double lo[TR_MAX_HIDDEN + 2], hi[TR_MAX_HIDDEN + 2];
    int rc = -1, ok = 1;
    for (int k = 0; k < L; k++) {
        ok &= (Wq[k] = malloc(sizeof(float) * (size_t)m->sizes[k] * m->sizes[k + 1])) != NULL;
        ok &= (Bq[k] = malloc(sizeof(float) * (size_t)m->sizes[k + 1])) != NULL;
    }
    if (m->conv) { /* the conv front end's own fine-tuning (convnet.c) */
        if (tr_conv_fit_qat(m, o, tw, epochs)) goto out;
    } else if (!ok || tr_fit_qat(m, o, tw, epochs, Wq, Bq, lo, hi) || tr_quantize_with(m, Wq, Bq, lo, hi)) {
        goto out;
    }
    m->qat_epochs = epochs;
    m->cmp_int8_qat = acc_masked(m, tw, mask, 1);
    m->qat_kept = 1;
    /* automatic fine-tuning must not make things worse than post-training quantization */
    if (m->qat_auto && m->cmp_int8_qat < m->cmp_int8_ptq) {
        if (tr_quantize(m, tw)) goto out;
        m->qat_kept = 0;
    }
    if (o->verbose && o->progress_out)
        fprintf(o->progress_out, "quantization-aware int8 %.4f (post-training %.4f, float %.4f): kept %s\n",
                m->cmp_int8_qat, m->cmp_int8_ptq, m->cmp_float,
                m->qat_kept ? "the fine-tuned model" : "post-training quantization");
    rc = 0;
out:
    for (int k = 0; k < L; k++) { free(Wq[k]); free(Bq[k]); }
    free(is_val);
    return rc;
}

int tr_build_nn(struct tr_model *m)
{
    const int L = m->n_layers;
    int maxw = (int)IMU_NN_PAD4((unsigned)m->n_feat);
    for (int k = 0; k < L; k++) {
        struct tr_qlayer *q = &m->q[k];
        const int ni = q->n_in, no = q->n_out, np = (int)IMU_NN_PAD4((unsigned)ni);
        free(q->w_blocked);
        q->w_blocked = calloc((size_t)np * no, 1);
        if (!q->w_blocked) return -1;
        int8_t *d = q->w_blocked;
        const int nblk = no / 4;
        for (int b = 0; b < nblk; b++)
            for (int g = 0; g < np / 4; g++)
                for (int r = 0; r < 4; r++)
                    for (int j = 0; j < 4; j++) {
                        int i = 4 * g + j;
                        *d++ = i < ni ? q->w[(size_t)(4 * b + r) * ni + i] : 0;
                    }
        for (int o = nblk * 4; o < no; o++)
            for (int i = 0; i < np; i++) *d++ = i < ni ? q->w[(size_t)o * ni + i] : 0;
        struct imu_nn_layer *l = &m->nnl[k];
        l->n_in = (uint16_t)ni;
        l->n_out = (uint16_t)no;
        l->w = q->w_blocked;
        l->bias = q->bias_folded;
        l->mult = q->mult;
        l->shift = q->shift;
        l->zp_out = (int16_t)m->act_zp[k + 1];
        l->act_min = (int16_t)(k < L - 1 ? m->act_zp[k + 1] : -128);
        l->act_max = 127;
        if ((int)IMU_NN_PAD4((unsigned)no) > maxw) maxw = (int)IMU_NN_PAD4((unsigned)no);
    }
    m->nn.n_layers = (uint16_t)L;
    m->nn.n_in = (uint16_t)m->n_feat;
    m->nn.n_out = (uint16_t)m->n_labels;
    m->nn.max_width = (uint16_t)maxw;
    m->nn.layers = m->nnl;
    m->nn.in_mul = m->in_mul;
    m->nn.in_add = m->in_add;
    m->nn.in_scale = m->act_scale[0];
    m->nn.in_zp = (int16_t)m->act_zp[0];
    m->nn.out_scale = m->act_scale[L];
    m->nn.out_zp = (int16_t)m->act_zp[L];
    m->nn.conv = NULL;
    return m->conv ? tr_conv_build(m) : 0;
}

int tr_predict_int8(const struct tr_model *m, const float *f, int8_t *out)
{
    int8_t a[TR_CONV_MAX_BUF + 4], b[TR_CONV_MAX_BUF + 4];
    imu_nn_quantize_input(&m->nn, f, a);
    int8_t *y = imu_nn_run(&m->nn, a, b);
    if (out) memcpy(out, y, (size_t)m->n_labels);
    return imu_nn_argmax(y, m->n_labels);
}

double tr_evaluate(const struct tr_model *m, const struct tr_windows *w, int int8, int *conf)
{
    int ok = 0;
    if (conf) memset(conf, 0, sizeof(int) * (size_t)m->n_labels * m->n_labels);
    for (int r = 0; r < w->n; r++) {
        const float *f = w->x + (size_t)r * w->n_feat;
        int p = int8 ? tr_predict_int8(m, f, NULL) : tr_predict_float(m, f, NULL);
        ok += p == w->y[r];
        if (conf) conf[w->y[r] * m->n_labels + p]++;
    }
    return w->n ? (double)ok / w->n : 0;
}

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 16777619u; }
    return h;
}

uint32_t tr_model_hash(const struct tr_model *m)
{
    uint32_t h = 2166136261u;
    const struct imu_feat_config *f = &m->feat;
    uint16_t hdr[6] = {f->n_axes, f->window_len, f->flags, f->fft_len, f->raw_points, f->n_sections};
    h = fnv(h, hdr, sizeof hdr);
    h = fnv(h, &f->raw_scale, 4);
    h = fnv(h, &f->log_floor, 4);
    h = fnv(h, f->sos, sizeof f->sos);
    h = fnv(h, m->in_scale, sizeof(float) * (size_t)m->n_axes);
    int32_t st = m->stride_len;
    h = fnv(h, &st, 4);
    h = fnv(h, m->in_mul, sizeof(float) * (size_t)m->n_feat);
    h = fnv(h, m->in_add, sizeof(float) * (size_t)m->n_feat);
    /* what else defines the model: its timing, its normalization and float network (eval and
     * export-model use them), its activation scales (the axis names are checked against the
     * board and the data where they matter) */
    double rate = m->rate_hz;
    int32_t timing[3] = {m->window_ms, m->stride_ms, m->window_len};
    h = fnv(h, &rate, sizeof rate);
    h = fnv(h, timing, sizeof timing);
    h = fnv(h, m->feat_mean, sizeof(float) * (size_t)m->n_feat);
    h = fnv(h, m->feat_std, sizeof(float) * (size_t)m->n_feat);
    for (int k = 0; k < m->n_layers; k++) {
        h = fnv(h, m->W[k], sizeof(float) * (size_t)m->sizes[k] * (size_t)m->sizes[k + 1]);
        h = fnv(h, m->B[k], sizeof(float) * (size_t)m->sizes[k + 1]);
        h = fnv(h, m->q[k].w_scale, sizeof(float) * (size_t)m->q[k].n_out);
        h = fnv(h, m->q[k].bias, sizeof(int32_t) * (size_t)m->q[k].n_out);
    }
    h = fnv(h, m->act_scale, sizeof(float) * (size_t)(m->n_layers + 1));
    for (int k = 0; k < m->n_layers; k++) {
        const struct tr_qlayer *q = &m->q[k];
        h = fnv(h, q->w, (size_t)q->n_in * q->n_out);
        h = fnv(h, q->bias_folded, sizeof(int32_t) * q->n_out);
        h = fnv(h, q->mult, sizeof(int32_t) * q->n_out);
        h = fnv(h, q->shift, (size_t)q->n_out);
        int32_t z = m->act_zp[k + 1];
        h = fnv(h, &z, 4);
    }
    for (int l = 0; l < m->n_labels; l++) h = fnv(h, m->labels[l], strlen(m->labels[l]) + 1);
    if (f->flags & IMU_FEAT_SUBSTATS) h = fnv(h, &f->n_sub, sizeof f->n_sub);
    if (m->mode == TR_MODE_GESTURE) { /* continuous models keep the hash they always had */
        const struct imu_seg_config *s = &m->seg;
        int32_t g[7] = {m->mode, m->gesture_buf, s->hold, s->min_len, s->max_len, s->n_axes, m->gesture_trim};
        float lv[6] = {s->smooth, s->idle_rate, s->on_level, s->off_level, s->idle_init, s->base_rate};
        h = fnv(h, g, sizeof g);
        h = fnv(h, lv, sizeof lv);
    }
    if (m->conv) h = tr_conv_hash(m, h); /* models without one keep their hash */
    if (m->dec_min_margin || m->dec_smooth_n > 1 || m->dec_min_interval) { /* older models: none */
        int32_t d[3] = { m->dec_min_margin, m->dec_smooth_n, m->dec_min_interval };
        h = fnv(h, d, sizeof d);
    }
    h = tr_anomaly_hash(h, &m->anom);
    return h ? h : 1;
}

void tr_model_free_fit(struct tr_model *m)
{
    free_q(m);
    for (int k = 0; k <= TR_MAX_HIDDEN; k++) { free(m->W[k]); free(m->B[k]); m->W[k] = m->B[k] = NULL; }
    free(m->feat_mean); free(m->feat_std);
    free(m->curve_loss); free(m->curve_train_acc); free(m->curve_val_acc);
    tr_conv_free_fit(m->conv);
    m->feat_mean = m->feat_std = NULL;
    m->curve_loss = m->curve_train_acc = m->curve_val_acc = NULL;
}

void tr_decision_setup(struct tr_model *m, float min_confidence, int smooth_n, int min_interval_ms)
{
    m->dec_min_confidence = min_confidence;
    m->dec_min_margin = 0;
    if (min_confidence > 0.5f && m->nn.out_scale > 0) {
        double margin = log((double)min_confidence / (1.0 - (double)min_confidence)) / m->nn.out_scale;
        m->dec_min_margin = margin >= 255.0 ? 255 : (int)ceil(margin);
    }
    m->dec_smooth_n = smooth_n < 1 ? 1 : smooth_n > 16 ? 16 : smooth_n;
    m->dec_min_interval_ms = min_interval_ms < 0 ? 0 : min_interval_ms;
    m->dec_min_interval = m->dec_min_interval_ms ? tr_ms_to_samples(m->dec_min_interval_ms, m->rate_hz) : 0;
}

void tr_model_free(struct tr_model *m)
{
    free_q(m);
    for (int l = 0; l < m->n_labels; l++) free(m->labels[l]);
    for (int a = 0; a < m->n_axes; a++) free(m->axes[a]);
    for (int k = 0; k <= TR_MAX_HIDDEN; k++) { free(m->W[k]); free(m->B[k]); }
    free(m->feat_mean); free(m->feat_std);
    free(m->curve_loss); free(m->curve_train_acc); free(m->curve_val_acc);
    free(m->search_json);
    tr_conv_free(m);
    tr_anomaly_free(&m->anom);
    memset(m, 0, sizeof *m);
}

/* Quantization (tr_quantize_auto) with the automatic fine-tuning decided on data the model was
 * not fitted on: with a validation part, that part; without one, a probe model is fitted with the
 * same options on all but TR_QAT_PROBE_FRAC of the training recordings, and the fine-tuning runs
 * on the real model when it started and was kept on the probe (compared on its held-out part). */
static int qat_decide(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m,
                      const struct tr_windows *tw, struct tr_setup_cache *cache)
{
    if (o->qat_epochs >= 0 || o->val_frac > 0) return tr_quantize_auto(m, o, tw);
    struct tr_options po = *o;
    po.val_frac = TR_QAT_PROBE_FRAC;
    po.verbose = 0;
    struct tr_model pm;
    char err[256];
    if (tr_setup_model_cached(ds, &po, &pm, 1, cache, err, sizeof err) || tr_fit(&pm, &po, tw) ||
        tr_quantize_auto(&pm, &po, tw)) {
        tr_model_free(&pm);
        return -1;
    }
    struct tr_options fo = *o;
    const int run = pm.qat_epochs > 0 && pm.qat_kept;
    fo.qat_epochs = run ? TR_QAT_AUTO_EPOCHS : 0;
    if (o->verbose && o->progress_out)
        fprintf(o->progress_out, "int8 decision on a probe fit (%d held-out training windows): post-training int8 %.4f, "
                "float %.4f%s\n", pm.cmp_windows, pm.cmp_int8_ptq, pm.cmp_float,
                pm.qat_epochs == 0 ? ": no fine-tuning" : run ? ": fine-tuning helped there, running it" :
                ": fine-tuning did not help there");
    int rc = tr_quantize_auto(m, &fo, tw);
    m->qat_auto = 1;
    m->qat_probe = 1;
    m->qat_kept = run;
    m->cmp_windows = pm.cmp_windows;
    m->cmp_is_val = 1;
    m->cmp_float = pm.cmp_float;
    m->cmp_int8_ptq = pm.cmp_int8_ptq;
    m->cmp_int8_qat = pm.cmp_int8_qat;
    tr_model_free(&pm);
    return rc;
}

int tr_train(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m,
             char *err, size_t errlen)
{
    struct tr_setup_cache cache;
    memset(&cache, 0, sizeof cache);
    if (tr_setup_model_cached(ds, o, m, 1, &cache, err, errlen)) {
        tr_model_free(m);
        return -1;
    }
    struct tr_windows tw, te;
    if (tr_make_windows_aug(m, ds, TR_TRAINING, o->aug_copies > 0 ? o : NULL, &tw, err, errlen)) {
        tr_windows_free(&tw);
        tr_model_free(m);
        return -1;
    }
    if (tw.n < m->n_labels) {
        snprintf(err, errlen, "only %d training windows for %d labels: record more or use shorter windows",
                 tw.n, m->n_labels);
        tr_windows_free(&tw);
        tr_model_free(m);
        return -1;
    }
    /* the testing windows once the fits are done: the training features, the fit's normalized
     * copy and the testing features are never all held at once */
    memset(&te, 0, sizeof te);
    m->n_train = tw.n;
    if (tr_fit(m, o, &tw)) {
        snprintf(err, errlen, "training failed (layer too wide?)");
        tr_windows_free(&tw);
        tr_model_free(m);
        return -1;
    }
    if (qat_decide(ds, o, m, &tw, &cache)) {
        snprintf(err, errlen, "quantization failed (out of memory?)");
        tr_windows_free(&tw);
        tr_model_free(m);
        return -1;
    }
    if (tr_make_windows(m, ds, TR_TESTING, &te, err, errlen)) {
        tr_windows_free(&tw);
        tr_windows_free(&te);
        tr_model_free(m);
        return -1;
    }
    m->n_test = te.n;
    m->acc_float = tr_evaluate(m, &te, 0, NULL);
    m->acc_int8 = tr_evaluate(m, &te, 1, NULL);
    m->acc_rec = tr_evaluate_recordings(m, &te, NULL, &m->n_rec_units);
    m->n_test_skipped = tr_recordings_without_examples(ds, &te, TR_TESTING);
    for (int r = 0, last = -1; r < tw.n; r++) {
        if (tw.rec[r] != last || m->mode == TR_MODE_GESTURE) m->train_examples[tw.y[r]]++;
        last = tw.rec[r];
    }
    if (m->mode == TR_MODE_GESTURE && o->aug_copies > 0) /* augmented copies are not examples */
        for (int l = 0; l < m->n_labels; l++) m->train_examples[l] /= o->aug_copies + 1;
    /* gesture mode: each gesture decides alone (a majority over gestures would hide the first) */
    tr_decision_setup(m, o->min_confidence, m->mode == TR_MODE_GESTURE ? 1 : o->smooth_n, o->min_interval_ms);
    m->hash = tr_model_hash(m);
    tr_windows_free(&tw);
    tr_windows_free(&te);
    return 0;
}
