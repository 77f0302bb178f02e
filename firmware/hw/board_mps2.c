/* SPDX-License-Identifier: MIT */
/* board_mps2.c -- QEMU mps2-an500 (Cortex-M7 with the double-precision FPU): the compute part of
 * the H743 build (the same -mcpu=cortex-m7 -mfpu=fpv5-d16 code) on an emulator, since QEMU has no
 * STM32H7. No RCC, GPIO, I2C or watchdog: the core clock is QEMU's 25 MHz system clock (SysTick's
 * processor clock), UART0 is QEMU's first -serial (hw/uart_cmsdk.c), the sensor is the synthetic
 * IMU. Memory (QEMU hw/arm/mps2.c): 4 MB SSRAM1 at 0x00000000 as "flash", 4 MB SSRAM2/3 at
 * 0x20000000 (ld/mps2-an500.ld; the images are held to the H743's 2 MB / 128 KB anyway). */
#include "board.h"
#include "regs.h"

#ifndef IMULAB_BAUD
#define IMULAB_BAUD 115200u
#endif
#define MPS2_SYSCLK_HZ 25000000u

const char board_name[] = "qemu-mps2-an500";
const uint32_t board_poll_ms = 1;
const uint32_t board_baud = IMULAB_BAUD;
const bool board_has_us_counter = false;
uint32_t board_us_counter(void) { return 0; }

bool board_init(void)
{
    g_hclk_hz = MPS2_SYSCLK_HZ;
    g_pclk1_hz = MPS2_SYSCLK_HZ;
    time_init();
    uart_init(g_pclk1_hz, IMULAB_BAUD);
    board_synth_init();
    return true;
}
