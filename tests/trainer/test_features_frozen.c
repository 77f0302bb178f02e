/* SPDX-License-Identifier: MIT */
/* test_features_frozen -- imu_features() must give byte-identical feature vectors to the frozen
 * copy of the code before the faster 16-point frame path (features_ref.c): the models trained
 * before that change, and the devices running them, compute the same bits. Random configurations
 * (every feature group, frame lengths 8..128 with and without the Hann window, 0..2 filter
 * sections, 1..9 axes, windows shorter and longer than a frame, padded last frames or not) and
 * random windows (uniform, small, extreme, constant, one spike), 16-point frames weighted most. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "features_ref.h"
#include "imu_features.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* splitmix64: the test's random numbers, the same on every machine */
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static unsigned rndu(unsigned n) { return (unsigned)(rnd() % n); }
static float rndf(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() >> 40) / (float)(1u << 24); }

/* A random valid configuration; frame length 16 (the default models') in half of them. */
static void random_config(struct imu_feat_config *c)
{
    memset(c, 0, sizeof *c);
    c->n_axes = (uint16_t)(1 + rndu(rndu(4) ? 6 : IMU_FEAT_MAX_AXES));
    c->window_len = (uint16_t)(2 + rndu(rndu(3) ? 200 : 400));
    do c->flags = (uint16_t)rndu(64); while (!(c->flags & ~IMU_FEAT_HANN));
    if (rndu(2)) c->flags |= IMU_FEAT_SPECTRAL;
    c->fft_len = (uint16_t)(rndu(2) ? 16 : 8u << rndu(5));
    c->raw_points = (uint16_t)(2 + rndu(40));
    c->n_sub = (uint16_t)(2 + rndu(c->window_len - 1 < IMU_FEAT_MAX_SUB - 1 ? c->window_len - 1 : IMU_FEAT_MAX_SUB - 1));
    c->raw_scale = rndu(2) ? 1.0f : rndf(0.01f, 10.0f);
    c->log_floor = rndu(4) ? 1e-10f : rndf(0.0f, 1e-3f);
    c->n_sections = (uint16_t)(rndu(3) ? 0 : 1 + rndu(IMU_FEAT_MAX_SECTIONS));
    for (unsigned s = 0; s < c->n_sections; s++) {
        /* a stable section: poles inside the unit circle */
        const float r = rndf(0.0f, 0.95f);
        c->sos[s][0] = rndf(-1, 1); c->sos[s][1] = rndf(-1, 1); c->sos[s][2] = rndf(-1, 1);
        c->sos[s][3] = -2.0f * r * rndf(-1, 1); /* -2 r cos(theta) */
        c->sos[s][4] = r * r;
    }
}

/* A random window: the kind of signal chosen at random. */
static void random_window(int16_t *x, unsigned len)
{
    const unsigned kind = rndu(8);
    const int16_t level = (int16_t)(rndu(65536) - 32768);
    for (unsigned i = 0; i < len; i++) {
        switch (kind) {
        case 0: x[i] = level; break;                                      /* constant: m2 = 0 */
        case 1: x[i] = (int16_t)(rndu(2) ? 32767 : -32768); break;         /* extremes */
        case 2: x[i] = (int16_t)(level / 2 + (int)rndu(5) - 2); break;     /* small changes */
        case 3: x[i] = (int16_t)(i == len / 2 ? 30000 : 0); break;          /* one spike */
        default: x[i] = (int16_t)(rndu(65536) - 32768); break;             /* uniform */
        }
    }
}

int main(void)
{
    enum { RUNS = 10000 };
    static int16_t x[402 * IMU_FEAT_MAX_AXES];
    static float work_new[2048], work_ref[2048], out_new[4096], out_ref[4096];
    int checked = 0, with16 = 0;
    for (int run = 0; run < RUNS; run++) {
        struct imu_feat_config c;
        random_config(&c);
        if (run < 8) { /* the default model's configuration: 104 samples x 3 axes, stats, 8 bins, 8 points */
            memset(&c, 0, sizeof c);
            c.n_axes = 3; c.window_len = 104; c.fft_len = 16; c.raw_points = 8;
            c.flags = IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_RAW | IMU_FEAT_HANN;
            c.raw_scale = 0.50035024f; c.log_floor = 1e-10f;
        }
        const int count = imu_features_count(&c);
        if (count < 0) continue;
        REQUIRE(count <= 4096 && imu_features_work_len(&c) <= 2048);
        CHECK_EQ(imu_features_work_len(&c), features_ref_work_len(&c));
        float scale[IMU_FEAT_MAX_AXES];
        for (unsigned a = 0; a < c.n_axes; a++)
            scale[a] = rndu(2) ? 9.14914417e-05f : rndf(1e-6f, 1.0f) * (rndu(2) ? 1.0f : -1.0f);
        random_window(x, (unsigned)c.window_len * c.n_axes);
        /* garbage in the workspaces: nothing may depend on what they held */
        for (int i = 0; i < 2048; i++) work_new[i] = work_ref[i] = (float)rndu(1000) - 500.0f;
        const int a = imu_features(&c, x, scale, work_new, out_new);
        const int b = features_ref(&c, x, scale, work_ref, out_ref);
        CHECK_EQ(a, count);
        CHECK_EQ(b, count);
        if (memcmp(out_new, out_ref, sizeof(float) * (size_t)count) != 0) {
            int k = 0;
            while (memcmp(&out_new[k], &out_ref[k], sizeof(float)) == 0) k++;
            CHECK_MSG(0, "run %d (axes %u, window %u, flags 0x%x, fft %u, sections %u): feature %d is "
                         "%.9g, the frozen code gives %.9g", run, c.n_axes, c.window_len, c.flags,
                      c.fft_len, c.n_sections, k, out_new[k], out_ref[k]);
        }
        checked++;
        if ((c.flags & IMU_FEAT_SPECTRAL) && c.fft_len == 16) with16++;
    }
    printf("%d random windows compared byte for byte (%d with 16-point frames)\n", checked, with16);
    CHECK_MSG(checked > RUNS / 2 && with16 > RUNS / 5, "too few configurations were valid: %d, %d", checked, with16);
    return check_report("test_features_frozen");
}
