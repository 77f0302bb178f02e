/* SPDX-License-Identifier: MIT */
/* conv.c -- see conv.h. A conv op runs imu_nn_dense once per output position on the contiguous
 * patch of its time-major input; pooling ops are loops over the int8 values. Each op writes its
 * output after the padding rows the next op wants and fills those rows with its zero point. */
#include "conv.h"

#include <string.h>

unsigned imu_conv_pad_after(const struct imu_conv_op *op)
{
    if (op->kind != IMU_CONV_CONV) return 0;
    const int need = ((int)op->len_out - 1) * op->stride + op->k - op->pad - op->len_in;
    return need > 0 ? (unsigned)need : 0u;
}

/* The zero point of an op's output (pooling keeps the input's). */
static int16_t out_zp(const struct imu_conv_op *op)
{
    return op->kind == IMU_CONV_CONV ? op->fc.zp_out : op->zp_in;
}

unsigned imu_conv_buf_bytes(const struct imu_conv_net *c, int i)
{
    if (i < 0) i = 0;
    const struct imu_conv_op *op = &c->ops[i];
    return ((unsigned)op->pad + op->len_in + imu_conv_pad_after(op)) * op->ch_in + 3u;
}

/* Fill rows of zero point around an op's output for the next op (a conv with padding). */
static void pad_rows(const struct imu_conv_op *next, int8_t *buf, unsigned ch, int16_t zp)
{
    if (!next || next->kind != IMU_CONV_CONV) return;
    memset(buf, (int8_t)zp, (size_t)next->pad * ch);
    memset(buf + ((size_t)next->pad + next->len_in) * ch, (int8_t)zp, (size_t)imu_conv_pad_after(next) * ch);
}

void imu_conv_quantize_input(const struct imu_conv_net *c, const float *f, int8_t *q)
{
    const unsigned len = c->len, ch = c->ch;
    const struct imu_conv_op *first = c->n_ops ? &c->ops[0] : NULL;
    int8_t *o = q + (first && first->kind == IMU_CONV_CONV ? (size_t)first->pad * ch : 0);
    const int32_t zp = c->in_zp;
    for (unsigned a = 0; a < ch; a++) {
        const float mul = c->in_mul[a], add = c->in_add[a];
        const float *fa = f + (size_t)a * len;
        for (unsigned t = 0; t < len; t++) {
            float r = fa[t] * mul + add;
            int32_t v;
            if (!(r == r)) v = zp; /* NaN */
            else if (r >= 127.0f) v = 127;
            else if (r <= -128.0f) v = -128;
            else v = (int32_t)(r >= 0.0f ? r + 0.5f : r - 0.5f);
            o[(size_t)t * ch + a] = (int8_t)v;
        }
    }
    pad_rows(first, q, ch, c->in_zp);
}

/* Pooling over windows of op->k rows every op->stride rows (GAP: all rows), channel by channel:
 * the maximum, or the sum divided by the count rounding half away from zero (TFLite). */
static void pool(const struct imu_conv_op *op, const int8_t *in, int8_t *out)
{
    /* the fields in locals (out may alias them as far as the compiler knows) */
    const unsigned ch = op->ch_in, k = op->k, n = op->len_out, step = (unsigned)op->stride * ch;
    const int is_max = op->kind == IMU_CONV_MAXPOOL;
    const int32_t half = (int32_t)k / 2, div = (int32_t)k;
    for (unsigned t = 0; t < n; t++, in += step, out += ch) {
        for (unsigned c = 0; c < ch; c++) {
            const int8_t *p = in + c;
            int32_t acc = p[0];
            if (is_max) {
                for (unsigned j = 1; j < k; j++) { p += ch; acc = *p > acc ? *p : acc; }
            } else {
                for (unsigned j = 1; j < k; j++) { p += ch; acc += *p; }
                acc = acc > 0 ? (acc + half) / div : (acc - half) / div;
            }
            out[c] = (int8_t)acc;
        }
    }
}

int8_t *imu_conv_run(const struct imu_conv_net *c, int8_t *buf_a, int8_t *buf_b)
{
    int8_t *in = buf_a, *out = buf_b;
    for (unsigned i = 0; i < c->n_ops; i++) {
        const struct imu_conv_op *op = &c->ops[i], *next = i + 1 < c->n_ops ? &c->ops[i + 1] : NULL;
        int8_t *o = out + (next && next->kind == IMU_CONV_CONV ? (size_t)next->pad * op->ch_out : 0);
        if (op->kind == IMU_CONV_CONV) {
            const unsigned step = (unsigned)op->stride * op->ch_in;
            if (op->blocks) imu_nn_dense_n(&op->fc, in, step, o, op->ch_out, op->len_out);
            else
                for (unsigned t = 0; t < op->len_out; t++) imu_nn_dense(&op->fc, in + t * step, o + (size_t)t * op->ch_out);
        } else {
            pool(op, in, o);
        }
        pad_rows(next, out, op->ch_out, out_zp(op));
        int8_t *x = in; in = out; out = x;
    }
    return in;
}

/* One op's shape against its input: 0 or a reason. */
static const char *op_check(const struct imu_conv_op *op, unsigned len, unsigned ch, int16_t zp)
{
    if (op->len_in != len || op->ch_in != ch) return "an op's input does not match the previous output";
    if (op->zp_in != zp) return "an op's input zero point does not match the previous output";
    if (op->k < 1 || op->stride < 1 || op->len_out < 1 || op->ch_out < 1) return "an op has a zero size";
    switch (op->kind) {
    case IMU_CONV_CONV:
        if (op->pad >= op->k) return "conv padding not below the kernel size";
        if (imu_conv_pad_after(op) >= op->k) return "conv output longer than its padded input";
        if (((unsigned)op->len_out - 1u) * op->stride + op->k > (unsigned)op->pad + op->len_in + imu_conv_pad_after(op))
            return "conv output longer than its padded input";
        if (op->fc.n_in != (unsigned)op->k * ch || op->fc.n_out != op->ch_out) return "conv weights do not match";
        if (!op->fc.w || !op->fc.bias || !op->fc.mult || !op->fc.shift) return "conv without weights";
        if (op->blocks && !imu_nn_dense_n_fits(&op->fc)) return "conv marked for imu_nn_dense_n, which cannot run it";
        return NULL;
    case IMU_CONV_MAXPOOL:
    case IMU_CONV_AVGPOOL:
    case IMU_CONV_GAP:
        if (op->ch_out != ch) return "pooling changes the channels";
        if (op->k > len || op->len_out != (len - op->k) / op->stride + 1u) return "pooling output length wrong";
        if (op->kind == IMU_CONV_GAP && (op->k != len || op->len_out != 1)) return "global pooling not over all";
        return NULL;
    default:
        return "unknown op kind";
    }
}

int imu_conv_check(const struct imu_conv_net *c, const char **why)
{
    const char *w = NULL;
    if (c->n_ops < 1 || c->n_ops > IMU_CONV_MAX_OPS || !c->ops) w = "no ops or too many";
    else if (c->len < 1 || c->ch < 1 || !c->in_mul || !c->in_add) w = "no input";
    unsigned len = c->len, ch = c->ch;
    int16_t zp = c->in_zp;
    for (unsigned i = 0; !w && i < c->n_ops; i++) {
        w = op_check(&c->ops[i], len, ch, zp);
        len = c->ops[i].len_out;
        ch = c->ops[i].ch_out;
        zp = out_zp(&c->ops[i]);
    }
    if (why) *why = w;
    return w ? -1 : 0;
}
