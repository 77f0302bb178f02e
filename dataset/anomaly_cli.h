/* SPDX-License-Identifier: MIT */
/* anomaly_cli.h -- the anomaly model in `imulab train` and `imulab eval` (anomaly_cli.c). */
#ifndef IMULAB_ANOMALY_CLI_H
#define IMULAB_ANOMALY_CLI_H

#include <stdio.h>

#include "trainer.h"

/* Anomaly figures on the testing recordings: the windows of known labels are normal, those of
 * labels the model does not know are anomalies. */
struct anom_eval {
    int n_known, n_unknown;
    double auc;          /* ROC AUC (-1 without anomalies) */
    double detect;       /* share of anomalies above the threshold (-1 without anomalies) */
    double false_alarm;  /* share of normal windows above the threshold */
    uint32_t *known, *unknown; /* the scores */
};

/* After tr_train on the known part of the data: fit m->anom as o->anomaly says (-1: the default
 * method if the classifier firmware with it fits the budget b, else none; TR_ANOM_NONE: none;
 * else that method), recomputing the hash. Writes one line about it to out (may be NULL).
 * 0, or -1 with a message in err. */
int anom_train(struct tr_model *m, const struct tr_dataset *known, const struct tr_options *o,
               const struct tr_budget *b, FILE *out, char *err, size_t errlen);

/* On-device learning in the classifier firmware for m (after anom_train): o->device_learn 1 on, 0
 * off, -1 on when the firmware with it fits the budget b; sets m->device_learn (model.h
 * IMU_MODEL_LEARN) and writes one line about it to out (may be NULL). Returns m->device_learn. */
int anom_learn_decide(struct tr_model *m, const struct tr_options *o, const struct tr_budget *b, FILE *out);

/* Score the testing windows te (known labels) and the testing recordings of ds with unknown
 * labels. m must have an anomaly model. 0, or -1 with a message. */
int anom_evaluate(const struct tr_model *m, const struct tr_dataset *ds, const struct tr_windows *te,
                  struct anom_eval *r, char *err, size_t errlen);
void anom_eval_free(struct anom_eval *r);

/* An SVG histogram of the scores (log scale), normal and anomalous, with the threshold. */
int anom_plot_svg(const struct tr_model *m, const struct anom_eval *r, const char *path);

#endif
