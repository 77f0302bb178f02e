/* SPDX-License-Identifier: MIT */
/* features_ref.h -- the frozen reference feature extractor (see features_ref.c). */
#ifndef IMULAB_FEATURES_REF_H
#define IMULAB_FEATURES_REF_H

#include "imu_features.h"

/* imu_features() and imu_features_work_len() as of commit 0e0e4be. */
int features_ref(const struct imu_feat_config *c, const int16_t *x, const float *scale, float *work, float *out);
int features_ref_work_len(const struct imu_feat_config *c);

#endif
