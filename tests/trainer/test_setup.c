/* SPDX-License-Identifier: MIT */
/* test_setup -- the trainer's set-up around the network: option parsing, the dataset checks and
 * their messages, the Butterworth filters (gains at DC, cut-off and Nyquist), the deterministic
 * math against libm, augmentation (copies, determinism, rotations that are rotations) and the
 * SVG report. Usage: test_setup [SCRATCH_DIR] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "trainer.h"
#include "trainer_int.h"

static const char *ax3[3] = {"x", "y", "z"};

static float *wave(int n, int na, float freq, float amp)
{
    float *v = malloc(sizeof(float) * (size_t)n * (size_t)na);
    for (int t = 0; t < n; t++)
        for (int a = 0; a < na; a++)
            v[t * na + a] = amp * sinf(freq * (float)t + (float)a) + 0.02f * (float)((t * 7 + a) % 5);
    return v;
}

/* 6 recordings of 2 labels: 4 training, 2 testing; values owned by the caller's free_rec. */
static void make_set(struct tr_recording *r, int n)
{
    memset(r, 0, sizeof *r * (size_t)n);
    for (int i = 0; i < n; i++) {
        r[i].label = i % 2 ? "b" : "a";
        r[i].category = i < n - 2 ? TR_TRAINING : TR_TESTING;
        r[i].rate_hz = 100;
        r[i].n_axes = 3;
        for (int a = 0; a < 3; a++)
            r[i].axes[a] = ax3[a];
        r[i].n_samples = 400;
        r[i].values = wave(400, 3, i % 2 ? 0.6f : 0.1f, 1.0f + 0.05f * (float)i);
    }
}

static void free_set(struct tr_recording *r, int n)
{
    for (int i = 0; i < n; i++)
        free((void *)r[i].values);
}

static void test_parse_hidden(void)
{
    struct tr_options o;
    tr_options_default(&o);
    CHECK(tr_parse_hidden("64,32", &o) == 0 && o.n_hidden == 2 && o.hidden[0] == 64 && o.hidden[1] == 32);
    CHECK(tr_parse_hidden("8", &o) == 0 && o.n_hidden == 1 && o.hidden[0] == 8);
    CHECK(tr_parse_hidden("", &o) == 0 && o.n_hidden == 0);
    CHECK(tr_parse_hidden("0", &o) == 0 && o.n_hidden == 0);
    CHECK(tr_parse_hidden("none", &o) == 0 && o.n_hidden == 0);
    const char *bad[] = {"x", "8,", ",8", "8;4", "0,4", "513", "1,2,3,4", "-3", "8 4"};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(tr_parse_hidden(bad[i], &o) == -1, "'%s' accepted", bad[i]);
}

/* Each bad dataset or option is refused with a message naming the problem. */
static void test_refusals(void)
{
    enum { N = 6 };
    struct tr_recording r[N];
    make_set(r, N);
    struct tr_dataset ds = {N, r};
    struct tr_options o;
    tr_options_default(&o);
    struct tr_model m;
    char err[256];
#define REFUSED(what)                                                                                                  \
    do {                                                                                                               \
        err[0] = 0;                                                                                                    \
        int rc_ = tr_setup_model(&ds, &o, &m, err, sizeof err);                                                        \
        if (rc_ == 0)                                                                                                  \
            tr_model_free(&m);                                                                                         \
        CHECK_MSG(rc_ == -1 && strstr(err, what), "want '%s', got rc %d '%s'", what, rc_, err);                        \
    } while (0)
    r[2].n_axes = TR_MAX_AXES + 1;
    REFUSED("axes (1 to");
    r[2].n_axes = 3;
    r[2].rate_hz = 0;
    REFUSED("no sample rate");
    r[2].rate_hz = 100;
    for (int i = 0; i < N; i++)
        r[i].category = i < 2 ? TR_UNASSIGNED : TR_TESTING;
    REFUSED("no recordings in category training");
    for (int i = 0; i < N; i++)
        r[i].category = i < N - 2 ? TR_TRAINING : TR_TESTING;
    o.mode = TR_MODE_CONTINUOUS; /* the window checks (short recordings would choose gesture mode) */
    o.window_ms = 50;            /* 5 samples at 100 Hz */
    REFUSED("need 8");
    o.window_ms = 60000;
    REFUSED("at most 4096");
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.fft_len = 12;
    REFUSED("power of two");
    tr_options_default(&o);
    o.filter = 1;
    o.filter_hz = 60; /* above Nyquist at 100 Hz */
    REFUSED("cut-off");
    tr_options_default(&o);
    /* too many labels */
    enum { NL = TR_MAX_LABELS + 1 };
    struct tr_recording many[NL];
    char names[NL][8];
    for (int i = 0; i < NL; i++) {
        many[i] = r[0];
        snprintf(names[i], sizeof names[i], "l%d", i);
        many[i].label = names[i];
    }
    struct tr_dataset dm = {NL, many};
    err[0] = 0;
    CHECK_MSG(tr_setup_model(&dm, &o, &m, err, sizeof err) == -1 && strstr(err, "too many labels"), "%s", err);
    /* a training set with fewer windows than labels is refused by tr_train */
    o.window_ms = o.stride_ms = 4000;
    err[0] = 0;
    int rc = tr_train(&ds, &o, &m, err, sizeof err);
    if (rc == 0)
        tr_model_free(&m);
    CHECK_MSG(rc == 0 || strstr(err, "training windows"), "%s", err);
    /* a label the model does not know, for windows of a model */
    tr_options_default(&o);
    REQUIRE(tr_setup_model(&ds, &o, &m, err, sizeof err) == 0);
    struct tr_recording other = r[0];
    other.label = "zzz";
    struct tr_dataset d1 = {1, &other};
    struct tr_windows w;
    CHECK(tr_make_windows(&m, &d1, TR_TRAINING, &w, err, sizeof err) == -1 && strstr(err, "'zzz'"));
    tr_windows_free(&w);
    other.label = "a";
    other.n_axes = 2;
    CHECK(tr_make_windows(&m, &d1, TR_TRAINING, &w, err, sizeof err) == -1 && strstr(err, "2 axes"));
    tr_windows_free(&w);
    tr_model_free(&m);
    free_set(r, N);
#undef REFUSED
}

/* A loader (tr_load_fn) that reads recording id from the caller's array; id 99 fails, id 98
 * reads recording 2 one sample short. */
static int load_from(void *ctx, int64_t id, float **buf, int *n_samples, char *err, size_t errlen)
{
    const struct tr_recording *r = ctx;
    if (id == 99) {
        snprintf(err, errlen, "the disk is on fire");
        return -1;
    }
    const int i = id == 98 ? 2 : (int)id, n = r[i].n_samples - (id == 98 ? 1 : 0);
    free(*buf);
    *buf = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1) * 3);
    memcpy(*buf, r[i].values, sizeof(float) * (size_t)n * 3);
    *n_samples = n;
    return 0;
}

/* The data checks and set-up paths around the common case, each with its message or its
 * documented result: int16 quantization (round half away, saturate, NaN to 0), datasets with
 * different axes or none, gesture options out of range, a filter at 0 Hz, recordings stored as
 * int16 (their scale becomes the model's), all-zero data, samples read through a loader (and a
 * loader that fails or reads short), augmentation of 2-axis data (no rotation). */
static void test_data_edges(void)
{
    const float v[8] = {0.5f, -0.5f, 1.49f, -1.51f, 1e9f, -1e9f, NAN, 32766.6f}, one = 1;
    float sc[1] = {one};
    int16_t q[8];
    tr_quantize_samples(v, 8, 1, sc, q);
    const int16_t want[8] = {1, -1, 1, -2, 32767, -32768, 0, 32767};
    CHECK_MSG(memcmp(q, want, sizeof q) == 0, "int16: %d %d %d %d %d %d %d %d", q[0], q[1], q[2], q[3], q[4], q[5], q[6],
              q[7]);
    CHECK_EQ(tr_ms_to_samples(1, 100), 1); /* at least one sample */
    CHECK_EQ(tr_ms_to_samples(1000, 52.4), 52);
    char err[256];
    struct tr_dataset none = {0, NULL};
    CHECK_MSG(tr_check_dataset(&none, 0, err, sizeof err) == -1 && strstr(err, "no recordings"), "%s", err);
    enum { N = 6 };
    struct tr_recording r[N];
    make_set(r, N);
    struct tr_dataset ds = {N, r};
    const char *other[3] = {"x", "q", "z"};
    r[3].axes[1] = other[1];
    CHECK_MSG(tr_check_dataset(&ds, 0, err, sizeof err) == -1 && strstr(err, "different axes (a has 3 axes starting 'x'"),
              "%s", err);
    r[3].axes[1] = ax3[1];
    r[3].rate_hz = 103;
    CHECK_MSG(tr_check_dataset(&ds, 0, err, sizeof err) == -1 && strstr(err, "different sample rates (100 Hz and 103 Hz)"),
              "%s", err);
    r[3].rate_hz = 100.5; /* within 1% */
    CHECK_MSG(tr_check_dataset(&ds, 0, err, sizeof err) == 0, "%s", err);
    r[3].rate_hz = 100;
    r[2].n_axes = 0;
    CHECK_MSG(tr_check_dataset(&ds, 0, err, sizeof err) == -1 && strstr(err, "recording 3 (a) has 0 axes"), "%s", err);
    r[2].n_axes = 3;
    float keep = r[1].values[7];
    ((float *)r[1].values)[7] = INFINITY;
    CHECK_MSG(tr_check_dataset(&ds, 0, err, sizeof err) == -1 && strstr(err, "recording 2 (b) has NaN or infinite"), "%s",
              err);
    ((float *)r[1].values)[7] = keep;
    /* gesture options */
    struct tr_options o;
    struct tr_model m;
    tr_options_default(&o);
    o.mode = TR_MODE_GESTURE;
    o.gesture_points = 7;
    CHECK_MSG(tr_setup_model(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "--gesture-points 7: need 8.."), "%s", err);
    o.gesture_points = 64;
    o.gesture_buf = 129;
    CHECK_MSG(tr_setup_model(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "--gesture-buf 129: need an even number"),
              "%s", err);
    o.gesture_buf = 8;
    CHECK_MSG(tr_setup_model(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "--gesture-buf 8"), "%s", err);
    tr_options_default(&o);
    o.filter = 2;
    o.filter_hz = 0;
    CHECK_MSG(tr_setup_model(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "filter cut-off 0 Hz is not between 0 and 50"),
              "%s", err);
    /* int16 recordings with one scale: it is the model's input scale; with two, the data's range is */
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    for (int i = 0; i < N; i++)
        for (int a = 0; a < 3; a++) r[i].native_scale[a] = 1.0 / 4096;
    REQUIRE(tr_setup_model(&ds, &o, &m, err, sizeof err) == 0);
    CHECK_MSG(m.in_scale[0] == 1.0f / 4096 && m.in_scale[2] == 1.0f / 4096, "native scale: %g", m.in_scale[0]);
    tr_model_free(&m);
    r[1].native_scale[2] = 1.0 / 2048;
    REQUIRE(tr_setup_model(&ds, &o, &m, err, sizeof err) == 0);
    CHECK_MSG(m.in_scale[2] != 1.0f / 2048 && m.in_scale[2] != 1.0f / 4096 && m.in_scale[0] == m.in_scale[2],
              "mixed native scales: %g %g", m.in_scale[0], m.in_scale[2]);
    tr_model_free(&m);
    for (int i = 0; i < N; i++)
        memset(r[i].native_scale, 0, sizeof r[i].native_scale);
    /* all zeros: a tiny but valid scale, finite features */
    struct tr_recording z[N];
    memcpy(z, r, sizeof z);
    float *zeros = calloc(400 * 3, sizeof(float));
    for (int i = 0; i < N; i++)
        z[i].values = zeros;
    struct tr_dataset dz = {N, z};
    REQUIRE(tr_setup_model(&dz, &o, &m, err, sizeof err) == 0);
    CHECK_MSG(m.in_scale[0] > 0 && m.in_scale[0] < 1e-9f, "all-zero data: input scale %g", m.in_scale[0]);
    struct tr_windows w;
    CHECK_MSG(tr_make_windows(&m, &dz, TR_TRAINING, &w, err, sizeof err) == 0 && w.n > 0, "%s", err);
    tr_windows_free(&w);
    tr_model_free(&m);
    free(zeros);
    /* samples read on demand: the windows of loaded recordings are those of recordings in memory */
    struct tr_recording l[N];
    memcpy(l, r, sizeof l);
    for (int i = 0; i < N; i++) {
        l[i].values = NULL;
        l[i].load = load_from;
        l[i].load_ctx = r;
        l[i].load_id = i;
    }
    struct tr_dataset dl = {N, l};
    struct tr_windows wm, wl;
    REQUIRE(tr_setup_model(&ds, &o, &m, err, sizeof err) == 0);
    REQUIRE(tr_make_windows(&m, &ds, TR_TRAINING, &wm, err, sizeof err) == 0);
    CHECK_MSG(tr_make_windows(&m, &dl, TR_TRAINING, &wl, err, sizeof err) == 0 && wl.n == wm.n &&
              memcmp(wl.x, wm.x, sizeof(float) * (size_t)wm.n * (size_t)wm.n_feat) == 0,
              "loaded windows differ: %s", err);
    tr_windows_free(&wl);
    l[2].load_id = 99;
    CHECK_MSG(tr_make_windows(&m, &dl, TR_TRAINING, &wl, err, sizeof err) == -1 && strstr(err, "the disk is on fire"), "%s",
              err);
    tr_windows_free(&wl);
    l[2].load_id = 98;
    CHECK_MSG(tr_make_windows(&m, &dl, TR_TRAINING, &wl, err, sizeof err) == -1 &&
              strstr(err, "recording 3 (a) has 400 samples, 399 were read"), "%s", err);
    tr_windows_free(&wl);
    l[2].load = NULL;
    CHECK_MSG(tr_make_windows(&m, &dl, TR_TRAINING, &wl, err, sizeof err) == -1 && strstr(err, "recording 3 (a) has no samples loaded"),
              "%s", err);
    tr_windows_free(&wl);
    tr_windows_free(&wm);
    tr_model_free(&m);
    /* 2 axes: augmentation scales and shifts but does not rotate; deterministic */
    struct tr_recording t2[N];
    memcpy(t2, r, sizeof t2);
    for (int i = 0; i < N; i++)
        t2[i].n_axes = 2; /* the first two of three interleaved: a different signal, as good as any */
    struct tr_dataset d2 = {N, t2};
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    REQUIRE(tr_setup_model(&d2, &o, &m, err, sizeof err) == 0);
    o.aug_copies = 1;
    o.aug_scale = 0.2f;
    o.aug_rotate_deg = 30;
    struct tr_windows a1, a2, p2;
    REQUIRE(tr_make_windows(&m, &d2, TR_TRAINING, &p2, err, sizeof err) == 0);
    REQUIRE(tr_make_windows_aug(&m, &d2, TR_TRAINING, &o, &a1, err, sizeof err) == 0);
    REQUIRE(tr_make_windows_aug(&m, &d2, TR_TRAINING, &o, &a2, err, sizeof err) == 0);
    CHECK_MSG(a1.n == 2 * p2.n && memcmp(a1.x, a2.x, sizeof(float) * (size_t)a1.n * (size_t)a1.n_feat) == 0,
              "2 axes: %d augmented windows from %d, or not deterministic", a1.n, p2.n);
    tr_windows_free(&a1);
    tr_windows_free(&a2);
    tr_windows_free(&p2);
    tr_model_free(&m);
    free_set(r, N);
}

/* The text written to f since it was opened (a tmpfile), in buf. */
static void slurp(FILE *f, char *buf, size_t len)
{
    fflush(f);
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
}

/* Training's progress report (one line an epoch, or a bar redrawn in place), with and without a
 * validation part, and quantization-aware fine-tuning's; class weights change the model;
 * float probabilities are a distribution whose argmax is the prediction; a hidden layer wider
 * than the trainer's 1024 is refused with a message. */
static void test_training_output(void)
{
    enum { N = 6 };
    struct tr_recording r[N];
    make_set(r, N);
    r[0].label = r[2].label = r[4].label = "b"; /* training 3 of b, 1 of a: class weights matter */
    r[3].label = r[5].label = "a";
    struct tr_dataset ds = {N, r};
    struct tr_options o;
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.epochs = 4;
    o.patience = 0;
    o.qat_epochs = 2;
    o.val_frac = 0.25f;
    o.verbose = 1;
    static char out[1 << 16];
    char err[256];
    struct tr_model m, w;
    for (int bar = 0; bar <= 1; bar++) {
        FILE *f = tmpfile();
        REQUIRE(f != NULL);
        o.progress_out = f;
        o.progress_bar = bar;
        int rc = tr_train(&ds, &o, &m, err, sizeof err);
        CHECK_MSG(rc == 0, "train: %s", err);
        slurp(f, out, sizeof out);
        fclose(f);
        if (rc)
            continue;
        if (bar)
            CHECK_MSG(strstr(out, "\r[") && strstr(out, "] epoch   4/4 loss") && strstr(out, " val ") &&
                      strstr(out, "] qat epoch   2/2"), "progress bar: %.300s", out);
        else
            CHECK_MSG(strstr(out, "epoch 1 loss ") && strstr(out, "epoch 4 loss ") && strstr(out, " val_acc ") &&
                      strstr(out, "qat epoch 2 loss") && strstr(out, "--qat-epochs: int8"), "progress lines: %.300s", out);
        if (!bar) {
            /* the same model without a report */
            o.verbose = 0;
            struct tr_model q;
            REQUIRE(tr_train(&ds, &o, &q, err, sizeof err) == 0);
            CHECK_MSG(q.hash == m.hash, "the progress report changed the model");
            tr_model_free(&q);
            o.verbose = 1;
        }
        tr_model_free(&m);
    }
    /* no validation part: no validation figures */
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    o.progress_out = f;
    o.progress_bar = 0;
    o.val_frac = 0;
    o.qat_epochs = 0;
    o.class_weights = 0;
    REQUIRE(tr_train(&ds, &o, &m, err, sizeof err) == 0);
    slurp(f, out, sizeof out);
    fclose(f);
    CHECK_MSG(strstr(out, "epoch 4 loss") && !strstr(out, "val_acc"), "without validation: %.300s", out);
    o.verbose = 0;
    /* class weights (the default): another model */
    o.class_weights = 1;
    REQUIRE(tr_train(&ds, &o, &w, err, sizeof err) == 0);
    CHECK_MSG(w.hash != m.hash, "class weights did not change the model");
    /* float probabilities */
    struct tr_windows tw;
    REQUIRE(tr_make_windows(&m, &ds, TR_TRAINING, &tw, err, sizeof err) == 0);
    for (int i = 0; i < tw.n; i++) {
        float p[2];
        int c = tr_predict_float(&m, tw.x + (size_t)i * tw.n_feat, p);
        CHECK_MSG(fabsf(p[0] + p[1] - 1) < 1e-5f && p[c] >= p[1 - c] && p[0] >= 0 && p[1] >= 0, "window %d: %g %g, class %d",
                  i, p[0], p[1], c);
        CHECK_EQ(tr_predict_float(&m, tw.x + (size_t)i * tw.n_feat, NULL), c);
    }
    tr_windows_free(&tw);
    tr_model_free(&w);
    tr_model_free(&m);
    o.class_weights = 0;
    o.n_hidden = 1;
    o.hidden[0] = 2000;
    err[0] = 0;
    CHECK_MSG(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "training failed (layer too wide?)"), "%s", err);
    free_set(r, N);
}

/* |H(e^{jw})| of the model's biquad cascade. */
static double gain(const struct imu_feat_config *f, double w)
{
    double g = 1;
    for (int s = 0; s < f->n_sections; s++) {
        const float *q = f->sos[s];
        double c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
        double nr = q[0] + q[1] * c1 + q[2] * c2, ni = -(q[1] * s1 + q[2] * s2);
        double dr = 1 + q[3] * c1 + q[4] * c2, di = -(q[3] * s1 + q[4] * s2);
        g *= sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
    }
    return g;
}

/* Butterworth low- and high-pass of order 2 and 4: 1 in the pass band, 1/sqrt(2) at the cut-off,
 * 0 at the other end, monotonic. */
static void test_filters(void)
{
    enum { N = 6 };
    struct tr_recording r[N];
    make_set(r, N);
    struct tr_dataset ds = {N, r};
    const double fs = 100, fc = 10, wc = 2 * M_PI * fc / fs;
    for (int type = 1; type <= 2; type++)
        for (int order = 2; order <= 4; order += 2) {
            struct tr_options o;
            tr_options_default(&o);
            o.filter = type;
            o.filter_hz = (float)fc;
            o.filter_order = order;
            struct tr_model m;
            char err[256];
            REQUIRE(tr_setup_model(&ds, &o, &m, err, sizeof err) == 0);
            CHECK_EQ(m.feat.n_sections, order / 2);
            double pass = gain(&m.feat, type == 1 ? 0 : M_PI), stop = gain(&m.feat, type == 1 ? M_PI : 0);
            double cut = gain(&m.feat, wc);
            CHECK_MSG(fabs(pass - 1) < 1e-5, "type %d order %d: pass-band gain %g", type, order, pass);
            CHECK_MSG(stop < 1e-5, "type %d order %d: stop-band gain %g", type, order, stop);
            CHECK_MSG(fabs(cut - M_SQRT1_2) < 1e-4, "type %d order %d: gain at the cut-off %g", type, order, cut);
            /* a steeper slope for order 4: an octave into the stop band */
            double oct = gain(&m.feat, type == 1 ? 2 * wc : wc / 2);
            CHECK_MSG(oct < (order == 2 ? 0.3 : 0.07), "type %d order %d: gain an octave out %g", type, order, oct);
            tr_model_free(&m);
        }
    free_set(r, N);
}

static void test_detmath(void)
{
    double worst = 0;
    for (int i = -2000; i <= 2000; i++) {
        double x = i * 0.00731;
        double e1 = fabs(tr_sin(x) - sin(x)), e2 = fabs(tr_cos(x) - cos(x));
        worst = e1 > worst ? e1 : worst;
        worst = e2 > worst ? e2 : worst;
        if (fabs(cos(x)) > 0.05) {
            double e3 = fabs(tr_tan(x) - tan(x)) / (1 + fabs(tan(x)));
            worst = e3 > worst ? e3 : worst;
        }
    }
    CHECK_MSG(worst < 1e-12, "sin/cos/tan differ from libm by %g", worst);
    worst = 0;
    for (double x = 1e-300; x < 1e300; x *= 7.77) {
        double e = fabs(tr_log(x) - log(x)) / (1 + fabs(log(x)));
        worst = e > worst ? e : worst;
    }
    CHECK_MSG(worst < 1e-14, "log differs from libm by %g", worst);
    CHECK(tr_log(0) < -700 && tr_log(-1) < -700);
    float fw = 0;
    for (float x = -80; x < 80; x += 0.37f) {
        float e = fabsf(tr_expf(x) - expf(x)) / expf(x);
        fw = e > fw ? e : fw;
    }
    CHECK_MSG(fw < 1e-6f, "expf differs from libm by %g", (double)fw);
    CHECK(tr_expf(-100) == 0 && tr_expf(NAN) == 0 && isfinite(tr_expf(1000)));
}

/* Augmented copies: (copies + 1) windows per window, the same for the same seed, rotations that
 * keep lengths and angles. */
static void test_augmentation(void)
{
    uint64_t s = 42;
    for (int k = 0; k < 200; k++) {
        float R[9];
        tr_random_rotation(&s, 15, R);
        double det = R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) +
                     R[2] * (R[3] * R[7] - R[4] * R[6]);
        double off = 0, tr = R[0] + R[4] + R[8];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double d = R[i * 3] * R[j * 3] + R[i * 3 + 1] * R[j * 3 + 1] + R[i * 3 + 2] * R[j * 3 + 2];
                off = fmax(off, fabs(d - (i == j)));
            }
        /* trace = 1 + 2 cos(angle): at most 15 degrees */
        CHECK_MSG(fabs(det - 1) < 1e-5 && off < 1e-5 && tr >= 1 + 2 * cos(15 * M_PI / 180) - 1e-5,
                  "rotation %d: det %g, R R^T off by %g, trace %g", k, det, off, tr);
    }
    enum { N = 6 };
    struct tr_recording r[N];
    make_set(r, N);
    struct tr_dataset ds = {N, r};
    struct tr_options o;
    tr_options_default(&o);
    struct tr_model m;
    char err[256];
    REQUIRE(tr_setup_model(&ds, &o, &m, err, sizeof err) == 0);
    struct tr_windows plain, a1, a2;
    REQUIRE(tr_make_windows(&m, &ds, TR_TRAINING, &plain, err, sizeof err) == 0);
    o.aug_copies = 2;
    o.aug_scale = 0.1f;
    o.aug_rotate_deg = 10;
    o.aug_shift_ms = 50;
    o.aug_noise = 0.05f;
    REQUIRE(tr_make_windows_aug(&m, &ds, TR_TRAINING, &o, &a1, err, sizeof err) == 0);
    REQUIRE(tr_make_windows_aug(&m, &ds, TR_TRAINING, &o, &a2, err, sizeof err) == 0);
    CHECK_MSG(a1.n == 3 * plain.n, "%d augmented windows from %d", a1.n, plain.n);
    CHECK(a1.n == a2.n && memcmp(a1.x, a2.x, sizeof(float) * (size_t)a1.n * (size_t)a1.n_feat) == 0);
    int differ = 0;
    for (int i = 0; i < a1.n * a1.n_feat && plain.n; i++)
        differ += i >= plain.n * plain.n_feat || a1.x[i] != plain.x[i];
    CHECK_MSG(differ > 0, "augmentation changed nothing");
    /* time warp reaches the copies (not the plain windows), deterministically */
    struct tr_windows w1, w2;
    o.aug_warp = 0.3f;
    REQUIRE(tr_make_windows_aug(&m, &ds, TR_TRAINING, &o, &w1, err, sizeof err) == 0);
    REQUIRE(tr_make_windows_aug(&m, &ds, TR_TRAINING, &o, &w2, err, sizeof err) == 0);
    CHECK(w1.n == a1.n && memcmp(w1.x, w2.x, sizeof(float) * (size_t)w1.n * (size_t)w1.n_feat) == 0);
    /* per recording: its plain windows (c = 0) first, then the copies; the plain ones stay */
    int warped = 0, plain_same = 1;
    for (int i = 0, j = 0; i < w1.n; i++) {
        const size_t fb = sizeof(float) * (size_t)w1.n_feat;
        const int is_plain = j < plain.n && plain.rec[j] == w1.rec[i] &&
                             memcmp(a1.x + (size_t)i * a1.n_feat, plain.x + (size_t)j * plain.n_feat, fb) == 0;
        if (is_plain) {
            plain_same &= memcmp(w1.x + (size_t)i * w1.n_feat, plain.x + (size_t)j * plain.n_feat, fb) == 0;
            j++;
        } else {
            warped += memcmp(w1.x + (size_t)i * w1.n_feat, a1.x + (size_t)i * a1.n_feat, fb) != 0;
        }
    }
    CHECK_MSG(warped > 0 && plain_same, "time warp changed %d copies, plain windows kept: %d", warped, plain_same);
    tr_windows_free(&w1);
    tr_windows_free(&w2);
    o.aug_warp = 0;
    /* a whole training run with augmentation is deterministic too */
    o.epochs = 5;
    struct tr_model t1, t2;
    REQUIRE(tr_train(&ds, &o, &t1, err, sizeof err) == 0);
    REQUIRE(tr_train(&ds, &o, &t2, err, sizeof err) == 0);
    CHECK(t1.hash == t2.hash && t1.n_train == 3 * plain.n);
    tr_model_free(&t1);
    tr_model_free(&t2);
    tr_windows_free(&plain);
    tr_windows_free(&a1);
    tr_windows_free(&a2);
    tr_model_free(&m);
    free_set(r, N);
}

/* The report: an SVG naming the labels, with the confusion counts; an unwritable path fails. */
static void test_plot(const char *dir)
{
    enum { N = 6 };
    struct tr_recording r[N];
    make_set(r, N);
    r[0].label = r[2].label = r[4].label = "<a&b>";
    struct tr_dataset ds = {N, r};
    struct tr_options o;
    tr_options_default(&o);
    o.epochs = 8;
    o.val_frac = 0.25f;
    struct tr_model m;
    char err[256], path[600];
    REQUIRE(tr_train(&ds, &o, &m, err, sizeof err) == 0);
    int conf[4] = {17, 2, 3, 19};
    snprintf(path, sizeof path, "%s/test_setup_plot.svg", dir);
    CHECK(tr_plot_svg(&m, conf, path) == 0);
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    CHECK_MSG(strncmp(buf, "<svg", 4) == 0 || strstr(buf, "<svg ") != NULL, "not an SVG: %.60s", buf);
    CHECK(strstr(buf, "</svg>") != NULL);
    CHECK_MSG(strstr(buf, "&lt;a&amp;b&gt;") != NULL || strstr(buf, "&lt;a&b&gt;") != NULL, "label not escaped");
    CHECK(strstr(buf, "<a&b>") == NULL);
    CHECK(strstr(buf, ">19<") != NULL && strstr(buf, ">17<") != NULL);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "command -v xmllint >/dev/null || exit 0; xmllint --noout '%s'", path);
    CHECK_MSG(system(cmd) == 0, "xmllint refuses %s", path);
    unlink(path);
    CHECK(tr_plot_svg(&m, conf, "/nonexistent-dir/x.svg") != 0);
    tr_model_free(&m);
    free_set(r, N);
}

/* Every "x,y " point of the polylines of an SVG with stroke color; returns how many, -1 when one is
 * outside [x0, x0 + w] x [y0, y0 + h]. */
static int curve_points(const char *svg, const char *color, double x0, double y0, double w, double h, double *first_x)
{
    char key[64];
    snprintf(key, sizeof key, "stroke=\"%s\" stroke-width=\"1.5\" points=\"", color);
    const char *p = strstr(svg, key);
    if (!p)
        return 0;
    p += strlen(key);
    int n = 0;
    double x, y;
    int used;
    while (sscanf(p, "%lf,%lf %n", &x, &y, &used) == 2) {
        if (n == 0 && first_x)
            *first_x = x;
        if (x < x0 - 0.05 || x > x0 + w + 0.05 || y < y0 - 0.05 || y > y0 + h + 0.05)
            return -1;
        n++;
        p += used;
    }
    return n;
}

/* The report's curves stay inside their 380 x 300 frame at (50, 40) whatever the values (a flat
 * loss, accuracies outside 0..1 from a damaged model.json), one epoch sits in the middle, no
 * validation curve without a validation part; labels with quotes and '>' are escaped. */
static void test_plot_edges(const char *dir)
{
    struct tr_model m;
    memset(&m, 0, sizeof m);
    char a[] = "say \"hi\"", b[] = "x>y";
    m.n_labels = 2;
    m.labels[0] = a;
    m.labels[1] = b;
    float loss[3] = {0, 0, 0}, tacc[3] = {-0.5f, 0.5f, 1.5f}, vacc[3] = {-1, -1, -1};
    m.curve_loss = loss;
    m.curve_train_acc = tacc;
    m.curve_val_acc = vacc;
    m.n_epochs = 3;
    int conf[4] = {0, 0, 0, 0};
    char path[600], buf[16384];
    snprintf(path, sizeof path, "%s/test_setup_edges.svg", dir);
    for (int round = 0; round < 2; round++) {
        REQUIRE(tr_plot_svg(&m, conf, path) == 0);
        FILE *f = fopen(path, "r");
        REQUIRE(f != NULL);
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
        double fx = -1;
        int nl = curve_points(buf, "#d62728", 50, 40, 380, 300, NULL), nt = curve_points(buf, "#1f77b4", 50, 40, 380, 300, NULL);
        int nv = curve_points(buf, "#2ca02c", 50, 40, 380, 300, &fx);
        if (round == 0) {
            CHECK_MSG(nl == 3 && nt == 3, "3 epochs: loss %d points, training accuracy %d (-1: outside the frame)", nl, nt);
            CHECK_MSG(nv == 0, "a validation curve without validation (%d points)", nv);
            CHECK_MSG(strstr(buf, "say &quot;hi&quot;") && strstr(buf, "x&gt;y") && !strstr(buf, "x>y"),
                      "labels not escaped");
            /* a flat loss is drawn at mid height */
            CHECK_MSG(strstr(buf, "points=\"50.0,190.0 "), "flat loss not at mid height");
        } else {
            CHECK_MSG(nl == 1 && nt == 1 && nv == 1 && fx == 50 + 190, "one epoch: %d %d %d points, x %g (want the middle, 240)",
                      nl, nt, nv, fx);
        }
        m.n_epochs = 1;
        vacc[0] = 0.75f;
    }
    unlink(path);
}

/* Time warp (trainer/augment.c): amount 0 is the identity; the first and last samples stay; a
 * rising ramp stays non-decreasing and a falling one non-increasing (the order of events never
 * changes, so a gesture and its time-reversal stay apart); values stay within the input's range;
 * the same rng state gives the same output, another one another; the pace of each piece is within
 * 1 +- amount (the middle sample of a ramp moves by at most amount of the length). */
static void test_time_warp(void)
{
    enum { N = 64, NA = 2 };
    int16_t in[N * NA], out[N * NA], out2[N * NA];
    for (int t = 0; t < N; t++) { in[t * NA] = (int16_t)(t * 100); in[t * NA + 1] = (int16_t)(-t * 50 + 7); }
    uint64_t r1 = 42, r2 = 42, r3 = 43;
    tr_aug_time_warp(in, N, NA, 0.0f, &r1, out);
    CHECK_MSG(memcmp(in, out, sizeof in) == 0, "warp 0 is not the identity");
    int moved = 0;
    for (int rep = 0; rep < 50; rep++) {
        r2 = r1;
        tr_aug_time_warp(in, N, NA, 0.3f, &r1, out);
        tr_aug_time_warp(in, N, NA, 0.3f, &r2, out2);
        CHECK_MSG(memcmp(out, out2, sizeof out) == 0, "the same rng state gave another warp");
        CHECK_MSG(out[0] == in[0] && out[1] == in[1] && out[(N - 1) * NA] == in[(N - 1) * NA] &&
                  out[(N - 1) * NA + 1] == in[(N - 1) * NA + 1], "first or last sample moved");
        for (int t = 1; t < N; t++) {
            CHECK_MSG(out[t * NA] >= out[(t - 1) * NA] && out[t * NA + 1] <= out[(t - 1) * NA + 1],
                      "warp %d reversed time at %d", rep, t);
            CHECK_MSG(out[t * NA] >= 0 && out[t * NA] <= 6300, "value %d out of the input's range", out[t * NA]);
        }
        /* the middle sample: at most 0.3 * 63 / 2 positions (+1 rounding) from where it was */
        const int mid = out[(N / 2) * NA] / 100 - N / 2;
        CHECK_MSG(mid >= -10 && mid <= 10, "warp %d moved the middle by %d samples", rep, mid);
        moved += mid != 0;
    }
    CHECK_MSG(moved > 10, "the warp hardly moves anything (%d of 50)", moved);
    tr_aug_time_warp(in, N, NA, 0.3f, &r3, out2);
    r1 = 42;
    tr_aug_time_warp(in, N, NA, 0.3f, &r1, out);
    CHECK_MSG(memcmp(out, out2, sizeof out) != 0, "seeds 42 and 43 gave the same warp");
    int16_t one[2] = {5, -5}, o1[2];
    tr_aug_time_warp(one, 1, 2, 0.3f, &r1, o1);
    CHECK_MSG(o1[0] == 5 && o1[1] == -5, "one sample");
}

int main(int argc, char **argv)
{
    test_parse_hidden();
    test_refusals();
    test_data_edges();
    test_training_output();
    test_filters();
    test_detmath();
    test_augmentation();
    test_time_warp();
    test_plot(argc > 1 ? argv[1] : "/tmp");
    test_plot_edges(argc > 1 ? argv[1] : "/tmp");
    return check_report("test_setup");
}
