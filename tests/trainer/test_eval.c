/* SPDX-License-Identifier: MIT */
/* test_eval -- honest evaluation (trainer/evaluate.c) and the mode choice (trainer/data.c), on small
 * made-up datasets whose answers are known:
 *  1. tr_warnings: the 9 Hz / 1000 ms case (9-sample windows: FFT of 16 longer than the window),
 *     windows longer than most recordings, a class with fewer than 10 examples, no subject and one
 *     subject; none of them on a clean set-up;
 *  2. tr_confused_pairs: largest off-diagonal counts first, diagonal ignored;
 *  3. tr_evaluate_recordings: in continuous mode a recording's windows vote (checked against the
 *     int8 predictions of the same windows counted here), in gesture mode every example counts;
 *  4. the mode: auto picks gesture for short recordings and continuous for long ones, and says why;
 *  5. gesture_trim: a one-gesture recording (rest, motion, rest) is cut to where it moves; without
 *     it the whole recording is the example.
 *  6. tr_warnings' sources of the example counts (the training windows: recordings, not windows;
 *     an untrained model: the training recordings of the data), its max (the count goes on, the
 *     lines stop), the singular "1 testing recording ... is", the gesture-mode FFT wording and the
 *     advice when the window is shorter than any FFT; tr_recordings_without_examples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "trainer.h"


/* n recordings per label (2 labels), len samples at rate; label 'b' is a faster sine. */
struct set {
    struct tr_recording rec[64];
    float *v[64];
    struct tr_dataset ds;
};

static void make(struct set *s, int per_label, int len, double rate, const char *subject_a, const char *subject_b)
{
    memset(s, 0, sizeof *s);
    int n = 0;
    uint32_t rng = 1;
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < per_label && n < 64; k++, n++) {
            float *v = malloc(sizeof(float) * 3 * (size_t)len);
            for (int t = 0; t < len; t++)
                for (int a = 0; a < 3; a++) {
                    rng = rng * 1664525u + 1013904223u;
                    float noise = (float)(rng >> 8) / 16777216.0f * 0.1f;
                    /* a triangle wave: period 8 samples for 'a', 4 for 'b' */
                    int p = l ? 4 : 8, ph = t % p;
                    float tri = (float)(ph < p / 2 ? ph : p - ph) / (float)(p / 2);
                    v[3 * t + a] = (a == 0 ? tri : 0.2f * tri) + noise;
                }
            struct tr_recording *r = &s->rec[n];
            r->label = l ? "b" : "a";
            r->subject = l ? subject_b : subject_a;
            r->category = k % 4 == 3 ? TR_TESTING : TR_TRAINING;
            r->rate_hz = rate;
            r->n_axes = 3;
            r->axes[0] = "accX"; r->axes[1] = "accY"; r->axes[2] = "accZ";
            r->n_samples = len;
            r->values = v;
            s->v[n] = v;
        }
    s->ds.n = n;
    s->ds.rec = s->rec;
}

static void unmake(struct set *s)
{
    for (int i = 0; i < s->ds.n; i++) free(s->v[i]);
}

static int has(char (*w)[TR_WARN_LEN], int n, const char *what)
{
    for (int k = 0; k < n; k++)
        if (strstr(w[k], what)) return 1;
    return 0;
}

static void warnings(void)
{
    struct set s;
    struct tr_options o;
    struct tr_model m;
    char err[256], w[8][TR_WARN_LEN];
    /* 9 Hz, 5 s recordings, the 1000/500 ms defaults: 9-sample windows, FFT 16; 4 recordings a class */
    make(&s, 4, 45, 9.0, NULL, NULL);
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.verbose = 0;
    CHECK_MSG(tr_train(&s.ds, &o, &m, err, sizeof err) == 0, "train at 9 Hz: %s", err);
    int n = tr_warnings(&m, &s.ds, NULL, w, 8);
    for (int k = 0; k < n && k < 8; k++) printf("9 Hz: warning: %s\n", w[k]);
    CHECK_MSG(m.window_len == 9, "window of %d samples at 9 Hz", m.window_len);
    CHECK_MSG(has(w, n, "FFT of 16 points is longer than the window of 9"), "no FFT warning at 9 Hz");
    CHECK_MSG(has(w, n, "class 'a' has only 3 training recordings"), "no few-examples warning");
    CHECK_MSG(has(w, n, "no subject is recorded"), "no subject warning");
    CHECK_MSG(has(w, n, "use --fft-len 8"), "the FFT warning does not name the fitting length");
    CHECK_MSG(!has(w, n, "are longer than"), "windows of 9 samples in 45-sample recordings called long");
    tr_model_free(&m);
    /* windows longer than the recordings */
    o.window_ms = 10000;
    o.stride_ms = 5000;
    CHECK_MSG(tr_train(&s.ds, &o, &m, err, sizeof err) == 0, "train with 10 s windows: %s", err);
    n = tr_warnings(&m, &s.ds, NULL, w, 8);
    CHECK_MSG(has(w, n, "are longer than 8 of the 8 recordings"), "no warning for windows longer than the recordings");
    tr_model_free(&m);
    unmake(&s);
    /* a clean set-up: 100 Hz, 12 recordings a class of 3 s, two subjects, 1 s windows, FFT 16 */
    make(&s, 16, 300, 100.0, "ann", "bob");
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    CHECK_MSG(tr_train(&s.ds, &o, &m, err, sizeof err) == 0, "train clean: %s", err);
    n = tr_warnings(&m, &s.ds, NULL, w, 8);
    for (int k = 0; k < n && k < 8; k++) printf("clean: unexpected warning: %s\n", w[k]);
    CHECK_MSG(n == 0, "%d warnings on a clean set-up", n);
    /* votes per recording, counted here from the int8 predictions */
    struct tr_windows te;
    CHECK_MSG(tr_make_windows(&m, &s.ds, TR_TESTING, &te, err, sizeof err) == 0, "windows: %s", err);
    int ok = 0, units = 0;
    for (int r = 0; r < te.n;) {
        int votes[2] = {0, 0}, e = r;
        while (e < te.n && te.rec[e] == te.rec[r]) votes[tr_predict_int8(&m, te.x + (size_t)e++ * te.n_feat, NULL)]++;
        if (votes[0] != votes[1]) { ok += (votes[1] > votes[0]) == te.y[r]; units++; }
        else units = -1000; /* a tie: the test data should not have one */
        r = e;
    }
    int nu = 0, conf[4];
    double acc = tr_evaluate_recordings(&m, &te, conf, &nu);
    CHECK_MSG(units == 8 && nu == 8 && acc == (double)ok / units, "recording votes: %d units (want 8), accuracy %.4f vs %.4f",
          nu, acc, units > 0 ? (double)ok / units : -1);
    CHECK_MSG(conf[0] + conf[1] + conf[2] + conf[3] == 8, "recording confusion does not sum to 8");
    tr_windows_free(&te);
    tr_model_free(&m);
    /* one subject */
    for (int i = 0; i < s.ds.n; i++) s.rec[i].subject = "ann";
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    CHECK_MSG(tr_train(&s.ds, &o, &m, err, sizeof err) == 0, "train: %s", err);
    n = tr_warnings(&m, &s.ds, NULL, w, 8);
    CHECK_MSG(n == 1 && has(w, n, "one subject only (ann)"), "one subject: %d warnings", n);
    tr_model_free(&m);
    /* the mode: 3 s recordings are gestures by default, with a 2 s longest gesture they are not */
    tr_options_default(&o);
    CHECK_MSG(tr_train(&s.ds, &o, &m, err, sizeof err) == 0, "train auto: %s", err);
    CHECK_MSG(m.mode == TR_MODE_GESTURE && strstr(m.mode_reason, "median training recording lasts 3000 ms"),
          "auto mode on 3 s recordings: %d (%s)", m.mode, m.mode_reason);
    CHECK_MSG(m.n_test == 8 && m.n_rec_units == 8, "gesture mode: %d testing examples, %d units (want 8, 8)", m.n_test, m.n_rec_units);
    tr_model_free(&m);
    /* gesture mode over recordings with no motion: the testing ones that give no gesture are named */
    {
        struct set q;
        make(&q, 8, 1000, 100.0, "ann", "bob");
        for (int i = 0; i < q.ds.n; i++)
            if (q.rec[i].category == TR_TESTING && q.rec[i].label[0] == 'a')
                for (int t = 0; t < 3 * 1000; t++) q.v[i][t] = 0.5f; /* flat: no gesture */
        tr_options_default(&o);
        o.mode = TR_MODE_GESTURE;
        o.gesture_max_ms = 2000; /* 10 s recordings are segmented */
        CHECK_MSG(tr_train(&q.ds, &o, &m, err, sizeof err) == 0, "train gesture: %s", err);
        n = tr_warnings(&m, &q.ds, NULL, w, 8);
        CHECK_MSG(m.n_test_skipped == 2 && has(w, n, "2 testing recordings gave no gesture"),
              "flat testing recordings not named (%d skipped)", m.n_test_skipped);
        tr_model_free(&m);
        unmake(&q);
    }
    tr_options_default(&o);
    o.gesture_max_ms = 2000;
    CHECK_MSG(tr_train(&s.ds, &o, &m, err, sizeof err) == 0, "train auto: %s", err);
    CHECK_MSG(m.mode == TR_MODE_CONTINUOUS, "auto mode with a 2 s longest gesture: %d (%s)", m.mode, m.mode_reason);
    tr_model_free(&m);
    unmake(&s);
}

static void pairs(void)
{
    const int conf[9] = {5, 2, 0, /* row a */ 7, 9, 1, /* row b */ 0, 2, 50};
    int t[5], p[5], c[5];
    int n = tr_confused_pairs(conf, 3, t, p, c, 5);
    CHECK_MSG(n == 4, "%d confused pairs (want 4)", n);
    CHECK_MSG(t[0] == 1 && p[0] == 0 && c[0] == 7, "first pair %d->%d (%d)", t[0], p[0], c[0]);
    CHECK_MSG(c[1] == 2 && c[2] == 2 && c[3] == 1, "counts %d %d %d", c[1], c[2], c[3]);
    CHECK_MSG(tr_confused_pairs(conf, 3, t, p, c, 1) == 1, "max not honoured");
}

static void trim(void)
{
    struct set s;
    make(&s, 16, 500, 100.0, "ann", "bob");
    /* rest outside samples 100..199 of every recording, at the motion's mean (the triangle's:
     * 0.5 on x, 0.1 on y and z), as a hand that comes back to where it started */
    for (int i = 0; i < s.ds.n; i++)
        for (int t = 0; t < 500; t++)
            if (t < 100 || t >= 200)
                for (int a = 0; a < 3; a++) s.v[i][3 * t + a] = a == 0 ? 0.5f : 0.1f;
    for (int tr = 0; tr <= 1; tr++) {
        struct tr_options o;
        struct tr_model m;
        char err[256];
        tr_options_default(&o);
        o.mode = TR_MODE_GESTURE;
        o.gesture_trim = tr;
        CHECK_MSG(tr_setup_model(&s.ds, &o, &m, err, sizeof err) == 0, "setup: %s", err);
        int16_t q[500 * 3];
        float sc[3] = {m.in_scale[0], m.in_scale[1], m.in_scale[2]};
        tr_quantize_samples(s.v[0], 500, 3, sc, q);
        int st = -1, ln = -1;
        int n = tr_examples(&m, q, 500, &st, &ln, 1);
        printf("trim %d: example %d + %d\n", tr, st, ln);
        /* the end: the hold time (20 samples) after the motion level, whose baseline needs about
         * two of its 0.5 s time constants to settle, falls below the offset level */
        if (tr) CHECK_MSG(n == 1 && st >= 100 && st <= 106 && st + ln >= 220 && st + ln <= 350, "trimmed example %d + %d (motion 100..199)", st, ln);
        else CHECK_MSG(n == 1 && st == 0 && ln == 500, "untrimmed example %d + %d (want the whole 500)", st, ln);
        tr_model_free(&m);
    }
    unmake(&s);
}

static void warning_sources(void)
{
    struct set s;
    struct tr_options o;
    struct tr_model m;
    char err[256], w[8][TR_WARN_LEN];
    /* 4 recordings a class, 3 of them training, 300 samples: 5 windows each */
    make(&s, 4, 300, 100.0, "ann", "bob");
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    REQUIRE(tr_setup_model(&s.ds, &o, &m, err, sizeof err) == 0);
    struct tr_windows tw;
    REQUIRE(tr_make_windows(&m, &s.ds, TR_TRAINING, &tw, err, sizeof err) == 0);
    CHECK_MSG(tw.n == 6 * 5, "%d training windows (want 30)", tw.n);
    /* from the windows: a class's examples are its recordings (3), not its windows (15) */
    int n = tr_warnings(&m, &s.ds, &tw, w, 8);
    CHECK_MSG(n == 2 && has(w, n, "class 'a' has only 3 training recordings") &&
              has(w, n, "class 'b' has only 3 training recordings"), "from the windows: %d warnings, '%s'", n, w[0]);
    /* a set-up model (nothing trained, no counts): from the training recordings of the data */
    n = tr_warnings(&m, &s.ds, NULL, w, 8);
    CHECK_MSG(n == 2 && has(w, n, "class 'b' has only 3 training recordings"), "from the data: %d warnings", n);
    /* max 1: all are counted, one line is written, the next is untouched */
    memset(w, 0, sizeof w);
    n = tr_warnings(&m, &s.ds, &tw, w, 1);
    CHECK_MSG(n == 2 && strstr(w[0], "class 'a'") && w[1][0] == 0, "max 1: %d, second line '%s'", n, w[1]);
    /* one testing recording without an example: singular */
    m.n_test_skipped = 1;
    n = tr_warnings(&m, &s.ds, &tw, w, 8);
    CHECK_MSG(has(w, n, "1 testing recording gave no window and is not counted"), "singular: %d warnings", n);
    m.n_test_skipped = 0;
    /* every recording has windows; a recording the windows do not name has none */
    CHECK_EQ(tr_recordings_without_examples(&s.ds, &tw, TR_TRAINING), 0);
    tw.n -= 5; /* the last training recording's windows */
    CHECK_EQ(tr_recordings_without_examples(&s.ds, &tw, TR_TRAINING), 1);
    CHECK_EQ(tr_recordings_without_examples(&s.ds, &tw, TR_TESTING), 2);
    tw.n += 5;
    tr_windows_free(&tw);
    tr_model_free(&m);
    /* gesture mode, spectral features with an FFT longer than the resampled gesture */
    tr_options_default(&o);
    o.mode = TR_MODE_GESTURE;
    o.feat_auto = 0;
    o.feat_flags = IMU_FEAT_STATS | IMU_FEAT_SPECTRAL;
    o.gesture_points = 24;
    o.fft_len = 32;
    REQUIRE(tr_setup_model(&s.ds, &o, &m, err, sizeof err) == 0);
    /* the set-up shortens a gesture's FFT to the resampled gesture: no warning then */
    CHECK_MSG(m.feat.fft_len == 16, "gesture FFT of %d points for 24-point gestures (want 16)", m.feat.fft_len);
    n = tr_warnings(&m, &s.ds, NULL, w, 8);
    CHECK_MSG(!has(w, n, "FFT"), "an FFT warning after the set-up shortened it: %d warnings", n);
    m.feat.fft_len = 32; /* as given */
    n = tr_warnings(&m, &s.ds, NULL, w, 8);
    CHECK_MSG(has(w, n, "longer than the resampled gesture of 24 samples") && has(w, n, "use --fft-len 16"),
              "gesture FFT: %d warnings, '%s'", n, w[0]);
    /* a window shorter than any FFT (only a hand-made model has one: the set-up refuses windows
     * under 8 samples): the advice is longer windows or no spectral features */
    m.feat.window_len = 6;
    m.feat.fft_len = 8;
    n = tr_warnings(&m, &s.ds, NULL, w, 8);
    CHECK_MSG(has(w, n, "use longer windows or no spectral features, not --fft-len 8"), "6-sample windows: '%s'",
              n ? w[0] : "");
    tr_model_free(&m);
    unmake(&s);
}

int main(void)
{
    warning_sources();
    trim();
    warnings();
    pairs();
    return check_report("test_eval");
}
