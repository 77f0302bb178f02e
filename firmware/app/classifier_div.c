/* SPDX-License-Identifier: MIT */
/* classifier_div.c -- a small __aeabi_uldivmod for the classifier images.
 *
 * The only 64-bit divisions in the firmware are sample timestamps (app.c, once per sample), where
 * speed does not matter but libgcc's __udivmoddi4 costs 700 bytes of the 16 KB flash budget. This
 * restoring division is about 100 bytes; the linker takes it before libgcc's. AEABI run-time ABI
 * §4.3.1: numerator in r0:r1, denominator in r2:r3; quotient returned in r0:r1, remainder in r2:r3.
 */
#include <stdint.h>

uint64_t cls_udivmod64(uint64_t n, uint64_t d, uint64_t *rem);

uint64_t cls_udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
    if (d == 0) { /* as libgcc: no trap */
        *rem = n;
        return UINT64_MAX;
    }
    if ((n >> 32) == 0 && (d >> 32) == 0) {
        *rem = (uint32_t)n % (uint32_t)d;
        return (uint32_t)n / (uint32_t)d;
    }
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        uint64_t hi = r >> 63;
        r = (r << 1) | ((n >> i) & 1u);
        if (hi || r >= d) {
            r -= d;
            q |= (uint64_t)1 << i;
        }
    }
    *rem = r;
    return q;
}

__attribute__((naked)) void __aeabi_uldivmod(void)
{
    __asm volatile("push {r4, lr}\n"
                   "sub sp, sp, #16\n"
                   "add r4, sp, #8\n"
                   "str r4, [sp]\n"
                   "bl cls_udivmod64\n"
                   "ldrd r2, r3, [sp, #8]\n"
                   "add sp, sp, #16\n"
                   "pop {r4, pc}\n");
}
