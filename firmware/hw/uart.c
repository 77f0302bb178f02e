/* SPDX-License-Identifier: MIT */
/* uart.c -- USART2 (PA2 TX, PA3 RX, AF7; RM0390 §25), interrupt-driven both ways.
 *
 * Receive: the RXNE interrupt moves each byte into a small SPSC ring (ISR produces, main loop
 * consumes). Transmit: the main loop queues whole encoded frames into uart_tx; uart_kick() and
 * the TXE interrupt move bytes to DR while TXE is set, so sampling never waits for the UART.
 * (QEMU's USART has TXE always set and raises no TXE interrupt; kick drains it synchronously.)
 */
#include "board.h"
#include "regs.h"

#define U USART2_BASE

static uint8_t tx_buf[UART_TX_RING];
static uint8_t rx_buf[UART_RX_RING];
struct ring uart_tx;
static struct ring uart_rx;
static uint32_t rx_overruns;

void uart_init(uint32_t pclk_hz, uint32_t baud)
{
    ring_init(&uart_tx, tx_buf, UART_TX_RING, 1);
    ring_init(&uart_rx, rx_buf, UART_RX_RING, 1);
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOA;
    RCC_APB1ENR |= RCC_APB1ENR_USART2;
    (void)RCC_APB1ENR;
    /* PA2, PA3: alternate function 7 (RM0390 §7.4.1 MODER, §7.4.9 AFRL). */
    GPIO_MODER(GPIOA_BASE) = (GPIO_MODER(GPIOA_BASE) & ~(0xFu << 4)) | (0xAu << 4);
    GPIO_AFRL(GPIOA_BASE) = (GPIO_AFRL(GPIOA_BASE) & ~(0xFFu << 8)) | (0x77u << 8);
    GPIO_PUPDR(GPIOA_BASE) = (GPIO_PUPDR(GPIOA_BASE) & ~(0x3u << 6)) | (0x1u << 6); /* RX pull-up */
    /* Oversampling by 16: BRR = USARTDIV * 16 = pclk / baud, rounded (RM0390 §25.4.4). */
    USART_BRR(U) = (pclk_hz + baud / 2u) / baud;
    USART_CR2(U) = 0;
    USART_CR3(U) = 0;
    USART_CR1(U) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    NVIC_IPR8(BOARD_UART_IRQ) = 0x40;
    NVIC_ISER(BOARD_UART_IRQ / 32u) = 1u << (BOARD_UART_IRQ % 32u);
}

/* Move bytes from the ring to DR while the data register is empty; interrupts masked. */
static void tx_drain(void)
{
    const uint8_t *p;
    while ((USART_SR(U) & USART_SR_TXE) && (p = ring_peek(&uart_tx)) != 0) {
        USART_DR(U) = *p;
        ring_drop(&uart_tx, 1);
    }
    if (ring_used(&uart_tx))
        USART_CR1(U) |= USART_CR1_TXEIE;
    else
        USART_CR1(U) &= ~USART_CR1_TXEIE;
}

void uart_kick(void)
{
    uint32_t s = irq_save();
    tx_drain();
    irq_restore(s);
}

void UART_IRQHandler(void)
{
    uint32_t sr = USART_SR(U);
    if (sr & (USART_SR_RXNE | USART_SR_ORE)) {
        uint8_t b = (uint8_t)USART_DR(U); /* reading DR after SR clears RXNE and ORE */
        if (sr & USART_SR_ORE)
            rx_overruns++;
        if (!ring_push(&uart_rx, &b, 1))
            rx_overruns++;
    }
    if (USART_CR1(U) & USART_CR1_TXEIE)
        tx_drain();
}

bool uart_rx_pop(uint8_t *b) { return ring_pop(&uart_rx, b, 1) == 1; }

uint32_t uart_rx_overruns(void) { return rx_overruns; }

void uart_set_baud(uint32_t baud)
{
    /* let what is queued (the ACK at least) leave at the old rate: bounded, ~1 KB at 9600 baud */
    for (uint32_t spin = 0; spin < 20000000u && (ring_used(&uart_tx) || !(USART_SR(U) & USART_SR_TC)); spin++)
        uart_kick();
    USART_BRR(U) = (g_pclk1_hz + baud / 2u) / baud; /* RM0390 §25.4.4, as uart_init */
}

void uart_write_blocking(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t spin = 0; spin < 100000u && !(USART_SR(U) & USART_SR_TXE); spin++)
            ;
        USART_DR(U) = p[i];
    }
    for (uint32_t spin = 0; spin < 100000u && !(USART_SR(U) & USART_SR_TC); spin++)
        ;
}
