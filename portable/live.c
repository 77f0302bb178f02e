/* SPDX-License-Identifier: MIT */
/* live.c -- the classifier's live sample path (see live.h): axis selection, rate conversion,
 * window ring, scaling and decision logic, in integers so device and host agree exactly. */
#include "live.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "proto.h"
#include "synth.h"

int live_cfg_check(const struct live_cfg *cfg)
{
    if (cfg->n_axes < 1 || cfg->n_axes > LIVE_MAX_AXES || cfg->window_len < 2 || cfg->stride_len < 1)
        return -1;
    for (unsigned m = 0; m < cfg->n_axes; m++)
        if (cfg->axis_map[m] >= LIVE_SENSOR_AXES)
            return -1;
    /* out_hz <= 3 in_hz: one input produces at most LIVE_PENDING - 1 outputs */
    if (cfg->in_hz < 1 || cfg->out_hz < 1 || cfg->in_hz > LIVE_MAX_HZ || cfg->out_hz > LIVE_MAX_HZ || cfg->out_hz > 3u * cfg->in_hz)
        return -1;
    const struct live_decision_cfg *d = &cfg->decision;
    if (d->n_classes < 1 || d->n_classes > 32 || d->smooth_n < 1 || d->smooth_n > LIVE_MAX_SMOOTH)
        return -1;
    return 0;
}

void live_init(struct live *l, const struct live_cfg *cfg, int16_t *win)
{
    assert(live_cfg_check(cfg) == 0);
    l->cfg = *cfg;
    l->win = win;
    l->n_out = 0;
    live_decider_init(&l->dec, &cfg->decision);
    live_restart(l);
}

void live_restart(struct live *l)
{
    l->head = l->fill = l->since = 0;
    l->pos = 0;
    l->have_prev = false;
    l->n_pend = l->pend_next = 0;
    l->dec.n_votes = 0;
    l->dec.next = 0;
}

/* floor(a / b) for b > 0. */
static int32_t div_floor(int32_t a, int32_t b)
{
    int32_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Queue the converted sample between prev and cur at fraction frac / out_hz. */
static void emit(struct live *l, const int16_t *cur, uint32_t frac)
{
    assert(l->n_pend < LIVE_PENDING);
    int16_t *o = l->pend[l->n_pend++];
    int32_t out = (int32_t)l->cfg.out_hz;
    for (unsigned m = 0; m < l->cfg.n_axes; m++) {
        int32_t a = l->prev[m], d = (int32_t)cur[m] - a;
        /* a + d * frac / out rounded half up; frac <= out, so the result lies between a and cur.
         * |2 d frac| < 2^17 * 2^11 * 2: int32 (rates are at most LIVE_MAX_HZ). */
        o[m] = (int16_t)(a + div_floor(d * (int32_t)frac * 2 + out, 2 * out));
    }
}

void live_put(struct live *l, const int16_t *sensor_sample)
{
    int16_t cur[LIVE_MAX_AXES];
    for (unsigned m = 0; m < l->cfg.n_axes; m++)
        cur[m] = sensor_sample[l->cfg.axis_map[m]];
    /* samples not taken by live_next() yet are dropped: the caller runs it to the end each time */
    l->n_pend = l->pend_next = 0;
    if (l->cfg.in_hz == l->cfg.out_hz || !l->have_prev) {
        /* the first sample after a restart (and every one at equal rates) is an output as it is */
        for (unsigned m = 0; m < l->cfg.n_axes; m++)
            l->prev[m] = cur[m];
        emit(l, cur, 0);
        l->have_prev = true;
        l->pos = l->cfg.in_hz;
        return;
    }
    /* outputs at positions (prev, cur]: pos counts 1/out_hz of an input period from prev */
    while (l->pos <= l->cfg.out_hz) {
        emit(l, cur, l->pos);
        l->pos += l->cfg.in_hz;
    }
    l->pos -= l->cfg.out_hz;
    for (unsigned m = 0; m < l->cfg.n_axes; m++)
        l->prev[m] = cur[m];
}

bool live_next(struct live *l)
{
    unsigned na = l->cfg.n_axes, wl = l->cfg.window_len;
    while (l->pend_next < l->n_pend) {
        const int16_t *s = l->pend[l->pend_next++];
        uint32_t slot;
        if (l->fill == wl) { /* full: overwrite the oldest row */
            slot = l->head;
            l->head = (l->head + 1u) % wl;
        } else {
            slot = (l->head + l->fill) % wl;
            l->fill++;
        }
        for (unsigned m = 0; m < na; m++)
            l->win[slot * na + m] = s[m];
        l->n_out++;
        l->since++;
        if (l->fill == wl && l->since >= l->cfg.stride_len) {
            l->since = 0;
            return true;
        }
    }
    return false;
}

/* Swap rows a and b of the window. */
static void swap_rows(struct live *l, uint32_t a, uint32_t b)
{
    unsigned na = l->cfg.n_axes;
    for (unsigned k = 0; k < na; k++) {
        int16_t t = l->win[a * na + k];
        l->win[a * na + k] = l->win[b * na + k];
        l->win[b * na + k] = t;
    }
}

/* Reverse rows [a, b). */
static void reverse_rows(struct live *l, uint32_t a, uint32_t b)
{
    while (a + 1u < b)
        swap_rows(l, a++, --b);
}

const int16_t *live_window(struct live *l)
{
    assert(l->fill == l->cfg.window_len);
    /* rotate left by head: three reversals, in place (no second window of RAM) */
    reverse_rows(l, 0, l->head);
    reverse_rows(l, l->head, l->cfg.window_len);
    reverse_rows(l, 0, l->cfg.window_len);
    l->head = 0;
    return l->win;
}

void live_scales(const struct live_cfg *cfg, const float sensor_scale[LIVE_SENSOR_AXES], float *scale)
{
    for (unsigned m = 0; m < cfg->n_axes; m++)
        scale[m] = sensor_scale[cfg->axis_map[m]];
}

void live_sensor_scales(enum live_sensor_kind kind, uint8_t accel_g, uint16_t gyro_dps,
                        float out[LIVE_SENSOR_AXES])
{
    float a = synth_accel_scale(accel_g), g = synth_gyro_scale(gyro_dps);
#ifndef LIVE_NO_LIS3DH /* images that can only have the MPU-6050 family or the synthetic sensor */
    if (kind == LIVE_SENSOR_LIS3DH) {
        /* LIS3DH high-resolution mode: 12-bit values left-justified in 16 bits, 1/2/4/12 mg per
         * digit at +-2/4/8/16 g (datasheet table 4), so mg/16 per 16-bit LSB; no gyroscope. */
        unsigned mg = accel_g == 2 ? 1u : accel_g == 4 ? 2u : accel_g == 8 ? 4u : accel_g == 16 ? 12u : 0u;
        a = (float)mg / 16000.0f;
        g = 0.0f;
    }
#else
    (void)kind;
#endif
    for (unsigned i = 0; i < LIVE_SENSOR_AXES; i++)
        out[i] = i < 3 ? a : g;
}

void live_decider_init(struct live_decider *d, const struct live_decision_cfg *cfg)
{
    d->cfg = *cfg;
    d->n_votes = d->next = 0;
    d->current = LIVE_UNCERTAIN;
    d->have_event = false;
    d->last_event_at = 0;
}

uint8_t live_raw_decision(const struct live_decision_cfg *cfg, const int8_t *scores)
{
    unsigned best = 0;
    for (unsigned i = 1; i < cfg->n_classes; i++)
        if (scores[i] > scores[best])
            best = i;
    if (cfg->n_classes < 2 || cfg->min_margin == 0)
        return (uint8_t)best;
    int second = -129;
    for (unsigned i = 0; i < cfg->n_classes; i++)
        if (i != best && scores[i] > second)
            second = scores[i];
    return scores[best] - second >= cfg->min_margin ? (uint8_t)best : (uint8_t)LIVE_UNCERTAIN;
}

/* The majority of the recorded votes; a tie goes to the most recent of the tied classes. */
static uint8_t majority(const struct live_decider *d, uint8_t *count_out)
{
    unsigned n = d->n_votes, cap = d->cfg.smooth_n;
    uint8_t best = LIVE_UNCERTAIN;
    unsigned best_count = 0;
    /* walk from the newest vote back, so the first class reaching a count wins ties */
    for (unsigned k = 0; k < n; k++) {
        uint8_t v = d->votes[(d->next + cap - 1u - k) % cap];
        unsigned c = 0;
        for (unsigned j = 0; j < n; j++)
            c += d->votes[j] == v;
        if (c > best_count) {
            best_count = c;
            best = v;
        }
    }
    *count_out = (uint8_t)best_count;
    return best;
}

bool live_decide(struct live_decider *d, const int8_t *scores, uint32_t at, struct live_event *ev)
{
    unsigned cap = d->cfg.smooth_n;
    d->votes[d->next] = live_raw_decision(&d->cfg, scores);
    d->next = (uint8_t)((d->next + 1u) % cap);
    if (d->n_votes < cap)
        d->n_votes++;
    uint8_t votes;
    uint8_t cand = majority(d, &votes);
    if (cand == d->current)
        return false;
    if (d->have_event && at - d->last_event_at < d->cfg.min_interval)
        return false;
    ev->class_index = cand;
    ev->previous = d->current;
    ev->votes = votes;
    ev->at = at;
    d->current = cand;
    d->have_event = true;
    d->last_event_at = at;
    return true;
}

void live_validate_init(struct live_validate_decider *v)
{
    memset(v, 0, sizeof *v);
    v->last_seq = 0xFFu;
}

bool live_validate_decide(struct live_validate_decider *v, const struct live_decision_cfg *cfg, uint8_t flags,
                          const int8_t *scores, uint32_t stride, bool unknown, struct live_event *ev)
{
    uint8_t seq = (flags & PROTO_VALIDATE_SEQ) ? (uint8_t)(flags >> PROTO_VALIDATE_SEQ_SHIFT) : 0xFFu;
    if (seq != 0xFFu && seq == v->last_seq) { /* decided already, its answer lost: take it back */
        v->d = v->before;
        v->decided = v->decided_before;
    }
    v->before = v->d;
    v->decided_before = v->decided;
    v->last_seq = seq;
    /* afresh at a recording's first window, or when no window started it (a host's mistake) */
    if ((flags & PROTO_VALIDATE_DECIDE_RESET) || v->d.cfg.n_classes != cfg->n_classes) {
        live_decider_init(&v->d, cfg);
        v->decided = 0;
    }
    const uint32_t at = v->decided++ * stride;
    return !unknown && live_decide(&v->d, scores, at, ev);
}
