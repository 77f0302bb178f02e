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
 *
 * Registers through hw/mmio.h (the host test fw_board_f407 runs this against a fake register
 * file); the F4 names below are regs.h's, as addresses.
 */
#include "board.h"
#include "mmio.h"

#define SPIN 200000u

/* RM0390 §6.3 (RCC), §5.4 (PWR), §3.8 (FLASH_ACR): the same fields as regs.h. */
#define A_RCC_CR 0x40023800u
#define A_RCC_PLLCFGR 0x40023804u
#define A_RCC_CFGR 0x40023808u
#define A_RCC_APB1ENR 0x40023840u
#define A_PWR_CR 0x40007000u
#define A_PWR_CSR 0x40007004u
#define A_FLASH_ACR 0x40023C00u
#define CR_HSION (1u << 0)
#define CR_HSIRDY (1u << 1)
#define CR_HSEON (1u << 16)
#define CR_HSERDY (1u << 17)
#define CR_HSEBYP (1u << 18)
#define CR_PLLON (1u << 24)
#define CR_PLLRDY (1u << 25)
#define PLLCFGR_SRC_HSE (1u << 22)
#define PWR_CR_VOS_SCALE1 (3u << 14)
#define PWR_CR_ODEN (1u << 16)
#define PWR_CR_ODSWEN (1u << 17)
#define PWR_CSR_ODRDY (1u << 16)
#define PWR_CSR_ODSWRDY (1u << 17)

static bool wait_set(uint32_t reg, uint32_t bit) { return mmio_wait(reg, bit, bit, SPIN) != 0; }

/* Returns 0 = HSE+PLL 180 MHz, 1 = HSI+PLL 180 MHz (no HSE: boards before rev C.2 have no MCO
 * from the ST-Link, so HSI is their normal source), 2 = HSI 16 MHz (PLL failed). */
int clock_init_f446(void)
{
    int result = 0;
    g_hclk_hz = 16000000u;
    g_pclk1_hz = 16000000u;
    mmio_set(A_RCC_CR, CR_HSION);
    if (!wait_set(A_RCC_CR, CR_HSIRDY))
        return 2; /* not even HSI reads ready: an emulator; leave everything at reset */

    uint32_t pllsrc = PLLCFGR_SRC_HSE, m = 4;
    /* RM0390 §6.3.1 (RCC_CR, HSEBYP): the bypass can be written only while HSE is off, so it is
     * set first and HSE switched on after it, not both in one write. */
    mmio_clear(A_RCC_CR, CR_HSEON);
    mmio_set(A_RCC_CR, CR_HSEBYP);
    mmio_set(A_RCC_CR, CR_HSEON);
    if (!wait_set(A_RCC_CR, CR_HSERDY)) {
        mmio_clear(A_RCC_CR, CR_HSEON); /* HSE off first, then the bypass bit (same rule) */
        mmio_clear(A_RCC_CR, CR_HSEBYP);
        pllsrc = 0;
        m = 8;
        result = 1;
    }
    mmio_set(A_RCC_APB1ENR, 1u << 28); /* PWREN */
    (void)mmio_read(A_RCC_APB1ENR);
    mmio_set(A_PWR_CR, PWR_CR_VOS_SCALE1);

    mmio_clear(A_RCC_CR, CR_PLLON);
    /* M, N = 180, P = 2 (00), Q = 8, R = 2 */
    mmio_write(A_RCC_PLLCFGR, m | (180u << 6) | (0u << 16) | pllsrc | (8u << 24) | (2u << 28));
    mmio_set(A_RCC_CR, CR_PLLON);
    if (!wait_set(A_RCC_CR, CR_PLLRDY))
        return 2;
    /* Over-drive for 180 MHz (RM0390 §5.1.4): ODEN, wait ODRDY, ODSWEN, wait ODSWRDY. */
    mmio_set(A_PWR_CR, PWR_CR_ODEN);
    if (!wait_set(A_PWR_CSR, PWR_CSR_ODRDY))
        return 2;
    mmio_set(A_PWR_CR, PWR_CR_ODSWEN);
    if (!wait_set(A_PWR_CSR, PWR_CSR_ODSWRDY))
        return 2;
    mmio_write(A_FLASH_ACR, (1u << 8) | (1u << 9) | (1u << 10) | 5u); /* PRFTEN, ICEN, DCEN, 5 WS */
    if ((mmio_read(A_FLASH_ACR) & 0xFu) != 5u)
        return 2;
    /* HPRE /1, PPRE1 /4 (101), PPRE2 /2 (100), then switch to the PLL. */
    mmio_field(A_RCC_CFGR, 0xFCF3u, (5u << 10) | (4u << 13));
    mmio_field(A_RCC_CFGR, 3u, 2u); /* SW = PLL */
    for (uint32_t i = 0; i < SPIN; i++) {
        if ((mmio_read(A_RCC_CFGR) & (3u << 2)) == (2u << 2)) { /* SWS = PLL */
            g_hclk_hz = 180000000u;
            g_pclk1_hz = 45000000u;
            return result;
        }
    }
    mmio_clear(A_RCC_CFGR, 0xFCF3u); /* back to HSI, no prescalers */
    return 2;
}
