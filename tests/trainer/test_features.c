/* SPDX-License-Identifier: MIT */
/* test_features -- the portable feature extractor against a straightforward double-precision
 * reference (naive DFT, libm), and its math helpers against libm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "imu_features.h"


static void reference(const struct imu_feat_config *c, const int16_t *x, const float *scale, double *out)
{
    const int n = c->window_len, na = c->n_axes;
    double *s = malloc(sizeof(double) * n);
    int o = 0;
    for (int a = 0; a < na; a++) {
        for (int t = 0; t < n; t++) s[t] = (double)(float)((float)x[t * na + a] * scale[a]);
        double mean = 0;
        for (int t = 0; t < n; t++) mean += s[t];
        mean /= n;
        if (c->flags & IMU_FEAT_STATS) {
            double m2 = 0, m3 = 0, m4 = 0;
            for (int t = 0; t < n; t++) { double d = s[t] - mean; m2 += d * d; m3 += d * d * d; m4 += d * d * d * d; }
            m2 /= n; m3 /= n; m4 /= n;
            out[o++] = mean;
            out[o++] = sqrt(m2);
            out[o++] = m2 > 1e-12 ? m3 / pow(m2, 1.5) : 0;
            out[o++] = m2 > 1e-12 ? m4 / (m2 * m2) - 3 : 0;
        }
        if (c->flags & IMU_FEAT_SPECTRAL) {
            int N = c->fft_len;
            double pmax[64] = {0};
            for (int st = 0;; st += N / 2) {
                for (int k = 1; k <= N / 2; k++) {
                    double re = 0, im = 0;
                    for (int i = 0; i < N; i++) {
                        double v = st + i < n ? s[st + i] - mean : 0;
                        if (c->flags & IMU_FEAT_HANN) v *= 0.5 - 0.5 * cos(2 * M_PI * i / N);
                        re += v * cos(2 * M_PI * k * i / N);
                        im -= v * sin(2 * M_PI * k * i / N);
                    }
                    double p = (re * re + im * im) / N;
                    if (p > pmax[k - 1]) pmax[k - 1] = p;
                }
                if (st + N >= n) break;
            }
            for (int k = 0; k < N / 2; k++) out[o++] = log10(pmax[k] > c->log_floor ? pmax[k] : c->log_floor);
        }
        if (c->flags & IMU_FEAT_RAW) {
            int P = c->raw_points;
            for (int i = 0; i < P; i++) {
                double pos = (double)i * (n - 1) / (P - 1);
                int i0 = (int)pos;
                double fr = pos - i0, v0 = (float)x[i0 * na + a] * scale[a];
                double v1 = i0 + 1 < n ? (float)x[(i0 + 1) * na + a] * scale[a] : v0;
                out[o++] = (v0 + (v1 - v0) * fr) * c->raw_scale;
            }
        }
    }
    free(s);
}

int main(void)
{
    /* helpers */
    for (double x = 1e-10; x < 1e10; x *= 1.37) {
        double e = fabs(imu_log10f((float)x) - log10((float)x));
        CHECK_MSG(e < 2e-6, "log10(%g) error %g", x, e);
        double r = fabs(imu_sqrtf((float)x) - sqrt((float)x)) / sqrt((float)x);
        CHECK_MSG(r < 3e-7, "sqrt(%g) relative error %g", x, r);
    }
    CHECK_MSG(imu_sqrtf(0) == 0 && imu_sqrtf(-1) == 0, "sqrt of 0 / negative");
    CHECK_MSG(imu_log10f(1.0f) == 0.0f, "log10(1) = %g", imu_log10f(1.0f));

    /* feature vectors on random and structured windows */
    const struct { int n, fft, flags, raw; } cfgs[] = {
        {104, 16, IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_RAW | IMU_FEAT_HANN, 8},
        {104, 32, IMU_FEAT_STATS | IMU_FEAT_SPECTRAL, 0},
        {100, 64, IMU_FEAT_SPECTRAL | IMU_FEAT_HANN, 0},
        {20, 32, IMU_FEAT_SPECTRAL, 0},       /* window shorter than the frame: zero padding */
        {50, 8, IMU_FEAT_RAW | IMU_FEAT_STATS, 50},
        {256, 128, IMU_FEAT_SPECTRAL, 0},
    };
    uint32_t seed = 1;
    for (unsigned ci = 0; ci < sizeof cfgs / sizeof cfgs[0]; ci++) {
        struct imu_feat_config c = {0};
        c.n_axes = 3;
        c.window_len = (uint16_t)cfgs[ci].n;
        c.flags = (uint16_t)cfgs[ci].flags;
        c.fft_len = (uint16_t)cfgs[ci].fft;
        c.raw_points = (uint16_t)cfgs[ci].raw;
        c.raw_scale = 0.5f;
        c.log_floor = 1e-10f;
        int nf = imu_features_count(&c);
        CHECK_MSG(nf > 0, "config %u invalid", ci);
        int16_t *x = malloc(sizeof(int16_t) * c.window_len * 3);
        float *work = malloc(sizeof(float) * imu_features_work_len(&c));
        float *f = malloc(sizeof(float) * nf), *f2 = malloc(sizeof(float) * nf);
        double *r = malloc(sizeof(double) * nf);
        float scale[3] = {1.0f / 4096, 1.0f / 2048, 0.001f};
        for (int t = 0; t < c.window_len; t++) {
            seed = seed * 1664525u + 1013904223u;
            x[t * 3] = (int16_t)(3000 * sin(t * 0.7) + (int)(seed >> 22) - 512);
            x[t * 3 + 1] = (int16_t)((seed >> 16) & 0x7fff) - 16384;
            x[t * 3 + 2] = (int16_t)(t % 10 < 5 ? 1000 : -1000);
        }
        CHECK_MSG(imu_features(&c, x, scale, work, f) == nf, "count");
        reference(&c, x, scale, r);
        for (int i = 0; i < nf; i++) {
            double tol = 1e-3 * fmax(1.0, fabs(r[i]));
            CHECK_MSG(fabs(f[i] - r[i]) <= tol, "config %u feature %d: %.7g vs reference %.7g", ci, i, f[i], r[i]);
        }
        /* deterministic: the same call gives the same bits */
        imu_features(&c, x, scale, work, f2);
        CHECK_MSG(memcmp(f, f2, sizeof(float) * nf) == 0, "not repeatable");
        free(x); free(work); free(f); free(f2); free(r);
    }
    struct imu_feat_config bad = {0};
    bad.n_axes = 3; bad.window_len = 104; bad.flags = IMU_FEAT_SPECTRAL; bad.fft_len = 24;
    CHECK_MSG(imu_features_count(&bad) == -1, "fft 24 accepted");
    return check_report("test_features");
}
