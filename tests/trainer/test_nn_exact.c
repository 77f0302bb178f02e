/* SPDX-License-Identifier: MIT */
/* test_nn_exact -- the int8 kernel's inlined requantization and its weight-loading paths, bit for
 * bit against a straightforward 64-bit reference of the TFLite arithmetic (written out again here),
 * for the plain C build, the SMLAD-style build (the Cortex-M4 loop with the instructions modelled
 * in C, nn_dsp.c) and the same as the firmware's size build selects it (nn_small.c):
 *   - 4,000 layers of 64 outputs whose accumulators are set through the bias: near-ties of both
 *     rounding steps, saturating left shifts, shifts 0 and -31, INT32_MIN/INT32_MAX accumulators
 *     and multipliers, outputs at the clamp;
 *   - random layers with the weights word-aligned (whole blocks per load) and at an odd address
 *     (row by row).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

void imu_nn_dense_dsp(const struct imu_nn_layer *l, const int8_t *in, int8_t *out);
void imu_nn_dense_small(const struct imu_nn_layer *l, const int8_t *in, int8_t *out); /* nn_small.c */

static uint64_t rs = 987654321;
static uint32_t rnd(void)
{
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return (uint32_t)(rs >> 11);
}

static int fails;

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

/* Requantization through the whole layer: a 1-input layer whose weights are 0 makes acc = bias, so
 * every output exercises one (acc, mult, shift) triple: near-ties of both rounding steps, the
 * saturating left shift, shifts 0 and -31, INT32_MIN/INT32_MAX accumulators and multipliers, and
 * the final clamp. Compared with the reference for the plain C and the SMLAD-style builds. */
static void requant_cases(void)
{
    enum { N = 64 };
    int8_t w[IMU_NN_PAD4(1) * N] = {0}, in[4] = {5, 0, 0, 0}, o1[N], o2[N], o3[N], o4[N];
    int32_t bias[N], mult[N];
    int8_t shift[N];
    const int32_t extreme_acc[] = {INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30, -(1 << 30), 0, 1, -1};
    const int32_t extreme_mult[] = {INT32_MAX, 1 << 30, INT32_MIN, 0, 1, -1, -(1 << 30), 1518500250};
    for (int round = 0; round < 4000; round++) {
        for (int j = 0; j < N; j++) {
            int kind = (int)(rnd() % 4);
            int32_t m = (int32_t)((1u << 30) + rnd() % (1u << 30));
            int s = -(int)(rnd() % 32); /* 0..-31 */
            int64_t x;
            if (kind == 0) { /* near-tie of RoundingDivideByPOT: x * m / 2^31 close to (k + 1/2) 2^e */
                int e = -s;
                int64_t k = (int64_t)(rnd() % 200) - 100;
                double target = ((double)k + 0.5) * (double)(INT64_C(1) << e) * 2147483648.0 / (double)m;
                x = (int64_t)target + (int64_t)(rnd() % 5) - 2;
            } else if (kind == 1) { /* near-tie of the doubling high multiply: x * m close to (k + 1/2) 2^31 */
                s = 0;
                int64_t k = (int64_t)(rnd() % 200) - 100;
                x = (int64_t)(((double)k + 0.5) * 2147483648.0 / (double)m) + (int64_t)(rnd() % 5) - 2;
            } else if (kind == 2) { /* extremes, positive shifts (saturating), odd multipliers */
                x = extreme_acc[rnd() % 8];
                m = extreme_mult[rnd() % 8];
                s = (int)(rnd() % 72) - 40; /* -40..31: past the TFLite range too */
            } else { /* anything, outputs mostly at the clamp */
                x = (int32_t)rnd() ^ (int32_t)(rnd() << 16);
                s = (int)(rnd() % 36) - 31; /* the TFLite range used: -31..4 */
            }
            if (x > INT32_MAX) x = INT32_MAX;
            if (x < INT32_MIN) x = INT32_MIN;
            bias[j] = (int32_t)x;
            mult[j] = m;
            shift[j] = (int8_t)s;
        }
        /* zp 0 whenever an extreme could push zp + q past int32 (undefined in the reference too) */
        int zp = round % 3 == 0 ? 0 : (int)(rnd() % 21) - 10, relu = round & 1;
        int32_t big = 0;
        for (int j = 0; j < N; j++) big |= bias[j] == INT32_MAX || bias[j] == INT32_MIN || bias[j] == INT32_MIN + 1;
        if (big) zp = 0;
        struct imu_nn_layer l = {1, N, w, bias, mult, shift, (int16_t)zp, (int16_t)(relu ? zp : -128), 127};
        int8_t wz[N] = {0};
        ref_dense(1, N, wz, bias, 0, mult, shift, zp, relu ? zp : -128, 127, in, o1);
        imu_nn_dense(&l, in, o2);
        imu_nn_dense_dsp(&l, in, o3);
        imu_nn_dense_small(&l, in, o4);
        for (int j = 0; j < N; j++)
            if (o1[j] != o2[j] || o1[j] != o3[j] || o1[j] != o4[j]) {
                fprintf(stderr, "FAIL requant acc %d mult %d shift %d zp %d: ref %d, kernel %d / %d / %d\n", bias[j],
                        mult[j], shift[j], zp, o1[j], o2[j], o3[j], o4[j]);
                fails++;
            }
    }
}

/* A random layer in the blocked layout, run with its weights aligned and at an odd address. */
static void aligned_and_odd(int ni, int no)
{
    const int np = (int)IMU_NN_PAD4((unsigned)ni);
    int8_t *w = malloc((size_t)ni * no), *mem = malloc((size_t)np * no + 8);
    int32_t *bias = malloc(sizeof(int32_t) * no), *mult = malloc(sizeof(int32_t) * no);
    int8_t *shift = malloc((size_t)no), *in = malloc((size_t)np), *o1 = malloc((size_t)no), *o2 = malloc((size_t)no),
           *o3 = malloc((size_t)no);
    for (int k = 0; k < ni * no; k++) w[k] = (int8_t)((int)(rnd() % 255) - 127);
    for (int i = 0; i < np; i++) in[i] = (int8_t)(rnd() & 0xff);
    for (int o = 0; o < no; o++) {
        bias[o] = (int32_t)(rnd() % 200001) - 100000;
        mult[o] = (int32_t)((1u << 30) + rnd() % (1u << 30));
        shift[o] = (int8_t)((int)(rnd() % 20) - 17);
    }
    ref_dense(ni, no, w, bias, 0, mult, shift, 3, 3, 127, in, o1);
    for (int off = 0; off < 4; off++) { /* malloc is 8-aligned: offset 0 aligned, 1..3 not */
        int8_t *d = mem + off;
        for (int b = 0; b < no / 4; b++)
            for (int g = 0; g < np / 4; g++)
                for (int r = 0; r < 4; r++)
                    for (int j = 0; j < 4; j++) *d++ = 4 * g + j < ni ? w[(4 * b + r) * ni + 4 * g + j] : 0;
        for (int o = no / 4 * 4; o < no; o++)
            for (int i = 0; i < np; i++) *d++ = i < ni ? w[o * ni + i] : 0;
        struct imu_nn_layer l = {(uint16_t)ni, (uint16_t)no, mem + off, bias, mult, shift, 3, 3, 127};
        memset(o2, 0x55, (size_t)no);
        memset(o3, 0x55, (size_t)no);
        imu_nn_dense(&l, in, o2);
        imu_nn_dense_dsp(&l, in, o3);
        int bad = memcmp(o1, o2, (size_t)no) || memcmp(o1, o3, (size_t)no);
        memset(o2, 0x55, (size_t)no);
        imu_nn_dense_small(&l, in, o2);
        if (bad || memcmp(o1, o2, (size_t)no)) {
            fprintf(stderr, "FAIL %dx%d, weights at offset %d\n", ni, no, off);
            fails++;
        }
    }
    free(w); free(mem); free(bias); free(mult); free(shift); free(in); free(o1); free(o2); free(o3);
}

int main(void)
{
    requant_cases();
    int layers = 0;
    const int shapes[][2] = {{6, 16}, {33, 20}, {150, 32}, {300, 64}, {64, 32}, {32, 8}, {1, 1}, {7, 5}, {60, 20}};
    for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++, layers++) aligned_and_odd(shapes[s][0], shapes[s][1]);
    for (int t = 0; t < 200; t++, layers++) aligned_and_odd(1 + (int)(rnd() % 80), 1 + (int)(rnd() % 40));
    printf("test_nn_exact: 256000 requantizations, %d layers at 4 weight offsets, %d failures\n", layers, fails);
    return fails ? 1 : 0;
}
