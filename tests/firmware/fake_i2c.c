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
