/* SPDX-License-Identifier: MIT */
/* fake_i2c.h -- a register-level fake MPU6050 behind the i2c_bus interface, with fault injection:
 * absent device, NACK on the next N transfers, arbitration loss, a bus held low (clearable by
 * recovery or permanent), and a FIFO that overflows like the real one. */
#ifndef FAKE_I2C_H
#define FAKE_I2C_H

#include <stdbool.h>
#include <stdint.h>

#include "i2c_bus.h"

struct fake_mpu {
    uint8_t addr;
    bool present;
    uint8_t regs[128];
    uint8_t who_am_i;     /* WHO_AM_I after a reset (0: 0x68, the MPU-6050) */
    uint8_t ptr;
    uint8_t fifo[1024];
    unsigned fifo_len;
    int nack_next;        /* NACK this many upcoming transfers */
    int arb_next;         /* lose arbitration on this many upcoming transfers */
    bool stuck;           /* SDA held low: transfers fail with BUS_STUCK */
    bool stuck_permanent; /* ... and recovery does not free it */
    int recover_calls;
    int xfers;
    uint32_t slept_ms;
    int writes_to[128];   /* count of writes per register */
    int cut_fifo_read;    /* >= 0: the next FIFO read fails (arbitration lost) after this many bytes */
};

void fake_mpu_init(struct fake_mpu *m, uint8_t addr);
/* Sensor side: append one sample to the FIFO if it is enabled (sets the overflow flag when full). */
void fake_mpu_sample(struct fake_mpu *m, const int16_t v[6]);
struct i2c_bus fake_bus(struct fake_mpu *m);

#endif

/* ---- LIS3DH and BMI160 register-level fakes, and a bus with several devices --------------- */
enum fake_kind { FAKE_LIS3DH = 1, FAKE_BMI160 = 2 };

struct fake_regdev {
    uint8_t addr;
    int kind;                 /* enum fake_kind */
    uint8_t regs[128];
    uint8_t ptr;
    uint8_t fifo[1024];
    unsigned fifo_len;        /* bytes */
    bool overrun;             /* LIS3DH OVRN_FIFO */
    int cut_fifo_read;        /* >= 0: the next FIFO read fails after this many bytes */
    uint8_t cmds[16];         /* BMI160 CMD writes, in order */
    int n_cmds;
    int writes_to[128];
};

void fake_regdev_init(struct fake_regdev *d, int kind, uint8_t addr);
/* One sample into the FIFO (LIS3DH: accel only, if stream mode; BMI160: gyro then accel frame). */
void fake_regdev_sample(struct fake_regdev *d, const int16_t v[6]);

struct fake_multi {
    struct fake_mpu *mpu;          /* may be NULL */
    struct fake_regdev *devs[3];
    int n_devs;
    int xfers, recover_calls;
    uint32_t slept_ms;
};
struct i2c_bus fake_multi_bus(struct fake_multi *m);
