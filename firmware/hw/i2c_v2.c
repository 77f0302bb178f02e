/* SPDX-License-Identifier: MIT */
/* i2c_v2.c -- I2C1 master of the STM32L4 and STM32H7 (RM0351 §39, RM0433 §47), polled with
 * timeouts, behind the same bus interface as the F4's hw/i2c_stm32.c (core/i2c_bus.h).
 *
 * Pins: PB8 SCL, PB9 SDA, AF4, open drain with the internal pull-ups (both Nucleo boards: Arduino
 * D15/D14). Timing: TIMINGR from the kernel clock (i2cv2_timingr: the fast-mode 400 kHz values of
 * RM0351 §39.4.10 tables 234-236 -- SCLL 9, SCLH 3, SDADEL 3, SCLDEL 3 -- at a prescaled period of at
 * least 125 ns). A transfer (RM0351 §39.4.8 and §39.4.9): write phase with NBYTES = wn and START
 * (software end when a read follows: wait TC), read phase with RD_WRN, NBYTES = rn, START and
 * AUTOEND (a repeated start), then STOPF. Transfers over 255 bytes continue with RELOAD/TCR. NACK
 * (the hardware sends the STOP itself), arbitration loss and bus errors end the transfer; every
 * wait is bounded (I2C_WAIT_MS). Recovery: PE off, the pins as open-drain GPIO, up to nine SCL
 * pulses until SDA is released, a STOP, then the peripheral again.
 */
#include "board.h"
#include "i2c_bus.h"
#include "mmio.h"
#include "platform.h"
#include "stm32_addr.h"

#define I I2CV2_I2C1
#define I2C_WAIT_MS 3u
#define SCL_PIN 8u
#define SDA_PIN 9u
#define I2C_AF 4u
#define CR2_RELOAD (1u << 24)
#define ISR_TCR (1u << 7)

#if defined(FW_FAMILY_H7)
#define GPIO_SDA_SCL H7_GPIOB
#define GPIO_EN_REG H7_RCC_AHB4ENR
#define GPIO_EN_BIT (1u << 1)
#define I2C_EN_REG H7_RCC_APB1LENR
#define I2C_RST_REG H7_RCC_APB1LRSTR
#define I2C_BIT H7_RCC_APB1L_I2C1
#else
#define GPIO_SDA_SCL L4_GPIOB
#define GPIO_EN_REG L4_RCC_AHB2ENR
#define GPIO_EN_BIT (1u << 1)
#define I2C_EN_REG L4_RCC_APB1ENR1
#define I2C_RST_REG L4_RCC_APB1RSTR1
#define I2C_BIT L4_RCC_APB1_I2C1
#endif

/* TIMINGR for 400 kHz from a kernel clock of clk_hz: PRESC so that (PRESC + 1) / clk >= 125 ns,
 * then SCLDEL 3, SDADEL 3, SCLH 3, SCLL 9 (RM0351 §39.7.5 layout: PRESC[31:28] SCLDEL[23:20]
 * SDADEL[19:16] SCLH[15:8] SCLL[7:0]). */
uint32_t i2cv2_timingr(uint32_t clk_hz)
{
    uint32_t presc = (clk_hz + 7999999u) / 8000000u; /* ceil(clk / 8 MHz) = PRESC + 1 */
    if (presc < 1u)
        presc = 1u;
    if (presc > 16u)
        presc = 16u;
    return ((presc - 1u) << 28) | (3u << 20) | (3u << 16) | (3u << 8) | 9u;
}

static void i2c_hw_init(void)
{
    mmio_set(I2C_RST_REG, I2C_BIT);
    mmio_clear(I2C_RST_REG, I2C_BIT);
    mmio_write(I + I2CV2_CR1, 0u); /* PE off: TIMINGR is written while disabled */
    mmio_write(I + I2CV2_TIMINGR, i2cv2_timingr(g_pclk1_hz));
    mmio_write(I + I2CV2_CR1, I2CV2_CR1_PE);
}

static void pins_af(void)
{
    gpio_af(GPIO_SDA_SCL, SCL_PIN, I2C_AF, 1, GPIO_PULL_UP);
    gpio_af(GPIO_SDA_SCL, SDA_PIN, I2C_AF, 1, GPIO_PULL_UP);
}

void i2c1_init(void)
{
    mmio_set(GPIO_EN_REG, GPIO_EN_BIT);
    mmio_set(I2C_EN_REG, I2C_BIT);
    (void)mmio_read(I2C_EN_REG);
    pins_af();
    i2c_hw_init();
}

/* Wait for an ISR bit; errors first. NACK: the hardware sends STOP; wait for it, clear both. */
static int wait_isr(uint32_t bit)
{
    uint32_t start = platform_now_ms();
    for (uint32_t spin = 0;; spin++) {
        uint32_t isr = mmio_read(I + I2CV2_ISR);
        if (isr & I2CV2_ISR_NACKF) {
            mmio_wait(I + I2CV2_ISR, I2CV2_ISR_STOPF, I2CV2_ISR_STOPF, 20000u);
            mmio_write(I + I2CV2_ICR, I2CV2_ICR_ALL);
            return I2C_NACK;
        }
        if (isr & (I2CV2_ISR_ARLO | I2CV2_ISR_BERR)) {
            mmio_write(I + I2CV2_ICR, I2CV2_ICR_ALL);
            return I2C_ARB_LOST;
        }
        if (isr & bit)
            return I2C_OK;
        if (platform_now_ms() - start > I2C_WAIT_MS || spin > 2000000u)
            return I2C_TIMEOUT;
    }
}

/* A timeout leaves the master mid-transfer: STOP, then a peripheral reset (PE off/on). */
static int fail(int st)
{
    if (st == I2C_TIMEOUT) {
        mmio_set(I + I2CV2_CR2, I2CV2_CR2_STOP);
        mmio_clear(I + I2CV2_CR1, I2CV2_CR1_PE);
        mmio_set(I + I2CV2_CR1, I2CV2_CR1_PE);
    }
    mmio_write(I + I2CV2_ICR, I2CV2_ICR_ALL);
    return st;
}

/* NBYTES/RELOAD of the chunk that starts with `left` bytes to go. */
static uint32_t chunk(size_t left) { return left > 255u ? I2CV2_CR2_NBYTES(255u) | CR2_RELOAD : I2CV2_CR2_NBYTES(left); }

/* Continue after a full chunk of 255 (TCR): the next NBYTES, same direction. */
static int next_chunk(size_t left)
{
    int st = wait_isr(ISR_TCR);
    if (st)
        return st;
    mmio_field(I + I2CV2_CR2, (0xFFu << 16) | CR2_RELOAD, chunk(left));
    return I2C_OK;
}

static int xfer(void *ctx, uint8_t addr, const uint8_t *w, size_t wn, uint8_t *r, size_t rn)
{
    (void)ctx;
    int st;
    uint32_t start = platform_now_ms();
    while (mmio_read(I + I2CV2_ISR) & I2CV2_ISR_BUSY)
        if (platform_now_ms() - start > I2C_WAIT_MS)
            return I2C_BUS_STUCK;
    mmio_write(I + I2CV2_ICR, I2CV2_ICR_ALL);
    uint32_t sadd = (uint32_t)addr << 1;
    if (wn || !rn) { /* write phase (or an address-only probe) */
        mmio_write(I + I2CV2_CR2, sadd | chunk(wn) | I2CV2_CR2_START | (rn ? 0u : I2CV2_CR2_AUTOEND));
        for (size_t i = 0; i < wn; i++) {
            if (i && i % 255u == 0 && (st = next_chunk(wn - i)) != 0)
                return fail(st);
            if ((st = wait_isr(I2CV2_ISR_TXIS)) != 0)
                return fail(st);
            mmio_write(I + I2CV2_TXDR, w[i]);
        }
        if (rn && (st = wait_isr(I2CV2_ISR_TC)) != 0)
            return fail(st);
    }
    if (rn) {
        mmio_write(I + I2CV2_CR2, sadd | I2CV2_CR2_RD_WRN | chunk(rn) | I2CV2_CR2_START | I2CV2_CR2_AUTOEND);
        for (size_t i = 0; i < rn; i++) {
            if (i && i % 255u == 0 && (st = next_chunk(rn - i)) != 0)
                return fail(st);
            if ((st = wait_isr(I2CV2_ISR_RXNE)) != 0)
                return fail(st);
            r[i] = (uint8_t)mmio_read(I + I2CV2_RXDR);
        }
    }
    if ((st = wait_isr(I2CV2_ISR_STOPF)) != 0)
        return fail(st);
    mmio_write(I + I2CV2_ICR, I2CV2_ICR_ALL);
    return I2C_OK;
}

static int recover(void *ctx)
{
    (void)ctx;
    uint32_t g = GPIO_SDA_SCL;
    mmio_write(I + I2CV2_CR1, 0u); /* peripheral off while the pins are GPIO */
    gpio_write(g, SCL_PIN, 1);
    gpio_write(g, SDA_PIN, 1);
    gpio_mode(g, SCL_PIN, GPIO_MODE_OUT, GPIO_PULL_UP); /* open drain (OTYPER kept) */
    gpio_mode(g, SDA_PIN, GPIO_MODE_OUT, GPIO_PULL_UP);
    delay_us(5);
    for (int i = 0; i < 9 && !gpio_read(g, SDA_PIN); i++) {
        gpio_write(g, SCL_PIN, 0);
        delay_us(5);
        gpio_write(g, SCL_PIN, 1);
        delay_us(5);
    }
    /* STOP: SDA low -> high while SCL is high. */
    gpio_write(g, SCL_PIN, 0);
    delay_us(5);
    gpio_write(g, SDA_PIN, 0);
    delay_us(5);
    gpio_write(g, SCL_PIN, 1);
    delay_us(5);
    gpio_write(g, SDA_PIN, 1);
    delay_us(5);
    int ok = gpio_read(g, SDA_PIN) && gpio_read(g, SCL_PIN);
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
