/* SPDX-License-Identifier: MIT */
/* board_nucleo_l476.c -- Nucleo-L476RG (STM32L476RG, RM0351): 80 MHz from MSI + PLL
 * (hw/clock_l476.c), USART2 PA2/PA3 on the ST-Link VCP (hw/uart_v2.c), the IMU on I2C1 PB8/PB9
 * (hw/i2c_v2.c), LD2 on PA5, user button B1 on PC13 (active low), independent watchdog.
 * Memory: 1 MB flash at 0x08000000, SRAM1 96 KB at 0x20000000 (ld/nucleo-l476rg.ld). */
#include "board_common.h"
#include "mmio.h"
#include "regs.h"
#include "stm32_addr.h"

const char board_name[] = "nucleo-l476rg";
const uint32_t board_poll_ms = 4;
const uint32_t board_baud = IMULAB_BAUD;
const bool board_has_us_counter = false;
uint32_t board_us_counter(void) { return 0; }

int clock_init_l476(void);

bool board_init(void)
{
    int clk = clock_init_l476();
    mmio_set(L4_RCC_AHB2ENR, (1u << 0) | (1u << 2)); /* GPIOA (LD2), GPIOC (B1) */
    (void)mmio_read(L4_RCC_AHB2ENR);
    gpio_mode(L4_GPIOA, 5u, GPIO_MODE_OUT, GPIO_PULL_NONE);
    gpio_mode(L4_GPIOC, 13u, GPIO_MODE_IN, GPIO_PULL_NONE); /* B1 has its own pull-up */
    /* USART2 and I2C1 from PCLK1 (RM0351 §6.4.27, the reset value, written to be sure). */
    mmio_clear(L4_RCC_CCIPR, L4_RCC_CCIPR_USART2SEL | L4_RCC_CCIPR_I2C1SEL);
    time_init();
    uart_init(g_pclk1_hz, IMULAB_BAUD);
    i2c1_init();
    board_bind_i2c_sensor();
    return clk == 0;
}

/* LSI 32 kHz / 32 = 1 kHz, reload 1500: about 1.5 s (RM0351 §32.3). */
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
    bool on = board_common_tick(now_ms, streaming, gpio_read(L4_GPIOC, 13u) == 0);
    gpio_write(L4_GPIOA, 5u, on);
}
