/* SPDX-License-Identifier: MIT */
/* i2c_stm32.c -- I2C1 master on PB8 (SCL) / PB9 (SDA), AF4, polled with timeouts (RM0390 §24).
 *
 * Transfers follow the master transmitter/receiver sequences of RM0390 §24.3.3: START, SB,
 * address, ADDR (cleared by reading SR1 then SR2), data with TXE/BTF or RXNE; reception closes
 * with the manual's three cases (N = 1: NACK before clearing ADDR; N = 2: POS + BTF; N > 2: the
 * last three bytes paced by BTF), so preemption never makes the master ACK one byte too many. Every wait is bounded (I2C_WAIT_MS); NACK (AF), arbitration loss (ARLO) and bus
 * errors (BERR) end the transfer with a STOP. Recovery (used by the MPU6050 driver after a bus
 * error): drive the pins as open-drain GPIO, clock SCL up to nine times until the slave lets go
 * of SDA, make a STOP, then reset and re-initialise the peripheral.
 */
#include "i2c_bus.h"

#include "board.h"
#include "platform.h"
#include "regs.h"

#define I I2C1_BASE
#define I2C_WAIT_MS 3u
#define SCL_PIN 8u
#define SDA_PIN 9u

static void i2c_hw_init(void)
{
    RCC_APB1RSTR |= RCC_APB1RSTR_I2C1;
    RCC_APB1RSTR &= ~RCC_APB1RSTR_I2C1;
    I2C_CR1(I) = I2C_CR1_SWRST;
    I2C_CR1(I) = 0;
    uint32_t mhz = g_pclk1_hz / 1000000u;
    I2C_CR2(I) = mhz;
    /* Fast mode 400 kHz, duty 2:1: Thigh + Tlow = 3 * CCR * Tpclk1 (RM0390 §24.6.8). */
    uint32_t ccr = (g_pclk1_hz + 3u * 400000u - 1u) / (3u * 400000u);
    if (ccr < 1)
        ccr = 1;
    I2C_CCR(I) = I2C_CCR_FS | ccr;
    I2C_TRISE(I) = mhz * 300u / 1000u + 1u; /* 300 ns max rise time in fast mode (§24.6.9) */
    I2C_CR1(I) = I2C_CR1_PE;
}

static void pins_af(void)
{
    /* PB8, PB9: AF4, open drain, pull-up, high speed (RM0390 §7.4). */
    GPIO_OTYPER(GPIOB_BASE) |= (1u << SCL_PIN) | (1u << SDA_PIN);
    GPIO_PUPDR(GPIOB_BASE) = (GPIO_PUPDR(GPIOB_BASE) & ~(0xFu << 16)) | (0x5u << 16);
    GPIO_OSPEEDR(GPIOB_BASE) |= 0xFu << 16;
    GPIO_AFRH(GPIOB_BASE) = (GPIO_AFRH(GPIOB_BASE) & ~0xFFu) | 0x44u;
    GPIO_MODER(GPIOB_BASE) = (GPIO_MODER(GPIOB_BASE) & ~(0xFu << 16)) | (0xAu << 16);
}

void i2c1_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOB;
    RCC_APB1ENR |= RCC_APB1ENR_I2C1;
    (void)RCC_APB1ENR;
    pins_af();
    i2c_hw_init();
}

/* Wait for SR1 bits; returns I2C_OK or the error seen. */
static int wait_sr1(uint32_t bits)
{
    uint32_t start = platform_now_ms();
    for (uint32_t spin = 0;; spin++) {
        uint32_t sr = I2C_SR1(I);
        if (sr & I2C_SR1_AF) {
            I2C_SR1(I) = ~I2C_SR1_AF;
            return I2C_NACK;
        }
        if (sr & I2C_SR1_ARLO) {
            I2C_SR1(I) = ~I2C_SR1_ARLO;
            return I2C_ARB_LOST;
        }
        if (sr & I2C_SR1_BERR) {
            I2C_SR1(I) = ~I2C_SR1_BERR;
            return I2C_ARB_LOST; /* misplaced START/STOP: treat like a lost bus */
        }
        if (sr & bits)
            return I2C_OK;
        if (platform_now_ms() - start > I2C_WAIT_MS || spin > 2000000u)
            return I2C_TIMEOUT;
    }
}

static int fail(int st)
{
    if (st != I2C_ARB_LOST) /* after ARLO the peripheral already left master mode */
        I2C_CR1(I) |= I2C_CR1_STOP;
    I2C_CR1(I) &= ~(I2C_CR1_ACK | I2C_CR1_POS);
    return st;
}

static int start_addr(uint8_t addr, bool read)
{
    I2C_CR1(I) |= I2C_CR1_START;
    int st = wait_sr1(I2C_SR1_SB);
    if (st)
        return st;
    I2C_DR(I) = (uint32_t)(addr << 1) | (read ? 1u : 0u);
    return wait_sr1(I2C_SR1_ADDR);
}

static int xfer(void *ctx, uint8_t addr, const uint8_t *w, size_t wn, uint8_t *r, size_t rn)
{
    (void)ctx;
    int st;
    uint32_t start = platform_now_ms();
    while (I2C_SR2(I) & I2C_SR2_BUSY) {
        if (platform_now_ms() - start > I2C_WAIT_MS)
            return I2C_BUS_STUCK;
    }
    if (wn) {
        if ((st = start_addr(addr, false)) != 0)
            return fail(st);
        (void)I2C_SR2(I); /* clear ADDR */
        for (size_t i = 0; i < wn; i++) {
            if ((st = wait_sr1(I2C_SR1_TXE)) != 0)
                return fail(st);
            I2C_DR(I) = w[i];
        }
        if ((st = wait_sr1(I2C_SR1_BTF)) != 0)
            return fail(st);
    }
    if (rn) {
        I2C_CR1(I) |= I2C_CR1_ACK;
        if (rn == 2)
            I2C_CR1(I) |= I2C_CR1_POS; /* ACK/NACK applies to the next byte (RM0390 §24.3.3, N = 2) */
        if ((st = start_addr(addr, true)) != 0) {
            I2C_CR1(I) &= ~I2C_CR1_POS;
            return fail(st);
        }
        if (rn == 1) {
            I2C_CR1(I) &= ~I2C_CR1_ACK;
            uint32_t s = irq_save(); /* ADDR clear and STOP back to back */
            (void)I2C_SR2(I);
            I2C_CR1(I) |= I2C_CR1_STOP;
            irq_restore(s);
            if ((st = wait_sr1(I2C_SR1_RXNE)) != 0)
                return fail(st);
            r[0] = (uint8_t)I2C_DR(I);
        } else if (rn == 2) {
            (void)I2C_SR2(I);
            I2C_CR1(I) &= ~I2C_CR1_ACK;
            st = wait_sr1(I2C_SR1_BTF); /* byte 1 in DR, byte 2 in the shift register */
            I2C_CR1(I) &= ~I2C_CR1_POS;
            if (st)
                return fail(st);
            I2C_CR1(I) |= I2C_CR1_STOP;
            r[0] = (uint8_t)I2C_DR(I);
            r[1] = (uint8_t)I2C_DR(I);
        } else {
            (void)I2C_SR2(I);
            for (size_t i = 0; i < rn - 3; i++) {
                if ((st = wait_sr1(I2C_SR1_RXNE)) != 0)
                    return fail(st);
                r[i] = (uint8_t)I2C_DR(I);
            }
            /* Last three bytes with BTF, so the timing of this loop does not matter (N > 2). */
            if ((st = wait_sr1(I2C_SR1_BTF)) != 0)
                return fail(st);
            I2C_CR1(I) &= ~I2C_CR1_ACK;
            r[rn - 3] = (uint8_t)I2C_DR(I);
            if ((st = wait_sr1(I2C_SR1_BTF)) != 0)
                return fail(st);
            I2C_CR1(I) |= I2C_CR1_STOP;
            r[rn - 2] = (uint8_t)I2C_DR(I);
            if ((st = wait_sr1(I2C_SR1_RXNE)) != 0)
                return fail(st);
            r[rn - 1] = (uint8_t)I2C_DR(I);
        }
    } else {
        I2C_CR1(I) |= I2C_CR1_STOP;
    }
    /* The STOP bit clears when the stop condition has been sent. */
    start = platform_now_ms();
    while (I2C_CR1(I) & I2C_CR1_STOP)
        if (platform_now_ms() - start > I2C_WAIT_MS)
            return I2C_TIMEOUT;
    return I2C_OK;
}

static bool sda_high(void) { return (GPIO_IDR(GPIOB_BASE) >> SDA_PIN) & 1u; }
static bool scl_high(void) { return (GPIO_IDR(GPIOB_BASE) >> SCL_PIN) & 1u; }
static void scl(bool hi) { GPIO_BSRR(GPIOB_BASE) = hi ? (1u << SCL_PIN) : (1u << (SCL_PIN + 16)); }
static void sda(bool hi) { GPIO_BSRR(GPIOB_BASE) = hi ? (1u << SDA_PIN) : (1u << (SDA_PIN + 16)); }

static int recover(void *ctx)
{
    (void)ctx;
    I2C_CR1(I) = 0; /* peripheral off while the pins are GPIO */
    GPIO_BSRR(GPIOB_BASE) = (1u << SCL_PIN) | (1u << SDA_PIN);
    GPIO_MODER(GPIOB_BASE) = (GPIO_MODER(GPIOB_BASE) & ~(0xFu << 16)) | (0x5u << 16); /* outputs (OD) */
    delay_us(5);
    for (int i = 0; i < 9 && !sda_high(); i++) {
        scl(false);
        delay_us(5);
        scl(true);
        delay_us(5);
    }
    /* STOP: SDA low -> high while SCL is high. */
    scl(false);
    delay_us(5);
    sda(false);
    delay_us(5);
    scl(true);
    delay_us(5);
    sda(true);
    delay_us(5);
    bool ok = sda_high() && scl_high();
    pins_af();
    i2c_hw_init();
    return ok ? I2C_OK : I2C_BUS_STUCK;
}

static void bus_delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    delay_ms(ms);
}

const struct i2c_bus i2c1_bus = { .xfer = xfer, .recover = recover, .delay_ms = bus_delay_ms, .ctx = 0 };
