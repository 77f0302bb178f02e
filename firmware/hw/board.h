/* SPDX-License-Identifier: MIT */
/* board.h -- what each board file (board_nucleo.c, board_qemu.c) provides to an application,
 * plus the shared hardware services (time base, UART) implemented in hw/. */
#ifndef FW_BOARD_H
#define FW_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "imu.h"
#include "ring.h"

/* ---- board files --------------------------------------------------------------------- */
extern const char board_name[];
/* Clocks, pins, time base, UART. Returns false if the core is not at full speed (PLL failed). */
bool board_init(void);
/* The sensor this board streams from (bound and ready for app_init). */
const struct sensor_ops *board_sensor(void);
void board_watchdog_start(void);
void board_watchdog_kick(void);
/* Called from the SysTick handler once per millisecond (button debounce, LED). */
void board_tick(uint32_t now_ms, bool streaming);
/* True once per debounced press of the user button. */
bool board_button_event(void);
/* Emulated boards (board_synth.c): the synthetic IMU as the sensor; no watchdog, LED or button. */
void board_synth_init(void);
/* A free-running 32-bit microsecond counter, when board_has_us_counter (the time base then). */
extern const bool board_has_us_counter;
uint32_t board_us_counter(void);
/* Sensor poll period (the sensor context runs every this many ms). */
extern const uint32_t board_poll_ms;

/* ---- time base (hw/time.c) ----------------------------------------------------------- */
extern uint32_t g_hclk_hz;  /* core clock */
extern uint32_t g_pclk1_hz; /* APB1 clock (USART2, I2C1) */
void time_init(void);       /* SysTick at 1 kHz from g_hclk_hz; PendSV lowest priority */
void delay_us(uint32_t us); /* busy wait, us < 1000 */
void delay_ms(uint32_t ms); /* busy wait on the millisecond counter (SysTick must run) */
/* Hook run from PendSV (sensor context); set by the application. */
extern void (*time_pendsv_hook)(uint32_t now_ms);
extern volatile bool g_streaming_hint; /* for the LED */
/* The classifier's decision shown on LD2 (led_class_on in core/app.h); LED_HEARTBEAT: none. */
extern volatile uint8_t g_led_class;

/* ---- startup (hw/startup.c) --------------------------------------------------------- */
uint32_t stack_used_bytes(void); /* high-water mark of the main stack (painted at reset) */
uint32_t stack_size_bytes(void);

/* ---- USART2 (hw/uart.c) -------------------------------------------------------------- */
#define UART_TX_RING 1024u
#define UART_RX_RING 128u
extern struct ring uart_tx;
void uart_init(uint32_t pclk_hz, uint32_t baud);
bool uart_rx_pop(uint8_t *b);
void uart_kick(void);                         /* start/continue interrupt-driven transmit */
void uart_set_baud(uint32_t baud);            /* after the queued bytes left (CMD_SET_BAUD) */
void uart_write_blocking(const uint8_t *p, uint32_t n); /* faults only: bypasses the ring */
uint32_t uart_rx_overruns(void);

#endif
