/* SPDX-License-Identifier: MIT */
/* Bare-metal harness for bench/trainer/icount/run.sh: one window through features + int8 inference
 * between two marker functions, then the same twice more with each part alone (features, then
 * quantization + inference) for the per-part figures. memset is ours (no libc). */
#include <stdint.h>
#include "model.h"
extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
static float work[IMU_MODEL_FEAT_WORK_LEN], feat[IMU_MODEL_N_FEATURES];
static int8_t a[IMU_MODEL_NN_BUF_LEN], b[IMU_MODEL_NN_BUF_LEN];
static int16_t win[IMU_MODEL_WINDOW_LEN * IMU_MODEL_N_AXES];
volatile int result;
__attribute__((noinline)) void marker_start(void) { __asm__ volatile("nop"); }
__attribute__((noinline)) void marker_end(void) { __asm__ volatile("nop"); }
void Reset_Handler(void)
{
    for (uint32_t *s = &_sidata, *d = &_sdata; d < &_edata;) *d++ = *s++; /* initialised data */
    for (uint32_t *d = &_sbss; d < &_ebss;) *d++ = 0;
    /* enable the FPU */
    *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20);
    __asm__ volatile("dsb; isb");
    for (int i = 0; i < IMU_MODEL_WINDOW_LEN * IMU_MODEL_N_AXES; i++) win[i] = (int16_t)((i * 7919) % 20000 - 10000);
    marker_start();
    imu_features(&imu_model_features, win, imu_model_input_scale, work, feat);
    imu_nn_quantize_input(&imu_model_nn, feat, a);
    int8_t *y = imu_nn_run(&imu_model_nn, a, b);
    result = imu_nn_argmax(y, IMU_MODEL_N_CLASSES);
    marker_end();
    marker_start();
    imu_features(&imu_model_features, win, imu_model_input_scale, work, feat);
    marker_end();
    marker_start();
    imu_nn_quantize_input(&imu_model_nn, feat, a);
    y = imu_nn_run(&imu_model_nn, a, b);
    result = imu_nn_argmax(y, IMU_MODEL_N_CLASSES);
    marker_end();
    for (;;) __asm__ volatile("wfi");
}
__attribute__((section(".isr_vector"), used)) const void *vectors[2] = {&_estack, (void *)Reset_Handler};

void *memset(void *d, int c, unsigned n) { char *p = d; while (n--) *p++ = (char)c; return d; }
