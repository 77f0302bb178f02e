/* bench_trainer -- imulab's C trainer against scikit-learn's MLPClassifier, side by side in one
 * run: the same windows and feature vectors (computed once by the portable feature code), the
 * same hidden layers; prints test accuracy and fit time of both and the time ratio.
 *
 *   bench_trainer DATASET_DIR [--hidden 20,10] [--seed N] [--python /usr/bin/python3]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ei_load.h"
#include "trainer.h"

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

int main(int argc, char **argv)
{
    const char *dir = NULL, *hidden = "20,10", *py = "/usr/bin/python3";
    unsigned seed = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hidden") && i + 1 < argc) hidden = argv[++i];
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--python") && i + 1 < argc) py = argv[++i];
        else if (!strcmp(argv[i], "--help")) {
            printf("usage: bench_trainer DATASET_DIR [--hidden 20,10] [--seed N] [--python PATH]\n");
            return 0;
        } else dir = argv[i];
    }
    if (!dir) { fprintf(stderr, "bench_trainer: no dataset directory\n"); return 2; }
    struct ei_data d;
    if (ei_load_dir(dir, &d)) return 1;
    struct tr_options o;
    tr_options_default(&o);
    o.seed = seed;
    if (tr_parse_hidden(hidden, &o)) { fprintf(stderr, "bench_trainer: bad --hidden\n"); return 2; }
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
    char ftr[300], fte[300], cmd[1024];
    snprintf(ftr, sizeof ftr, "%s/train.csv", tmpl);
    snprintf(fte, sizeof fte, "%s/test.csv", tmpl);
    dump(ftr, &tw);
    dump(fte, &te);
    /* ours: fit + int8 quantization */
    t0 = tr_now();
    tr_fit(&m, &o, &tw);
    double t_fit = tr_now() - t0;
    t0 = tr_now();
    tr_quantize(&m, &tw);
    double t_q = tr_now() - t0;
    double acc = tr_evaluate(&m, &te, 0, NULL), acc8 = tr_evaluate(&m, &te, 1, NULL);
    /* scikit-learn on the same feature vectors */
    char script[600];
    snprintf(script, sizeof script, "%s/sk_mlp.py", BENCH_DIR);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s' '%s' %u", py, script, ftr, fte, hidden, seed);
    FILE *p = popen(cmd, "r");
    double sk_t = -1, sk_acc = -1;
    int sk_it = 0;
    if (!p || fscanf(p, "%lf %lf %d", &sk_t, &sk_acc, &sk_it) != 3) {
        fprintf(stderr, "bench_trainer: scikit-learn run failed (python3-sklearn installed?)\n");
        return 1;
    }
    pclose(p);
    unlink(ftr);
    unlink(fte);
    rmdir(tmpl);
    printf("dataset %s: %d training, %d test windows, %d features, hidden %s, seed %u\n", dir, tw.n, te.n,
           m.n_feat, hidden, seed);
    printf("features (both): %.3f s for %d windows\n", t_feat, tw.n + te.n);
    printf("imulab  : fit %.4f s (%d epochs, best %d), int8 quantization %.4f s; test accuracy float %.4f int8 %.4f\n",
           t_fit, m.n_epochs, m.best_epoch, t_q, acc, acc8);
    printf("sklearn : fit %.4f s (%d iterations); test accuracy %.4f\n", sk_t, sk_it, sk_acc);
    printf("time ratio imulab/sklearn: %.3f (sklearn %.1fx slower)\n", t_fit / sk_t, sk_t / t_fit);
    tr_windows_free(&tw);
    tr_windows_free(&te);
    tr_model_free(&m);
    ei_free(&d);
    return 0;
}
