/* SPDX-License-Identifier: MIT */
/* clock_h743.c -- STM32H743ZI system clock: 400 MHz from PLL1, and the Cortex-M7 caches.
 *
 * Order (RM0433 §6.4, §8.5): the supply configuration first (PWR_CR3: LDO on, bypass off, written
 * once; wait ACTVOSRDY), then voltage scale 1 (PWR_D3CR VOS = 11, wait VOSRDY), and only then the
 * PLL. Source: HSE in bypass (the Nucleo-144's ST-Link gives 8 MHz on OSC_IN): DIVM1 = 4 -> 2 MHz
 * (PLL1RGE = 01, 2-4 MHz), wide VCO, DIVN1 = 400 -> 800 MHz, DIVP1 = 2 -> 400 MHz, DIVQ1 = 4,
 * DIVR1 = 2 (RM0433 §8.7.11-§8.7.13). Without HSE the PLL takes the HSI (64 MHz, DIVM1 = 32), same
 * result. sys_ck 400 MHz (D1CPRE /1) for the core, HPRE /2 -> 200 MHz AXI/AHB, every APB /2 ->
 * 100 MHz (USART3 and I2C1 take PCLK1 by default, RCC_D2CCIP2R). Flash: 2 wait states and
 * WRHIGHFREQ = 2 for 200 MHz at scale 1 (RM0433 §4.3.8 table 17), set before the switch. 480 MHz
 * needs VOS0 (revision V parts only, SYSCFG_PWRCR ODEN): not used, so one image runs on revision Y
 * and V boards. Every wait is bounded.
 */
#include "board.h"
#include "mmio.h"
#include "stm32_addr.h"

#define SPIN 200000u

/* Returns 0 = HSE + PLL1 400 MHz, 1 = HSI + PLL1 400 MHz, 2 = HSI at 64 MHz (a step failed). */
int clock_init_h743(void)
{
    int result = 0;
    g_hclk_hz = 64000000u;
    g_pclk1_hz = 64000000u;
    /* Supply: LDO, no bypass, SCUEN cleared (the configuration is locked until reset). */
    mmio_write(H7_PWR_CR3, (mmio_read(H7_PWR_CR3) & ~(H7_PWR_CR3_BYPASS | H7_PWR_CR3_SCUEN)) | H7_PWR_CR3_LDOEN);
    if (!mmio_wait(H7_PWR_CSR1, H7_PWR_CSR1_ACTVOSRDY, H7_PWR_CSR1_ACTVOSRDY, SPIN))
        return 2;
    mmio_field(H7_PWR_D3CR, H7_PWR_D3CR_VOS_MASK, H7_PWR_D3CR_VOS1);
    if (!mmio_wait(H7_PWR_D3CR, H7_PWR_D3CR_VOSRDY, H7_PWR_D3CR_VOSRDY, SPIN))
        return 2;

    uint32_t src = H7_RCC_PLLCKSELR_SRC_HSE, m = 4u;
    /* HSEBYP only while HSE is off (RM0433 §8.7.2), then HSEON. */
    mmio_clear(H7_RCC_CR, H7_RCC_CR_HSEON);
    mmio_set(H7_RCC_CR, H7_RCC_CR_HSEBYP);
    mmio_set(H7_RCC_CR, H7_RCC_CR_HSEON);
    if (!mmio_wait(H7_RCC_CR, H7_RCC_CR_HSERDY, H7_RCC_CR_HSERDY, SPIN)) {
        mmio_clear(H7_RCC_CR, H7_RCC_CR_HSEON);
        mmio_clear(H7_RCC_CR, H7_RCC_CR_HSEBYP);
        src = 0; /* HSI, 64 MHz */
        m = 32u;
        result = 1;
    }
    mmio_clear(H7_RCC_CR, H7_RCC_CR_PLL1ON);
    if (!mmio_wait(H7_RCC_CR, H7_RCC_CR_PLL1RDY, 0, SPIN))
        return 2;
    mmio_field(H7_RCC_PLLCKSELR, 3u | (0x3Fu << 4), src | H7_RCC_PLLCKSELR_DIVM1(m));
    mmio_write(H7_RCC_PLL1DIVR, (400u - 1u) | ((2u - 1u) << 9) | ((4u - 1u) << 16) | ((2u - 1u) << 24));
    mmio_field(H7_RCC_PLLCFGR, H7_RCC_PLLCFGR_PLL1_MASK,
               H7_RCC_PLLCFGR_PLL1RGE_2_4MHZ | H7_RCC_PLLCFGR_DIVP1EN | H7_RCC_PLLCFGR_DIVQ1EN | H7_RCC_PLLCFGR_DIVR1EN);
    mmio_set(H7_RCC_CR, H7_RCC_CR_PLL1ON);
    if (!mmio_wait(H7_RCC_CR, H7_RCC_CR_PLL1RDY, H7_RCC_CR_PLL1RDY, SPIN))
        return 2;
    mmio_write(H7_FLASH_ACR, H7_FLASH_ACR_VALUE);
    if ((mmio_read(H7_FLASH_ACR) & 0x3Fu) != H7_FLASH_ACR_VALUE)
        return 2;
    /* D1CPRE /1, HPRE /2 (1000), D1PPRE /2 (100); D2PPRE1, D2PPRE2 /2; D3PPRE /2. */
    mmio_field(H7_RCC_D1CFGR, 0xF7Fu, (8u << 0) | (4u << 4));
    mmio_field(H7_RCC_D2CFGR, (7u << 4) | (7u << 8), (4u << 4) | (4u << 8));
    mmio_field(H7_RCC_D3CFGR, 7u << 4, 4u << 4);
    mmio_field(H7_RCC_CFGR, H7_RCC_CFGR_SW_MASK, H7_RCC_CFGR_SW_PLL1);
    if (!mmio_wait(H7_RCC_CFGR, H7_RCC_CFGR_SWS_MASK, H7_RCC_CFGR_SWS_PLL1, SPIN)) {
        mmio_field(H7_RCC_CFGR, H7_RCC_CFGR_SW_MASK, 0u);
        return 2;
    }
    g_hclk_hz = 400000000u;
    g_pclk1_hz = 100000000u;
    return result;
}

/* Cortex-M7 cache maintenance registers (ARMv7-M ARM §B2.2.7, PM0253 §4.8): CCR 0xE000ED14
 * (DC bit 16, IC bit 17), CCSIDR 0xE000ED80, CSSELR 0xE000ED84, ICIALLU 0xE000EF50, DCISW
 * 0xE000EF60 (invalidate by set/way), DCCSW 0xE000EF6C (clean by set/way). */
#define CM7_CCR 0xE000ED14u
#define CM7_CCR_DC (1u << 16)
#define CM7_CCR_IC (1u << 17)
#define CM7_CCSIDR 0xE000ED80u
#define CM7_CSSELR 0xE000ED84u
#define CM7_ICIALLU 0xE000EF50u
#define CM7_DCISW 0xE000EF60u
#define CM7_DCCSW 0xE000EF6Cu

static inline void barrier(void)
{
#ifndef FW_MMIO_FAKE
    __asm volatile("dsb\n isb" ::: "memory");
#endif
}

/* Every set and way of the L1 data cache written to reg (DCISW or DCCSW). */
static void dcache_by_set_way(uint32_t reg)
{
    mmio_write(CM7_CSSELR, 0u); /* level 1, data */
    barrier();
    uint32_t ccsidr = mmio_read(CM7_CCSIDR);
    uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u, ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
    uint32_t line_shift = (ccsidr & 7u) + 4u, way_shift = 32u;
    for (uint32_t w = ways - 1u; w; w >>= 1)
        way_shift--; /* 32 - log2(ways), rounded up: 30 for the M7's 4 ways */
    for (uint32_t s = 0; s < sets; s++)
        for (uint32_t w = 0; w < ways; w++)
            mmio_write(reg, (s << line_shift) | (ways > 1u ? w << way_shift : 0u));
    barrier();
}

/* Instruction cache: invalidate, enable. Data cache: invalidate by set/way, enable. The data
 * the firmware shares with hardware needs no cleaning here: the stack, .data and .bss are in the
 * DTCM (not cacheable), the UART and I2C are driven by the core through registers (Device memory),
 * and no DMA is used. h743_dcache_clean() is for a future DMA user. */
void h743_caches_enable(void)
{
    barrier();
    mmio_write(CM7_ICIALLU, 0u);
    barrier();
    mmio_set(CM7_CCR, CM7_CCR_IC);
    barrier();
    dcache_by_set_way(CM7_DCISW);
    mmio_set(CM7_CCR, CM7_CCR_DC);
    barrier();
}

/* Write every dirty data-cache line back to memory. */
void h743_dcache_clean(void) { dcache_by_set_way(CM7_DCCSW); }
