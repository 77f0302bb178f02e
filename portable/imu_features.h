/* SPDX-License-Identifier: MIT */
/* imu_features.h -- the feature extractor shared by the host trainer and the classifier firmware.
 *
 * One window of raw int16 samples (interleaved, n_axes per time step) plus a per-axis scale
 * (physical value = raw * scale) goes in; a float feature vector comes out. The host computes the
 * training and evaluation features with this exact function, on the same int16 input the device
 * sees, so the two agree bit for bit: only IEEE single-precision +, -, *, / are used (no libm; the
 * few functions needed -- sqrt, log10 -- are written here with a fixed sequence of operations), and
 * the code must be compiled with -ffp-contract=off (no fused multiply-add) and FLT_EVAL_METHOD 0.
 *
 * Nothing allocates: the caller passes a float workspace of imu_features_work_len() floats.
 *
 * Features per axis, in this order (each group only if its flag is set):
 *   IMU_FEAT_STATS     mean, RMS (of the mean-removed signal), skewness, excess kurtosis   (4)
 *   IMU_FEAT_SPECTRAL  log10 power of FFT bins 1..fft_len/2, frames of fft_len with 50%
 *                      overlap, mean removed, optional Hann window, maximum per bin       (fft_len/2)
 *   IMU_FEAT_SUBSTATS  mean and RMS (about the window's mean) of n_sub equal
 *                      sub-segments of the window, in time order                 (2 * n_sub)
 *   IMU_FEAT_RAW       the axis resampled linearly to raw_points points, times raw_scale (raw_points)
 *   IMU_FEAT_DERIV     differences of neighbouring raw points (times raw_scale)  (raw_points - 1)
 * DERIV and SUBSTATS keep the time order that stats and spectral lose (a gesture and its
 * time-reversal have the same stats and spectrum); gesture mode uses them.
 * The signal first goes through the optional biquad cascade (e.g. a Butterworth low- or
 * high-pass whose coefficients the host computed), except for the raw group which uses the
 * unfiltered signal.
 */
#ifndef IMULAB_FEATURES_H
#define IMULAB_FEATURES_H

#include <stdint.h>

#define IMU_FEAT_MAX_AXES 9
#define IMU_FEAT_MAX_FFT 128     /* fft_len: a power of two, 8..128 */
#define IMU_FEAT_MAX_SECTIONS 2  /* biquad sections of the optional filter */
#define IMU_FEAT_MAX_SUB 32      /* sub-segments of IMU_FEAT_SUBSTATS */

enum imu_feat_flags {
    IMU_FEAT_STATS = 1u << 0,
    IMU_FEAT_SPECTRAL = 1u << 1,
    IMU_FEAT_RAW = 1u << 2,
    IMU_FEAT_HANN = 1u << 3,
    IMU_FEAT_DERIV = 1u << 4,
    IMU_FEAT_SUBSTATS = 1u << 5,
};

struct imu_feat_config {
    uint16_t n_axes;      /* 1..IMU_FEAT_MAX_AXES */
    uint16_t window_len;  /* samples per axis in one window */
    uint16_t flags;       /* enum imu_feat_flags */
    uint16_t fft_len;     /* power of two, used with IMU_FEAT_SPECTRAL */
    uint16_t raw_points;  /* points per axis, used with IMU_FEAT_RAW */
    uint16_t n_sections;  /* biquad sections, 0 = no filter */
    uint16_t n_sub;       /* sub-segments, used with IMU_FEAT_SUBSTATS (2..window_len) */
    float raw_scale;      /* multiplies the physical value in the raw group */
    float log_floor;      /* power below this is clamped before log10 (e.g. 1e-10) */
    /* per section: b0, b1, b2, a1, a2 (a0 = 1), y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2]
     *                                                 - a1 y[n-1] - a2 y[n-2] */
    float sos[IMU_FEAT_MAX_SECTIONS][5];
};

/* Number of features per window, or -1 if the configuration is invalid. */
int imu_features_count(const struct imu_feat_config *cfg);

/* Floats of workspace imu_features() needs: window_len + 3.5 * fft_len (spectral). */
int imu_features_work_len(const struct imu_feat_config *cfg);

/* Compute the features of one window: x holds window_len * n_axes int16 samples, interleaved
 * (x[t * n_axes + a]); scale[a] converts axis a to physical units. out receives
 * imu_features_count() floats. Returns the count, or -1 on an invalid configuration. */
int imu_features(const struct imu_feat_config *cfg, const int16_t *x, const float *scale,
                 float *work, float *out);

/* The math helpers, exposed for tests. Deterministic on every IEEE-754 single-precision target. */
float imu_sqrtf(float x);
/* cos(2 pi i / 128) as the feature code has it (the exporter copies the model's subset). */
float imu_features_cos128(unsigned i);
float imu_log10f(float x); /* x > 0, normal */

#endif
