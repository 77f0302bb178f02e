/* SPDX-License-Identifier: MIT */
/* link_main.c -- a minimal firmware main for the exported library (tests/deploy/export_c.sh links
 * it for each Cortex-M with newlib-nano and --gc-sections, next to an empty main, to measure what
 * the library costs in flash and RAM, and to prove it links with nothing but libc and libgcc). */
#include "imulab.h"

static struct imulab_state st;
volatile int16_t sensor[IMULAB_N_AXES];
volatile int decision;

int main(void)
{
    int16_t x[IMULAB_N_AXES];
    imulab_init(&st);
    for (int i = 0; i < 1000; i++) {
        for (int a = 0; a < IMULAB_N_AXES; a++)
            x[a] = sensor[a];
        if (imulab_push(&st, x)) {
            struct imulab_result r;
            imulab_latest(&st, &r);
            decision = r.class_index;
        }
    }
    return 0;
}
