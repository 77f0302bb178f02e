/* SPDX-License-Identifier: MIT */
/* test_nn -- the int8 kernel (portable/nn.c, both the plain C path and the SMLAD-style path with
 * the instructions modelled in C) bit for bit against an independent straightforward reference
 * of the TFLite int8 arithmetic, on random layers of many shapes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn.h"

/* the same kernel compiled with IMU_NN_EMULATE_DSP (nn_dsp.c) under other names */
void imu_nn_dense_dsp(const struct imu_nn_layer *l, const int8_t *in, int8_t *out);

static uint64_t rs = 12345;
static uint32_t rnd(void)
{
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return (uint32_t)(rs >> 11);
}

/* Reference: gemmlowp/TFLite definitions written out with 64-bit arithmetic. */
static int32_t ref_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
    int64_t q = (ab + nudge) / (INT64_C(1) << 31); /* C division truncates toward zero */
    return (int32_t)q;
}
static int32_t ref_rdbpot(int32_t x, int e)
{
    if (e == 0) return x;
    int64_t mask = (INT64_C(1) << e) - 1, rem = (int64_t)x & mask;
    int64_t th = (mask >> 1) + (x < 0);
    return (int32_t)(((int64_t)x >> e) + (rem > th));
}
static int32_t ref_mbqm(int32_t x, int32_t m, int shift)
{
    if (shift > 0) {
        int64_t v = (int64_t)x * (INT64_C(1) << shift);
        if (v > INT32_MAX) v = INT32_MAX;
        if (v < INT32_MIN) v = INT32_MIN;
        return ref_srdhm((int32_t)v, m);
    }
    return ref_rdbpot(ref_srdhm(x, m), -shift);
}

static void ref_dense(int ni, int no, const int8_t *w /* [no][ni] */, const int32_t *bias, int zp_in,
                      const int32_t *mult, const int8_t *shift, int zp_out, int amin, int amax,
                      const int8_t *in, int8_t *out)
{
    for (int o = 0; o < no; o++) {
        int64_t acc = bias[o];
        for (int i = 0; i < ni; i++) acc += (int64_t)(in[i] - zp_in) * w[o * ni + i];
        int32_t y = zp_out + ref_mbqm((int32_t)acc, mult[o], shift[o]);
        out[o] = (int8_t)(y < amin ? amin : y > amax ? amax : y);
    }
}

static unsigned low_saturated; /* outputs at -128 in layers without ReLU (the clamp was reached) */

static void one(int ni, int no, int trial)
{
    const int np = (int)IMU_NN_PAD4((unsigned)ni);
    int8_t *w = malloc((size_t)ni * no), *wb = calloc((size_t)np * no, 1);
    int32_t *bias = malloc(sizeof(int32_t) * no), *bf = malloc(sizeof(int32_t) * no), *mult = malloc(sizeof(int32_t) * no);
    int8_t *shift = malloc((size_t)no), *in = malloc((size_t)np), *o1 = malloc((size_t)no), *o2 = malloc((size_t)no), *o3 = malloc((size_t)no);
    int zp_in = (int)(rnd() % 256) - 128, zp_out = (int)(rnd() % 256) - 128;
    int extreme = trial % 7 == 0;
    for (int k = 0; k < ni * no; k++) w[k] = extreme ? (rnd() & 1 ? 127 : -127) : (int8_t)((int)(rnd() % 255) - 127);
    for (int i = 0; i < np; i++) in[i] = (int8_t)(rnd() & 0xff); /* padding bytes hold junk too */
    if (extreme) for (int i = 0; i < ni; i++) in[i] = rnd() & 1 ? 127 : -128;
    for (int o = 0; o < no; o++) {
        bias[o] = (int32_t)(rnd() % 200001) - 100000;
        int32_t s = 0;
        for (int i = 0; i < ni; i++) s += w[o * ni + i];
        bf[o] = bias[o] - zp_in * s;
        mult[o] = (int32_t)((1u << 30) + rnd() % (1u << 30));
        if (trial % 11 == 0 && o == 0) mult[o] = INT32_MAX;
        shift[o] = (int8_t)((int)(rnd() % 20) - 17); /* -17..2 */
    }
    /* blocked layout */
    int8_t *d = wb;
    for (int b = 0; b < no / 4; b++)
        for (int g = 0; g < np / 4; g++)
            for (int r = 0; r < 4; r++)
                for (int j = 0; j < 4; j++) *d++ = 4 * g + j < ni ? w[(4 * b + r) * ni + 4 * g + j] : 0;
    for (int o = no / 4 * 4; o < no; o++)
        for (int i = 0; i < np; i++) *d++ = i < ni ? w[o * ni + i] : 0;
    int relu = trial & 1;
    struct imu_nn_layer l = {(uint16_t)ni, (uint16_t)no, wb, bf, mult, shift, (int16_t)zp_out,
                             (int16_t)(relu ? zp_out : -128), 127};
    ref_dense(ni, no, w, bias, zp_in, mult, shift, zp_out, relu ? zp_out : -128, 127, in, o1);
    imu_nn_dense(&l, in, o2);
    imu_nn_dense_dsp(&l, in, o3);
    CHECK_MSG(!memcmp(o1, o2, (size_t)no) && !memcmp(o1, o3, (size_t)no), "%dx%d trial %d", ni, no, trial);
    for (int o = 0; o < no && !relu; o++)
        low_saturated += o2[o] == -128;
    free(w); free(wb); free(bias); free(bf); free(mult); free(shift); free(in); free(o1); free(o2); free(o3);
}

int main(void)
{
    /* requantization corner cases */
    const int32_t xs[] = {0, 1, -1, 2, -2, 3, -3, 1000, -1000, 12345678, -12345678, INT32_MAX, INT32_MIN, 1 << 30, -(1 << 30)};
    const int32_t ms[] = {1 << 30, (1 << 30) + 1, INT32_MAX, 1518500250, 1073741824 + 12345};
    for (unsigned a = 0; a < sizeof xs / sizeof xs[0]; a++)
        for (unsigned b = 0; b < sizeof ms / sizeof ms[0]; b++)
            for (int s = -31; s <= 3; s++)
                CHECK_MSG(imu_nn_mbqm(xs[a], ms[b], s) == ref_mbqm(xs[a], ms[b], s), "mbqm(%d, %d, %d)", xs[a], ms[b], s);
    /* TFLite examples: round half away from zero in RoundingDivideByPOT */
    CHECK(ref_rdbpot(5, 1) == 3 && ref_rdbpot(-5, 1) == -3 && ref_rdbpot(4, 1) == 2 && ref_rdbpot(-6, 2) == -2);
    int trial = 0;
    const int shapes[][2] = {{6, 16}, {16, 4}, {33, 20}, {20, 10}, {10, 4}, {150, 32}, {32, 16}, {16, 4},
                             {300, 64}, {64, 32}, {32, 8}, {1, 1}, {3, 5}, {7, 2}, {60, 20}, {5, 9}};
    for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 20; t++) one(shapes[s][0], shapes[s][1], trial++);
    for (int t = 0; t < 300; t++) one(1 + (int)(rnd() % 80), 1 + (int)(rnd() % 40), trial++);
    /* the int8 range is [-128, 127]: the random layers above reached the lower clamp */
    CHECK_MSG(low_saturated > 0, "no output reached -128: the saturation was never tested");
    {
        /* a layer driven far below its range saturates at exactly -128 (act_min), far above at 127 */
        static const int8_t w[4] = {127, 127, 127, 127};
        static const int32_t bias_lo[1] = {-1000000}, bias_hi[1] = {1000000}, mult[1] = {1 << 30};
        static const int8_t shift[1] = {0};
        const int8_t in[4] = {100, 100, 100, 100};
        int8_t y = 0;
        struct imu_nn_layer l = {4, 1, w, bias_lo, mult, shift, 0, -128, 127};
        imu_nn_dense(&l, in, &y);
        CHECK_EQ(y, -128);
        imu_nn_dense_dsp(&l, in, &y);
        CHECK_EQ(y, -128);
        l.bias = bias_hi;
        imu_nn_dense(&l, in, &y);
        CHECK_EQ(y, 127);
    }
    /* input quantization: round half away from zero, saturate to [-128, 127], NaN to the zero point */
    float mul[8] = {1, 1, 1, 1, 1, 1, 1, 1}, add[8] = {0.5f, -0.5f, 0, 0, 0, 0, 0, 0};
    struct imu_nn_model m = {0};
    m.n_in = 8;
    m.in_mul = mul;
    m.in_add = add;
    m.in_zp = -7;
    float f[8] = {1.0f, 1.0f, 300.0f, -2.5f, -300.0f, -127.5f, -127.49f, NAN};
    const int8_t want[8] = {2, 1, 127, -3, -128, -128, -127, -7};
    int8_t q[8];
    imu_nn_quantize_input(&m, f, q);
    for (int i = 0; i < 8; i++)
        CHECK_MSG(q[i] == want[i], "quantize_input(%g) = %d, want %d", f[i], q[i], want[i]);
    f[0] = -128.0f;
    f[1] = 126.5f;
    add[0] = add[1] = 0;
    imu_nn_quantize_input(&m, f, q);
    CHECK_EQ(q[0], -128);
    CHECK_EQ(q[1], 127);
    CHECK(imu_nn_argmax((const int8_t[]){-128, -128, -127}, 3) == 2);
    CHECK(imu_nn_argmax((const int8_t[]){5, 5, 1}, 3) == 0);
    printf("test_nn: %d layers compared, %u outputs at -128\n", trial, low_saturated);
    return check_report("test_nn");
}
