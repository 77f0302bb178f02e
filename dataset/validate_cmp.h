/* SPDX-License-Identifier: MIT */
/* validate_cmp.h -- the comparison at the heart of `imulab validate`: what the host computed for
 * a window against what the device answered, bit for bit. A pure function (no I/O, no state),
 * unit-tested in tests/dataset/test_validate_cmp.c. */
#ifndef IMULAB_VALIDATE_CMP_H
#define IMULAB_VALIDATE_CMP_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The host's result for one window: features (f32), int8 scores, the class it picks. */
struct val_host_result {
    int n_features;
    const float *features;
    int n_classes;
    const int8_t *scores;
    int class_index;
};

/* What differs first, in this order: the counts, a feature, a score, the class (val_compare);
 * then the decision logic (VAL_DECISION: set by cmd_validate.c from validate_decide.c's
 * comparison, never returned by val_compare). */
enum val_difference { VAL_SAME = 0, VAL_COUNTS, VAL_FEATURE, VAL_SCORE, VAL_CLASS, VAL_DECISION, VAL_ANOMALY };

/* Compare the device's VALIDATE_RESULT with the host's result: every feature's 32 bits, every
 * int8 score, the class index and both counts. Returns VAL_SAME, or the first difference with a
 * one-line description in why (e.g. "feature 3: device 0.5, host 0.50000006"). */
enum val_difference val_compare(const struct val_host_result *host, const struct proto_validate_result *dev, char *why,
                                size_t whylen);

#endif
