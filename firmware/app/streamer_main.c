/* SPDX-License-Identifier: MIT */
/* streamer_main.c -- the streamer image: sensor -> ring -> SAMPLES frames on USART2.
 *
 * Boot: board (clock, pins, SysTick, UART, sensor), watchdog, HELLO, then stream at the default
 * rate without waiting for the host. The sensor context is PendSV, pended by SysTick every
 * board_poll_ms; the main loop parses commands, packs frames and sleeps in WFI. Until the host
 * sends a valid command, HELLO is repeated every 2 s so a host that opens the port late (QEMU's
 * pty drops bytes while nobody reads it) still learns rate, ranges and axes.
 */
#include "app.h"
#include "board.h"
#include "platform.h"
#include "regs.h"

extern const uint32_t board_baud;
static struct app app;

static void sensor_context(uint32_t now_ms) { app_sensor_poll(&app, now_ms); }

int main(void)
{
    bool clock_ok = board_init();
    bool wd_reset = (RCC_CSR & RCC_CSR_IWDGRSTF) != 0;
    RCC_CSR |= RCC_CSR_RMVF;
    struct app_info info = { .board = board_name, .baud = board_baud, .model_hash = 0, .extra_flags = 0,
                             .set_baud = uart_set_baud };
    app_init(&app, board_sensor(), &info, &uart_tx);
    g_streaming_hint = app.cfg.streaming;
    time_pendsv_hook = sensor_context;
    board_watchdog_start();

    app_send_hello(&app);
    if (!clock_ok)
        app_send_error(&app, PROTO_ERR_CLOCK, NULL);
    if (wd_reset)
        app_send_log(&app, PROTO_LOG_WARN, "reset by watchdog");
    uint32_t last_hello = platform_now_ms();
    for (;;) {
        board_watchdog_kick();
        uint8_t b;
        while (uart_rx_pop(&b))
            app_rx_byte(&app, b);
        if (board_button_event())
            app_toggle_streaming(&app);
        g_streaming_hint = app.cfg.streaming;
        app_poll(&app);
        if (app.link.rx_frames == 0 && platform_now_ms() - last_hello >= 2000u) {
            last_hello = platform_now_ms();
            app_send_hello(&app);
        }
        uart_kick();
        wfi();
    }
}
