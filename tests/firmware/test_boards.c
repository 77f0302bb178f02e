/* SPDX-License-Identifier: MIT */
/* test_boards.c -- the board set-up code (hw/clock_*.c, hw/uart_v2.c, hw/i2c_v2.c, hw/spi_f4.c and
 * core/lis3dsh.c) against a fake register file (fake_mmio.c): the values written, in order, are
 * checked against the reference manuals' fields worked out by hand here (not taken from the code),
 * so a wrong bit, a wrong divider or a step out of order fails. Built three times: FW_FAMILY_L4
 * (Nucleo-L476RG), FW_FAMILY_H7 (Nucleo-H743ZI) and TEST_F407 (STM32F4 Discovery). The fake's
 * model sets the ready bits that follow their enable bits, as the chips do. */
#include <string.h>

#include "board.h"
#include "check.h"
#include "fake_mmio.h"
#include "i2c_bus.h"
#include "lis3dsh.h"
#include "stm32_addr.h"

uint32_t g_hclk_hz, g_pclk1_hz;
static uint32_t now_ms;
uint32_t platform_now_ms(void) { return now_ms++; }
uint32_t platform_irq_save(void) { return 0; }
void platform_irq_restore(uint32_t s) { (void)s; }
void delay_us(uint32_t us) { (void)us; }
void delay_ms(uint32_t ms) { now_ms += ms; }

static int hse_present = 1;

/* Index of the first logged write to addr, -1 if none. */
static long first_write(uint32_t addr) { return fake_mmio_first(addr, 0, 0); }

#if defined(FW_FAMILY_L4)
int clock_init_l476(void);
uint32_t i2cv2_timingr(uint32_t clk_hz);
void i2c1_init(void);

static uint32_t l4_model(uint32_t a, uint32_t v)
{
    if (a == L4_RCC_CR) /* MSIRDY follows MSION, PLLRDY follows PLLON (RM0351 §6.4.1) */
        return (v & ~(L4_RCC_CR_MSIRDY | L4_RCC_CR_PLLRDY)) | ((v & L4_RCC_CR_MSION) ? L4_RCC_CR_MSIRDY : 0) |
               ((v & L4_RCC_CR_PLLON) ? L4_RCC_CR_PLLRDY : 0);
    if (a == L4_RCC_CFGR) /* SWS follows SW */
        return (v & ~(3u << 2)) | ((v & 3u) << 2);
    return v;
}

static void test_clock(void)
{
    fake_mmio_reset();
    fake_mmio_preset(L4_RCC_CR, 0x63u);          /* reset: MSI on, ready, range 6 (RM0351 §6.4.1) */
    fake_mmio_preset(L4_PWR_CR1, 0x200u);        /* VOS range 1 */
    fake_mmio_preset(L4_RCC_PLLCFGR, 0x1000u);   /* reset: PLLN 16 */
    fake_mmio_model = l4_model;
    CHECK_EQ(clock_init_l476(), 0);
    CHECK_EQ(g_hclk_hz, 80000000u);
    CHECK_EQ(g_pclk1_hz, 80000000u);
    /* PLL: MSI (1), M = 1 (0), N = 40 (0x28 << 8), PLLREN (bit 24), R = 2 (00) */
    uint32_t w[8];
    CHECK_EQ(fake_mmio_writes_to(L4_RCC_PLLCFGR, w, 8), 1u);
    CHECK_EQ(w[0], 0x01002801u);
    /* flash: 4 wait states + prefetch, I and D cache (RM0351 §3.7.1), before the switch */
    CHECK_EQ(fake_mmio_writes_to(L4_FLASH_ACR, w, 8), 1u);
    CHECK_EQ(w[0], 0x704u);
    long acr = first_write(L4_FLASH_ACR), sw = fake_mmio_first(L4_RCC_CFGR, 3u, 3u);
    long pllon = fake_mmio_first(L4_RCC_CR, L4_RCC_CR_PLLON, L4_RCC_CR_PLLON);
    long pllcfg = first_write(L4_RCC_PLLCFGR), vos = first_write(L4_PWR_CR1);
    CHECK(acr >= 0 && sw > acr);
    CHECK(pllcfg >= 0 && pllon > pllcfg && sw > pllon);
    CHECK(vos >= 0 && vos < pllon);
    CHECK_EQ(fake_mmio_peek(L4_PWR_CR1) & (3u << 9), 1u << 9);
    CHECK_EQ(fake_mmio_peek(L4_RCC_CFGR) & 0x3FF3u, 3u); /* prescalers /1, SW = PLL */
    /* the PLL never locks: the core stays on the MSI, and says so */
    fake_mmio_reset();
    fake_mmio_preset(L4_RCC_CR, 0x63u);
    CHECK_EQ(clock_init_l476(), 2);
    CHECK_EQ(g_hclk_hz, 4000000u);
}

static void test_uart(void)
{
    fake_mmio_reset();
    fake_mmio_preset(L4_GPIOA + 0x00u, 0xABFFFFFFu); /* GPIOA MODER reset value (RM0351 §8.5.1) */
    uart_init(80000000u, 115200u);
    uint32_t w[8];
    size_t n = fake_mmio_writes_to(0x40004400u + 0x0Cu, w, 8); /* USART2 BRR */
    CHECK_EQ(n, 1u);
    CHECK_EQ(w[0], 694u); /* 80 MHz / 115200 = 694.4, oversampling 16 */
    CHECK_EQ(fake_mmio_peek(0x40004400u) , 0x2Du); /* CR1: UE, RE, TE, RXNEIE */
    CHECK(first_write(0x40004400u + 0x0Cu) < fake_mmio_first(0x40004400u, 1u, 1u)); /* BRR before UE */
    CHECK_EQ((fake_mmio_peek(L4_GPIOA + 0x00u) >> 4) & 0xFu, 0xAu);  /* PA2, PA3 alternate */
    CHECK_EQ((fake_mmio_peek(L4_GPIOA + 0x20u) >> 8) & 0xFFu, 0x77u); /* AF7 */
    CHECK_EQ(fake_mmio_peek(L4_GPIOA + 0x00u) & ~0xF0u, 0xABFFFF0Fu); /* other pins untouched */
    CHECK(fake_mmio_peek(L4_RCC_APB1ENR1) & (1u << 17));              /* USART2EN */
    CHECK(fake_mmio_peek(L4_RCC_AHB2ENR) & 1u);                       /* GPIOAEN */
    CHECK_EQ(fake_mmio_peek(0xE000E104u), 1u << 6);                   /* interrupt 38 enabled */
    CHECK_EQ(fake_mmio_peek(0xE000E424u), 0x40u << 16);               /* its priority 0x40 */
}

static void test_i2c(void)
{
    /* fast mode, 125 ns prescaled period: PRESC = clk / 8 MHz - 1, SCLDEL 3, SDADEL 3, SCLH 3, SCLL 9 */
    CHECK_EQ(i2cv2_timingr(80000000u), 0x90330309u);
    CHECK_EQ(i2cv2_timingr(16000000u), 0x10330309u);
    CHECK_EQ(i2cv2_timingr(100000000u), 0xC0330309u); /* 130 ns: still at most 400 kHz */
    fake_mmio_reset();
    g_pclk1_hz = 80000000u;
    i2c1_init();
    CHECK_EQ(fake_mmio_peek(0x40005400u + 0x10u), 0x90330309u);
    CHECK(first_write(0x40005400u + 0x10u) < fake_mmio_first(0x40005400u, 1u, 1u)); /* TIMINGR while PE = 0 */
    CHECK_EQ((fake_mmio_peek(L4_GPIOB + 0x24u) & 0xFFu), 0x44u);      /* PB8, PB9 AF4 */
    CHECK_EQ((fake_mmio_peek(L4_GPIOB + 0x04u) >> 8) & 3u, 3u);        /* open drain */
    CHECK_EQ((fake_mmio_peek(L4_GPIOB + 0x0Cu) >> 16) & 0xFu, 0x5u);   /* pull-ups */
    CHECK(fake_mmio_peek(L4_RCC_APB1ENR1) & (1u << 21));               /* I2C1EN */
}


/* ---- the I2C v2 master against a modelled bus with one register-file slave ------------------ */
#define I2C_B 0x40005400u
#define R_CR2 (I2C_B + 0x04u)
#define R_ISR (I2C_B + 0x18u)
#define R_ICR (I2C_B + 0x1Cu)
#define R_RXDR (I2C_B + 0x24u)
#define R_TXDR (I2C_B + 0x28u)
static uint8_t slave_addr = 0x68, slave_regs[512], slave_ptr;
static int bus_left, bus_reload, bus_autoend, bus_read, bus_first, bus_active;
static uint32_t bus_isr;

/* After a chunk: TCR (RELOAD), STOPF (AUTOEND) or TC. */
static void bus_chunk_done(void)
{
    if (bus_reload)
        bus_isr |= 1u << 7;
    else if (bus_autoend) {
        bus_isr |= 1u << 5;
        bus_active = 0;
    } else
        bus_isr |= 1u << 6;
}

static void bus_next(void)
{
    if (bus_left == 0) {
        bus_chunk_done();
        return;
    }
    bus_isr |= bus_read ? 1u << 2 : 1u << 1; /* RXNE or TXIS */
}

static void i2c_on_write(uint32_t a, uint32_t v)
{
    if (a == R_ICR) {
        bus_isr &= ~(v & 0x3F38u);
    } else if (a == R_CR2) {
        bus_isr &= ~((1u << 6) | (1u << 7));
        bus_left = (int)((v >> 16) & 0xFFu);
        bus_reload = (v >> 24) & 1u;
        bus_autoend = (v >> 25) & 1u;
        if (v & (1u << 13)) { /* START: address phase */
            bus_read = (v >> 10) & 1u;
            bus_first = !bus_read;
            if (((v >> 1) & 0x7Fu) != slave_addr) {
                bus_isr |= (1u << 4) | (1u << 5); /* NACKF, then the automatic STOP */
                return;
            }
            bus_active = 1;
        }
        bus_next();
    } else if (a == R_TXDR && bus_active) {
        bus_isr &= ~(1u << 1);
        if (bus_first)
            slave_ptr = (uint8_t)v;
        else
            slave_regs[slave_ptr++] = (uint8_t)v;
        bus_first = 0;
        bus_left--;
        bus_next();
    }
}

static uint32_t i2c_model(uint32_t a, uint32_t v)
{
    if (a == R_ISR)
        return bus_isr | (bus_active ? 1u << 15 : 0) | 1u; /* BUSY while a transfer runs, TXE */
    if (a == R_RXDR && bus_active && bus_read && (bus_isr & (1u << 2))) {
        uint8_t b = slave_regs[slave_ptr++];
        bus_isr &= ~(1u << 2);
        bus_left--;
        bus_next();
        return b;
    }
    return v;
}

static void test_i2c_xfer(void)
{
    extern const struct i2c_bus i2c1_bus;
    fake_mmio_reset();
    g_pclk1_hz = 80000000u;
    i2c1_init();
    fake_mmio_reset();
    fake_mmio_model = i2c_model;
    fake_mmio_on_write = i2c_on_write;
    bus_isr = 0;
    bus_active = 0;
    for (int i = 0; i < 256; i++)
        slave_regs[i] = (uint8_t)(i ^ 0x5A);
    slave_regs[0x75] = 0x68;
    /* WHO_AM_I: write the register (software end: TC), repeated start, read one byte (AUTOEND) */
    uint8_t reg = 0x75, id = 0;
    CHECK_EQ(i2c1_bus.xfer(0, 0x68, &reg, 1, &id, 1), I2C_OK);
    CHECK_EQ(id, 0x68u);
    uint32_t w[16];
    size_t n = fake_mmio_writes_to(R_CR2, w, 16);
    CHECK_EQ(n, 2u);
    CHECK_EQ(w[0], 0x000120D0u); /* SADD 0x68 << 1, NBYTES 1, START, no AUTOEND */
    CHECK_EQ(w[1], 0x020124D0u); /* RD_WRN, NBYTES 1, START, AUTOEND */
    /* a register write: two bytes, AUTOEND */
    uint8_t wr[2] = { 0x6B, 0x80 };
    fake_mmio_reset();
    fake_mmio_model = i2c_model;
    fake_mmio_on_write = i2c_on_write;
    CHECK_EQ(i2c1_bus.xfer(0, 0x68, wr, 2, 0, 0), I2C_OK);
    CHECK_EQ(slave_regs[0x6B], 0x80u);
    CHECK_EQ(fake_mmio_writes_to(R_CR2, w, 16), 1u);
    CHECK_EQ(w[0], 0x020220D0u);
    /* a 300-byte burst: 255 with RELOAD, then 45 (TCR in between) */
    uint8_t big[300];
    reg = 0;
    fake_mmio_reset();
    fake_mmio_model = i2c_model;
    fake_mmio_on_write = i2c_on_write;
    CHECK_EQ(i2c1_bus.xfer(0, 0x68, &reg, 1, big, sizeof big), I2C_OK);
    int same = 1;
    for (int i = 0; i < 300; i++)
        same &= big[i] == slave_regs[(uint8_t)i];
    CHECK(same);
    n = fake_mmio_writes_to(R_CR2, w, 16);
    CHECK_EQ(n, 3u);
    CHECK_EQ(w[1], 0x03FF24D0u); /* NBYTES 255, RELOAD, AUTOEND, read */
    CHECK_EQ((w[2] >> 16) & 0x1FFu, 45u); /* then 45 without RELOAD */
    /* nobody at 0x69: NACK, the flags cleared, the next transfer works */
    CHECK_EQ(i2c1_bus.xfer(0, 0x69, &reg, 1, &id, 1), I2C_NACK);
    CHECK_EQ(bus_isr & ((1u << 4) | (1u << 5)), 0u);
    reg = 0x75;
    CHECK_EQ(i2c1_bus.xfer(0, 0x68, &reg, 1, &id, 1), I2C_OK);
    CHECK_EQ(id, 0x68u);
}

#elif defined(FW_FAMILY_H7)
int clock_init_h743(void);
void h743_caches_enable(void);

static uint32_t h7_model(uint32_t a, uint32_t v)
{
    if (a == H7_RCC_CR) /* HSIRDY, HSERDY (with the ST-Link's clock), PLL1RDY follow their enables */
        return (v & ~((1u << 2) | (1u << 17) | (1u << 25))) | ((v & 1u) ? 1u << 2 : 0) |
               ((hse_present && (v & (1u << 16))) ? 1u << 17 : 0) | ((v & (1u << 24)) ? 1u << 25 : 0);
    if (a == H7_RCC_CFGR)
        return (v & ~(7u << 3)) | ((v & 7u) << 3);
    if (a == H7_PWR_CSR1)
        return v | H7_PWR_CSR1_ACTVOSRDY;
    if (a == H7_PWR_D3CR)
        return v | H7_PWR_D3CR_VOSRDY;
    if (a == 0xE000ED80u) /* CCSIDR of the M7's 16 KB data cache: 128 sets, 4 ways, 32-byte lines */
        return (127u << 13) | (3u << 3) | 1u;
    return v;
}

static void h7_reset_values(void)
{
    fake_mmio_reset();
    fake_mmio_preset(H7_RCC_CR, 0x25u);           /* HSI on and ready, HSIDIV /1 (RM0433 §8.7.2) */
    fake_mmio_preset(H7_PWR_CR3, 0x6u);           /* SCUEN, LDOEN (RM0433 §6.8.4) */
    fake_mmio_preset(H7_PWR_D3CR, 0x4000u);       /* VOS3 */
    fake_mmio_preset(H7_RCC_PLLCFGR, 0x01FF0000u); /* every DIVxEN set (RM0433 §8.7.12) */
    fake_mmio_preset(H7_RCC_PLLCKSELR, 0x02020200u);
    fake_mmio_preset(H7_FLASH_ACR, 0x37u);
    fake_mmio_model = h7_model;
}

static void test_clock(void)
{
    h7_reset_values();
    hse_present = 1;
    CHECK_EQ(clock_init_h743(), 0);
    CHECK_EQ(g_hclk_hz, 400000000u);
    CHECK_EQ(g_pclk1_hz, 100000000u);
    uint32_t w[8];
    CHECK_EQ(fake_mmio_writes_to(H7_PWR_CR3, w, 8), 1u);
    CHECK_EQ(w[0], 0x2u); /* LDO on, no bypass, SCUEN cleared: one write */
    CHECK_EQ(fake_mmio_peek(H7_PWR_D3CR) & (3u << 14), 3u << 14); /* VOS1 */
    CHECK_EQ(fake_mmio_peek(H7_RCC_PLLCKSELR) & 0x3F3u, 0x42u);  /* HSE, DIVM1 = 4 */
    CHECK_EQ(fake_mmio_writes_to(H7_RCC_PLL1DIVR, w, 8), 1u);
    CHECK_EQ(w[0], 0x0103038Fu); /* N = 400 (399), P = 2 (1), Q = 4 (3), R = 2 (1) */
    CHECK_EQ(fake_mmio_peek(H7_RCC_PLLCFGR), 0x01FF0004u); /* PLL1RGE 2-4 MHz, wide VCO, integer */
    CHECK_EQ(fake_mmio_peek(H7_FLASH_ACR), 0x22u);         /* 2 WS, WRHIGHFREQ 2 */
    CHECK_EQ(fake_mmio_peek(H7_RCC_D1CFGR) & 0xF7Fu, 0x48u); /* D1CPRE /1, HPRE /2, D1PPRE /2 */
    CHECK_EQ(fake_mmio_peek(H7_RCC_D2CFGR) & 0x770u, 0x440u);
    CHECK_EQ(fake_mmio_peek(H7_RCC_D3CFGR) & 0x70u, 0x40u);
    CHECK_EQ(fake_mmio_peek(H7_RCC_CFGR) & 7u, 3u);
    /* order: supply, then VOS, then the PLL; flash latency before the switch; HSEBYP before HSEON */
    long cr3 = first_write(H7_PWR_CR3), vos = first_write(H7_PWR_D3CR);
    long pllon = fake_mmio_first(H7_RCC_CR, 1u << 24, 1u << 24), acr = first_write(H7_FLASH_ACR);
    long sw = fake_mmio_first(H7_RCC_CFGR, 7u, 3u);
    long byp = fake_mmio_first(H7_RCC_CR, 1u << 18, 1u << 18), hseon = fake_mmio_first(H7_RCC_CR, 1u << 16, 1u << 16);
    CHECK(cr3 == 0);
    CHECK(vos > cr3 && pllon > vos);
    CHECK(acr > 0 && sw > acr && sw > pllon);
    CHECK(byp >= 0 && hseon > byp);
    CHECK(!(fake_mmio_log[byp].value & (1u << 16))); /* bypass written while HSE off */
    /* no HSE: the HSI through the PLL (DIVM1 = 32), still 400 MHz */
    h7_reset_values();
    hse_present = 0;
    CHECK_EQ(clock_init_h743(), 1);
    CHECK_EQ(fake_mmio_peek(H7_RCC_PLLCKSELR) & 0x3F3u, 0x200u);
    CHECK_EQ(g_hclk_hz, 400000000u);
    hse_present = 1;
}

static void test_caches(void)
{
    h7_reset_values();
    h743_caches_enable();
    uint32_t w[600];
    size_t n = fake_mmio_writes_to(0xE000EF60u, w, 600); /* DCISW: every set and way */
    CHECK_EQ(n, 512u);
    CHECK_EQ(w[1], 1u << 30);               /* set 0, way 1 */
    CHECK_EQ(w[4], 1u << 5);                /* set 1, way 0 */
    CHECK_EQ(w[511], (127u << 5) | (3u << 30));
    long ic = first_write(0xE000EF50u), icen = fake_mmio_first(0xE000ED14u, 1u << 17, 1u << 17);
    long dcen = fake_mmio_first(0xE000ED14u, 1u << 16, 1u << 16), dci = first_write(0xE000EF60u);
    CHECK(ic >= 0 && icen > ic);             /* I-cache invalidated, then on */
    CHECK(dci >= 0 && dcen > dci + 511);     /* D-cache invalidated entirely, then on */
}

static void test_uart(void)
{
    fake_mmio_reset();
    uart_init(100000000u, 115200u);
    uint32_t w[8];
    CHECK_EQ(fake_mmio_writes_to(0x40004800u + 0x0Cu, w, 8), 1u); /* USART3 BRR */
    CHECK_EQ(w[0], 868u);
    CHECK_EQ(fake_mmio_peek(0x40004800u), 0x2Du);
    CHECK_EQ((fake_mmio_peek(H7_GPIOD + 0x00u) >> 16) & 0xFu, 0xAu);  /* PD8, PD9 alternate */
    CHECK_EQ(fake_mmio_peek(H7_GPIOD + 0x24u) & 0xFFu, 0x77u);        /* AF7 */
    CHECK(fake_mmio_peek(H7_RCC_APB1LENR) & (1u << 18));              /* USART3EN */
    CHECK(fake_mmio_peek(H7_RCC_AHB4ENR) & (1u << 3));                /* GPIODEN */
    CHECK_EQ(fake_mmio_peek(0xE000E104u), 1u << 7);                   /* interrupt 39 */
    CHECK_EQ(fake_mmio_peek(0xE000E424u), 0x40u << 24);
}

static void test_i2c(void) {}

#else /* TEST_F407: the F4 boards (F407 Discovery, and the F446RE's clock) */
int clock_init_f407(void);
int clock_init_f446(void);
void spi1_init(void);
extern const struct spi_dev spi1_dev;

static uint32_t f4_model(uint32_t a, uint32_t v)
{
    if (a == F4_RCC_CR)
        return (v & ~((1u << 1) | (1u << 17) | (1u << 25))) | ((v & 1u) ? 2u : 0) |
               ((hse_present && (v & (1u << 16))) ? 1u << 17 : 0) | ((v & (1u << 24)) ? 1u << 25 : 0);
    if (a == F4_RCC_CFGR)
        return (v & ~(3u << 2)) | ((v & 3u) << 2);
    if (a == F4_SPI1 + F4_SPI_SR)
        return F4_SPI_SR_TXE | F4_SPI_SR_RXNE;
    if (a == 0x40007004u) /* F446 PWR_CSR: ODRDY, ODSWRDY follow ODEN, ODSWEN (RM0390 §5.4.2) */
        return (fake_mmio_peek(0x40007000u) >> 16 & 3u) << 16;
    return v;
}

/* The Nucleo-F446RE's 180 MHz (hw/clock_f446.c, RM0390 §6.3): HSE bypass, PLL, over-drive. */
static void test_clock_f446(void)
{
    fake_mmio_reset();
    fake_mmio_preset(F4_RCC_CR, 0x83u);
    fake_mmio_preset(F4_PWR_CR, 0xC000u); /* reset value: VOS scale 1 (RM0390 §5.4.1) */
    fake_mmio_model = f4_model;
    hse_present = 1;
    CHECK_EQ(clock_init_f446(), 0);
    CHECK_EQ(g_hclk_hz, 180000000u);
    CHECK_EQ(g_pclk1_hz, 45000000u);
    uint32_t w[8];
    CHECK_EQ(fake_mmio_writes_to(F4_RCC_PLLCFGR, w, 8), 1u);
    CHECK_EQ(w[0], 0x28402D04u); /* M 4, N 180, P 2, HSE, Q 8, R 2 */
    CHECK_EQ(fake_mmio_peek(F4_FLASH_ACR), 0x705u);
    CHECK_EQ(fake_mmio_peek(F4_RCC_CFGR) & 0xFCF3u, 0x9402u); /* APB1 /4, APB2 /2, SW PLL */
    CHECK_EQ(fake_mmio_peek(F4_PWR_CR) & 0x3C000u, 0x3C000u); /* VOS scale 1, ODEN, ODSWEN */
    /* RM0390 §6.3.1: HSEBYP written while HSE is off, then HSEON; §5.1.4: over-drive after the PLL
     * locks, ODEN before ODSWEN; the flash latency before the switch */
    long byp = fake_mmio_first(F4_RCC_CR, 1u << 18, 1u << 18), hseon = fake_mmio_first(F4_RCC_CR, 1u << 16, 1u << 16);
    CHECK(byp >= 0 && hseon > byp && !(fake_mmio_log[byp].value & (1u << 16)));
    long pllon = fake_mmio_first(F4_RCC_CR, 1u << 24, 1u << 24);
    long oden = fake_mmio_first(F4_PWR_CR, 1u << 16, 1u << 16), odsw = fake_mmio_first(F4_PWR_CR, 1u << 17, 1u << 17);
    CHECK(pllon >= 0 && oden > pllon && odsw > oden);
    CHECK(first_write(F4_FLASH_ACR) > odsw && fake_mmio_first(F4_RCC_CFGR, 3u, 2u) > first_write(F4_FLASH_ACR));
    /* no HSE (boards before rev C.2): the HSI through the PLL, M = 8, still 180 MHz; bypass off again */
    fake_mmio_reset();
    fake_mmio_preset(F4_RCC_CR, 0x83u);
    fake_mmio_model = f4_model;
    hse_present = 0;
    CHECK_EQ(clock_init_f446(), 1);
    CHECK_EQ(fake_mmio_writes_to(F4_RCC_PLLCFGR, w, 8), 1u);
    CHECK_EQ(w[0], 0x28002D08u);
    CHECK_EQ(fake_mmio_peek(F4_RCC_CR) & ((1u << 16) | (1u << 18)), 0u);
    CHECK_EQ(g_hclk_hz, 180000000u);
    hse_present = 1;
    /* an emulator without RCC (every register reads 0): no hang, 16 MHz, error */
    fake_mmio_reset();
    CHECK_EQ(clock_init_f446(), 2);
    CHECK_EQ(g_hclk_hz, 16000000u);
}

static void test_clock(void)
{
    fake_mmio_reset();
    fake_mmio_preset(F4_RCC_CR, 0x83u);
    fake_mmio_preset(F4_RCC_PLLCFGR, 0x24003010u); /* reset value (RM0090 §7.3.2) */
    fake_mmio_model = f4_model;
    hse_present = 1;
    CHECK_EQ(clock_init_f407(), 0);
    CHECK_EQ(g_hclk_hz, 168000000u);
    CHECK_EQ(g_pclk1_hz, 42000000u);
    uint32_t w[8];
    CHECK_EQ(fake_mmio_writes_to(F4_RCC_PLLCFGR, w, 8), 1u);
    CHECK_EQ(w[0], 0x07405408u); /* M 8, N 336, P 2 (00), HSE, Q 7 */
    CHECK_EQ(fake_mmio_peek(F4_FLASH_ACR), 0x705u);
    CHECK_EQ(fake_mmio_peek(F4_RCC_CFGR) & 0xFCF3u, 0x9402u); /* APB1 /4, APB2 /2, SW PLL */
    CHECK(fake_mmio_peek(F4_PWR_CR) & (1u << 14));
    CHECK(first_write(F4_FLASH_ACR) < fake_mmio_first(F4_RCC_CFGR, 3u, 2u));
    fake_mmio_reset();
    fake_mmio_preset(F4_RCC_CR, 0x83u);
    fake_mmio_model = f4_model;
    hse_present = 0;
    CHECK_EQ(clock_init_f407(), 1);
    CHECK_EQ(fake_mmio_writes_to(F4_RCC_PLLCFGR, w, 8), 1u);
    CHECK_EQ(w[0], 0x07005410u); /* HSI, M 16 */
    hse_present = 1;
}

/* The LIS3DSH behind SPI1: bytes written to DR while PE3 (chip select) is low. */
static uint8_t lis_regs[64];
static int lis_pos, lis_reg, lis_read;
static uint32_t lis_dr;

static void spi_on_write(uint32_t a, uint32_t v)
{
    if (a == F4_GPIOE + 0x18u && (v & (1u << 19))) /* CS low: a new frame */
        lis_pos = 0;
    if (a != F4_SPI1 + F4_SPI_DR)
        return;
    if (lis_pos == 0) {
        lis_read = (v & 0x80u) != 0;
        lis_reg = (int)(v & 0x3Fu);
        lis_dr = 0xFFu;
    } else if (lis_read) {
        lis_dr = lis_regs[lis_reg++ & 63];
    } else {
        lis_regs[lis_reg++ & 63] = (uint8_t)v;
        lis_dr = 0;
    }
    lis_pos++;
    fake_mmio_preset(F4_SPI1 + F4_SPI_DR, lis_dr);
}

static void test_i2c(void)
{
    fake_mmio_reset();
    fake_mmio_model = f4_model;
    fake_mmio_on_write = spi_on_write;
    spi1_init();
    /* SPI1: mode 3, master, f/16, software NSS, enabled last */
    uint32_t w[8];
    size_t n = fake_mmio_writes_to(F4_SPI1, w, 8);
    CHECK_EQ(n, 2u);
    CHECK_EQ(w[0], 0x31Fu);
    CHECK_EQ(w[1], 0x35Fu);
    CHECK_EQ((fake_mmio_peek(F4_GPIOA + 0x20u) >> 20) & 0xFFFu, 0x555u); /* PA5-7 AF5 */
    CHECK_EQ((fake_mmio_peek(F4_GPIOE + 0x00u) >> 6) & 3u, 1u);           /* PE3 output */
    CHECK(first_write(F4_GPIOE + 0x18u) < first_write(F4_GPIOE + 0x00u)); /* CS high before output */
    CHECK(fake_mmio_peek(F4_RCC_APB2ENR) & (1u << 12));
    /* the LIS3DSH through the driver: WHO_AM_I, reset, configuration, one sample */
    struct lis3dsh d;
    struct sensor_ops ops;
    memset(lis_regs, 0, sizeof lis_regs);
    lis_regs[0x0F] = 0x3F;
    lis3dsh_bind(&d, &spi1_dev, &ops);
    CHECK_EQ(ops.init(ops.ctx, 0), 5);
    CHECK_EQ(lis_regs[0x23], 0x01u); /* soft reset */
    CHECK_EQ(ops.init(ops.ctx, 5), 0);
    CHECK(strcmp(ops.name, "LIS3DSH") == 0);
    CHECK(ops.rate_ok(ops.ctx, 50) && ops.rate_ok(ops.ctx, 100) && !ops.rate_ok(ops.ctx, 200));
    CHECK_EQ(ops.configure(ops.ctx, 50, 2, 1000, 10), 0);
    CHECK_EQ(lis_regs[0x20], 0x5Fu); /* 50 Hz */
    CHECK_EQ(lis_regs[0x24], 0x00u); /* ±2 g */
    CHECK_EQ(ops.configure(ops.ctx, 100, 8, 1000, 10), 0);
    CHECK_EQ(lis_regs[0x20], 0x6Fu); /* 100 Hz, BDU, X Y Z */
    CHECK_EQ(lis_regs[0x24], 0x18u); /* ±8 g */
    CHECK_EQ(lis_regs[0x25], 0x10u); /* ADD_INC */
    int16_t out[2][IMU_AXES];
    CHECK_EQ(ops.read(ops.ctx, 20, out, 2), 0); /* no data ready */
    lis_regs[0x27] = 0x08;
    lis_regs[0x28] = 0x00; lis_regs[0x29] = 0x10; /* X = 4096 digits = 983 mg at 0.24 mg */
    lis_regs[0x2A] = 0x00; lis_regs[0x2B] = 0xF0; /* Y = -4096 */
    lis_regs[0x2C] = 0x01; lis_regs[0x2D] = 0x00; /* Z = 1 */
    CHECK_EQ(ops.read(ops.ctx, 30, out, 2), 1);
    CHECK_EQ(out[0][0], 4026); /* 4096 * 0.24 mg in MPU LSBs at ±8 g (4096 LSB/g) */
    CHECK_EQ(out[0][1], -4026);
    CHECK_EQ(out[0][2], 0);
    CHECK_EQ(out[0][3], 0);
    /* an old board: the LIS302DL, 8-bit outputs at 18 mg (±2.3 g) */
    memset(lis_regs, 0, sizeof lis_regs);
    lis_regs[0x0F] = 0x3B;
    lis3dsh_bind(&d, &spi1_dev, &ops);
    CHECK_EQ(ops.init(ops.ctx, 0), 0);
    CHECK(strcmp(ops.name, "LIS302DL") == 0);
    CHECK_EQ(lis_regs[0x20], 0x67u); /* PD, FS 1 (±9.2 g for 8 g), X Y Z */
    CHECK(ops.rate_ok(ops.ctx, 100));
    CHECK(!ops.rate_ok(ops.ctx, 50)); /* the LIS302DL has no 50 Hz */
    lis_regs[0x27] = 0x08;
    lis_regs[0x29] = 14; /* 14 * 72 mg = 1.008 g */
    CHECK_EQ(ops.read(ops.ctx, 10, out, 1), 1);
    CHECK_EQ(out[0][0], 4128);
    /* nothing there (MISO reads 0xFF) or another chip */
    memset(lis_regs, 0xFF, sizeof lis_regs);
    lis3dsh_bind(&d, &spi1_dev, &ops);
    CHECK(ops.init(ops.ctx, 0) < 0);
    lis_regs[0x0F] = 0x42;
    CHECK(ops.init(ops.ctx, 0) < 0);
    CHECK(strcmp(ops.name, "WHO_AM_I 0x42") == 0);
}
#endif

int main(void)
{
    (void)hse_present;
    test_clock();
#if defined(FW_FAMILY_L4)
    test_uart();
    test_i2c_xfer();
#elif defined(FW_FAMILY_H7)
    test_caches();
    test_uart();
#else
    test_clock_f446();
#endif
    test_i2c();
    return check_report("fw_boards");
}
