/* SPDX-License-Identifier: MIT */
/* Declarations only (Zephyr printk) for compiling examples/zephyr_main.c (-fsyntax-only). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
