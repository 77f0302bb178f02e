/* SPDX-License-Identifier: MIT */
/* bench/kernel/main.c -- the portable int8 dense kernel (portable/nn.c, imu_nn_run) on the emulated
 * Cortex-M4, shape by shape, against the CMSIS-NN figures of issue 7 (arm_fully_connected_s8, same
 * compiler and flags, whole network including the per-layer calls).
 *
 * Each network gets random int8 weights in the exporter's blocked layout (nn.h), random folded
 * biases, per-channel multipliers in [2^30, 2^31) and shifts that keep the outputs in range. One
 * inference is timed with SysTick on the processor clock (CSR = 5, free-running 24-bit reload):
 * under `qemu-system-arm -icount shift=0` each instruction is 1 ns and the clock 168 MHz, so
 * instructions = ticks / 0.168. The outputs are checked against a plain C reference (row-major
 * weights, the same requantization) and the results go out through semihosting, then exit.
 */
#include <stdint.h>
#include <string.h>

#include "nn.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

extern uint32_t _estack;

static int semi(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
static void out(const char *s) { semi(0x04, s); } /* SYS_WRITE0 */
static void outu(uint32_t v)
{
    char b[12];
    int i = 11;
    b[i] = 0;
    do { b[--i] = (char)('0' + v % 10u); v /= 10u; } while (v);
    out(b + i);
}
static void outpad(uint32_t v, int w)
{
    uint32_t t = v;
    int n = 1;
    while (t >= 10u) { t /= 10u; n++; }
    while (n++ < w) out(" ");
    outu(v);
}
/* v / 100 with two decimals */
static void outc(uint32_t v100)
{
    outu(v100 / 100u);
    out(".");
    if (v100 % 100u < 10u) out("0");
    outu(v100 % 100u);
}

static uint32_t rng = 0x12345678u;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

#define MAXW 300
#define MAXL 3
static int8_t wrow[MAXL][64 * 300 + 16];                /* row-major, for the reference */
static int8_t wblk[MAXL][64 * 300 + 16];                /* the kernel's blocked layout */
static int32_t bias[MAXL][64], mult[MAXL][64];
static int8_t shift[MAXL][64];
static struct imu_nn_layer layers[MAXL];
static int8_t buf_a[MAXW + 4], buf_b[MAXW + 4], ref_a[MAXW + 4], ref_b[MAXW + 4];

static void make_layer(int k, int n_in, int n_out)
{
    const int pin = (int)IMU_NN_PAD4((unsigned)n_in);
    for (int j = 0; j < n_out; j++)
        for (int i = 0; i < pin; i++)
            wrow[k][j * pin + i] = i < n_in ? (int8_t)(rnd() % 255u - 127) : 0;
    /* blocks of 4 rows: per input group g the 16 bytes w[4b+r][4g..4g+3]; leftover rows after */
    int o = 0;
    for (int b = 0; b < n_out / 4; b++)
        for (int g = 0; g < pin / 4; g++)
            for (int r = 0; r < 4; r++)
                for (int t = 0; t < 4; t++)
                    wblk[k][o++] = wrow[k][(4 * b + r) * pin + 4 * g + t];
    for (int j = n_out / 4 * 4; j < n_out; j++)
        for (int i = 0; i < pin; i++)
            wblk[k][o++] = wrow[k][j * pin + i];
    for (int j = 0; j < n_out; j++) {
        bias[k][j] = (int32_t)(rnd() % 20001u) - 10000;
        mult[k][j] = (int32_t)(0x40000000u + rnd() % 0x3fffffffu);
        shift[k][j] = (int8_t)(-8 - (int)(rnd() % 4u)); /* acc ~ 2^13..2^18 -> outputs in range */
    }
    layers[k] = (struct imu_nn_layer){ (uint16_t)n_in, (uint16_t)n_out, wblk[k], bias[k], mult[k], shift[k],
                                       (int16_t)(k == 0 ? -128 : -128), -128, 127 };
}

static void ref_dense(int k, const int8_t *in, int8_t *o)
{
    const struct imu_nn_layer *l = &layers[k];
    const int pin = (int)IMU_NN_PAD4(l->n_in);
    for (int j = 0; j < l->n_out; j++) {
        int32_t acc = l->bias[j];
        for (int i = 0; i < l->n_in; i++)
            acc += (int32_t)wrow[k][j * pin + i] * in[i];
        int32_t y = l->zp_out + imu_nn_mbqm(acc, l->mult[j], l->shift[j]);
        if (y < l->act_min) y = l->act_min;
        if (y > l->act_max) y = l->act_max;
        o[j] = (int8_t)y;
    }
}

static uint32_t ticks_between(const struct imu_nn_model *m)
{
    uint32_t v0 = SYST_CVR;
    __asm__ volatile("" ::: "memory");
    int8_t *y = imu_nn_run(m, buf_a, buf_b);
    __asm__ volatile("" ::: "memory");
    uint32_t v1 = SYST_CVR;
    (void)y;
    return (v0 - v1) & 0xffffffu;
}

static uint32_t ticks_empty(void)
{
    uint32_t v0 = SYST_CVR;
    __asm__ volatile("" ::: "memory");
    uint32_t v1 = SYST_CVR;
    return (v0 - v1) & 0xffffffu;
}

struct shape { const char *name; int n; int w[4]; uint32_t cmsis; };
static const struct shape shapes[] = {
    { "6->16->4", 3, { 6, 16, 4 }, 1706 },
    { "33->20->10->4", 4, { 33, 20, 10, 4 }, 3978 },
    { "150->32->16->4", 4, { 150, 32, 16, 4 }, 13397 },
    { "300->64->32->8", 4, { 300, 64, 32, 8 }, 46027 },
};

void Reset_Handler(void)
{
    CPACR |= 0xFu << 20; /* FPU on (the image is built hard-float) */
    __asm__ volatile("dsb\n isb");
    SYST_RVR = 0xffffffu;
    SYST_CVR = 0;
    SYST_CSR = 5; /* processor clock, no interrupt, enabled */
    out("int8 dense kernel (portable/nn.c) vs CMSIS-NN arm_fully_connected_s8, whole network\n");
    out("shape                 MACs   imulab   insn/MAC   CMSIS-NN   insn/MAC   imulab/CMSIS\n");
    int bad = 0;
    uint32_t base = ticks_empty();
    for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const struct shape *sh = &shapes[s];
        uint32_t macs = 0;
        uint16_t maxw = 0;
        for (int k = 0; k + 1 < sh->n; k++) {
            make_layer(k, sh->w[k], sh->w[k + 1]);
            macs += (uint32_t)(sh->w[k] * sh->w[k + 1]);
        }
        for (int k = 0; k < sh->n; k++)
            if (IMU_NN_PAD4((unsigned)sh->w[k]) > maxw) maxw = (uint16_t)IMU_NN_PAD4((unsigned)sh->w[k]);
        struct imu_nn_model m = { .n_layers = (uint16_t)(sh->n - 1), .n_in = (uint16_t)sh->w[0],
                                  .n_out = (uint16_t)sh->w[sh->n - 1], .max_width = maxw, .layers = layers };
        for (int i = 0; i < sh->w[0]; i++)
            buf_a[i] = ref_a[i] = (int8_t)(rnd() % 255u - 127);
        for (int i = sh->w[0]; i < (int)IMU_NN_PAD4((unsigned)sh->w[0]); i++)
            buf_a[i] = ref_a[i] = 0;
        int8_t in0[MAXW + 4];
        memcpy(in0, buf_a, sizeof in0);
        /* reference */
        int8_t *ri = ref_a, *ro = ref_b;
        for (int k = 0; k + 1 < sh->n; k++) {
            ref_dense(k, ri, ro);
            int8_t *t = ri; ri = ro; ro = t;
        }
        /* warm-up run, then the timed one on the same input */
        int8_t *y = imu_nn_run(&m, buf_a, buf_b);
        int ok = memcmp(y, ri, (size_t)sh->w[sh->n - 1]) == 0;
        memcpy(buf_a, in0, sizeof in0);
        uint32_t t = ticks_between(&m) - base;
        uint32_t insn = (t * 1000u + 84u) / 168u;
        out(sh->name);
        for (int i = (int)strlen(sh->name); i < 18; i++) out(" ");
        outpad(macs, 9);
        outpad(insn, 9);
        out("   ");
        outc((insn * 100u + macs / 2u) / macs);
        out("      ");
        outpad(sh->cmsis, 9);
        out("   ");
        outc((sh->cmsis * 100u + macs / 2u) / macs);
        out("      ");
        outc((insn * 100u + sh->cmsis / 2u) / sh->cmsis);
        out(ok ? (insn < sh->cmsis ? "  faster\n" : "  SLOWER\n") : "  WRONG OUTPUT\n");
        bad |= !ok;
    }
    semi(0x18, (const void *)(uintptr_t)(bad ? 0x20024u : 0x20026u)); /* SYS_EXIT */
    for (;;)
        __asm__ volatile("wfi");
}

__attribute__((section(".isr_vector"), used)) const void *const vectors[2] = { &_estack, (void *)Reset_Handler };

void *memset(void *d, int c, unsigned n)
{
    char *p = d;
    while (n--) *p++ = (char)c;
    return d;
}
void *memcpy(void *d, const void *s, unsigned n)
{
    char *p = d;
    const char *q = s;
    while (n--) *p++ = *q++;
    return d;
}
int memcmp(const void *a, const void *b, unsigned n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q) return *p - *q;
    return 0;
}
unsigned strlen(const char *s)
{
    unsigned n = 0;
    while (s[n]) n++;
    return n;
}
