/* SPDX-License-Identifier: MIT */
/* features_ref.c -- the feature extractor as it was before the 16-point frame path of issue 15
 * (portable/imu_features.c at commit 0e0e4be), frozen: tests/trainer/test_features_frozen.c
 * requires the current imu_features() to give byte-identical vectors. Do not edit: it is the
 * reference that the device's and the host's features are compared with. */
#include <stdint.h>
#include <string.h>

#include "features_ref.h"

static const float ref_cos128[128] = {
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
#define REFCOS(i) ref_cos128[(unsigned)(i) & 127u]

static inline uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static float ref_sqrtf(float x)
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

static float ref_log10f(float x)
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

static int ref_is_pow2(unsigned n) { return n && !(n & (n - 1)); }

static int ref_count(const struct imu_feat_config *c)
{
    if (!c || c->n_axes < 1 || c->n_axes > IMU_FEAT_MAX_AXES || c->window_len < 2) return -1;
    if (c->n_sections > IMU_FEAT_MAX_SECTIONS) return -1;
    int per = 0;
    if (c->flags & IMU_FEAT_STATS) per += 4;
    if (c->flags & IMU_FEAT_SPECTRAL) {
        if (!ref_is_pow2(c->fft_len) || c->fft_len < 8 || c->fft_len > IMU_FEAT_MAX_FFT) return -1;
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

int features_ref_work_len(const struct imu_feat_config *c)
{
    const int nf = (c->flags & IMU_FEAT_SPECTRAL) ? c->fft_len : 0;
    return c->window_len + nf + nf / 2 + 2 * nf;
}

/* In-place complex FFT of m points (m power of two, 4 <= m <= 64), re/im interleaved, input
 * already in bit-reversed order. The first stage (twiddle 1) has no multiplications. */
static void ref_cfft(float *z, unsigned m)
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
            const float wr = REFCOS(t), wi = -REFCOS(t + 96u);
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
static void ref_real_power(const float *x, unsigned n, const float *tw, float *pmax)
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

int features_ref(const struct imu_feat_config *c, const int16_t *x, const float *scale,
                 float *work, float *out)
{
    int total = ref_count(c);
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
            win[i] = (c->flags & IMU_FEAT_HANN) ? 0.5f - 0.5f * REFCOS(i * hs) : 1.0f;
        for (unsigned k = 1; k <= m; k++) {
            unsigned t = k * hs;
            tw[2 * k - 2] = REFCOS(t);
            tw[2 * k - 1] = -REFCOS(t + 96u);
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
        for (unsigned t = 0; t < n; t++) sig[t] = (float)x[t * na + ax] * sc;
        for (unsigned s = 0; s < c->n_sections; s++) {
            const float *q = c->sos[s];
            float x1 = 0, x2 = 0, y1 = 0, y2 = 0;
            for (unsigned t = 0; t < n; t++) {
                float x0 = sig[t];
                float y0 = q[0] * x0 + q[1] * x1 + q[2] * x2 - q[3] * y1 - q[4] * y2;
                x2 = x1; x1 = x0; y2 = y1; y1 = y0;
                sig[t] = y0;
            }
        }
        float sum = 0;
        for (unsigned t = 0; t < n; t++) sum += sig[t];
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
            float sd = ref_sqrtf(m2);
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
        if (nf) {
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
                ref_cfft(frame, m);
                ref_real_power(frame, nf, tw, pmax);
                if (start + nf >= n) break;
            }
            for (unsigned k = 0; k < m; k++) {
                float p = pmax[k] > c->log_floor ? pmax[k] : c->log_floor;
                *o++ = ref_log10f(p);
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
                *o++ = ref_sqrtf(s2 / len);
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
