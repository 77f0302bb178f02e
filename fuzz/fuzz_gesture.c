/* SPDX-License-Identifier: MIT */
/* fuzz_gesture -- gesture mode's device path on arbitrary input: the bytes a host (or noise) can
 * put into CMD_VALIDATE chunks, or a sensor into the live stream, go through the motion segmenter,
 * the gesture buffer and the resampler exactly as firmware/app/classifier_main.c runs them, then
 * into imu_features(). Input: 1 byte of axes (1..9), 1 byte of buffer size (even, 4..512),
 * 2 bytes of resampled points (2..1024), then int16 samples. Checks, beyond the sanitizers: the
 * buffer never holds more than its capacity; every resampled value lies between the smallest and
 * the largest value in the buffer; first and last points are the buffer's; features are finite or
 * the feature configuration says why not (they are computed from bounded int16 values).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imu_features.h"
#include "segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 4) return 0;
    const unsigned na = 1u + d[0] % IMU_SEG_MAX_AXES;
    const unsigned cap = 4u + 2u * (d[1] % 255u);
    const unsigned pts = 2u + (unsigned)((d[2] | (d[3] << 8)) % (IMU_RESAMPLE_MAX_POINTS - 1));
    d += 4;
    n -= 4;
    const size_t ns = n / (2u * na);
    static int16_t store[512 * IMU_SEG_MAX_AXES], win[IMU_RESAMPLE_MAX_POINTS * IMU_SEG_MAX_AXES];
    static float work[IMU_RESAMPLE_MAX_POINTS + 64 * 4], feat[IMU_SEG_MAX_AXES * 1200];
    struct imu_seg_config c = {.n_axes = (uint16_t)na, .hold = 3, .min_len = 4, .max_len = 200, .base_rate = 0.05f,
                               .smooth = 0.25f, .idle_rate = 0.02f, .on_level = 0.5f, .off_level = 0.2f,
                               .idle_init = 0.0f};
    float scale[IMU_SEG_MAX_AXES];
    for (unsigned a = 0; a < IMU_SEG_MAX_AXES; a++) scale[a] = 1.0f / 4096.0f;
    if (imu_seg_config_check(&c)) abort();
    struct imu_seg_state st;
    imu_seg_init(&st, &c, scale);
    struct imu_gbuf g;
    imu_gbuf_init(&g, store, (uint16_t)na, (uint16_t)cap);
    /* the whole input as one validation gesture, and the segmenter over it as a live stream */
    for (size_t t = 0; t < ns; t++) {
        int16_t x[IMU_SEG_MAX_AXES];
        for (unsigned a = 0; a < na; a++) {
            const uint8_t *p = d + 2u * (t * na + a);
            x[a] = (int16_t)(uint16_t)(p[0] | (p[1] << 8));
        }
        uint32_t s0 = 0, l0 = 0;
        int ev = imu_seg_push(&st, x, &s0, &l0);
        if ((ev == IMU_SEG_END || ev == IMU_SEG_DROPPED) && (l0 < 1 || l0 > c.max_len || s0 + l0 != t + 1)) abort();
        imu_gbuf_push(&g, x);
        if (g.n > cap) abort();
    }
    {
        uint32_t s0 = 0, l0 = 0;
        int ev = imu_seg_finish(&st, &s0, &l0); /* the end of the input ends a running segment */
        if ((ev == IMU_SEG_END || ev == IMU_SEG_DROPPED) && (l0 < 1 || l0 > c.max_len || s0 + l0 != ns)) abort();
        if (st.active || imu_seg_finish(&st, NULL, NULL) != IMU_SEG_NONE) abort();
    }
    uint16_t kept = imu_gbuf_finish(&g);
    if (kept > cap || (ns > 0 && kept == 0)) abort();
    if (kept == 0) return 0;
    imu_resample_i16(store, kept, (uint16_t)na, win, (uint16_t)pts);
    for (unsigned a = 0; a < na; a++) {
        int lo = 32767, hi = -32768;
        for (unsigned t = 0; t < kept; t++) {
            int v = store[t * na + a];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        for (unsigned i = 0; i < pts; i++)
            if (win[i * na + a] < lo || win[i * na + a] > hi) abort();
        if (win[a] != store[a] || win[(pts - 1) * na + a] != store[(kept - 1) * na + a]) abort();
    }
    /* the gesture-mode default features on the resampled window */
    struct imu_feat_config f = {.n_axes = (uint16_t)na, .window_len = (uint16_t)pts,
                                .flags = IMU_FEAT_STATS | IMU_FEAT_SUBSTATS | IMU_FEAT_RAW | IMU_FEAT_DERIV,
                                .raw_points = 16, .n_sub = 4, .raw_scale = 1.0f, .log_floor = 1e-10f};
    if (pts < 4) return 0;
    if (imu_features_work_len(&f) > (int)(sizeof work / sizeof work[0])) abort();
    int nf = imu_features(&f, win, scale, work, feat);
    if (nf <= 0) abort();
    for (int k = 0; k < nf; k++)
        if (!(feat[k] == feat[k]) || feat[k] > 1e30f || feat[k] < -1e30f) abort();
    return 0;
}
