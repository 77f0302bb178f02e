/* SPDX-License-Identifier: MIT */
/* imu_features.c -- see imu_features.h. Portable C for the host and the Cortex-M4F; no libm, no allocation.
 *
 * Speed (issue 15): the default models use 16-point frames, so those have their own path
 * (frame16): windowing, the 8-point complex transform and the real split step of one frame in
 * registers, with exactly the operations of the general radix-2 path (cfft + real_power) in the
 * same order, so every feature keeps its bits (tests/trainer/test_features_frozen.c compares with
 * a frozen copy of the code before this path). The per-bin maximum is taken of |X|^2 before the
 * scaling by 1/(4n): that factor is a power of two and rounding is monotonic, so
 * max(fl(p q)) = fl(max(p) q). The firmware, which knows its model's frame length at compile time
 * (IMU_FEAT_COS_LEN), compiles only the path it uses. */
#include "imu_features.h"

#include <string.h>

/* cos(2*pi*k/128), k = 0..127, correctly rounded to float. sin(2*pi*k/128) = cos table[(k+96)&127]. */
#ifndef IMU_FEAT_COS_TABLE
static const float cos128[128] = {
    1.0f, 0.99879545f, 0.99518472f, 0.989176512f, 0.980785251f, 0.970031261f,
    0.956940353f, 0.941544056f, 0.923879504f, 0.903989315f, 0.881921291f, 0.857728601f,
    0.831469595f, 0.803207517f, 0.773010433f, 0.740951121f, 0.707106769f, 0.671558976f,
    0.634393275f, 0.59569931f, 0.555570245f, 0.514102757f, 0.471396744f, 0.427555084f,
    0.382683426f, 0.336889863f, 0.290284663f, 0.242980182f, 0.195090324f, 0.146730468f,
    0.0980171412f, 0.0490676761f, 0.0f, -0.0490676761f, -0.0980171412f, -0.146730468f,
    -0.195090324f, -0.242980182f, -0.290284663f, -0.336889863f, -0.382683426f, -0.427555084f,
    -0.471396744f, -0.514102757f, -0.555570245f, -0.59569931f, -0.634393275f, -0.671558976f,
    -0.707106769f, -0.740951121f, -0.773010433f, -0.803207517f, -0.831469595f, -0.857728601f,
    -0.881921291f, -0.903989315f, -0.923879504f, -0.941544056f, -0.956940353f, -0.970031261f,
    -0.980785251f, -0.989176512f, -0.99518472f, -0.99879545f, -1.0f, -0.99879545f,
    -0.99518472f, -0.989176512f, -0.980785251f, -0.970031261f, -0.956940353f, -0.941544056f,
    -0.923879504f, -0.903989315f, -0.881921291f, -0.857728601f, -0.831469595f, -0.803207517f,
    -0.773010433f, -0.740951121f, -0.707106769f, -0.671558976f, -0.634393275f, -0.59569931f,
    -0.555570245f, -0.514102757f, -0.471396744f, -0.427555084f, -0.382683426f, -0.336889863f,
    -0.290284663f, -0.242980182f, -0.195090324f, -0.146730468f, -0.0980171412f, -0.0490676761f,
    0.0f, 0.0490676761f, 0.0980171412f, 0.146730468f, 0.195090324f, 0.242980182f,
    0.290284663f, 0.336889863f, 0.382683426f, 0.427555084f, 0.471396744f, 0.514102757f,
    0.555570245f, 0.59569931f, 0.634393275f, 0.671558976f, 0.707106769f, 0.740951121f,
    0.773010433f, 0.803207517f, 0.831469595f, 0.857728601f, 0.881921291f, 0.903989315f,
    0.923879504f, 0.941544056f, 0.956940353f, 0.970031261f, 0.980785251f, 0.989176512f,
    0.99518472f, 0.99879545f,
};
#endif

/* The firmware may build with only the cosines its model uses (IMU_FEAT_COS_TABLE, IMU_FEAT_COS_LEN:
 * the exporter copies cos128[j * 128 / fft_len], the same floats, into model.c); every index
 * imu_features() reads is a multiple of 128 / fft_len. */
#ifdef IMU_FEAT_COS_TABLE
extern const float IMU_FEAT_COS_TABLE[IMU_FEAT_COS_LEN];
#define COS128(i) IMU_FEAT_COS_TABLE[((i) & 127u) / (128u / IMU_FEAT_COS_LEN)]
#else
#define COS128(i) cos128[(i) & 127u]
float imu_features_cos128(unsigned i) { return cos128[i & 127u]; }
#endif

/* Which frame paths are compiled: the host has both; the firmware only its model's
 * (IMU_FEAT_COS_LEN: the model's frame length, 0 for a model without the spectral group). */
#ifndef IMU_FEAT_COS_LEN
#define FEAT_PATH16 1
#define FEAT_PATH_ANY 1
#else
#define FEAT_PATH16 (IMU_FEAT_COS_LEN == 16)
#define FEAT_PATH_ANY (IMU_FEAT_COS_LEN != 16)
#endif

static inline uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float imu_sqrtf(float x)
{
    if (!(x > 0.0f)) return 0.0f;
    /* initial guess from the exponent, then Newton steps: a fixed sequence of IEEE operations */
    float y = u2f((f2u(x) >> 1) + 0x1fbd1df5u);
    y = 0.5f * (y + x / y);
    y = 0.5f * (y + x / y);
    y = 0.5f * (y + x / y);
    y = 0.5f * (y + x / y);
    return y;
}

float imu_log10f(float x)
{
    /* x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172 */
    uint32_t u = f2u(x);
    int e = (int)((u >> 23) & 0xffu) - 127;
    u = (u & 0x007fffffu) | 0x3f800000u; /* m in [1, 2) */
    float m = u2f(u);
    if (m > 1.41421356f) { m = m * 0.5f; e += 1; }
    float s = (m - 1.0f) / (m + 1.0f);
    float s2 = s * s;
    float p = 1.0f / 11.0f;
    p = p * s2 + 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    float ln_m = 2.0f * s * p;
    /* log10(x) = (ln m + e ln 2) / ln 10 */
    return ln_m * 0.434294482f + (float)e * 0.301029996f;
}

static int is_pow2(unsigned n) { return n && !(n & (n - 1)); }

int imu_features_count(const struct imu_feat_config *c)
{
    if (!c || c->n_axes < 1 || c->n_axes > IMU_FEAT_MAX_AXES || c->window_len < 2) return -1;
    if (c->n_sections > IMU_FEAT_MAX_SECTIONS) return -1;
    int per = 0;
    if (c->flags & IMU_FEAT_STATS) per += 4;
    if (c->flags & IMU_FEAT_SPECTRAL) {
        if (!is_pow2(c->fft_len) || c->fft_len < 8 || c->fft_len > IMU_FEAT_MAX_FFT) return -1;
        per += c->fft_len / 2;
    }
    if (c->flags & (IMU_FEAT_RAW | IMU_FEAT_DERIV)) {
        if (c->raw_points < 2) return -1;
        if (c->flags & IMU_FEAT_RAW) per += c->raw_points;
        if (c->flags & IMU_FEAT_DERIV) per += c->raw_points - 1;
    }
    if (c->flags & IMU_FEAT_SUBSTATS) {
        if (c->n_sub < 2 || c->n_sub > IMU_FEAT_MAX_SUB || c->n_sub > c->window_len) return -1;
        per += 2 * c->n_sub;
    }
    if (per == 0) return -1;
    return per * c->n_axes;
}

int imu_features_work_len(const struct imu_feat_config *c)
{
    const int nf = (c->flags & IMU_FEAT_SPECTRAL) ? c->fft_len : 0;
    return c->window_len + nf + nf / 2 + 2 * nf;
}

/* In-place complex FFT of m points (m power of two, 4 <= m <= 64), re/im interleaved, input
 * already in bit-reversed order. The first stage (twiddle 1) has no multiplications. */
static void cfft(float *z, unsigned m)
{
    for (unsigned i = 0; i < m; i += 2) {
        float *a = z + 2 * i, *b = a + 2;
        float br = b[0], bi = b[1];
        b[0] = a[0] - br; b[1] = a[1] - bi;
        a[0] = a[0] + br; a[1] = a[1] + bi;
    }
    for (unsigned len = 4; len <= m; len <<= 1) {
        unsigned half = len >> 1, step = 128u / len;
        /* k = 0 (w = 1) and k = half/2 (w = -i) without multiplications */
        for (unsigned i = 0; i < m; i += len) {
            float *a = z + 2 * i, *b = z + 2 * (i + half);
            float br = b[0], bi = b[1];
            b[0] = a[0] - br; b[1] = a[1] - bi;
            a[0] = a[0] + br; a[1] = a[1] + bi;
            a += half; b += half; /* k = half / 2: 2 floats per point */
            br = b[1]; bi = -b[0];
            b[0] = a[0] - br; b[1] = a[1] - bi;
            a[0] = a[0] + br; a[1] = a[1] + bi;
        }
        for (unsigned k = 1; k < half; k++) {
            if (2 * k == half) continue;
            /* w = exp(-2 pi i k / len) */
            unsigned t = k * step;
            const float wr = COS128(t), wi = -COS128(t + 96u);
            for (unsigned i = k; i < m; i += len) {
                float *a = z + 2 * i, *b = z + 2 * (i + half);
                float br = b[0] * wr - b[1] * wi;
                float bi = b[0] * wi + b[1] * wr;
                b[0] = a[0] - br; b[1] = a[1] - bi;
                a[0] = a[0] + br; a[1] = a[1] + bi;
            }
        }
    }
}

/* Power |X[k]|^2 / n for k = 1..n/2 of the real frame whose n/2-point complex FFT is in x; keeps
 * the maximum in pmax[k-1]. tw holds (cos, -sin)(2 pi k / n) for k = 1..n/2. The split step works
 * on 2X (the factors 1/2 are exact and folded into the final 1/(4n)), giving the same bits. */
static void real_power(const float *x, unsigned n, const float *tw, float *pmax)
{
    const unsigned m = n / 2;
    const float q = 0.25f / (float)n;
    for (unsigned k = 1; k <= m; k++) {
        const float *za = x + 2 * (k == m ? 0 : k), *zb = x + 2 * (m - k);
        float a = za[0], b = za[1], c = zb[0], d = zb[1];
        float er = a + c, ei = b - d;
        float orr = b + d, oi = c - a;
        float wr = tw[2 * k - 2], wi = tw[2 * k - 1];
        float xr = er + (wr * orr - wi * oi);
        float xi = ei + (wr * oi + wi * orr);
        float p = (xr * xr + xi * xi) * q;
        if (p > pmax[k - 1]) pmax[k - 1] = p;
    }
}

/* The butterflies of cfft on complex points held in variables: twiddle 1, twiddle -i, and w. */
#define BF1(ar, ai, br, bi) do { const float tr_ = (br), ti_ = (bi); \
        (br) = (ar) - tr_; (bi) = (ai) - ti_; (ar) = (ar) + tr_; (ai) = (ai) + ti_; } while (0)
#define BFJ(ar, ai, br, bi) do { const float tr_ = (bi), ti_ = -(br); \
        (br) = (ar) - tr_; (bi) = (ai) - ti_; (ar) = (ar) + tr_; (ai) = (ai) + ti_; } while (0)
#define BFW(ar, ai, br, bi, wr, wi) do { const float tr_ = (br) * (wr) - (bi) * (wi); \
        const float ti_ = (br) * (wi) + (bi) * (wr); \
        (br) = (ar) - tr_; (bi) = (ai) - ti_; (ar) = (ar) + tr_; (ai) = (ai) + ti_; } while (0)
/* Bins k and 8 - k of a 16-point frame from its complex points k = (a, b) and 8 - k = (c, d),
 * (wr, wi) the twiddle of bin k, into the running maxima sk and s8k (see frame16). */
static void pair16(float a, float b, float c, float d, float wr, float wi, float *sk, float *s8k)
{
    const float er = a + c, ei = b - d, orr = b + d, oi = c - a;
    const float t1 = wr * orr - wi * oi, t2 = wr * oi + wi * orr;
    const float xr = er + t1, xi = ei + t2, xr8 = er - t1, xi8 = t2 - ei;
    const float p = xr * xr + xi * xi, p8 = xr8 * xr8 + xi8 * xi8;
    if (p > *sk) *sk = p;
    if (p8 > *s8k) *s8k = p8;
}

/* cos(2 pi k / 16) for k = 1, 2, 3: the entries 8, 16 and 24 of cos128 (the same literals) */
#define C1_16 0.923879504f
#define C2_16 0.707106769f
#define C3_16 0.382683426f

/* One 16-point frame (sp: 16 mean-removed samples, win: the frame window): the power of bins
 * 1..8 times 4n, into the running maxima smax[0..7]. The same operations as the bit-reversed
 * load, cfft(m = 8) and real_power(n = 16) of the general path; the twiddles are the cos128
 * entries that path reads (wr = cos, wi = -sin). */
static void frame16(const float *sp, const float *win, float *smax)
{
    /* complex point p holds input pair rev[p] = 0, 4, 2, 6, 1, 5, 3, 7 */
    float r0 = sp[0] * win[0], i0 = sp[1] * win[1];
    float r1 = sp[8] * win[8], i1 = sp[9] * win[9];
    float r2 = sp[4] * win[4], i2 = sp[5] * win[5];
    float r3 = sp[12] * win[12], i3 = sp[13] * win[13];
    float r4 = sp[2] * win[2], i4 = sp[3] * win[3];
    float r5 = sp[10] * win[10], i5 = sp[11] * win[11];
    float r6 = sp[6] * win[6], i6 = sp[7] * win[7];
    float r7 = sp[14] * win[14], i7 = sp[15] * win[15];
    /* len 2 */
    BF1(r0, i0, r1, i1); BF1(r2, i2, r3, i3); BF1(r4, i4, r5, i5); BF1(r6, i6, r7, i7);
    /* len 4: k = 0 (1) and k = 1 (-i) */
    BF1(r0, i0, r2, i2); BFJ(r1, i1, r3, i3); BF1(r4, i4, r6, i6); BFJ(r5, i5, r7, i7);
    /* len 8: k = 0 (1), k = 2 (-i), k = 1 (t = 16) and k = 3 (t = 48) */
    BF1(r0, i0, r4, i4); BFJ(r2, i2, r6, i6);
    BFW(r1, i1, r5, i5, C2_16, -C2_16);
    BFW(r3, i3, r7, i7, -C2_16, -C2_16);
    /* the real split. Bins 4 and 8 pair a point with itself: with (a, b) = point 4, real_power's
     * er = a + a, ei = b - b = 0, or = b + b, oi = a - a = 0 and the twiddle (0, -1) give
     * xr = er, xi = -or; with point 0 and the twiddle (-1, -0), xr = er - or, xi = 0. */
    {
        const float er = r4 + r4, orr = i4 + i4, p = er * er + orr * orr;
        if (p > smax[3]) smax[3] = p;
    }
    {
        const float er = r0 + r0, orr = i0 + i0, xr = er - orr, p = xr * xr;
        if (p > smax[7]) smax[7] = p;
    }
    /* bins k and 8 - k (k = 1..3) from points k and 8 - k share their sums and products: for
     * 8 - k the points swap (er and or are the same sums, ei and oi change sign) and the twiddle
     * is (-wr, wi) (cos128 is symmetric), so xr = er + (wi oi - wr or) = er - t1 and
     * xi = -ei + (wr oi + wi or) = t2 - ei: the same values as real_power computes (up to the sign
     * of a zero, which the squares drop). */
    pair16(r1, i1, r7, i7, C1_16, -C3_16, &smax[0], &smax[6]);
    pair16(r2, i2, r6, i6, C2_16, -C2_16, &smax[1], &smax[5]);
    pair16(r3, i3, r5, i5, C3_16, -C1_16, &smax[2], &smax[4]);
}

/* The spectral group of one axis (sig: the mean-removed signal of n samples) for 16-point frames:
 * the log10 of the maximum power per bin, written to o[0..7]. */
static void spectral16(const struct imu_feat_config *c, const float *sig, unsigned n, float *frame,
                       const float *win, float *smax, float *o)
{
    for (unsigned k = 0; k < 8; k++) smax[k] = 0.0f;
    unsigned start = 0;
    for (; start + 16 <= n; start += 8) {
        frame16(sig + start, win, smax);
        if (start + 16 == n) break;
    }
    if (start + 16 > n) { /* the last frame runs past the window: zero padding */
        for (unsigned j = 0; j < 16; j++) frame[j] = start + j < n ? sig[start + j] : 0.0f;
        frame16(frame, win, smax);
    }
    for (unsigned k = 0; k < 8; k++) {
        const float p = smax[k] * (0.25f / 16.0f);
        *o++ = imu_log10f(p > c->log_floor ? p : c->log_floor);
    }
}

int imu_features(const struct imu_feat_config *c, const int16_t *x, const float *scale,
                 float *work, float *out)
{
    int total = imu_features_count(c);
    if (total < 0) return -1;
    const unsigned n = c->window_len, na = c->n_axes;
    const unsigned nf = (c->flags & IMU_FEAT_SPECTRAL) ? c->fft_len : 0, m = nf / 2;
    float *sig = work;        /* n */
    float *frame = work + n;  /* nf */
    float *pmax = frame + nf; /* nf / 2 */
    float *win = pmax + m;    /* nf: the frame window */
    float *tw = win + nf;     /* nf: twiddles of the real split step */
    uint8_t rev[IMU_FEAT_MAX_FFT / 2];
    float *o = out;

    if (nf) {
        const unsigned hs = 128u / nf;
        for (unsigned i = 0; i < nf; i++)
            win[i] = (c->flags & IMU_FEAT_HANN) ? 0.5f - 0.5f * COS128(i * hs) : 1.0f;
    }
    if (FEAT_PATH_ANY && nf && !(FEAT_PATH16 && nf == 16)) { /* the general path's tables */
        const unsigned hs = 128u / nf;
        for (unsigned k = 1; k <= m; k++) {
            unsigned t = k * hs;
            tw[2 * k - 2] = COS128(t);
            tw[2 * k - 1] = -COS128(t + 96u);
        }
        /* bit-reversed positions of the m complex points */
        unsigned bits = 0;
        while ((1u << bits) < m) bits++;
        for (unsigned j = 0; j < m; j++) {
            unsigned r = 0;
            for (unsigned b = 0; b < bits; b++) r |= ((j >> b) & 1u) << (bits - 1 - b);
            rev[j] = (uint8_t)r;
        }
    }
    for (unsigned ax = 0; ax < na; ax++) {
        const float sc = scale[ax];
        /* scaling and the sum in one pass; a filter changes the signal, and the sum is redone */
        float sum = 0;
        const int16_t *xp = x + ax;
        for (unsigned t = 0; t < n; t++, xp += na) {
            const float v = (float)*xp * sc;
            sig[t] = v;
            sum += v;
        }
        for (unsigned s = 0; s < c->n_sections; s++) {
            const float *q = c->sos[s];
            float x1 = 0, x2 = 0, y1 = 0, y2 = 0;
            sum = 0;
            for (unsigned t = 0; t < n; t++) {
                float x0 = sig[t];
                float y0 = q[0] * x0 + q[1] * x1 + q[2] * x2 - q[3] * y1 - q[4] * y2;
                x2 = x1; x1 = x0; y2 = y1; y1 = y0;
                sig[t] = y0;
                sum += y0;
            }
        }
        const float mean = sum / (float)n;
        /* from here on sig holds the mean-removed signal */
        float m2 = 0, m3 = 0, m4 = 0;
        for (unsigned t = 0; t < n; t++) {
            float d = sig[t] - mean, d2 = d * d;
            sig[t] = d;
            m2 += d2; m3 += d2 * d; m4 += d2 * d2;
        }
        if (c->flags & IMU_FEAT_STATS) {
            m2 = m2 / (float)n; m3 = m3 / (float)n; m4 = m4 / (float)n;
            float sd = imu_sqrtf(m2);
            *o++ = mean;
            *o++ = sd;
            if (m2 > 1e-12f) {
                *o++ = m3 / (m2 * sd);
                *o++ = m4 / (m2 * m2) - 3.0f;
            } else {
                *o++ = 0.0f;
                *o++ = 0.0f;
            }
        }
        if (FEAT_PATH16 && nf == 16) {
            spectral16(c, sig, n, frame, win, pmax, o);
            o += 8;
        } else if (FEAT_PATH_ANY && nf) {
            const unsigned hop = nf / 2;
            for (unsigned k = 0; k < m; k++) pmax[k] = 0.0f;
            for (unsigned start = 0;; start += hop) {
                const float *sp = sig + start;
                if (start + nf <= n) {
                    for (unsigned j = 0; j < m; j++) {
                        float *z = frame + 2 * rev[j];
                        z[0] = sp[2 * j] * win[2 * j];
                        z[1] = sp[2 * j + 1] * win[2 * j + 1];
                    }
                } else { /* past the end of the window: zero padding */
                    for (unsigned j = 0; j < m; j++) {
                        float *z = frame + 2 * rev[j];
                        z[0] = start + 2 * j < n ? sp[2 * j] * win[2 * j] : 0.0f;
                        z[1] = start + 2 * j + 1 < n ? sp[2 * j + 1] * win[2 * j + 1] : 0.0f;
                    }
                }
                cfft(frame, m);
                real_power(frame, nf, tw, pmax);
                if (start + nf >= n) break;
            }
            for (unsigned k = 0; k < m; k++) {
                float p = pmax[k] > c->log_floor ? pmax[k] : c->log_floor;
                *o++ = imu_log10f(p);
            }
        }
        if (c->flags & IMU_FEAT_SUBSTATS) {
            /* sub-segment k: samples [k n / n_sub, (k + 1) n / n_sub) of the mean-removed signal */
            const unsigned ns = c->n_sub;
            for (unsigned k = 0; k < ns; k++) {
                const unsigned a = k * n / ns, b = (k + 1) * n / ns;
                float s1 = 0, s2 = 0;
                for (unsigned t = a; t < b; t++) { s1 += sig[t]; s2 += sig[t] * sig[t]; }
                const float len = (float)(b - a);
                *o++ = s1 / len;
                *o++ = imu_sqrtf(s2 / len);
            }
        }
        if (c->flags & (IMU_FEAT_RAW | IMU_FEAT_DERIV)) {
            const unsigned P = c->raw_points;
            float prev = 0;
            float *deriv = o + ((c->flags & IMU_FEAT_RAW) ? P : 0);
            for (unsigned i = 0; i < P; i++) {
                unsigned num = i * (n - 1), idx = num / (P - 1), rem = num % (P - 1);
                float v0 = (float)x[idx * na + ax] * sc;
                float v = v0;
                if (rem) {
                    float v1 = (float)x[(idx + 1) * na + ax] * sc;
                    v = v0 + (v1 - v0) * ((float)rem / (float)(P - 1));
                }
                v = v * c->raw_scale;
                if (c->flags & IMU_FEAT_RAW) *o++ = v;
                if ((c->flags & IMU_FEAT_DERIV) && i > 0) deriv[i - 1] = v - prev;
                prev = v;
            }
            if (c->flags & IMU_FEAT_DERIV) o = deriv + (P - 1);
        }
    }
    return total;
}
