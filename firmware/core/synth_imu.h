/* SPDX-License-Identifier: MIT */
/* synth_imu.h -- the synthetic sensor of the emulated board: portable/synth.c (the same
 * deterministic generator as the device simulator, so data recorded from QEMU and from
 * imulab-sim agree) behind the sensor_ops interface, paced by time: read() returns the samples
 * due since the last call, rate * elapsed ms / 1000 carried exactly with a remainder. */
#ifndef FW_SYNTH_IMU_H
#define FW_SYNTH_IMU_H

#include <stdint.h>

#include "imu.h"
#include "synth.h"

struct synth_imu {
    struct synth gen;
    uint32_t seed;
    uint32_t last_ms;
    uint32_t acc; /* pacing remainder, in 1/1000 sample */
};

void synth_imu_init(struct synth_imu *s, uint32_t seed);
/* Samples due at now_ms (at most max), generated into out. */
int synth_imu_read(struct synth_imu *s, uint32_t now_ms, int16_t (*out)[IMU_AXES], int max);

extern const struct sensor_ops synth_sensor_ops_template; /* ctx: struct synth_imu */

#endif
