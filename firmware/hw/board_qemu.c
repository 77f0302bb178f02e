/* SPDX-License-Identifier: MIT */
/* board_qemu.c -- QEMU netduinoplus2 (STM32F405): no RCC, I2C, GPIO or IWDG emulation. The core
 * clock is fixed at 168 MHz (QEMU's SysTick counts the processor clock at that rate), USART2 is
 * QEMU's second -serial, and the sensor is the deterministic synthetic IMU. */
#include "board.h"
#include "regs.h"

#ifndef IMULAB_BAUD
#define IMULAB_BAUD 115200u
#endif

const char board_name[] = "qemu-netduino2";
const uint32_t board_poll_ms = 1;
const uint32_t board_baud = IMULAB_BAUD;
const bool board_has_us_counter = true;

/* TIM2 (RM0090 §18.4: PSC 0x28, CNT 0x24). QEMU's STM32F2xx timer model derives CNT from its
 * virtual clock at every read (1 GHz timer clock, 32-bit), so after PSC = 999 it is a
 * microsecond counter that keeps real time even when SysTick interrupts are merged. */
#define TIM2_BASE 0x40000000u
#define TIM2_CNT REG32(TIM2_BASE + 0x24u)
#define TIM2_PSC REG32(TIM2_BASE + 0x28u)
#define TIM2_ARR REG32(TIM2_BASE + 0x2Cu)
#define TIM2_CR1 REG32(TIM2_BASE + 0x00u)
#define QEMU_TIMER_HZ 1000000000u

uint32_t board_us_counter(void) { return TIM2_CNT; }

bool board_init(void)
{
    g_hclk_hz = 168000000u;
    g_pclk1_hz = 42000000u;
    RCC_APB1ENR |= 1u; /* TIM2EN (ignored by QEMU) */
    TIM2_ARR = 0xFFFFFFFFu;
    TIM2_PSC = QEMU_TIMER_HZ / 1000000u - 1u;
    TIM2_CR1 = 1u; /* CEN */
    time_init();
    uart_init(g_pclk1_hz, IMULAB_BAUD);
    board_synth_init();
    return true;
}
