/* SPDX-License-Identifier: MIT */
/* mmio.h -- register access through functions, for the board code that the host tests run against
 * a fake register file (tests/firmware/fake_mmio.c): clocks, USART/I2C (v2 blocks), SPI and the
 * board pin set-up of the L476RG, H743ZI and F407 Discovery boards.
 *
 * On the target every call is one volatile load or store (inlined). With FW_MMIO_FAKE (host tests)
 * they are the fake's functions: it records every write in order and answers reads from its
 * register file, where it models the ready bits that the code waits for.
 */
#ifndef FW_MMIO_H
#define FW_MMIO_H

#include <stdint.h>

#ifdef FW_MMIO_FAKE
uint32_t mmio_read(uint32_t addr);
void mmio_write(uint32_t addr, uint32_t value);
#else
static inline uint32_t mmio_read(uint32_t addr) { return *(volatile uint32_t *)(uintptr_t)addr; }
static inline void mmio_write(uint32_t addr, uint32_t value) { *(volatile uint32_t *)(uintptr_t)addr = value; }
#endif

/* Read-modify-write of a field: the bits of mask take value (already shifted). */
static inline void mmio_field(uint32_t addr, uint32_t mask, uint32_t value)
{
    mmio_write(addr, (mmio_read(addr) & ~mask) | (value & mask));
}
static inline void mmio_set(uint32_t addr, uint32_t bits) { mmio_write(addr, mmio_read(addr) | bits); }
static inline void mmio_clear(uint32_t addr, uint32_t bits) { mmio_write(addr, mmio_read(addr) & ~bits); }

/* Spin until (reg & mask) == want, at most spins reads; true when it came. */
static inline int mmio_wait(uint32_t addr, uint32_t mask, uint32_t want, uint32_t spins)
{
    for (uint32_t i = 0; i < spins; i++)
        if ((mmio_read(addr) & mask) == want)
            return 1;
    return 0;
}

/* GPIO (same layout on the F4, L4 and H7: RM0090 §8.4, RM0351 §8.5, RM0433 §11.4): pin as
 * alternate function af, optional open drain and pull-up. */
#define GPIO_R_MODER 0x00u
#define GPIO_R_OTYPER 0x04u
#define GPIO_R_OSPEEDR 0x08u
#define GPIO_R_PUPDR 0x0Cu
#define GPIO_R_IDR 0x10u
#define GPIO_R_BSRR 0x18u
#define GPIO_R_AFRL 0x20u
#define GPIO_R_AFRH 0x24u
#define GPIO_MODE_IN 0u
#define GPIO_MODE_OUT 1u
#define GPIO_MODE_AF 2u
#define GPIO_PULL_NONE 0u
#define GPIO_PULL_UP 1u
#define GPIO_PULL_DOWN 2u

static inline void gpio_mode(uint32_t port, unsigned pin, uint32_t mode, uint32_t pull)
{
    mmio_field(port + GPIO_R_PUPDR, 3u << (2 * pin), pull << (2 * pin));
    mmio_field(port + GPIO_R_MODER, 3u << (2 * pin), mode << (2 * pin));
}

static inline void gpio_af(uint32_t port, unsigned pin, uint32_t af, int open_drain, uint32_t pull)
{
    uint32_t afr = port + (pin < 8 ? GPIO_R_AFRL : GPIO_R_AFRH);
    unsigned sh = 4u * (pin & 7u);
    if (open_drain)
        mmio_set(port + GPIO_R_OTYPER, 1u << pin);
    mmio_field(port + GPIO_R_OSPEEDR, 3u << (2 * pin), 2u << (2 * pin)); /* high speed */
    mmio_field(afr, 0xFu << sh, af << sh);
    gpio_mode(port, pin, GPIO_MODE_AF, pull);
}

static inline void gpio_write(uint32_t port, unsigned pin, int high)
{
    mmio_write(port + GPIO_R_BSRR, high ? (1u << pin) : (1u << (pin + 16)));
}

static inline int gpio_read(uint32_t port, unsigned pin) { return (int)((mmio_read(port + GPIO_R_IDR) >> pin) & 1u); }

#endif
