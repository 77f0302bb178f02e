/* SPDX-License-Identifier: MIT */
/* validate_cmp.c -- see validate_cmp.h. Features are compared as bit patterns, not as numbers,
 * so -0.0 against 0.0 or two different NaNs count as differences, as they are on the wire. */
#include "validate_cmp.h"

#include <stdio.h>
#include <string.h>

/* The first difference between the host's and the device's results of one window. */
enum val_difference val_compare(const struct val_host_result *host, const struct proto_validate_result *dev, char *why,
                                size_t whylen)
{
    if (whylen)
        why[0] = 0;
    if (dev->n_features != host->n_features || dev->n_classes != host->n_classes) {
        snprintf(why, whylen, "the device sent %u features and %u scores, the host has %d and %d", dev->n_features,
                 dev->n_classes, host->n_features, host->n_classes);
        return VAL_COUNTS;
    }
    for (int j = 0; j < host->n_features; j++) {
        uint32_t hb, db = proto_validate_feature_bits(dev, (unsigned)j);
        memcpy(&hb, &host->features[j], 4);
        if (db != hb) {
            float dv;
            memcpy(&dv, &db, 4);
            snprintf(why, whylen, "feature %d: device %.9g (%08x), host %.9g (%08x)", j, (double)dv, db,
                     (double)host->features[j], hb);
            return VAL_FEATURE;
        }
    }
    for (int j = 0; j < host->n_classes; j++)
        if (dev->scores[j] != host->scores[j]) {
            snprintf(why, whylen, "int8 score of class %d: device %d, host %d", j, dev->scores[j], host->scores[j]);
            return VAL_SCORE;
        }
    if (dev->class_index != host->class_index) {
        snprintf(why, whylen, "class: device %u, host %d", dev->class_index, host->class_index);
        return VAL_CLASS;
    }
    return VAL_SAME;
}
