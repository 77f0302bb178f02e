/* test_nn -- the int8 kernel (portable/nn.c, both the plain C path and the SMLAD-style path with
 * the instructions modelled in C) bit for bit against an independent straightforward reference
 * of the TFLite int8 arithmetic, on random layers of many shapes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int fails;

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
    if (memcmp(o1, o2, (size_t)no) || memcmp(o1, o3, (size_t)no)) {
        fprintf(stderr, "FAIL %dx%d trial %d\n", ni, no, trial);
        fails++;
    }
    /* weights at an odd address: the kernel cannot use word loads of whole blocks (LDM) there */
    int8_t *odd = malloc((size_t)np * no + 4);
    memcpy(odd + 1, wb, (size_t)np * no);
    l.w = odd + 1;
    memset(o2, 0x55, (size_t)no);
    memset(o3, 0x55, (size_t)no);
    imu_nn_dense(&l, in, o2);
    imu_nn_dense_dsp(&l, in, o3);
    if (memcmp(o1, o2, (size_t)no) || memcmp(o1, o3, (size_t)no)) {
        fprintf(stderr, "FAIL %dx%d trial %d, weights not word-aligned\n", ni, no, trial);
        fails++;
    }
    free(odd);
    free(w); free(wb); free(bias); free(bf); free(mult); free(shift); free(in); free(o1); free(o2); free(o3);
}

/* Requantization through the whole layer: a 1-input layer whose weights are 0 makes acc = bias, so
 * every output exercises one (acc, mult, shift) triple: near-ties of both rounding steps, the
 * saturating left shift, shifts 0 and -31, INT32_MIN/INT32_MAX accumulators and multipliers, and
 * the final clamp. Compared with the reference for the plain C and the SMLAD-style builds. */
static void requant_cases(void)
{
    enum { N = 64 };
    int8_t w[IMU_NN_PAD4(1) * N] = {0}, in[4] = {5, 0, 0, 0}, o1[N], o2[N], o3[N];
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
                s = (int)(rnd() % 36) - 31; /* -31..4 */
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
        for (int j = 0; j < N; j++)
            if (o1[j] != o2[j] || o1[j] != o3[j]) {
                fprintf(stderr, "FAIL requant acc %d mult %d shift %d zp %d: ref %d, kernel %d / %d\n", bias[j],
                        mult[j], shift[j], zp, o1[j], o2[j], o3[j]);
                fails++;
            }
    }
}

int main(void)
{
    /* requantization corner cases */
    const int32_t xs[] = {0, 1, -1, 2, -2, 3, -3, 1000, -1000, 12345678, -12345678, INT32_MAX, INT32_MIN, 1 << 30, -(1 << 30)};
    const int32_t ms[] = {1 << 30, (1 << 30) + 1, INT32_MAX, 1518500250, 1073741824 + 12345};
    for (unsigned a = 0; a < sizeof xs / sizeof xs[0]; a++)
        for (unsigned b = 0; b < sizeof ms / sizeof ms[0]; b++)
            for (int s = -31; s <= 3; s++)
                if (imu_nn_mbqm(xs[a], ms[b], s) != ref_mbqm(xs[a], ms[b], s)) {
                    fprintf(stderr, "FAIL mbqm(%d, %d, %d)\n", xs[a], ms[b], s);
                    fails++;
                }
    /* TFLite examples: round half away from zero in RoundingDivideByPOT */
    if (ref_rdbpot(5, 1) != 3 || ref_rdbpot(-5, 1) != -3 || ref_rdbpot(4, 1) != 2 || ref_rdbpot(-6, 2) != -2) {
        fprintf(stderr, "FAIL reference rounding\n");
        fails++;
    }
    requant_cases();
    int trial = 0;
    const int shapes[][2] = {{6, 16}, {16, 4}, {33, 20}, {20, 10}, {10, 4}, {150, 32}, {32, 16}, {16, 4},
                             {300, 64}, {64, 32}, {32, 8}, {1, 1}, {3, 5}, {7, 2}, {60, 20}, {5, 9}};
    for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 20; t++) one(shapes[s][0], shapes[s][1], trial++);
    for (int t = 0; t < 300; t++) one(1 + (int)(rnd() % 80), 1 + (int)(rnd() % 40), trial++);
    /* input quantization rounding */
    float mul[4] = {1, 1, 1, 1}, add[4] = {0.5f, -0.5f, 0, 0};
    struct imu_nn_model m = {0};
    m.n_in = 4;
    m.in_mul = mul;
    m.in_add = add;
    float f[4] = {1.0f, 1.0f, 300.0f, -2.5f};
    int8_t q[4];
    imu_nn_quantize_input(&m, f, q);
    if (q[0] != 2 || q[1] != 1 || q[2] != 127 || q[3] != -3) {
        fprintf(stderr, "FAIL quantize_input %d %d %d %d\n", q[0], q[1], q[2], q[3]);
        fails++;
    }
    printf("test_nn: %d layers and 256000 requantizations compared, %d failures\n", trial, fails);
    return fails ? 1 : 0;
}
