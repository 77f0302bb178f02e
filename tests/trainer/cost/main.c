/* SPDX-License-Identifier: MIT */
/* tests/trainer/cost/main.c -- instructions of one window (features, input quantization, int8
 * network) of an exported model on the emulated Cortex-M4, for checking the trainer's cost model
 * (trainer/cost.c) against the board: QEMU netduinoplus2 with -icount shift=0, where SysTick on the
 * processor clock counts 0.168 ticks per instruction (docs/classifier.md). The window is
 * pseudo-random and its checksum is printed, so the input provably reaches the code. Compiled as
 * the classifier firmware compiles these files (-Os, hosted, -ffp-contract=off). Prints
 * "features N\nnetwork N\nresample N\ntotal N\n" through semihosting and exits (resample: gesture
 * mode, a full gesture buffer resampled to the model's points; 0 in continuous mode). */
#include <stdint.h>
#include "model.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

extern uint32_t _estack;
static float work[IMU_MODEL_FEAT_WORK_LEN], feat[IMU_MODEL_N_FEATURES];
static int8_t buf_a[IMU_MODEL_NN_BUF_LEN], buf_b[IMU_MODEL_NN_BUF_LEN];
static int16_t win[IMU_MODEL_WINDOW_LEN * IMU_MODEL_N_AXES];
#if defined(IMU_MODEL_MODE_GESTURE) && IMU_MODEL_MODE_GESTURE
#include "segment.h"
static int16_t gstore[IMU_MODEL_GESTURE_BUF * IMU_MODEL_N_AXES];
#endif
volatile int result;

static int semi(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
static void out(const char *s) { semi(0x04, s); }
static void outu(uint32_t v)
{
    char b[12];
    int i = 11;
    b[i] = 0;
    do { b[--i] = (char)('0' + v % 10u); v /= 10u; } while (v);
    out(b + i);
}
static uint32_t now(void) { return SYST_CVR; }
static uint32_t insn(uint32_t t0, uint32_t t1, uint32_t base)
{
    uint32_t t = ((t0 - t1) & 0xffffffu) - base;
    return (t * 1000u + 84u) / 168u;
}

void Reset_Handler(void)
{
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n isb");
    SYST_RVR = 0xffffffu;
    SYST_CVR = 0;
    SYST_CSR = 5;
    uint32_t rng = 0x2545f491u, sum = 0;
    for (int i = 0; i < IMU_MODEL_WINDOW_LEN * IMU_MODEL_N_AXES; i++) {
        rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
        win[i] = (int16_t)(rng % 16001u) - 8000;
        sum += (uint16_t)win[i];
    }
    uint32_t e0 = now();
    __asm__ volatile("" ::: "memory");
    uint32_t e1 = now();
    uint32_t base = (e0 - e1) & 0xffffffu;
    uint32_t resample = 0;
#if defined(IMU_MODEL_MODE_GESTURE) && IMU_MODEL_MODE_GESTURE
    /* gesture mode: a full gesture buffer resampled to the model's points */
    for (int i = 0; i < IMU_MODEL_GESTURE_BUF * IMU_MODEL_N_AXES; i++) gstore[i] = win[i % (IMU_MODEL_WINDOW_LEN * IMU_MODEL_N_AXES)];
    uint32_t r0 = now();
    __asm__ volatile("" ::: "memory");
    imu_resample_i16(gstore, IMU_MODEL_GESTURE_BUF, IMU_MODEL_N_AXES, win, IMU_MODEL_WINDOW_LEN);
    __asm__ volatile("" ::: "memory");
    uint32_t r1 = now();
    resample = insn(r0, r1, base);
#endif
    uint32_t t0 = now();
    __asm__ volatile("" ::: "memory");
    imu_features(&imu_model_features, win, imu_model_input_scale, work, feat);
    __asm__ volatile("" ::: "memory");
    uint32_t t1 = now();
    __asm__ volatile("" ::: "memory");
    imu_nn_quantize_input(&imu_model_nn, feat, buf_a);
    int8_t *y = imu_nn_run(&imu_model_nn, buf_a, buf_b);
    result = imu_nn_argmax(y, IMU_MODEL_N_CLASSES);
    __asm__ volatile("" ::: "memory");
    uint32_t t2 = now();
    out("checksum "); outu(sum);
    out("\nfeatures "); outu(insn(t0, t1, base));
    out("\nnetwork "); outu(insn(t1, t2, base));
    out("\nresample "); outu(resample);
    out("\ntotal "); outu(insn(t0, t2, base) + resample);
    out("\n");
    semi(0x18, (const void *)(uintptr_t)0x20026u); /* SYS_EXIT, normal */
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
