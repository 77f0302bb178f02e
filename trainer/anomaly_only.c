/* SPDX-License-Identifier: MIT */
/* anomaly_only.c -- anomaly-only mode (machine monitoring, docs/model.md "Anomaly-only models"):
 * a model trained on the recordings of one label, the normal operation, that says how far a
 * window is from it and nothing else.
 *
 * The model is an ordinary imulab model, so that model.json, model.c, the classifier firmware,
 * imulab validate and imulab eval need no second path: the features and their standardization
 * come from the normal training windows, and the network is trivial -- one dense layer from the
 * features to one output with zero weights and bias (one class, which every window "is"; n_feat
 * bytes of weights, quantized like any layer). The anomaly model (anomaly.c) sits on the network's
 * int8 input (layer 0), and it is what the model is for: a window scoring above its threshold is
 * "unknown". In an evaluation every recording of another label is an anomaly, training recordings
 * too (tr_dataset_normal): they were not used. */
#include "trainer_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tr_dataset_normal(const struct tr_dataset *ds, const char *label, struct tr_dataset *out, struct tr_recording **copy)
{
    *copy = malloc(sizeof(struct tr_recording) * (size_t)(ds->n > 0 ? ds->n : 1));
    if (!*copy) return -1;
    int moved = 0;
    for (int i = 0; i < ds->n; i++) {
        (*copy)[i] = ds->rec[i];
        if (ds->rec[i].category == TR_TRAINING && strcmp(ds->rec[i].label, label)) {
            (*copy)[i].category = TR_TESTING;
            moved++;
        }
    }
    out->n = ds->n;
    out->rec = *copy;
    return moved;
}

/* Mean and standard deviation of each feature over the training windows (as tr_fit computes them). */
static int standardize(struct tr_model *m, const struct tr_windows *tw)
{
    const int n = tw->n, nf = tw->n_feat;
    m->feat_mean = calloc((size_t)nf, sizeof(float));
    m->feat_std = calloc((size_t)nf, sizeof(float));
    if (!m->feat_mean || !m->feat_std) return -1;
    for (int i = 0; i < nf; i++) {
        double s = 0, s2 = 0;
        for (int r = 0; r < n; r++) s += tw->x[(size_t)r * nf + i];
        const double mu = s / n;
        for (int r = 0; r < n; r++) {
            const double d = tw->x[(size_t)r * nf + i] - mu;
            s2 += d * d;
        }
        const double sd = sqrt(s2 / n);
        m->feat_mean[i] = (float)mu;
        m->feat_std[i] = (float)(sd > 1e-6 ? sd : 1.0);
    }
    return 0;
}

/* The trivial network: features -> one output, zero weights and bias, quantized with the input
 * range of the training windows (the anomaly model's space) and a symmetric output range. */
static int trivial_network(struct tr_model *m, const struct tr_windows *tw)
{
    const int nf = m->n_feat;
    m->n_layers = 1;
    m->sizes[0] = nf;
    m->sizes[1] = 1;
    m->W[0] = calloc((size_t)nf, sizeof(float));
    m->B[0] = calloc(1, sizeof(float));
    if (!m->W[0] || !m->B[0]) return -1;
    double lo[2], hi[2] = {0, 1};
    lo[1] = -1;
    tr_calibrate_input(m, tw, &lo[0], &hi[0]);
    return tr_quantize_with(m, m->W, m->B, lo, hi);
}

int tr_train_anomaly_only(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m, char *err,
                          size_t errlen)
{
    struct tr_options so = *o;
    so.anomaly_only = 1;
    so.n_conv = 0; /* no network to put a conv front end in front of */
    const double t0 = tr_now();
    if (tr_setup_model(ds, &so, m, err, errlen)) return -1;
    if (m->n_labels != 1) {
        snprintf(err, errlen, "anomaly-only mode: the training recordings have %d labels, want one (the normal "
                 "operation)", m->n_labels);
        tr_model_free(m);
        return -1;
    }
    struct tr_windows tw, te;
    memset(&te, 0, sizeof te);
    if (tr_make_windows(m, ds, TR_TRAINING, &tw, err, errlen)) {
        tr_model_free(m);
        return -1;
    }
    int rc = -1;
    if (tw.n < 2) {
        snprintf(err, errlen, "anomaly-only mode: %d training windows of '%s': record more or use shorter windows",
                 tw.n, m->labels[0]);
        goto out;
    }
    if (standardize(m, &tw) || trivial_network(m, &tw)) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    m->n_train = tw.n;
    if (tr_make_windows(m, ds, TR_TESTING, &te, err, errlen)) goto out;
    m->n_test = te.n;
    m->acc_float = tr_evaluate(m, &te, 0, NULL); /* 1: one class */
    m->acc_int8 = tr_evaluate(m, &te, 1, NULL);
    m->acc_rec = tr_evaluate_recordings(m, &te, NULL, &m->n_rec_units);
    m->n_test_skipped = tr_recordings_without_examples(ds, &te, TR_TESTING);
    for (int r = 0, last = -1; r < tw.n; r++) {
        if (tw.rec[r] != last || m->mode == TR_MODE_GESTURE) m->train_examples[0]++;
        last = tw.rec[r];
    }
    tr_decision_setup(m, o->min_confidence, m->mode == TR_MODE_GESTURE ? 1 : o->smooth_n, o->min_interval_ms);
    m->train_seconds = tr_now() - t0;
    m->hash = tr_model_hash(m);
    rc = 0;
out:
    tr_windows_free(&tw);
    tr_windows_free(&te);
    if (rc) tr_model_free(m);
    return rc;
}
