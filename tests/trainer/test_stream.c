/* SPDX-License-Identifier: MIT */
/* test_stream -- memory bounded by the work, on real data (the shared dataset):
 *  - samples read on demand (tr_recording.load, as imulab train and eval read the database)
 *    give the same windows, the same features bit for bit and the same model bytes for a fixed
 *    seed as all samples in memory: continuous mode, and gesture mode with augmented copies; a
 *    loader's failure, a wrong count and NaN values are reported;
 *  - tr_calibrate_input (radix selection) gives exactly the quantiles a full sort gave, on the
 *    real features and on ties, signed zeros, constants and a single value.
 * Usage: test_stream DATASET_DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ei_load.h"
#include "trainer.h"
#include "trainer_int.h"

/* ---- the loader: copies of the in-memory recordings ---- */

struct source {
    const struct ei_data *d;
    int loads;
    int64_t fail_id, short_id, nan_id; /* misbehave for these ids (-1: never) */
};

static int load_copy(void *ctx, int64_t id, float **buf, int *n_samples, char *err, size_t errlen)
{
    struct source *s = ctx;
    const struct tr_recording *r = &s->d->rec[id];
    if (id == s->fail_id) {
        snprintf(err, errlen, "disk on fire reading %lld", (long long)id);
        return -1;
    }
    free(*buf);
    size_t n = (size_t)r->n_samples * (size_t)r->n_axes;
    *buf = malloc(sizeof(float) * (n ? n : 1));
    if (!*buf) return snprintf(err, errlen, "out of memory"), -1;
    memcpy(*buf, r->values, sizeof(float) * n);
    if (id == s->nan_id && n > 3) (*buf)[3] = NAN;
    *n_samples = r->n_samples - (id == s->short_id);
    s->loads++;
    return 0;
}

/* The same recordings with no values and the loader. */
static struct tr_recording *lazy_copy(const struct ei_data *d, struct source *src)
{
    struct tr_recording *r = malloc(sizeof *r * (size_t)d->n);
    memcpy(r, d->rec, sizeof *r * (size_t)d->n);
    for (int i = 0; i < d->n; i++) {
        r[i].values = NULL;
        r[i].load = load_copy;
        r[i].load_ctx = src;
        r[i].load_id = i;
    }
    return r;
}

static void same_windows(const struct tr_windows *a, const struct tr_windows *b, const char *what)
{
    CHECK_MSG(a->n == b->n && a->n_feat == b->n_feat, "%s: %d x %d windows in memory, %d x %d on demand", what, a->n,
              a->n_feat, b->n, b->n_feat);
    if (a->n != b->n || a->n_feat != b->n_feat) return;
    CHECK_MSG(a->n > 0, "%s: no windows", what);
    CHECK_MSG(memcmp(a->x, b->x, sizeof(float) * (size_t)a->n * a->n_feat) == 0, "%s: features differ", what);
    CHECK_MSG(memcmp(a->y, b->y, sizeof(int) * (size_t)a->n) == 0, "%s: labels differ", what);
    CHECK_MSG(memcmp(a->rec, b->rec, sizeof(int) * (size_t)a->n) == 0, "%s: recordings differ", what);
    CHECK_MSG(memcmp(a->start, b->start, sizeof(int) * (size_t)a->n) == 0, "%s: starts differ", what);
    CHECK_MSG(memcmp(a->len, b->len, sizeof(int) * (size_t)a->n) == 0, "%s: lengths differ", what);
}

static void same_model(const struct tr_model *a, const struct tr_model *b, const char *what)
{
    CHECK_MSG(a->hash == b->hash, "%s: model hash %08x in memory, %08x on demand", what, a->hash, b->hash);
    CHECK_MSG(a->n_layers == b->n_layers && a->n_feat == b->n_feat, "%s: shapes differ", what);
    if (a->n_layers != b->n_layers || a->n_feat != b->n_feat) return;
    CHECK_MSG(memcmp(a->in_scale, b->in_scale, sizeof a->in_scale) == 0, "%s: input scales differ", what);
    CHECK_MSG(memcmp(&a->seg, &b->seg, sizeof a->seg) == 0, "%s: segmenters differ", what);
    CHECK_MSG(memcmp(a->feat_mean, b->feat_mean, sizeof(float) * (size_t)a->n_feat) == 0, "%s: means differ", what);
    for (int k = 0; k < a->n_layers; k++) {
        size_t nw = (size_t)a->q[k].n_in * a->q[k].n_out;
        CHECK_MSG(memcmp(a->q[k].w, b->q[k].w, nw) == 0, "%s: int8 weights of layer %d differ", what, k);
        CHECK_MSG(memcmp(a->q[k].bias, b->q[k].bias, sizeof(int32_t) * (size_t)a->q[k].n_out) == 0,
                  "%s: biases of layer %d differ", what, k);
    }
    CHECK_MSG(a->acc_float == b->acc_float && a->acc_int8 == b->acc_int8, "%s: accuracies differ", what);
}

/* Train and cut windows both ways with options o. */
static void compare(const struct ei_data *d, const struct tr_options *o, const char *what)
{
    struct source src = {d, 0, -1, -1, -1};
    struct tr_recording *lr = lazy_copy(d, &src);
    struct tr_dataset lazy = {d->n, lr};
    char err[256] = "", err2[256] = "";
    struct tr_model ma, mb;
    int ra = tr_train(&d->ds, o, &ma, err, sizeof err), rb = tr_train(&lazy, o, &mb, err2, sizeof err2);
    CHECK_MSG(ra == 0 && rb == 0, "%s: train in memory: %s; on demand: %s", what, err, err2);
    if (ra == 0 && rb == 0) {
        same_model(&ma, &mb, what);
        struct tr_windows wa, wb;
        const struct tr_options *aug = o->aug_copies > 0 ? o : NULL;
        ra = tr_make_windows_aug(&ma, &d->ds, TR_TRAINING, aug, &wa, err, sizeof err);
        rb = tr_make_windows_aug(&ma, &lazy, TR_TRAINING, aug, &wb, err2, sizeof err2);
        CHECK_MSG(ra == 0 && rb == 0, "%s: windows: %s / %s", what, err, err2);
        if (ra == 0 && rb == 0) same_windows(&wa, &wb, what);
        tr_windows_free(&wa);
        tr_windows_free(&wb);
    }
    if (ra == 0) tr_model_free(&ma);
    if (rb == 0) tr_model_free(&mb);
    CHECK_MSG(src.loads >= d->n, "%s: %d loads for %d recordings: the values did not come from the loader", what,
              src.loads, d->n);
    free(lr);
}

/* A loader's failure, a short read and NaN values: train refuses, naming them. */
static void failures(const struct ei_data *d)
{
    struct tr_options o;
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.epochs = 1;
    int bad = -1;
    for (int i = 0; i < d->n && bad < 0; i++) if (d->rec[i].category == TR_TRAINING) bad = i;
    REQUIRE(bad >= 0);
    for (int k = 0; k < 3; k++) {
        struct source src = {d, 0, k == 0 ? bad : -1, k == 1 ? bad : -1, k == 2 ? bad : -1};
        struct tr_recording *lr = lazy_copy(d, &src);
        struct tr_dataset lazy = {d->n, lr};
        struct tr_model m;
        char err[256] = "";
        int rc = tr_train(&lazy, &o, &m, err, sizeof err);
        const char *want = k == 0 ? "disk on fire" : k == 1 ? "were read" : "NaN or infinite";
        CHECK_MSG(rc == -1 && strstr(err, want), "case %d: rc %d, message '%s' (want '%s')", k, rc, err, want);
        if (rc == 0) tr_model_free(&m);
        free(lr);
    }
}

/* ---- calibration ---- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* What tr_calibrate_input computed before: sort every normalized feature, take two ranks. */
static void calibrate_sorted(const struct tr_model *m, const struct tr_windows *cw, double *lo, double *hi)
{
    const int nf = m->n_feat;
    size_t nz = (size_t)cw->n * nf;
    *lo = *hi = 0;
    if (!nz) return;
    float *all = malloc(sizeof(float) * nz);
    for (int r = 0; r < cw->n; r++)
        for (int i = 0; i < nf; i++)
            all[(size_t)r * nf + i] = (cw->x[(size_t)r * nf + i] - m->feat_mean[i]) / m->feat_std[i];
    qsort(all, nz, sizeof(float), cmp_float);
    *lo = all[(size_t)(0.001 * (double)(nz - 1))];
    *hi = all[(size_t)(0.999 * (double)(nz - 1))];
    free(all);
}

/* Both ways on m and w: the same values (+0 and -0 compare equal, and give the same parameters). */
static void same_calibration(const struct tr_model *m, const struct tr_windows *w, const char *what)
{
    double lo, hi, rlo, rhi;
    tr_calibrate_input(m, w, &lo, &hi);
    calibrate_sorted(m, w, &rlo, &rhi);
    CHECK_MSG(lo == rlo && hi == rhi, "%s: selection %.9g..%.9g, sort %.9g..%.9g", what, lo, hi, rlo, rhi);
    float s1, s2;
    int z1, z2;
    tr_range_qparams(lo, hi, &s1, &z1);
    tr_range_qparams(rlo, rhi, &s2, &z2);
    CHECK_MSG(memcmp(&s1, &s2, sizeof s1) == 0 && z1 == z2, "%s: input scale %.9g/%d against %.9g/%d", what,
              (double)s1, z1, (double)s2, z2);
}

static void calibration(const struct ei_data *d)
{
    struct tr_options o;
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.epochs = 2;
    struct tr_model m;
    char err[256] = "";
    REQUIRE(tr_train(&d->ds, &o, &m, err, sizeof err) == 0);
    struct tr_windows w;
    REQUIRE(tr_make_windows(&m, &d->ds, TR_TRAINING, &w, err, sizeof err) == 0);
    same_calibration(&m, &w, "real features");
    double lo, hi;
    tr_calibrate_input(&m, &w, &lo, &hi);
    CHECK_MSG(lo < 0 && hi > 0 && lo > -50 && hi < 50, "real features: range %g..%g", lo, hi);
    /* synthetic feature values through the same model (mean 0, std 1 make them the values) */
    float *mean = m.feat_mean, *sd = m.feat_std;
    const int nf = m.n_feat;
    float *zero = calloc((size_t)nf, sizeof(float)), *one = malloc(sizeof(float) * (size_t)nf);
    for (int i = 0; i < nf; i++) one[i] = 1.0f;
    m.feat_mean = zero;
    m.feat_std = one;
    uint32_t seed = 12345;
    for (int c = 0; c < 6; c++) {
        for (size_t k = 0; k < (size_t)w.n * nf; k++) {
            seed = seed * 1664525u + 1013904223u;
            float v;
            switch (c) {
            case 0: v = (float)((int)(seed >> 28) - 8); break;              /* many ties */
            case 1: v = (seed >> 31) ? -0.0f : 0.0f; break;                  /* signed zeros only */
            case 2: v = 3.25f; break;                                        /* a constant */
            case 3: v = (seed >> 16) % 3 == 0 ? -0.0f : (float)(seed >> 8) * 1e-30f - 1e-23f; break; /* tiny, both signs */
            case 4: v = (seed & 1) ? 3e38f : -3e38f; break;                  /* extremes */
            default: v = (float)((double)(int32_t)seed * 1e-6); break;       /* spread */
            }
            w.x[k] = v;
        }
        char what[32];
        snprintf(what, sizeof what, "synthetic case %d", c);
        same_calibration(&m, &w, what);
    }
    int n = w.n;
    w.n = 1; /* one window */
    same_calibration(&m, &w, "one window");
    w.n = 0;
    tr_calibrate_input(&m, &w, &lo, &hi);
    CHECK_MSG(lo == 0 && hi == 0, "no windows: %g..%g", lo, hi);
    w.n = n;
    m.feat_mean = mean;
    m.feat_std = sd;
    free(zero);
    free(one);
    tr_windows_free(&w);
    tr_model_free(&m);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_stream DATASET_DIR\n");
        return 2;
    }
    struct ei_data d;
    if (ei_load_dir(argv[1], &d)) {
        printf("SKIP: the shared dataset is not at %s\n", argv[1]);
        return CHECK_SKIP;
    }
    struct tr_options o;
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.epochs = 4;
    o.seed = 3;
    compare(&d, &o, "continuous");
    tr_options_default(&o);
    o.mode = TR_MODE_GESTURE;
    o.epochs = 3;
    o.aug_copies = 2;
    o.aug_scale = 0.1f;
    o.aug_shift_ms = 100;
    o.qat_epochs = 0;
    compare(&d, &o, "gesture with augmented copies");
    failures(&d);
    calibration(&d);
    ei_free(&d);
    return check_report("test_stream");
}
