/* SPDX-License-Identifier: MIT */
/* clock_f446.c -- STM32F446RE system clock: 180 MHz from the PLL (RM0390 §6.2, §6.3).
 *
 * Source: HSE in bypass mode (the Nucleo's ST-Link supplies 8 MHz on OSC_IN). If HSE does not
 * come up, the PLL runs from HSI (16 MHz) instead; if the PLL or over-drive does not lock, the
 * core stays on HSI at 16 MHz. Every wait has a bounded spin count, so a missing crystal or an
 * emulator without RCC never hangs the boot.
 *
 * PLL: VCO in = 2 MHz (M = 4 from HSE 8 MHz, M = 8 from HSI), N = 180 -> VCO 360 MHz, P = 2 ->
 * 180 MHz SYSCLK. AHB /1, APB1 /4 = 45 MHz, APB2 /2 = 90 MHz. Over-drive on, VOS scale 1,
 * five flash wait states (RM0390 §3.4.1 table 5, 2.7-3.6 V).
 */
#include "board.h"
#include "regs.h"

#define SPIN 200000u

static bool wait_set(volatile uint32_t *reg, uint32_t bit)
{
    for (uint32_t i = 0; i < SPIN; i++)
        if (*reg & bit)
            return true;
    return false;
}

/* Returns 0 = HSE+PLL 180 MHz, 1 = HSI+PLL 180 MHz (no HSE: boards before rev C.2 have no MCO
 * from the ST-Link, so HSI is their normal source), 2 = HSI 16 MHz (PLL failed). */
int clock_init_f446(void)
{
    int result = 0;
    g_hclk_hz = 16000000u;
    g_pclk1_hz = 16000000u;
    RCC_CR |= RCC_CR_HSION;
    if (!wait_set(&RCC_CR, RCC_CR_HSIRDY))
        return 2; /* not even HSI reads ready: an emulator; leave everything at reset */

    uint32_t pllsrc = RCC_PLLCFGR_SRC_HSE, m = 4;
    /* RM0390 §6.3.1 (RCC_CR, HSEBYP): the bypass can be written only while HSE is off, so it is
     * set first and HSE switched on after it, not both in one write. */
    RCC_CR &= ~RCC_CR_HSEON;
    RCC_CR |= RCC_CR_HSEBYP;
    RCC_CR |= RCC_CR_HSEON;
    if (!wait_set(&RCC_CR, RCC_CR_HSERDY)) {
        RCC_CR &= ~RCC_CR_HSEON; /* HSE off first, then the bypass bit (same rule) */
        RCC_CR &= ~RCC_CR_HSEBYP;
        pllsrc = 0;
        m = 8;
        result = 1;
    }
    RCC_APB1ENR |= RCC_APB1ENR_PWR;
    (void)RCC_APB1ENR;
    PWR_CR |= PWR_CR_VOS_SCALE1;

    RCC_CR &= ~RCC_CR_PLLON;
    /* M, N = 180, P = 2 (00), Q = 8, R = 2 */
    RCC_PLLCFGR = m | (180u << 6) | (0u << 16) | pllsrc | (8u << 24) | (2u << 28);
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_set(&RCC_CR, RCC_CR_PLLRDY))
        return 2;
    /* Over-drive for 180 MHz (RM0390 §5.1.4): ODEN, wait ODRDY, ODSWEN, wait ODSWRDY. */
    PWR_CR |= PWR_CR_ODEN;
    if (!wait_set(&PWR_CSR, PWR_CSR_ODRDY))
        return 2;
    PWR_CR |= PWR_CR_ODSWEN;
    if (!wait_set(&PWR_CSR, PWR_CSR_ODSWRDY))
        return 2;
    FLASH_ACR = FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN | 5u;
    if ((FLASH_ACR & 0xFu) != 5u)
        return 2;
    /* HPRE /1, PPRE1 /4 (101), PPRE2 /2 (100), then switch to the PLL. */
    RCC_CFGR = (RCC_CFGR & ~0xFCF3u) | (5u << 10) | (4u << 13);
    RCC_CFGR = (RCC_CFGR & ~3u) | RCC_CFGR_SW_PLL;
    for (uint32_t i = 0; i < SPIN; i++) {
        if ((RCC_CFGR & RCC_CFGR_SWS_MASK) == RCC_CFGR_SWS_PLL) {
            g_hclk_hz = 180000000u;
            g_pclk1_hz = 45000000u;
            return result;
        }
    }
    RCC_CFGR &= ~0xFCF3u; /* back to HSI, no prescalers */
    return 2;
}
