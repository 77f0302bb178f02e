/* SPDX-License-Identifier: MIT */
/* uart_v2.c -- the L4/H7 USART (ISR/ICR/RDR/TDR layout: RM0351 §40, RM0433 §48), interrupt-driven
 * both ways, behind the same interface as hw/uart.c (hw/board.h).
 *
 *   STM32L476 (Nucleo-L476RG): USART2 at 0x40004400, TX PA2 / RX PA3 AF7 (the ST-Link VCP)
 *   STM32H743 (Nucleo-H743ZI): USART3 at 0x40004800, TX PD8 / RX PD9 AF7 (the ST-Link VCP)
 *
 * Receive: RXNE moves each byte into a small SPSC ring; overrun, framing and noise errors are
 * cleared through ICR (an uncleared ORE would stop reception on these parts) and counted.
 * Transmit: uart_kick() and the TXE interrupt move queued bytes to TDR while TXE is set.
 * Oversampling by 16: BRR = f_ck / baud, rounded (RM0351 §40.5.4, RM0433 §48.5.7).
 */
#include "board.h"
#include "mmio.h"
#include "platform.h"
#include "regs_family.h"
#include "stm32_addr.h"

#if defined(FW_FAMILY_H7)
#define U 0x40004800u /* USART3: RM0433 §2.3.2 table 8 */
#define U_GPIO H7_GPIOD
#define U_TX 8u
#define U_RX 9u
#define U_GPIO_EN_REG H7_RCC_AHB4ENR
#define U_GPIO_EN_BIT (1u << 3) /* GPIODEN */
#define U_EN_REG H7_RCC_APB1LENR
#define U_EN_BIT H7_RCC_APB1L_USART3
#else
#define U 0x40004400u /* USART2: RM0351 §2.2.2 table 1 */
#define U_GPIO L4_GPIOA
#define U_TX 2u
#define U_RX 3u
#define U_GPIO_EN_REG L4_RCC_AHB2ENR
#define U_GPIO_EN_BIT (1u << 0) /* GPIOAEN */
#define U_EN_REG L4_RCC_APB1ENR1
#define U_EN_BIT L4_RCC_APB1_USART2
#endif
#define U_AF 7u

static uint8_t tx_buf[UART_TX_RING];
static uint8_t rx_buf[UART_RX_RING];
struct ring uart_tx;
static struct ring uart_rx;
static uint32_t rx_overruns;

/* BRR for oversampling by 16 (the divider, rounded). */
static uint32_t brr_for(uint32_t clk_hz, uint32_t baud) { return (clk_hz + baud / 2u) / baud; }

void uart_init(uint32_t pclk_hz, uint32_t baud)
{
    ring_init(&uart_tx, tx_buf, UART_TX_RING, 1);
    ring_init(&uart_rx, rx_buf, UART_RX_RING, 1);
    mmio_set(U_GPIO_EN_REG, U_GPIO_EN_BIT);
    mmio_set(U_EN_REG, U_EN_BIT);
    (void)mmio_read(U_EN_REG);
    gpio_af(U_GPIO, U_TX, U_AF, 0, GPIO_PULL_NONE);
    gpio_af(U_GPIO, U_RX, U_AF, 0, GPIO_PULL_UP);
    mmio_write(U + USV2_CR1, 0u); /* UE off: BRR and CR2/CR3 are written while disabled */
    mmio_write(U + USV2_BRR, brr_for(pclk_hz, baud));
    mmio_write(U + USV2_CR2, 0u);
    mmio_write(U + USV2_CR3, 0u);
    mmio_write(U + USV2_CR1, USV2_CR1_UE | USV2_CR1_TE | USV2_CR1_RE | USV2_CR1_RXNEIE);
    mmio_field(NVIC_IPR_ADDR(BOARD_UART_IRQ & ~3u), 0xFFu << (8u * (BOARD_UART_IRQ & 3u)),
               0x40u << (8u * (BOARD_UART_IRQ & 3u)));
    mmio_write(NVIC_ISER_ADDR(BOARD_UART_IRQ / 32u), 1u << (BOARD_UART_IRQ % 32u));
}

/* Move bytes from the ring to TDR while it is empty; interrupts masked by the caller. */
static void tx_drain(void)
{
    const uint8_t *p;
    while ((mmio_read(U + USV2_ISR) & USV2_ISR_TXE) && (p = ring_peek(&uart_tx)) != 0) {
        mmio_write(U + USV2_TDR, *p);
        ring_drop(&uart_tx, 1);
    }
    if (ring_used(&uart_tx))
        mmio_set(U + USV2_CR1, USV2_CR1_TXEIE);
    else
        mmio_clear(U + USV2_CR1, USV2_CR1_TXEIE);
}

void uart_kick(void)
{
    uint32_t s = platform_irq_save();
    tx_drain();
    platform_irq_restore(s);
}

void UART_IRQHandler(void)
{
    uint32_t isr = mmio_read(U + USV2_ISR);
    if (isr & (USV2_ISR_ORE | USV2_ISR_FE | USV2_ISR_NF)) {
        mmio_write(U + USV2_ICR, USV2_ICR_ERRORS);
        if (isr & USV2_ISR_ORE)
            rx_overruns++;
    }
    if (isr & USV2_ISR_RXNE) {
        uint8_t b = (uint8_t)mmio_read(U + USV2_RDR); /* reading RDR clears RXNE */
        if (!ring_push(&uart_rx, &b, 1))
            rx_overruns++;
    }
    if (mmio_read(U + USV2_CR1) & USV2_CR1_TXEIE)
        tx_drain();
}

bool uart_rx_pop(uint8_t *b) { return ring_pop(&uart_rx, b, 1) == 1; }

uint32_t uart_rx_overruns(void) { return rx_overruns; }

void uart_set_baud(uint32_t baud)
{
    for (uint32_t spin = 0; spin < 20000000u && (ring_used(&uart_tx) || !(mmio_read(U + USV2_ISR) & USV2_ISR_TC)); spin++)
        uart_kick();
    uint32_t cr1 = mmio_read(U + USV2_CR1);
    mmio_write(U + USV2_CR1, cr1 & ~USV2_CR1_UE); /* BRR only while disabled (RM0351 §40.8.4) */
    mmio_write(U + USV2_BRR, brr_for(g_pclk1_hz, baud));
    mmio_write(U + USV2_CR1, cr1);
}

void uart_write_blocking(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t spin = 0; spin < 100000u && !(mmio_read(U + USV2_ISR) & USV2_ISR_TXE); spin++)
            ;
        mmio_write(U + USV2_TDR, p[i]);
    }
    for (uint32_t spin = 0; spin < 100000u && !(mmio_read(U + USV2_ISR) & USV2_ISR_TC); spin++)
        ;
}
