/* SPDX-License-Identifier: MIT */
/* board_nucleo_h743.c -- Nucleo-H743ZI (STM32H743ZI, RM0433): the M7's caches on, 400 MHz from
 * PLL1 after the supply and voltage-scale set-up (hw/clock_h743.c), USART3 PD8/PD9 on the ST-Link
 * VCP (hw/uart_v2.c), the IMU on I2C1 PB8/PB9 (hw/i2c_v2.c), LD1 (green) on PB0, user button B1 on
 * PC13 (active high on the Nucleo-144), independent watchdog IWDG1.
 * Memory: 2 MB flash at 0x08000000; stack, .data and .bss in the 128 KB DTCM at 0x20000000
 * (not cached: nothing to clean for the core's own data; ld/nucleo-h743zi.ld). */
#include "board_common.h"
#include "mmio.h"
#include "regs.h"
#include "stm32_addr.h"

const char board_name[] = "nucleo-h743zi";
const uint32_t board_poll_ms = 4;
const uint32_t board_baud = IMULAB_BAUD;
const bool board_has_us_counter = false;
uint32_t board_us_counter(void) { return 0; }

int clock_init_h743(void);
void h743_caches_enable(void);

bool board_init(void)
{
    h743_caches_enable();
    int clk = clock_init_h743();
    mmio_set(H7_RCC_AHB4ENR, (1u << 1) | (1u << 2)); /* GPIOB (LD1), GPIOC (B1) */
    (void)mmio_read(H7_RCC_AHB4ENR);
    gpio_mode(H7_GPIOB, 0u, GPIO_MODE_OUT, GPIO_PULL_NONE);
    gpio_mode(H7_GPIOC, 13u, GPIO_MODE_IN, GPIO_PULL_NONE); /* B1 pulls down, pressed = high */
    time_init();
    uart_init(g_pclk1_hz, IMULAB_BAUD);
    i2c1_init();
    board_bind_i2c_sensor();
    return clk != 2;
}

/* LSI 32 kHz / 32 = 1 kHz, reload 1500: about 1.5 s (RM0433 §45.3). */
void board_watchdog_start(void)
{
    IWDG_KR = IWDG_KEY_START;
    IWDG_KR = IWDG_KEY_UNLOCK;
    IWDG_PR = 3u;
    IWDG_RLR = 1500u;
    IWDG_KR = IWDG_KEY_RELOAD;
}

void board_watchdog_kick(void) { IWDG_KR = IWDG_KEY_RELOAD; }

void board_tick(uint32_t now_ms, bool streaming)
{
    bool on = board_common_tick(now_ms, streaming, gpio_read(H7_GPIOC, 13u) == 1);
    gpio_write(H7_GPIOB, 0u, on);
}
