/* SPDX-License-Identifier: MIT */
/* stm32_addr.h -- register addresses and bits (plain numbers, for hw/mmio.h) of the blocks the
 * L476RG, H743ZI and F407 Discovery boards use. Each group names the reference manual section it
 * was written from: RM0351 (STM32L4x6), RM0433 (STM32H742/743/750/753), RM0090 (STM32F405/407).
 */
#ifndef FW_STM32_ADDR_H
#define FW_STM32_ADDR_H

/* ======================= STM32L476 (RM0351) ============================================== */
/* RCC: RM0351 §6.4 (base 0x40021000, §2.2.2 table 1) */
#define L4_RCC 0x40021000u
#define L4_RCC_CR (L4_RCC + 0x00u)       /* §6.4.1 */
#define L4_RCC_CR_MSION (1u << 0)
#define L4_RCC_CR_MSIRDY (1u << 1)
#define L4_RCC_CR_MSIRGSEL (1u << 3)
#define L4_RCC_CR_MSIRANGE_MASK (0xFu << 4)
#define L4_RCC_CR_MSIRANGE_4MHZ (6u << 4) /* range 6 = 4 MHz, the reset value */
#define L4_RCC_CR_HSION (1u << 8)
#define L4_RCC_CR_HSIRDY (1u << 10)
#define L4_RCC_CR_PLLON (1u << 24)
#define L4_RCC_CR_PLLRDY (1u << 25)
#define L4_RCC_CFGR (L4_RCC + 0x08u)     /* §6.4.3: SW[1:0] SWS[3:2] HPRE[7:4] PPRE1[10:8] PPRE2[13:11] */
#define L4_RCC_CFGR_SW_MASK 3u
#define L4_RCC_CFGR_SW_PLL 3u
#define L4_RCC_CFGR_SWS_MASK (3u << 2)
#define L4_RCC_CFGR_SWS_PLL (3u << 2)
#define L4_RCC_CFGR_PRE_MASK ((0xFu << 4) | (7u << 8) | (7u << 11))
#define L4_RCC_PLLCFGR (L4_RCC + 0x0Cu)  /* §6.4.4: PLLSRC[1:0] PLLM[6:4] PLLN[14:8] PLLREN[24] PLLR[26:25] */
#define L4_RCC_PLLCFGR_SRC_MSI 1u
#define L4_RCC_PLLCFGR_M(m) (((m) - 1u) << 4)
#define L4_RCC_PLLCFGR_N(n) ((n) << 8)
#define L4_RCC_PLLCFGR_REN (1u << 24)
#define L4_RCC_PLLCFGR_R2 (0u << 25)     /* PLLR = 2 */
#define L4_RCC_APB1RSTR1 (L4_RCC + 0x38u) /* §6.4.13 */
#define L4_RCC_AHB2ENR (L4_RCC + 0x4Cu)  /* §6.4.17: GPIOAEN 0, GPIOBEN 1, GPIOCEN 2 */
#define L4_RCC_APB1ENR1 (L4_RCC + 0x58u) /* §6.4.19: USART2EN 17, I2C1EN 21, PWREN 28 */
#define L4_RCC_APB1_USART2 (1u << 17)
#define L4_RCC_APB1_I2C1 (1u << 21)
#define L4_RCC_APB1_PWR (1u << 28)
#define L4_RCC_CCIPR (L4_RCC + 0x88u)    /* §6.4.27: USART2SEL[3:2], I2C1SEL[13:12]; 00 = PCLK */
#define L4_RCC_CCIPR_USART2SEL (3u << 2)
#define L4_RCC_CCIPR_I2C1SEL (3u << 12)
/* PWR: RM0351 §5.4.1 PWR_CR1 VOS[10:9] (01 = range 1, needed above 26 MHz), §5.4.7 PWR_SR2 VOSF 10 */
#define L4_PWR_CR1 0x40007000u
#define L4_PWR_CR1_VOS_MASK (3u << 9)
#define L4_PWR_CR1_VOS_RANGE1 (1u << 9)
#define L4_PWR_SR2 (0x40007000u + 0x14u)
#define L4_PWR_SR2_VOSF (1u << 10)
/* FLASH_ACR: RM0351 §3.7.1 (base 0x40022000); §3.3.3 table 9: 64 < HCLK <= 80 MHz in range 1 = 4 WS */
#define L4_FLASH_ACR 0x40022000u
#define L4_FLASH_ACR_LATENCY_MASK 7u
#define L4_FLASH_ACR_PRFTEN (1u << 8)
#define L4_FLASH_ACR_ICEN (1u << 9)
#define L4_FLASH_ACR_DCEN (1u << 10)
/* GPIO ports: RM0351 §2.2.2 table 1 (AHB2) */
#define L4_GPIOA 0x48000000u
#define L4_GPIOB 0x48000400u
#define L4_GPIOC 0x48000800u

/* ======================= STM32H743 (RM0433) ============================================== */
/* RCC: RM0433 §8.7 (base 0x58024400, §2.3.2 table 8) */
#define H7_RCC 0x58024400u
#define H7_RCC_CR (H7_RCC + 0x00u)       /* §8.7.2 */
#define H7_RCC_CR_HSION (1u << 0)
#define H7_RCC_CR_HSIRDY (1u << 2)
#define H7_RCC_CR_HSEON (1u << 16)
#define H7_RCC_CR_HSERDY (1u << 17)
#define H7_RCC_CR_HSEBYP (1u << 18)
#define H7_RCC_CR_PLL1ON (1u << 24)
#define H7_RCC_CR_PLL1RDY (1u << 25)
#define H7_RCC_CFGR (H7_RCC + 0x10u)     /* §8.7.7: SW[2:0], SWS[5:3]; 3 = PLL1 */
#define H7_RCC_CFGR_SW_MASK 7u
#define H7_RCC_CFGR_SW_PLL1 3u
#define H7_RCC_CFGR_SWS_MASK (7u << 3)
#define H7_RCC_CFGR_SWS_PLL1 (3u << 3)
#define H7_RCC_D1CFGR (H7_RCC + 0x18u)   /* §8.7.8: HPRE[3:0], D1PPRE[6:4], D1CPRE[11:8] */
#define H7_RCC_D2CFGR (H7_RCC + 0x1Cu)   /* §8.7.9: D2PPRE1[6:4], D2PPRE2[10:8] */
#define H7_RCC_D3CFGR (H7_RCC + 0x20u)   /* §8.7.10: D3PPRE[6:4] */
#define H7_RCC_PLLCKSELR (H7_RCC + 0x28u) /* §8.7.11: PLLSRC[1:0] (0 HSI, 2 HSE), DIVM1[9:4] */
#define H7_RCC_PLLCKSELR_SRC_HSE 2u
#define H7_RCC_PLLCKSELR_DIVM1(m) ((m) << 4)
#define H7_RCC_PLLCFGR (H7_RCC + 0x2Cu)  /* §8.7.12: PLL1VCOSEL 1 (0 = wide), PLL1RGE[3:2], DIVP1EN 16, DIVQ1EN 17, DIVR1EN 18 */
#define H7_RCC_PLLCFGR_PLL1_MASK (0xFu | (7u << 16))
#define H7_RCC_PLLCFGR_PLL1RGE_2_4MHZ (1u << 2)
#define H7_RCC_PLLCFGR_DIVP1EN (1u << 16)
#define H7_RCC_PLLCFGR_DIVQ1EN (1u << 17)
#define H7_RCC_PLLCFGR_DIVR1EN (1u << 18)
#define H7_RCC_PLL1DIVR (H7_RCC + 0x30u) /* §8.7.13: DIVN1[8:0] (N-1), DIVP1[15:9], DIVQ1[22:16], DIVR1[30:24] (each value-1) */
#define H7_RCC_APB1LRSTR (H7_RCC + 0x90u) /* §8.7.29: I2C1RST 21 */
#define H7_RCC_AHB4ENR (H7_RCC + 0xE0u)  /* §8.7.43: GPIOAEN 0 .. GPIOEEN 4 */
#define H7_RCC_APB1LENR (H7_RCC + 0xE8u) /* §8.7.45: USART3EN 18, I2C1EN 21 */
#define H7_RCC_APB1L_USART3 (1u << 18)
#define H7_RCC_APB1L_I2C1 (1u << 21)
/* PWR: RM0433 §6.8. CR3 (§6.8.4): LDOEN 1, BYPASS 0, SCUEN 2 -- the supply configuration, written
 * once after reset, then CSR1 ACTVOSRDY 13 (§6.8.2). D3CR (§6.8.6): VOS[15:14] (3 = scale 1),
 * VOSRDY 13. Scale 1 allows 400 MHz (§6.6.2); 480 MHz needs VOS0 (SYSCFG ODEN, revision V only). */
#define H7_PWR 0x58024800u
#define H7_PWR_CSR1 (H7_PWR + 0x04u)
#define H7_PWR_CSR1_ACTVOSRDY (1u << 13)
#define H7_PWR_CR3 (H7_PWR + 0x0Cu)
#define H7_PWR_CR3_BYPASS (1u << 0)
#define H7_PWR_CR3_LDOEN (1u << 1)
#define H7_PWR_CR3_SCUEN (1u << 2)
#define H7_PWR_D3CR (H7_PWR + 0x18u)
#define H7_PWR_D3CR_VOS_MASK (3u << 14)
#define H7_PWR_D3CR_VOS1 (3u << 14)
#define H7_PWR_D3CR_VOSRDY (1u << 13)
/* FLASH_ACR: RM0433 §4.9.1 (base 0x52002000): LATENCY[3:0], WRHIGHFREQ[5:4]; §4.3.8 table 17:
 * VOS1, AXI clock 185-210 MHz = 2 wait states, WRHIGHFREQ 2 */
#define H7_FLASH_ACR 0x52002000u
#define H7_FLASH_ACR_VALUE (2u | (2u << 4))
/* GPIO ports: RM0433 §2.3.2 table 8 (AHB4) */
#define H7_GPIOA 0x58020000u
#define H7_GPIOB 0x58020400u
#define H7_GPIOC 0x58020800u
#define H7_GPIOD 0x58020C00u
#define H7_GPIOE 0x58021000u

/* ======================= USART and I2C of the L4 and H7 (same layout) ===================== */
/* USART: RM0351 §40.8, RM0433 §48.7: CR1 0x00, CR2 0x04, CR3 0x08, BRR 0x0C, ISR 0x1C, ICR 0x20,
 * RDR 0x24, TDR 0x28. CR1: UE 0, RE 2, TE 3, RXNEIE 5, TXEIE 7. ISR: ORE 3, RXNE 5, TC 6, TXE 7. */
#define USV2_CR1 0x00u
#define USV2_CR2 0x04u
#define USV2_CR3 0x08u
#define USV2_BRR 0x0Cu
#define USV2_ISR 0x1Cu
#define USV2_ICR 0x20u
#define USV2_RDR 0x24u
#define USV2_TDR 0x28u
#define USV2_CR1_UE (1u << 0)
#define USV2_CR1_RE (1u << 2)
#define USV2_CR1_TE (1u << 3)
#define USV2_CR1_RXNEIE (1u << 5)
#define USV2_CR1_TXEIE (1u << 7)
#define USV2_ISR_FE (1u << 1)
#define USV2_ISR_NF (1u << 2)
#define USV2_ISR_ORE (1u << 3)
#define USV2_ISR_RXNE (1u << 5)
#define USV2_ISR_TC (1u << 6)
#define USV2_ISR_TXE (1u << 7)
#define USV2_ICR_ERRORS ((1u << 1) | (1u << 2) | (1u << 3)) /* FECF, NCF (NECF), ORECF */
/* I2C: RM0351 §39.7, RM0433 §47.7: CR1 0x00, CR2 0x04, TIMINGR 0x10, ISR 0x18, ICR 0x1C,
 * RXDR 0x24, TXDR 0x28. I2C1 at 0x40005400 on both (APB1). */
#define I2CV2_I2C1 0x40005400u
#define I2CV2_CR1 0x00u
#define I2CV2_CR2 0x04u
#define I2CV2_TIMINGR 0x10u
#define I2CV2_ISR 0x18u
#define I2CV2_ICR 0x1Cu
#define I2CV2_RXDR 0x24u
#define I2CV2_TXDR 0x28u
#define I2CV2_CR1_PE (1u << 0)
#define I2CV2_CR2_RD_WRN (1u << 10)
#define I2CV2_CR2_START (1u << 13)
#define I2CV2_CR2_STOP (1u << 14)
#define I2CV2_CR2_NBYTES(n) ((uint32_t)(n) << 16)
#define I2CV2_CR2_AUTOEND (1u << 25)
#define I2CV2_ISR_TXIS (1u << 1)
#define I2CV2_ISR_RXNE (1u << 2)
#define I2CV2_ISR_NACKF (1u << 4)
#define I2CV2_ISR_STOPF (1u << 5)
#define I2CV2_ISR_TC (1u << 6)
#define I2CV2_ISR_BERR (1u << 8)
#define I2CV2_ISR_ARLO (1u << 9)
#define I2CV2_ISR_BUSY (1u << 15)
#define I2CV2_ICR_ALL ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 9)) /* ADDR NACK STOP BERR ARLO */

/* ======================= STM32F407 (RM0090), Discovery board ============================== */
/* RCC: RM0090 §7.3 (base 0x40023800) */
#define F4_RCC 0x40023800u
#define F4_RCC_CR (F4_RCC + 0x00u)       /* §7.3.1: HSION 0, HSIRDY 1, HSEON 16, HSERDY 17, PLLON 24, PLLRDY 25 */
#define F4_RCC_CR_HSION (1u << 0)
#define F4_RCC_CR_HSIRDY (1u << 1)
#define F4_RCC_CR_HSEON (1u << 16)
#define F4_RCC_CR_HSERDY (1u << 17)
#define F4_RCC_CR_PLLON (1u << 24)
#define F4_RCC_CR_PLLRDY (1u << 25)
#define F4_RCC_PLLCFGR (F4_RCC + 0x04u)  /* §7.3.2: M[5:0] N[14:6] P[17:16] SRC[22] Q[27:24] */
#define F4_RCC_PLLCFGR_SRC_HSE (1u << 22)
#define F4_RCC_CFGR (F4_RCC + 0x08u)     /* §7.3.3: SW[1:0] SWS[3:2] HPRE[7:4] PPRE1[12:10] PPRE2[15:13] */
#define F4_RCC_AHB1ENR (F4_RCC + 0x30u)  /* §7.3.10: GPIOAEN 0 .. GPIOEEN 4 */
#define F4_RCC_APB1ENR (F4_RCC + 0x40u)  /* §7.3.13: PWREN 28 */
#define F4_RCC_APB2ENR (F4_RCC + 0x44u)  /* §7.3.14: SPI1EN 12 */
#define F4_RCC_APB2ENR_SPI1 (1u << 12)
/* PWR_CR: RM0090 §5.4.1, VOS bit 14 (one bit on the F405/407: 1 = scale 1, needed at 168 MHz) */
#define F4_PWR_CR 0x40007000u
#define F4_PWR_CR_VOS (1u << 14)
/* FLASH_ACR: RM0090 §3.9.1; §3.5.1 table 10: 150 < HCLK <= 168 MHz at 2.7-3.6 V = 5 WS */
#define F4_FLASH_ACR 0x40023C00u
#define F4_FLASH_ACR_PRFTEN (1u << 8)
#define F4_FLASH_ACR_ICEN (1u << 9)
#define F4_FLASH_ACR_DCEN (1u << 10)
#define F4_GPIOA 0x40020000u /* RM0090 §2.3 table 1 */
#define F4_GPIOD 0x40020C00u
#define F4_GPIOE 0x40021000u
/* SPI1: RM0090 §28.5 (base 0x40013000, APB2): CR1 0x00 (CPHA 0, CPOL 1, MSTR 2, BR[5:3], SPE 6,
 * SSI 8, SSM 9), SR 0x08 (RXNE 0, TXE 1, BSY 7), DR 0x0C */
#define F4_SPI1 0x40013000u
#define F4_SPI_CR1 0x00u
#define F4_SPI_SR 0x08u
#define F4_SPI_DR 0x0Cu
#define F4_SPI_CR1_CPHA (1u << 0)
#define F4_SPI_CR1_CPOL (1u << 1)
#define F4_SPI_CR1_MSTR (1u << 2)
#define F4_SPI_CR1_BR(d) ((uint32_t)(d) << 3) /* f_PCLK / 2^(d+1) */
#define F4_SPI_CR1_SPE (1u << 6)
#define F4_SPI_CR1_SSI (1u << 8)
#define F4_SPI_CR1_SSM (1u << 9)
#define F4_SPI_SR_RXNE (1u << 0)
#define F4_SPI_SR_TXE (1u << 1)
#define F4_SPI_SR_BSY (1u << 7)

/* NVIC (ARMv7-M, PM0214 §4.3 / PM0253 §4.3): set-enable and priority registers */
#define NVIC_ISER_ADDR(n) (0xE000E100u + 4u * (n))
#define NVIC_IPR_ADDR(n) (0xE000E400u + (n))

#endif
