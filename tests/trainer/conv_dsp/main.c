/* SPDX-License-Identifier: MIT */
/* tests/trainer/conv_dsp/main.c -- imu_nn_dense_n (portable/nn.c: the conv layers' blocks loop with
 * its Cortex-M4 assembly requantization) against imu_nn_dense position by position, on the emulated
 * Cortex-M4, for random layers made on the device from a seed: inputs 1..64, 4..24 outputs, random
 * zero points, ReLU, Q31 multipliers in [2^30, 2^31) (2^30 and 2^31 - 1 included), right shifts
 * 0..31 (0 and 31 included), 1..12 positions with a step of 1..n_in bytes. The host runs the C model
 * of the same loop against its reference in test_conv; this runs the assembly the firmware runs.
 * Prints (semihosting) "layers N outputs N mismatches N checksum HEX" and exits 0 when every byte
 * agrees, 1 otherwise. The checksum covers the generated inputs and weights (they reach the code). */
#include <stdint.h>

#include "nn.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

extern uint32_t _estack;

static int semi(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
static void out(const char *s) { semi(0x04, s); }
static void outu(uint32_t v, int hex)
{
    char b[12];
    int i = 11;
    b[i] = 0;
    do { b[--i] = "0123456789abcdef"[v % (hex ? 16u : 10u)]; v /= hex ? 16u : 10u; } while (v);
    out(b + i);
}

static uint32_t rs; /* set at run time: cost/link.ld leaves .data unloaded under -kernel */
static uint32_t rnd(void)
{
    rs ^= rs << 13; rs ^= rs >> 17; rs ^= rs << 5;
    return rs;
}

#define MAX_IN 64
#define MAX_OUT 24
#define MAX_POS 12
static int8_t w[MAX_OUT * MAX_IN] __attribute__((aligned(4)));
static int32_t bias[MAX_OUT], mult[MAX_OUT];
static int8_t shift[MAX_OUT];
static int8_t x[MAX_POS * MAX_IN + MAX_IN + 4];
static int8_t ya[MAX_POS * MAX_OUT], yb[MAX_POS * MAX_OUT];

void Reset_Handler(void)
{
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n isb");
    uint32_t layers = 0, outputs = 0, bad = 0, sum = 0;
    rs = 0x9e3779b9u;
    for (int trial = 0; trial < 400; trial++) {
        const unsigned ni = 1u + rnd() % MAX_IN, no = 4u * (1u + rnd() % (MAX_OUT / 4)), np = IMU_NN_PAD4(ni);
        const unsigned n = 1u + rnd() % MAX_POS, step = 1u + rnd() % ni;
        const int16_t zp = (int16_t)((int)(rnd() % 256u) - 128);
        for (unsigned i = 0; i < no * np; i++) w[i] = (int8_t)(rnd() % 255u) - 127; /* blocked: any bytes */
        for (unsigned j = 0; j < no; j++) {
            bias[j] = (int32_t)(rnd() % (1u << 21)) - (1 << 20);
            const uint32_t m = rnd() % 16u;
            mult[j] = m == 0 ? (1 << 30) : m == 1 ? INT32_MAX : (int32_t)((1u << 30) + rnd() % (1u << 30));
            const uint32_t s = rnd() % 8u;
            shift[j] = (int8_t)(s == 0 ? 0 : s == 1 ? -31 : -(int)(1u + rnd() % 20u));
        }
        for (unsigned i = 0; i < (n - 1) * step + np; i++) x[i] = (int8_t)(rnd() & 0xffu);
        for (unsigned i = 0; i < no * np; i++) sum = sum * 31u + (uint8_t)w[i];
        for (unsigned i = 0; i < (n - 1) * step + np; i++) sum = sum * 31u + (uint8_t)x[i];
        const struct imu_nn_layer l = { (uint16_t)ni, (uint16_t)no, w, bias, mult, shift, zp, zp, 127 };
        if (!imu_nn_dense_n_fits(&l)) { bad++; continue; }
        for (unsigned t = 0; t < n; t++) imu_nn_dense(&l, x + t * step, ya + t * no);
        imu_nn_dense_n(&l, x, step, yb, no, n);
        for (unsigned i = 0; i < n * no; i++) bad += ya[i] != yb[i];
        layers++;
        outputs += n * no;
    }
    out("layers "); outu(layers, 0);
    out(" outputs "); outu(outputs, 0);
    out(" mismatches "); outu(bad, 0);
    out(" checksum "); outu(sum, 1);
    out("\n");
    semi(0x18, (const void *)(uintptr_t)(bad ? 0x20024u : 0x20026u)); /* SYS_EXIT: error or normal */
    for (;;) __asm__ volatile("wfi");
}

__attribute__((section(".isr_vector"), used)) const void *const vectors[2] = { &_estack, (void *)Reset_Handler };

void *memset(void *d, int c, unsigned n) { char *p = d; while (n--) *p++ = (char)c; return d; }
void *memcpy(void *d, const void *s, unsigned n)
{
    char *p = d;
    const char *q = s;
    while (n--) *p++ = *q++;
    return d;
}
