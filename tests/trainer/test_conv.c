/* SPDX-License-Identifier: MIT */
/* test_conv -- the int8 conv front end (portable/conv.c through imu_nn_quantize_input and
 * imu_nn_run) bit for bit against an independent reference written with int64 sums, explicit
 * zero-point padding and double-precision rounding, on random nets of many shapes: conv with
 * stride 1..3, "same" and "valid" padding, max / average pooling, global average pooling, then a
 * dense layer; buffers filled with junk first. Also imu_conv_check on broken shapes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conv.h"
#include "nn.h"

static uint64_t rs = 987654321;
static uint32_t rnd(void)
{
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return (uint32_t)(rs >> 11);
}

/* TFLite's MultiplyByQuantizedMultiplier written out in 64 bits (as test_nn's reference). */
static int32_t ref_mbqm(int32_t x, int32_t m, int shift)
{
    int64_t v = x;
    if (shift > 0) {
        v *= INT64_C(1) << shift;
        v = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
    }
    int64_t ab = v * m, nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
    int64_t q = (ab + nudge) / (INT64_C(1) << 31);
    if (v == INT32_MIN && m == INT32_MIN) q = INT32_MAX;
    int e = shift > 0 ? 0 : -shift;
    if (e == 0) return (int32_t)q;
    int64_t mask = (INT64_C(1) << e) - 1, rem = q & mask, th = (mask >> 1) + (q < 0);
    return (int32_t)((q >> e) + (rem > th));
}

/* A layer's weights in nn.h's blocked layout from row-major w[no][ni]. */
static int8_t *block(const int8_t *w, int ni, int no)
{
    const int np = (int)IMU_NN_PAD4((unsigned)ni), nblk = no / 4;
    int8_t *d = calloc((size_t)np * no + 4, 1), *p = d;
    for (int b = 0; b < nblk; b++)
        for (int g = 0; g < np / 4; g++)
            for (int r = 0; r < 4; r++)
                for (int j = 0; j < 4; j++) *p++ = 4 * g + j < ni ? w[(4 * b + r) * ni + 4 * g + j] : 0;
    for (int o = nblk * 4; o < no; o++)
        for (int i = 0; i < np; i++) *p++ = i < ni ? w[o * ni + i] : 0;
    return d;
}

struct rlayer { /* one layer's random int8 parameters, row-major and in the kernel's form */
    int ni, no, zp_in, zp_out, relu;
    int8_t *w, *wb, *shift;
    int32_t *bias, *bf, *mult;
};

static void rlayer_make(struct rlayer *L, int ni, int no, int zp_in, int relu)
{
    L->ni = ni; L->no = no; L->zp_in = zp_in; L->relu = relu;
    L->zp_out = (int)(rnd() % 256) - 128;
    L->w = malloc((size_t)ni * no);
    L->shift = malloc((size_t)no);
    L->bias = malloc(sizeof(int32_t) * no);
    L->bf = malloc(sizeof(int32_t) * no);
    L->mult = malloc(sizeof(int32_t) * no);
    for (int k = 0; k < ni * no; k++) L->w[k] = (int8_t)((int)(rnd() % 255) - 127);
    for (int o = 0; o < no; o++) {
        L->bias[o] = (int32_t)(rnd() % 40001) - 20000;
        int32_t s = 0;
        for (int i = 0; i < ni; i++) s += L->w[o * ni + i];
        L->bf[o] = L->bias[o] - zp_in * s;
        L->mult[o] = (int32_t)((1u << 30) + rnd() % (1u << 30));
        L->shift[o] = (int8_t)(-6 - (int)(rnd() % 8)); /* outputs spread over the int8 range */
    }
    L->wb = block(L->w, ni, no);
}

static void rlayer_free(struct rlayer *L)
{
    free(L->w); free(L->wb); free(L->shift); free(L->bias); free(L->bf); free(L->mult);
}

static struct imu_nn_layer kernel_layer(const struct rlayer *L)
{
    struct imu_nn_layer l = { (uint16_t)L->ni, (uint16_t)L->no, L->wb, L->bf, L->mult, L->shift,
                              (int16_t)L->zp_out, (int16_t)(L->relu ? L->zp_out : -128), 127 };
    return l;
}

static int8_t ref_out(const struct rlayer *L, int o, int64_t acc)
{
    int32_t y = L->zp_out + ref_mbqm((int32_t)acc, L->mult[o], L->shift[o]);
    int lo = L->relu ? L->zp_out : -128;
    return (int8_t)(y < lo ? lo : y > 127 ? 127 : y);
}

/* Reference tensors: x[t * ch + c] as ints. */
static int ref_conv(const struct rlayer *L, int k, int stride, int pad, int len_out, const int *x, int len, int ch,
                    int *y)
{
    for (int t = 0; t < len_out; t++)
        for (int o = 0; o < L->no; o++) {
            int64_t acc = L->bias[o];
            for (int j = 0; j < k; j++) {
                int ti = t * stride + j - pad;
                for (int c = 0; c < ch; c++) {
                    int v = ti >= 0 && ti < len ? x[ti * ch + c] : L->zp_in;
                    acc += (int64_t)(v - L->zp_in) * L->w[o * (k * ch) + j * ch + c];
                }
            }
            y[t * L->no + o] = ref_out(L, o, acc);
        }
    return len_out;
}

static int ref_pool(int kind, int k, int stride, const int *x, int len, int ch, int *y)
{
    int len_out = (len - k) / stride + 1;
    for (int t = 0; t < len_out; t++)
        for (int c = 0; c < ch; c++) {
            long s = 0, mx = -1000;
            for (int j = 0; j < k; j++) {
                int v = x[(t * stride + j) * ch + c];
                s += v;
                if (v > mx) mx = v;
            }
            double a = (double)s / k;
            y[t * ch + c] = kind == IMU_CONV_MAXPOOL ? (int)mx : (int)(a >= 0 ? floor(a + 0.5) : -floor(-a + 0.5));
        }
    return len_out;
}

static int n_cases, n_same, n_stride, n_avg, n_gap, n_blocks;

/* One random net: conv [pool] conv [GAP or pool] dense. */
static void one(int trial)
{
    const int ch = 1 + (int)(rnd() % 6), len = 8 + (int)(rnd() % 57);
    float in_mul[8], in_add[8];
    int in_zp = (int)(rnd() % 256) - 128;
    for (int c = 0; c < ch; c++) { in_mul[c] = 10.0f + (float)(rnd() % 400) / 10.0f; in_add[c] = (float)in_zp; }
    struct imu_conv_op ops[IMU_CONV_MAX_OPS];
    struct rlayer rl[3];
    int n_ops = 0, n_rl = 0, cur_len = len, cur_ch = ch, cur_zp = in_zp;
    memset(ops, 0, sizeof ops);
    for (int stage = 0; stage < 2; stage++) {
        struct imu_conv_op *op = &ops[n_ops++];
        int k = 1 + (int)(rnd() % 7), stride = 1 + (int)(rnd() % (trial % 3 == 0 ? 3 : 1));
        if (k > cur_len) k = cur_len;
        int same = (int)(rnd() % 2), no = 1 + (int)(rnd() % 20);
        int len_out, pad;
        if (same) {
            len_out = (cur_len + stride - 1) / stride;
            int total = (len_out - 1) * stride + k - cur_len;
            pad = total > 0 ? total / 2 : 0;
        } else {
            len_out = (cur_len - k) / stride + 1;
            pad = 0;
        }
        n_same += same;
        n_stride += stride > 1;
        struct rlayer *L = &rl[n_rl++];
        rlayer_make(L, k * cur_ch, no, cur_zp, 1);
        *op = (struct imu_conv_op){ IMU_CONV_CONV, (uint8_t)k, (uint8_t)stride, (uint8_t)pad, (uint16_t)cur_len,
                                    (uint16_t)cur_ch, (uint16_t)len_out, (uint16_t)no, kernel_layer(L), (int16_t)cur_zp, 0 };
        if (rnd() % 3 == 0) L->shift[rnd() % no] = (int8_t)(rnd() % 2 ? 0 : -31); /* the edges of the fast path */
        /* imu_nn_dense_n on most layers it fits (as the exporter sets it), imu_nn_dense on the others */
        op->blocks = (uint8_t)(imu_nn_dense_n_fits(&op->fc) && rnd() % 4 != 0);
        n_blocks += op->blocks;
        cur_len = len_out; cur_ch = no; cur_zp = L->zp_out;
        int pk = rnd() % 3;
        if (stage == 1 && rnd() % 2) pk = 3; /* GAP */
        if (pk == 0 || (pk < 3 && cur_len < 2)) continue;
        int kind = pk == 1 ? IMU_CONV_MAXPOOL : pk == 2 ? IMU_CONV_AVGPOOL : IMU_CONV_GAP;
        int pkk = kind == IMU_CONV_GAP ? cur_len : 2 + (int)(rnd() % 2);
        if (pkk > cur_len) pkk = cur_len;
        int ps = kind == IMU_CONV_GAP ? 1 : (rnd() % 2 ? pkk : 1);
        int plen = (cur_len - pkk) / ps + 1;
        n_avg += kind == IMU_CONV_AVGPOOL;
        n_gap += kind == IMU_CONV_GAP;
        ops[n_ops++] = (struct imu_conv_op){ (uint8_t)kind, (uint8_t)pkk, (uint8_t)ps, 0, (uint16_t)cur_len,
                                             (uint16_t)cur_ch, (uint16_t)plen, (uint16_t)cur_ch,
                                             {0, 0, NULL, NULL, NULL, NULL, 0, 0, 0}, (int16_t)cur_zp, 0 };
        cur_len = plen;
    }
    const int n_flat = cur_len * cur_ch, n_cls = 2 + (int)(rnd() % 6);
    struct rlayer *D = &rl[n_rl++];
    rlayer_make(D, n_flat, n_cls, cur_zp, 0);
    struct imu_nn_layer dl = kernel_layer(D);
    struct imu_conv_net net = { (uint16_t)n_ops, (uint16_t)len, (uint16_t)ch, ops, in_mul, in_add, (int16_t)in_zp,
                                imu_conv_quantize_input, imu_conv_run };
    const char *why = "?";
    CHECK(imu_conv_check(&net, &why) == 0);
    if (imu_conv_check(&net, &why)) fprintf(stderr, "trial %d: %s\n", trial, why);
    unsigned maxw = IMU_NN_PAD4((unsigned)n_flat) + 4;
    for (int i = 0; i < n_ops; i++) {
        unsigned b = imu_conv_buf_bytes(&net, i), o = (unsigned)ops[i].len_out * ops[i].ch_out + 4;
        if (b > maxw) maxw = b;
        if (o > maxw) maxw = o;
    }
    struct imu_nn_model m = { 1, (uint16_t)(len * ch), (uint16_t)n_cls, (uint16_t)maxw, &dl, NULL, NULL, 1.0f, 1.0f,
                              0, 0, &net };
    /* features: channel-major, values that reach every part of the int8 range (and saturate) */
    float *f = malloc(sizeof(float) * (size_t)len * ch);
    for (int i = 0; i < len * ch; i++) f[i] = ((float)(rnd() % 2001) - 1000.0f) / 250.0f * (trial % 5 == 0 ? 2 : 1);
    int8_t *a = malloc(maxw), *b = malloc(maxw);
    for (unsigned i = 0; i < maxw; i++) { a[i] = (int8_t)rnd(); b[i] = (int8_t)rnd(); }
    imu_nn_quantize_input(&m, f, a);
    int8_t *y = imu_nn_run(&m, a, b);
    /* reference */
    int *x = malloc(sizeof(int) * 70000), *z = malloc(sizeof(int) * 70000);
    for (int t = 0; t < len; t++)
        for (int c = 0; c < ch; c++) {
            double r = (double)f[c * len + t] * in_mul[c] + in_add[c];
            float rf = f[c * len + t] * in_mul[c] + in_add[c]; /* the kernel's float, rounded once */
            (void)r;
            x[t * ch + c] = rf >= 127.0f ? 127 : rf <= -128.0f ? -128 : (int)(rf >= 0 ? floorf(rf + 0.5f) : -floorf(-rf + 0.5f));
        }
    int L = len, C = ch, ri = 0;
    for (int i = 0; i < n_ops; i++) {
        const struct imu_conv_op *op = &ops[i];
        if (op->kind == IMU_CONV_CONV) {
            L = ref_conv(&rl[ri], op->k, op->stride, op->pad, op->len_out, x, L, C, z);
            C = rl[ri++].no;
        } else {
            L = ref_pool(op->kind, op->k, op->stride, x, L, C, z);
        }
        int *t = x; x = z; z = t;
    }
    int ok = 1;
    for (int o = 0; o < n_cls; o++) {
        int64_t acc = D->bias[o];
        for (int i = 0; i < n_flat; i++) acc += (int64_t)(x[i] - D->zp_in) * D->w[o * n_flat + i];
        ok &= ref_out(D, o, acc) == y[o];
    }
    CHECK(ok);
    if (!ok) fprintf(stderr, "trial %d: len %d ch %d ops %d differs\n", trial, len, ch, n_ops);
    n_cases++;
    free(f); free(a); free(b); free(x); free(z);
    for (int i = 0; i < n_rl; i++) rlayer_free(&rl[i]);
}

/* imu_conv_check refuses shapes that would read or write out of bounds. */
static void check_refusals(void)
{
    struct rlayer L;
    rlayer_make(&L, 5 * 3, 4, 0, 1);
    struct imu_conv_op op = { IMU_CONV_CONV, 5, 1, 2, 32, 3, 32, 4, kernel_layer(&L), 0, 0 };
    float mul[3] = {1, 1, 1}, add[3] = {0, 0, 0};
    struct imu_conv_net net = { 1, 32, 3, &op, mul, add, 0, imu_conv_quantize_input, imu_conv_run };
    const char *why;
    CHECK(imu_conv_check(&net, &why) == 0);
    struct imu_conv_op bad = op;
    bad.len_out = 40; /* past the padded input */
    net.ops = &bad;
    CHECK(imu_conv_check(&net, &why) != 0);
    bad = op; bad.pad = 5;
    CHECK(imu_conv_check(&net, &why) != 0);
    bad = op; bad.ch_in = 2;
    CHECK(imu_conv_check(&net, &why) != 0);
    bad = op; bad.fc.n_in = 16;
    CHECK(imu_conv_check(&net, &why) != 0);
    bad = op; bad.kind = 9;
    CHECK(imu_conv_check(&net, &why) != 0);
    bad = op; bad.zp_in = 3;
    CHECK(imu_conv_check(&net, &why) != 0);
    /* imu_nn_dense_n: only for layers it fits */
    CHECK(imu_nn_dense_n_fits(&op.fc));
    bad = op; bad.blocks = 1;
    CHECK(imu_conv_check(&net, &why) == 0);
    int8_t shift_left[4] = {-3, 1, -3, -3};
    bad.fc.shift = shift_left;
    CHECK(!imu_nn_dense_n_fits(&bad.fc) && imu_conv_check(&net, &why) != 0);
    bad = op; bad.blocks = 1; bad.fc.act_min = -128; /* no ReLU */
    CHECK(!imu_nn_dense_n_fits(&bad.fc) && imu_conv_check(&net, &why) != 0);
    bad = op; bad.blocks = 1; bad.fc.w = L.wb + 1; /* not word-aligned */
    CHECK(!imu_nn_dense_n_fits(&bad.fc) && imu_conv_check(&net, &why) != 0);
    struct imu_conv_op two[2] = { op, { IMU_CONV_GAP, 31, 1, 0, 32, 4, 1, 4, {0, 0, NULL, NULL, NULL, NULL, 0, 0, 0}, 0, 0 } };
    two[1].zp_in = L.zp_out;
    net.ops = two;
    net.n_ops = 2;
    CHECK(imu_conv_check(&net, &why) != 0); /* GAP over 31 of 32 */
    two[1].k = 32;
    CHECK(imu_conv_check(&net, &why) == 0);
    rlayer_free(&L);
}

int main(void)
{
    for (int t = 0; t < 600; t++) one(t);
    check_refusals();
    printf("test_conv: %d random nets (%d same-padded convs, %d strided, %d average pools, %d global, %d convs on "
           "imu_nn_dense_n) against the reference\n", n_cases, n_same, n_stride, n_avg, n_gap, n_blocks);
    CHECK(n_same > 100 && n_stride > 50 && n_avg > 50 && n_gap > 50 && n_blocks > 100);
    return check_report("test_conv");
}
