/* SPDX-License-Identifier: MIT */
/* fake_mmio.h -- a register file for the board code built with FW_MMIO_FAKE (hw/mmio.h): every
 * write is logged in order, reads come from the file after the test's model (fake_mmio_model) has
 * had its say (ready bits following enable bits, a switch status following the switch, SPI data). */
#ifndef FAKE_MMIO_H
#define FAKE_MMIO_H

#include <stddef.h>
#include <stdint.h>

struct mmio_write_rec {
    uint32_t addr, value;
};

#define FAKE_MMIO_LOG 4096
extern struct mmio_write_rec fake_mmio_log[FAKE_MMIO_LOG];
extern size_t fake_mmio_n;
/* Called on every read with the stored value; returns what the hardware would show. */
extern uint32_t (*fake_mmio_model)(uint32_t addr, uint32_t stored);
/* Called after every write (a data register that starts a transfer). */
extern void (*fake_mmio_on_write)(uint32_t addr, uint32_t value);

void fake_mmio_reset(void);
void fake_mmio_preset(uint32_t addr, uint32_t value); /* a reset value, not logged */
uint32_t fake_mmio_peek(uint32_t addr);
/* The values written to addr in order (up to max); returns the count. */
size_t fake_mmio_writes_to(uint32_t addr, uint32_t *out, size_t max);
/* Index in the log of the first write to addr whose value has (value & mask) == want, or -1. */
long fake_mmio_first(uint32_t addr, uint32_t mask, uint32_t want);

#endif
