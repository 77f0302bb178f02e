/* SPDX-License-Identifier: MIT */
/* test_anomaly_api -- the anomaly model's interface around its main path (trainer/anomaly.c),
 * on made-up data whose answers are known (test_anomaly has the main path on the shared dataset):
 *  1. method names and their parsing, both ways; unknown names are -1;
 *  2. tr_anomaly_fit_vectors refuses bad arguments, fits k-means centroids on the clusters of
 *     well-separated data (each centroid on one cluster's mean, within rounding), asks for more
 *     centroids than vectors with one per vector, and gives a Gaussian whose score is smallest at
 *     its centroids;
 *  3. tr_auc: 1 when every anomaly scores above every normal window, 0 below, 1/2 for ties, 0
 *     without one of the two sets;
 *  4. tr_anomaly_fit's refusals (a layer the network does not have, too few windows for the
 *     centroids, a single training recording) each name the problem; method none clears it;
 *  5. tr_dataset_known moves testing recordings of unknown labels out of testing, and
 *     tr_unknown_windows gives exactly their windows, labelled -1;
 *  6. portable/anomaly.c's promises (anomaly.h): the score saturates at UINT32_MAX (512
 *     dimensions at distance 255 with weight 255 sum to 8.5e9; a bias next to the top), the
 *     on-device mean is rounded half away from zero, and imu_anomaly_run scores the vector of the
 *     model's layer on the way through the network (the outputs those of imu_nn_run). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trainer.h"

static void names(void)
{
    const int m[3] = {TR_ANOM_NONE, TR_ANOM_KMEANS, TR_ANOM_GAUSS};
    for (int i = 0; i < 3; i++)
        CHECK_EQ(tr_anomaly_method_parse(tr_anomaly_method_name(m[i])), m[i]);
    CHECK(strcmp(tr_anomaly_method_name(TR_ANOM_GAUSS), "gauss") == 0);
    CHECK(strcmp(tr_anomaly_method_name(TR_ANOM_KMEANS), "kmeans") == 0);
    CHECK(strcmp(tr_anomaly_method_name(77), "none") == 0);
    CHECK_EQ(tr_anomaly_method_parse("Gauss"), -1);
    CHECK_EQ(tr_anomaly_method_parse(""), -1);
}

static void fit_vectors(void)
{
    /* three clusters of 20 vectors in 4 dimensions, at -90, 0 and +90, spread +-3 */
    enum { N = 60, D = 4 };
    int8_t X[N * D];
    for (int r = 0; r < N; r++)
        for (int i = 0; i < D; i++)
            X[r * D + i] = (int8_t)((r % 3 - 1) * 90 + (r * 7 + i * 3) % 7 - 3);
    struct tr_anomaly_model a;
    CHECK_EQ(tr_anomaly_fit_vectors(&a, X, 0, D, TR_ANOM_KMEANS, 3, 1), -1);
    CHECK_EQ(tr_anomaly_fit_vectors(&a, X, N, 0, TR_ANOM_KMEANS, 3, 1), -1);
    CHECK_EQ(tr_anomaly_fit_vectors(&a, X, N, IMU_ANOMALY_MAX_DIM + 1, TR_ANOM_KMEANS, 3, 1), -1);
    CHECK_EQ(tr_anomaly_fit_vectors(&a, X, N, D, TR_ANOM_KMEANS, 0, 1), -1);
    CHECK_EQ(tr_anomaly_fit_vectors(&a, X, N, D, TR_ANOM_NONE, 3, 1), -1);
    REQUIRE(tr_anomaly_fit_vectors(&a, X, N, D, TR_ANOM_KMEANS, 3, 1) == 0);
    CHECK(a.k == 3 && a.n_dim == D && a.weights == NULL && a.bias == NULL && a.method == TR_ANOM_KMEANS);
    int found[3] = {0, 0, 0};
    for (int c = 0; c < 3; c++) {
        const int8_t *k = a.centroids + c * D;
        for (int g = 0; g < 3; g++)
            found[g] += abs(k[0] - (g - 1) * 90) <= 3 && abs(k[3] - (g - 1) * 90) <= 3;
    }
    CHECK_MSG(found[0] == 1 && found[1] == 1 && found[2] == 1, "centroids on the clusters: %d %d %d", found[0], found[1],
              found[2]);
    tr_anomaly_free(&a);
    /* more centroids than vectors: one per vector, each scoring 0 */
    REQUIRE(tr_anomaly_fit_vectors(&a, X, 2, D, TR_ANOM_KMEANS, 8, 1) == 0);
    CHECK_EQ(a.k, 2);
    CHECK(imu_anomaly_score(&a.view, X) == 0 && imu_anomaly_score(&a.view, X + D) == 0);
    tr_anomaly_free(&a);
    /* the Gaussian: a vector at a centroid scores less than one between the clusters */
    REQUIRE(tr_anomaly_fit_vectors(&a, X, N, D, TR_ANOM_GAUSS, 3, 1) == 0);
    CHECK(a.weights != NULL && a.bias != NULL);
    int8_t mid[D] = {45, 45, 45, 45};
    uint32_t at = imu_anomaly_score(&a.view, a.centroids), between = imu_anomaly_score(&a.view, mid);
    CHECK_MSG(at < between, "score at a centroid %u, between clusters %u", at, between);
    tr_anomaly_free(&a);
}

static void auc(void)
{
    const uint32_t lo[4] = {1, 2, 3, 4}, hi[3] = {10, 11, 12}, same[2] = {3, 3};
    CHECK(tr_auc(lo, 4, hi, 3) == 1.0);
    CHECK(tr_auc(hi, 3, lo, 4) == 0.0);
    CHECK(tr_auc(same, 2, same, 2) == 0.5);
    CHECK(fabs(tr_auc(lo, 4, same, 2) - 0.625) < 1e-12); /* 3 is above 1, 2, tied with 3: (2 + 0.5) / 4 */
    CHECK(tr_auc(lo, 0, hi, 3) == 0 && tr_auc(lo, 4, hi, 0) == 0);
}

/* 9 recordings: labels a, b in training (3 each, subjects s0..s2), one testing each of a, b and c. */
static struct tr_recording rec[9];
static float *vals[9];

static void make(void)
{
    static const char *ax[3] = {"x", "y", "z"}, *subj[3] = {"s0", "s1", "s2"};
    const char *lab[9] = {"a", "b", "a", "b", "a", "b", "a", "b", "c"};
    for (int i = 0; i < 9; i++) {
        vals[i] = malloc(sizeof(float) * 300 * 3);
        const float f = lab[i][0] == 'a' ? 0.1f : lab[i][0] == 'b' ? 0.5f : 1.3f;
        for (int t = 0; t < 300; t++)
            for (int a = 0; a < 3; a++) vals[i][t * 3 + a] = sinf(f * (float)t + (float)a + (float)i) + 0.05f * (float)((t + a) % 5);
        memset(&rec[i], 0, sizeof rec[i]);
        rec[i].label = lab[i];
        rec[i].subject = subj[(i / 2) % 3];
        rec[i].category = i < 6 ? TR_TRAINING : TR_TESTING;
        rec[i].rate_hz = 50;
        rec[i].n_axes = 3;
        for (int a = 0; a < 3; a++) rec[i].axes[a] = ax[a];
        rec[i].n_samples = 300;
        rec[i].values = vals[i];
    }
}

static void fit_and_unknown(void)
{
    make();
    struct tr_dataset ds = {9, rec}, known;
    struct tr_recording *copy;
    CHECK_EQ(tr_dataset_known(&ds, &known, &copy), 1);
    CHECK(known.n == 9 && copy[8].category == TR_UNASSIGNED && copy[7].category == TR_TESTING && rec[8].category == TR_TESTING);
    struct tr_options o;
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.n_hidden = 1;
    o.hidden[0] = 6;
    o.epochs = 3;
    o.qat_epochs = 0;
    struct tr_model m;
    char err[256];
    int trc = tr_train(&known, &o, &m, err, sizeof err);
    CHECK_MSG(trc == 0, "train: %s", err);
    REQUIRE(trc == 0);
    struct tr_windows tw, tu, te;
    REQUIRE(tr_make_windows(&m, &known, TR_TRAINING, &tw, err, sizeof err) == 0);
    /* refusals */
    err[0] = 0;
    CHECK_MSG(tr_anomaly_fit(&m, &tw, &known, TR_ANOM_GAUSS, 2, 2, 0.05f, 3, 1, err, sizeof err) == -1 &&
              strstr(err, "layer 2: the network has 1 hidden layers"), "%s", err);
    CHECK_MSG(tr_anomaly_fit(&m, &tw, &known, TR_ANOM_GAUSS, -1, 2, 0.05f, 3, 1, err, sizeof err) == -1 &&
              strstr(err, "layer -1"), "%s", err);
    CHECK_MSG(tr_anomaly_fit(&m, &tw, &known, TR_ANOM_KMEANS, 1, tw.n, 0.05f, 3, 1, err, sizeof err) == -1 &&
              strstr(err, "training windows for"), "%s", err);
    struct tr_dataset one = {1, rec}; /* the windows' recordings: only the first is in training here */
    struct tr_windows w1 = tw;
    int n1 = 0;
    while (n1 < tw.n && tw.rec[n1] == 0) n1++;
    w1.n = n1;
    CHECK_MSG(tr_anomaly_fit(&m, &w1, &one, TR_ANOM_KMEANS, 0, 2, 0.05f, 3, 1, err, sizeof err) == -1 &&
              strstr(err, "fewer than 2 training recordings"), "%s", err);
    CHECK_EQ(m.anom.method, TR_ANOM_NONE); /* a refusal leaves none */
    /* a fit, then none clears it */
    REQUIRE(tr_anomaly_fit(&m, &tw, &known, TR_ANOM_KMEANS, 0, 2, 0.05f, 3, 1, err, sizeof err) == 0);
    CHECK(m.anom.method == TR_ANOM_KMEANS && m.anom.cv_windows == tw.n && m.anom.cv_far <= 0.05 + 1.0 / tw.n);
    REQUIRE(tr_anomaly_fit(&m, &tw, &known, TR_ANOM_NONE, 0, 2, 0.05f, 3, 1, err, sizeof err) == 0);
    CHECK(m.anom.method == TR_ANOM_NONE && m.anom.centroids == NULL);
    /* the unknown windows: those of the testing recording labelled c, y = -1 */
    REQUIRE(tr_unknown_windows(&m, &ds, TR_TESTING, &tu, err, sizeof err) == 0);
    REQUIRE(tr_make_windows(&m, &known, TR_TESTING, &te, err, sizeof err) == 0);
    int bad = 0;
    for (int r = 0; r < tu.n; r++) bad += tu.y[r] != -1 || tu.rec[r] != 8;
    /* (recordings of one length: as many windows as each of the 2 known testing recordings) */
    CHECK_MSG(2 * tu.n == te.n && tu.n > 0 && bad == 0, "%d unknown windows (want %d, all of recording 9, y -1): %d wrong",
              tu.n, te.n / 2, bad);
    tr_windows_free(&tu);
    /* no unknown label: none */
    REQUIRE(tr_unknown_windows(&m, &known, TR_TESTING, &tu, err, sizeof err) == 0);
    CHECK_EQ(tu.n, 0);
    tr_windows_free(&tu);
    tr_windows_free(&te);
    tr_windows_free(&tw);
    tr_model_free(&m);
    free(copy);
    for (int i = 0; i < 9; i++) free(vals[i]);
}

static void score_saturation(void)
{
    enum { D = IMU_ANOMALY_MAX_DIM };
    static int8_t c[2 * D], x[D];
    static uint8_t w[2 * D];
    uint32_t b[2] = {0, 0};
    for (int i = 0; i < D; i++) {
        c[i] = -128;
        c[D + i] = 127;
        w[i] = w[D + i] = 255;
        x[i] = 127;
    }
    struct imu_anomaly a = {D, 1, 0, c, w, b, 0};
    CHECK_MSG(imu_anomaly_score(&a, x) == UINT32_MAX, "512 x 255^2 x 255 = 8.5e9: score %u, want UINT32_MAX",
              imu_anomaly_score(&a, x));
    a.n_dim = 64; /* 64 x 65025 x 255 = 1,061,208,000: exact */
    CHECK_EQ(imu_anomaly_score(&a, x), 1061208000u);
    b[0] = UINT32_MAX - 1000;
    CHECK_EQ(imu_anomaly_score(&a, x), UINT32_MAX); /* bias + sum saturates too */
    /* the nearest of two centroids: the second is at x, its bias is the score */
    a.n_centroids = 2;
    a.n_dim = D;
    b[1] = 77;
    CHECK_EQ(imu_anomaly_score(&a, x), 77u);
}

static void learn_rounding(void)
{
    enum { D = 4 };
    int32_t sum[D];
    uint32_t sum2[D];
    int8_t c[D];
    uint8_t w[D];
    struct imu_anomaly_learn l;
    imu_anomaly_learn_init(&l, D, sum, sum2, c, w);
    /* means 10.5, -10.5, 0.25, -0.75: rounded half away from zero 11, -11, 0, -1 */
    for (int r = 0; r < 4; r++) {
        int8_t x[D] = {(int8_t)(r % 2 ? 11 : 10), (int8_t)(r % 2 ? -11 : -10), (int8_t)(r == 0 ? 1 : 0),
                       (int8_t)(r == 0 ? 0 : -1)};
        imu_anomaly_learn_add(&l, x);
    }
    CHECK(imu_anomaly_learn_fit(&l) == 0);
    CHECK_MSG(c[0] == 11 && c[1] == -11 && c[2] == 0 && c[3] == -1, "learned means %d %d %d %d (want 11 -11 0 -1)", c[0],
              c[1], c[2], c[3]);
}

/* imu_anomaly_run on a trained model: the score of the layer's vector, the network's outputs. */
static void run_layers(void)
{
    make();
    struct tr_dataset ds = {9, rec}, known;
    struct tr_recording *copy;
    REQUIRE(tr_dataset_known(&ds, &known, &copy) >= 0);
    struct tr_options o;
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS;
    o.n_hidden = 2;
    o.hidden[0] = 8;
    o.hidden[1] = 6;
    o.epochs = 3;
    o.qat_epochs = 0;
    struct tr_model m;
    char err[256];
    int rc = tr_train(&known, &o, &m, err, sizeof err);
    CHECK_MSG(rc == 0, "train: %s", err);
    struct tr_windows tw;
    if (rc == 0 && tr_make_windows(&m, &known, TR_TRAINING, &tw, err, sizeof err) == 0) {
        for (int layer = 0; layer <= 2; layer++) {
            REQUIRE(tr_anomaly_fit(&m, &tw, &known, TR_ANOM_GAUSS, layer, 2, 0.05f, 3, 1, err, sizeof err) == 0);
            int bad = 0;
            for (int r = 0; r < tw.n; r++) {
                const float *f = tw.x + (size_t)r * tw.n_feat;
                int8_t a[1024], b[1024], y[TR_MAX_LABELS];
                imu_nn_quantize_input(&m.nn, f, a);
                uint32_t score = 0xdeadbeef;
                int8_t *out = imu_anomaly_run(&m.nn, &m.anom.view, a, b, &score);
                tr_predict_int8(&m, f, y);
                bad += score != tr_anomaly_score(&m, f) || memcmp(out, y, (size_t)m.n_labels) != 0;
            }
            CHECK_MSG(bad == 0, "layer %d: %d of %d windows scored or classified differently by imu_anomaly_run", layer,
                      bad, tw.n);
        }
        tr_windows_free(&tw);
    }
    if (rc == 0)
        tr_model_free(&m);
    free(copy);
    for (int i = 0; i < 9; i++) free(vals[i]);
}

int main(void)
{
    score_saturation();
    learn_rounding();
    run_layers();
    names();
    fit_vectors();
    auc();
    fit_and_unknown();
    return check_report("test_anomaly_api");
}
