/* SPDX-License-Identifier: MIT */
/* bench_anomaly -- anomaly detection on gestures with one class left out of training: for each
 * class of an Edge Impulse dataset (ei-xiao-gestures), its training recordings are removed, the
 * classifier is trained on the others (continuous 1000/500 ms, the default features and network,
 * seed 1), and each anomaly method is fitted beside it; the left-out class's testing windows are
 * the anomalies, the other testing windows the normal ones. Prints per method and class the ROC
 * AUC, the detection rate at the threshold, the false-alarm rate on the known classes, and the
 * model's size on the device (bytes of centroids and weights), and the known-class int8 accuracy
 * (the classifier is the same with or without the anomaly model). --csv DIR writes the int8
 * inputs (what every method scores) for sk_anomaly.py, which runs scikit-learn on the same rows.
 *
 *   bench_anomaly DATASET_DIR [--csv DIR] [--seed N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ei_load.h"
#include "trainer.h"

struct method { const char *name; int method, layer, k; };
static const struct method METHODS[] = {
    {"kmeans in k=4", TR_ANOM_KMEANS, 0, 4}, {"kmeans in k=8", TR_ANOM_KMEANS, 0, 8},
    {"gauss in k=1", TR_ANOM_GAUSS, 0, 1}, {"gauss in k=4", TR_ANOM_GAUSS, 0, 4}, {"gauss in k=8", TR_ANOM_GAUSS, 0, 8},
    {"kmeans h1 k=4", TR_ANOM_KMEANS, 1, 4}, {"kmeans h1 k=8", TR_ANOM_KMEANS, 1, 8},
    {"gauss h1 k=2", TR_ANOM_GAUSS, 1, 2}, {"gauss h1 k=4", TR_ANOM_GAUSS, 1, 4}, {"gauss h1 k=8", TR_ANOM_GAUSS, 1, 8},
    {"gauss h2 k=4", TR_ANOM_GAUSS, 2, 4}, {"gauss h1 class", TR_ANOM_GAUSS, 1, 0}, {"gauss in class", TR_ANOM_GAUSS, 0, 0},
    {"kmeans h1 class", TR_ANOM_KMEANS, 1, 0},
};
#define N_METHODS (int)(sizeof METHODS / sizeof METHODS[0])

/* Write the int8 inputs of windows w to f, one row each: set, then the values. */
static void csv_rows(FILE *f, const struct tr_model *m, const struct tr_windows *w, const char *set)
{
    int8_t q[IMU_ANOMALY_MAX_DIM];
    for (int r = 0; r < w->n; r++) {
        tr_anomaly_input(m, 0, w->x + (size_t)r * w->n_feat, q);
        fprintf(f, "%s", set);
        for (int i = 0; i < m->n_feat; i++) fprintf(f, ",%d", q[i]);
        if (getenv("BENCH_HIDDEN")) { /* experiment: the hidden layers and outputs too */
            int8_t a[512], b[512];
            memset(a, 0, sizeof a);
            memcpy(a, q, (size_t)m->n_feat);
            int8_t *in = a, *o = b;
            for (int L = 0; L < m->nn.n_layers; L++) {
                imu_nn_dense(&m->nn.layers[L], in, o);
                fprintf(f, ";");
                for (int i = 0; i < m->nn.layers[L].n_out; i++) fprintf(f, "%s%d", i ? "," : "", o[i]);
                int8_t *t = in; in = o; o = t;
            }
        }
        fprintf(f, "\n");
    }
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *csv = NULL;
    unsigned seed = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (unsigned)atoi(argv[++i]);
        else if (argv[i][0] != '-' && !dir) dir = argv[i];
        else { fprintf(stderr, "usage: bench_anomaly DATASET_DIR [--csv DIR] [--seed N]\n"); return 2; }
    }
    if (!dir) { fprintf(stderr, "usage: bench_anomaly DATASET_DIR [--csv DIR] [--seed N]\n"); return 2; }
    struct ei_data d;
    if (ei_load_dir(dir, &d)) return 1;
    const char *labels[TR_MAX_LABELS];
    int nl = 0;
    for (int i = 0; i < d.n; i++) {
        int f = 0;
        for (int l = 0; l < nl; l++) f |= !strcmp(labels[l], d.rec[i].label);
        if (!f && nl < TR_MAX_LABELS) labels[nl++] = d.rec[i].label;
    }
    if (csv) mkdir(csv, 0777);
    double auc_min[N_METHODS];
    for (int k = 0; k < N_METHODS; k++) auc_min[k] = 1;
    printf("%-14s %-16s %7s %8s %8s %7s %9s\n", "left out", "method", "auc", "detect", "f.alarm", "cv fa", "bytes");
    for (int out = 0; out < nl; out++) {
        struct tr_recording *rec = malloc(sizeof *rec * (size_t)d.n);
        int n = 0;
        for (int i = 0; i < d.n; i++)
            if (!(d.rec[i].category == TR_TRAINING && !strcmp(d.rec[i].label, labels[out]))) rec[n++] = d.rec[i];
        struct tr_dataset ds = {n, rec}, known;
        struct tr_recording *kc;
        tr_dataset_known(&ds, &known, &kc);
        struct tr_options o;
        tr_options_default(&o);
        o.mode = TR_MODE_CONTINUOUS;
        o.seed = seed;
        struct tr_model m;
        char err[256];
        if (tr_train(&known, &o, &m, err, sizeof err)) { fprintf(stderr, "train: %s\n", err); return 1; }
        struct tr_windows tw, te, tu;
        if (tr_make_windows(&m, &known, TR_TRAINING, &tw, err, sizeof err) ||
            tr_make_windows(&m, &known, TR_TESTING, &te, err, sizeof err) ||
            tr_unknown_windows(&m, &ds, TR_TESTING, &tu, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
        printf("%-14s classifier int8 accuracy on the known classes %.4f (%d windows), %d unknown windows\n",
               labels[out], m.acc_int8, te.n, tu.n);
        if (csv) {
            char p[1024];
            snprintf(p, sizeof p, "%s/out-%s.csv", csv, labels[out]);
            FILE *f = fopen(p, "w");
            if (f) { csv_rows(f, &m, &tw, "train"); csv_rows(f, &m, &te, "known"); csv_rows(f, &m, &tu, "unknown"); fclose(f); }
        }
        uint32_t *sn = malloc(sizeof(uint32_t) * (size_t)te.n), *sp = malloc(sizeof(uint32_t) * (size_t)tu.n);
        for (int k = 0; k < N_METHODS; k++) {
            if (tr_anomaly_fit(&m, &tw, &known, METHODS[k].method, METHODS[k].layer, METHODS[k].k, 0.01f, 5, seed, err, sizeof err)) {
                fprintf(stderr, "anomaly: %s\n", err);
                return 1;
            }
            int fa = 0, det = 0;
            for (int r = 0; r < te.n; r++) fa += (sn[r] = tr_anomaly_score(&m, te.x + (size_t)r * te.n_feat)) > m.anom.threshold;
            for (int r = 0; r < tu.n; r++) det += (sp[r] = tr_anomaly_score(&m, tu.x + (size_t)r * tu.n_feat)) > m.anom.threshold;
            double auc = tr_auc(sn, te.n, sp, tu.n);
            if (auc < auc_min[k]) auc_min[k] = auc;
            int bytes = m.anom.k * m.anom.n_dim * (METHODS[k].method == TR_ANOM_GAUSS ? 2 : 1) +
                        (METHODS[k].method == TR_ANOM_GAUSS ? 4 * m.anom.k : 0);
            printf("%-14s %-16s %7.4f %8.4f %8.4f %7.4f %9d\n", labels[out], METHODS[k].name, auc, (double)det / tu.n,
                   (double)fa / te.n, m.anom.cv_far, bytes);
        }
        free(sn); free(sp);
        tr_windows_free(&tw); tr_windows_free(&te); tr_windows_free(&tu);
        tr_model_free(&m);
        free(kc);
        free(rec);
    }
    printf("\nworst AUC over the left-out classes:\n");
    for (int k = 0; k < N_METHODS; k++) printf("  %-16s %.4f\n", METHODS[k].name, auc_min[k]);
    ei_free(&d);
    return 0;
}
