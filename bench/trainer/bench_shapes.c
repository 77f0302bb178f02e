/* bench_shapes -- shape gestures: air-drawn digits 0-9 by synthetic people (shapes.c), one window
 * per recording, through the trainer API. Accuracy (float and int8) with spectral-only, raw-only
 * and raw+spectral features, on two splits: every person's repetitions split 3:1 (people seen in
 * training), and held-out people (folds of n_people/folds people never seen in training,
 * averaged, as `imulab split --by-subject` makes it).
 *
 *   bench_shapes [--people N] [--reps N] [--seed N] [--folds N] [--raw-points N] [--fft-len N]
 *                [--hidden LIST] [--epochs N] [--csv DIR] [--aug-copies N --aug-shift-ms N
 *                --aug-rotate DEG --aug-scale X --aug-noise X] [--qat N]
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

int main(int argc, char **argv)
{
    struct shapes_config c;
    shapes_default(&c);
    struct tr_options o;
    tr_options_default(&o);
    o.window_ms = 2000;
    o.stride_ms = 2000;
    o.raw_points = 16;
    o.hidden[0] = 32;
    o.hidden[1] = 16;
    o.epochs = 60;
    int folds = 4;
    const char *csv = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--people") && v) c.n_people = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && v) c.reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && v) c.seed = o.seed = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--folds") && v) folds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--raw-points") && v) o.raw_points = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--fft-len") && v) o.fft_len = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--epochs") && v) o.epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--hidden") && v) { if (tr_parse_hidden(argv[++i], &o)) return 2; }
        else if (!strcmp(argv[i], "--csv") && v) csv = argv[++i];
        else if (!strcmp(argv[i], "--aug-copies") && v) o.aug_copies = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--aug-shift-ms") && v) o.aug_shift_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--aug-rotate") && v) o.aug_rotate_deg = (float)atof(argv[++i]);
        else if (!strcmp(argv[i], "--aug-scale") && v) o.aug_scale = (float)atof(argv[++i]);
        else if (!strcmp(argv[i], "--aug-noise") && v) o.aug_noise = (float)atof(argv[++i]);
        else if (!strcmp(argv[i], "--qat") && v) o.qat_epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--knocks") && v) c.knocks = atof(argv[++i]);
        else if (!strcmp(argv[i], "--val-frac") && v) o.val_frac = (float)atof(argv[++i]);
        else if (!strcmp(argv[i], "--verbose")) { o.verbose = 1; o.progress_out = stderr; }
        else {
            printf("usage: bench_shapes [--people N] [--reps N] [--seed N] [--folds N] [--raw-points N] "
                   "[--fft-len N] [--hidden LIST] [--epochs N] [--csv DIR] [--aug-copies N --aug-shift-ms N "
                   "--aug-rotate DEG --aug-scale X --aug-noise X] [--qat N]\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    if (folds < 2 || folds > c.n_people) folds = c.n_people;
    struct shapes_data d;
    double t0 = tr_now();
    if (shapes_generate(&c, &d)) { fprintf(stderr, "bench_shapes: generation failed\n"); return 1; }
    double t_gen = tr_now() - t0;
    if (csv) {
        if (shapes_write_csv(&d, csv)) { fprintf(stderr, "bench_shapes: cannot write %s\n", csv); return 1; }
        printf("wrote %d recordings as Edge Impulse CSV under %s (one directory per person)\n", d.n, csv);
    }
    printf("shape gestures: digits 0-9, %d people x %d repetitions, %.1f s at %.0f Hz (%d recordings, "
           "generated in %.2f s); one %d ms window per recording\n",
           c.n_people, c.reps, c.seconds, c.rate_hz, d.n, t_gen, o.window_ms);
    printf("network");
    for (int k = 0; k < o.n_hidden; k++) printf("%s%d", k ? "," : " ", o.hidden[k]);
    printf(", %d epochs, FFT %d, raw %d points per axis, seed %u\n", o.epochs, o.fft_len, o.raw_points, o.seed);
    printf("%-22s %5s | %-24s | %-24s\n", "features", "count", "people seen: float int8",
           "held-out people: float int8");
    char *held = calloc((size_t)c.n_people, 1);
    double t_all = tr_now();
    for (size_t f = 0; f < sizeof FSETS / sizeof FSETS[0]; f++) {
        struct tr_options of = o;
        of.feat_flags = FSETS[f].flags;
        struct acc seen = {0}, out = {0};
        shapes_split_reps(&d, 4);
        if (run(&d, &of, &seen)) return 1;
        for (int k = 0; k < folds; k++) {
            for (int p = 0; p < c.n_people; p++) held[p] = p % folds == k;
            shapes_split_people(&d, held);
            if (run(&d, &of, &out)) return 1;
        }
        printf("%-22s %5d | %10.4f %.4f%s | %10.4f %.4f%s\n", FSETS[f].name, seen.n_feat, seen.f / seen.n_test,
               seen.q / seen.n_test, seen.qat ? " q" : "  ", out.f / out.n_test, out.q / out.n_test,
               out.qat ? " q" : "  ");
        fflush(stdout);
    }
    printf("(held-out: %d folds of %d people, test windows pooled; q: quantization-aware fine-tuning "
           "ran automatically in some run; %.1f s in all)\n",
           folds, c.n_people / folds, tr_now() - t_all);
    free(held);
    shapes_free(&d);
    return 0;
}
