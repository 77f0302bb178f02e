/* SPDX-License-Identifier: MIT */
/* lis3dsh.c -- the LIS3DSH / LIS302DL driver (see lis3dsh.h). Init in steps (each one or two
 * transfers, never waiting): WHO_AM_I, soft reset (LIS3DSH), then the configuration; read() polls
 * STATUS and takes one sample when ZYXDA is set. */
#include "lis3dsh.h"

#include <string.h>

#include "proto.h"

static int wr(struct lis3dsh *d, uint8_t reg, uint8_t v)
{
    uint8_t tx[2] = { reg, v }, rx[2];
    return d->spi->xfer(d->spi->ctx, tx, rx, 2) ? -(int)PROTO_ERR_I2C_TIMEOUT : 0;
}

/* n bytes from reg (n <= 6); auto-increment as each chip wants it. */
static int rd(struct lis3dsh *d, uint8_t reg, uint8_t *out, size_t n)
{
    uint8_t tx[7] = { 0 }, rx[7];
    tx[0] = (uint8_t)(0x80u | reg | (d->kind == LIS_302DL && n > 1 ? 0x40u : 0u));
    if (d->spi->xfer(d->spi->ctx, tx, rx, n + 1))
        return -(int)PROTO_ERR_I2C_TIMEOUT;
    memcpy(out, rx + 1, n);
    return 0;
}

/* CTRL register values for the current rate and range. */
static int apply(struct lis3dsh *d)
{
    if (d->kind == LIS_302DL) /* DR: 0 = 100 Hz; PD on; FS 1 above 2 g; X, Y, Z */
        return wr(d, LIS302DL_CTRL_REG1, (uint8_t)(0x40u | (d->accel_g > 2 ? 0x20u : 0u) | 0x07u));
    uint8_t odr = d->rate_hz == 50 ? 0x5u : 0x6u; /* 50 Hz, 100 Hz */
    uint8_t fs = d->accel_g == 2 ? 0u : d->accel_g == 4 ? 1u : d->accel_g == 8 ? 3u : 4u;
    int e;
    if ((e = wr(d, LIS3DSH_CTRL_REG5, (uint8_t)(fs << 3))) != 0 || (e = wr(d, LIS3DSH_CTRL_REG6, 0x10u)) != 0)
        return e;
    return wr(d, LIS3DSH_CTRL_REG4, (uint8_t)(odr << 4 | 0x08u | 0x07u)); /* BDU, X, Y, Z */
}

static int op_init(void *ctx, uint32_t now_ms)
{
    (void)now_ms;
    struct lis3dsh *d = ctx;
    int e;
    if (d->step == 0) {
        uint8_t id = 0;
        d->kind = LIS_3DSH; /* single-byte read: the same frame for both chips */
        if ((e = rd(d, LIS3DSH_WHO_AM_I, &id, 1)) != 0)
            return e;
        if (id == LIS3DSH_ID)
            d->kind = LIS_3DSH;
        else if (id == LIS302DL_ID)
            d->kind = LIS_302DL;
        else {
            d->kind = LIS_NONE;
            static const char hex[] = "0123456789ABCDEF";
            memcpy(d->name, "WHO_AM_I 0x", 11);
            d->name[11] = hex[id >> 4];
            d->name[12] = hex[id & 15];
            d->name[13] = 0;
            return (id == 0x00 || id == 0xFF) ? -(int)PROTO_ERR_SENSOR_ABSENT : -(int)PROTO_ERR_SENSOR_UNKNOWN;
        }
        if (d->kind == LIS_3DSH)
            memcpy(d->name, "LIS3DSH", 8);
        else
            memcpy(d->name, "LIS302DL", 9);
        d->step = 1;
        if (d->kind == LIS_3DSH) {
            if ((e = wr(d, LIS3DSH_CTRL_REG3, 0x01u)) != 0) /* STRT: soft reset */
                return d->step = 0, e;
            return 5;
        }
    }
    if ((e = apply(d)) != 0)
        return d->step = 0, e;
    return 0;
}

/* The LIS3DSH makes 50 and 100 Hz; the LIS302DL 100 (or 400) Hz only. */
static bool op_rate_ok(void *ctx, uint16_t rate_hz)
{
    const struct lis3dsh *d = ctx;
    if (d->kind == LIS_302DL)
        return rate_hz == 100;
    return rate_hz == 50 || rate_hz == 100;
}

static int op_configure(void *ctx, uint16_t rate_hz, uint8_t accel_g, uint16_t gyro_dps, uint32_t now_ms)
{
    (void)gyro_dps;
    (void)now_ms;
    struct lis3dsh *d = ctx;
    d->rate_hz = rate_hz;
    d->accel_g = accel_g;
    return apply(d);
}

/* One raw reading (milli-g per digit times 1000: micro-g) to MPU-6050 LSBs at range g. */
static int16_t to_mpu(int32_t raw, uint32_t ug_per_digit, uint8_t g)
{
    int64_t v = (int64_t)raw * ug_per_digit * 32768 / ((int64_t)g * 1000000);
    return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

static int op_read(void *ctx, uint32_t now_ms, int16_t (*out)[IMU_AXES], int max)
{
    (void)now_ms;
    struct lis3dsh *d = ctx;
    uint8_t st, b[6];
    int e;
    if (max < 1)
        return 0;
    if ((e = rd(d, LIS3DSH_STATUS, &st, 1)) != 0)
        return e;
    if (!(st & 0x08u)) /* ZYXDA */
        return 0;
    memset(out[0], 0, sizeof out[0]);
    if (d->kind == LIS_302DL) {
        if ((e = rd(d, LIS302DL_OUT_X, b, 5)) != 0) /* X, -, Y, -, Z */
            return e;
        uint32_t ug = d->accel_g > 2 ? 72000u : 18000u;
        for (int a = 0; a < 3; a++)
            out[0][a] = to_mpu((int8_t)b[2 * a], ug, d->accel_g);
        return 1;
    }
    if ((e = rd(d, LIS3DSH_OUT_X_L, b, 6)) != 0)
        return e;
    uint32_t ug = d->accel_g == 2 ? 60u : d->accel_g == 4 ? 120u : d->accel_g == 8 ? 240u : 730u;
    for (int a = 0; a < 3; a++)
        out[0][a] = to_mpu((int16_t)(b[2 * a] | b[2 * a + 1] << 8), ug, d->accel_g);
    return 1;
}

void lis3dsh_bind(struct lis3dsh *d, const struct spi_dev *spi, struct sensor_ops *ops)
{
    memset(d, 0, sizeof *d);
    d->spi = spi;
    d->rate_hz = 100;
    d->accel_g = 8;
    memcpy(d->name, "LIS3DSH", 8);
    memset(ops, 0, sizeof *ops);
    ops->name = d->name;
    ops->scale_kind = 0; /* LIVE_SENSOR_MPU: converted to its scale above */
    ops->init = op_init;
    ops->rate_ok = op_rate_ok;
    ops->configure = op_configure;
    ops->read = op_read;
    ops->ctx = d;
}
