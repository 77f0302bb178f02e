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

/* SaturatingRoundingDoublingHighMul: TFLite's nudge 1 - 2^30 for a negative product with
 * truncation toward zero is the floor of (a * b + 2^30) / 2^31 for every product; only
 * INT32_MIN * INT32_MIN does not fit. */
static inline int32_t srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) return INT32_MAX;
    return (int32_t)(((int64_t)a * b + (INT64_C(1) << 30)) >> 31);
}

/* RoundingDivideByPOT (round half away from zero), e in 0..31. */
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

/* The per-output requantization, inlined: bit-exact with imu_nn_mbqm followed by the zero point
 * and the activation clamp. In the common case (right shift 0..31, multiplier not INT32_MIN) it is
 * straight-line code: SRDHM as one SMLAL (accumulator 2^30) and a shift, then RoundingDivideByPOT.
 * Left shifts and odd multipliers take the called function. */
#if defined(__OPTIMIZE_SIZE__)
#define IMU_NN_REQUANT_INLINE __attribute__((noinline)) /* -Os (the firmware): one copy */
#else
#define IMU_NN_REQUANT_INLINE inline __attribute__((always_inline))
#endif
static IMU_NN_REQUANT_INLINE int8_t requant(int32_t acc, int32_t m, int s, int32_t zp,
                                                           int32_t act_min, int32_t act_max)
{
    int32_t q;
#if defined(__ARM_FEATURE_DSP)
    if ((uint32_t)(s + 31) > 31u) {
        q = imu_nn_mbqm(acc, m, s);
    } else {
        /* acc * m + 2^30 in hi:lo (one SMLAL), then floor(/ 2^31) = 2 hi | lo >> 31 where QADD
         * saturates the one product that does not fit (INT32_MIN * INT32_MIN -> INT32_MAX) */
        uint32_t lo = UINT32_C(1) << 30;
        int32_t hi = 0, v;
        __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(acc), "r"(m));
        __asm__("qadd %0, %1, %1" : "=r"(v) : "r"(hi));
        q = rdbpot((int32_t)((uint32_t)v | (lo >> 31)), -s);
    }
#else
    if ((uint32_t)(s + 31) > 31u || m == INT32_MIN) {
        q = imu_nn_mbqm(acc, m, s);
    } else {
        q = rdbpot((int32_t)(((int64_t)acc * m + (INT64_C(1) << 30)) >> 31), -s);
    }
#endif
    int32_t y = zp + q;
    if (y < act_min) y = act_min;
    if (y > act_max) y = act_max;
    return (int8_t)y;
}

#ifdef IMU_NN_PAIRS
/* Four consecutive weight words (the 4 rows of a block for one group of 4 inputs), wp advanced by
 * 16: one LDM on the Cortex-M4, so wp must be word-aligned (imu_nn_dense checks). */
#if defined(__ARM_FEATURE_DSP)
#define IMU_NN_LD4(wp, w0, w1, w2, w3)                                                                 \
    do {                                                                                          \
        register uint32_t r0_ __asm__("r8"), r1_ __asm__("r9"), r2_ __asm__("r10"), r3_ __asm__("r11"); \
        __asm__("ldmia %[p]!, {%[a], %[b], %[c], %[d]}"                                            \
                : [p] "+r"(wp), [a] "=r"(r0_), [b] "=r"(r1_), [c] "=r"(r2_), [d] "=r"(r3_)         \
                : "m"(*(const uint32_t(*)[4])(const void *)wp));                                  \
        w0 = r0_; w1 = r1_; w2 = r2_; w3 = r3_;                                                   \
    } while (0)
#else
#define IMU_NN_LD4(wp, w0, w1, w2, w3)                                                                 \
    do {                                                                                          \
        w0 = ld32(wp); w1 = ld32(wp + 4); w2 = ld32(wp + 8); w3 = ld32(wp + 12);                   \
        wp += 16;                                                                                 \
    } while (0)
#endif

#if defined(__GNUC__)
#define IMU_NN_BARRIER() __asm__ volatile("" ::: "memory")
#else
#define IMU_NN_BARRIER() ((void)0)
#endif

/* One group of 4 inputs into the 4 accumulators of a block: two SMLAD per row. */
#define IMU_NN_GROUP(xp, wp)                                                                  \
    do {                                                                                          \
        uint32_t xw_ = ld32(xp), x02_ = sxtb16(xw_), x13_ = sxtb16_ror8(xw_), w0_, w1_, w2_, w3_;  \
        xp += 4;                                                                                  \
        IMU_NN_LD4(wp, w0_, w1_, w2_, w3_);                                              \
        a0 = smlad(sxtb16(w0_), x02_, a0); a0 = smlad(sxtb16_ror8(w0_), x13_, a0);                 \
        a1 = smlad(sxtb16(w1_), x02_, a1); a1 = smlad(sxtb16_ror8(w1_), x13_, a1);                 \
        a2 = smlad(sxtb16(w2_), x02_, a2); a2 = smlad(sxtb16_ror8(w2_), x13_, a2);                 \
        a3 = smlad(sxtb16(w3_), x02_, a3); a3 = smlad(sxtb16_ror8(w3_), x13_, a3);                 \
    } while (0)
#endif

/* The blocks of 4 rows of a layer (word-aligned weights): accumulators, then the requantization
 * of the 4 outputs. */
static void dense_blocks(const struct imu_nn_layer *l, const int8_t *in, int8_t *out)
{
    const unsigned ng = IMU_NN_PAD4(l->n_in) / 4u, nblk = l->n_out / 4u;
    const int8_t *wp = l->w;
    const int32_t *bias = l->bias, *mult = l->mult;
    const int8_t *shift = l->shift;
    const int32_t zp = l->zp_out, act_min = l->act_min, act_max = l->act_max;
    for (unsigned b = 0; b < nblk; b++, bias += 4, mult += 4, shift += 4, out += 4) {
        int32_t a0 = bias[0], a1 = bias[1], a2 = bias[2], a3 = bias[3];
        const int8_t *xp = in;
#ifdef IMU_NN_PAIRS
#if defined(__OPTIMIZE_SIZE__)
        for (unsigned g = ng; g; g--) IMU_NN_GROUP(xp, wp); /* -Os: one group per pass */
#else
        for (unsigned g = ng / 2u; g; g--) { /* two groups per pass: less loop overhead */
            IMU_NN_GROUP(xp, wp);
            IMU_NN_BARRIER(); /* keeps GCC from loading the next inputs early (a register spill) */
            IMU_NN_GROUP(xp, wp);
        }
        if (ng & 1u) IMU_NN_GROUP(xp, wp);
#endif
#else
        for (unsigned g = 0; g < ng; g++, xp += 4, wp += 16) {
            const int32_t x0 = xp[0], x1 = xp[1], x2 = xp[2], x3 = xp[3];
            a0 += wp[0] * x0 + wp[1] * x1 + wp[2] * x2 + wp[3] * x3;
            a1 += wp[4] * x0 + wp[5] * x1 + wp[6] * x2 + wp[7] * x3;
            a2 += wp[8] * x0 + wp[9] * x1 + wp[10] * x2 + wp[11] * x3;
            a3 += wp[12] * x0 + wp[13] * x1 + wp[14] * x2 + wp[15] * x3;
        }
#endif
        out[0] = requant(a0, mult[0], shift[0], zp, act_min, act_max);
        out[1] = requant(a1, mult[1], shift[1], zp, act_min, act_max);
        out[2] = requant(a2, mult[2], shift[2], zp, act_min, act_max);
        out[3] = requant(a3, mult[3], shift[3], zp, act_min, act_max);
    }
}

/* One row at a time: row j's weights start at w and step by `stride` bytes per group of 4 inputs
 * (16 inside a block of 4 rows, 4 for the leftover rows). */
static int8_t dense_row(const struct imu_nn_layer *l, const int8_t *in, const int8_t *w, unsigned stride, unsigned j)
{
    int32_t a = l->bias[j];
    const unsigned ng = IMU_NN_PAD4(l->n_in) / 4u;
    for (unsigned g = 0; g < ng; g++, in += 4, w += stride) {
#ifdef IMU_NN_PAIRS
        uint32_t xw = ld32(in), ww = ld32(w);
        a = smlad(sxtb16(ww), sxtb16(xw), a);
        a = smlad(sxtb16_ror8(ww), sxtb16_ror8(xw), a);
#else
        a += w[0] * in[0] + w[1] * in[1] + w[2] * in[2] + w[3] * in[3];
#endif
    }
    return requant(a, l->mult[j], l->shift[j], l->zp_out, l->act_min, l->act_max);
}

void imu_nn_dense(const struct imu_nn_layer *l, const int8_t *in, int8_t *out)
{
    const unsigned pin = IMU_NN_PAD4(l->n_in), nblk = l->n_out / 4u, n_out = l->n_out;
    unsigned j = 0;
    if (((uintptr_t)l->w & 3u) == 0) { /* the exporter's arrays are aligned: blocks with LDM */
        dense_blocks(l, in, out);
        j = nblk * 4u;
    }
    for (; j < nblk * 4u; j++) /* weights not word-aligned: the blocks row by row */
        out[j] = dense_row(l, in, l->w + (j / 4u) * pin * 4u + (j % 4u) * 4u, 16u, j);
    for (; j < n_out; j++) /* the n_out % 4 leftover rows, stored row after row */
        out[j] = dense_row(l, in, l->w + nblk * 4u * pin + (j - nblk * 4u) * pin, 4u, j);
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
