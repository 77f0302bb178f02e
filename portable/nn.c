/* SPDX-License-Identifier: MIT */
/* nn.c -- see nn.h. Portable C with a Cortex-M DSP path; no allocation.
 *
 * imu_nn_dense: the blocks of 4 rows (dense_blocks) run their dot products in one asm loop on the
 * Cortex-M4 (LDR of 4 inputs, LDM of the block's 4 weight words, SXTB16 + SMLAD; the C model of
 * it, IMU_NN_GROUP, runs on the host for the tests), then requant() per output, inlined; rows whose
 * weights are not word-aligned and the leftover rows go through dense_row. Every path computes the
 * same integers (integer sums do not depend on the order) and the same TFLite requantization.
 *
 * imu_nn_dense_n (conv layers, conv.h): the same blocks with the positions inside, the 4 rows'
 * requantization constants computed once per block and the requantization written out for ReLU
 * layers with right shifts (requant_relu: Cortex-M4 assembly, or its C model on the host). */
#include "nn.h"
#include "conv.h"

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
        int64_t v = (int64_t)x * (INT64_C(1) << (shift > 32 ? 32 : shift));
        x = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
        return srdhm(x, mult);
    }
    if (shift < -31) return 0; /* |SRDHM| < 2^31: a right shift of 32 or more rounds to 0 */
    return rdbpot(srdhm(x, mult), -shift);
}

/* x << s (s > 0) saturated to int32, as imu_nn_mbqm does before SRDHM (from 31 on every x != 0
 * saturates, and x = -1 gives INT32_MIN either way). */
static inline int32_t sat_shl(int32_t x, int s)
{
    if (s > 31) s = 31;
    const int32_t lim = INT32_MAX >> s; /* the largest x with x * 2^s <= INT32_MAX */
    if (x > lim) return INT32_MAX;
    if (x < ~lim) return INT32_MIN;
    return (int32_t)((uint32_t)x << s);
}

/* SRDHM for the kernel: on the Cortex-M4 acc * m + 2^30 in hi:lo (one SMLAL), then
 * floor(/ 2^31) = 2 hi | lo >> 31 where QADD saturates the one product that does not fit
 * (INT32_MIN * INT32_MIN -> INT32_MAX); elsewhere srdhm(). */
static inline int32_t srdhm_k(int32_t acc, int32_t m)
{
#if defined(__ARM_FEATURE_DSP)
    uint32_t lo = UINT32_C(1) << 30;
    int32_t hi = 0, v;
    __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(acc), "r"(m));
    __asm__("qadd %0, %1, %1" : "=r"(v) : "r"(hi));
    return (int32_t)((uint32_t)v | (lo >> 31));
#else
    return srdhm(acc, m);
#endif
}

/* The per-output requantization, inlined (one copy at -Os): imu_nn_mbqm followed by the zero
 * point and the activation clamp, bit-exact: SRDHM (srdhm_k) and RoundingDivideByPOT for right
 * shifts 0..31 without a call; the rare other shifts through imu_nn_mbqm at -O2, and inline at -Os
 * (the saturated left shift first for shifts > 0, 0 for right shifts past 31). */
#if defined(__OPTIMIZE_SIZE__) || defined(IMU_NN_SMALL)
#define IMU_NN_REQUANT_INLINE __attribute__((noinline))
#else
#define IMU_NN_REQUANT_INLINE inline __attribute__((always_inline))
#endif
static IMU_NN_REQUANT_INLINE int8_t requant(int32_t acc, int32_t m, int s, int32_t zp, int32_t act_min,
                                            int32_t act_max)
{
    int32_t q;
#if defined(__OPTIMIZE_SIZE__) || defined(IMU_NN_SMALL)
    int e = -s; /* every shift here, so imu_nn_mbqm need not be linked */
    if (s > 0) {
        acc = sat_shl(acc, s);
        e = 0; /* RoundingDivideByPOT by 2^0 is the identity */
    }
    q = e > 31 ? 0 : rdbpot(srdhm_k(acc, m), e);
#else
    if ((uint32_t)(s + 31) > 31u) q = imu_nn_mbqm(acc, m, s); /* rare: one out-of-line copy */
    else q = rdbpot(srdhm_k(acc, m), -s);
#endif
    int32_t y = zp + q;
    if (y < act_min) y = act_min;
    if (y > act_max) y = act_max;
    return (int8_t)y;
}

#if defined(IMU_NN_PAIRS) && !defined(__ARM_FEATURE_DSP)
/* One group of 4 inputs into the 4 accumulators of a block, two SMLAD per row: the C model of
 * one group of the Cortex-M4 asm loop (IMU_NN_ASM_GROUP) for the host's tests. */
#define IMU_NN_GROUP(xp, wp)                                                                      \
    do {                                                                                          \
        uint32_t xw_ = ld32(xp), x02_ = sxtb16(xw_), x13_ = sxtb16_ror8(xw_);                      \
        uint32_t w0_ = ld32(wp), w1_ = ld32(wp + 4), w2_ = ld32(wp + 8), w3_ = ld32(wp + 12);      \
        xp += 4;                                                                                  \
        wp += 16;                                                                                 \
        a0 = smlad(sxtb16(w0_), x02_, a0); a0 = smlad(sxtb16_ror8(w0_), x13_, a0);                 \
        a1 = smlad(sxtb16(w1_), x02_, a1); a1 = smlad(sxtb16_ror8(w1_), x13_, a1);                 \
        a2 = smlad(sxtb16(w2_), x02_, a2); a2 = smlad(sxtb16_ror8(w2_), x13_, a2);                 \
        a3 = smlad(sxtb16(w3_), x02_, a3); a3 = smlad(sxtb16_ror8(w3_), x13_, a3);                 \
    } while (0)
#endif

#if defined(__ARM_FEATURE_DSP)
/* One input group in the asm loop below: 4 inputs sign-extended in pairs, the block's 4 weight
 * words with one LDM (r8-r11), two SMLAD per row. */
#define IMU_NN_ASM_GROUP                                                                            \
    "ldr %[x02], [%[xp]], #4\n\t"                                                                    \
    "sxtb16 %[x13], %[x02], ror #8\n\t"                                                             \
    "sxtb16 %[x02], %[x02]\n\t"                                                                     \
    "ldmia %[wp]!, {r8, r9, r10, r11}\n\t"                                                          \
    "sxtb16 %[t], r8\n\t"                                                                           \
    "smlad %[a0], %[t], %[x02], %[a0]\n\t"                                                          \
    "sxtb16 r8, r8, ror #8\n\t"                                                                     \
    "smlad %[a0], r8, %[x13], %[a0]\n\t"                                                            \
    "sxtb16 %[t], r9\n\t"                                                                           \
    "smlad %[a1], %[t], %[x02], %[a1]\n\t"                                                          \
    "sxtb16 r9, r9, ror #8\n\t"                                                                     \
    "smlad %[a1], r9, %[x13], %[a1]\n\t"                                                            \
    "sxtb16 %[t], r10\n\t"                                                                          \
    "smlad %[a2], %[t], %[x02], %[a2]\n\t"                                                          \
    "sxtb16 r10, r10, ror #8\n\t"                                                                   \
    "smlad %[a2], r10, %[x13], %[a2]\n\t"                                                           \
    "sxtb16 %[t], r11\n\t"                                                                          \
    "smlad %[a3], %[t], %[x02], %[a3]\n\t"                                                          \
    "sxtb16 r11, r11, ror #8\n\t"                                                                   \
    "smlad %[a3], r11, %[x13], %[a3]\n\t"

/* The dot products of one block of 4 rows over ng >= 1 input groups, on the Cortex-M4: written
 * out because GCC spills a register in this loop (14 values live). Two groups per pass at -O2
 * (after one alone when ng is odd), one at -Os. The same integers as the C loop (nn_dsp.c). */
static inline __attribute__((always_inline)) void dot4_blocks(int32_t *a0, int32_t *a1, int32_t *a2, int32_t *a3,
                                                              const int8_t *xp, const int8_t **wpp, unsigned ng)
{
    int32_t r0 = *a0, r1 = *a1, r2 = *a2, r3 = *a3;
    const int8_t *wp = *wpp;
    uint32_t x02, x13, t;
    __asm__ volatile(
#if defined(__OPTIMIZE_SIZE__) || defined(IMU_NN_SMALL)
        "1:\n\t" IMU_NN_ASM_GROUP
        "subs %[n], %[n], #1\n\t"
        "bne 1b\n\t"
#else
        "tst %[n], #1\n\t"
        "beq 2f\n\t" IMU_NN_ASM_GROUP
        "subs %[n], %[n], #1\n\t"
        "beq 3f\n"
        "2:\n\t" IMU_NN_ASM_GROUP IMU_NN_ASM_GROUP
        "subs %[n], %[n], #2\n\t"
        "bne 2b\n"
        "3:\n\t"
#endif
        : [a0] "+r"(r0), [a1] "+r"(r1), [a2] "+r"(r2), [a3] "+r"(r3), [xp] "+r"(xp), [wp] "+r"(wp), [n] "+r"(ng),
          [x02] "=&r"(x02), [x13] "=&r"(x13), [t] "=&r"(t)
        :
        : "r8", "r9", "r10", "r11", "cc", "memory");
    *a0 = r0; *a1 = r1; *a2 = r2; *a3 = r3;
    *wpp = wp;
}
#else
/* The dot products of one block of 4 rows over ng input groups (the SMLAD model or plain C). */
static inline void dot4_blocks(int32_t *pa0, int32_t *pa1, int32_t *pa2, int32_t *pa3, const int8_t *xp,
                               const int8_t **wpp, unsigned ng)
{
    int32_t a0 = *pa0, a1 = *pa1, a2 = *pa2, a3 = *pa3;
    const int8_t *wp = *wpp;
    for (unsigned g = ng; g; g--) {
#ifdef IMU_NN_PAIRS
        IMU_NN_GROUP(xp, wp);
#else
        const int32_t x0 = xp[0], x1 = xp[1], x2 = xp[2], x3 = xp[3];
        a0 += wp[0] * x0 + wp[1] * x1 + wp[2] * x2 + wp[3] * x3;
        a1 += wp[4] * x0 + wp[5] * x1 + wp[6] * x2 + wp[7] * x3;
        a2 += wp[8] * x0 + wp[9] * x1 + wp[10] * x2 + wp[11] * x3;
        a3 += wp[12] * x0 + wp[13] * x1 + wp[14] * x2 + wp[15] * x3;
        xp += 4;
        wp += 16;
#endif
    }
    *pa0 = a0; *pa1 = a1; *pa2 = a2; *pa3 = a3;
    *wpp = wp;
}
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
        dot4_blocks(&a0, &a1, &a2, &a3, in, &wp, ng);
#if defined(__OPTIMIZE_SIZE__) || defined(IMU_NN_SMALL)
        const int32_t acc[4] = { a0, a1, a2, a3 }; /* one call site: smaller */
        for (unsigned r = 0; r < 4u; r++) out[r] = requant(acc[r], mult[r], shift[r], zp, act_min, act_max);
#else
        out[0] = requant(a0, mult[0], shift[0], zp, act_min, act_max);
        out[1] = requant(a1, mult[1], shift[1], zp, act_min, act_max);
        out[2] = requant(a2, mult[2], shift[2], zp, act_min, act_max);
        out[3] = requant(a3, mult[3], shift[3], zp, act_min, act_max);
#endif
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
    /* the fields in locals: q could alias them, which made GCC reload them for every feature */
    if (m->conv) { /* through the pointer: models without a front end link no conv code */
        m->conv->quantize(m->conv, f, q);
        return;
    }
    const unsigned n = m->n_in, n4 = IMU_NN_PAD4(m->n_in);
    const float *mul = m->in_mul, *add = m->in_add;
    const int32_t zp = m->in_zp;
    unsigned i;
    for (i = 0; i < n; i++) {
        float r = f[i] * mul[i] + add[i];
        int32_t v;
        if (!(r == r)) v = zp;                  /* NaN */
        else if (r >= 127.0f) v = 127;
        else if (r <= -128.0f) v = -128;
        else v = (int32_t)(r >= 0.0f ? r + 0.5f : r - 0.5f);
        q[i] = (int8_t)v;
    }
    for (; i < n4; i++) q[i] = 0;
}

int8_t *imu_nn_run(const struct imu_nn_model *m, int8_t *buf_a, int8_t *buf_b)
{
    int8_t *in = buf_a, *out = buf_b;
    if (m->conv) {
        in = m->conv->run(m->conv, buf_a, buf_b);
        out = in == buf_a ? buf_b : buf_a;
    }
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

#if defined(__ARM_FEATURE_DSP)
/* One output of a ReLU layer with a right shift (0..31) on the Cortex-M4: the 4 words at *pp
 * (multiplier, shift e, mask 2^e - 1, mask >> 1) taken and stepped over, SRDHM as srdhm_k
 * (SMLAL, QADD), RoundingDivideByPOT as rdbpot, then clamp(zp + r, zp, 127) as USAT (r < 0 -> 0)
 * + SSAT: requant() without its left-shift branch, the same integers. The byte goes to *op. */
static inline __attribute__((always_inline)) void requant_relu(int32_t acc, const int32_t **pp, int8_t **op, int32_t zp)
{
    const int32_t *p = *pp;
    int8_t *o = *op;
    int32_t m, e, mask, half, hi;
    uint32_t lo;
    __asm__ volatile(
        "ldrd %[m], %[e], [%[p]], #8\n\t"
        "ldrd %[mask], %[half], [%[p]], #8\n\t"
        "mov %[lo], #0x40000000\n\t"
        "mov %[hi], #0\n\t"
        "smlal %[lo], %[hi], %[acc], %[m]\n\t"
        "qadd %[hi], %[hi], %[hi]\n\t"
        "orr %[hi], %[hi], %[lo], lsr #31\n\t"
        "and %[lo], %[hi], %[mask]\n\t"
        "add %[mask], %[half], %[hi], lsr #31\n\t"
        "asr %[hi], %[hi], %[e]\n\t"
        "cmp %[lo], %[mask]\n\t"
        "it gt\n\t"
        "addgt %[hi], %[hi], #1\n\t"
        "usat %[hi], #16, %[hi]\n\t"
        "add %[hi], %[hi], %[zp]\n\t"
        "ssat %[hi], #8, %[hi]\n\t"
        "strb %[hi], [%[o]], #1\n\t"
        : [p] "+r"(p), [o] "+r"(o), [m] "=&r"(m), [e] "=&r"(e), [mask] "=&r"(mask), [half] "=&r"(half),
          [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [acc] "r"(acc), [zp] "r"(zp)
        : "cc", "memory");
    *pp = p;
    *op = o;
}
#else
/* The C model of requant_relu for the host (the same integers as requant()). */
static inline void requant_relu(int32_t acc, const int32_t **pp, int8_t **op, int32_t zp)
{
    const int32_t *p = *pp;
    const int32_t v = srdhm(acc, p[0]), e = p[1], mask = p[2], half = p[3];
    int32_t r = (v >> e) + ((v & mask) > half + (int32_t)((uint32_t)v >> 31) ? 1 : 0);
    r = r < 0 ? 0 : r > 255 ? 255 : r;
    const int32_t y = zp + r;
    *(*op)++ = (int8_t)(y > 127 ? 127 : y);
    *pp = p + 4;
}
#endif

void imu_nn_dense_n(const struct imu_nn_layer *l, const int8_t *in, unsigned in_step, int8_t *out, unsigned out_step,
                    unsigned n)
{
    const unsigned ng = IMU_NN_PAD4(l->n_in) / 4u, n_out = l->n_out;
    const int32_t zp = l->zp_out;
    for (unsigned j = 0; j < n_out; j += 4u, out += 4) { /* block by block, the positions inside */
        int32_t prm[16];
        for (unsigned r = 0; r < 4u; r++) {
            const int32_t e = -l->shift[j + r];
            prm[4 * r] = l->mult[j + r];
            prm[4 * r + 1] = e;
            prm[4 * r + 2] = (int32_t)((UINT32_C(1) << e) - 1u);
            prm[4 * r + 3] = prm[4 * r + 2] >> 1;
        }
        const int8_t *w0 = l->w + (size_t)j * ng * 4u, *x = in;
        const int32_t *bias = l->bias + j;
        for (unsigned t = 0; t < n; t++, x += in_step) {
            int32_t a[4] = { bias[0], bias[1], bias[2], bias[3] };
            const int8_t *wp = w0;
            const int32_t *p = prm;
            int8_t *o = out + (size_t)t * out_step;
            dot4_blocks(&a[0], &a[1], &a[2], &a[3], x, &wp, ng);
            for (unsigned r = 0; r < 4u; r++) requant_relu(a[r], &p, &o, zp);
        }
    }
}

int imu_nn_dense_n_fits(const struct imu_nn_layer *l)
{
    int ok = ((uintptr_t)l->w & 3u) == 0 && l->n_out % 4u == 0 && l->act_min == l->zp_out && l->act_max == 127;
    for (unsigned j = 0; ok && j < l->n_out; j++) ok = l->shift[j] <= 0 && l->shift[j] >= -31;
    return ok;
}
