/* SPDX-License-Identifier: MIT */
/* test_train -- training on the shared dataset (accuracy targets, determinism, export/load round
 * trip) and the refusals on bad input. Usage: test_train [DATASET_DIR] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ei_load.h"
#include "trainer.h"

static int fails;
#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "FAIL " __VA_ARGS__); fputc('\n', stderr); fails++; } } while (0)

static float *synth(int n, int na, float freq, float amp)
{
    float *v = malloc(sizeof(float) * n * na);
    for (int t = 0; t < n; t++)
        for (int a = 0; a < na; a++) v[t * na + a] = amp * sinf(freq * t + a) + 0.01f * (float)((t * 7 + a) % 5);
    return v;
}

static void bad_inputs(void)
{
    struct tr_options o;
    tr_options_default(&o);
    o.epochs = 2;
    struct tr_model m;
    char err[256];
    struct tr_dataset ds = {0, NULL};
    CHECK(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "no recordings"), "empty: %s", err);
    struct tr_recording r[4];
    memset(r, 0, sizeof r);
    const char *ax[3] = {"x", "y", "z"};
    for (int i = 0; i < 4; i++) {
        r[i].label = i % 2 ? "b" : "a";
        r[i].category = i < 2 ? TR_TRAINING : TR_TESTING;
        r[i].rate_hz = 100;
        r[i].n_axes = 3;
        for (int a = 0; a < 3; a++) r[i].axes[a] = ax[a];
        r[i].n_samples = 300;
        r[i].values = synth(300, 3, i % 2 ? 0.5f : 0.1f, 1.0f);
    }
    ds.rec = r;
    ds.n = 4;
    int rc = tr_train(&ds, &o, &m, err, sizeof err);
    CHECK(rc == 0, "good synthetic set refused: %s", err);
    if (rc == 0) tr_model_free(&m);
    r[1].label = "a";
    r[3].label = "a";
    CHECK(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "one label"), "single label: %s", err);
    r[1].label = "b";
    r[3].label = "a";
    CHECK(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "'b' has no testing"), "no testing: %s", err);
    r[3].label = "b";
    r[2].rate_hz = 50;
    CHECK(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "different sample rates"), "rates: %s", err);
    r[2].rate_hz = 100;
    r[2].axes[2] = "w";
    CHECK(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "different axes"), "axes: %s", err);
    r[2].axes[2] = "z";
    ((float *)r[0].values)[17] = NAN;
    CHECK(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "NaN"), "NaN: %s", err);
    ((float *)r[0].values)[17] = INFINITY;
    CHECK(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "infinite"), "inf: %s", err);
    ((float *)r[0].values)[17] = 0;
    /* short recordings are zero-padded to one window each; 2 windows for 2 labels is fine, but a
     * third label with only testing data is not */
    r[0].n_samples = 10;
    rc = tr_train(&ds, &o, &m, err, sizeof err);
    CHECK(rc == 0, "short recording refused: %s", err);
    if (rc == 0) tr_model_free(&m);
    r[2].label = "c";
    CHECK(tr_train(&ds, &o, &m, err, sizeof err) == -1 && strstr(err, "'c'"), "unknown test label: %s", err);
    for (int i = 0; i < 4; i++) free((void *)r[i].values);
}

int main(int argc, char **argv)
{
    bad_inputs();
    const char *dir = argc > 1 ? argv[1] : NULL;
    if (!dir || access(dir, R_OK)) {
        printf("test_train: shared dataset not found, bad-input checks only (%d failures)\n", fails);
        return fails ? 1 : 0;
    }
    struct ei_data d;
    if (ei_load_dir(dir, &d)) return 1;
    struct tr_options o;
    tr_options_default(&o);
    struct tr_model m, m2, m3;
    char err[256];
    CHECK(tr_train(&d.ds, &o, &m, err, sizeof err) == 0, "train: %s", err);
    printf("shared dataset: %d/%d windows, %d features, float %.4f int8 %.4f, fit %.3f s\n", m.n_train, m.n_test,
           m.n_feat, m.acc_float, m.acc_int8, m.train_seconds);
    CHECK(m.n_train == 1368 && m.n_test == 456, "windows %d/%d (want 1368/456)", m.n_train, m.n_test);
    CHECK(m.acc_float >= 0.93, "float accuracy %.4f < 0.93", m.acc_float);
    CHECK(m.acc_int8 >= 0.92, "int8 accuracy %.4f < 0.92", m.acc_int8);
    CHECK(tr_train(&d.ds, &o, &m2, err, sizeof err) == 0 && m2.hash == m.hash, "not deterministic for one seed");
    /* export and load: the same model, bit for bit */
    char tmpl[] = "/tmp/test_train.XXXXXX";
    CHECK(mkdtemp(tmpl) != NULL, "mkdtemp");
    CHECK(tr_export(&m, tmpl, err, sizeof err) == 0, "export: %s", err);
    CHECK(tr_load(&m3, tmpl, err, sizeof err) == 0, "load: %s", err);
    if (!fails) {
        CHECK(m3.hash == m.hash, "hash after load %08x vs %08x", m3.hash, m.hash);
        struct tr_windows te;
        CHECK(tr_make_windows(&m3, &d.ds, TR_TESTING, &te, err, sizeof err) == 0, "windows: %s", err);
        int same = 0;
        for (int r = 0; r < te.n; r++) {
            int8_t a[TR_MAX_LABELS], b[TR_MAX_LABELS];
            tr_predict_int8(&m, te.x + (size_t)r * te.n_feat, a);
            tr_predict_int8(&m3, te.x + (size_t)r * te.n_feat, b);
            same += memcmp(a, b, (size_t)m.n_labels) == 0 &&
                    tr_predict_float(&m, te.x + (size_t)r * te.n_feat, NULL) == tr_predict_float(&m3, te.x + (size_t)r * te.n_feat, NULL);
        }
        CHECK(same == te.n, "loaded model differs on %d windows", te.n - same);
        CHECK(fabs(tr_evaluate(&m3, &te, 1, NULL) - m.acc_int8) < 1e-12, "int8 accuracy after load");
        tr_windows_free(&te);
        tr_model_free(&m3);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    if (system(cmd)) fails++;
    tr_model_free(&m);
    tr_model_free(&m2);
    ei_free(&d);
    printf("test_train: %d failures\n", fails);
    return fails ? 1 : 0;
}
