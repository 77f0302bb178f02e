/* SPDX-License-Identifier: MIT */
/* fake_mmio.c -- the register file behind hw/mmio.h in the host tests (see fake_mmio.h). A small
 * open table of (address, value); addresses never written read 0 unless preset. */
#include "fake_mmio.h"

#include <assert.h>
#include <string.h>

#define SLOTS 512
static uint32_t addrs[SLOTS], vals[SLOTS];
static size_t used;
struct mmio_write_rec fake_mmio_log[FAKE_MMIO_LOG];
size_t fake_mmio_n;
uint32_t (*fake_mmio_model)(uint32_t addr, uint32_t stored);
void (*fake_mmio_on_write)(uint32_t addr, uint32_t value);

/* The slot of addr, created on first use. */
static size_t slot(uint32_t addr)
{
    for (size_t i = 0; i < used; i++)
        if (addrs[i] == addr)
            return i;
    assert(used < SLOTS);
    addrs[used] = addr;
    vals[used] = 0;
    return used++;
}

void fake_mmio_reset(void)
{
    used = 0;
    fake_mmio_n = 0;
    fake_mmio_model = NULL;
    fake_mmio_on_write = NULL;
}

void fake_mmio_preset(uint32_t addr, uint32_t value) { vals[slot(addr)] = value; }
uint32_t fake_mmio_peek(uint32_t addr) { return vals[slot(addr)]; }

uint32_t mmio_read(uint32_t addr)
{
    uint32_t v = vals[slot(addr)];
    return fake_mmio_model ? fake_mmio_model(addr, v) : v;
}

void mmio_write(uint32_t addr, uint32_t value)
{
    vals[slot(addr)] = value;
    assert(fake_mmio_n < FAKE_MMIO_LOG);
    fake_mmio_log[fake_mmio_n++] = (struct mmio_write_rec){ addr, value };
    if (fake_mmio_on_write)
        fake_mmio_on_write(addr, value);
}

size_t fake_mmio_writes_to(uint32_t addr, uint32_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < fake_mmio_n; i++)
        if (fake_mmio_log[i].addr == addr && n < max)
            out[n++] = fake_mmio_log[i].value;
    return n;
}

long fake_mmio_first(uint32_t addr, uint32_t mask, uint32_t want)
{
    for (size_t i = 0; i < fake_mmio_n; i++)
        if (fake_mmio_log[i].addr == addr && (fake_mmio_log[i].value & mask) == want)
            return (long)i;
    return -1;
}
