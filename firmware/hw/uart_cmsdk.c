/* SPDX-License-Identifier: MIT */
/* uart_cmsdk.c -- UART0 of QEMU's mps2-an500 (the Cortex-M7 compute tests): the Arm CMSDK APB UART
 * (Cortex-M System Design Kit TRM, DDI 0479, §4.3: DATA 0x00, STATE 0x04 (TX full 0, RX full 1),
 * CTRL 0x08 (TX enable 0, RX enable 1, TX interrupt 2, RX interrupt 3), INTSTATUS/INTCLEAR 0x0C
 * (TX 0, RX 1), BAUDDIV 0x10 (at least 16)), at 0x40004000 with receive interrupt 0 and transmit
 * interrupt 1 (QEMU hw/arm/mps2.c), behind the interface of hw/uart.c (hw/board.h). The first
 * -serial of QEMU is UART0.
 */
#include "board.h"
#include "mmio.h"
#include "platform.h"
#include "regs.h"

#define U 0x40004000u
#define R_DATA 0x00u
#define R_STATE 0x04u
#define R_CTRL 0x08u
#define R_INT 0x0Cu
#define R_BAUDDIV 0x10u
#define STATE_TXFULL (1u << 0)
#define STATE_RXFULL (1u << 1)
#define CTRL_TXEN (1u << 0)
#define CTRL_RXEN (1u << 1)
#define CTRL_TXIE (1u << 2)
#define CTRL_RXIE (1u << 3)
#define INT_TX (1u << 0)
#define INT_RX (1u << 1)

static uint8_t tx_buf[UART_TX_RING];
static uint8_t rx_buf[UART_RX_RING];
struct ring uart_tx;
static struct ring uart_rx;
static uint32_t rx_overruns;
volatile uint32_t mps2_no_reset_cause; /* regs_family.h: RCC_CSR reads 0 here */

void uart_init(uint32_t pclk_hz, uint32_t baud)
{
    ring_init(&uart_tx, tx_buf, UART_TX_RING, 1);
    ring_init(&uart_rx, rx_buf, UART_RX_RING, 1);
    uint32_t div = pclk_hz / baud;
    mmio_write(U + R_BAUDDIV, div < 16u ? 16u : div);
    mmio_write(U + R_CTRL, CTRL_TXEN | CTRL_RXEN | CTRL_RXIE);
    NVIC_IPR8(BOARD_UART_IRQ) = 0x40;
    NVIC_IPR8(BOARD_UART_TX_IRQ) = 0x40;
    NVIC_ISER(0) = (1u << BOARD_UART_IRQ) | (1u << BOARD_UART_TX_IRQ);
}

/* Bytes from the ring to DATA while the transmit buffer has room; interrupts masked. */
static void tx_drain(void)
{
    const uint8_t *p;
    while (!(mmio_read(U + R_STATE) & STATE_TXFULL) && (p = ring_peek(&uart_tx)) != 0) {
        mmio_write(U + R_DATA, *p);
        ring_drop(&uart_tx, 1);
    }
    if (ring_used(&uart_tx))
        mmio_set(U + R_CTRL, CTRL_TXIE);
    else
        mmio_clear(U + R_CTRL, CTRL_TXIE);
}

void uart_kick(void)
{
    uint32_t s = irq_save();
    tx_drain();
    irq_restore(s);
}

void UART_IRQHandler(void)
{
    uint32_t st = mmio_read(U + R_INT);
    mmio_write(U + R_INT, st & (INT_TX | INT_RX));
    while (mmio_read(U + R_STATE) & STATE_RXFULL) {
        uint8_t b = (uint8_t)mmio_read(U + R_DATA);
        if (!ring_push(&uart_rx, &b, 1))
            rx_overruns++;
    }
    if (mmio_read(U + R_CTRL) & CTRL_TXIE)
        tx_drain();
}

bool uart_rx_pop(uint8_t *b) { return ring_pop(&uart_rx, b, 1) == 1; }
uint32_t uart_rx_overruns(void) { return rx_overruns; }

void uart_set_baud(uint32_t baud)
{
    for (uint32_t spin = 0; spin < 20000000u && ring_used(&uart_tx); spin++)
        uart_kick();
    uint32_t div = g_pclk1_hz / baud;
    mmio_write(U + R_BAUDDIV, div < 16u ? 16u : div);
}

void uart_write_blocking(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t spin = 0; spin < 100000u && (mmio_read(U + R_STATE) & STATE_TXFULL); spin++)
            ;
        mmio_write(U + R_DATA, p[i]);
    }
}
