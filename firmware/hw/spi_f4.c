/* SPDX-License-Identifier: MIT */
/* spi_f4.c -- SPI1 master of the STM32F407 for the Discovery's accelerometer (RM0090 §28).
 *
 * Pins (STM32F4 Discovery user manual UM1472 §6.7): SCK PA5, MISO PA6, MOSI PA7 (AF5), chip select
 * PE3 as a GPIO output (active low). Mode 3 (CPOL = 1, CPHA = 1: the LIS3DSH and LIS302DL sample on
 * the rising edge with the clock idle high), 8 bits, MSB first, software slave management (SSM,
 * SSI), f_PCLK2 / 16 = 5.25 MHz at 84 MHz (the LIS3DSH takes up to 10 MHz). A transfer writes each
 * byte when TXE is set and reads it back at RXNE, every wait bounded (RM0090 §28.3.5).
 */
#include "board.h"
#include "lis3dsh.h"
#include "mmio.h"
#include "stm32_addr.h"

#define S F4_SPI1
#define CS_PIN 3u
#define SPIN 10000u

void spi1_init(void)
{
    mmio_set(F4_RCC_AHB1ENR, (1u << 0) | (1u << 4)); /* GPIOA, GPIOE */
    mmio_set(F4_RCC_APB2ENR, F4_RCC_APB2ENR_SPI1);
    (void)mmio_read(F4_RCC_APB2ENR);
    gpio_write(F4_GPIOE, CS_PIN, 1); /* deselected before it becomes an output */
    gpio_mode(F4_GPIOE, CS_PIN, GPIO_MODE_OUT, GPIO_PULL_NONE);
    gpio_af(F4_GPIOA, 5u, 5u, 0, GPIO_PULL_NONE);
    gpio_af(F4_GPIOA, 6u, 5u, 0, GPIO_PULL_NONE);
    gpio_af(F4_GPIOA, 7u, 5u, 0, GPIO_PULL_NONE);
    mmio_write(S + F4_SPI_CR1, F4_SPI_CR1_CPHA | F4_SPI_CR1_CPOL | F4_SPI_CR1_MSTR | F4_SPI_CR1_BR(3u) |
                                   F4_SPI_CR1_SSM | F4_SPI_CR1_SSI);
    mmio_set(S + F4_SPI_CR1, F4_SPI_CR1_SPE);
}

static int spi1_xfer(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n)
{
    (void)ctx;
    int st = 0;
    gpio_write(F4_GPIOE, CS_PIN, 0);
    for (size_t i = 0; i < n && !st; i++) {
        if (!mmio_wait(S + F4_SPI_SR, F4_SPI_SR_TXE, F4_SPI_SR_TXE, SPIN)) {
            st = -1;
            break;
        }
        mmio_write(S + F4_SPI_DR, tx[i]);
        if (!mmio_wait(S + F4_SPI_SR, F4_SPI_SR_RXNE, F4_SPI_SR_RXNE, SPIN))
            st = -1;
        else
            rx[i] = (uint8_t)mmio_read(S + F4_SPI_DR);
    }
    mmio_wait(S + F4_SPI_SR, F4_SPI_SR_BSY, 0, SPIN); /* last clock out before CS rises */
    gpio_write(F4_GPIOE, CS_PIN, 1);
    return st;
}

const struct spi_dev spi1_dev = { .xfer = spi1_xfer, .ctx = 0 };
