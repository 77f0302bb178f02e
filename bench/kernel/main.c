/* SPDX-License-Identifier: MIT */
/* bench/kernel/main.c -- the portable int8 dense kernel (portable/nn.c, imu_nn_run) on the emulated
 * Cortex-M4, network by network (gen.c: random weights, biases, per-channel multipliers and shifts,
 * inputs, all made at run time from a seed), for run.sh to compare with the CMSIS-NN figures.
 *
 * Per network the image prints (semihosting) machine-readable lines:
 *   net I checksum HEX macs N insn N clamped N outputs N ok 0|1
 *   out I K HEX...          the kernel's output of layer K (imu_nn_dense), byte for byte
 * The checksum covers every byte the kernel reads; run.sh checks it and the outputs against the
 * same generator run on the host. One inference (imu_nn_run) is timed with SysTick on the processor
 * clock (CSR = 5, free-running 24-bit reload): under `qemu-system-arm -icount shift=0` each
 * instruction is 1 ns and the clock 168 MHz, so instructions = ticks / 0.168. marker_start and
 * marker_end bracket the timed call for the exact-trace cycle estimate (bench/cycles/m4cycles.py).
 * Exit status (SYS_EXIT) 1 when an output differs from the on-device reference.
 */
#include <stdint.h>

#include "gen.h"
#include "nn.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;

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
static void outhex(const void *p, unsigned n)
{
    static const char digits[] = "0123456789abcdef";
    char b[2 * GEN_MAXOUT + 1];
    const uint8_t *q = p;
    unsigned i;
    for (i = 0; i < n && i < GEN_MAXOUT; i++) {
        b[2 * i] = digits[q[i] >> 4];
        b[2 * i + 1] = digits[q[i] & 15u];
    }
    b[2 * i] = 0;
    out(b);
}

__attribute__((noinline)) void marker_start(void) { __asm__ volatile("nop"); }
__attribute__((noinline)) void marker_end(void) { __asm__ volatile("nop"); }

static struct gen_net net;
static int8_t buf_a[GEN_MAXW + 4], buf_b[GEN_MAXW + 4];
static uint32_t data_probe = 0x5eed1234u; /* initialised data: proves .data is loaded */

/* SysTick ticks across one imu_nn_run between the markers. */
static uint32_t ticks_run(const struct imu_nn_model *m, int8_t **y)
{
    uint32_t v0 = SYST_CVR;
    marker_start();
    __asm__ volatile("" ::: "memory");
    *y = imu_nn_run(m, buf_a, buf_b);
    __asm__ volatile("" ::: "memory");
    marker_end();
    uint32_t v1 = SYST_CVR;
    return (v0 - v1) & 0xffffffu;
}

/* The same with nothing between the markers (subtracted). */
static uint32_t ticks_empty(void)
{
    uint32_t v0 = SYST_CVR;
    __asm__ volatile("" ::: "memory");
    marker_end();
    uint32_t v1 = SYST_CVR;
    return (v0 - v1) & 0xffffffu;
}

static int bytes_equal(const int8_t *a, const int8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* One network: checksum, every layer's output, the timed whole run. */
static int bench_network(int s, uint32_t base)
{
    gen_network(&net, s, 0x9e3779b9u * (uint32_t)(s + 1));
    const unsigned n_in = IMU_NN_PAD4(net.model.n_in);
    int ok = 1;
    const int8_t *x = net.input;
    for (int k = 0; k < net.n_layers; k++) {
        const struct imu_nn_layer *l = &net.layers[k];
        for (unsigned i = 0; i < IMU_NN_PAD4(l->n_in); i++) buf_a[i] = x[i];
        imu_nn_dense(l, buf_a, buf_b);
        ok &= bytes_equal(buf_b, net.ref_out[k], l->n_out);
        out("out "); outu((uint32_t)s); out(" "); outu((uint32_t)k); out(" ");
        outhex(buf_b, l->n_out);
        out("\n");
        x = net.ref_out[k];
    }
    int8_t *y;
    for (int rep = 0; rep < 2; rep++) { /* a warm-up, then the timed run (same figure: no caches) */
        for (unsigned i = 0; i < n_in; i++) buf_a[i] = net.input[i];
        uint32_t t = ticks_run(&net.model, &y) - base;
        if (rep == 1) {
            ok &= bytes_equal(y, net.ref_out[net.n_layers - 1], net.model.n_out);
            out("net "); outu((uint32_t)s);
            out(" checksum ");
            uint32_t c = gen_checksum(&net);
            uint8_t be[4] = { (uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c };
            outhex(be, 4);
            out(" macs "); outu(net.macs);
            out(" insn "); outu((t * 1000u + 84u) / 168u);
            out(" clamped "); outu(net.clamped);
            out(" outputs "); outu(net.outputs);
            out(" ok "); outu((uint32_t)ok);
            out("\n");
        }
    }
    return ok;
}

void Reset_Handler(void)
{
    for (uint32_t *s = &_sidata, *d = &_sdata; d < &_edata;) *d++ = *s++;
    for (uint32_t *d = &_sbss; d < &_ebss;) *d++ = 0;
    CPACR |= 0xFu << 20; /* FPU on (the image is built hard-float) */
    __asm__ volatile("dsb\n isb");
    SYST_RVR = 0xffffffu;
    SYST_CVR = 0;
    SYST_CSR = 5; /* processor clock, no interrupt, enabled */
    int bad = data_probe != 0x5eed1234u;
    if (bad) out("initialised data not loaded\n");
    uint32_t base = ticks_empty();
    for (int s = 0; s < 4; s++) bad |= !bench_network(s, base);
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
