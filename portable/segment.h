/* SPDX-License-Identifier: MIT */
/* segment.h -- gesture mode's portable pieces, shared by the host trainer and the classifier firmware:
 * the motion segmenter, the gesture buffer and the fixed-length resampler.
 *
 * Gesture mode classifies one whole gesture at a time instead of sliding windows:
 *
 *   samples --> imu_seg (motion segmenter: where does a gesture start and end?)
 *           --> imu_gbuf (holds the gesture's int16 samples in a fixed buffer; a gesture longer
 *                         than the buffer is decimated by 2 in place, as often as needed)
 *           --> imu_resample_i16 (to exactly `points` samples per axis)
 *           --> imu_features() on that fixed-length window --> int8 network
 *
 * Determinism: the host runs these functions on the same int16 samples the device sees, so
 * segments, buffers and resampled windows are identical on both. The buffer and the resampler
 * are integer arithmetic only (floor division written out, no shifts of negative numbers). The
 * segmenter's energy is single-precision float in a fixed order of + - * (no division in the
 * per-sample path), compiled with -ffp-contract=off like imu_features.c.
 *
 * The segmenter (per sample; the baseline starts at the first sample):
 *   base_a = base_a + (x_a * scale[a] - base_a) * base_rate          (slow: gravity, posture)
 *   e      = sum over axes of |x_a * scale[a] - base_a|               (motion, physical units)
 *   s      = s + (e - s) * smooth                                    (fast moving average)
 *   idle   = idle + (s - idle) * idle_rate   while no gesture runs and s is below the onset level
 *   onset  when s > idle + on_level (and the last gesture has ended: s fell below idle + off_level)
 *   offset when s < idle + off_level for `hold` consecutive samples; the segment runs from the
 *          onset sample to that last sample (the quiet tail included)
 *   a segment of max_len samples ends there (the next onset waits for quiet);
 *   a segment shorter than min_len is dropped.
 * Nothing allocates; the gesture buffer's storage is the caller's.
 */
#ifndef IMULAB_SEGMENT_H
#define IMULAB_SEGMENT_H

#include <stdint.h>

#define IMU_SEG_MAX_AXES 9
#define IMU_RESAMPLE_MAX_POINTS 1024

struct imu_seg_config {
    uint16_t n_axes;    /* 1..IMU_SEG_MAX_AXES */
    uint16_t hold;      /* samples below the offset level that end a gesture (>= 1) */
    uint16_t min_len;   /* shorter segments are dropped (samples) */
    uint16_t max_len;   /* a segment ends after this many samples (>= min_len, >= 2) */
    float base_rate;    /* 0 < base_rate <= 1: weight of a sample in the slow baseline */
    float smooth;       /* 0 < smooth <= 1: weight of the new energy in the fast average */
    float idle_rate;    /* 0 <= idle_rate <= 1: weight of the fast average in the idle level */
    float on_level;     /* onset: fast average above idle + on_level (physical units / sample) */
    float off_level;    /* offset: below idle + off_level (0 <= off_level <= on_level) */
    float idle_init;    /* the idle level before any sample */
};

struct imu_seg_state {
    const struct imu_seg_config *cfg;
    float scale[IMU_SEG_MAX_AXES];
    float base[IMU_SEG_MAX_AXES];
    float s, idle;
    uint32_t n;          /* samples seen */
    uint32_t start;      /* onset sample of the running segment */
    uint32_t quiet;      /* consecutive samples below the offset level */
    uint8_t active;      /* a segment is running (the current sample belongs to it) */
    uint8_t armed;       /* an onset may start a segment (quiet was seen since the last one) */
};

enum imu_seg_event {
    IMU_SEG_NONE = 0,     /* no segment running, or one continues */
    IMU_SEG_ONSET = 1,    /* this sample is the first of a segment */
    IMU_SEG_END = 2,      /* this sample is the last of a segment of at least min_len samples */
    IMU_SEG_DROPPED = 3,  /* this sample ended a segment shorter than min_len */
};

/* 0 when the configuration is valid, else -1. */
int imu_seg_config_check(const struct imu_seg_config *cfg);

/* Start (or restart) segmenting a stream whose axis a has physical value raw * scale[a]. */
void imu_seg_init(struct imu_seg_state *st, const struct imu_seg_config *cfg, const float *scale);

/* Feed one sample (n_axes int16 values). Returns an enum imu_seg_event. After IMU_SEG_ONSET and
 * while imu_seg_active(), the sample belongs to the segment (the one returning IMU_SEG_END or
 * IMU_SEG_DROPPED included); *start and *len describe the segment at IMU_SEG_END / DROPPED
 * (sample indices counted from imu_seg_init). */
int imu_seg_push(struct imu_seg_state *st, const int16_t *x, uint32_t *start, uint32_t *len);

/* The data ends (a recorded stream, not the live one): a segment still running ends here, as if
 * quiet had followed -- IMU_SEG_END (at least min_len samples) or IMU_SEG_DROPPED with *start and
 * *len, or IMU_SEG_NONE when none runs. A recording that stops less than the hold time after its
 * last gesture otherwise loses that gesture. */
int imu_seg_finish(struct imu_seg_state *st, uint32_t *start, uint32_t *len);

/* The motion level s after feeding x (updates the baseline and s only, no segments): the host
 * calibrates the onset and offset levels on it. */
float imu_seg_level(struct imu_seg_state *st, const int16_t *x);

/* Whole-recording helper for the host: the segments of n samples (interleaved), the one running
 * at the end included (imu_seg_finish), at most max of them written to starts/lens; returns how
 * many there are. */
int imu_seg_find(const struct imu_seg_config *cfg, const float *scale, const int16_t *x, uint32_t n,
                 uint32_t *starts, uint32_t *lens, int max);

/* The gesture buffer: up to cap samples (cap even, 4..32768; sums stay in int32 up to 65536
 * samples per kept sample). While the gesture is longer than the
 * buffer, it keeps one sample per `step` input samples (step a power of two, the floor of the
 * mean of the step samples); each time the buffer fills, neighbouring pairs are merged (floor of
 * their mean) and step doubles. */
struct imu_gbuf {
    int16_t *buf;        /* cap * n_axes, interleaved, the caller's storage */
    uint16_t n_axes, cap;
    uint16_t n;          /* samples in buf */
    uint16_t pend_n;     /* input samples summed in pend */
    uint32_t step;
    int32_t pend[IMU_SEG_MAX_AXES];
};

void imu_gbuf_init(struct imu_gbuf *g, int16_t *storage, uint16_t n_axes, uint16_t cap);
void imu_gbuf_reset(struct imu_gbuf *g);
void imu_gbuf_push(struct imu_gbuf *g, const int16_t *x);
/* Flush the partial sum (floor of its mean) and return the number of samples in buf. */
uint16_t imu_gbuf_finish(struct imu_gbuf *g);

/* Resample n samples (interleaved, n_axes per step, 1 <= n <= 65535) linearly to points samples
 * (2 <= points <= IMU_RESAMPLE_MAX_POINTS, so every product fits in int32): out[i] = x[j] + round_half_away((x[j+1] - x[j]) * r / (points - 1)) where
 * i * (n - 1) = j * (points - 1) + r. First and last samples are kept exactly. */
void imu_resample_i16(const int16_t *x, uint32_t n, uint16_t n_axes, int16_t *out, uint16_t points);

#endif
