/* SPDX-License-Identifier: MIT */
/* data.c -- dataset checks, model setup, windows and features. */
#include "trainer_int.h"
#include "tr_conv.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void tr_options_default(struct tr_options *o)
{
    memset(o, 0, sizeof *o);
    o->mode = TR_MODE_AUTO;
    o->gesture_points = 64;
    o->gesture_max_ms = 6000;
    o->gesture_min_ms = 250;
    o->gesture_hold_ms = 200;
    o->gesture_buf = 128;
    o->gesture_trim = 0;
    o->seg_on = 0.1f;
    o->seg_off = 0.04f;
    o->feat_auto = 1;
    o->n_sub = 4;
    o->window_ms = 1000;
    o->stride_ms = 500;
    o->seed = 1;
    o->n_hidden = 2;
    o->hidden[0] = 20;
    o->hidden[1] = 10;
    o->epochs = 40;
    o->batch = 16;
    o->lr = 0.005f;
    o->l2 = 3e-3f;
    o->patience = 5; /* early stop when the training loss has not improved for 5 epochs */
    o->val_frac = 0.0f;
    o->class_weights = 1;
    o->qat_epochs = -1;
    o->feat_flags = IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_RAW | IMU_FEAT_HANN;
    o->fft_len = 16;
    o->raw_points = 8;
    o->filter = 0;
    o->filter_hz = 0;
    o->filter_order = 2;
    o->min_confidence = 0.6f;
    o->smooth_n = 3;
    o->min_interval_ms = 0;
    o->anomaly = -1;
    o->anomaly_k = -1;
    o->anomaly_layer = -1;
    o->anomaly_far = 0.01f;
    o->device_learn = -1;
}

int tr_parse_hidden(const char *s, struct tr_options *o)
{
    int n = 0;
    if (!s || !*s || strcmp(s, "0") == 0 || strcmp(s, "none") == 0) {
        o->n_hidden = 0;
        return 0;
    }
    const char *p = s;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 512 || n >= TR_MAX_HIDDEN) return -1;
        o->hidden[n++] = (int)v;
        if (*end == ',' && end[1]) end++;
        else if (*end) return -1;
        p = end;
    }
    o->n_hidden = n;
    return 0;
}

int tr_ms_to_samples(int ms, double rate_hz)
{
    long n = lround((double)ms * rate_hz / 1000.0);
    return n < 1 ? 1 : (int)n;
}

void tr_quantize_samples(const float *v, int n_samples, int n_axes, const float *scale, int16_t *out)
{
    for (int t = 0; t < n_samples; t++)
        for (int a = 0; a < n_axes; a++) {
            float r = v[t * n_axes + a] / scale[a];
            int32_t q;
            if (!(r == r)) q = 0;
            else if (r >= 32767.0f) q = 32767;
            else if (r <= -32768.0f) q = -32768;
            else q = (int32_t)(r >= 0.0f ? r + 0.5f : r - 0.5f);
            out[t * n_axes + a] = (int16_t)q;
        }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int tr_label_index(const struct tr_model *m, const char *label)
{
    for (int i = 0; i < m->n_labels; i++)
        if (strcmp(m->labels[i], label) == 0) return i;
    return -1;
}

void tr_samples_free(struct tr_samples *s)
{
    free(s->buf);
    s->buf = NULL;
}

const float *tr_recording_values(const struct tr_dataset *ds, int i, struct tr_samples *s, char *err, size_t errlen)
{
    assert(i >= 0 && i < ds->n);
    const struct tr_recording *r = &ds->rec[i];
    const float *v = r->values;
    if (!v && r->load && r->n_samples > 0) {
        int n = -1;
        if (r->load(r->load_ctx, r->load_id, &s->buf, &n, err, errlen)) return NULL;
        if (n != r->n_samples) {
            snprintf(err, errlen, "recording %d (%s) has %d samples, %d were read", i + 1, r->label, r->n_samples, n);
            return NULL;
        }
        v = s->buf;
    }
    if (!v && r->n_samples > 0) {
        snprintf(err, errlen, "recording %d (%s) has no samples loaded", i + 1, r->label);
        return NULL;
    }
    for (long k = 0; k < (long)r->n_samples * r->n_axes; k++)
        if (!isfinite(v[k])) {
            snprintf(err, errlen, "recording %d (%s) has NaN or infinite values", i + 1, r->label);
            return NULL;
        }
    static const float none[1];
    return v ? v : none; /* an empty recording */
}

/* tr_check_dataset with at least min_labels labels in the training recordings (1: anomaly-only mode). */
static int check_dataset(const struct tr_dataset *ds, int need_testing, int min_labels, char *err, size_t errlen)
{
    if (!ds || ds->n == 0) {
        snprintf(err, errlen, "the database has no recordings");
        return -1;
    }
    const struct tr_recording *first = NULL;
    int n_train = 0;
    const char *labels[TR_MAX_LABELS + 1];
    int n_labels = 0;
    for (int i = 0; i < ds->n; i++) {
        const struct tr_recording *r = &ds->rec[i];
        if (r->category == TR_UNASSIGNED) continue;
        if (r->n_axes < 1 || r->n_axes > TR_MAX_AXES) {
            snprintf(err, errlen, "recording %d (%s) has %d axes (1 to %d supported)", i + 1,
                     r->label, r->n_axes, TR_MAX_AXES);
            return -1;
        }
        if (!(r->rate_hz > 0)) {
            snprintf(err, errlen, "recording %d (%s) has no sample rate", i + 1, r->label);
            return -1;
        }
        if (!first) first = r;
        else {
            int same = r->n_axes == first->n_axes;
            for (int a = 0; same && a < r->n_axes; a++)
                same = strcmp(r->axes[a] ? r->axes[a] : "", first->axes[a] ? first->axes[a] : "") == 0;
            if (!same) {
                snprintf(err, errlen, "recordings have different axes (%s has %d axes starting '%s', %s has %d starting '%s')",
                         first->label, first->n_axes, first->axes[0] ? first->axes[0] : "",
                         r->label, r->n_axes, r->axes[0] ? r->axes[0] : "");
                return -1;
            }
            if (fabs(r->rate_hz - first->rate_hz) > 0.01 * first->rate_hz) {
                snprintf(err, errlen, "recordings have different sample rates (%.4g Hz and %.4g Hz)",
                         first->rate_hz, r->rate_hz);
                return -1;
            }
        }
        for (long k = 0; r->values && k < (long)r->n_samples * r->n_axes; k++) /* loaded ones: tr_recording_values */
            if (!isfinite(r->values[k])) {
                snprintf(err, errlen, "recording %d (%s) has NaN or infinite values", i + 1, r->label);
                return -1;
            }
        if (r->category == TR_TRAINING) {
            n_train++;
            int found = 0;
            for (int l = 0; l < n_labels; l++) found |= strcmp(labels[l], r->label) == 0;
            if (!found) {
                if (n_labels >= TR_MAX_LABELS) {
                    snprintf(err, errlen, "too many labels (at most %d)", TR_MAX_LABELS);
                    return -1;
                }
                labels[n_labels++] = r->label;
            }
        }
    }
    if (n_train == 0) {
        snprintf(err, errlen, "no recordings in category training (run imulab split)");
        return -1;
    }
    if (n_labels < min_labels) {
        snprintf(err, errlen, "only one label (%s) in the training recordings: need at least two (or anomaly-only "
                 "mode: imulab train --normal %s)", labels[0], labels[0]);
        return -1;
    }
    for (int i = 0; i < ds->n; i++) {
        const struct tr_recording *r = &ds->rec[i];
        if (r->category != TR_TESTING) continue;
        int found = 0;
        for (int l = 0; l < n_labels; l++) found |= strcmp(labels[l], r->label) == 0;
        if (!found) {
            snprintf(err, errlen, "label '%s' has testing recordings but no training data", r->label);
            return -1;
        }
    }
    if (need_testing) {
        for (int l = 0; l < n_labels; l++) {
            int found = 0;
            for (int i = 0; i < ds->n; i++)
                found |= ds->rec[i].category == TR_TESTING && strcmp(ds->rec[i].label, labels[l]) == 0;
            if (!found) {
                snprintf(err, errlen, "label '%s' has no testing data (run imulab split)", labels[l]);
                return -1;
            }
        }
    }
    return 0;
}

int tr_check_dataset(const struct tr_dataset *ds, int need_testing, char *err, size_t errlen)
{
    return check_dataset(ds, need_testing, 2, err, errlen);
}

/* Butterworth biquads via the bilinear transform. */
static void butterworth(struct imu_feat_config *f, int type, double fc, double fs, int order)
{
    int ns = order >= 4 ? 2 : 1;
    double K = tr_tan(M_PI * fc / fs);
    for (int s = 0; s < ns; s++) {
        double q = ns == 1 ? 1.0 / sqrt(2.0) : 1.0 / (2.0 * tr_cos(M_PI * (2 * s + 1) / 8.0));
        double norm = 1.0 / (1.0 + K / q + K * K);
        double b0, b1, b2;
        if (type == 1) {
            b0 = K * K * norm; b1 = 2 * b0; b2 = b0;
        } else {
            b0 = norm; b1 = -2 * b0; b2 = b0;
        }
        double a1 = 2 * (K * K - 1) * norm, a2 = (1 - K / q + K * K) * norm;
        f->sos[s][0] = (float)b0; f->sos[s][1] = (float)b1; f->sos[s][2] = (float)b2;
        f->sos[s][3] = (float)a1; f->sos[s][4] = (float)a2;
    }
    f->n_sections = (uint16_t)ns;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Median length in ms of the recordings of a category (0 if none). */
double tr_median_ms(const struct tr_dataset *ds, int category)
{
    int n = 0;
    for (int i = 0; i < ds->n; i++) n += ds->rec[i].category == category;
    if (!n) return 0;
    int *len = malloc(sizeof(int) * (size_t)n), k = 0;
    double rate = 0;
    if (!len) return 0;
    for (int i = 0; i < ds->n; i++)
        if (ds->rec[i].category == category) { len[k++] = ds->rec[i].n_samples; rate = ds->rec[i].rate_hz; }
    qsort(len, (size_t)n, sizeof(int), cmp_int);
    double med = n % 2 ? len[n / 2] : 0.5 * (len[n / 2 - 1] + len[n / 2]);
    free(len);
    return rate > 0 ? med * 1000.0 / rate : 0;
}

/* The mode (o->mode, or chosen from the recording lengths) and the window it implies. */
static int choose_mode(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m,
                       char *err, size_t errlen)
{
    double med = tr_median_ms(ds, TR_TRAINING);
    m->mode = o->mode;
    if (o->mode == TR_MODE_AUTO) {
        m->mode = med <= o->gesture_max_ms ? TR_MODE_GESTURE : TR_MODE_CONTINUOUS;
        snprintf(m->mode_reason, sizeof m->mode_reason, "%s: the median training recording lasts %.0f ms, %s the longest gesture (%d ms)",
                 m->mode == TR_MODE_GESTURE ? "gesture" : "continuous", med,
                 m->mode == TR_MODE_GESTURE ? "within" : "more than", o->gesture_max_ms);
    } else {
        snprintf(m->mode_reason, sizeof m->mode_reason, "%s: forced (median training recording %.0f ms)",
                 m->mode == TR_MODE_GESTURE ? "gesture" : "continuous", med);
    }
    if (m->mode == TR_MODE_GESTURE) {
        if (o->gesture_points < 8 || o->gesture_points > IMU_RESAMPLE_MAX_POINTS || o->gesture_points > 4096) {
            snprintf(err, errlen, "--gesture-points %d: need 8..%d", o->gesture_points, IMU_RESAMPLE_MAX_POINTS);
            return -1;
        }
        if (o->gesture_buf < 16 || o->gesture_buf > 4096 || o->gesture_buf % 2) {
            snprintf(err, errlen, "--gesture-buf %d: need an even number 16..4096", o->gesture_buf);
            return -1;
        }
        m->window_len = o->gesture_points;
        m->window_ms = m->stride_ms = m->stride_len = 0;
        m->gesture_buf = o->gesture_buf;
        m->gesture_trim = o->gesture_trim != 0;
        return 0;
    }
    m->window_ms = o->window_ms;
    m->stride_ms = o->stride_ms;
    m->window_len = tr_ms_to_samples(o->window_ms, m->rate_hz);
    m->stride_len = tr_ms_to_samples(o->stride_ms, m->rate_hz);
    if (m->window_len < 8) {
        snprintf(err, errlen, "window of %d ms is only %d samples at %.4g Hz (need 8)",
                 o->window_ms, m->window_len, m->rate_hz);
        return -1;
    }
    if (m->window_len > 4096) {
        snprintf(err, errlen, "window of %d ms is %d samples (at most 4096)", o->window_ms, m->window_len);
        return -1;
    }
    return 0;
}

static int cmp_flt(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The 10th and 90th percentiles of the motion level (imu_seg_level) of the training samples
 * (every total/200,000-th), with segmenter configuration c and the model's input scale. */
static int seg_levels(const struct tr_dataset *ds, const struct tr_model *m, const struct imu_seg_config *c,
                      float *p10, float *p90, char *err, size_t errlen)
{
    *p10 = *p90 = 0;
    long total = 0;
    for (int i = 0; i < ds->n; i++)
        if (ds->rec[i].category == TR_TRAINING) total += ds->rec[i].n_samples;
    const long keep = total < 200000 ? total : 200000, every = total / (keep ? keep : 1) + 1;
    float *e = malloc(sizeof(float) * (size_t)(keep + 1));
    int16_t *q = NULL;
    struct tr_samples smp = {0};
    long ne = 0, seen = 0;
    if (!e) goto oom;
    for (int i = 0; i < ds->n; i++) {
        const struct tr_recording *r = &ds->rec[i];
        if (r->category != TR_TRAINING || r->n_samples < 2) continue;
        const float *v = tr_recording_values(ds, i, &smp, err, errlen);
        if (!v) goto fail;
        int16_t *nq = realloc(q, sizeof(int16_t) * (size_t)r->n_samples * m->n_axes);
        if (!nq) goto oom;
        q = nq;
        tr_quantize_samples(v, r->n_samples, m->n_axes, m->in_scale, q);
        struct imu_seg_state st;
        imu_seg_init(&st, c, m->in_scale);
        for (int t = 0; t < r->n_samples; t++) {
            float sm = imu_seg_level(&st, q + (size_t)t * m->n_axes);
            if (t > 0 && seen++ % every == 0 && ne < keep) e[ne++] = sm;
        }
    }
    free(q);
    tr_samples_free(&smp);
    if (ne > 0) {
        qsort(e, (size_t)ne, sizeof(float), cmp_flt);
        *p10 = e[ne / 10];
        *p90 = e[(ne * 9) / 10];
    }
    free(e);
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    free(e);
    free(q);
    tr_samples_free(&smp);
    return -1;
}

/* Segmenter levels from the training data: the motion level (imu_seg_level) of every training
 * sample; idle = its 10th percentile, spread = 90th - 10th percentile. */
static int seg_calibrate(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m,
                         struct tr_setup_cache *cache, char *err, size_t errlen)
{
    struct imu_seg_config *c = &m->seg;
    memset(c, 0, sizeof *c);
    c->n_axes = (uint16_t)m->n_axes;
    c->smooth = 0.25f;
    c->idle_rate = 1.0f / 64.0f;
    c->base_rate = (float)(1.0 / (0.5 * m->rate_hz > 2 ? 0.5 * m->rate_hz : 2)); /* ~0.5 s */
    long h = lround(o->gesture_hold_ms * m->rate_hz / 1000.0), mn = lround(o->gesture_min_ms * m->rate_hz / 1000.0),
         mx = lround(o->gesture_max_ms * m->rate_hz / 1000.0);
    c->hold = (uint16_t)(h < 1 ? 1 : h > 65535 ? 65535 : h);
    c->max_len = (uint16_t)(mx < 2 ? 2 : mx > 65535 ? 65535 : mx);
    c->min_len = (uint16_t)(mn < 2 ? 2 : mn > c->max_len ? c->max_len : mn);
    float p10 = 0, p90 = 0;
    if (cache && cache->have_levels && memcmp(&cache->seg, c, sizeof *c) == 0 &&
        memcmp(cache->in_scale, m->in_scale, sizeof cache->in_scale) == 0) {
        p10 = cache->p10;
        p90 = cache->p90;
    } else {
        if (seg_levels(ds, m, c, &p10, &p90, err, errlen)) return -1;
        if (cache) {
            cache->have_levels = 1;
            cache->seg = *c;
            memcpy(cache->in_scale, m->in_scale, sizeof cache->in_scale);
            cache->p10 = p10;
            cache->p90 = p90;
        }
    }
    float spread = p90 - p10 > 0 ? p90 - p10 : 1e-6f;
    c->idle_init = p10;
    c->on_level = o->seg_on * spread;
    c->off_level = o->seg_off * spread;
    if (c->off_level > c->on_level) c->off_level = c->on_level;
    if (imu_seg_config_check(c)) {
        snprintf(err, errlen, "invalid segmenter settings (--seg-on %g, --seg-off %g, gesture %d..%d ms)",
                 (double)o->seg_on, (double)o->seg_off, o->gesture_min_ms, o->gesture_max_ms);
        return -1;
    }
    return 0;
}

int tr_setup_model(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m,
                   char *err, size_t errlen)
{
    return tr_setup_model_ex(ds, o, m, 1, err, errlen);
}

/* Labels, axes, rate, mode, windows and the feature configuration of a new model (see tr_setup_model_ex). */
static int setup_model(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m, int need_testing,
                       struct tr_setup_cache *cache, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (check_dataset(ds, need_testing, o->anomaly_only ? 1 : 2, err, errlen)) return -1;
    const char *labels[TR_MAX_LABELS];
    int n_labels = 0;
    const struct tr_recording *first = NULL;
    double maxabs = 0;
    struct tr_samples smp = {0};
    for (int i = 0; i < ds->n; i++) {
        const struct tr_recording *r = &ds->rec[i];
        if (r->category != TR_TRAINING) continue;
        if (!first) first = r;
        int found = 0;
        for (int l = 0; l < n_labels; l++) found |= strcmp(labels[l], r->label) == 0;
        if (!found) labels[n_labels++] = r->label;
        if (cache && cache->have_maxabs) continue;
        const float *v = tr_recording_values(ds, i, &smp, err, errlen);
        if (!v) { tr_samples_free(&smp); return -1; }
        for (long k = 0; k < (long)r->n_samples * r->n_axes; k++)
            if (fabs(v[k]) > maxabs) maxabs = fabs(v[k]);
    }
    tr_samples_free(&smp);
    if (cache && cache->have_maxabs) maxabs = cache->maxabs;
    else if (cache) { cache->maxabs = maxabs; cache->have_maxabs = 1; }
    if (n_labels > 1)
        qsort(labels, (size_t)n_labels, sizeof labels[0], cmp_str);
    m->n_labels = n_labels;
    for (int l = 0; l < n_labels; l++) m->labels[l] = strdup(labels[l]);
    m->n_axes = first->n_axes;
    for (int a = 0; a < m->n_axes; a++) m->axes[a] = strdup(first->axes[a] ? first->axes[a] : "");
    m->rate_hz = first->rate_hz;
    if (choose_mode(ds, o, m, err, errlen)) return -1;
    /* int16 input scale: the training range with 50% headroom, the same for every axis */
    if (maxabs < 1e-6) maxabs = 1e-6;
    float sc = (float)(maxabs * 1.5 / 32767.0);
    for (int a = 0; a < m->n_axes; a++) m->in_scale[a] = sc;
    int native = 1;
    for (int i = 0; i < ds->n && native; i++) {
        const struct tr_recording *r = &ds->rec[i];
        if (r->category != TR_TRAINING) continue;
        for (int a = 0; a < m->n_axes; a++)
            native &= r->native_scale[a] > 0 && r->native_scale[a] == first->native_scale[a];
    }
    if (native)
        for (int a = 0; a < m->n_axes; a++) m->in_scale[a] = (float)first->native_scale[a];
    struct imu_feat_config *f = &m->feat;
    f->n_axes = (uint16_t)m->n_axes;
    f->window_len = (uint16_t)m->window_len;
    f->flags = (uint16_t)o->feat_flags;
    f->fft_len = (uint16_t)o->fft_len;
    f->raw_points = (uint16_t)o->raw_points;
    f->n_sub = (uint16_t)((o->feat_flags & IMU_FEAT_SUBSTATS) ? o->n_sub : 0);
    if (m->mode == TR_MODE_GESTURE && o->feat_auto) {
        /* stats, 4 sub-segments, 8 raw points: the order of the gesture at a size that fits
         * the device's flash (docs/model.md, "Gesture mode") */
        f->flags = (uint16_t)((o->feat_flags & IMU_FEAT_HANN) | IMU_FEAT_STATS | IMU_FEAT_SUBSTATS | IMU_FEAT_RAW);
        f->n_sub = (uint16_t)o->n_sub;
        f->raw_points = (uint16_t)(m->window_len < 8 ? m->window_len : 8);
    }
    if (f->fft_len > f->window_len && (f->flags & IMU_FEAT_SPECTRAL)) {
        /* an FFT longer than the window only sees zero padding: shorten it (tr_warnings says so) */
        unsigned fl = f->fft_len;
        while (fl > 8 && fl > f->window_len) fl /= 2;
        if (m->mode == TR_MODE_GESTURE) f->fft_len = (uint16_t)fl;
    }
    f->raw_scale = (float)(1.0 / maxabs);
    f->log_floor = 1e-10f;
    if (o->filter) {
        if (!(o->filter_hz > 0 && o->filter_hz < m->rate_hz / 2)) {
            snprintf(err, errlen, "filter cut-off %.4g Hz is not between 0 and %.4g Hz", o->filter_hz,
                     m->rate_hz / 2);
            return -1;
        }
        butterworth(f, o->filter, o->filter_hz, m->rate_hz, o->filter_order);
    }
    if (tr_conv_setup(m, o, err, errlen)) return -1; /* a conv front end takes every raw point */
    m->n_feat = imu_features_count(f);
    if (m->n_feat < 0) {
        snprintf(err, errlen, "invalid feature configuration (fft length %d must be a power of two 8..%d, "
                 "raw points at least 2, sub-segments 2..%d and at most the window's %d samples)",
                 o->fft_len, IMU_FEAT_MAX_FFT, IMU_FEAT_MAX_SUB, m->window_len);
        return -1;
    }
    if (m->mode == TR_MODE_GESTURE && seg_calibrate(ds, o, m, cache, err, errlen)) return -1;
    m->seed = o->seed;
    return 0;
}

/* The model's description from the dataset and options; on failure nothing stays allocated. */
int tr_setup_model_ex(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m, int need_testing,
                      char *err, size_t errlen)
{
    return tr_setup_model_cached(ds, o, m, need_testing, NULL, err, errlen);
}

int tr_setup_model_cached(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m, int need_testing,
                          struct tr_setup_cache *cache, char *err, size_t errlen)
{
    int rc = setup_model(ds, o, m, need_testing, cache, err, errlen);
    if (rc)
        tr_model_free(m);
    return rc;
}

void tr_windows_free(struct tr_windows *w)
{
    free(w->x);
    free(w->y);
    free(w->rec);
    free(w->start);
    free(w->len);
    memset(w, 0, sizeof *w);
}

int tr_window_starts(int n_samples, int wl, int sl, int *starts, int max)
{
    if (n_samples <= wl) {
        if (max > 0) starts[0] = 0;
        return 1;
    }
    int n = 0;
    for (int s = 0; s + wl <= n_samples; s += sl) {
        if (n < max) starts[n] = s;
        n++;
    }
    return n;
}

static int grow(struct tr_windows *w, int *cap, int nf)
{
    if (w->n < *cap) return 0;
    int nc = *cap ? *cap * 2 : 256;
    float *x = realloc(w->x, sizeof(float) * (size_t)nc * (size_t)nf);
    int *y = realloc(w->y, sizeof(int) * (size_t)nc);
    int *r = realloc(w->rec, sizeof(int) * (size_t)nc);
    int *st = realloc(w->start, sizeof(int) * (size_t)nc);
    int *ln = realloc(w->len, sizeof(int) * (size_t)nc);
    if (x) w->x = x;
    if (y) w->y = y;
    if (r) w->rec = r;
    if (st) w->start = st;
    if (ln) w->len = ln;
    if (!x || !y || !r || !st || !ln) return -1;
    *cap = nc;
    return 0;
}

/* The int16 window at start (zero-padded past the end of the recording). */
void tr_extract_window(const int16_t *q, int n_samples, int n_axes, int start, int wl, int16_t *win)
{
    for (int t = 0; t < wl; t++)
        for (int a = 0; a < n_axes; a++)
            win[t * n_axes + a] = (start + t < n_samples && start + t >= 0) ? q[(start + t) * n_axes + a] : 0;
}

/* The span of a one-gesture recording the segmenter sees moving: from its first onset to the end
 * of its last segment (kept or dropped; the recording's end if one still runs). Unchanged when it
 * sees no onset. */
static void seg_span(const struct tr_model *m, const int16_t *q, int n, int *a, int *b)
{
    struct imu_seg_state st;
    imu_seg_init(&st, &m->seg, m->in_scale);
    int first = -1, last = -1;
    for (int t = 0; t < n; t++) {
        uint32_t s0, l0;
        int ev = imu_seg_push(&st, q + (size_t)t * m->n_axes, &s0, &l0);
        if (ev == IMU_SEG_ONSET && first < 0) first = t;
        if (ev == IMU_SEG_END || ev == IMU_SEG_DROPPED) last = t + 1;
    }
    if (first < 0) return;
    if (st.active || last < first) last = n;
    if (last - first < 2) return;
    *a = first;
    *b = last;
}

int tr_examples(const struct tr_model *m, const int16_t *q, int n_samples, int *starts, int *lens, int max)
{
    if (m->mode != TR_MODE_GESTURE) {
        int n = tr_window_starts(n_samples, m->window_len, m->stride_len, starts, max);
        for (int k = 0; k < n && k < max; k++) lens[k] = m->window_len;
        return n;
    }
    if (n_samples <= m->seg.max_len) { /* one gesture: the whole recording, or where it moves */
        int a = 0, b = n_samples;
        if (m->gesture_trim) seg_span(m, q, n_samples, &a, &b);
        if (max > 0) { starts[0] = a; lens[0] = b - a; }
        return n_samples > 0 ? 1 : 0;
    }
    int n = imu_seg_find(&m->seg, m->in_scale, q, (uint32_t)n_samples, NULL, NULL, 0), k;
    uint32_t *s0 = malloc(sizeof(uint32_t) * (size_t)(n + 1)), *l0 = malloc(sizeof(uint32_t) * (size_t)(n + 1));
    if (!s0 || !l0) { free(s0); free(l0); return -1; }
    imu_seg_find(&m->seg, m->in_scale, q, (uint32_t)n_samples, s0, l0, n);
    for (k = 0; k < n && k < max; k++) { starts[k] = (int)s0[k]; lens[k] = (int)l0[k]; }
    free(s0);
    free(l0);
    return n;
}

void tr_example_window(const struct tr_model *m, const int16_t *q, int n_samples, int start, int len,
                       int16_t *win, int16_t *gstore)
{
    if (m->mode != TR_MODE_GESTURE) {
        tr_extract_window(q, n_samples, m->n_axes, start, m->window_len, win);
        return;
    }
    struct imu_gbuf g;
    imu_gbuf_init(&g, gstore, (uint16_t)m->n_axes, (uint16_t)m->gesture_buf);
    for (int t = start; t < start + len && t < n_samples; t++) imu_gbuf_push(&g, q + (size_t)t * m->n_axes);
    uint16_t n = imu_gbuf_finish(&g);
    if (n == 0) { /* an empty gesture: zeros */
        memset(win, 0, sizeof(int16_t) * (size_t)m->window_len * m->n_axes);
        return;
    }
    imu_resample_i16(gstore, n, (uint16_t)m->n_axes, win, (uint16_t)m->window_len);
}

int tr_make_windows_aug(const struct tr_model *m, const struct tr_dataset *ds, int category,
                        const struct tr_options *aug, struct tr_windows *w, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    if (err && errlen) err[0] = 0;
    w->n_feat = m->n_feat;
    int cap = 0;
    const int wl = m->window_len, na = m->n_axes;
    int16_t *win = malloc(sizeof(int16_t) * (size_t)wl * (size_t)na);
    int16_t *warped = malloc(sizeof(int16_t) * (size_t)wl * (size_t)na);
    float *work = malloc(sizeof(float) * (size_t)imu_features_work_len(&m->feat));
    int16_t *gstore = malloc(sizeof(int16_t) * (size_t)(m->gesture_buf > 0 ? m->gesture_buf : 1) * (size_t)na);
    int copies = aug ? aug->aug_copies : 0;
    uint64_t rng = 0x9e3779b97f4a7c15ull ^ (aug ? aug->seed : 0);
    struct tr_samples smp = {0};
    int rc = -1;
    if (!win || !warped || !work || !gstore) goto out;
    for (int i = 0; i < ds->n; i++) {
        const struct tr_recording *r = &ds->rec[i];
        if (r->category != category) continue;
        int li = tr_label_index(m, r->label);
        if (li < 0) {
            snprintf(err, errlen, "label '%s' is not one of the model's labels", r->label);
            goto out;
        }
        if (r->n_axes != na) {
            snprintf(err, errlen, "recording %d (%s) has %d axes, the model %d", i + 1, r->label, r->n_axes, na);
            goto out;
        }
        /* one recording's samples at a time: only its features stay */
        const float *values = tr_recording_values(ds, i, &smp, err, errlen);
        if (!values) goto out;
        for (int c = 0; c <= copies; c++) {
            const float *v = values;
            float *tmp = NULL;
            int shift = 0;
            if (c > 0) {
                /* augmented copy of the whole recording: scaling, rotation, noise */
                tmp = malloc(sizeof(float) * (size_t)r->n_samples * (size_t)na);
                if (!tmp) goto out;
                float sc = 1.0f + aug->aug_scale * (2.0f * tr_rand_uniform(&rng) - 1.0f);
                float R[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
                if (na == 3 && aug->aug_rotate_deg > 0) tr_random_rotation(&rng, aug->aug_rotate_deg, R);
                for (int t = 0; t < r->n_samples; t++) {
                    const float *s = values + (size_t)t * na;
                    float *d = tmp + (size_t)t * na;
                    if (na == 3) {
                        for (int a = 0; a < 3; a++) d[a] = sc * (R[a * 3] * s[0] + R[a * 3 + 1] * s[1] + R[a * 3 + 2] * s[2]);
                    } else {
                        for (int a = 0; a < na; a++) d[a] = sc * s[a];
                    }
                }
                v = tmp;
                if (aug->aug_shift_ms > 0) {
                    int ms = tr_ms_to_samples(aug->aug_shift_ms, m->rate_hz);
                    shift = (int)(tr_rand_uniform(&rng) * (float)(2 * ms + 1)) - ms;
                }
            }
            int16_t *q = malloc(sizeof(int16_t) * (size_t)(r->n_samples > 0 ? r->n_samples : 1) * (size_t)na);
            if (!q) { free(tmp); goto out; }
            tr_quantize_samples(v, r->n_samples, na, m->in_scale, q);
            free(tmp);
            int nst = tr_examples(m, q, r->n_samples, NULL, NULL, 0);
            int *starts = malloc(sizeof(int) * (size_t)(nst > 0 ? nst : 1)), *lens = malloc(sizeof(int) * (size_t)(nst > 0 ? nst : 1));
            if (nst < 0 || !starts || !lens) { free(q); free(starts); free(lens); goto out; }
            tr_examples(m, q, r->n_samples, starts, lens, nst);
            for (int k = 0; k < nst; k++) {
                if (grow(w, &cap, m->n_feat)) { free(q); free(starts); free(lens); goto out; }
                int st = starts[k], ln = lens[k];
                if (m->mode == TR_MODE_GESTURE) {
                    if (c > 0 && aug->aug_shift_ms > 0) { /* trim each end by up to the shift */
                        int ms = tr_ms_to_samples(aug->aug_shift_ms, m->rate_hz);
                        int a = (int)(tr_rand_uniform(&rng) * (float)(ms + 1));
                        int b = (int)(tr_rand_uniform(&rng) * (float)(ms + 1));
                        if (a + b <= ln / 2) { st += a; ln -= a + b; }
                    }
                } else {
                    st += shift;
                    if (st + wl > r->n_samples) st = r->n_samples - wl;
                    if (st < 0) st = 0;
                }
                tr_example_window(m, q, r->n_samples, st, ln, win, gstore);
                const int16_t *ex = win;
                if (c > 0 && aug->aug_warp > 0) { /* re-timed: the window or the resampled gesture */
                    tr_aug_time_warp(win, wl, na, aug->aug_warp, &rng, warped);
                    ex = warped;
                }
                imu_features(&m->feat, ex, m->in_scale, work, w->x + (size_t)w->n * m->n_feat);
                w->y[w->n] = li;
                w->rec[w->n] = i;
                w->start[w->n] = st;
                w->len[w->n] = ln;
                w->n++;
            }
            free(lens);
            free(starts);
            free(q);
        }
    }
    for (long k = 0; k < (long)w->n * m->n_feat; k++)
        if (!isfinite(w->x[k])) {
            snprintf(err, errlen, "a feature of recording %d is NaN or infinite", w->rec[k / m->n_feat] + 1);
            goto out;
        }
    rc = 0;
out:
    if (rc && err[0] == 0) snprintf(err, errlen, "out of memory");
    tr_samples_free(&smp);
    free(win);
    free(warped);
    free(work);
    free(gstore);
    return rc;
}

int tr_make_windows(const struct tr_model *m, const struct tr_dataset *ds, int category,
                    struct tr_windows *w, char *err, size_t errlen)
{
    if (err && errlen) err[0] = 0;
    return tr_make_windows_aug(m, ds, category, NULL, w, err, errlen);
}
