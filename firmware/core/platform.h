/* SPDX-License-Identifier: MIT */
/* platform.h -- the few services the portable firmware core needs from whatever runs it:
 * the board (hw/board_*.c) or a host unit test (tests/firmware/). */
#ifndef FW_PLATFORM_H
#define FW_PLATFORM_H

#include <stdint.h>

uint32_t platform_now_ms(void);
uint64_t platform_now_us(void);
/* Mask the interrupts that touch shared state; returns the previous mask for restore. */
uint32_t platform_irq_save(void);
void platform_irq_restore(uint32_t saved);
/* Stack high-water mark: bytes ever used (the painted pattern overwritten) and the stack's size. */
uint32_t platform_stack_used(void);
uint32_t platform_stack_size(void);

#endif
