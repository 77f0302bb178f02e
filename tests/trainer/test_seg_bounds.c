/* SPDX-License-Identifier: MIT */
/* test_seg_bounds -- the motion segmenter's counts at their exact bounds (portable/segment.h):
 * a gesture ends at the `hold`-th consecutive quiet sample, which is its last (the quiet tail
 * included), and a segment of exactly min_len samples is kept (shorter ones are dropped). On a
 * stream whose motion level is known sample by sample: smooth 1 (the level is the sample's
 * distance from the baseline), a baseline that hardly moves, an idle level fixed at 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "segment.h"

/* The events of a stream: 10 quiet samples, burst samples of motion, then quiet ones. */
static int run(const struct imu_seg_config *c, int burst, int *onset, uint32_t *start, uint32_t *len)
{
    struct imu_seg_state st;
    const float scale[1] = {1.0f};
    imu_seg_init(&st, c, scale);
    int last = IMU_SEG_NONE;
    *onset = -1;
    for (int t = 0; t < 10 + burst + 50; t++) {
        int16_t x[1] = {(int16_t)(t >= 10 && t < 10 + burst ? 1 : 0)};
        int ev = imu_seg_push(&st, x, start, len);
        if (ev == IMU_SEG_ONSET)
            *onset = t;
        if (ev == IMU_SEG_END || ev == IMU_SEG_DROPPED) {
            last = ev;
            break;
        }
    }
    return last;
}

int main(void)
{
    struct imu_seg_config c = {.n_axes = 1, .hold = 5, .min_len = 2, .max_len = 1000, .base_rate = 1e-6f,
                               .smooth = 1.0f, .idle_rate = 0.0f, .on_level = 0.5f, .off_level = 0.2f,
                               .idle_init = 0.0f};
    REQUIRE(imu_seg_config_check(&c) == 0);
    int onset;
    uint32_t start = 0, len = 0;
    for (int hold = 1; hold <= 6; hold++) {
        c.hold = (uint16_t)hold;
        int ev = run(&c, 8, &onset, &start, &len);
        /* the burst is samples 10..17; quiet from 18: the hold-th quiet sample is 17 + hold */
        CHECK_MSG(ev == IMU_SEG_END && onset == 10 && start == 10 && len == (uint32_t)(8 + hold),
                  "hold %d: event %d, onset %d, segment %u + %u (want 10 + %d)", hold, ev, onset, start, len, 8 + hold);
    }
    c.hold = 5;
    c.min_len = 13; /* exactly the segment's length: kept */
    CHECK_MSG(run(&c, 8, &onset, &start, &len) == IMU_SEG_END && len == 13, "min_len 13, a 13-sample segment: %u", len);
    c.min_len = 14; /* one more: dropped, still described */
    CHECK_MSG(run(&c, 8, &onset, &start, &len) == IMU_SEG_DROPPED && start == 10 && len == 13,
              "min_len 14, a 13-sample segment: %u + %u", start, len);
    /* max_len: a burst longer than it ends exactly at max_len samples */
    c.min_len = 2;
    c.max_len = 20;
    CHECK_MSG(run(&c, 40, &onset, &start, &len) == IMU_SEG_END && start == 10 && len == 20,
              "max_len 20 on a 40-sample burst: %u + %u", start, len);
    return check_report("test_seg_bounds");
}
