/* SPDX-License-Identifier: MIT */
/* boards.c -- the board table (see boards.h). The Nucleo-F446RE keeps the project's classifier
 * budget (16 KB flash, 8 KB RAM: docs/classifier.md); the other boards get their chip's memory
 * (RM0351 §2.2.2, RM0433 §2.3.2, RM0090 §2.3; the L476's SRAM1 only, the H743's DTCM only). */
#include "boards.h"

#include <string.h>

static const struct board_info boards[] = {
    { "nucleo-f446re", "stm32f4x", 16384, 8192, 180e6, 0, 1 },
    { "nucleo-l476rg", "stm32l4x", 1048576, 98304, 80e6, 0, 1 },
    { "nucleo-h743zi", "stm32h7x", 2097152, 131072, 400e6, 0, 1 },
    { "disco-f407vg", "stm32f4x", 1048576, 131072, 168e6, 1, 2 },
    { "qemu", NULL, 16384, 8192, 168e6, 0, 0 },
};

const struct board_info *board_find(const char *name)
{
    for (size_t i = 0; i < sizeof boards / sizeof boards[0]; i++)
        if (!strcmp(boards[i].name, name))
            return &boards[i];
    return NULL;
}

const char *board_names(void) { return "nucleo-f446re, nucleo-l476rg, nucleo-h743zi, disco-f407vg or qemu"; }
