/* imu_features.c -- see imu_features.h. Portable C for the host and the Cortex-M4F; no libm, no allocation. */
#include "imu_features.h"

#include <string.h>

/* cos(2*pi*k/128), k = 0..127, correctly rounded to float. sin(2*pi*k/128) = cos table[(k+96)&127]. */
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
    if (c->flags & IMU_FEAT_RAW) {
        if (c->raw_points < 2) return -1;
        per += c->raw_points;
    }
    if (per == 0) return -1;
    return per * c->n_axes;
}

int imu_features_work_len(const struct imu_feat_config *c)
{
    const int nf = (c->flags & IMU_FEAT_SPECTRAL) ? c->fft_len : 0;
    return c->window_len + nf + nf / 2;
}

/* In-place complex FFT of m points (m power of two, m <= 64), re/im interleaved. */
static void cfft(float *z, unsigned m)
{
    /* bit reversal */
    for (unsigned i = 1, j = 0; i < m; i++) {
        unsigned bit = m >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            float tr = z[2 * i], ti = z[2 * i + 1];
            z[2 * i] = z[2 * j]; z[2 * i + 1] = z[2 * j + 1];
            z[2 * j] = tr; z[2 * j + 1] = ti;
        }
    }
    for (unsigned len = 2; len <= m; len <<= 1) {
        unsigned half = len >> 1, step = 128u / len;
        for (unsigned i = 0; i < m; i += len) {
            for (unsigned k = 0; k < half; k++) {
                /* w = exp(-2 pi i k / len) */
                unsigned t = k * step;
                float wr = cos128[t], wi = -cos128[(t + 96u) & 127u];
                float *a = z + 2 * (i + k), *b = z + 2 * (i + k + half);
                float br = b[0] * wr - b[1] * wi;
                float bi = b[0] * wi + b[1] * wr;
                b[0] = a[0] - br; b[1] = a[1] - bi;
                a[0] = a[0] + br; a[1] = a[1] + bi;
            }
        }
    }
}

/* Power |X[k]|^2 / n for k = 1..n/2 of the real frame x[0..n-1] (overwritten); keeps the
 * maximum in pmax[k-1]. */
static void real_power(float *x, unsigned n, float *pmax)
{
    unsigned m = n / 2, step = 128u / n;
    cfft(x, m); /* x[2j] + i x[2j+1] as m complex points */
    float inv_n = 1.0f / (float)n;
    for (unsigned k = 1; k <= m; k++) {
        unsigned km = (k == m) ? 0 : k, mk = (m - k) % m;
        float a = x[2 * km], b = x[2 * km + 1], c = x[2 * mk], d = x[2 * mk + 1];
        float er = 0.5f * (a + c), ei = 0.5f * (b - d);
        float orr = 0.5f * (b + d), oi = -0.5f * (a - c);
        unsigned t = k * step;
        float wr = cos128[t & 127u], wi = -cos128[(t + 96u) & 127u];
        float xr = er + (wr * orr - wi * oi);
        float xi = ei + (wr * oi + wi * orr);
        float p = (xr * xr + xi * xi) * inv_n;
        if (p > pmax[k - 1]) pmax[k - 1] = p;
    }
}

int imu_features(const struct imu_feat_config *c, const int16_t *x, const float *scale,
                 float *work, float *out)
{
    int total = imu_features_count(c);
    if (total < 0) return -1;
    const unsigned n = c->window_len, na = c->n_axes;
    float *sig = work;                 /* n */
    float *frame = work + n;           /* fft_len */
    float *pmax = frame + ((c->flags & IMU_FEAT_SPECTRAL) ? c->fft_len : 0); /* fft_len / 2 */
    float *o = out;

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
        if (c->flags & IMU_FEAT_STATS) {
            float m2 = 0, m3 = 0, m4 = 0;
            for (unsigned t = 0; t < n; t++) {
                float d = sig[t] - mean, d2 = d * d;
                m2 += d2; m3 += d2 * d; m4 += d2 * d2;
            }
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
        if (c->flags & IMU_FEAT_SPECTRAL) {
            const unsigned nf = c->fft_len, hop = nf / 2, nb = nf / 2, hs = 128u / nf;
            for (unsigned k = 0; k < nb; k++) pmax[k] = 0.0f;
            for (unsigned start = 0;; start += hop) {
                for (unsigned i = 0; i < nf; i++) {
                    float v = (start + i < n) ? sig[start + i] - mean : 0.0f;
                    if (c->flags & IMU_FEAT_HANN) v = v * (0.5f - 0.5f * cos128[(i * hs) & 127u]);
                    frame[i] = v;
                }
                real_power(frame, nf, pmax);
                if (start + nf >= n) break;
            }
            for (unsigned k = 0; k < nb; k++) {
                float p = pmax[k] > c->log_floor ? pmax[k] : c->log_floor;
                *o++ = imu_log10f(p);
            }
        }
        if (c->flags & IMU_FEAT_RAW) {
            const unsigned P = c->raw_points;
            for (unsigned i = 0; i < P; i++) {
                unsigned num = i * (n - 1), idx = num / (P - 1), rem = num % (P - 1);
                float v0 = (float)x[idx * na + ax] * sc;
                float v = v0;
                if (rem) {
                    float v1 = (float)x[(idx + 1) * na + ax] * sc;
                    v = v0 + (v1 - v0) * ((float)rem / (float)(P - 1));
                }
                *o++ = v * c->raw_scale;
            }
        }
    }
    return total;
}
