/* SPDX-License-Identifier: MIT */
/* augment.c -- augmentation that works on one window or resampled gesture of int16 samples (the
 * form every model's input takes), so any front end (dense features, a convolution) can use it
 * on the examples it trains on.
 *
 * Time warp: people do not move at an even pace, and the pace within a gesture differs between
 * them (a fast start, a slow end). tr_aug_time_warp() re-times a window by a random monotone,
 * piecewise-linear map of its time axis onto itself -- TR_WARP_PIECES pieces of equal output
 * length whose input lengths are 1 +- amount (uniform), normalized -- so the first and last
 * samples stay, and the order of events never changes (a gesture and its time-reversal stay
 * apart). Values between samples are interpolated linearly and rounded half away from zero, in
 * single precision with + - * / only (deterministic everywhere, like the rest of the trainer). */
#include "trainer_int.h"

#include <assert.h>

#define TR_WARP_PIECES 4

void tr_aug_time_warp(const int16_t *in, int n, int na, float amount, uint64_t *rng, int16_t *out)
{
    assert(n >= 1 && na >= 1 && amount >= 0.0f && amount < 1.0f && in != out);
    float cum[TR_WARP_PIECES + 1];
    cum[0] = 0.0f;
    for (int k = 0; k < TR_WARP_PIECES; k++) {
        const float u = tr_rand_uniform(rng);
        cum[k + 1] = cum[k] + 1.0f + amount * (2.0f * u - 1.0f);
    }
    if (n == 1) {
        for (int a = 0; a < na; a++) out[a] = in[a];
        return;
    }
    const float last = (float)(n - 1);
    for (int t = 0; t < n; t++) {
        /* output position t falls in piece k at fraction f of it */
        const float u = (float)t * (float)TR_WARP_PIECES / last;
        int k = (int)u;
        if (k >= TR_WARP_PIECES) k = TR_WARP_PIECES - 1;
        const float f = u - (float)k;
        float p = (cum[k] + f * (cum[k + 1] - cum[k])) / cum[TR_WARP_PIECES] * last;
        if (p < 0.0f) p = 0.0f;
        if (p > last) p = last;
        int j = (int)p;
        if (j > n - 2) j = n - 2;
        const float w = p - (float)j;
        for (int a = 0; a < na; a++) {
            const float x0 = (float)in[(long)j * na + a], x1 = (float)in[(long)(j + 1) * na + a];
            const float v = x0 + (x1 - x0) * w;
            long r = (long)(v >= 0.0f ? v + 0.5f : v - 0.5f);
            out[(long)t * na + a] = (int16_t)(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
        }
    }
}
