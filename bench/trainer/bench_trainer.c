/* SPDX-License-Identifier: MIT */
/* bench_trainer -- imulab's C trainer against scikit-learn's MLPClassifier, side by side in one
 * run: the same windows and feature vectors (computed once by the portable feature code), the
 * same hidden layers, every network of the list; prints test accuracy and fit time of both (the
 * minimum and the median of --repeat fits each, imulab's fits interleaved with scikit-learn's
 * process so both see the same machine load) and the ratio of the minimum times.
 *
 * scikit-learn runs on OpenBLAS (Debian's libopenblas0-pthread, chosen for its process only with
 * LD_LIBRARY_PATH=--blas-dir, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; the BLAS it loaded is
 * printed), twice per round: with its default schedule and with imulab's (the same epochs,
 * batch, Adam step and L2 penalty, no early stop). imulab fits twice per round as well: with its
 * defaults (early stop when the training loss has not improved for --patience epochs, the best
 * weights kept), compared with scikit-learn's default schedule (its own convergence stop), and
 * with the fixed schedule (patience 0), compared with scikit-learn on that schedule.
 *
 *   bench_trainer DATASET_DIR [--hidden 20,10 --hidden 64,32 ...] [--seed N] [--repeat N (5)]
 *                 [--python /usr/bin/python3] [--kernels auto|portable|avx2|avx512]
 *                 [--blas-dir /usr/lib/x86_64-linux-gnu/openblas-pthread]
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

struct result { /* [0] default schedules, [1] imulab's fixed schedule on both sides */
    const char *hidden;
    double t_min[2], t_med[2], acc[2], acc8[2];
    int epochs[2];
    double sk_min[2], sk_med[2], sk_acc[2]; /* [0] default schedule, [1] imulab's */
    int sk_it[2];
};

int main(int argc, char **argv)
{
    const char *dir = NULL, *py = "/usr/bin/python3", *blas_dir = "/usr/lib/x86_64-linux-gnu/openblas-pthread";
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
        else if (!strcmp(argv[i], "--blas-dir") && i + 1 < argc) blas_dir = argv[++i];
        else if (!strcmp(argv[i], "--kernels") && i + 1 < argc) {
            i++;
            kernels = !strcmp(argv[i], "portable") ? TR_KERNELS_PORTABLE : !strcmp(argv[i], "avx2") ? TR_KERNELS_AVX2
                      : !strcmp(argv[i], "avx512") ? TR_KERNELS_AVX512 : -1;
        }
        else if (!strcmp(argv[i], "--help")) {
            printf("usage: bench_trainer DATASET_DIR [--hidden 20,10 --hidden 64,32 ...] [--seed N] [--repeat N]\n"
                   "                     [--python PATH] [--kernels auto|portable|avx2|avx512] [--blas-dir DIR]\n");
            return 0;
        } else dir = argv[i];
    }
    if (!dir) { fprintf(stderr, "bench_trainer: no dataset directory\n"); return 2; }
    char blas_lib[600];
    snprintf(blas_lib, sizeof blas_lib, "%s/libblas.so.3", blas_dir);
    if (access(blas_lib, R_OK)) {
        fprintf(stderr, "bench_trainer: --blas-dir %s: no libblas.so.3 (install libopenblas0-pthread)\n", blas_dir);
        return 2;
    }
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
    double times[2][MAX_NETS][64], sk_times[2][MAX_NETS][64];
    char blas[512] = "";
    char same[128];
    snprintf(same, sizeof same, "same:%d:%d:%g:%g", o.epochs, o.batch, (double)o.lr, (double)o.l2);
    const int patience = o.patience;
    /* imulab and scikit-learn alternate, one fit of each network per round */
    for (int rep = 0; rep < repeat; rep++) {
        for (int k = 0; k < n_nets; k++)
            for (int sch = 0; sch < 2; sch++) {
                struct tr_options ok = o;
                struct tr_model mk;
                ok.patience = sch ? 0 : patience;
                if (tr_parse_hidden(nets[k], &ok)) { fprintf(stderr, "bench_trainer: bad --hidden %s\n", nets[k]); return 2; }
                if (tr_setup_model(&d.ds, &ok, &mk, err, sizeof err)) { fprintf(stderr, "bench_trainer: %s\n", err); return 1; }
                double t1 = tr_now();
                if (tr_fit(&mk, &ok, &tw)) { fprintf(stderr, "bench_trainer: fit failed\n"); return 1; }
                times[sch][k][rep] = tr_now() - t1;
                if (rep == repeat - 1) {
                    tr_quantize(&mk, &tw);
                    res[k].acc[sch] = tr_evaluate(&mk, &te, 0, NULL);
                    res[k].acc8[sch] = tr_evaluate(&mk, &te, 1, NULL);
                    res[k].epochs[sch] = mk.n_epochs;
                }
                tr_model_free(&mk);
            }
        for (int sch = 0; sch < 2; sch++) {
            int len = snprintf(cmd, sizeof cmd,
                               "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH='%s' '%s' '%s' '%s' '%s' %u 1 '%s'",
                               blas_dir, py, script, ftr, fte, seed, sch ? same : "default");
            for (int k = 0; k < n_nets; k++) len += snprintf(cmd + len, sizeof cmd - (size_t)len, " '%s'", nets[k]);
            FILE *p = popen(cmd, "r");
            if (!p || !fgets(blas, sizeof blas, p) || strncmp(blas, "blas ", 5)) {
                fprintf(stderr, "bench_trainer: scikit-learn run failed (python3-sklearn installed?)\n");
                return 1;
            }
            blas[strcspn(blas, "\n")] = 0;
            for (int k = 0; k < n_nets; k++) {
                char h[64];
                double tmin, tmed, acc;
                int it;
                if (fscanf(p, "%63s %lf %lf %lf %d", h, &tmin, &tmed, &acc, &it) != 5) {
                    fprintf(stderr, "bench_trainer: scikit-learn run failed (python3-sklearn installed?)\n");
                    return 1;
                }
                sk_times[sch][k][rep] = tmin;
                res[k].sk_acc[sch] = acc;
                res[k].sk_it[sch] = it;
            }
            pclose(p);
        }
    }
    for (int k = 0; k < n_nets; k++) {
        res[k].hidden = nets[k];
        for (int sch = 0; sch < 2; sch++) {
            qsort(times[sch][k], (size_t)repeat, sizeof(double), cmp_d);
            res[k].t_min[sch] = times[sch][k][0];
            res[k].t_med[sch] = times[sch][k][repeat / 2];
            qsort(sk_times[sch][k], (size_t)repeat, sizeof(double), cmp_d);
            res[k].sk_min[sch] = sk_times[sch][k][0];
            res[k].sk_med[sch] = sk_times[sch][k][repeat / 2];
        }
    }
    unlink(ftr);
    unlink(fte);
    rmdir(tmpl);
    printf("dataset %s: %d training, %d test windows, %d features, seed %u, %d fits per network, %s kernels\n",
           dir, tw.n, te.n, m.n_feat, seed, repeat, kernels == TR_KERNELS_AVX512 ? "AVX-512" : kernels ? "AVX2" : "portable (4-wide)");
    printf("features (both): %.3f s for %d windows\n", t_feat, tw.n + te.n);
    printf("scikit-learn %s\n", blas);
    printf("imulab defaults: up to %d epochs, early stop after %d epochs without a lower training loss, batch %d, "
           "Adam %g, L2 %g; fixed schedule: %d epochs exactly (scikit-learn \"same\": %s)\n", o.epochs, patience,
           o.batch, (double)o.lr, (double)o.l2, o.epochs, same);
    printf("%-8s | %-8s | %-24s | %-13s | %-32s | %s\n", "hidden", "schedule", "imulab fit s (min, median)",
           "imulab acc", "sklearn fit s (min, median), acc", "speed-up");
    for (int k = 0; k < n_nets; k++) {
        const struct result *r = &res[k];
        for (int sch = 0; sch < 2; sch++)
            printf("%-8s | %-8s | %7.4f %7.4f (%2d ep.) | %.4f/%.4f | %7.4f %7.4f (%3d it.) %.4f | %5.1fx\n", r->hidden,
                   sch ? "fixed" : "default", r->t_min[sch], r->t_med[sch], r->epochs[sch], r->acc[sch], r->acc8[sch],
                   r->sk_min[sch], r->sk_med[sch], r->sk_it[sch], r->sk_acc[sch], r->sk_min[sch] / r->t_min[sch]);
    }
    printf("(imulab acc: float/int8 test accuracy; sklearn acc: float; speed-up: sklearn min / imulab min, "
           "each against the same kind of schedule)\n");
    tr_windows_free(&tw);
    tr_windows_free(&te);
    tr_model_free(&m);
    ei_free(&d);
    return 0;
}
