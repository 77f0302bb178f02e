/* SPDX-License-Identifier: MIT */
/* bench_gestures -- whole gestures by synthetic people (shapes.c, the pairs set: mirrored and
 * time-reversed pairs, 1-6 s recordings of their own lengths), held-out people: accuracy of the
 * modes and feature groups, and of the default `imulab train` (the automatic search), per
 * recording (one gesture each), through the trainer API. The same examples go to CSV files
 * (--csv DIR) for sk_gestures.py, which runs scikit-learn on them with the same folds.
 *
 *   bench_gestures [--people N] [--reps N] [--seed N] [--folds K] [--csv DIR] [--budget-flash B]
 *                  [--no-search] [--quick-search]
 * Folds: person p is held out in fold p % K (never seen in training, as `imulab split
 * --by-subject` makes it); every figure pools the held-out recordings of all folds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shapes.h"
#include "trainer.h"

struct row {
    const char *name;
    int mode;            /* TR_MODE_* */
    int flags, fft, raw, sub;
    int h0, h1;
};

#define S IMU_FEAT_STATS
#define P (IMU_FEAT_SPECTRAL | IMU_FEAT_HANN)
#define R IMU_FEAT_RAW
#define U IMU_FEAT_SUBSTATS
#define D IMU_FEAT_DERIV
static const struct row ROWS[] = {
    {"continuous 1000/500 ms, stats+spectral16+raw8", TR_MODE_CONTINUOUS, S | P | R, 16, 8, 4, 20, 10},
    {"continuous 1000/500 ms, stats+spectral16", TR_MODE_CONTINUOUS, S | P, 16, 8, 4, 20, 10},
    {"gesture 64 pts, stats+spectral16", TR_MODE_GESTURE, S | P, 16, 8, 4, 20, 10},
    {"gesture 64 pts, stats+spectral16+raw8", TR_MODE_GESTURE, S | P | R, 16, 8, 4, 20, 10},
    {"gesture 64 pts, stats+spectral16+raw32", TR_MODE_GESTURE, S | P | R, 16, 32, 4, 20, 10},
    {"gesture 64 pts, stats+substats4+raw32", TR_MODE_GESTURE, S | U | R, 16, 32, 4, 20, 10},
    {"gesture 64 pts, stats+substats4+raw32+deriv", TR_MODE_GESTURE, S | U | R | D, 16, 32, 4, 20, 10},
    {"gesture 64 pts, stats+spectral16+raw32 (64,32)", TR_MODE_GESTURE, S | P | R, 16, 32, 4, 64, 32},
};

struct acc { long ok_rec, n_rec, ok_f, n_f; };

static void add(struct acc *a, const struct tr_model *m)
{
    a->ok_rec += (long)(m->acc_rec * m->n_rec_units + 0.5);
    a->n_rec += m->n_rec_units;
    a->ok_f += (long)(m->acc_float * m->n_test + 0.5);
    a->n_f += m->n_test;
}

int main(int argc, char **argv)
{
    struct shapes_config c;
    shapes_default(&c);
    c.set = SHAPES_PAIRS;
    c.n_people = 10;
    c.reps = 10;
    c.rate_hz = 50;
    int folds = 5, search = 1, quick = 0, budget_flash = 0;
    const char *csv = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--people") && v) c.n_people = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && v) c.reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && v) c.seed = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--folds") && v) folds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rate") && v) c.rate_hz = atof(argv[++i]);
        else if (!strcmp(argv[i], "--csv") && v) csv = argv[++i];
        else if (!strcmp(argv[i], "--budget-flash") && v) budget_flash = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-search")) search = 0;
        else if (!strcmp(argv[i], "--quick-search")) quick = 1;
        else {
            fprintf(stderr, "usage: bench_gestures [--people N] [--reps N] [--seed N] [--folds K] [--rate HZ] [--csv DIR]\n"
                            "                      [--budget-flash B] [--no-search] [--quick-search]\n");
            return 2;
        }
    }
    if (folds < 2 || folds > c.n_people) folds = c.n_people;
    struct shapes_data d;
    if (shapes_generate(&c, &d)) { fprintf(stderr, "bench_gestures: generation failed\n"); return 1; }
    double lo = 1e9, hi = 0;
    for (int i = 0; i < d.n; i++) {
        double s = d.rec[i].n_samples / c.rate_hz;
        if (s < lo) lo = s;
        if (s > hi) hi = s;
    }
    printf("whole gestures (shapes.c pairs set: circle_ccw/circle_cw, tri/tri_rev time-reversed; swipe_r/swipe_l, "
           "zig/zig_mirror mirrored), %d people x %d reps x 8 classes = %d recordings of %.1f-%.1f s at %.0f Hz, "
           "seed %u; %d folds of held-out people\n", c.n_people, c.reps, d.n, lo, hi, c.rate_hz, c.seed, folds);
    if (csv) {
        if (shapes_write_csv(&d, csv)) { fprintf(stderr, "bench_gestures: cannot write %s\n", csv); return 1; }
        printf("examples written to %s (one folder per person) for sk_gestures.py\n", csv);
    }
    char *held = calloc((size_t)c.n_people, 1);
    const int nr = (int)(sizeof ROWS / sizeof ROWS[0]);
    printf("%-50s %9s %9s %6s\n", "imulab (trainer API, int8 per recording; float)", "int8/rec", "float", "feats");
    for (int r = 0; r < nr; r++) {
        struct acc a = {0};
        int nfeat = 0;
        double t0 = tr_now();
        for (int k = 0; k < folds; k++) {
            for (int p = 0; p < c.n_people; p++) held[p] = p % folds == k;
            shapes_split_people(&d, held);
            struct tr_options o;
            tr_options_default(&o);
            o.mode = ROWS[r].mode;
            o.feat_auto = 0;
            o.feat_flags = ROWS[r].flags;
            o.fft_len = ROWS[r].fft;
            o.raw_points = ROWS[r].raw;
            o.n_sub = ROWS[r].sub;
            o.n_hidden = 2;
            o.hidden[0] = ROWS[r].h0;
            o.hidden[1] = ROWS[r].h1;
            struct tr_model m;
            char err[256];
            if (tr_train(&d.ds, &o, &m, err, sizeof err)) { fprintf(stderr, "%s: %s\n", ROWS[r].name, err); return 1; }
            add(&a, &m);
            nfeat = m.n_feat;
            tr_model_free(&m);
        }
        printf("%-50s %9.4f %9.4f %6d   (%.1f s)\n", ROWS[r].name, (double)a.ok_rec / a.n_rec,
               (double)a.ok_f / a.n_f, nfeat, tr_now() - t0);
        fflush(stdout);
    }
    if (search) {
        struct acc a = {0};
        double t0 = tr_now(), ts = 0;
        for (int k = 0; k < folds; k++) {
            for (int p = 0; p < c.n_people; p++) held[p] = p % folds == k;
            shapes_split_people(&d, held);
            /* subjects for the search's folds (as `imulab import --subject` records them) */
            char names[64][8];
            for (int i = 0; i < d.n; i++) {
                snprintf(names[d.person[i] % 64], sizeof names[0], "p%d", d.person[i]);
                d.rec[i].subject = names[d.person[i] % 64];
            }
            struct tr_options o;
            tr_options_default(&o);
            struct tr_search_options so;
            tr_search_options_default(&so);
            so.quick = quick;
            if (budget_flash > 0) so.budget.flash = budget_flash;
            struct tr_search sr;
            char err[256];
            if (tr_search_run(&d.ds, &o, &so, &sr, err, sizeof err)) {
                printf("auto search, fold %d: %s\n", k, err);
                tr_search_free(&sr);
                for (int i = 0; i < d.n; i++) d.rec[i].subject = NULL;
                a.n_rec = 0;
                break;
            }
            ts += sr.seconds;
            struct tr_model m;
            if (tr_train(&d.ds, &sr.e[sr.best].o, &m, err, sizeof err)) { fprintf(stderr, "auto: %s\n", err); return 1; }
            add(&a, &m);
            printf("  fold %d: %s -> int8/rec %.4f, search %.1f s, predicted flash %d B\n", k, sr.e[sr.best].desc,
                   m.acc_rec, sr.seconds, sr.e[sr.best].cost.flash);
            tr_model_free(&m);
            tr_search_free(&sr);
            for (int i = 0; i < d.n; i++) d.rec[i].subject = NULL;
        }
        if (a.n_rec)
            printf("%-50s %9.4f %9.4f %6s   (%.1f s, search %.1f s)\n", "default imulab train (automatic search)",
                   (double)a.ok_rec / a.n_rec, (double)a.ok_f / a.n_f, "-", tr_now() - t0, ts);
    }
    free(held);
    shapes_free(&d);
    return 0;
}
