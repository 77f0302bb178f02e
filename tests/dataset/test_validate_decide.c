/* SPDX-License-Identifier: MIT */
/* test_validate_decide -- the decision-logic comparison of `imulab validate`
 * (dataset/validate_decide.c): the host runs the model's decision logic over a recording's
 * windows on the device's clock (stride samples per window, from 0 at each recording) and
 * compares it with the decision block of each VALIDATE_RESULT. A device that decides the same
 * way agrees on every window; a device whose decision, event, votes or previous class differs
 * is reported (named), and one that sends no decision block is an error. The device's side
 * goes through the wire format (packed and parsed back). */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "live.h"
#include "proto.h"
#include "validate_decide.h"

enum { NL = 3, STRIDE = 52, NWIN = 12 };

/* Scores of window k: class 0 confident for the first half, then class 1, one uncertain window. */
static void scores_of(int k, int8_t *s)
{
    s[0] = s[1] = s[2] = -100;
    if (k == 3)
        s[0] = s[1] = 40; /* margin 0: uncertain */
    else
        s[k < NWIN / 2 ? 0 : 1] = 90;
}

/* The device's VALIDATE_RESULT for one window, with the decision block of its own decider. */
static struct proto_validate_result device(struct live_decider *d, uint32_t at, const int8_t *sc)
{
    struct live_event ev;
    struct proto_validate_result r = {.token = 1, .model_hash = 0xabcd, .n_classes = NL, .n_features = 1};
    memcpy(r.scores, sc, NL);
    bool event = live_decide(d, sc, at, &ev);
    r.has_decision = true;
    r.decision = d->current;
    r.event = event;
    r.votes = event ? ev.votes : 0;
    r.previous = event ? ev.previous : d->current;
    uint8_t buf[PROTO_MAX_PAYLOAD];
    float f = 0;
    size_t n = proto_validate_result_pack(&r, &f, buf, sizeof buf);
    REQUIRE(n > 0);
    struct proto_validate_result out;
    REQUIRE(proto_validate_result_parse(buf, n, &out) == 0 && out.has_decision);
    return out;
}

/* Run one recording through vdecide and a device decider with the given clock step; returns
 * how many windows agreed. */
static int run(struct vdecide *v, uint32_t device_step, int tamper_window, int *first_bad, char *why, size_t whylen)
{
    struct live_decider dev;
    live_decider_init(&dev, &v->cfg);
    vdecide_recording(v);
    int same = 0;
    *first_bad = -1;
    for (int k = 0; k < NWIN; k++) {
        CHECK_EQ(!!(vdecide_flags(v) & PROTO_VALIDATE_DECIDE_RESET), k == 0);
        CHECK(vdecide_flags(v) & PROTO_VALIDATE_DECIDE);
        int8_t sc[NL];
        scores_of(k, sc);
        struct proto_validate_result r = device(&dev, (uint32_t)k * device_step, sc);
        if (k == tamper_window)
            r.votes ^= 1;
        int c = vdecide_compare(v, sc, &r, why, whylen);
        REQUIRE(c >= 0);
        same += c;
        if (!c && *first_bad < 0)
            *first_bad = k;
    }
    return same;
}

int main(void)
{
    struct tr_model m;
    memset(&m, 0, sizeof m);
    m.n_labels = NL;
    m.stride_len = STRIDE;
    m.dec_min_margin = 20;
    m.dec_smooth_n = 3;
    m.dec_min_interval = 3 * STRIDE; /* samples */
    struct vdecide v;
    vdecide_init(&v, &m);
    CHECK_EQ(v.cfg.n_classes, NL);
    CHECK_EQ(v.cfg.min_margin, 20);
    CHECK_EQ(v.cfg.smooth_n, 3);
    CHECK_EQ(v.cfg.min_interval, 3 * STRIDE);
    char why[160];
    int bad;

    /* the same logic on the same clock: every window agrees, and the recording has events */
    CHECK_EQ(run(&v, STRIDE, -1, &bad, why, sizeof why), NWIN);
    CHECK_EQ(v.windows, NWIN);
    CHECK_EQ(v.exact, NWIN);
    CHECK(v.events >= 2); /* to class 0, then to class 1 */

    /* a second recording starts afresh (RESET on its first window, clock from 0) */
    CHECK_EQ(run(&v, STRIDE, -1, &bad, why, sizeof why), NWIN);
    CHECK_EQ(v.exact, 2 * NWIN);

    /* one window's votes differ: that window, named */
    why[0] = 0;
    CHECK_EQ(run(&v, STRIDE, 5, &bad, why, sizeof why), NWIN - 1);
    CHECK_EQ(bad, 5);
    CHECK_MSG(strstr(why, "decision logic") != NULL, "why: %s", why);

    /* a device on another clock (one sample per window): the minimum interval lets the change
     * to class 1 through at another window, and the comparison sees it */
    CHECK(run(&v, 1, -1, &bad, why, sizeof why) < NWIN);

    /* no decision block: an error, not a difference */
    int8_t sc[NL];
    scores_of(0, sc);
    struct proto_validate_result r = {.n_classes = NL, .has_decision = false};
    why[0] = 0;
    CHECK_EQ(vdecide_compare(&v, sc, &r, why, sizeof why), -1);
    CHECK_MSG(strstr(why, "no decision") != NULL, "why: %s", why);

    /* unknown windows (anomaly score above the threshold) are not decided, on both sides: a
     * device that skips them agrees; one that decides them anyway differs at the first window
     * whose decision it changes */
    {
        struct live_decider dev;
        live_decider_init(&dev, &v.cfg);
        vdecide_recording(&v);
        int same = 0, decided_anyway = 0;
        for (int k = 0; k < NWIN; k++) {
            scores_of(k, sc);
            const int unknown = k < NWIN / 2 + 3; /* class 1 comes later; class 0 never wins */
            struct proto_validate_result d = {.n_classes = NL, .has_decision = true};
            struct live_event ev;
            const bool event = !unknown && live_decide(&dev, sc, (uint32_t)k * STRIDE, &ev);
            d.decision = dev.current;
            d.event = event;
            d.votes = event ? ev.votes : 0;
            d.previous = event ? ev.previous : dev.current;
            same += vdecide_compare_ex(&v, sc, unknown, &d, why, sizeof why) == 1;
        }
        CHECK_EQ(same, NWIN);
        live_decider_init(&dev, &v.cfg);
        vdecide_recording(&v);
        for (int k = 0; k < NWIN; k++) {
            scores_of(k, sc);
            struct proto_validate_result d = {.n_classes = NL, .has_decision = true};
            struct live_event ev;
            const bool event = live_decide(&dev, sc, (uint32_t)k * STRIDE, &ev); /* ignores the anomaly */
            d.decision = dev.current;
            d.event = event;
            d.votes = event ? ev.votes : 0;
            d.previous = event ? ev.previous : dev.current;
            decided_anyway += vdecide_compare_ex(&v, sc, k < NWIN / 2 + 3, &d, why, sizeof why) == 1;
        }
        CHECK(decided_anyway < NWIN);
    }

    /* the anomaly block: the host's score and verdict against the device's */
    {
        m.anom.method = TR_ANOM_GAUSS;
        m.anom.threshold = 1000;
        struct proto_validate_result d = {.n_classes = NL, .has_anomaly = true, .anomaly = 1001, .unknown = 1};
        int unknown = -1;
        CHECK_EQ(vdecide_anomaly(&v, &m, 1001, &d, &unknown, why, sizeof why), 1);
        CHECK_EQ(unknown, 1);
        CHECK_EQ(vdecide_anomaly(&v, &m, 1000, &d, &unknown, why, sizeof why), 0); /* at the threshold: known */
        CHECK_EQ(unknown, 0);
        CHECK_MSG(strstr(why, "anomaly score: device 1001 (unknown), host 1000") != NULL, "why: %s", why);
        d.has_anomaly = false;
        CHECK_EQ(vdecide_anomaly(&v, &m, 5, &d, &unknown, why, sizeof why), -1);
        CHECK_EQ(v.anomaly_windows, 3);
        CHECK_EQ(v.anomaly_exact, 1);
        vdecide_init(&v, &m); /* counts from 0 again */
        CHECK_EQ(v.anomaly_windows, 0);
        m.anom.method = TR_ANOM_NONE; /* no anomaly model: nothing to compare */
        CHECK_EQ(vdecide_anomaly(&v, &m, 5, &d, &unknown, why, sizeof why), 1);
        CHECK_EQ(unknown, 0);
    }
    return check_report("test_validate_decide");
}
