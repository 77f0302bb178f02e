/* SPDX-License-Identifier: MIT */
/* ring.c -- the sample ring behind the live plot (see ring.h). */
#include "ring.h"

#include <string.h>

void ring_reset(struct ring *r)
{
    r->total = 0;
}

bool ring_set_axes(struct ring *r, int n, const char *const names[])
{
    if (n > RING_AXES)
        n = RING_AXES;
    bool same = n == r->naxes;
    for (int i = 0; same && i < n; i++)
        same = strncmp(r->axes[i], names[i], RING_NAME - 1) == 0;
    if (same)
        return false;
    r->naxes = n;
    for (int i = 0; i < n; i++) {
        strncpy(r->axes[i], names[i], RING_NAME - 1);
        r->axes[i][RING_NAME - 1] = 0;
    }
    ring_reset(r);
    return true;
}

void ring_push(struct ring *r, const float *row, int n)
{
    float *dst = r->v[r->total % RING_CAP];
    for (int i = 0; i < RING_AXES; i++)
        dst[i] = i < n ? row[i] : 0.0f;
    r->total++;
}

long ring_count(const struct ring *r)
{
    return r->total < RING_CAP ? r->total : RING_CAP;
}

const float *ring_row(const struct ring *r, long age)
{
    return r->v[(r->total - 1 - age) % RING_CAP];
}
