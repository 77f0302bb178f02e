/* SPDX-License-Identifier: MIT */
/* fault_main.c -- a test image for the emulated board: it overflows the main stack on purpose.
 * The main stack sits at the bottom of SRAM, so the exception entry that follows cannot stack its
 * frame; the fault handler must run on its own stack (hw/startup.c) to send ERROR FAULT at all.
 * tests/firmware/fault_qemu.sh checks that the report arrives. Not for real boards. */
#include "board.h"

static volatile uint32_t depth_limit = 0xFFFFFFFFu; /* never reached: the stack runs out first */
static volatile uint32_t sink;

/* One 64-byte frame per call, until the stack is gone. */
static uint32_t __attribute__((noinline)) deeper(uint32_t n)
{
    volatile uint32_t pad[16];
    pad[0] = n;
    sink = pad[0];
    return n < depth_limit ? deeper(n + 1) + pad[0] : pad[0];
}

int main(void)
{
    board_init();
    return (int)deeper(1);
}
