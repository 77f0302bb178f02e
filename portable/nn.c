/* SPDX-License-Identifier: MIT */
/* nn.c -- see nn.h. Portable C with a Cortex-M DSP path; no allocation. */
#include "nn.h"

#include <string.h>

static inline uint32_t ld32(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4); /* one LDR on the Cortex-M4 (unaligned access allowed) */
    return v;
}

#if defined(__ARM_FEATURE_DSP) || defined(IMU_NN_EMULATE_DSP)
#define IMU_NN_PAIRS 1
#if defined(__ARM_FEATURE_DSP)
static inline uint32_t sxtb16(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
#else
/* Plain C models of the instructions, so the host runs the very same loop in tests. */
static inline uint32_t sxtb16(uint32_t x)
{
    uint32_t lo = (uint32_t)(uint16_t)(int16_t)(int8_t)(x & 0xffu);
    uint32_t hi = (uint32_t)(uint16_t)(int16_t)(int8_t)((x >> 16) & 0xffu);
    return lo | (hi << 16);
}
static inline uint32_t sxtb16_ror8(uint32_t x) { return sxtb16((x >> 8) | (x << 24)); }
static inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc)
{
    int32_t p = (int32_t)(int16_t)(a & 0xffffu) * (int32_t)(int16_t)(b & 0xffffu);
    int32_t q = (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)p + (uint32_t)q);
}
#endif
#endif

static inline int32_t srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

static inline int32_t rdbpot(int32_t x, int e)
{
    int32_t mask = (int32_t)((UINT32_C(1) << e) - 1u);
    int32_t rem = x & mask;
    int32_t th = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > th ? 1 : 0);
}

int32_t imu_nn_mbqm(int32_t x, int32_t mult, int shift)
{
    if (shift > 0) {
        int64_t v = (int64_t)x * (INT64_C(1) << shift);
        x = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
        return srdhm(x, mult);
    }
    return rdbpot(srdhm(x, mult), -shift);
}

static inline int8_t requant(const struct imu_nn_layer *l, int j, int32_t acc)
{
    int32_t y = l->zp_out + imu_nn_mbqm(acc, l->mult[j], l->shift[j]);
    if (y < l->act_min) y = l->act_min;
    if (y > l->act_max) y = l->act_max;
    return (int8_t)y;
}

void imu_nn_dense(const struct imu_nn_layer *l, const int8_t *in, int8_t *out)
{
    const unsigned ng = IMU_NN_PAD4(l->n_in) / 4u, nblk = l->n_out / 4u;
    const int8_t *wp = l->w;
    for (unsigned b = 0; b < nblk; b++) {
        int32_t a0 = l->bias[4 * b], a1 = l->bias[4 * b + 1];
        int32_t a2 = l->bias[4 * b + 2], a3 = l->bias[4 * b + 3];
        const int8_t *xp = in;
        for (unsigned g = 0; g < ng; g++, xp += 4, wp += 16) {
#ifdef IMU_NN_PAIRS
            uint32_t xw = ld32(xp), x02 = sxtb16(xw), x13 = sxtb16_ror8(xw), w;
            w = ld32(wp);
            a0 = smlad(sxtb16(w), x02, a0); a0 = smlad(sxtb16_ror8(w), x13, a0);
            w = ld32(wp + 4);
            a1 = smlad(sxtb16(w), x02, a1); a1 = smlad(sxtb16_ror8(w), x13, a1);
            w = ld32(wp + 8);
            a2 = smlad(sxtb16(w), x02, a2); a2 = smlad(sxtb16_ror8(w), x13, a2);
            w = ld32(wp + 12);
            a3 = smlad(sxtb16(w), x02, a3); a3 = smlad(sxtb16_ror8(w), x13, a3);
#else
            const int32_t x0 = xp[0], x1 = xp[1], x2 = xp[2], x3 = xp[3];
            a0 += wp[0] * x0 + wp[1] * x1 + wp[2] * x2 + wp[3] * x3;
            a1 += wp[4] * x0 + wp[5] * x1 + wp[6] * x2 + wp[7] * x3;
            a2 += wp[8] * x0 + wp[9] * x1 + wp[10] * x2 + wp[11] * x3;
            a3 += wp[12] * x0 + wp[13] * x1 + wp[14] * x2 + wp[15] * x3;
#endif
        }
        out[4 * b] = requant(l, 4 * b, a0);
        out[4 * b + 1] = requant(l, 4 * b + 1, a1);
        out[4 * b + 2] = requant(l, 4 * b + 2, a2);
        out[4 * b + 3] = requant(l, 4 * b + 3, a3);
    }
    for (unsigned j = nblk * 4u; j < l->n_out; j++) {
        int32_t a = l->bias[j];
        const int8_t *xp = in;
        for (unsigned g = 0; g < ng; g++, xp += 4, wp += 4) {
#ifdef IMU_NN_PAIRS
            uint32_t xw = ld32(xp), w = ld32(wp);
            a = smlad(sxtb16(w), sxtb16(xw), a);
            a = smlad(sxtb16_ror8(w), sxtb16_ror8(xw), a);
#else
            a += wp[0] * xp[0] + wp[1] * xp[1] + wp[2] * xp[2] + wp[3] * xp[3];
#endif
        }
        out[j] = requant(l, (int)j, a);
    }
}

void imu_nn_quantize_input(const struct imu_nn_model *m, const float *f, int8_t *q)
{
    unsigned i;
    for (i = 0; i < m->n_in; i++) {
        float r = f[i] * m->in_mul[i] + m->in_add[i];
        int32_t v;
        if (!(r == r)) v = m->in_zp;            /* NaN */
        else if (r >= 127.0f) v = 127;
        else if (r <= -128.0f) v = -128;
        else v = (int32_t)(r >= 0.0f ? r + 0.5f : r - 0.5f);
        q[i] = (int8_t)v;
    }
    for (; i < IMU_NN_PAD4(m->n_in); i++) q[i] = 0;
}

int8_t *imu_nn_run(const struct imu_nn_model *m, int8_t *buf_a, int8_t *buf_b)
{
    int8_t *in = buf_a, *out = buf_b;
    for (unsigned k = 0; k < m->n_layers; k++) {
        imu_nn_dense(&m->layers[k], in, out);
        int8_t *t = in; in = out; out = t;
    }
    return in;
}

int imu_nn_argmax(const int8_t *y, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (y[i] > y[best]) best = i;
    return best;
}
