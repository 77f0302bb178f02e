/* SPDX-License-Identifier: MIT */
/* synth.h -- deterministic synthetic 6-axis IMU: the gestures of the device simulator
 * (tools/sim) and of the emulated board's synthetic sensor.
 *
 * Integer arithmetic only (no libm, no floating point in the generator), no allocation, a few
 * dozen instructions per sample, and bit-identical output on the host and the Cortex-M4 for the
 * same seed, configuration and call sequence.
 *
 * Output is raw int16 in MPU6050 units for the configured full-scale ranges, axis order
 * accX accY accZ gyrX gyrY gyrZ:
 *   accel: 32768 / range_g LSB per g     (range 2/4/8/16 g: 16384/8192/4096/2048 LSB/g)
 *   gyro:  131/65.5/32.8/16.4 LSB per dps (range 250/500/1000/2000 dps)
 * synth_accel_scale()/synth_gyro_scale() give the HELLO scale (physical = raw * scale).
 *
 * Gestures (the device lies flat, +Z up, so idle reads (0, 0, +1 g)):
 *   0 idle    gravity + sensor noise
 *   1 wave    side-to-side along X at ~2 Hz, rotation about Z
 *   2 circle  horizontal circle at ~1 Hz (X/Y in quadrature), rotation about X/Y
 *   3 updown  vertical bounce along Z at ~1.5 Hz, rotation about X
 * Each repetition (one period) draws a new amplitude (+-15 %) and frequency (+-10 %) from the
 * seeded PRNG, and every sample gets small noise, so windows are alike but never identical.
 */
#ifndef IMULAB_SYNTH_H
#define IMULAB_SYNTH_H

#include <stdint.h>

#define SYNTH_AXES 6u

enum synth_gesture {
    SYNTH_IDLE = 0,
    SYNTH_WAVE = 1,
    SYNTH_CIRCLE = 2,
    SYNTH_UPDOWN = 3,
    SYNTH_N_GESTURES = 4,
};

struct synth {
    uint32_t rng;       /* xorshift32 state, never 0 */
    uint32_t phase;     /* position in the current repetition, 2^32 = one period */
    uint32_t base_step; /* phase increment per sample at the gesture's nominal frequency */
    uint32_t step;      /* this repetition's increment (base_step +-10 %) */
    int32_t amp_q8;     /* this repetition's amplitude, 256 = nominal */
    uint16_t rate_hz;
    uint8_t accel_g;
    uint16_t gyro_dps;
    uint8_t gesture;
};

/* Start a generator: idle, 100 Hz, +-8 g, +-1000 dps. seed 0 is allowed (mapped to non-zero). */
void synth_init(struct synth *s, uint32_t seed);
/* Rate 1..65535 Hz; ranges as the MPU6050 (2/4/8/16 g, 250/500/1000/2000 dps). 0 or -1. */
int synth_configure(struct synth *s, uint16_t rate_hz, uint8_t accel_g, uint16_t gyro_dps);
/* 0, or -1 for an unknown gesture (the gesture is unchanged). Restarts the repetition. */
int synth_set_gesture(struct synth *s, uint8_t gesture);
/* Produce the next sample. */
void synth_next(struct synth *s, int16_t out[SYNTH_AXES]);

/* Names "idle", "wave", "circle", "updown"; NULL / -1 when unknown. */
const char *synth_gesture_name(uint8_t gesture);
int synth_gesture_from_name(const char *name);

/* HELLO scales: physical value = raw * scale (g and dps). 0 for an unsupported range. */
float synth_accel_scale(uint8_t accel_g);
float synth_gyro_scale(uint16_t gyro_dps);

/* sin(2*pi*phase/2^32) in Q15 (-32767..32767), table + linear interpolation. */
int32_t synth_sin_q15(uint32_t phase);

#endif
