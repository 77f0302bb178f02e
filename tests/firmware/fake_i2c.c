/* SPDX-License-Identifier: MIT */
/* fake_i2c.c -- see fake_i2c.h. Register semantics follow the MPU-6050 register map. */
#include "fake_i2c.h"

#include <string.h>

#include "mpu6050.h"

static void power_on_reset(struct fake_mpu *m)
{
    memset(m->regs, 0, sizeof m->regs);
    m->regs[MPU_PWR_MGMT_1] = 0x40; /* SLEEP after reset */
    m->regs[MPU_WHO_AM_I] = m->who_am_i ? m->who_am_i : 0x68;
    m->fifo_len = 0;
}

void fake_mpu_init(struct fake_mpu *m, uint8_t addr)
{
    memset(m, 0, sizeof *m);
    m->addr = addr;
    m->present = true;
    m->cut_fifo_read = -1;
    power_on_reset(m);
}

void fake_mpu_sample(struct fake_mpu *m, const int16_t v[6])
{
    if (!(m->regs[MPU_USER_CTRL] & MPU_USER_FIFO_EN) || m->regs[MPU_FIFO_EN] != 0x78)
        return;
    for (int a = 0; a < 6; a++) {
        uint8_t b[2] = { (uint8_t)((uint16_t)v[a] >> 8), (uint8_t)v[a] };
        for (int k = 0; k < 2; k++) {
            if (m->fifo_len == sizeof m->fifo) { /* full: oldest byte lost, overflow flagged */
                memmove(m->fifo, m->fifo + 1, sizeof m->fifo - 1);
                m->fifo_len--;
                m->regs[MPU_INT_STATUS] |= MPU_INT_FIFO_OFLOW;
            }
            m->fifo[m->fifo_len++] = b[k];
        }
    }
    m->regs[MPU_INT_STATUS] |= MPU_INT_DATA_RDY;
}

static void write_reg(struct fake_mpu *m, uint8_t reg, uint8_t v)
{
    m->writes_to[reg & 127]++;
    if (reg == MPU_PWR_MGMT_1 && (v & MPU_PWR_DEVICE_RESET)) {
        power_on_reset(m); /* DEVICE_RESET self-clears */
        return;
    }
    if (reg == MPU_USER_CTRL && (v & MPU_USER_FIFO_RESET)) {
        m->fifo_len = 0;
        v &= (uint8_t)~MPU_USER_FIFO_RESET;
    }
    if (reg == MPU_WHO_AM_I || reg == MPU_INT_STATUS || reg == MPU_FIFO_COUNTH || reg == MPU_FIFO_COUNTH + 1)
        return; /* read-only */
    if (reg == MPU_FIFO_R_W)
        return;
    m->regs[reg & 127] = v;
}

static uint8_t read_reg(struct fake_mpu *m, uint8_t reg)
{
    switch (reg) {
    case MPU_INT_STATUS: {
        uint8_t v = m->regs[reg];
        m->regs[reg] = 0; /* cleared on read */
        return v;
    }
    case MPU_FIFO_COUNTH: return (uint8_t)(m->fifo_len >> 8);
    case MPU_FIFO_COUNTH + 1: return (uint8_t)m->fifo_len;
    case MPU_FIFO_R_W: {
        if (m->fifo_len == 0)
            return 0xFF;
        uint8_t v = m->fifo[0];
        memmove(m->fifo, m->fifo + 1, --m->fifo_len);
        return v;
    }
    default: return m->regs[reg & 127];
    }
}

static int xfer(void *ctx, uint8_t addr, const uint8_t *w, size_t wn, uint8_t *r, size_t rn)
{
    struct fake_mpu *m = ctx;
    m->xfers++;
    if (m->stuck)
        return I2C_BUS_STUCK;
    if (!m->present || addr != m->addr)
        return I2C_NACK;
    if (m->nack_next > 0) {
        m->nack_next--;
        return I2C_NACK;
    }
    if (m->arb_next > 0) {
        m->arb_next--;
        return I2C_ARB_LOST;
    }
    if (wn) {
        m->ptr = w[0];
        for (size_t i = 1; i < wn; i++) {
            write_reg(m, m->ptr, w[i]);
            if (m->ptr != MPU_FIFO_R_W)
                m->ptr++;
        }
    }
    for (size_t i = 0; i < rn; i++) {
        if (m->ptr == MPU_FIFO_R_W && m->cut_fifo_read >= 0 && (int)i == m->cut_fifo_read) {
            m->cut_fifo_read = -1; /* the bytes before the glitch left the FIFO */
            return I2C_ARB_LOST;
        }
        r[i] = read_reg(m, m->ptr);
        if (m->ptr != MPU_FIFO_R_W)
            m->ptr++; /* burst reads auto-increment, except the FIFO port */
    }
    return I2C_OK;
}

static int recover(void *ctx)
{
    struct fake_mpu *m = ctx;
    m->recover_calls++;
    if (m->stuck_permanent)
        return I2C_BUS_STUCK;
    m->stuck = false;
    return I2C_OK;
}

static void delay(void *ctx, uint32_t ms) { ((struct fake_mpu *)ctx)->slept_ms += ms; }

struct i2c_bus fake_bus(struct fake_mpu *m)
{
    struct i2c_bus b = { .xfer = xfer, .recover = recover, .delay_ms = delay, .ctx = m };
    return b;
}

/* ---- LIS3DH and BMI160 --------------------------------------------------------------------- */

#include "regsensor.h"

void fake_regdev_init(struct fake_regdev *d, int kind, uint8_t addr)
{
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->addr = addr;
    d->cut_fifo_read = -1;
    if (kind == FAKE_LIS3DH)
        d->regs[LIS3DH_WHO_AM_I] = LIS3DH_ID;
    else
        d->regs[BMI160_CHIP_ID] = BMI160_ID;
}

static void put_le(struct fake_regdev *d, int16_t v)
{
    d->fifo[d->fifo_len++] = (uint8_t)v;
    d->fifo[d->fifo_len++] = (uint8_t)((uint16_t)v >> 8);
}

void fake_regdev_sample(struct fake_regdev *d, const int16_t v[6])
{
    if (d->kind == FAKE_LIS3DH) {
        if (!(d->regs[LIS3DH_CTRL_REG5] & 0x40) || (d->regs[LIS3DH_FIFO_CTRL] & 0xC0) != 0x80)
            return;
        if (d->fifo_len == 32 * 6) { /* full: the oldest sample is overwritten */
            memmove(d->fifo, d->fifo + 6, d->fifo_len - 6);
            d->fifo_len -= 6;
            d->overrun = true;
        }
        for (int a = 0; a < 3; a++)
            put_le(d, v[a]);
    } else {
        if (d->regs[BMI160_FIFO_CONFIG_1] != 0xC0 || d->fifo_len + 12 > sizeof d->fifo)
            return;
        for (int a = 0; a < 3; a++)
            put_le(d, v[3 + a]); /* gyroscope first */
        for (int a = 0; a < 3; a++)
            put_le(d, v[a]);
    }
}

static void regdev_write(struct fake_regdev *d, uint8_t reg, uint8_t v)
{
    d->writes_to[reg & 127]++;
    if (d->kind == FAKE_BMI160 && reg == BMI160_CMD) {
        if (d->n_cmds < 16)
            d->cmds[d->n_cmds++] = v;
        if (v == BMI160_CMD_FIFO_FLUSH || v == BMI160_CMD_SOFT_RESET)
            d->fifo_len = 0;
        return;
    }
    if (d->kind == FAKE_LIS3DH && reg == LIS3DH_FIFO_CTRL && (v & 0xC0) == 0) { /* bypass: FIFO emptied */
        d->fifo_len = 0;
        d->overrun = false;
    }
    d->regs[reg & 127] = v;
}

static uint8_t regdev_read(struct fake_regdev *d, uint8_t reg)
{
    if (d->kind == FAKE_LIS3DH && reg == LIS3DH_FIFO_SRC) {
        unsigned n = d->fifo_len / 6;
        return (uint8_t)((d->overrun ? 0x40 : 0) | (n == 0 ? 0x20 : 0) | (n > 31 ? 31 : n));
    }
    if (d->kind == FAKE_BMI160 && reg == BMI160_FIFO_LENGTH)
        return (uint8_t)d->fifo_len;
    if (d->kind == FAKE_BMI160 && reg == BMI160_FIFO_LENGTH + 1)
        return (uint8_t)(d->fifo_len >> 8);
    return d->regs[reg & 127];
}

/* The register a read pops FIFO bytes from (LIS3DH: the output registers with FIFO on). */
static bool is_fifo_port(const struct fake_regdev *d, uint8_t reg)
{
    return d->kind == FAKE_LIS3DH ? (reg & 0x7F) >= LIS3DH_OUT_X_L && (reg & 0x7F) <= LIS3DH_OUT_X_L + 5
                                  : reg == BMI160_FIFO_DATA;
}

static int regdev_xfer(struct fake_regdev *d, const uint8_t *w, size_t wn, uint8_t *r, size_t rn)
{
    if (wn) {
        d->ptr = w[0];
        for (size_t i = 1; i < wn; i++)
            regdev_write(d, (uint8_t)(d->ptr + i - 1), w[i]);
    }
    if (rn && is_fifo_port(d, d->ptr)) {
        for (size_t i = 0; i < rn; i++) {
            if (d->cut_fifo_read >= 0 && (int)i == d->cut_fifo_read) {
                d->cut_fifo_read = -1;
                return I2C_ARB_LOST; /* the bytes before the glitch left the FIFO */
            }
            r[i] = d->fifo_len ? d->fifo[0] : 0;
            if (d->fifo_len)
                memmove(d->fifo, d->fifo + 1, --d->fifo_len);
        }
        return I2C_OK;
    }
    /* LIS3DH auto-increments only with bit 7 of the address; the BMI160 always */
    bool inc = d->kind == FAKE_BMI160 || (d->ptr & 0x80);
    uint8_t reg = d->ptr & 0x7F;
    for (size_t i = 0; i < rn; i++)
        r[i] = regdev_read(d, (uint8_t)(inc ? reg + i : reg));
    return I2C_OK;
}

static int multi_xfer(void *ctx, uint8_t addr, const uint8_t *w, size_t wn, uint8_t *r, size_t rn)
{
    struct fake_multi *m = ctx;
    m->xfers++;
    if (m->mpu && m->mpu->present && addr == m->mpu->addr) {
        struct i2c_bus b = fake_bus(m->mpu);
        return b.xfer(b.ctx, addr, w, wn, r, rn);
    }
    for (int i = 0; i < m->n_devs; i++)
        if (m->devs[i]->addr == addr)
            return regdev_xfer(m->devs[i], w, wn, r, rn);
    return I2C_NACK;
}

static int multi_recover(void *ctx)
{
    ((struct fake_multi *)ctx)->recover_calls++;
    return I2C_OK;
}

static void multi_delay(void *ctx, uint32_t ms) { ((struct fake_multi *)ctx)->slept_ms += ms; }

struct i2c_bus fake_multi_bus(struct fake_multi *m)
{
    struct i2c_bus b = { .xfer = multi_xfer, .recover = multi_recover, .delay_ms = multi_delay, .ctx = m };
    return b;
}
