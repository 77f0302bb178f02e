/* SPDX-License-Identifier: MIT */
/* clock_l476.c -- STM32L476RG system clock: 80 MHz from the PLL fed by the MSI (RM0351 §6.2).
 *
 * MSI at 4 MHz (range 6, its reset value; RM0351 §6.2.3) -> PLLM = 1 -> VCO input 4 MHz (4-16 MHz
 * allowed), PLLN = 40 -> VCO 160 MHz (64-344 MHz), PLLR = 2 -> 80 MHz SYSCLK (RM0351 §6.2.5).
 * AHB, APB1, APB2 /1: every bus at 80 MHz; USART2 and I2C1 run from PCLK1 (CCIPR reset value).
 * Voltage range 1 (PWR_CR1 VOS = 01, the reset value, checked with VOSF) and 4 flash wait states
 * (RM0351 §3.3.3 table 9) before the switch. Every wait is bounded: without a working PLL the core
 * stays on the MSI at 4 MHz and the function says so.
 */
#include "board.h"
#include "mmio.h"
#include "stm32_addr.h"

#define SPIN 200000u

/* Returns 0 = PLL at 80 MHz, 2 = left on the MSI at 4 MHz (the PLL or the regulator failed). */
int clock_init_l476(void)
{
    g_hclk_hz = 4000000u;
    g_pclk1_hz = 4000000u;
    mmio_set(L4_RCC_CR, L4_RCC_CR_MSION);
    if (!mmio_wait(L4_RCC_CR, L4_RCC_CR_MSIRDY, L4_RCC_CR_MSIRDY, SPIN))
        return 2;
    /* MSI range from MSIRANGE in RCC_CR (MSIRGSEL), 4 MHz; written only while the MSI is ready. */
    mmio_field(L4_RCC_CR, L4_RCC_CR_MSIRANGE_MASK | L4_RCC_CR_MSIRGSEL, L4_RCC_CR_MSIRANGE_4MHZ | L4_RCC_CR_MSIRGSEL);

    mmio_set(L4_RCC_APB1ENR1, L4_RCC_APB1_PWR);
    (void)mmio_read(L4_RCC_APB1ENR1); /* the clock enable takes effect before PWR is written */
    mmio_field(L4_PWR_CR1, L4_PWR_CR1_VOS_MASK, L4_PWR_CR1_VOS_RANGE1);
    if (!mmio_wait(L4_PWR_SR2, L4_PWR_SR2_VOSF, 0, SPIN))
        return 2;

    /* Flash latency first (raising the clock), read back before the switch (RM0351 §3.3.3). */
    mmio_write(L4_FLASH_ACR, L4_FLASH_ACR_PRFTEN | L4_FLASH_ACR_ICEN | L4_FLASH_ACR_DCEN | 4u);
    if ((mmio_read(L4_FLASH_ACR) & L4_FLASH_ACR_LATENCY_MASK) != 4u)
        return 2;

    mmio_clear(L4_RCC_CR, L4_RCC_CR_PLLON);
    if (!mmio_wait(L4_RCC_CR, L4_RCC_CR_PLLRDY, 0, SPIN))
        return 2;
    mmio_write(L4_RCC_PLLCFGR, L4_RCC_PLLCFGR_SRC_MSI | L4_RCC_PLLCFGR_M(1u) | L4_RCC_PLLCFGR_N(40u) |
                                   L4_RCC_PLLCFGR_R2 | L4_RCC_PLLCFGR_REN);
    mmio_set(L4_RCC_CR, L4_RCC_CR_PLLON);
    if (!mmio_wait(L4_RCC_CR, L4_RCC_CR_PLLRDY, L4_RCC_CR_PLLRDY, SPIN))
        return 2;
    mmio_clear(L4_RCC_CFGR, L4_RCC_CFGR_PRE_MASK); /* AHB, APB1, APB2 /1 */
    mmio_field(L4_RCC_CFGR, L4_RCC_CFGR_SW_MASK, L4_RCC_CFGR_SW_PLL);
    if (!mmio_wait(L4_RCC_CFGR, L4_RCC_CFGR_SWS_MASK, L4_RCC_CFGR_SWS_PLL, SPIN)) {
        mmio_field(L4_RCC_CFGR, L4_RCC_CFGR_SW_MASK, 0u); /* back to the MSI */
        return 2;
    }
    g_hclk_hz = 80000000u;
    g_pclk1_hz = 80000000u;
    return 0;
}
