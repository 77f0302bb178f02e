/* SPDX-License-Identifier: MIT */
/* test_segment -- gesture mode's portable pieces (portable/segment.c), against values worked out
 * by hand or by an independent reference:
 *  1. imu_resample_i16: identity at the same length, exact end points, linear ramps stay on the
 *     line, rounding half away from zero on both signs, a single sample repeated, against a
 *     double-precision reference (|difference| <= 0.5) on random data;
 *  2. imu_gbuf: a short gesture is kept as is; a long one is block means (floor) of a power of
 *     two, worked out by hand; negative values floor towards minus infinity;
 *  3. imu_seg: on a stream of idle noise and bursts of motion, it finds each burst once
 *     (onset within a few samples of the burst, end after the burst plus the decay of the smoothed
 *     energy plus the hold time), keeps a
 *     burst with a short dip as one gesture (hysteresis), drops a blip shorter than min_len, cuts
 *     a too-long burst at max_len and waits for quiet before the next onset; imu_seg_find and the
 *     streaming imu_seg_push agree; a bad configuration is refused;
 *  4. recall on continuous recordings (several gestures of different strength and length with
 *     idle between them, the last one running into the end of the recording): every gesture found
 *     once, onset and end near the truth, nothing found in the idle parts; imu_seg_finish ends
 *     the gesture the recording stops in (before it, a recording that stopped less than the hold
 *     time after a gesture lost it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "segment.h"


static void resample(void)
{
    int16_t x[64], y[64];
    for (int i = 0; i < 16; i++) x[i] = (int16_t)(i * 37 - 300);
    imu_resample_i16(x, 16, 1, y, 16);
    CHECK_MSG(!memcmp(x, y, 16 * sizeof(int16_t)), "resample to the same length is not the identity");
    /* a ramp 0, 10, ..., 90 (10 samples) to 19 points: 0, 5, 10, ... exactly */
    for (int i = 0; i < 10; i++) x[i] = (int16_t)(10 * i);
    imu_resample_i16(x, 10, 1, y, 19);
    for (int i = 0; i < 19; i++) CHECK_MSG(y[i] == 5 * i, "ramp point %d: %d, want %d", i, y[i], 5 * i);
    /* half-way values round away from zero: [0, 1] -> [0, 1, 1]; [0, -1] -> [0, -1, -1] */
    int16_t a[2] = {0, 1}, b[2] = {0, -1}, o[3];
    imu_resample_i16(a, 2, 1, o, 3);
    CHECK_MSG(o[0] == 0 && o[1] == 1 && o[2] == 1, "[0,1] -> %d %d %d", o[0], o[1], o[2]);
    imu_resample_i16(b, 2, 1, o, 3);
    CHECK_MSG(o[0] == 0 && o[1] == -1 && o[2] == -1, "[0,-1] -> %d %d %d", o[0], o[1], o[2]);
    int16_t one[2] = {-7, 9}, r[8];
    imu_resample_i16(one, 1, 2, r, 4);
    for (int i = 0; i < 4; i++) CHECK_MSG(r[2 * i] == -7 && r[2 * i + 1] == 9, "one sample, point %d", i);
    /* random data, 3 axes, against double precision; extreme values too */
    uint32_t s = 12345;
    int16_t big[3 * 300], out[3 * 1024];
    for (int n = 2; n <= 300; n += 37)
        for (int p = 2; p <= 1024; p = p * 3 + 1) {
            for (int i = 0; i < 3 * n; i++) {
                s = s * 1664525u + 1013904223u;
                big[i] = (int16_t)(s >> 16);
            }
            big[0] = 32767;
            big[3] = -32768;
            imu_resample_i16(big, (uint32_t)n, 3, out, (uint16_t)p);
            for (int i = 0; i < p; i++)
                for (int k = 0; k < 3; k++) {
                    double pos = (double)i * (n - 1) / (p - 1);
                    int j = (int)pos;
                    double f = pos - j;
                    double ref = j + 1 < n ? big[3 * j + k] + (big[3 * (j + 1) + k] - big[3 * j + k]) * f : big[3 * j + k];
                    CHECK_MSG(fabs(out[3 * i + k] - ref) <= 0.5 + 1e-9, "n %d p %d point %d axis %d: %d vs %.2f", n, p, i, k,
                          out[3 * i + k], ref);
                }
            CHECK_MSG(out[0] == big[0] && out[3 * (p - 1)] == big[3 * (n - 1)], "end points moved (n %d, p %d)", n, p);
        }
}

static void gbuf(void)
{
    int16_t st[8 * 2];
    struct imu_gbuf g;
    imu_gbuf_init(&g, st, 1, 8);
    for (int i = 0; i < 5; i++) { int16_t v = (int16_t)(i * 3); imu_gbuf_push(&g, &v); }
    CHECK_MSG(imu_gbuf_finish(&g) == 5, "5 samples in a buffer of 8: %u kept", g.n);
    for (int i = 0; i < 5; i++) CHECK_MSG(st[i] == i * 3, "short gesture sample %d: %d", i, st[i]);
    /* 0..19 into 8: kept as means of 4 (floor): 1, 5, 9, 13, 17 */
    imu_gbuf_reset(&g);
    for (int i = 0; i < 20; i++) { int16_t v = (int16_t)i; imu_gbuf_push(&g, &v); }
    uint16_t n = imu_gbuf_finish(&g);
    const int16_t want[5] = {1, 5, 9, 13, 17};
    CHECK_MSG(n == 5 && g.step == 4, "20 samples into 8: %u kept, step %u (want 5, 4)", n, (unsigned)g.step);
    for (int i = 0; i < 5 && i < n; i++) CHECK_MSG(st[i] == want[i], "long gesture sample %d: %d, want %d", i, st[i], want[i]);
    /* a partial block at the end: 0..9 into 8 -> 0,2,4,6 (pairs, after the buffer filled) then 8.5 -> 8 */
    imu_gbuf_reset(&g);
    for (int i = 0; i < 10; i++) { int16_t v = (int16_t)i; imu_gbuf_push(&g, &v); }
    n = imu_gbuf_finish(&g);
    CHECK_MSG(n == 5 && st[0] == 0 && st[3] == 6 && st[4] == 8, "0..9 into 8: n %u, %d %d %d", n, st[0], st[3], st[4]);
    /* negative means floor: -1, -2 -> -2 (8 samples -1,-2,... into 8 merges pairs) */
    imu_gbuf_reset(&g);
    for (int i = 0; i < 8; i++) { int16_t v = (int16_t)(i % 2 ? -2 : -1); imu_gbuf_push(&g, &v); }
    n = imu_gbuf_finish(&g);
    CHECK_MSG(n == 4 && st[0] == -2, "floor of -1.5: n %u, %d", n, st[0]);
    /* two axes stay apart */
    imu_gbuf_init(&g, st, 2, 8);
    for (int i = 0; i < 16; i++) { int16_t v[2] = {(int16_t)i, (int16_t)(-i)}; imu_gbuf_push(&g, v); }
    n = imu_gbuf_finish(&g);
    CHECK_MSG(n == 4 && st[0] == 1 && st[1] == -2 && st[6] == 13 && st[7] == -14, "two axes: n %u, %d %d %d %d", n, st[0],
          st[1], st[6], st[7]);
}

/* A stream: idle noise, then bursts of a 5-sample-period square wave of amplitude amp. */
struct burst { int start, len, amp; };

static int make_stream(int16_t *x, int n, const struct burst *b, int nb, uint32_t seed)
{
    for (int t = 0; t < n; t++) {
        seed = seed * 1664525u + 1013904223u;
        int v = (int)(seed >> 30) - 2; /* -2..1: idle noise */
        for (int k = 0; k < nb; k++)
            if (t >= b[k].start && t < b[k].start + b[k].len) v += ((t / 5) % 2) ? b[k].amp : -b[k].amp;
        x[3 * t] = (int16_t)v;
        x[3 * t + 1] = (int16_t)(v / 2);
        x[3 * t + 2] = (int16_t)(1000 + v / 3);
    }
    return n;
}

static void segmenter(void)
{
    struct imu_seg_config c = {.n_axes = 3, .hold = 10, .min_len = 45, .max_len = 200, .smooth = 0.25f, .base_rate = 1.0f / 32.0f,
                               .idle_rate = 1.0f / 64.0f, .on_level = 20.0f, .off_level = 8.0f, .idle_init = 0.0f};
    const float scale[3] = {1.0f, 1.0f, 1.0f};
    CHECK_MSG(imu_seg_config_check(&c) == 0, "valid configuration refused");
    struct imu_seg_config bad = c;
    bad.off_level = 30.0f;
    CHECK_MSG(imu_seg_config_check(&bad) != 0, "off above on accepted");
    bad = c;
    bad.min_len = 300;
    CHECK_MSG(imu_seg_config_check(&bad) != 0, "min_len above max_len accepted");
    bad = c;
    bad.smooth = 0;
    CHECK_MSG(imu_seg_config_check(&bad) != 0, "smooth 0 accepted");

    /* bursts: 60 samples; 80 with a 4-sample dip in the middle (one gesture); a 10-sample blip
     * (dropped); 400 samples (cut at 200, then no onset until quiet) */
    struct burst b[] = {{100, 60, 200}, {300, 38, 200}, {342, 38, 200}, {520, 10, 200}, {700, 400, 200}};
    enum { N = 1300 };
    static int16_t x[3 * N];
    make_stream(x, N, b, 5, 7);
    uint32_t s0[8], l0[8];
    int n = imu_seg_find(&c, scale, x, N, s0, l0, 8);
    for (int k = 0; k < n && k < 8; k++) printf("segment %d: %u + %u\n", k, s0[k], l0[k]);
    CHECK_MSG(n == 3, "%d segments, want 3 (burst, burst with a dip, cut long burst)", n);
    if (n >= 3) {
        CHECK_MSG(s0[0] >= 100 && s0[0] <= 104, "first onset at %u (burst at 100)", s0[0]);
        CHECK_MSG(s0[0] + l0[0] >= 160 + 10 && s0[0] + l0[0] <= 160 + 60, "first end at %u (burst ends 160; hold 10 after the level decays)", s0[0] + l0[0]);
        CHECK_MSG(s0[1] >= 300 && s0[1] <= 304 && s0[1] + l0[1] >= 380 + 10 && s0[1] + l0[1] <= 380 + 60,
              "the dip split the second gesture or moved it: %u + %u", s0[1], l0[1]);
        CHECK_MSG(s0[2] >= 700 && s0[2] <= 704 && l0[2] == 200, "long burst: %u + %u (want a 200-sample cut)", s0[2], l0[2]);
    }
    /* streaming: the same segments, ONSET on the first sample, DROPPED for the blip */
    struct imu_seg_state st;
    imu_seg_init(&st, &c, scale);
    int ends = 0, drops = 0, onsets = 0;
    for (uint32_t t = 0; t < N; t++) {
        uint32_t a, l;
        int ev = imu_seg_push(&st, x + 3 * t, &a, &l);
        if (ev == IMU_SEG_ONSET) onsets++;
        if (ev == IMU_SEG_END) {
            CHECK_MSG(ends < n && a == s0[ends] && l == l0[ends] && t == a + l - 1, "streaming segment %d differs", ends);
            ends++;
        }
        if (ev == IMU_SEG_DROPPED) {
            drops++;
            CHECK_MSG(l < c.min_len && a >= 520 && a <= 524, "dropped %u + %u (the blip is at 520)", a, l);
        }
    }
    CHECK_MSG(ends == 3 && drops == 1 && onsets == 4, "streaming: %d ends, %d dropped, %d onsets", ends, drops, onsets);
    /* the idle level adapts: a constant offset of the noise floor (a noisier sensor) is no gesture */
    for (int t = 0; t < N; t++) x[3 * t] = (int16_t)(x[3 * t] + ((t % 2) ? 3 : -3));
    c.on_level = 20.0f;
    n = imu_seg_find(&c, scale, x, 100, s0, l0, 8); /* the first 100 samples: noise only */
    CHECK_MSG(n == 0, "noise alone gave %d segments", n);
}

/* Continuous recordings: 6 gestures of amplitude 12..60 (the noise is 2) and 30..150 samples with
 * 40..120 samples of idle between them, the last one running to the end of the recording; 20
 * recordings of their own random layout. Every gesture is found exactly once, within a few
 * samples of its onset, ending after its end (hold and level decay) but before the next one. */
static void recall(void)
{
    struct imu_seg_config c = {.n_axes = 3, .hold = 10, .min_len = 20, .max_len = 400, .smooth = 0.25f, .base_rate = 1.0f / 32.0f,
                               .idle_rate = 1.0f / 64.0f, .on_level = 8.0f, .off_level = 3.0f, .idle_init = 2.0f};
    const float scale[3] = {1.0f, 1.0f, 1.0f};
    uint32_t r = 12345u;
    int found = 0, total = 0, extra = 0;
    for (int rec = 0; rec < 20; rec++) {
        struct burst b[6];
        int t = 0;
        for (int k = 0; k < 6; k++) {
            r = r * 1664525u + 1013904223u;
            t += 40 + (int)(r >> 24) % 81; /* idle before: 40..120 */
            r = r * 1664525u + 1013904223u;
            b[k].start = t;
            b[k].len = 30 + (int)(r >> 24) % 121;
            r = r * 1664525u + 1013904223u;
            b[k].amp = 12 + (int)(r >> 24) % 49;
            t += b[k].len;
        }
        const int n = t + 3; /* the recording stops 3 samples after the last gesture: less than hold */
        static int16_t x[3 * 2000];
        make_stream(x, n, b, 6, (uint32_t)rec + 1u);
        uint32_t s0[16], l0[16];
        int ns = imu_seg_find(&c, scale, x, (uint32_t)n, s0, l0, 16);
        total += 6;
        int j = 0;
        for (int k = 0; k < 6; k++) {
            const int end = b[k].start + b[k].len, next = k < 5 ? b[k + 1].start : n;
            while (j < ns && (int)(s0[j] + l0[j]) <= b[k].start) { extra++; j++; }
            if (j < ns && (int)s0[j] >= b[k].start && (int)s0[j] <= b[k].start + 4 && (int)(s0[j] + l0[j]) >= end &&
                (int)(s0[j] + l0[j]) <= next) {
                found++;
                j++;
            } else {
                CHECK_MSG(0, "recording %d: gesture %d (%d + %d, amplitude %d) not found once (next segment %d + %d)", rec,
                          k, b[k].start, b[k].len, b[k].amp, j < ns ? (int)s0[j] : -1, j < ns ? (int)l0[j] : -1);
            }
        }
        extra += ns - j;
    }
    printf("recall: %d of %d gestures found, %d extra segments\n", found, total, extra);
    CHECK_MSG(found == total && extra == 0, "recall %d of %d, %d extra", found, total, extra);

    /* the last gesture runs into the end: streaming alone never ends it, imu_seg_finish does */
    struct burst last[1] = {{50, 80, 30}};
    static int16_t y[3 * 133];
    make_stream(y, 133, last, 1, 9);
    struct imu_seg_state st;
    imu_seg_init(&st, &c, scale);
    int ends = 0;
    for (int t = 0; t < 133; t++) ends += imu_seg_push(&st, y + 3 * t, NULL, NULL) == IMU_SEG_END;
    uint32_t a = 0, l = 0;
    CHECK_MSG(ends == 0 && st.active, "the gesture ended before the recording did (%d ends)", ends);
    CHECK_MSG(imu_seg_finish(&st, &a, &l) == IMU_SEG_END && a >= 50 && a <= 54 && a + l == 133,
              "finish: %u + %u (want the gesture from 50 to the end, 133)", a, l);
    CHECK_MSG(!st.active && imu_seg_finish(&st, NULL, NULL) == IMU_SEG_NONE, "finish twice");
    /* a blip running into the end is dropped, not kept */
    struct burst blip[1] = {{120, 13, 30}};
    make_stream(y, 133, blip, 1, 9);
    imu_seg_init(&st, &c, scale);
    for (int t = 0; t < 133; t++) imu_seg_push(&st, y + 3 * t, NULL, NULL);
    CHECK_MSG(imu_seg_finish(&st, &a, &l) == IMU_SEG_DROPPED && l < c.min_len, "a 13-sample blip at the end: %u + %u", a, l);
}

int main(void)
{
    resample();
    gbuf();
    segmenter();
    recall();
    return check_report("test_segment");
}
