/* SPDX-License-Identifier: MIT */
/* anomaly.c -- the anomaly model trained beside the classifier (docs/model.md, "Anomaly model").
 *
 * Space: the network's int8 input (features standardized with the training mean and standard
 * deviation, quantized as the device does), so the device scores a window with the vector it has
 * already computed. Fitting: k-means (k-means++ seeding from splitmix64, Lloyd iterations in
 * double, a fixed order everywhere: deterministic for a seed) on the training windows, the
 * centroids rounded to int8; the diagonal Gaussian adds per centroid and dimension the inverse
 * of the cluster's variance, scaled to 1..255. Scoring is portable/anomaly.c (integers).
 * Threshold: the training recordings are split into folds by recording (tr_search_folds); each
 * fold's windows are scored by a model fitted on the other folds, and the threshold is the
 * (1 - far) quantile of those held-out scores, so the false-alarm rate on new recordings of the
 * known classes is about far (not the lower rate on windows the model was fitted on). */
#include "trainer_int.h"
#include "conv.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define KM_ITERS 40
#define VAR_FLOOR 4.0 /* LSB^2: variances below it (near-constant features) count as this */

const char *tr_anomaly_method_name(int method)
{
    return method == TR_ANOM_KMEANS ? "kmeans" : method == TR_ANOM_GAUSS ? "gauss" : "none";
}

int tr_anomaly_method_parse(const char *s)
{
    if (!strcmp(s, "kmeans")) return TR_ANOM_KMEANS;
    if (!strcmp(s, "gauss")) return TR_ANOM_GAUSS;
    if (!strcmp(s, "none")) return TR_ANOM_NONE;
    return -1;
}

int tr_anomaly_input(const struct tr_model *m, int layer, const float *f, int8_t *q)
{
    int8_t a[IMU_NN_PAD4(IMU_ANOMALY_MAX_DIM)], b[IMU_NN_PAD4(IMU_ANOMALY_MAX_DIM)];
    assert(layer >= 0 && layer <= m->nn.n_layers);
    if (m->nn.conv && layer > 0) {
        /* a conv front end runs first (imu_anomaly_run, imu_nn_run): its tensors need the
         * model's activation buffers; the vector scored is a dense layer's output */
        int8_t *ca = malloc((size_t)m->nn.max_width), *cb = malloc((size_t)m->nn.max_width);
        int n = -1;
        if (ca && cb) {
            imu_nn_quantize_input(&m->nn, f, ca);
            int8_t *in = m->nn.conv->run(m->nn.conv, ca, cb), *out = in == ca ? cb : ca;
            for (int k = 0; k < layer; k++) {
                imu_nn_dense(&m->nn.layers[k], in, out);
                int8_t *t = in; in = out; out = t;
            }
            n = m->nn.layers[layer - 1].n_out;
            memcpy(q, in, (size_t)n);
        }
        free(ca);
        free(cb);
        return n;
    }
    assert(m->n_feat <= IMU_ANOMALY_MAX_DIM && m->nn.max_width <= IMU_NN_PAD4(IMU_ANOMALY_MAX_DIM));
    imu_nn_quantize_input(&m->nn, f, a);
    int8_t *in = a, *out = b;
    for (int k = 0; k < layer; k++) {
        imu_nn_dense(&m->nn.layers[k], in, out);
        int8_t *t = in; in = out; out = t;
    }
    const int n = layer ? m->nn.layers[layer - 1].n_out : m->n_feat;
    memcpy(q, in, (size_t)n);
    return n;
}

void tr_anomaly_build(struct tr_anomaly_model *a)
{
    a->view.n_dim = (uint16_t)a->n_dim;
    a->view.n_centroids = (uint16_t)a->k;
    a->view.layer = (uint16_t)a->layer;
    a->view.bias = a->bias;
    a->view.centroids = a->centroids;
    a->view.weights = a->weights;
    a->view.threshold = a->threshold;
}

void tr_anomaly_free(struct tr_anomaly_model *a)
{
    free(a->centroids);
    free(a->weights);
    free(a->bias);
    memset(a, 0, sizeof *a);
}

uint32_t tr_anomaly_score(const struct tr_model *m, const float *f)
{
    int8_t q[IMU_ANOMALY_MAX_DIM];
    tr_anomaly_input(m, m->anom.layer, f, q);
    return imu_anomaly_score(&m->anom.view, q);
}

/* Squared distance in double between an int8 vector and a centroid. */
static double dist2(const int8_t *x, const double *c, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++) {
        double t = x[i] - c[i];
        s += t * t;
    }
    return s;
}

/* k-means on n int8 vectors of d dimensions into k centroids (double, k*d). 0, -1 out of memory. */
static int kmeans(const int8_t *X, int n, int d, int k, unsigned seed, double *C, int *assign)
{
    uint64_t rng = 0x9e3779b97f4a7c15ull ^ seed;
    double *near = malloc(sizeof(double) * (size_t)n);
    if (!near) return -1;
    /* k-means++ seeding */
    int first = (int)(tr_rand_u32(&rng) % (uint32_t)n);
    for (int i = 0; i < d; i++) C[i] = X[(size_t)first * d + i];
    for (int r = 0; r < n; r++) near[r] = dist2(X + (size_t)r * d, C, d);
    for (int c = 1; c < k; c++) {
        double tot = 0;
        for (int r = 0; r < n; r++) tot += near[r];
        double u = tr_rand_uniform(&rng) * tot, acc = 0;
        int pick = n - 1;
        for (int r = 0; r < n; r++) {
            acc += near[r];
            if (acc > u) { pick = r; break; }
        }
        for (int i = 0; i < d; i++) C[(size_t)c * d + i] = X[(size_t)pick * d + i];
        for (int r = 0; r < n; r++) {
            double t = dist2(X + (size_t)r * d, C + (size_t)c * d, d);
            if (t < near[r]) near[r] = t;
        }
    }
    free(near);
    int *cnt = malloc(sizeof(int) * (size_t)k);
    if (!cnt) return -1;
    for (int it = 0; it < KM_ITERS; it++) {
        int changed = 0;
        for (int r = 0; r < n; r++) {
            int best = 0;
            double bd = dist2(X + (size_t)r * d, C, d);
            for (int c = 1; c < k; c++) {
                double t = dist2(X + (size_t)r * d, C + (size_t)c * d, d);
                if (t < bd) { bd = t; best = c; }
            }
            if (it == 0 || assign[r] != best) changed++;
            assign[r] = best;
        }
        if (!changed) break;
        memset(cnt, 0, sizeof(int) * (size_t)k);
        for (int c = 0; c < k; c++) {
            int any = 0;
            for (int r = 0; r < n; r++) any |= assign[r] == c;
            if (any) memset(C + (size_t)c * d, 0, sizeof(double) * (size_t)d); /* an empty cluster keeps its centroid */
        }
        for (int r = 0; r < n; r++) {
            cnt[assign[r]]++;
            for (int i = 0; i < d; i++) C[(size_t)assign[r] * d + i] += X[(size_t)r * d + i];
        }
        for (int c = 0; c < k; c++)
            if (cnt[c])
                for (int i = 0; i < d; i++) C[(size_t)c * d + i] /= cnt[c];
    }
    free(cnt);
    return 0;
}

/* Round half away from zero, clamped to int8. */
static int8_t to_i8(double v)
{
    double r = v >= 0 ? (double)(long)(v + 0.5) : -(double)(long)(-v + 0.5);
    return (int8_t)(r > 127 ? 127 : r < -128 ? -128 : r);
}

/* One M step of the diagonal Gaussian mixture with hard assignment: centroids (int8), weights
 * 255 * v_ref / v (v the cluster's variance per dimension, floored; v_ref the 10th percentile
 * of all of them; clamped to 1..255) and offsets 255 * v_ref * (sum log v - 2 log share),
 * less their minimum, so that score / (255 v_ref) is twice the negative log-likelihood up to a
 * constant. Returns -1 out of memory. */
static int gauss_m_step(struct tr_anomaly_model *a, const int8_t *X, int n, const int *assign)
{
    const int k = a->k, d = a->n_dim;
    double *S = calloc((size_t)k * d, sizeof(double)), *V = calloc((size_t)k * d, sizeof(double));
    double *sorted = malloc(sizeof(double) * (size_t)k * d), *off = malloc(sizeof(double) * (size_t)k);
    int *cnt = calloc((size_t)k, sizeof(int));
    if (!S || !V || !sorted || !off || !cnt) { free(S); free(V); free(sorted); free(off); free(cnt); return -1; }
    for (int r = 0; r < n; r++) {
        cnt[assign[r]]++;
        for (int i = 0; i < d; i++) S[(size_t)assign[r] * d + i] += X[(size_t)r * d + i];
    }
    for (int c = 0; c < k; c++)
        if (cnt[c])
            for (int i = 0; i < d; i++) a->centroids[(size_t)c * d + i] = to_i8(S[(size_t)c * d + i] / cnt[c]);
    for (int r = 0; r < n; r++)
        for (int i = 0; i < d; i++) {
            double t = X[(size_t)r * d + i] - a->centroids[(size_t)assign[r] * d + i];
            V[(size_t)assign[r] * d + i] += t * t;
        }
    for (int c = 0; c < k; c++)
        for (int i = 0; i < d; i++) {
            double v = cnt[c] ? V[(size_t)c * d + i] / cnt[c] : 0;
            V[(size_t)c * d + i] = v < VAR_FLOOR ? VAR_FLOOR : v;
        }
    memcpy(sorted, V, sizeof(double) * (size_t)k * d);
    for (int i = 1; i < k * d; i++) /* insertion sort: k * d is a few hundred */
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            double t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t;
        }
    const double vref = sorted[(k * d) / 10];
    double omin = 0;
    for (int c = 0; c < k; c++) {
        double lv = 0;
        for (int i = 0; i < d; i++) {
            double w = 255.0 * vref / V[(size_t)c * d + i] + 0.5;
            int wi = w < 1 ? 1 : w > 255 ? 255 : (int)w;
            a->weights[(size_t)c * d + i] = (uint8_t)wi;
            lv += tr_log(255.0 * vref / wi); /* the variance the rounded weight stands for */
        }
        double share = (cnt[c] + 1.0) / (n + k);
        off[c] = 255.0 * vref * (lv - 2.0 * tr_log(share));
        if (c == 0 || off[c] < omin) omin = off[c];
    }
    for (int c = 0; c < k; c++) {
        double b = off[c] - omin + 0.5;
        a->bias[c] = b > 4e9 ? 4000000000u : (uint32_t)b;
    }
    free(S); free(V); free(sorted); free(off); free(cnt);
    return 0;
}

/* Hard-assignment EM from the k-means clusters: M step, then each vector to the centroid of
 * its smallest score, until nothing moves (at most GAUSS_ITERS rounds). */
#define GAUSS_ITERS 20
static int gauss_em(struct tr_anomaly_model *a, const int8_t *X, int n, int *assign)
{
    for (int it = 0; it < GAUSS_ITERS; it++) {
        if (gauss_m_step(a, X, n, assign)) return -1;
        tr_anomaly_build(a);
        int moved = 0;
        for (int r = 0; r < n; r++) {
            const int8_t *x = X + (size_t)r * a->n_dim;
            int best = 0;
            uint32_t bs = UINT32_MAX;
            for (int c = 0; c < a->k; c++) {
                struct imu_anomaly one = a->view;
                one.n_centroids = 1;
                one.centroids = a->centroids + (size_t)c * a->n_dim;
                one.weights = a->weights + (size_t)c * a->n_dim;
                one.bias = a->bias + c;
                uint32_t s = imu_anomaly_score(&one, x);
                if (s < bs) { bs = s; best = c; }
            }
            moved += assign[r] != best;
            assign[r] = best;
        }
        if (!moved) break;
    }
    return gauss_m_step(a, X, n, assign);
}

/* Fit centroids (and weights) on n int8 vectors into a (allocated here). */
/* y: NULL, or the label of each vector (k = the number of labels): one Gaussian per known class,
 * the labels as the assignment (no k-means, no EM). */
static int fit_on(struct tr_anomaly_model *a, const int8_t *X, const int *y, int n, int d, int method, int layer, int k,
                  unsigned seed)
{
    if (k > n) k = n;
    double *C = malloc(sizeof(double) * (size_t)k * d);
    int *assign = malloc(sizeof(int) * (size_t)n);
    a->centroids = malloc((size_t)k * d);
    a->weights = method == TR_ANOM_GAUSS ? malloc((size_t)k * d) : NULL;
    if (!C || !assign || !a->centroids || (method == TR_ANOM_GAUSS && !a->weights)) {
        free(C); free(assign);
        return -1;
    }
    if (y) { /* the class means */
        int *cnt = calloc((size_t)k, sizeof(int));
        if (!cnt) { free(C); free(assign); return -1; }
        memset(C, 0, sizeof(double) * (size_t)k * d);
        for (int r = 0; r < n; r++) {
            assign[r] = y[r];
            cnt[y[r]]++;
            for (int i = 0; i < d; i++) C[(size_t)y[r] * d + i] += X[(size_t)r * d + i];
        }
        for (int c = 0; c < k; c++)
            for (int i = 0; i < d; i++) C[(size_t)c * d + i] = cnt[c] ? C[(size_t)c * d + i] / cnt[c] : 0;
        free(cnt);
    } else if (kmeans(X, n, d, k, seed, C, assign)) {
        free(C); free(assign);
        return -1;
    }
    a->method = method;
    a->n_dim = d;
    a->k = k;
    a->layer = layer;
    for (int i = 0; i < k * d; i++) a->centroids[i] = to_i8(C[i]);
    if (method == TR_ANOM_GAUSS) {
        a->bias = malloc(sizeof(uint32_t) * (size_t)k);
        if (!a->bias || (y ? gauss_m_step(a, X, n, assign) : gauss_em(a, X, n, assign))) { free(C); free(assign); return -1; }
    }
    tr_anomaly_build(a);
    free(C);
    free(assign);
    return 0;
}

int tr_anomaly_fit_vectors(struct tr_anomaly_model *a, const int8_t *X, int n, int d, int method, int k, unsigned seed)
{
    memset(a, 0, sizeof *a);
    if (n < 1 || d < 1 || d > IMU_ANOMALY_MAX_DIM || k < 1 || method == TR_ANOM_NONE) return -1;
    if (fit_on(a, X, NULL, n, d, method, 0, k, seed)) { tr_anomaly_free(a); return -1; }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

double tr_auc(const uint32_t *neg, int n_neg, const uint32_t *pos, int n_pos)
{
    if (n_neg <= 0 || n_pos <= 0) return 0;
    uint32_t *sn = malloc(sizeof(uint32_t) * (size_t)n_neg);
    if (!sn) return 0;
    memcpy(sn, neg, sizeof(uint32_t) * (size_t)n_neg);
    qsort(sn, (size_t)n_neg, sizeof *sn, cmp_u32);
    double sum = 0;
    for (int p = 0; p < n_pos; p++) {
        int lo = 0, hi = n_neg; /* first index with sn >= pos[p] */
        while (lo < hi) { int mid = (lo + hi) / 2; if (sn[mid] < pos[p]) lo = mid + 1; else hi = mid; }
        int below = lo, eq_hi = lo;
        while (eq_hi < n_neg && sn[eq_hi] == pos[p]) eq_hi++;
        sum += below + 0.5 * (eq_hi - lo);
    }
    free(sn);
    return sum / ((double)n_neg * n_pos);
}

int tr_anomaly_fit(struct tr_model *m, const struct tr_windows *tw, const struct tr_dataset *ds, int method, int layer,
                   int k, float far, int folds, unsigned seed, char *err, size_t errlen)
{
    tr_anomaly_free(&m->anom);
    if (method == TR_ANOM_NONE) return 0;
    if (layer < 0 || layer > m->n_layers - 1) {
        snprintf(err, errlen, "anomaly model: layer %d: the network has %d hidden layers", layer, m->n_layers - 1);
        return -1;
    }
    const int n = tw->n, d = layer ? m->sizes[layer] : m->n_feat;
    if (m->n_feat > IMU_ANOMALY_MAX_DIM || m->nn.max_width > IMU_NN_PAD4(IMU_ANOMALY_MAX_DIM)) {
        snprintf(err, errlen, "anomaly model: %d features, at most %d", m->n_feat, IMU_ANOMALY_MAX_DIM);
        return -1;
    }
    if (n < 2 * (k ? k : m->n_labels)) {
        snprintf(err, errlen, "anomaly model: %d training windows for %d centroids", n, k);
        return -1;
    }
    int8_t *X = malloc((size_t)n * d);
    int *fold = malloc(sizeof(int) * (size_t)(ds->n > 0 ? ds->n : 1));
    uint32_t *held = malloc(sizeof(uint32_t) * (size_t)n);
    int8_t *Xf = malloc((size_t)n * d);
    int *yf = malloc(sizeof(int) * (size_t)n);
    if (!X || !fold || !held || !Xf || !yf) {
        free(X); free(fold); free(held); free(Xf); free(yf);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int r = 0; r < n; r++) tr_anomaly_input(m, layer, tw->x + (size_t)r * tw->n_feat, X + (size_t)r * d);
    int ng = 0, by = 0, nf = tr_search_folds(ds, folds, seed, fold, &ng, &by);
    int n_held = 0, rc = -1;
    if (nf < 2) {
        snprintf(err, errlen, "anomaly model: fewer than 2 training recordings to set the threshold on");
        goto out;
    }
    const int per_class = k == 0; /* one Gaussian (or centroid) per known class */
    if (per_class) k = m->n_labels;
    for (int f = 0; f < nf; f++) {
        int nt = 0;
        for (int r = 0; r < n; r++)
            if (fold[tw->rec[r]] != f) {
                yf[nt] = tw->y[r];
                memcpy(Xf + (size_t)nt++ * d, X + (size_t)r * d, (size_t)d);
            }
        if (nt < k) continue;
        struct tr_anomaly_model fa;
        memset(&fa, 0, sizeof fa);
        if (fit_on(&fa, Xf, per_class ? yf : NULL, nt, d, method, layer, k, seed + 7919u * (unsigned)f)) { tr_anomaly_free(&fa); snprintf(err, errlen, "out of memory"); goto out; }
        for (int r = 0; r < n; r++)
            if (fold[tw->rec[r]] == f) held[n_held++] = imu_anomaly_score(&fa.view, X + (size_t)r * d);
        tr_anomaly_free(&fa);
    }
    if (fit_on(&m->anom, X, per_class ? tw->y : NULL, n, d, method, layer, k, seed)) { snprintf(err, errlen, "out of memory"); goto out; }
    qsort(held, (size_t)n_held, sizeof *held, cmp_u32);
    {
        int idx = (int)((1.0 - far) * n_held); /* the (1 - far) quantile: at most far above it */
        if (idx >= n_held) idx = n_held - 1;
        if (idx < 0) idx = 0;
        m->anom.threshold = n_held ? held[idx] : UINT32_MAX;
        int above = 0;
        for (int r = 0; r < n_held; r++) above += held[r] > m->anom.threshold;
        m->anom.far = far;
        m->anom.cv_windows = n_held;
        m->anom.cv_far = n_held ? (double)above / n_held : 0;
        tr_anomaly_build(&m->anom);
    }
    rc = 0;
out:
    free(X); free(fold); free(held); free(Xf); free(yf);
    return rc;
}

/* 1 when some training recording of ds has this label. */
static int is_training_label(const struct tr_dataset *ds, const char *label)
{
    for (int i = 0; i < ds->n; i++)
        if (ds->rec[i].category == TR_TRAINING && !strcmp(ds->rec[i].label, label)) return 1;
    return 0;
}

int tr_dataset_known(const struct tr_dataset *ds, struct tr_dataset *known, struct tr_recording **copy)
{
    *copy = malloc(sizeof(struct tr_recording) * (size_t)(ds->n > 0 ? ds->n : 1));
    if (!*copy) return -1;
    int unknown = 0;
    for (int i = 0; i < ds->n; i++) {
        (*copy)[i] = ds->rec[i];
        if (ds->rec[i].category == TR_TESTING && !is_training_label(ds, ds->rec[i].label)) {
            (*copy)[i].category = TR_UNASSIGNED;
            unknown++;
        }
    }
    known->n = ds->n;
    known->rec = *copy;
    return unknown;
}

int tr_unknown_windows(const struct tr_model *m, const struct tr_dataset *ds, int category, struct tr_windows *w,
                       char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    struct tr_recording *copy = malloc(sizeof(struct tr_recording) * (size_t)(ds->n > 0 ? ds->n : 1));
    if (!copy) { snprintf(err, errlen, "out of memory"); return -1; }
    int n = 0;
    for (int i = 0; i < ds->n; i++) {
        copy[i] = ds->rec[i];
        if (copy[i].category == category && tr_label_index(m, copy[i].label) < 0) {
            copy[i].label = m->labels[0]; /* cut as any other recording; the label is not used */
            n++;
        } else
            copy[i].category = TR_UNASSIGNED;
    }
    int rc = 0;
    if (n > 0) {
        struct tr_dataset d2 = {ds->n, copy};
        rc = tr_make_windows(m, &d2, category, w, err, errlen);
        for (int r = 0; r < w->n; r++) w->y[r] = -1;
    }
    free(copy);
    return rc;
}

/* ---- model.json, model.c, model.h and the hash ---- */

uint32_t tr_anomaly_hash(uint32_t h, const struct tr_anomaly_model *a)
{
    if (a->method == TR_ANOM_NONE) return h; /* models without one keep their hash */
    const size_t n = (size_t)a->k * a->n_dim;
    int32_t hdr[5] = {a->method, a->layer, a->n_dim, a->k, (int32_t)a->threshold};
    const uint8_t *parts[3] = {(const uint8_t *)hdr, (const uint8_t *)a->centroids, a->weights};
    size_t lens[3] = {sizeof hdr, n, a->weights ? n : 0};
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < lens[p]; i++) { h ^= parts[p][i]; h *= 16777619u; }
    if (a->bias)
        for (int c = 0; c < a->k; c++)
            for (int b = 0; b < 4; b++) { h ^= (a->bias[c] >> (8 * b)) & 0xffu; h *= 16777619u; }
    return h;
}

cJSON *tr_anomaly_json(const struct tr_anomaly_model *a)
{
    cJSON *j = cJSON_CreateObject();
    const int n = a->k * a->n_dim;
    cJSON_AddStringToObject(j, "method", tr_anomaly_method_name(a->method));
    cJSON_AddNumberToObject(j, "layer", a->layer);
    cJSON_AddNumberToObject(j, "dims", a->n_dim);
    cJSON_AddNumberToObject(j, "centroids", a->k);
    cJSON_AddNumberToObject(j, "threshold", a->threshold);
    cJSON_AddNumberToObject(j, "false_alarm_target", (double)a->far);
    cJSON_AddNumberToObject(j, "cv_windows", a->cv_windows);
    cJSON_AddNumberToObject(j, "cv_false_alarm", a->cv_far);
    cJSON *c = cJSON_AddArrayToObject(j, "centroid_values");
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(c, cJSON_CreateNumber(a->centroids[i]));
    if (a->weights) {
        cJSON *w = cJSON_AddArrayToObject(j, "weights");
        for (int i = 0; i < n; i++) cJSON_AddItemToArray(w, cJSON_CreateNumber(a->weights[i]));
        cJSON *b = cJSON_AddArrayToObject(j, "bias");
        for (int i = 0; i < a->k; i++) cJSON_AddItemToArray(b, cJSON_CreateNumber(a->bias[i]));
    }
    return j;
}

/* One integer lo..hi (a JSON number without a fraction) into *out. */
static int json_int(const cJSON *e, long *out, long lo, double hi)
{
    if (!cJSON_IsNumber(e) || !(e->valuedouble >= lo && e->valuedouble <= hi) ||
        e->valuedouble != (double)(long)e->valuedouble)
        return -1;
    *out = (long)e->valuedouble;
    return 0;
}

/* n integers lo..hi from a JSON array of exactly n entries into out (as long). */
static int json_ints(const cJSON *arr, long *out, int n, long lo, double hi)
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != n) return -1;
    int i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++)
        if (json_int(e, &out[i], lo, hi)) return -1;
    return 0;
}

int tr_anomaly_from_json(struct tr_model *m, const cJSON *j, char *field, size_t flen)
{
    struct tr_anomaly_model *a = &m->anom;
    memset(a, 0, sizeof *a);
    if (!j) return 0; /* models from before anomaly detection */
    const cJSON *me = cJSON_GetObjectItem(j, "method");
    long hdr[4];
    const char *names[4] = {"layer", "dims", "centroids", "threshold"};
    const double his[4] = {TR_MAX_HIDDEN, IMU_ANOMALY_MAX_DIM, 256, 4294967295.0};
    snprintf(field, flen, "anomaly.method");
    if (!cJSON_IsString(me) || tr_anomaly_method_parse(me->valuestring) <= 0) return -1;
    for (int i = 0; i < 4; i++) {
        snprintf(field, flen, "anomaly.%s", names[i]);
        const cJSON *v = cJSON_GetObjectItem(j, names[i]);
        if (json_int(v, &hdr[i], i == 1 || i == 2 ? 1 : 0, his[i])) return -1;
    }
    snprintf(field, flen, "anomaly.layer");
    if (hdr[0] > m->n_layers - 1) return -1;
    snprintf(field, flen, "anomaly.dims");
    if (hdr[1] != (hdr[0] ? m->sizes[hdr[0]] : m->n_feat)) return -1;
    a->method = tr_anomaly_method_parse(me->valuestring);
    a->layer = (int)hdr[0];
    a->n_dim = (int)hdr[1];
    a->k = (int)hdr[2];
    a->threshold = (uint32_t)hdr[3];
    const int n = a->k * a->n_dim;
    long *tmp = malloc(sizeof(long) * (size_t)n);
    a->centroids = malloc((size_t)n);
    if (!tmp || !a->centroids) { free(tmp); tr_anomaly_free(a); snprintf(field, flen, "anomaly (out of memory)"); return -1; }
    snprintf(field, flen, "anomaly.centroid_values");
    if (json_ints(cJSON_GetObjectItem(j, "centroid_values"), tmp, n, -128, 127)) goto bad;
    for (int i = 0; i < n; i++) a->centroids[i] = (int8_t)tmp[i];
    if (a->method == TR_ANOM_GAUSS) {
        a->weights = malloc((size_t)n);
        a->bias = malloc(sizeof(uint32_t) * (size_t)a->k);
        if (!a->weights || !a->bias) goto bad;
        snprintf(field, flen, "anomaly.weights");
        if (json_ints(cJSON_GetObjectItem(j, "weights"), tmp, n, 0, 255)) goto bad;
        for (int i = 0; i < n; i++) a->weights[i] = (uint8_t)tmp[i];
        snprintf(field, flen, "anomaly.bias");
        if (json_ints(cJSON_GetObjectItem(j, "bias"), tmp, a->k, 0, 4294967295.0)) goto bad;
        for (int i = 0; i < a->k; i++) a->bias[i] = (uint32_t)tmp[i];
    }
    free(tmp);
    double v;
    const cJSON *x = cJSON_GetObjectItem(j, "false_alarm_target");
    if (cJSON_IsNumber(x) && (v = x->valuedouble) >= 0 && v <= 1) a->far = (float)v;
    x = cJSON_GetObjectItem(j, "cv_false_alarm");
    if (cJSON_IsNumber(x) && (v = x->valuedouble) >= 0 && v <= 1) a->cv_far = v;
    x = cJSON_GetObjectItem(j, "cv_windows");
    if (cJSON_IsNumber(x) && (v = x->valuedouble) >= 0 && v <= 1e9) a->cv_windows = (int)v;
    tr_anomaly_build(a);
    return 0;
bad:
    free(tmp);
    tr_anomaly_free(a);
    return -1;
}

void tr_anomaly_write_h(FILE *f, const struct tr_model *m)
{
    const struct tr_anomaly_model *a = &m->anom;
    if (a->method == TR_ANOM_NONE) {
        fprintf(f, "#define IMU_MODEL_ANOMALY 0\n");
        return;
    }
    fprintf(f, "/* anomaly model (portable/anomaly.h): %s, %d centroids on layer %d (%d values); a window\n"
               " * scoring above the threshold is \"unknown\" */\n",
            tr_anomaly_method_name(a->method), a->k, a->layer, a->n_dim);
    fprintf(f, "#define IMU_MODEL_ANOMALY 1\n#define IMU_MODEL_ANOMALY_THRESHOLD %uu\n", a->threshold);
    fprintf(f, "#include \"anomaly.h\"\nextern const struct imu_anomaly imu_model_anomaly;\n");
}

void tr_anomaly_write_c(FILE *f, const struct tr_model *m)
{
    const struct tr_anomaly_model *a = &m->anom;
    if (a->method == TR_ANOM_NONE) return;
    const int n = a->k * a->n_dim;
    fprintf(f, "\n/* anomaly model: %d centroids x %d values */\nstatic const int8_t anom_c[%d] = {", a->k, a->n_dim, n);
    for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? (i % 20 ? ", " : ",\n    ") : "", a->centroids[i]);
    fprintf(f, "};\n");
    if (a->weights) {
        fprintf(f, "static const uint8_t anom_w[%d] = {", n);
        for (int i = 0; i < n; i++) fprintf(f, "%s%u", i ? (i % 20 ? ", " : ",\n    ") : "", a->weights[i]);
        fprintf(f, "};\nstatic const uint32_t anom_b[%d] = {", a->k);
        for (int i = 0; i < a->k; i++) fprintf(f, "%s%uu", i ? ", " : "", a->bias[i]);
        fprintf(f, "};\n");
    }
    fprintf(f, "const struct imu_anomaly imu_model_anomaly = {\n    .n_dim = %d, .n_centroids = %d, .layer = %d,\n"
               "    .centroids = anom_c, .weights = %s, .bias = %s, .threshold = %uu,\n};\n",
            a->n_dim, a->k, a->layer, a->weights ? "anom_w" : "0", a->bias ? "anom_b" : "0", a->threshold);
}
