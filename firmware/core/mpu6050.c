/* SPDX-License-Identifier: MIT */
/* mpu6050.c -- MPU-6050 over I2C with FIFO draining, retries and bus recovery. */
#include "mpu6050.h"

#include "proto.h"

static int map_err(int st)
{
    switch (st) {
    case I2C_NACK: return -(int)PROTO_ERR_I2C_NACK;
    case I2C_ARB_LOST: return -(int)PROTO_ERR_I2C_ARB_LOST;
    case I2C_BUS_STUCK: return -(int)PROTO_ERR_I2C_BUS_STUCK;
    default: return -(int)PROTO_ERR_I2C_TIMEOUT;
    }
}

/* One transfer with up to MPU_RETRIES attempts; bus-level errors run the recovery first. */
static int xfer(struct mpu6050 *d, const uint8_t *w, size_t wn, uint8_t *r, size_t rn)
{
    int st = I2C_OK;
    for (int attempt = 0; attempt < MPU_RETRIES; attempt++) {
        st = d->bus->xfer(d->bus->ctx, d->addr, w, wn, r, rn);
        if (st == I2C_OK)
            return 0;
        d->i2c_errors++;
        if (st != I2C_NACK) {
            d->recoveries++;
            if (d->bus->recover(d->bus->ctx) != I2C_OK) {
                d->ready = false;
                return -(int)PROTO_ERR_I2C_BUS_STUCK;
            }
        }
    }
    d->ready = false;
    return map_err(st);
}

int mpu6050_write_reg(struct mpu6050 *d, uint8_t reg, uint8_t val)
{
    uint8_t w[2] = { reg, val };
    return xfer(d, w, 2, 0, 0);
}

int mpu6050_read_regs(struct mpu6050 *d, uint8_t reg, uint8_t *out, uint8_t n)
{
    return xfer(d, &reg, 1, out, n);
}

void mpu6050_bind(struct mpu6050 *d, const struct i2c_bus *bus, uint8_t addr)
{
    d->bus = bus;
    d->addr = addr;
    d->ready = false;
    d->rate_hz = 100;
    d->accel_g = 8;
    d->gyro_dps = 1000;
    d->i2c_errors = 0;
    d->recoveries = 0;
    d->fifo_overflows = 0;
}

bool mpu6050_rate_ok(uint16_t rate_hz)
{
    return rate_hz >= 50 && rate_hz <= 1000 && 1000u % rate_hz == 0;
}

/* DLPF bandwidth kept below the Nyquist frequency of the output rate (register map §4.3). */
uint8_t mpu6050_dlpf_for_rate(uint16_t rate_hz)
{
    if (rate_hz >= 500)
        return 1; /* 184 Hz accel, 188 Hz gyro */
    if (rate_hz >= 200)
        return 2; /* 94 / 98 Hz */
    if (rate_hz >= 100)
        return 3; /* 44 / 42 Hz */
    return 4;     /* 21 / 20 Hz */
}

static uint8_t fs_bits_accel(uint8_t g) { return (uint8_t)((g == 2 ? 0 : g == 4 ? 1 : g == 8 ? 2 : 3) << 3); }
static uint8_t fs_bits_gyro(uint16_t dps)
{
    return (uint8_t)((dps == 250 ? 0 : dps == 500 ? 1 : dps == 1000 ? 2 : 3) << 3);
}

static int fifo_restart(struct mpu6050 *d)
{
    int e;
    if ((e = mpu6050_write_reg(d, MPU_USER_CTRL, MPU_USER_FIFO_RESET)) != 0)
        return e;
    if ((e = mpu6050_write_reg(d, MPU_USER_CTRL, MPU_USER_FIFO_EN)) != 0)
        return e;
    uint8_t st;
    return mpu6050_read_regs(d, MPU_INT_STATUS, &st, 1); /* clear a stale overflow flag */
}

int mpu6050_configure(struct mpu6050 *d, uint16_t rate_hz, uint8_t accel_g, uint16_t gyro_dps)
{
    int e;
    if (!mpu6050_rate_ok(rate_hz) || !imu_accel_range_ok(accel_g) || !imu_gyro_range_ok(gyro_dps))
        return -(int)PROTO_ERR_SENSOR_ABSENT;
    if ((e = mpu6050_write_reg(d, MPU_FIFO_EN, 0)) != 0)
        return e;
    if ((e = mpu6050_write_reg(d, MPU_CONFIG, mpu6050_dlpf_for_rate(rate_hz))) != 0)
        return e;
    if ((e = mpu6050_write_reg(d, MPU_SMPLRT_DIV, (uint8_t)(1000u / rate_hz - 1u))) != 0)
        return e;
    if ((e = mpu6050_write_reg(d, MPU_GYRO_CONFIG, fs_bits_gyro(gyro_dps))) != 0)
        return e;
    if ((e = mpu6050_write_reg(d, MPU_ACCEL_CONFIG, fs_bits_accel(accel_g))) != 0)
        return e;
    if ((e = fifo_restart(d)) != 0)
        return e;
    if ((e = mpu6050_write_reg(d, MPU_FIFO_EN,
                               MPU_FIFO_EN_XG | MPU_FIFO_EN_YG | MPU_FIFO_EN_ZG | MPU_FIFO_EN_ACCEL)) != 0)
        return e;
    d->rate_hz = rate_hz;
    d->accel_g = accel_g;
    d->gyro_dps = gyro_dps;
    return 0;
}

int mpu6050_init(struct mpu6050 *d)
{
    uint8_t who = 0;
    int e;
    d->ready = false;
    e = mpu6050_read_regs(d, MPU_WHO_AM_I, &who, 1);
    if (e == -(int)PROTO_ERR_I2C_NACK)
        return -(int)PROTO_ERR_SENSOR_ABSENT;
    if (e)
        return e;
    if ((who & 0x7Eu) != 0x68u)
        return -(int)PROTO_ERR_SENSOR_ABSENT;
    if ((e = mpu6050_write_reg(d, MPU_PWR_MGMT_1, MPU_PWR_DEVICE_RESET)) != 0)
        return e;
    d->bus->delay_ms(d->bus->ctx, 100);
    /* The reset bit clears itself; give it up to 100 ms more, then go on regardless. */
    for (int i = 0; i < 10; i++) {
        uint8_t p = 0;
        if ((e = mpu6050_read_regs(d, MPU_PWR_MGMT_1, &p, 1)) != 0)
            return e;
        if (!(p & MPU_PWR_DEVICE_RESET))
            break;
        d->bus->delay_ms(d->bus->ctx, 10);
    }
    if ((e = mpu6050_write_reg(d, MPU_SIGNAL_PATH_RESET, 0x07)) != 0)
        return e;
    d->bus->delay_ms(d->bus->ctx, 100);
    if ((e = mpu6050_write_reg(d, MPU_PWR_MGMT_1, MPU_PWR_CLKSEL_PLL_XG)) != 0) /* wake */
        return e;
    if ((e = mpu6050_write_reg(d, MPU_INT_PIN_CFG, 0x00)) != 0) /* INT push-pull, active high, 50 us */
        return e;
    if ((e = mpu6050_write_reg(d, MPU_INT_ENABLE, MPU_INT_FIFO_OFLOW | MPU_INT_DATA_RDY)) != 0)
        return e;
    if ((e = mpu6050_configure(d, d->rate_hz, d->accel_g, d->gyro_dps)) != 0)
        return e;
    d->ready = true;
    return 0;
}

/* n big-endian int16 values. */
static void unpack(const uint8_t *p, int16_t *out, unsigned n)
{
    for (unsigned a = 0; a < n; a++)
        out[a] = (int16_t)((uint16_t)(p[2 * a] << 8) | p[2 * a + 1]);
}

int mpu6050_read_fifo(struct mpu6050 *d, int16_t (*out)[IMU_AXES], int max)
{
    uint8_t st, cnt[2], pkt[MPU_FIFO_PACKET];
    int e;
    if ((e = mpu6050_read_regs(d, MPU_INT_STATUS, &st, 1)) != 0)
        return e;
    if (st & MPU_INT_FIFO_OFLOW) {
        d->fifo_overflows++;
        if ((e = fifo_restart(d)) != 0)
            return e;
        return -(int)PROTO_ERR_FIFO_OVERFLOW;
    }
    if ((e = mpu6050_read_regs(d, MPU_FIFO_COUNTH, cnt, 2)) != 0)
        return e;
    unsigned count = ((unsigned)cnt[0] << 8) | cnt[1];
    if (count >= MPU_FIFO_SIZE) { /* full: the next write overflows and misaligns packets */
        d->fifo_overflows++;
        if ((e = fifo_restart(d)) != 0)
            return e;
        return -(int)PROTO_ERR_FIFO_OVERFLOW;
    }
    int n = (int)(count / MPU_FIFO_PACKET);
    if (n > max)
        n = max;
    for (int i = 0; i < n; i++) {
        if ((e = mpu6050_read_regs(d, MPU_FIFO_R_W, pkt, MPU_FIFO_PACKET)) != 0)
            return e;
        unpack(pkt, out[i], IMU_AXES);
    }
    return n;
}

int mpu6050_read_now(struct mpu6050 *d, int16_t out[IMU_AXES])
{
    uint8_t b[14];
    int e = mpu6050_read_regs(d, MPU_ACCEL_XOUT_H, b, 14);
    if (e)
        return e;
    unpack(b, out, 3);         /* accel X..Z (bytes 0..5) */
    unpack(b + 8, out + 3, 3); /* skip temperature (bytes 6, 7); gyro X..Z */
    return 0;
}

/* ---- sensor_ops adapter ---------------------------------------------------------------- */

static int op_init(void *ctx) { return mpu6050_init(ctx); }

static int op_configure(void *ctx, uint16_t rate, uint8_t accel_g, uint16_t gyro_dps, uint32_t now_ms)
{
    (void)now_ms;
    return mpu6050_configure(ctx, rate, accel_g, gyro_dps);
}

static int op_read(void *ctx, uint32_t now_ms, int16_t (*out)[IMU_AXES], int max)
{
    (void)now_ms;
    return mpu6050_read_fifo(ctx, out, max);
}

const struct sensor_ops mpu6050_sensor_ops_template = {
    .name = "MPU6050",
    .flags = 0,
    .init = op_init,
    .rate_ok = mpu6050_rate_ok,
    .configure = op_configure,
    .read = op_read,
    .set_gesture = 0,
    .ctx = 0,
};
