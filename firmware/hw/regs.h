/* SPDX-License-Identifier: MIT */
/* regs.h -- register definitions for the STM32F446RE (Nucleo) and STM32F405 (QEMU netduinoplus2).
 *
 * Written from the reference manuals: RM0390 (STM32F446xx) and RM0090 (STM32F405/415...). The
 * peripherals used here sit at the same addresses with the same layouts on both parts. Core
 * peripherals come from PM0214 (STM32 Cortex-M4 programming manual) / ARMv7-M ARM.
 */
#ifndef FW_REGS_H
#define FW_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- Cortex-M4 core (PM0214 §4) --------------------------------------------------------- */
/* SysTick (PM0214 §4.5) */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1 = processor clock */
/* NVIC (PM0214 §4.3) */
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define NVIC_ICER(n) REG32(0xE000E180u + 4u * (n))
#define NVIC_IPR8(n) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (n)))
/* System control block (PM0214 §4.4) */
#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_ICSR_PENDSVSET (1u << 28)
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_AIRCR_RESET (0x05FA0000u | (1u << 2)) /* VECTKEY | SYSRESETREQ */
#define SCB_SHPR3 REG32(0xE000ED20u)               /* [23:16] PendSV, [31:24] SysTick */
#define SCB_SHCSR REG32(0xE000ED24u)
#define SCB_SHCSR_FAULTS_EN ((1u << 16) | (1u << 17) | (1u << 18)) /* MEM, BUS, USG FAULTENA */
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_MMFAR REG32(0xE000ED34u)
#define SCB_BFAR REG32(0xE000ED38u)
#define SCB_CPACR REG32(0xE000ED88u) /* PM0214 §4.6.1: CP10/CP11 full access = 0xF << 20 */

#if defined(FW_FAMILY_L4) || defined(FW_FAMILY_H7) || defined(FW_FAMILY_MPS2)
/* The other families (board chosen at build time, firmware/CMakeLists.txt): their reset-cause
 * register under the names the applications use, and the USART interrupt number. */
#include "regs_family.h"
#else
#define BOARD_UART_IRQ 38u /* USART2: RM0390 §10.2 table 38, RM0090 §12.2 table 61 */

/* ---- Reset and clock control: RM0390 §6.3 (RM0090 §7.3) ---------------------------------- */
#define RCC_BASE 0x40023800u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x04u) /* M[5:0] N[14:6] P[17:16] SRC[22] Q[27:24] R[30:28] */
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_CFGR REG32(RCC_BASE + 0x08u)    /* SW[1:0] SWS[3:2] HPRE[7:4] PPRE1[12:10] PPRE2[15:13] */
#define RCC_CFGR_SW_PLL 2u
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30u)
#define RCC_AHB1ENR_GPIOA (1u << 0)
#define RCC_AHB1ENR_GPIOB (1u << 1)
#define RCC_AHB1ENR_GPIOC (1u << 2)
#define RCC_APB1ENR REG32(RCC_BASE + 0x40u)
#define RCC_APB1ENR_USART2 (1u << 17)
#define RCC_APB1ENR_I2C1 (1u << 21)
#define RCC_APB1ENR_PWR (1u << 28)
#define RCC_APB1RSTR REG32(RCC_BASE + 0x20u)
#define RCC_APB1RSTR_I2C1 (1u << 21)
#define RCC_CSR REG32(RCC_BASE + 0x74u)
#define RCC_CSR_RMVF (1u << 24)
#define RCC_CSR_IWDGRSTF (1u << 29)

/* ---- Power controller: RM0390 §5.4 ------------------------------------------------------- */
#define PWR_BASE 0x40007000u
#define PWR_CR REG32(PWR_BASE + 0x00u)
#define PWR_CR_VOS_SCALE1 (3u << 14)
#define PWR_CR_ODEN (1u << 16)
#define PWR_CR_ODSWEN (1u << 17)
#define PWR_CSR REG32(PWR_BASE + 0x04u)
#define PWR_CSR_ODRDY (1u << 16)
#define PWR_CSR_ODSWRDY (1u << 17)

/* ---- Flash interface: RM0390 §3.8 (FLASH_ACR) -------------------------------------------- */
#define FLASH_ACR REG32(0x40023C00u)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* ---- GPIO: RM0390 §7.4 (RM0090 §8.4) ----------------------------------------------------- */
#define GPIOA_BASE 0x40020000u
#define GPIOB_BASE 0x40020400u
#define GPIOC_BASE 0x40020800u
#define GPIO_MODER(b) REG32((b) + 0x00u)   /* 2 bits/pin: 0 in, 1 out, 2 AF, 3 analog */
#define GPIO_OTYPER(b) REG32((b) + 0x04u)  /* 1 = open drain */
#define GPIO_OSPEEDR(b) REG32((b) + 0x08u)
#define GPIO_PUPDR(b) REG32((b) + 0x0Cu)   /* 1 pull-up, 2 pull-down */
#define GPIO_IDR(b) REG32((b) + 0x10u)
#define GPIO_ODR(b) REG32((b) + 0x14u)
#define GPIO_BSRR(b) REG32((b) + 0x18u)    /* [15:0] set, [31:16] reset */
#define GPIO_AFRL(b) REG32((b) + 0x20u)
#define GPIO_AFRH(b) REG32((b) + 0x24u)

/* ---- USART: RM0390 §25.6 (RM0090 §30.6) --------------------------------------------------- */
#define USART2_BASE 0x40004400u
#define USART2_IRQ 38u
#define USART_SR(b) REG32((b) + 0x00u)
#define USART_DR(b) REG32((b) + 0x04u)
#define USART_BRR(b) REG32((b) + 0x08u)
#define USART_CR1(b) REG32((b) + 0x0Cu)
#define USART_CR2(b) REG32((b) + 0x10u)
#define USART_CR3(b) REG32((b) + 0x14u)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_TXEIE (1u << 7)
#define USART_CR1_UE (1u << 13)

/* ---- I2C: RM0390 §24.6 (RM0090 §27.6) ----------------------------------------------------- */
#define I2C1_BASE 0x40005400u
#define I2C_CR1(b) REG32((b) + 0x00u)
#define I2C_CR2(b) REG32((b) + 0x04u)  /* FREQ[5:0] = APB1 MHz */
#define I2C_OAR1(b) REG32((b) + 0x08u)
#define I2C_DR(b) REG32((b) + 0x10u)
#define I2C_SR1(b) REG32((b) + 0x14u)
#define I2C_SR2(b) REG32((b) + 0x18u)
#define I2C_CCR(b) REG32((b) + 0x1Cu)
#define I2C_TRISE(b) REG32((b) + 0x20u)
#define I2C_CR1_PE (1u << 0)
#define I2C_CR1_START (1u << 8)
#define I2C_CR1_STOP (1u << 9)
#define I2C_CR1_ACK (1u << 10)
#define I2C_CR1_POS (1u << 11)
#define I2C_CR1_SWRST (1u << 15)
#define I2C_SR1_SB (1u << 0)
#define I2C_SR1_ADDR (1u << 1)
#define I2C_SR1_BTF (1u << 2)
#define I2C_SR1_RXNE (1u << 6)
#define I2C_SR1_TXE (1u << 7)
#define I2C_SR1_BERR (1u << 8)
#define I2C_SR1_ARLO (1u << 9)
#define I2C_SR1_AF (1u << 10)
#define I2C_SR1_TIMEOUT (1u << 14)
#define I2C_SR2_BUSY (1u << 1)
#define I2C_CCR_FS (1u << 15)

/* ---- Independent watchdog: RM0390 §19.4 (RM0090 §21.4) ------------------------------------ */
#define IWDG_BASE 0x40003000u
#define IWDG_KR REG32(IWDG_BASE + 0x00u)
#define IWDG_PR REG32(IWDG_BASE + 0x04u)
#define IWDG_RLR REG32(IWDG_BASE + 0x08u)
#define IWDG_SR REG32(IWDG_BASE + 0x0Cu)
#define IWDG_KEY_RELOAD 0xAAAAu
#define IWDG_KEY_UNLOCK 0x5555u
#define IWDG_KEY_START 0xCCCCu
#endif /* STM32F4 */

static inline uint32_t irq_save(void)
{
    uint32_t pm;
    __asm volatile("mrs %0, primask\n cpsid i" : "=r"(pm)::"memory");
    return pm;
}
static inline void irq_restore(uint32_t pm) { __asm volatile("msr primask, %0" ::"r"(pm) : "memory"); }
static inline void wfi(void) { __asm volatile("wfi"); }
static inline void dsb_isb(void) { __asm volatile("dsb\n isb" ::: "memory"); }

#endif
