/* SPDX-License-Identifier: MIT */
/* bench_shapes -- shape gestures: air-drawn digits 0-9 by synthetic people (shapes.c), one window
 * per recording, through the trainer API. Accuracy (float and int8) with spectral-only, raw-only
 * and raw+spectral features, on two splits: every person's repetitions split 3:1 (people seen in
 * training), and held-out people (folds of n_people/folds people never seen in training,
 * averaged, as `imulab split --by-subject` makes it).
 *
 *   bench_shapes [--people N] [--reps N] [--seeds N] [--folds N] [--raw-points N] [--fft-len N]
 *                [--hidden LIST] [--epochs N] [--knocks P] [--val-frac X] [--qat N] [--no-aug]
 *                [--csv DIR] [--verbose]
 * Every table entry pools the test windows over --seeds generator seeds (new people each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shapes.h"
#include "trainer.h"

struct fset {
    const char *name;
    int flags;
};

static const struct fset FSETS[] = {
    {"spectral (stats+FFT)", IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_HANN},
    {"raw", IMU_FEAT_RAW},
    {"raw+spectral", IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_RAW | IMU_FEAT_HANN},
};

struct acc {
    double f, q;
    int n_test, n_feat, qat;
};

static int run(struct shapes_data *d, const struct tr_options *o, struct acc *a)
{
    struct tr_model m;
    char err[256];
    if (tr_train(&d->ds, o, &m, err, sizeof err)) {
        fprintf(stderr, "bench_shapes: %s\n", err);
        return -1;
    }
    a->f += m.acc_float * m.n_test;
    a->q += m.acc_int8 * m.n_test;
    a->n_test += m.n_test;
    a->n_feat = m.n_feat;
    a->qat += m.qat_epochs > 0 && m.qat_kept;
    tr_model_free(&m);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_shapes [--people N] [--reps N] [--seeds N] [--folds N] [--raw-points N] [--fft-len N]\n"
               "                    [--hidden LIST] [--epochs N] [--knocks P] [--val-frac X] [--qat N] [--no-aug]\n"
               "                    [--csv DIR] [--verbose]\n");
}

int main(int argc, char **argv)
{
    struct shapes_config c;
    shapes_default(&c);
    c.n_people = 10;
    c.reps = 16;
    struct tr_options o;
    tr_options_default(&o);
    o.mode = TR_MODE_CONTINUOUS; /* the benchmark compares windows of whole recordings */
    o.window_ms = 2000;
    o.stride_ms = 2000;
    o.raw_points = 16;
    o.hidden[0] = 32;
    o.hidden[1] = 16;
    o.epochs = 60;
    int folds = 5, seeds = 3, aug = 1;
    const char *csv = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--people") && v) c.n_people = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && v) c.reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seeds") && v) seeds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--folds") && v) folds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--raw-points") && v) o.raw_points = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--fft-len") && v) o.fft_len = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--epochs") && v) o.epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--hidden") && v) { if (tr_parse_hidden(argv[++i], &o)) return 2; }
        else if (!strcmp(argv[i], "--knocks") && v) c.knocks = atof(argv[++i]);
        else if (!strcmp(argv[i], "--val-frac") && v) o.val_frac = (float)atof(argv[++i]);
        else if (!strcmp(argv[i], "--qat") && v) o.qat_epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-aug")) aug = 0;
        else if (!strcmp(argv[i], "--csv") && v) csv = argv[++i];
        else if (!strcmp(argv[i], "--verbose")) { o.verbose = 1; o.progress_out = stderr; }
        else if (!strcmp(argv[i], "--help")) { usage(stdout); return 0; }
        else { usage(stderr); return 2; }
    }
    if (seeds < 1) seeds = 1;
    if (folds < 2 || folds > c.n_people) folds = c.n_people;
    if (csv) {
        struct shapes_data d;
        c.seed = 1;
        if (shapes_generate(&c, &d) || shapes_write_csv(&d, csv)) { fprintf(stderr, "bench_shapes: cannot write %s\n", csv); return 1; }
        printf("wrote %d recordings (seed 1) as Edge Impulse CSV under %s, one directory per person\n", d.n, csv);
        shapes_free(&d);
    }
    printf("shape gestures: digits 0-9 drawn in the air, %d synthetic people x %d repetitions, %.1f s at %.0f Hz "
           "(%d recordings per seed, %d seeds); one %d ms window per recording\n",
           c.n_people, c.reps, c.seconds, c.rate_hz, c.n_people * c.reps * 10, seeds, o.window_ms);
    printf("network");
    for (int k = 0; k < o.n_hidden; k++) printf("%s%d", k ? "," : " ", o.hidden[k]);
    printf(", %d epochs, FFT %d, raw %d points per axis; people seen: each person's repetitions 3:1 into "
           "training and testing; held-out people: %d folds of %d people never seen in training\n",
           o.epochs, o.fft_len, o.raw_points, folds, c.n_people / folds);
    printf("%-22s %5s | %-15s | %-15s\n", "features", "count", "people seen", "held-out people");
    printf("%-22s %5s | %-15s | %-15s\n", "", "", "float   int8", "float   int8");
    char *held = calloc((size_t)c.n_people, 1);
    const int nf = (int)(sizeof FSETS / sizeof FSETS[0]);
    struct acc seen[2][8], out[2][8];
    memset(seen, 0, sizeof seen);
    memset(out, 0, sizeof out);
    double t_all = tr_now();
    for (int sd = 1; sd <= seeds; sd++) {
        struct shapes_data d;
        c.seed = (unsigned)sd;
        if (shapes_generate(&c, &d)) { fprintf(stderr, "bench_shapes: generation failed\n"); return 1; }
        for (int ag = 0; ag <= aug; ag++)
            for (int f = 0; f < nf; f++) {
                struct tr_options of = o;
                of.seed = (unsigned)sd;
                of.feat_flags = FSETS[f].flags;
                if (ag) {
                    of.aug_copies = 4;
                    of.aug_rotate_deg = 30;
                    of.aug_shift_ms = 300;
                    of.aug_scale = 0.15f;
                }
                shapes_split_reps(&d, 4);
                if (run(&d, &of, &seen[ag][f])) return 1;
                for (int k = 0; k < folds; k++) {
                    for (int p = 0; p < c.n_people; p++) held[p] = p % folds == k;
                    shapes_split_people(&d, held);
                    if (run(&d, &of, &out[ag][f])) return 1;
                }
            }
        shapes_free(&d);
    }
    for (int ag = 0; ag <= aug; ag++) {
        printf("%s\n", ag ? "with augmentation (4 copies: rotation up to 30 deg, time shift up to 300 ms, scale +-15%)"
                          : "without augmentation");
        for (int f = 0; f < nf; f++)
            printf("%-22s %5d | %.4f  %.4f%s | %.4f  %.4f%s\n", FSETS[f].name, seen[ag][f].n_feat,
                   seen[ag][f].f / seen[ag][f].n_test, seen[ag][f].q / seen[ag][f].n_test, seen[ag][f].qat ? " q" : "  ",
                   out[ag][f].f / out[ag][f].n_test, out[ag][f].q / out[ag][f].n_test, out[ag][f].qat ? " q" : "  ");
    }
    printf("(test windows pooled over seeds and folds; q: automatic quantization-aware fine-tuning was kept in "
           "some run; %.1f s in all)\n", tr_now() - t_all);
    free(held);
    return 0;
}
