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
    d->fifo_resets = 0;
    d->init_state = 0;
    d->chip = 0;
    d->who_am_i = 0;
    d->name[0] = 0;
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
    /* MPU-6500 family: the accelerometer's own low-pass, same codes (A_DLPF_CFG, FCHOICE_B 0) */
    if (d->chip && d->chip->accel_config2 &&
        (e = mpu6050_write_reg(d, MPU_ACCEL_CONFIG2, mpu6050_dlpf_for_rate(rate_hz))) != 0)
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

const struct mpu_chip *mpu_chip_for(uint8_t who)
{
    /* WHO_AM_I (register 0x75) of the parts sold on GY-521 / GY-6500 / GY-9250 modules. The
     * MPU-6500 family has the same registers for everything used here, a 512-byte FIFO and a
     * separate accelerometer low-pass (ACCEL_CONFIG2); clones answer with their own IDs. */
    static const struct mpu_chip chips[] = {
        { 0x68, 1024, false, "MPU6050" }, /* also MPU-6000; bits 6:1 = 0x34 */
        { 0x69, 1024, false, "MPU6050" }, /* AD0 reflected in bit 0 by some clones */
        { 0x70, 512, true, "MPU6500" },
        { 0x71, 512, true, "MPU9250" },
        { 0x73, 512, true, "MPU9255" },
        { 0x72, 1024, false, "MPU6050c" },
        { 0x98, 512, true, "MPU6500c" }, /* also ICM-20689; c: a clone */
        { 0x7D, 512, true, "MPU6500c" },
    };
    for (unsigned i = 0; i < sizeof chips / sizeof chips[0]; i++)
        if (chips[i].who == who)
            return &chips[i];
    return 0;
}

/* "NAME 0xWW" into d->name: the sensor id HELLO carries. */
static void set_name(struct mpu6050 *d, const char *base, uint8_t who)
{
    static const char hex[] = "0123456789abcdef";
    char *p = d->name;
    while (*base && p < d->name + sizeof d->name - 6)
        *p++ = *base++;
    *p++ = ' ';
    *p++ = '0';
    *p++ = 'x';
    *p++ = hex[who >> 4];
    *p++ = hex[who & 15u];
    *p = 0;
}

/* The init steps; each does a few transfers, then the caller waits the returned milliseconds. */
enum { INIT_PROBE, INIT_RESET_WAIT, INIT_PATH_WAIT };

int mpu6050_init_step(struct mpu6050 *d)
{
    uint8_t v = 0;
    int e;
    d->ready = false;
    switch (d->init_state) {
    case INIT_PROBE:
        e = mpu6050_read_regs(d, MPU_WHO_AM_I, &v, 1);
        if (e == -(int)PROTO_ERR_I2C_NACK)
            return -(int)PROTO_ERR_SENSOR_ABSENT;
        if (e)
            return e;
        d->who_am_i = v;
        d->chip = mpu_chip_for(v);
        if (!d->chip) {
            set_name(d, "WHO_AM_I", v); /* HELLO and the error name what answered */
            return -(int)PROTO_ERR_SENSOR_UNKNOWN;
        }
        set_name(d, d->chip->name, v);
        if ((e = mpu6050_write_reg(d, MPU_PWR_MGMT_1, MPU_PWR_DEVICE_RESET)) != 0)
            return e;
        d->init_state = INIT_RESET_WAIT;
        d->init_polls = 0;
        return 100; /* the reset takes up to 100 ms */
    case INIT_RESET_WAIT:
        /* The reset bit clears itself; give it up to 100 ms more, then go on regardless. */
        if ((e = mpu6050_read_regs(d, MPU_PWR_MGMT_1, &v, 1)) != 0)
            break;
        if ((v & MPU_PWR_DEVICE_RESET) && ++d->init_polls < 10)
            return 10;
        if ((e = mpu6050_write_reg(d, MPU_SIGNAL_PATH_RESET, 0x07)) != 0)
            break;
        d->init_state = INIT_PATH_WAIT;
        return 100;
    default:
        if ((e = mpu6050_write_reg(d, MPU_PWR_MGMT_1, MPU_PWR_CLKSEL_PLL_XG)) != 0) /* wake */
            break;
        if ((e = mpu6050_write_reg(d, MPU_INT_PIN_CFG, 0x00)) != 0) /* INT push-pull, active high */
            break;
        if ((e = mpu6050_write_reg(d, MPU_INT_ENABLE, MPU_INT_FIFO_OFLOW | MPU_INT_DATA_RDY)) != 0)
            break;
        /* rate, ranges and FIFO: mpu6050_configure(), the caller's next step */
        d->init_state = INIT_PROBE;
        d->ready = true;
        return 0;
    }
    d->init_state = INIT_PROBE; /* an error: start over at the next attempt */
    return e;
}

int mpu6050_init(struct mpu6050 *d)
{
    int e;
    d->init_state = INIT_PROBE;
    while ((e = mpu6050_init_step(d)) > 0)
        d->bus->delay_ms(d->bus->ctx, (uint32_t)e);
    if (e == 0 && (e = mpu6050_configure(d, d->rate_hz, d->accel_g, d->gyro_dps)) != 0)
        d->ready = false;
    return e;
}

/* n big-endian int16 values. */
static void unpack(const uint8_t *p, int16_t *out, unsigned n)
{
    for (unsigned a = 0; a < n; a++)
        out[a] = (int16_t)((uint16_t)(p[2 * a] << 8) | p[2 * a + 1]);
}

/* Throw the FIFO's contents away after a read that may have left it mid-packet: every later
 * packet would otherwise come out with its axes shifted. */
static int fifo_broken(struct mpu6050 *d)
{
    d->fifo_resets++;
    int e = fifo_restart(d);
    return e ? e : -(int)PROTO_ERR_FIFO_RESET;
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
    unsigned size = d->chip ? d->chip->fifo_size : MPU_FIFO_SIZE;
    if (count >= size) { /* full: the next write overflows and misaligns packets */
        d->fifo_overflows++;
        if ((e = fifo_restart(d)) != 0)
            return e;
        return -(int)PROTO_ERR_FIFO_OVERFLOW;
    }
    if (count % MPU_FIFO_PACKET)
        return fifo_broken(d); /* a packet was cut (a glitch, or another reader): realign */
    int n = (int)(count / MPU_FIFO_PACKET);
    if (n > max)
        n = max;
    uint8_t reg = MPU_FIFO_R_W;
    for (int i = 0; i < n; i++) {
        /* One attempt only: a failed FIFO read may have popped part of a packet, and a retry
         * would read the rest shifted. Reset the FIFO instead (the caller restarts its time base). */
        int st2 = d->bus->xfer(d->bus->ctx, d->addr, &reg, 1, pkt, MPU_FIFO_PACKET);
        if (st2 != I2C_OK) {
            d->i2c_errors++;
            if (st2 != I2C_NACK && d->bus->recover(d->bus->ctx) != I2C_OK) {
                d->ready = false;
                return -(int)PROTO_ERR_I2C_BUS_STUCK;
            }
            return fifo_broken(d);
        }
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

static int op_init(void *ctx, uint32_t now_ms)
{
    (void)now_ms;
    return mpu6050_init_step(ctx);
}

static bool op_rate_ok(void *ctx, uint16_t rate)
{
    (void)ctx;
    return mpu6050_rate_ok(rate);
}

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
    .rate_ok = op_rate_ok,
    .configure = op_configure,
    .read = op_read,
    .set_gesture = 0,
    .ctx = 0,
};
