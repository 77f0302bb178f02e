/* SPDX-License-Identifier: MIT */
/* imu_probe.h -- the sensor found on the bus at boot: one sensor interface (imu.h) in front of
 * the MPU-6050 family (mpu6050.c), the BMI160 and the LIS3DH (regsensor.c).
 *
 * Detection is part of the init state machine, one register read per step: WHO_AM_I (0x75) at
 * 0x68 and 0x69 for the MPU-6050 family, CHIP_ID (0x00) = 0xD1 at 0x68 and 0x69 for the BMI160,
 * WHO_AM_I (0x0F) = 0x33 at 0x18 and 0x19 for the LIS3DH. The first match is initialised and used
 * from then on; HELLO's sensor id and scales follow it. Nothing answering is SENSOR_ABSENT; a device
 * answering with an ID none of them has is SENSOR_UNKNOWN, named "WHO_AM_I 0xNN". After an error
 * the next init probes again (the module may have been swapped).
 */
#ifndef FW_IMU_PROBE_H
#define FW_IMU_PROBE_H

#include "i2c_bus.h"
#include "imu.h"
#include "mpu6050.h"
#include "regsensor.h"

struct imu_probe {
    const struct i2c_bus *bus;
    struct sensor_ops *self;          /* the ops the application holds (name, scale_kind updated) */
    struct mpu6050 mpu;
    struct regsensor reg;
    const struct sensor_ops *active;  /* the detected driver's ops, or NULL */
    void *active_ctx;
    uint8_t candidate;
    uint8_t unknown_id;               /* what an unknown device answered (0: none) */
    char name[17];
};

/* Fill *ops (ctx = p) for a probe over bus. */
void imu_probe_bind(struct imu_probe *p, const struct i2c_bus *bus, struct sensor_ops *ops);

#endif
