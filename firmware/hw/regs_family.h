/* SPDX-License-Identifier: MIT */
/* regs_family.h -- what regs.h gives the applications on the non-F4 boards: the reset-cause
 * register and bits they read at boot (watchdog reset), the independent watchdog, and the UART's
 * interrupt number for the vector table (hw/startup.c). Everything else of these chips is in
 * hw/stm32_l4h7.h, reached through hw/mmio.h.
 */
#ifndef FW_REGS_FAMILY_H
#define FW_REGS_FAMILY_H

#include <stdint.h>

#if defined(FW_FAMILY_L4)
/* STM32L476: RCC_CSR at RCC + 0x94, RMVF bit 23, IWDGRSTF bit 29 (RM0351 §6.4.29); USART2 is
 * interrupt 38 (RM0351 §11.3 table 57); IWDG at 0x40003000 (RM0351 §2.2.2, §32.7). */
#define RCC_CSR REG32(0x40021000u + 0x94u)
#define RCC_CSR_RMVF (1u << 23)
#define RCC_CSR_IWDGRSTF (1u << 29)
#define BOARD_UART_IRQ 38u
#define IWDG_BASE 0x40003000u
#elif defined(FW_FAMILY_H7)
/* STM32H743: RCC_RSR at RCC + 0xD0, RMVF bit 16, IWDG1RSTF bit 26 (RM0433 §8.7.40); USART3 is
 * interrupt 39 (RM0433 §19.1 table 143); IWDG1 at 0x58004800 (RM0433 §2.3.2, §45.4). */
#define RCC_CSR REG32(0x58024400u + 0xD0u)
#define RCC_CSR_RMVF (1u << 16)
#define RCC_CSR_IWDGRSTF (1u << 26)
#define BOARD_UART_IRQ 39u
#define IWDG_BASE 0x58004800u
#elif defined(FW_FAMILY_MPS2)
/* QEMU mps2-an500 (Cortex-M7 compute tests): no reset-cause register (a RAM word that reads 0),
 * UART0 (CMSDK APB UART) receive interrupt 0, transmit 1. */
extern volatile uint32_t mps2_no_reset_cause;
#define RCC_CSR mps2_no_reset_cause
#define RCC_CSR_RMVF 0u
#define RCC_CSR_IWDGRSTF 0u
#define BOARD_UART_IRQ 0u
#define BOARD_UART_TX_IRQ 1u
#endif

#ifdef IWDG_BASE
#define IWDG_KR REG32(IWDG_BASE + 0x00u)
#define IWDG_PR REG32(IWDG_BASE + 0x04u)
#define IWDG_RLR REG32(IWDG_BASE + 0x08u)
#define IWDG_KEY_RELOAD 0xAAAAu
#define IWDG_KEY_UNLOCK 0x5555u
#define IWDG_KEY_START 0xCCCCu
#endif

#endif
