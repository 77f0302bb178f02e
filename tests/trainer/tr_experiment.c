/* SPDX-License-Identifier: MIT */
/* tr_experiment -- development driver: train on an Edge Impulse dataset directory with options
 * key=value and print the accuracies and times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ei_load.h"
#include "trainer.h"

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: tr_experiment DIR [key=value...]\n"); return 2; }
    struct ei_data d;
    if (ei_load_dir(argv[1], &d)) return 1;
    struct tr_options o;
    tr_options_default(&o);
    const char *out = NULL;
    for (int i = 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) return 2;
        *eq = 0;
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "hidden")) tr_parse_hidden(v, &o);
        else if (!strcmp(k, "epochs")) o.epochs = atoi(v);
        else if (!strcmp(k, "batch")) o.batch = atoi(v);
        else if (!strcmp(k, "lr")) o.lr = (float)atof(v);
        else if (!strcmp(k, "l2")) o.l2 = (float)atof(v);
        else if (!strcmp(k, "patience")) o.patience = atoi(v);
        else if (!strcmp(k, "val")) o.val_frac = (float)atof(v);
        else if (!strcmp(k, "seed")) o.seed = (unsigned)atoi(v);
        else if (!strcmp(k, "flags")) o.feat_flags = atoi(v);
        else if (!strcmp(k, "fft")) o.fft_len = atoi(v);
        else if (!strcmp(k, "raw")) o.raw_points = atoi(v);
        else if (!strcmp(k, "noise")) o.aug_noise = (float)atof(v);
        else if (!strcmp(k, "copies")) o.aug_copies = atoi(v);
        else if (!strcmp(k, "ascale")) o.aug_scale = (float)atof(v);
        else if (!strcmp(k, "rot")) o.aug_rotate_deg = (float)atof(v);
        else if (!strcmp(k, "shift")) o.aug_shift_ms = atoi(v);
        else if (!strcmp(k, "filter")) o.filter = atoi(v);
        else if (!strcmp(k, "fhz")) o.filter_hz = (float)atof(v);
        else if (!strcmp(k, "cw")) o.class_weights = atoi(v);
        else if (!strcmp(k, "qat")) o.qat_epochs = atoi(v);
        else if (!strcmp(k, "verbose")) { o.verbose = atoi(v); o.progress_out = stderr; }
        else if (!strcmp(k, "out")) out = v;
        else { fprintf(stderr, "unknown key %s\n", k); return 2; }
    }
    struct tr_model m;
    char err[256];
    if (tr_train(&d.ds, &o, &m, err, sizeof err)) { fprintf(stderr, "error: %s\n", err); return 1; }
    printf("float %.4f int8 %.4f train %d test %d feat %d epochs %d best %d fit %.3fs\n", m.acc_float,
           m.acc_int8, m.n_train, m.n_test, m.n_feat, m.n_epochs, m.best_epoch, m.train_seconds);
    printf("decision on %d %s windows: float %.4f int8 ptq %.4f qat %.4f; qat epochs %d (auto %d, kept %d, best %d) %.3fs\n",
           m.cmp_windows, m.cmp_is_val ? "validation" : "training", m.cmp_float, m.cmp_int8_ptq, m.cmp_int8_qat,
           m.qat_epochs, m.qat_auto, m.qat_kept, m.qat_best_epoch, m.qat_seconds);
    (void)out;
    tr_model_free(&m);
    ei_free(&d);
    return 0;
}
