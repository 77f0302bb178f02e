/* SPDX-License-Identifier: MIT */
/* main.c -- the exported library on an emulated Cortex-M (tests/deploy/target.sh): reads the
 * windows written by `replay DUMP --target-bin FILE` through semihosting (per window: the int16
 * samples, imulab eval's int8 scores, its features as float bits), classifies each with
 * imulab_classify() and compares scores byte for byte and features bit for bit. Prints a summary
 * and exits 0 when all agree. */
#include <string.h>

#include "imulab.h"
#include "semihost.h"

static struct imulab_state st;
static int16_t window[IMULAB_WINDOW_LEN * IMULAB_N_AXES];
static int8_t scores[IMULAB_N_CLASSES];
static float features[IMU_MODEL_N_FEATURES];

/* Unsigned decimal into buf. */
static char *utoa10(uint32_t v, char *end)
{
    *--end = 0;
    do { *--end = (char)('0' + v % 10u); v /= 10u; } while (v);
    return end;
}

int main(void)
{
    int fd = sh_open("target.bin");
    if (fd < 0) { sh_puts("target: cannot open target.bin\n"); return 2; }
    uint32_t n = 0, same = 0;
    for (;;) {
        if (sh_read(fd, window, sizeof window) != (int)sizeof window) break;
        if (sh_read(fd, scores, sizeof scores) != (int)sizeof scores ||
            sh_read(fd, features, sizeof features) != (int)sizeof features) { sh_puts("target: short file\n"); return 2; }
        struct imulab_result r;
        imulab_classify(&st, window, IMULAB_WINDOW_LEN, &r);
        n++;
        if (!memcmp(r.scores, scores, sizeof scores) && !memcmp(st.features, features, sizeof features)) same++;
    }
    char a[12], b[12];
    sh_puts("target: ");
    sh_puts(utoa10(same, a + sizeof a));
    sh_puts(" of ");
    sh_puts(utoa10(n, b + sizeof b));
    sh_puts(" windows identical to imulab eval (scores and features)\n");
    return n > 0 && same == n ? 0 : 1;
}
