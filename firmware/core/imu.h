/* SPDX-License-Identifier: MIT */
/* imu.h -- what a sensor gives the application: 6-axis samples, and the sensor interface that the
 * real MPU6050 (over I2C) and the synthetic IMU (emulated board) both implement. */
#ifndef FW_IMU_H
#define FW_IMU_H

#include <stdbool.h>
#include <stdint.h>

#define IMU_AXES 6u /* accX accY accZ gyrX gyrY gyrZ */

/* One element of the sample ring (sensor context -> main loop). idx counts samples since the
 * stream (re)started at the current configuration; t_us is the sample's device time. */
struct imu_sample {
    int16_t v[IMU_AXES];
    uint32_t idx;
    uint64_t t_us;
};

#define SENSOR_FLAG_SYNTHETIC 0x01u

struct sensor_ops {
    const char *name;   /* HELLO sensor id, at most 16 characters */
    uint8_t flags;
    uint8_t scale_kind; /* enum live_sensor_kind (portable/live.h): how LSBs map to g and dps */
    /* One step of probing and setting up the sensor, a few transfers at most (it never waits):
     * 0 when ready, > 0 = call again after this many ms, or -PROTO_ERR_* (absent, I2C error;
     * the next call starts over). */
    int (*init)(void *ctx, uint32_t now_ms);
    /* Whether a rate can be produced exactly (called in the main loop, no I/O). */
    bool (*rate_ok)(void *ctx, uint16_t rate_hz);
    /* Apply rate and ranges (validated already), restart sampling at time now_ms. */
    int (*configure)(void *ctx, uint16_t rate_hz, uint8_t accel_g, uint16_t gyro_dps, uint32_t now_ms);
    /* Read up to max samples that are due; returns the count or -PROTO_ERR_*. */
    int (*read)(void *ctx, uint32_t now_ms, int16_t (*out)[IMU_AXES], int max);
    /* Synthetic sensors only (NULL otherwise): 0, or -1 for an unknown gesture. */
    int (*set_gesture)(void *ctx, uint8_t gesture);
    void *ctx;
};

/* Ranges every sensor here supports (MPU6050 FS_SEL / AFS_SEL). */
static inline bool imu_accel_range_ok(uint8_t g) { return g == 2 || g == 4 || g == 8 || g == 16; }
static inline bool imu_gyro_range_ok(uint16_t d) { return d == 250 || d == 500 || d == 1000 || d == 2000; }

#endif
