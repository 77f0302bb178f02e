/* SPDX-License-Identifier: MIT */
/* test_regsensor.c -- the LIS3DH and BMI160 drivers and the boot-time detection (imu_probe.c)
 * against register-level fakes: each accepted WHO_AM_I / CHIP_ID found at each address, an
 * unknown ID named, nothing answering; the registers each configuration writes; samples in
 * the right axis order; FIFO overflow; a mid-burst I2C failure (FIFO reset, never a shifted
 * sample); init in steps that never wait. */
#include <string.h>

#include "check.h"
#include "fake_i2c.h"
#include "imu_probe.h"
#include "live.h"
#include "proto.h"
#include "regsensor.h"

static struct fake_multi bus_state;
static struct i2c_bus bus;
static struct imu_probe probe;
static struct sensor_ops ops;
static struct fake_regdev lis, bmi;
static struct fake_mpu mpu;

static void setup(void)
{
    memset(&bus_state, 0, sizeof bus_state);
    bus = fake_multi_bus(&bus_state);
    imu_probe_bind(&probe, &bus, &ops);
}

/* Run init steps as the application would (no waiting here): the final status. */
static int init_all(int *steps, uint32_t *waited)
{
    int st, n = 0;
    uint32_t w = 0;
    while ((st = ops.init(ops.ctx, 0)) > 0) {
        w += (uint32_t)st;
        if (++n > 50)
            break;
    }
    if (steps)
        *steps = n;
    if (waited)
        *waited = w;
    return st;
}

static void detect_each(void)
{
    /* LIS3DH at 0x19 (SA0 high) */
    setup();
    fake_regdev_init(&lis, FAKE_LIS3DH, LIS3DH_ADDR_SA0_HIGH);
    bus_state.devs[bus_state.n_devs++] = &lis;
    CHECK_EQ(init_all(NULL, NULL), 0);
    CHECK(!strcmp(ops.name, "LIS3DH"));
    CHECK_EQ(ops.scale_kind, LIVE_SENSOR_LIS3DH);
    CHECK_EQ(probe.reg.addr, LIS3DH_ADDR_SA0_HIGH);

    /* BMI160 at 0x68: where the MPU would be (its WHO_AM_I read first gives nothing known) */
    setup();
    fake_regdev_init(&bmi, FAKE_BMI160, BMI160_ADDR_SDO_LOW);
    bus_state.devs[bus_state.n_devs++] = &bmi;
    int steps = 0;
    uint32_t waited = 0;
    CHECK_EQ(init_all(&steps, &waited), 0);
    CHECK(!strcmp(ops.name, "BMI160"));
    CHECK_EQ(ops.scale_kind, LIVE_SENSOR_MPU);
    CHECK_EQ(bmi.n_cmds, 3); /* soft reset, accelerometer normal, gyroscope normal */
    CHECK_EQ(bmi.cmds[0], BMI160_CMD_SOFT_RESET);
    CHECK_EQ(bmi.cmds[1], BMI160_CMD_ACC_NORMAL);
    CHECK_EQ(bmi.cmds[2], BMI160_CMD_GYR_NORMAL);
    CHECK(waited >= 80); /* the gyroscope's start-up, waited by the caller */
    CHECK_EQ(bus_state.slept_ms, 0);

    /* BMI160 at 0x69 */
    setup();
    fake_regdev_init(&bmi, FAKE_BMI160, BMI160_ADDR_SDO_HIGH);
    bus_state.devs[bus_state.n_devs++] = &bmi;
    CHECK_EQ(init_all(NULL, NULL), 0);
    CHECK(!strcmp(ops.name, "BMI160"));

    /* the MPU-6050 family through the same detection: an MPU-6500 at 0x69 */
    setup();
    fake_mpu_init(&mpu, 0x69);
    mpu.who_am_i = 0x70;
    mpu.regs[MPU_WHO_AM_I] = 0x70;
    bus_state.mpu = &mpu;
    CHECK_EQ(init_all(NULL, NULL), 0);
    CHECK(!strcmp(ops.name, "MPU6500 0x70"));
    CHECK_EQ(ops.configure(ops.ctx, 100, 8, 1000, 0), 0);
    CHECK_EQ(mpu.regs[MPU_ACCEL_CONFIG2], 3);

    /* something else at 0x68: refused, and named by what it answered */
    setup();
    fake_mpu_init(&mpu, 0x68);
    mpu.regs[MPU_WHO_AM_I] = 0x42;
    mpu.regs[0] = 0x42;
    bus_state.mpu = &mpu;
    CHECK_EQ(init_all(NULL, NULL), -(int)PROTO_ERR_SENSOR_UNKNOWN);
    CHECK(!strcmp(ops.name, "WHO_AM_I 0x42"));

    /* nothing on the bus */
    setup();
    CHECK_EQ(init_all(NULL, NULL), -(int)PROTO_ERR_SENSOR_ABSENT);
}

static void lis3dh(void)
{
    setup();
    fake_regdev_init(&lis, FAKE_LIS3DH, LIS3DH_ADDR_SA0_LOW);
    bus_state.devs[bus_state.n_devs++] = &lis;
    CHECK_EQ(init_all(NULL, NULL), 0);
    CHECK(!ops.rate_ok(ops.ctx, 125) && ops.rate_ok(ops.ctx, 400) && ops.rate_ok(ops.ctx, 50));
    CHECK_EQ(ops.configure(ops.ctx, 100, 4, 1000, 0), 0);
    CHECK_EQ(lis.regs[LIS3DH_CTRL_REG1], 0x57); /* ODR 100 Hz, X Y Z on */
    CHECK_EQ(lis.regs[LIS3DH_CTRL_REG4], 0x98); /* BDU, +-4 g, high resolution */
    CHECK_EQ(lis.regs[LIS3DH_CTRL_REG5], 0x40); /* FIFO on */
    CHECK_EQ(lis.regs[LIS3DH_FIFO_CTRL], 0x80); /* stream mode */
    int16_t out[8][6];
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), 0);
    for (int i = 0; i < 3; i++) {
        int16_t v[6] = { (int16_t)(100 * i + 1), -2, 16000, 7, 8, 9 };
        fake_regdev_sample(&lis, v);
    }
    CHECK_EQ(ops.read(ops.ctx, 0, out, 2), 2); /* bounded by max */
    CHECK_EQ(out[1][0], 101);
    CHECK_EQ(out[1][1], -2);
    CHECK_EQ(out[1][2], 16000);
    CHECK_EQ(out[1][3], 0); /* no gyroscope */
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), 1);
    CHECK_EQ(out[0][0], 201);

    /* 33 samples: the FIFO overran */
    int16_t z[6] = { 5, 5, 5, 0, 0, 0 };
    for (int i = 0; i < 33; i++)
        fake_regdev_sample(&lis, z);
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), -(int)PROTO_ERR_FIFO_OVERFLOW);
    CHECK_EQ(lis.fifo_len, 0);
    CHECK_EQ(lis.regs[LIS3DH_FIFO_CTRL], 0x80);

    /* a failure in the middle of a sample: FIFO reset, the next samples whole */
    fake_regdev_sample(&lis, z);
    fake_regdev_sample(&lis, z);
    lis.cut_fifo_read = 3;
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), -(int)PROTO_ERR_FIFO_RESET);
    CHECK_EQ(lis.fifo_len, 0);
    int16_t v[6] = { 11, 22, 33, 0, 0, 0 };
    fake_regdev_sample(&lis, v);
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), 1);
    CHECK_EQ(out[0][0], 11);
    CHECK_EQ(out[0][2], 33);
}

static void bmi160(void)
{
    setup();
    fake_regdev_init(&bmi, FAKE_BMI160, BMI160_ADDR_SDO_LOW);
    bus_state.devs[bus_state.n_devs++] = &bmi;
    CHECK_EQ(init_all(NULL, NULL), 0);
    CHECK(ops.rate_ok(ops.ctx, 800) && !ops.rate_ok(ops.ctx, 1000) && !ops.rate_ok(ops.ctx, 125));
    CHECK_EQ(ops.configure(ops.ctx, 200, 8, 500, 0), 0);
    CHECK_EQ(bmi.regs[BMI160_ACC_CONF], 0x29);  /* normal bandwidth, 200 Hz */
    CHECK_EQ(bmi.regs[BMI160_ACC_RANGE], 0x08); /* +-8 g */
    CHECK_EQ(bmi.regs[BMI160_GYR_CONF], 0x29);
    CHECK_EQ(bmi.regs[BMI160_GYR_RANGE], 0x02); /* +-500 dps */
    CHECK_EQ(bmi.regs[BMI160_FIFO_CONFIG_1], 0xC0);
    CHECK_EQ(bmi.cmds[bmi.n_cmds - 1], BMI160_CMD_FIFO_FLUSH);
    CHECK_EQ(ops.configure(ops.ctx, 100, 16, 2000, 0), 0);
    CHECK_EQ(bmi.regs[BMI160_ACC_RANGE], 0x0C);
    CHECK_EQ(bmi.regs[BMI160_GYR_RANGE], 0x00);
    CHECK_EQ(bmi.regs[BMI160_ACC_CONF], 0x28);
    int16_t out[8][6];
    int16_t v[6] = { 1, -2, 3, -400, 500, -600 };
    fake_regdev_sample(&bmi, v);
    fake_regdev_sample(&bmi, v);
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), 2);
    for (int a = 0; a < 6; a++)
        CHECK_EQ(out[1][a], v[a]); /* accelerometer then gyroscope, from a gyro-first frame */

    /* mid-frame failure: FIFO flushed, the next frame in place */
    fake_regdev_sample(&bmi, v);
    fake_regdev_sample(&bmi, v);
    bmi.cut_fifo_read = 7;
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), -(int)PROTO_ERR_FIFO_RESET);
    CHECK_EQ(bmi.fifo_len, 0);
    fake_regdev_sample(&bmi, v);
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), 1);
    CHECK_EQ(out[0][3], -400);

    /* a byte count that is not whole frames: flushed too */
    fake_regdev_sample(&bmi, v);
    bmi.fifo[bmi.fifo_len++] = 0x77;
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), -(int)PROTO_ERR_FIFO_RESET);
    CHECK_EQ(bmi.fifo_len, 0);

    /* full: overflow */
    for (int i = 0; i < 85; i++)
        fake_regdev_sample(&bmi, v);
    CHECK_EQ(ops.read(ops.ctx, 0, out, 8), -(int)PROTO_ERR_FIFO_OVERFLOW);
}

/* Every init step is a few transfers and never waits itself. */
static void init_steps_bounded(void)
{
    setup();
    fake_regdev_init(&lis, FAKE_LIS3DH, LIS3DH_ADDR_SA0_HIGH); /* the last candidate: the longest probe */
    bus_state.devs[bus_state.n_devs++] = &lis;
    int st, prev = 0;
    while ((st = ops.init(ops.ctx, 0)) > 0) {
        CHECK(bus_state.xfers - prev <= 4);
        prev = bus_state.xfers;
    }
    CHECK_EQ(st, 0);
    CHECK_EQ(bus_state.slept_ms, 0);
}

int main(void)
{
    detect_each();
    lis3dh();
    bmi160();
    init_steps_bounded();
    return check_report("test_regsensor");
}
