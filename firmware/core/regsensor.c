/* SPDX-License-Identifier: MIT */
/* regsensor.c -- LIS3DH and BMI160 over I2C (see regsensor.h). */
#include "regsensor.h"

#include "live.h"
#include "proto.h"

#define RETRIES 3

/* A register transfer, retried (configuration only: FIFO reads are never retried). */
static int xfer(struct regsensor *d, const uint8_t *w, size_t wn, uint8_t *r, size_t rn)
{
    int st = I2C_OK;
    for (int i = 0; i < RETRIES; i++) {
        st = d->bus->xfer(d->bus->ctx, d->addr, w, wn, r, rn);
        if (st == I2C_OK)
            return 0;
        d->i2c_errors++;
        if (st != I2C_NACK && d->bus->recover(d->bus->ctx) != I2C_OK)
            return -(int)PROTO_ERR_I2C_BUS_STUCK;
    }
    d->ready = false;
    return st == I2C_NACK ? -(int)PROTO_ERR_I2C_NACK : st == I2C_ARB_LOST ? -(int)PROTO_ERR_I2C_ARB_LOST
         : st == I2C_BUS_STUCK ? -(int)PROTO_ERR_I2C_BUS_STUCK : -(int)PROTO_ERR_I2C_TIMEOUT;
}

static int wr(struct regsensor *d, uint8_t reg, uint8_t v)
{
    uint8_t w[2] = { reg, v };
    return xfer(d, w, 2, 0, 0);
}

static int rd(struct regsensor *d, uint8_t reg, uint8_t *out, size_t n)
{
    return xfer(d, &reg, 1, out, n);
}

void regsensor_bind(struct regsensor *d, const struct i2c_bus *bus, uint8_t addr, enum regsensor_kind kind)
{
    d->bus = bus;
    d->addr = addr;
    d->kind = (uint8_t)kind;
    d->init_state = 0;
    d->ready = false;
    d->i2c_errors = d->fifo_overflows = d->fifo_resets = 0;
}

/* Init steps: probe the ID and reset; (BMI160) accelerometer on; gyroscope on; done. */
int regsensor_init_step(struct regsensor *d)
{
    bool lis = d->kind == REGSENSOR_LIS3DH;
    uint8_t id = 0;
    int e = 0;
    d->ready = false;
    switch (d->init_state) {
    case 0:
        e = rd(d, lis ? LIS3DH_WHO_AM_I : BMI160_CHIP_ID, &id, 1);
        if (e == -(int)PROTO_ERR_I2C_NACK)
            return -(int)PROTO_ERR_SENSOR_ABSENT;
        if (!e && id != (lis ? LIS3DH_ID : BMI160_ID))
            return -(int)PROTO_ERR_SENSOR_UNKNOWN;
        /* LIS3DH: reboot the memory content (CTRL_REG5 BOOT); BMI160: soft reset */
        if (!e && (e = lis ? wr(d, LIS3DH_CTRL_REG5, 0x80) : wr(d, BMI160_CMD, BMI160_CMD_SOFT_RESET)) == 0) {
            d->init_state = lis ? 3 : 1;
            return 10;
        }
        break;
    case 1:
        if ((e = wr(d, BMI160_CMD, BMI160_CMD_ACC_NORMAL)) == 0) {
            d->init_state = 2;
            return 5;
        }
        break;
    case 2:
        if ((e = wr(d, BMI160_CMD, BMI160_CMD_GYR_NORMAL)) == 0) {
            d->init_state = 3;
            return 81;
        }
        break;
    default:
        d->init_state = 0;
        d->ready = true;
        return 0;
    }
    d->init_state = 0;
    return e;
}

bool regsensor_rate_ok(const struct regsensor *d, uint16_t r)
{
    if (d->kind == REGSENSOR_LIS3DH)
        return r == 50 || r == 100 || r == 200 || r == 400;
    return r == 50 || r == 100 || r == 200 || r == 400 || r == 800;
}

/* Range code: index of the value in a list of four. */
static unsigned range_index(unsigned v, unsigned a, unsigned b, unsigned c)
{
    return v == a ? 0u : v == b ? 1u : v == c ? 2u : 3u;
}

/* FIFO emptied and restarted (LIS3DH: bypass then stream mode; BMI160: flush). */
static int fifo_restart(struct regsensor *d)
{
    int e;
    if (d->kind == REGSENSOR_LIS3DH) {
        if ((e = wr(d, LIS3DH_FIFO_CTRL, 0x00)) != 0)
            return e;
        return wr(d, LIS3DH_FIFO_CTRL, 0x80);
    }
    return wr(d, BMI160_CMD, BMI160_CMD_FIFO_FLUSH);
}

int regsensor_configure(struct regsensor *d, uint16_t rate_hz, uint8_t accel_g, uint16_t gyro_dps)
{
    if (!regsensor_rate_ok(d, rate_hz) || !imu_accel_range_ok(accel_g) || !imu_gyro_range_ok(gyro_dps))
        return -(int)PROTO_ERR_SENSOR_ABSENT;
    unsigned g = range_index(accel_g, 2, 4, 8);
    int e;
    if (d->kind == REGSENSOR_LIS3DH) {
        /* ODR code 4..7 = 50/100/200/400 Hz, X/Y/Z on; BDU, FS, HR; FIFO on */
        uint8_t odr = rate_hz == 50 ? 4 : rate_hz == 100 ? 5 : rate_hz == 200 ? 6 : 7;
        if ((e = wr(d, LIS3DH_CTRL_REG1, (uint8_t)(odr << 4 | 0x07))) != 0 ||
            (e = wr(d, LIS3DH_CTRL_REG4, (uint8_t)(0x88 | g << 4))) != 0 ||
            (e = wr(d, LIS3DH_CTRL_REG5, 0x40)) != 0)
            return e;
    } else {
        static const uint8_t acc_range[4] = { 0x03, 0x05, 0x08, 0x0C };
        uint8_t odr = rate_hz == 50 ? 7 : rate_hz == 100 ? 8 : rate_hz == 200 ? 9 : rate_hz == 400 ? 10 : 11;
        if ((e = wr(d, BMI160_ACC_CONF, (uint8_t)(0x20 | odr))) != 0 ||
            (e = wr(d, BMI160_ACC_RANGE, acc_range[g])) != 0 ||
            (e = wr(d, BMI160_GYR_CONF, (uint8_t)(0x20 | odr))) != 0 ||
            (e = wr(d, BMI160_GYR_RANGE, (uint8_t)(3u - range_index(gyro_dps, 250, 500, 1000)))) != 0 ||
            (e = wr(d, BMI160_FIFO_CONFIG_1, 0xC0)) != 0)
            return e;
    }
    return fifo_restart(d);
}

/* The FIFO may be mid-sample: empty it, and say samples were lost. */
static int fifo_broken(struct regsensor *d)
{
    d->fifo_resets++;
    int e = fifo_restart(d);
    return e ? e : -(int)PROTO_ERR_FIFO_RESET;
}

static int16_t le16(const uint8_t *p) { return (int16_t)(uint16_t)(p[0] | p[1] << 8); }

int regsensor_read(struct regsensor *d, int16_t (*out)[IMU_AXES], int max)
{
    bool lis = d->kind == REGSENSOR_LIS3DH;
    uint8_t b[BMI160_FRAME];
    int e, n;
    if ((e = rd(d, lis ? LIS3DH_FIFO_SRC : BMI160_FIFO_LENGTH, b, lis ? 1u : 2u)) != 0)
        return e;
    if (lis) {
        if (b[0] & LIS3DH_FIFO_OVRN) { /* 32 samples and more came: the oldest are gone */
            d->fifo_overflows++;
            return (e = fifo_restart(d)) != 0 ? e : -(int)PROTO_ERR_FIFO_OVERFLOW;
        }
        n = b[0] & 0x1F;
    } else {
        unsigned count = (unsigned)(b[0] | (b[1] & 0x07) << 8);
        if (count > BMI160_FIFO_SIZE - BMI160_FRAME) { /* full: the next frame would overwrite */
            d->fifo_overflows++;
            return (e = fifo_restart(d)) != 0 ? e : -(int)PROTO_ERR_FIFO_OVERFLOW;
        }
        if (count % BMI160_FRAME)
            return fifo_broken(d);
        n = (int)(count / BMI160_FRAME);
    }
    if (n > max)
        n = max;
    uint8_t reg = lis ? (uint8_t)(LIS3DH_OUT_X_L | LIS3DH_AUTO_INC) : BMI160_FIFO_DATA;
    for (int i = 0; i < n; i++) {
        /* one attempt: a failed read may have popped part of a sample */
        int st = d->bus->xfer(d->bus->ctx, d->addr, &reg, 1, b, lis ? 6u : BMI160_FRAME);
        if (st != I2C_OK) {
            d->i2c_errors++;
            if (st != I2C_NACK && d->bus->recover(d->bus->ctx) != I2C_OK)
                return -(int)PROTO_ERR_I2C_BUS_STUCK;
            return fifo_broken(d);
        }
        for (unsigned a = 0; a < 3; a++) {
            out[i][a] = le16(b + (lis ? 0u : 6u) + 2 * a);      /* accelerometer */
            out[i][3 + a] = lis ? 0 : le16(b + 2 * a);          /* gyroscope (BMI160 frame: gyro first) */
        }
    }
    return n;
}

/* ---- sensor_ops adapters ----------------------------------------------------------------- */

static int op_init(void *ctx, uint32_t now_ms)
{
    (void)now_ms;
    return regsensor_init_step(ctx);
}

static bool op_rate_ok(void *ctx, uint16_t r) { return regsensor_rate_ok(ctx, r); }

static int op_configure(void *ctx, uint16_t rate, uint8_t accel_g, uint16_t gyro_dps, uint32_t now_ms)
{
    (void)now_ms;
    return regsensor_configure(ctx, rate, accel_g, gyro_dps);
}

static int op_read(void *ctx, uint32_t now_ms, int16_t (*out)[IMU_AXES], int max)
{
    (void)now_ms;
    return regsensor_read(ctx, out, max);
}

const struct sensor_ops lis3dh_sensor_ops_template = {
    .name = "LIS3DH", .scale_kind = LIVE_SENSOR_LIS3DH, .init = op_init, .rate_ok = op_rate_ok,
    .configure = op_configure, .read = op_read,
};
const struct sensor_ops bmi160_sensor_ops_template = {
    .name = "BMI160", .scale_kind = LIVE_SENSOR_MPU, .init = op_init, .rate_ok = op_rate_ok,
    .configure = op_configure, .read = op_read,
};
