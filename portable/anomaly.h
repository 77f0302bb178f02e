/* SPDX-License-Identifier: MIT */
/* anomaly.h -- the anomaly score ("none of the known classes", machine-health monitoring), shared
 * by the host (train, eval, validate) and the firmware.
 *
 * The score works on a vector the classifier computes anyway: the network's int8 input (layer 0:
 * the feature vector standardized with the training mean and standard deviation and quantized,
 * imu_nn_quantize_input) or the int8 output of one of its hidden layers (layer L: after L dense
 * layers), so it costs no extra feature work on the device. The model is K centroids c[k] in
 * that space, optionally with a weight per centroid and dimension and an offset per centroid (a
 * diagonal Gaussian mixture with hard assignment: w ~ 1 / variance, the offset the log of the
 * determinant and of the mixture weight). The score is
 *     score = min_k  bias[k] + sum_i w[k][i] * (x[i] - c[k][i])^2   (w = 1, bias = 0 without)
 * in unsigned 32-bit integers, saturating at UINT32_MAX, so host and device agree bit for bit.
 * A window is an anomaly when score > threshold.
 *
 * On-device learning (anomaly-only mode, imu_anomaly_learn_*): running sums of x and x^2 over N
 * windows give one centroid (the mean) and per-dimension weights (scaled inverse variances);
 * the threshold is the largest score of those N windows times a margin. Integer arithmetic only,
 * static storage supplied by the caller. */
#ifndef IMULAB_ANOMALY_H
#define IMULAB_ANOMALY_H

#include <stdint.h>

#define IMU_ANOMALY_MAX_DIM 512

struct imu_anomaly {
    uint16_t n_dim, n_centroids;
    uint16_t layer;          /* 0: the network's input; L: the output of dense layer L-1 */
    const int8_t *centroids; /* n_centroids * n_dim */
    const uint8_t *weights;  /* n_centroids * n_dim, or NULL: every weight 1 */
    const uint32_t *bias;    /* n_centroids, or NULL: 0 */
    uint32_t threshold;      /* score > threshold: anomaly */
};

/* The score of one int8 input vector x (n_dim bytes). */
uint32_t imu_anomaly_score(const struct imu_anomaly *a, const int8_t *x);

struct imu_nn_model;
/* imu_nn_run with the anomaly score: runs the network's layers on buf_a (the quantized input) as
 * imu_nn_run does, scoring the vector of a->layer on the way into *score. Returns the buffer
 * holding the outputs. */
int8_t *imu_anomaly_run(const struct imu_nn_model *m, const struct imu_anomaly *a, int8_t *buf_a, int8_t *buf_b,
                        uint32_t *score);

/* On-device fitting of one diagonal Gaussian from N windows (two passes over the data are not
 * possible on the device: the first N windows give the mean and variance, the next N the
 * threshold). The caller owns every array (n_dim entries). */
struct imu_anomaly_learn {
    uint16_t n_dim;
    uint32_t n;              /* windows summed */
    int32_t *sum;            /* sum of x */
    uint32_t *sum2;          /* sum of x^2 (at most 2^14 per window: 2^18 windows fit) */
    int8_t *centroid;        /* the mean, rounded */
    uint8_t *weight;         /* scaled inverse variance, 1..255 */
};
void imu_anomaly_learn_init(struct imu_anomaly_learn *l, uint16_t n_dim, int32_t *sum, uint32_t *sum2,
                            int8_t *centroid, uint8_t *weight);
/* Add one window to the sums. */
void imu_anomaly_learn_add(struct imu_anomaly_learn *l, const int8_t *x);
/* Mean and weights from the sums into centroid/weight; returns 0, or -1 with no windows. */
int imu_anomaly_learn_fit(struct imu_anomaly_learn *l);

#endif
