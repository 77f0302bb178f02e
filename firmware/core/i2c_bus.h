/* SPDX-License-Identifier: MIT */
/* i2c_bus.h -- the I2C master interface the sensor drivers are written against.
 *
 * The STM32 I2C1 driver (hw/i2c_stm32.c) implements it on the board; tests implement it with a
 * register-level fake MPU6050 (tests/firmware/fake_i2c.c). Every call returns in bounded time.
 */
#ifndef FW_I2C_BUS_H
#define FW_I2C_BUS_H

#include <stddef.h>
#include <stdint.h>

enum i2c_status {
    I2C_OK = 0,
    I2C_NACK = -1,      /* address or data byte not acknowledged */
    I2C_ARB_LOST = -2,  /* another master or a glitch won arbitration */
    I2C_BUS_STUCK = -3, /* SDA or SCL held low: recovery needed */
    I2C_TIMEOUT = -4,   /* an event did not come in time */
};

struct i2c_bus {
    /* Write wn bytes then (repeated start) read rn bytes from 7-bit address addr. wn or rn may be 0. */
    int (*xfer)(void *ctx, uint8_t addr, const uint8_t *w, size_t wn, uint8_t *r, size_t rn);
    /* Free a held bus: nine SCL pulses then STOP, and re-initialise the peripheral.
     * Returns I2C_OK, or I2C_BUS_STUCK when SDA is still low afterwards. */
    int (*recover)(void *ctx);
    void (*delay_ms)(void *ctx, uint32_t ms);
    void *ctx;
};

#endif
