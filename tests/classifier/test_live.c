/* SPDX-License-Identifier: MIT */
/* test_live.c -- the classifier's live sample path (portable/live.c) against plain references:
 * the window ring in time order across many wrap-arounds, the axis map, the stride, the rate
 * conversion (exact on a ramp, pass-through at equal rates), restarts, the sensor scales, and the
 * decision logic (threshold -> uncertain, majority over the last N, minimum interval, events only
 * on change). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "live.h"
#include "proto.h"
#include "synth.h"

static struct live_cfg base_cfg(void)
{
    struct live_cfg c;
    memset(&c, 0, sizeof c);
    c.n_axes = 2;
    c.axis_map[0] = 2; /* model axis 0 = sensor accZ */
    c.axis_map[1] = 4; /* model axis 1 = sensor gyrY */
    c.window_len = 7;
    c.stride_len = 3;
    c.in_hz = c.out_hz = 100;
    c.decision.n_classes = 3;
    c.decision.smooth_n = 1;
    return c;
}

/* Sensor sample t: axis a holds t * 10 + a, so every value says where it came from. */
static void sample(int t, int16_t out[LIVE_SENSOR_AXES])
{
    for (unsigned a = 0; a < LIVE_SENSOR_AXES; a++)
        out[a] = (int16_t)(t * 10 + (int)a);
}

/* The window after sample t is samples t-6..t, oldest first, in the model's axis order. */
static void ring_order(void)
{
    struct live_cfg c = base_cfg();
    int16_t win[7 * 2];
    struct live l;
    CHECK(live_cfg_check(&c) == 0);
    live_init(&l, &c, win);
    int windows = 0;
    for (int t = 0; t < 500; t++) { /* 500 samples: about 70 wraps of a 7-row ring */
        int16_t s[LIVE_SENSOR_AXES];
        sample(t, s);
        live_put(&l, s);
        int due = 0;
        while (live_next(&l)) {
            due++;
            const int16_t *w = live_window(&l);
            for (int r = 0; r < 7; r++) {
                int src = t - 6 + r;
                if (w[r * 2] != src * 10 + 2 || w[r * 2 + 1] != src * 10 + 4) {
                    CHECK_MSG(0, "window after sample %d, row %d: %d %d", t, r, w[r * 2], w[r * 2 + 1]);
                    return;
                }
            }
        }
        /* due after the 7th sample, then every 3rd */
        CHECK(due == (t >= 6 && (t - 6) % 3 == 0));
        windows += due;
    }
    CHECK(windows == (500 - 7) / 3 + 1);
    CHECK(l.n_out == 500);

    /* a restart empties the window: the next is due 7 samples later */
    live_restart(&l);
    for (int t = 0; t < 6; t++) {
        int16_t s[LIVE_SENSOR_AXES];
        sample(1000 + t, s);
        live_put(&l, s);
        CHECK(!live_next(&l));
    }
    int16_t s[LIVE_SENSOR_AXES];
    sample(1006, s);
    live_put(&l, s);
    CHECK(live_next(&l));
    CHECK(live_window(&l)[0] == 10002);
}

/* 100 Hz in, 104 Hz out: output j sits at input position j * 100 / 104; on a ramp the linear
 * interpolation is exact up to the rounding (half up). */
static void rate_conversion(void)
{
    struct live_cfg c = base_cfg();
    c.in_hz = 100;
    c.out_hz = 104;
    c.window_len = 20;
    c.stride_len = 1;
    int16_t win[20 * 2];
    struct live l;
    CHECK(live_cfg_check(&c) == 0);
    live_init(&l, &c, win);
    int outs = 0;
    for (int t = 0; t < 1000; t++) {
        int16_t s[LIVE_SENSOR_AXES] = { 0, 0, (int16_t)(t * 7), 0, (int16_t)(-t * 5), 0 };
        live_put(&l, s);
        while (live_next(&l)) {
            const int16_t *w = live_window(&l);
            int j = (int)l.n_out - 1; /* the newest row is output j */
            double pos = j * 100.0 / 104.0;
            CHECK(w[19 * 2] == (int16_t)floor(pos * 7 + 0.5));
            CHECK(w[19 * 2 + 1] == (int16_t)floor(-pos * 5 + 0.5));
            outs++;
        }
    }
    /* outputs at positions <= 999: floor(999 * 104 / 100) + 1 of them */
    CHECK(l.n_out == 999 * 104 / 100 + 1);
    CHECK(outs == (int)l.n_out - 19);

    /* 200 Hz in, 100 Hz out: every other sample, unchanged */
    c.in_hz = 200;
    c.out_hz = 100;
    c.window_len = 4;
    live_init(&l, &c, win);
    for (int t = 0; t < 40; t++) {
        int16_t s[LIVE_SENSOR_AXES];
        sample(t, s);
        live_put(&l, s);
        while (live_next(&l)) {
            const int16_t *w = live_window(&l);
            CHECK(w[3 * 2] == t * 10 + 2 && t % 2 == 0);
        }
    }
    CHECK(l.n_out == 20);

    c.out_hz = 3 * 200 + 1; /* more than 3 outputs per input: refused */
    CHECK(live_cfg_check(&c) != 0);
}

static void scales(void)
{
    struct live_cfg c = base_cfg();
    float s[LIVE_SENSOR_AXES], m[2];
    live_sensor_scales(LIVE_SENSOR_MPU, 16, 2000, s);
    CHECK(s[0] == 16.0f / 32768.0f && s[2] == 16.0f / 32768.0f);
    CHECK(s[3] == 10.0f / 164.0f && s[5] == 10.0f / 164.0f); /* 16.4 LSB per dps */
    live_scales(&c, s, m);
    CHECK(m[0] == s[2] && m[1] == s[4]);
    live_sensor_scales(LIVE_SENSOR_MPU, 2, 250, s);
    CHECK(s[1] == 2.0f / 32768.0f && s[4] == 10.0f / 1310.0f);
    live_sensor_scales(LIVE_SENSOR_LIS3DH, 2, 250, s);
    CHECK(s[0] == 1.0f / 16000.0f && s[3] == 0.0f); /* 1 mg per 12-bit digit, no gyroscope */
    live_sensor_scales(LIVE_SENSOR_LIS3DH, 16, 2000, s);
    CHECK(s[2] == 12.0f / 16000.0f);
}

static void decisions(void)
{
    struct live_decision_cfg c = { .n_classes = 3, .min_margin = 6, .smooth_n = 1, .min_interval = 0 };
    const int8_t close[3] = { 10, 5, -100 }, clear[3] = { 12, 5, -100 }, two[3] = { -50, 40, 20 };
    CHECK(live_raw_decision(&c, close) == LIVE_UNCERTAIN); /* margin 5 < 6 */
    CHECK(live_raw_decision(&c, clear) == 0);              /* margin 7 */
    const int8_t edge[3] = { 11, 5, -100 };
    CHECK(live_raw_decision(&c, edge) == 0);               /* margin 6: enough */
    CHECK(live_raw_decision(&c, two) == 1);                /* margin 20 */
    const int8_t tie[3] = { 30, 30, 0 };
    c.min_margin = 0;
    CHECK(live_raw_decision(&c, tie) == 0); /* no threshold: the first best, as imu_nn_argmax */

    /* events only on change */
    struct live_decider d;
    struct live_event ev;
    c.min_margin = 6;
    live_decider_init(&d, &c);
    CHECK(!live_decide(&d, close, 0, &ev)); /* uncertain is where it starts: nothing to tell */
    CHECK(live_decide(&d, clear, 1, &ev) && ev.class_index == 0 && ev.previous == LIVE_UNCERTAIN && ev.at == 1);
    CHECK(!live_decide(&d, clear, 2, &ev));
    CHECK(live_decide(&d, two, 3, &ev) && ev.class_index == 1 && ev.previous == 0);
    CHECK(live_decide(&d, close, 4, &ev) && ev.class_index == LIVE_UNCERTAIN && ev.previous == 1);

    /* majority over the last 3: a single outlier changes nothing */
    c.smooth_n = 3;
    live_decider_init(&d, &c);
    CHECK(live_decide(&d, clear, 0, &ev) && ev.class_index == 0 && ev.votes == 1);
    CHECK(!live_decide(&d, clear, 1, &ev));
    CHECK(!live_decide(&d, two, 2, &ev));  /* 0 0 1 */
    CHECK(!live_decide(&d, clear, 3, &ev)); /* 0 1 0 */
    CHECK(live_decide(&d, two, 4, &ev) && ev.class_index == 1 && ev.votes == 2); /* 1 0 1 */
    live_decider_init(&d, &c);
    live_decide(&d, clear, 0, &ev);
    live_decide(&d, clear, 1, &ev);
    live_decide(&d, clear, 2, &ev);          /* 0 0 0 */
    CHECK(!live_decide(&d, two, 3, &ev));    /* 0 0 1 */
    CHECK(live_decide(&d, two, 4, &ev) && ev.class_index == 1 && ev.votes == 2); /* 0 1 1 */

    /* a tie goes to the most recent class */
    c.smooth_n = 2;
    live_decider_init(&d, &c);
    live_decide(&d, clear, 0, &ev);
    CHECK(live_decide(&d, two, 1, &ev) && ev.class_index == 1); /* 0 1: tie, 1 is newer */

    /* minimum interval: a change waits until the interval since the last event has passed */
    c.smooth_n = 1;
    c.min_interval = 100;
    live_decider_init(&d, &c);
    CHECK(live_decide(&d, clear, 1000, &ev));    /* the first event is never held back */
    CHECK(!live_decide(&d, two, 1050, &ev));     /* 50 < 100 */
    CHECK(!live_decide(&d, two, 1099, &ev));
    CHECK(live_decide(&d, two, 1100, &ev) && ev.class_index == 1 && ev.at == 1100);
}

/* The device's validation decider: a window sent again after a lost answer (same number) is
 * decided once, as on the host; a new number decides on. Bug: it was decided twice, so the resent
 * window showed no EVENT where the host had one. */
static void validate_decisions(void)
{
    struct live_decision_cfg c = { .n_classes = 3, .min_margin = 6, .smooth_n = 1, .min_interval = 0 };
    const int8_t clear[3] = { 12, 5, -100 }, two[3] = { -50, 40, 20 };
    const uint8_t D = PROTO_VALIDATE_DECIDE | PROTO_VALIDATE_SEQ, R = PROTO_VALIDATE_DECIDE_RESET;
#define SEQ(n) ((uint8_t)((n) << PROTO_VALIDATE_SEQ_SHIFT))
    struct live_validate_decider v;
    struct live_event ev;
    live_validate_init(&v);
    CHECK(live_validate_decide(&v, &c, D | R | SEQ(0), clear, 52, false, &ev) && ev.class_index == 0 && ev.at == 0);
    CHECK(live_validate_decide(&v, &c, D | SEQ(1), two, 52, false, &ev) && ev.class_index == 1 && ev.at == 52);
    /* window 1's answer was lost: the same window again gives the same event at the same time */
    CHECK(live_validate_decide(&v, &c, D | SEQ(1), two, 52, false, &ev) && ev.class_index == 1 && ev.previous == 0 &&
          ev.at == 52);
    CHECK(v.d.current == 1 && v.decided == 2);
    /* the next window goes on from there */
    CHECK(live_validate_decide(&v, &c, D | SEQ(2), clear, 52, false, &ev) && ev.class_index == 0 && ev.at == 104);
    /* without SEQ (an older host) every window is new: decided again, no change, no event */
    CHECK(!live_validate_decide(&v, &c, PROTO_VALIDATE_DECIDE, clear, 52, false, &ev) && v.decided == 4);
    CHECK(!live_validate_decide(&v, &c, PROTO_VALIDATE_DECIDE, clear, 52, false, &ev) && v.decided == 5);
    /* RESET starts afresh even when the number repeats (a new run's first window) */
    CHECK(live_validate_decide(&v, &c, D | R | SEQ(0), two, 52, false, &ev) && ev.previous == LIVE_UNCERTAIN && v.decided == 1);
    CHECK(live_validate_decide(&v, &c, D | R | SEQ(0), two, 52, false, &ev) && ev.previous == LIVE_UNCERTAIN && v.decided == 1);
    /* an unknown window is not decided, but the clock runs on; taken back like any other */
    CHECK(!live_validate_decide(&v, &c, D | SEQ(1), clear, 52, true, &ev) && v.d.current == 1 && v.decided == 2);
    CHECK(!live_validate_decide(&v, &c, D | SEQ(1), clear, 52, true, &ev) && v.decided == 2);
    CHECK(live_validate_decide(&v, &c, D | SEQ(2), clear, 52, false, &ev) && ev.class_index == 0 && ev.at == 104);
    /* a first window without RESET (a host's mistake) still starts a configured decider */
    live_validate_init(&v);
    CHECK(live_validate_decide(&v, &c, D | SEQ(5), two, 52, false, &ev) && ev.class_index == 1 && v.d.cfg.n_classes == 3);
#undef SEQ
}

int main(void)
{
    ring_order();
    rate_conversion();
    scales();
    decisions();
    validate_decisions();
    return check_report("test_live");
}
