/* SPDX-License-Identifier: MIT */
/* board_disco_f407.c -- STM32F4 Discovery (STM32F407VG, RM0090): 168 MHz from the 8 MHz crystal
 * (hw/clock_f407.c), USART2 PA2 TX / PA3 RX (hw/uart.c: a USB-serial adapter, or the VCP of the
 * newer ST-Link/V2-A boards), the on-board LIS3DSH / LIS302DL on SPI1 (hw/spi_f4.c,
 * core/lis3dsh.c), LD4 (green) on PD12, user button B1 on PA0 (active high), independent watchdog.
 * Memory: 1 MB flash at 0x08000000, SRAM1 + SRAM2 128 KB at 0x20000000 (ld/disco-f407vg.ld).
 * The streamer and the classifier use the same sensor: nothing to wire. */
#include "app.h"
#include "board.h"
#include "lis3dsh.h"
#include "mmio.h"
#include "regs.h"
#include "stm32_addr.h"

#ifndef IMULAB_BAUD
#define IMULAB_BAUD 115200u
#endif

const char board_name[] = "disco-f407vg";
const uint32_t board_poll_ms = 4;
const uint32_t board_baud = IMULAB_BAUD;
const bool board_has_us_counter = false;
uint32_t board_us_counter(void) { return 0; }

int clock_init_f407(void);
void spi1_init(void);
extern const struct spi_dev spi1_dev;

static struct lis3dsh lis;
static struct sensor_ops sensor;
static volatile bool button_event;

bool board_init(void)
{
    int clk = clock_init_f407();
    mmio_set(F4_RCC_AHB1ENR, (1u << 0) | (1u << 3)); /* GPIOA (B1), GPIOD (LD4) */
    (void)mmio_read(F4_RCC_AHB1ENR);
    gpio_mode(F4_GPIOD, 12u, GPIO_MODE_OUT, GPIO_PULL_NONE);
    gpio_mode(F4_GPIOA, 0u, GPIO_MODE_IN, GPIO_PULL_NONE); /* B1 has its own pull-down */
    time_init();
    uart_init(g_pclk1_hz, IMULAB_BAUD);
    spi1_init();
    lis3dsh_bind(&lis, &spi1_dev, &sensor);
    return clk != 2;
}

const struct sensor_ops *board_sensor(void) { return &sensor; }

/* LSI ~32 kHz / 32 = 1 kHz, reload 1500: about 1.5 s (RM0090 §21.3). */
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
    static bool stable;
    static uint8_t count;
    bool pressed = gpio_read(F4_GPIOA, 0u) == 1;
    if (pressed != stable) {
        if (++count >= 20) {
            stable = pressed;
            count = 0;
            if (pressed)
                button_event = true;
        }
    } else {
        count = 0;
    }
    bool on = streaming ? (now_ms % 500u) < 250u : (now_ms % 1000u) < 50u;
    if (g_led_class != LED_HEARTBEAT)
        on = led_class_on(g_led_class, now_ms);
    gpio_write(F4_GPIOD, 12u, on);
}

bool board_button_event(void)
{
    if (!button_event)
        return false;
    button_event = false;
    return true;
}
