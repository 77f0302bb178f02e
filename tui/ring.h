/* SPDX-License-Identifier: MIT */
/* ring.h -- the last seconds of samples for the live plot.
 *
 * A fixed ring of RING_CAP rows of up to RING_AXES floats; `total` counts every row ever
 * pushed so a reader finds the newest at total-1 and knows how many are valid. When the
 * axis names change the ring starts over, so a plot never mixes two devices' axes.
 */
#ifndef IMULAB_TUI_RING_H
#define IMULAB_TUI_RING_H

#include <stdbool.h>

#define RING_CAP 8192
#define RING_AXES 9
#define RING_NAME 16

struct ring {
    int naxes;
    char axes[RING_AXES][RING_NAME];
    float v[RING_CAP][RING_AXES];
    long total;
    double rate_hz;
};

void ring_reset(struct ring *r);
/* Sets the axis names; resets the ring when they differ. Returns true on a reset. */
bool ring_set_axes(struct ring *r, int n, const char *const names[]);
void ring_push(struct ring *r, const float *row, int n);
/* Number of valid rows, and the row `age` rows before the newest (0 = newest). */
long ring_count(const struct ring *r);
const float *ring_row(const struct ring *r, long age);

#endif
