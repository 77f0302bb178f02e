/* SPDX-License-Identifier: MIT */
/* bench_trainer -- imulab's C trainer against scikit-learn's MLPClassifier, side by side in one
 * run: the same windows and feature vectors (computed once by the portable feature code), the
 * same hidden layers, every network of the list; prints test accuracy and fit time of both (the
 * minimum and the median of --repeat fits each, imulab's fits interleaved with scikit-learn's
 * process so both see the same machine load) and the ratio of the minimum times.
 *
 *   bench_trainer DATASET_DIR [--hidden 20,10 --hidden 64,32 ...] [--seed N] [--repeat N (5)]
 *                 [--python /usr/bin/python3] [--kernels auto|portable|avx2]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ei_load.h"
#include "trainer.h"
#include "trainer_int.h" /* tr_fit_kernels */

#define MAX_NETS 8

static int dump(const char *path, const struct tr_windows *w)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (int r = 0; r < w->n; r++) {
        fprintf(f, "%d", w->y[r]);
        for (int i = 0; i < w->n_feat; i++) fprintf(f, ",%.9g", w->x[(size_t)r * w->n_feat + i]);
        fputc('\n', f);
    }
    return fclose(f);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct result {
    const char *hidden;
    double t_min, t_med, acc, acc8, q_time;
    int epochs;
    double sk_min, sk_med, sk_acc;
    int sk_it;
};

int main(int argc, char **argv)
{
    const char *dir = NULL, *py = "/usr/bin/python3";
    const char *nets[MAX_NETS];
    int n_nets = 0, repeat = 5;
    unsigned seed = 1;
    int kernels = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hidden") && i + 1 < argc) {
            if (n_nets < MAX_NETS) nets[n_nets++] = argv[++i];
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--python") && i + 1 < argc) py = argv[++i];
        else if (!strcmp(argv[i], "--kernels") && i + 1 < argc) {
            i++;
            kernels = !strcmp(argv[i], "portable") ? 0 : !strcmp(argv[i], "avx2") ? 1 : -1;
        }
        else if (!strcmp(argv[i], "--help")) {
            printf("usage: bench_trainer DATASET_DIR [--hidden 20,10 --hidden 64,32 ...] [--seed N] [--repeat N]\n"
                   "                     [--python PATH] [--kernels auto|portable|avx2]\n");
            return 0;
        } else dir = argv[i];
    }
    if (!dir) { fprintf(stderr, "bench_trainer: no dataset directory\n"); return 2; }
    if (n_nets == 0) { nets[0] = "20,10"; nets[1] = "64,32"; n_nets = 2; }
    if (repeat < 1) repeat = 1;
    kernels = tr_fit_kernels(kernels);
    struct ei_data d;
    if (ei_load_dir(dir, &d)) return 1;
    struct tr_options o;
    tr_options_default(&o);
    o.seed = seed;
    struct tr_model m;
    struct tr_windows tw, te;
    char err[256];
    double t0 = tr_now();
    if (tr_setup_model(&d.ds, &o, &m, err, sizeof err) || tr_make_windows(&m, &d.ds, TR_TRAINING, &tw, err, sizeof err) ||
        tr_make_windows(&m, &d.ds, TR_TESTING, &te, err, sizeof err)) {
        fprintf(stderr, "bench_trainer: %s\n", err);
        return 1;
    }
    double t_feat = tr_now() - t0;
    char tmpl[] = "/tmp/bench_trainer.XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    char ftr[300], fte[300], script[600], cmd[2048];
    snprintf(ftr, sizeof ftr, "%s/train.csv", tmpl);
    snprintf(fte, sizeof fte, "%s/test.csv", tmpl);
    snprintf(script, sizeof script, "%s/sk_mlp.py", BENCH_DIR);
    if (dump(ftr, &tw) || dump(fte, &te)) { fprintf(stderr, "bench_trainer: cannot write %s\n", tmpl); return 1; }
    struct result res[MAX_NETS];
    memset(res, 0, sizeof res);
    if (repeat > 64) repeat = 64;
    double times[MAX_NETS][64], sk_times[MAX_NETS][64];
    /* imulab and scikit-learn alternate, one fit of each network per round */
    for (int rep = 0; rep < repeat; rep++) {
        for (int k = 0; k < n_nets; k++) {
            struct tr_options ok = o;
            struct tr_model mk;
            if (tr_parse_hidden(nets[k], &ok)) { fprintf(stderr, "bench_trainer: bad --hidden %s\n", nets[k]); return 2; }
            if (tr_setup_model(&d.ds, &ok, &mk, err, sizeof err)) { fprintf(stderr, "bench_trainer: %s\n", err); return 1; }
            double t1 = tr_now();
            if (tr_fit(&mk, &ok, &tw)) { fprintf(stderr, "bench_trainer: fit failed\n"); return 1; }
            times[k][rep] = tr_now() - t1;
            if (rep == repeat - 1) {
                t1 = tr_now();
                tr_quantize(&mk, &tw);
                res[k].q_time = tr_now() - t1;
                res[k].acc = tr_evaluate(&mk, &te, 0, NULL);
                res[k].acc8 = tr_evaluate(&mk, &te, 1, NULL);
                res[k].epochs = mk.n_epochs;
            }
            tr_model_free(&mk);
        }
        int len = snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s' %u 1", py, script, ftr, fte, seed);
        for (int k = 0; k < n_nets; k++) len += snprintf(cmd + len, sizeof cmd - (size_t)len, " '%s'", nets[k]);
        FILE *p = popen(cmd, "r");
        for (int k = 0; k < n_nets; k++) {
            char h[64];
            double tmin, tmed, acc;
            int it;
            if (!p || fscanf(p, "%63s %lf %lf %lf %d", h, &tmin, &tmed, &acc, &it) != 5) {
                fprintf(stderr, "bench_trainer: scikit-learn run failed (python3-sklearn installed?)\n");
                return 1;
            }
            sk_times[k][rep] = tmin;
            res[k].sk_acc = acc;
            res[k].sk_it = it;
        }
        if (p) pclose(p);
    }
    for (int k = 0; k < n_nets; k++) {
        qsort(times[k], (size_t)repeat, sizeof(double), cmp_d);
        qsort(sk_times[k], (size_t)repeat, sizeof(double), cmp_d);
        res[k].hidden = nets[k];
        res[k].t_min = times[k][0];
        res[k].t_med = times[k][repeat / 2];
        res[k].sk_min = sk_times[k][0];
        res[k].sk_med = sk_times[k][repeat / 2];
    }
    unlink(ftr);
    unlink(fte);
    rmdir(tmpl);
    printf("dataset %s: %d training, %d test windows, %d features, seed %u, %d fits per network, %s kernels\n",
           dir, tw.n, te.n, m.n_feat, seed, repeat, kernels ? "AVX2" : "portable (4-wide)");
    printf("features (both): %.3f s for %d windows\n", t_feat, tw.n + te.n);
    printf("%-8s | %-27s | %-15s | %-25s | %s\n", "hidden", "imulab fit s (min, median)", "imulab accuracy",
           "sklearn fit s (min, median)", "speed-up");
    printf("%-8s | %-27s | %-15s | %-25s | %s\n", "", "", "float   int8", "", "(sklearn min / imulab min)");
    for (int k = 0; k < n_nets; k++) {
        const struct result *r = &res[k];
        printf("%-8s | %7.4f %7.4f (%2d epochs) | %.4f  %.4f  | %7.4f %7.4f (%3d it.) | %.1fx (imulab/sklearn %.3f)\n",
               r->hidden, r->t_min, r->t_med, r->epochs, r->acc, r->acc8, r->sk_min, r->sk_med, r->sk_it,
               r->sk_min / r->t_min, r->t_min / r->sk_min);
    }
    printf("sklearn accuracy:");
    for (int k = 0; k < n_nets; k++) printf(" %s %.4f", res[k].hidden, res[k].sk_acc);
    printf("\n");
    tr_windows_free(&tw);
    tr_windows_free(&te);
    tr_model_free(&m);
    ei_free(&d);
    return 0;
}
