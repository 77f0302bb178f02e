/* SPDX-License-Identifier: MIT */
/* mpu6050.h -- InvenSense MPU-6050 driver over the i2c_bus interface.
 *
 * Register numbers and bit fields from the "MPU-6000 and MPU-6050 Register Map and Descriptions"
 * (RM-MPU-6000A, rev. 4.2); section numbers below refer to it. The sensor samples into its own
 * 1024-byte FIFO at the configured rate (gyro output 1 kHz with the DLPF on, divided by
 * 1 + SMPLRT_DIV); the driver drains 12-byte packets (accel XYZ then gyro XYZ, big-endian),
 * detects FIFO overflow from INT_STATUS and resets the FIFO when that happens, and also after a
 * FIFO read that failed part-way or a count that is not whole packets (never retried: a retry
 * would read a misaligned packet). Init is a state machine (mpu6050_init_step) that never waits.
 * Accepted: MPU-6050/6000, MPU-6500, MPU-9250/9255 and the common clones (mpu_chip_for).
 *
 * Every I2C transfer is retried; a bus error (arbitration lost, stuck bus, timeout) triggers
 * the bus's recovery (nine SCL pulses + STOP) first. Errors come back as -PROTO_ERR_* codes.
 */
#ifndef FW_MPU6050_H
#define FW_MPU6050_H

#include <stdbool.h>
#include <stdint.h>

#include "i2c_bus.h"
#include "imu.h"

/* Register addresses (register map §3, "Register Map"). */
#define MPU_SMPLRT_DIV 0x19u   /* §4.2 */
#define MPU_CONFIG 0x1Au       /* §4.3: EXT_SYNC_SET[5:3] DLPF_CFG[2:0] */
#define MPU_GYRO_CONFIG 0x1Bu  /* §4.4: FS_SEL[4:3] */
#define MPU_ACCEL_CONFIG 0x1Cu /* §4.5: AFS_SEL[4:3] */
#define MPU_ACCEL_CONFIG2 0x1Du /* MPU-6500 register map §4.7: A_DLPF_CFG[2:0] (not on the 6050) */
#define MPU_FIFO_EN 0x23u      /* §4.7 */
#define MPU_INT_PIN_CFG 0x37u  /* §4.15 */
#define MPU_INT_ENABLE 0x38u   /* §4.16 */
#define MPU_INT_STATUS 0x3Au   /* §4.17, cleared on read */
#define MPU_ACCEL_XOUT_H 0x3Bu /* §4.17-4.19: 0x3B..0x48 accel, temp, gyro */
#define MPU_SIGNAL_PATH_RESET 0x68u /* §4.26 */
#define MPU_USER_CTRL 0x6Au    /* §4.27 */
#define MPU_PWR_MGMT_1 0x6Bu   /* §4.28 */
#define MPU_FIFO_COUNTH 0x72u  /* §4.30 */
#define MPU_FIFO_R_W 0x74u     /* §4.31 */
#define MPU_WHO_AM_I 0x75u     /* §4.32: bits 6:1 = 0x34 (reads 0x68) */

#define MPU_FIFO_EN_XG 0x40u
#define MPU_FIFO_EN_YG 0x20u
#define MPU_FIFO_EN_ZG 0x10u
#define MPU_FIFO_EN_ACCEL 0x08u
#define MPU_INT_FIFO_OFLOW 0x10u
#define MPU_INT_DATA_RDY 0x01u
#define MPU_USER_FIFO_EN 0x40u
#define MPU_USER_FIFO_RESET 0x04u
#define MPU_PWR_DEVICE_RESET 0x80u
#define MPU_PWR_SLEEP 0x40u
#define MPU_PWR_CLKSEL_PLL_XG 0x01u

#define MPU_ADDR_AD0_LOW 0x68u
#define MPU_ADDR_AD0_HIGH 0x69u
#define MPU_FIFO_PACKET 12u
#define MPU_FIFO_SIZE 1024u
#define MPU_RETRIES 3

/* A part of the family, told apart by WHO_AM_I. */
struct mpu_chip {
    uint8_t who;
    uint16_t fifo_size;   /* bytes */
    bool accel_config2;   /* MPU-6500 family: accelerometer DLPF in ACCEL_CONFIG2 (0x1D) */
    const char *name;
};
/* The part answering WHO_AM_I = who, or NULL when it is none of ours. */
const struct mpu_chip *mpu_chip_for(uint8_t who);

struct mpu6050 {
    const struct i2c_bus *bus;
    const struct mpu_chip *chip; /* set by init */
    uint8_t who_am_i;            /* what the part answered, also when unknown */
    char name[17];               /* "MPU6500 0x70": the HELLO sensor id */
    uint8_t init_state, init_polls;
    uint8_t addr;
    bool ready;              /* init succeeded and no error since */
    uint16_t rate_hz;
    uint8_t accel_g;
    uint16_t gyro_dps;
    uint32_t i2c_errors;     /* failed transfers (before retries succeeded or not) */
    uint32_t recoveries;     /* bus recoveries run */
    uint32_t fifo_overflows;
    uint32_t fifo_resets;    /* FIFO thrown away after a partial read or a cut packet */
};

void mpu6050_bind(struct mpu6050 *d, const struct i2c_bus *bus, uint8_t addr);
/* One step of WHO_AM_I, reset, wake and interrupts (then mpu6050_configure): 0 when done,
 * > 0 = call again after that many ms (nothing waits inside), or -PROTO_ERR_* (start over;
 * -PROTO_ERR_SENSOR_UNKNOWN names the WHO_AM_I in d->name). */
int mpu6050_init_step(struct mpu6050 *d);
/* All steps and the configuration, waiting with the bus's delay_ms (tests and tools only). */
int mpu6050_init(struct mpu6050 *d);
bool mpu6050_rate_ok(uint16_t rate_hz); /* 50..1000 Hz and 1000 divisible by it */
uint8_t mpu6050_dlpf_for_rate(uint16_t rate_hz);
/* Set rate and ranges, then reset the FIFO. 0 or -PROTO_ERR_* (-PROTO_ERR_SENSOR_ABSENT on bad values). */
int mpu6050_configure(struct mpu6050 *d, uint16_t rate_hz, uint8_t accel_g, uint16_t gyro_dps);
/* Drain up to max packets from the FIFO. Returns count, or -PROTO_ERR_FIFO_OVERFLOW (FIFO reset,
 * samples lost) or another -PROTO_ERR_* for I2C failures. */
int mpu6050_read_fifo(struct mpu6050 *d, int16_t (*out)[IMU_AXES], int max);
/* Read the latest sample from the data registers (no FIFO). 0 or -PROTO_ERR_*. */
int mpu6050_read_now(struct mpu6050 *d, int16_t out[IMU_AXES]);
/* Register access with retries and recovery. 0 or -PROTO_ERR_*. */
int mpu6050_write_reg(struct mpu6050 *d, uint8_t reg, uint8_t val);
int mpu6050_read_regs(struct mpu6050 *d, uint8_t reg, uint8_t *out, uint8_t n);

/* sensor_ops adapter: ctx is the struct mpu6050. */
extern const struct sensor_ops mpu6050_sensor_ops_template;

#endif
