/* SPDX-License-Identifier: MIT */
/* segment.c -- see segment.h. Portable C for the host and the Cortex-M4F; no libm, no allocation. */
#include "segment.h"

#include <stddef.h>

int imu_seg_config_check(const struct imu_seg_config *c)
{
    if (!c || c->n_axes < 1 || c->n_axes > IMU_SEG_MAX_AXES) return -1;
    if (c->hold < 1 || c->max_len < 2 || c->min_len > c->max_len) return -1;
    if (!(c->smooth > 0.0f && c->smooth <= 1.0f)) return -1;
    if (!(c->base_rate > 0.0f && c->base_rate <= 1.0f)) return -1;
    if (!(c->idle_rate >= 0.0f && c->idle_rate <= 1.0f)) return -1;
    if (!(c->off_level >= 0.0f && c->on_level >= c->off_level)) return -1;
    if (!(c->idle_init >= 0.0f)) return -1;
    return 0;
}

void imu_seg_init(struct imu_seg_state *st, const struct imu_seg_config *cfg, const float *scale)
{
    st->cfg = cfg;
    for (unsigned a = 0; a < IMU_SEG_MAX_AXES; a++) {
        st->scale[a] = a < cfg->n_axes ? scale[a] : 0.0f;
        st->base[a] = 0.0f;
    }
    st->s = cfg->idle_init;
    st->idle = cfg->idle_init;
    st->n = st->start = st->quiet = 0;
    st->active = 0;
    st->armed = 1;
}

float imu_seg_level(struct imu_seg_state *st, const int16_t *x)
{
    const struct imu_seg_config *c = st->cfg;
    float e = 0.0f;
    for (unsigned a = 0; a < c->n_axes; a++) {
        const float v = (float)x[a] * st->scale[a];
        if (st->n == 0) st->base[a] = v;
        else st->base[a] = st->base[a] + (v - st->base[a]) * c->base_rate;
        const float d = v - st->base[a];
        e = e + (d < 0.0f ? -d : d);
    }
    if (st->n > 0) st->s = st->s + (e - st->s) * c->smooth;
    st->n++;
    return st->s;
}

int imu_seg_push(struct imu_seg_state *st, const int16_t *x, uint32_t *start, uint32_t *len)
{
    const struct imu_seg_config *c = st->cfg;
    const uint32_t t = st->n;
    imu_seg_level(st, x);
    const float on = st->idle + c->on_level, off = st->idle + c->off_level;
    if (!st->active) {
        if (st->s < off) st->armed = 1;
        if (st->armed && t > 0 && st->s > on) {
            st->active = 1;
            st->armed = 0;
            st->start = t;
            st->quiet = 0;
            return IMU_SEG_ONSET;
        }
        if (st->s < on) st->idle = st->idle + (st->s - st->idle) * c->idle_rate;
        return IMU_SEG_NONE;
    }
    st->quiet = st->s < off ? st->quiet + 1u : 0u;
    const uint32_t l = t - st->start + 1u;
    if (st->quiet >= c->hold || l >= c->max_len) {
        st->active = 0;
        st->armed = st->quiet >= c->hold; /* cut at max_len: wait for quiet first */
        if (start) *start = st->start;
        if (len) *len = l;
        return l >= c->min_len ? IMU_SEG_END : IMU_SEG_DROPPED;
    }
    return IMU_SEG_NONE;
}

int imu_seg_finish(struct imu_seg_state *st, uint32_t *start, uint32_t *len)
{
    if (!st->active)
        return IMU_SEG_NONE;
    const uint32_t l = st->n - st->start;
    st->active = 0;
    st->armed = 1;
    if (start) *start = st->start;
    if (len) *len = l;
    return l >= st->cfg->min_len ? IMU_SEG_END : IMU_SEG_DROPPED;
}

int imu_seg_find(const struct imu_seg_config *cfg, const float *scale, const int16_t *x, uint32_t n,
                 uint32_t *starts, uint32_t *lens, int max)
{
    struct imu_seg_state st;
    imu_seg_init(&st, cfg, scale);
    int found = 0;
    for (uint32_t t = 0; t < n; t++) {
        uint32_t s0, l;
        if (imu_seg_push(&st, x + (size_t)t * cfg->n_axes, &s0, &l) == IMU_SEG_END) {
            if (found < max) { starts[found] = s0; lens[found] = l; }
            found++;
        }
    }
    uint32_t s0, l;
    if (imu_seg_finish(&st, &s0, &l) == IMU_SEG_END) {
        if (found < max) { starts[found] = s0; lens[found] = l; }
        found++;
    }
    return found;
}

/* ---- gesture buffer ------------------------------------------------------------------ */

/* floor(a / b) for b > 0, without relying on the rounding of negative division or shifts. */
static int32_t floor_div(int32_t a, int32_t b)
{
    int32_t q = a / b;
    if ((a % b) != 0 && a < 0) q--;
    return q;
}

void imu_gbuf_init(struct imu_gbuf *g, int16_t *storage, uint16_t n_axes, uint16_t cap)
{
    g->buf = storage;
    g->n_axes = n_axes;
    g->cap = cap;
    imu_gbuf_reset(g);
}

void imu_gbuf_reset(struct imu_gbuf *g)
{
    g->n = 0;
    g->pend_n = 0;
    g->step = 1;
    for (unsigned a = 0; a < IMU_SEG_MAX_AXES; a++) g->pend[a] = 0;
}

/* Append the mean of the pending samples; merge pairs when the buffer is full. */
static void gbuf_append(struct imu_gbuf *g)
{
    const unsigned na = g->n_axes;
    int16_t *d = g->buf + (size_t)g->n * na;
    for (unsigned a = 0; a < na; a++) {
        d[a] = (int16_t)floor_div(g->pend[a], (int32_t)g->pend_n);
        g->pend[a] = 0;
    }
    g->pend_n = 0;
    g->n++;
    if (g->n == g->cap) {
        const unsigned half = g->cap / 2u;
        for (unsigned i = 0; i < half; i++)
            for (unsigned a = 0; a < na; a++) {
                int32_t s = (int32_t)g->buf[(2 * i) * na + a] + (int32_t)g->buf[(2 * i + 1) * na + a];
                g->buf[i * na + a] = (int16_t)floor_div(s, 2);
            }
        g->n = (uint16_t)half;
        g->step *= 2u;
    }
}

void imu_gbuf_push(struct imu_gbuf *g, const int16_t *x)
{
    for (unsigned a = 0; a < g->n_axes; a++) g->pend[a] += x[a];
    g->pend_n++;
    if (g->pend_n == g->step) gbuf_append(g);
}

uint16_t imu_gbuf_finish(struct imu_gbuf *g)
{
    if (g->pend_n > 0) gbuf_append(g);
    return g->n;
}

/* ---- resampling ---------------------------------------------------------------------- */

void imu_resample_i16(const int16_t *x, uint32_t n, uint16_t na, int16_t *out, uint16_t points)
{
    const uint32_t den = (uint32_t)points - 1u, half = den / 2u;
    for (uint32_t i = 0; i < points; i++) {
        uint32_t num = n > 1 ? i * (n - 1u) : 0u;
        uint32_t j = num / den, r = num % den;
        for (unsigned a = 0; a < na; a++) {
            int32_t v0 = x[(size_t)j * na + a], v = v0;
            if (r) {
                int32_t d = ((int32_t)x[(size_t)(j + 1) * na + a] - v0) * (int32_t)r;
                int32_t q = d >= 0 ? (int32_t)(((uint32_t)d + half) / den)
                                   : -(int32_t)(((uint32_t)(-d) + half) / den);
                v = v0 + q;
            }
            out[(size_t)i * na + a] = (int16_t)v;
        }
    }
}
