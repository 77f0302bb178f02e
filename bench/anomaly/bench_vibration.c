/* SPDX-License-Identifier: MIT */
/* bench_vibration -- machine-health monitoring on simulated motor vibration (vibsim.c): anomaly
 * models fitted on healthy recordings only, scored on healthy test recordings and on faults
 * (imbalance, looseness, bearing outer race) at fixed amplitudes and on amplitude ramps.
 *
 * Features: the firmware's imu_features() on 256-sample windows at 1024 Hz (stats + spectral,
 * FFT 64 with Hann: 3 x 36 = 108), standardized with the healthy training windows and quantized to
 * int8 (z * 16, i.e. +-8 standard deviations), the vector portable/anomaly.c scores.
 * Methods, side by side on the same vectors: the on-device learner (imu_anomaly_learn: one
 * diagonal Gaussian from running sums, integers), the trainer's Gaussian mixture (k 1, 4) and
 * k-means (k 4). For each, ROC AUC of the fault windows against the healthy test windows per
 * fault and amplitude, the smallest amplitude with AUC >= 0.98, the detection rate at the
 * threshold (the 99th percentile of the scores of held-out healthy recordings), the model's bytes
 * and predicted instructions (trainer/cost.c's anomaly terms), and on a 0 -> 0.1 g ramp the
 * amplitude at which the learner first flags 3 windows in a row. --csv DIR writes the int8
 * vectors for sk_anomaly.py (IsolationForest, GMM on the same rows).
 *
 *   bench_vibration [--seed N] [--csv DIR]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trainer.h"
#include "vibsim.h"

#define WL 256
#define NA 3
#define N_AMPS 7
static const double AMPS[N_AMPS] = {0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1};

struct set { int n, cap; int8_t *q; int *fault; double *amp; };

static struct imu_feat_config FC;
static int NF;
static float *MEAN, *STD;

/* Features of every window of a recording (stride = window) appended to f. */
static int rec_features(const int16_t *x, int n, float *f, int max)
{
    static float work[4096];
    const float scale[NA] = {1.0f / 4096, 1.0f / 4096, 1.0f / 4096};
    int w = 0;
    for (int s = 0; s + WL <= n && w < max; s += WL, w++) imu_features(&FC, x + (size_t)s * NA, scale, work, f + (size_t)w * NF);
    return w;
}

static void quantize(const float *f, int8_t *q)
{
    for (int i = 0; i < NF; i++) {
        double z = (f[i] - MEAN[i]) / STD[i] * 16.0;
        z = z >= 0 ? floor(z + 0.5) : -floor(-z + 0.5);
        q[i] = (int8_t)(z > 127 ? 127 : z < -128 ? -128 : z);
    }
}

static void set_add(struct set *s, const float *f, int nw, int fault, double amp)
{
    if (s->n + nw > s->cap) {
        s->cap = (s->n + nw) * 2;
        s->q = realloc(s->q, (size_t)s->cap * NF);
        s->fault = realloc(s->fault, sizeof(int) * (size_t)s->cap);
        s->amp = realloc(s->amp, sizeof(double) * (size_t)s->cap);
    }
    for (int w = 0; w < nw; w++) {
        quantize(f + (size_t)w * NF, s->q + (size_t)s->n * NF);
        s->fault[s->n] = fault;
        s->amp[s->n++] = amp;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    unsigned seed = 1;
    const char *csv = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
        else { fprintf(stderr, "usage: bench_vibration [--seed N] [--csv DIR]\n"); return 2; }
    }
    struct vib_config vc;
    vib_default(&vc);
    memset(&FC, 0, sizeof FC);
    FC.n_axes = NA;
    FC.window_len = WL;
    FC.flags = IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_HANN;
    FC.fft_len = 64;
    FC.log_floor = 1e-10f;
    FC.raw_scale = 1;
    NF = imu_features_count(&FC);
    if (NF <= 0 || imu_features_work_len(&FC) > 4096) { fprintf(stderr, "feature configuration\n"); return 1; }
    uint64_t rng = 0x1234567ull * seed + 99;
    const int n_train_rec = 24, n_val_rec = 6, n_test_rec = 10, n_fault_rec = 5;
    const int train_len = 10 * 1024, test_len = 5 * 1024;
    int16_t *x = malloc(sizeof(int16_t) * 3 * 61440);
    float *f = malloc(sizeof(float) * (size_t)NF * 256);
    /* healthy training recordings: features, then their mean and standard deviation */
    float *tf = malloc(sizeof(float) * (size_t)NF * 40 * n_train_rec);
    int ntw = 0;
    for (int r = 0; r < n_train_rec; r++) {
        vib_recording(&vc, VIB_NORMAL, 0, 0, train_len, x, &rng);
        ntw += rec_features(x, train_len, tf + (size_t)ntw * NF, 40);
    }
    MEAN = calloc((size_t)NF, sizeof(float));
    STD = calloc((size_t)NF, sizeof(float));
    for (int i = 0; i < NF; i++) {
        double s = 0, ss = 0;
        for (int w = 0; w < ntw; w++) s += tf[(size_t)w * NF + i];
        s /= ntw;
        for (int w = 0; w < ntw; w++) ss += (tf[(size_t)w * NF + i] - s) * (tf[(size_t)w * NF + i] - s);
        MEAN[i] = (float)s;
        STD[i] = (float)sqrt(ss / ntw) + 1e-6f;
    }
    struct set train = {0}, val = {0}, test = {0};
    set_add(&train, tf, ntw, VIB_NORMAL, 0);
    for (int r = 0; r < n_val_rec; r++) {
        vib_recording(&vc, VIB_NORMAL, 0, 0, test_len, x, &rng);
        set_add(&val, f, rec_features(x, test_len, f, 256), VIB_NORMAL, 0);
    }
    for (int r = 0; r < n_test_rec; r++) {
        vib_recording(&vc, VIB_NORMAL, 0, 0, test_len, x, &rng);
        set_add(&test, f, rec_features(x, test_len, f, 256), VIB_NORMAL, 0);
    }
    for (int fa = 1; fa < VIB_N_FAULTS; fa++)
        for (int a = 0; a < N_AMPS; a++)
            for (int r = 0; r < n_fault_rec; r++) {
                vib_recording(&vc, fa, AMPS[a], AMPS[a], test_len, x, &rng);
                set_add(&test, f, rec_features(x, test_len, f, 256), fa, AMPS[a]);
            }
    printf("vibration: %d features (stats + spectral FFT 64, 256-sample windows at 1024 Hz); %d healthy training "
           "windows (%d recordings), %d held-out healthy for the threshold, %d test windows\n",
           NF, train.n, n_train_rec, val.n, test.n);
    /* the methods */
    enum { M_LEARN, M_G1, M_G4, M_K4, N_M };
    const char *names[N_M] = {"device learner (1 diag. Gaussian)", "gauss k=1", "gauss k=4", "kmeans k=4"};
    struct tr_anomaly_model am[N_M];
    memset(am, 0, sizeof am);
    /* the on-device learner: running sums over the training windows */
    int32_t *sum = malloc(sizeof(int32_t) * (size_t)NF);
    uint32_t *sum2 = malloc(sizeof(uint32_t) * (size_t)NF);
    int8_t *lc = malloc((size_t)NF);
    uint8_t *lw = malloc((size_t)NF);
    struct imu_anomaly_learn L;
    imu_anomaly_learn_init(&L, (uint16_t)NF, sum, sum2, lc, lw);
    for (int w = 0; w < train.n; w++) imu_anomaly_learn_add(&L, train.q + (size_t)w * NF);
    imu_anomaly_learn_fit(&L);
    struct imu_anomaly learned = {(uint16_t)NF, 1, 0, lc, lw, NULL, 0};
    tr_anomaly_fit_vectors(&am[M_G1], train.q, train.n, NF, TR_ANOM_GAUSS, 1, seed);
    tr_anomaly_fit_vectors(&am[M_G4], train.q, train.n, NF, TR_ANOM_GAUSS, 4, seed);
    tr_anomaly_fit_vectors(&am[M_K4], train.q, train.n, NF, TR_ANOM_KMEANS, 4, seed);
    const struct imu_anomaly *view[N_M] = {&learned, &am[M_G1].view, &am[M_G4].view, &am[M_K4].view};
    const int ks[N_M] = {1, 1, 4, 4}, weighted[N_M] = {1, 1, 1, 0};
    uint32_t *sv = malloc(sizeof(uint32_t) * (size_t)val.n), *sn = malloc(sizeof(uint32_t) * (size_t)test.n),
             *sp = malloc(sizeof(uint32_t) * (size_t)test.n);
    printf("\n%-34s %-10s", "method", "fault");
    for (int a = 0; a < N_AMPS; a++) printf(" %7.4gg", AMPS[a]);
    printf("   min amp AUC>=0.98   detect@thr (0.02 g)  false alarms\n");
    for (int mi = 0; mi < N_M; mi++) {
        const struct imu_anomaly *v = view[mi];
        for (int w = 0; w < val.n; w++) sv[w] = imu_anomaly_score(v, val.q + (size_t)w * NF);
        qsort(sv, (size_t)val.n, sizeof *sv, cmp_u32);
        const uint32_t thr = sv[(int)(0.99 * val.n) < val.n ? (int)(0.99 * val.n) : val.n - 1];
        int nn = 0, fa_n = 0;
        for (int w = 0; w < test.n; w++)
            if (test.fault[w] == VIB_NORMAL) {
                sn[nn] = imu_anomaly_score(v, test.q + (size_t)w * NF);
                fa_n += sn[nn++] > thr;
            }
        for (int fa = 1; fa < VIB_N_FAULTS; fa++) {
            printf("%-34s %-10s", fa == 1 ? names[mi] : "", vib_fault_name(fa));
            double min_amp = -1, det_002 = 0;
            for (int a = 0; a < N_AMPS; a++) {
                int np = 0, det = 0;
                for (int w = 0; w < test.n; w++)
                    if (test.fault[w] == fa && test.amp[w] == AMPS[a]) {
                        sp[np] = imu_anomaly_score(v, test.q + (size_t)w * NF);
                        det += sp[np++] > thr;
                    }
                double auc = tr_auc(sn, nn, sp, np);
                if (auc >= 0.98 && min_amp < 0) min_amp = AMPS[a];
                if (AMPS[a] == 0.02) det_002 = (double)det / np;
                printf(" %8.4f", auc);
            }
            char ma[32] = "none";
            if (min_amp > 0) snprintf(ma, sizeof ma, "%.4g g", min_amp);
            printf("   %-19s %8.2f             %.3f\n", ma, det_002, (double)fa_n / nn);
        }
        const int data = ks[mi] * NF * (weighted[mi] ? 2 : 1) + (weighted[mi] && mi != M_LEARN ? 4 * ks[mi] : 0);
        printf("%-34s model data %d B (+ about 292 B of code), RAM %s, about %d instructions per window "
               "(trainer/cost.c's terms)\n\n", "", data,
               mi == M_LEARN ? "10 B per value while learning (sums, mean, weight): 1,080 B" : "none (const)",
               (int)(9.0 * ks[mi] * NF + 30.0 * ks[mi]));
    }
    /* ramps: 0 -> 0.1 g over 60 s; the learner's threshold, 3 windows in a row */
    printf("ramps 0 -> 0.1 g over 60 s, device learner, 3 windows in a row above the threshold:\n");
    {
        for (int w = 0; w < val.n; w++) sv[w] = imu_anomaly_score(&learned, val.q + (size_t)w * NF);
        qsort(sv, (size_t)val.n, sizeof *sv, cmp_u32);
        const uint32_t thr = sv[(int)(0.99 * val.n)];
        for (int fa = 1; fa < VIB_N_FAULTS; fa++) {
            const int n = 60 * 1024;
            vib_recording(&vc, fa, 0, 0.1, n, x, &rng);
            int run = 0, at = -1;
            int8_t q[512];
            float *ff = malloc(sizeof(float) * (size_t)NF * 240);
            int nw = rec_features(x, n, ff, 240);
            for (int w = 0; w < nw && at < 0; w++) {
                quantize(ff + (size_t)w * NF, q);
                run = imu_anomaly_score(&learned, q) > thr ? run + 1 : 0;
                if (run == 3) at = w;
            }
            free(ff);
            if (at >= 0) printf("  %-10s flagged at %.4f g (window %d of %d)\n", vib_fault_name(fa), 0.1 * (at * WL + WL) / n, at, nw);
            else printf("  %-10s not flagged\n", vib_fault_name(fa));
        }
    }
    if (csv) {
        mkdir(csv, 0777);
        char p[1024];
        snprintf(p, sizeof p, "%s/vibration.csv", csv);
        FILE *o = fopen(p, "w");
        if (o) {
            const struct set *sets[3] = {&train, &val, &test};
            const char *sn3[3] = {"train", "val", "test"};
            for (int si = 0; si < 3; si++)
                for (int w = 0; w < sets[si]->n; w++) {
                    fprintf(o, "%s,%s,%g", sn3[si], vib_fault_name(sets[si]->fault[w]), sets[si]->amp[w]);
                    for (int i = 0; i < NF; i++) fprintf(o, ",%d", sets[si]->q[(size_t)w * NF + i]);
                    fprintf(o, "\n");
                }
            fclose(o);
        }
    }
    for (int mi = 0; mi < N_M; mi++) tr_anomaly_free(&am[mi]);
    free(sum); free(sum2); free(lc); free(lw); free(sv); free(sn); free(sp);
    free(train.q); free(train.fault); free(train.amp); free(val.q); free(val.fault); free(val.amp);
    free(test.q); free(test.fault); free(test.amp);
    free(x); free(f); free(tf); free(MEAN); free(STD);
    return 0;
}
