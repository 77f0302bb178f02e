/* SPDX-License-Identifier: MIT */
/* clock_f407.c -- STM32F407VG (STM32F4 Discovery) system clock: 168 MHz from the PLL (RM0090 §6.2).
 *
 * The Discovery board has an 8 MHz crystal on OSC_IN/OSC_OUT (HSE, not bypassed). PLL: M = 8 ->
 * 1 MHz VCO input, N = 336 -> VCO 336 MHz, P = 2 -> 168 MHz SYSCLK, Q = 7 -> 48 MHz (RM0090
 * §6.3.2). AHB /1, APB1 /4 = 42 MHz (USART2), APB2 /2 = 84 MHz (SPI1). Regulator scale 1 (PWR_CR
 * VOS, RM0090 §5.4.1) and 5 flash wait states (RM0090 §3.5.1 table 10). Without the crystal the PLL
 * runs from the HSI (M = 16) and still makes 168 MHz; if the PLL fails the core stays on the HSI at
 * 16 MHz. Every wait is bounded.
 */
#include "board.h"
#include "mmio.h"
#include "stm32_addr.h"

#define SPIN 200000u

/* Returns 0 = HSE + PLL 168 MHz, 1 = HSI + PLL 168 MHz, 2 = HSI at 16 MHz (PLL failed). */
int clock_init_f407(void)
{
    int result = 0;
    g_hclk_hz = 16000000u;
    g_pclk1_hz = 16000000u;
    mmio_set(F4_RCC_CR, F4_RCC_CR_HSION);
    if (!mmio_wait(F4_RCC_CR, F4_RCC_CR_HSIRDY, F4_RCC_CR_HSIRDY, SPIN))
        return 2;
    uint32_t src = F4_RCC_PLLCFGR_SRC_HSE, m = 8u;
    mmio_set(F4_RCC_CR, F4_RCC_CR_HSEON);
    if (!mmio_wait(F4_RCC_CR, F4_RCC_CR_HSERDY, F4_RCC_CR_HSERDY, SPIN)) {
        mmio_clear(F4_RCC_CR, F4_RCC_CR_HSEON);
        src = 0;
        m = 16u;
        result = 1;
    }
    mmio_set(F4_RCC_APB1ENR, 1u << 28); /* PWREN */
    (void)mmio_read(F4_RCC_APB1ENR);
    mmio_set(F4_PWR_CR, F4_PWR_CR_VOS);
    mmio_clear(F4_RCC_CR, F4_RCC_CR_PLLON);
    /* M, N = 336, P = 2 (00), Q = 7 */
    mmio_write(F4_RCC_PLLCFGR, m | (336u << 6) | (0u << 16) | src | (7u << 24));
    mmio_set(F4_RCC_CR, F4_RCC_CR_PLLON);
    if (!mmio_wait(F4_RCC_CR, F4_RCC_CR_PLLRDY, F4_RCC_CR_PLLRDY, SPIN))
        return 2;
    mmio_write(F4_FLASH_ACR, F4_FLASH_ACR_PRFTEN | F4_FLASH_ACR_ICEN | F4_FLASH_ACR_DCEN | 5u);
    if ((mmio_read(F4_FLASH_ACR) & 0xFu) != 5u)
        return 2;
    /* HPRE /1, PPRE1 /4 (101), PPRE2 /2 (100), then the PLL as SYSCLK (SW = 10). */
    mmio_field(F4_RCC_CFGR, 0xFCF0u, (5u << 10) | (4u << 13));
    mmio_field(F4_RCC_CFGR, 3u, 2u);
    if (!mmio_wait(F4_RCC_CFGR, 3u << 2, 2u << 2, SPIN)) {
        mmio_field(F4_RCC_CFGR, 0xFCF3u, 0u);
        return 2;
    }
    g_hclk_hz = 168000000u;
    g_pclk1_hz = 42000000u;
    return result;
}
