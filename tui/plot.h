/* SPDX-License-Identifier: MIT */
/* plot.h -- the live signal plot: every axis over the last seconds, autoscaled.
 *
 * Each terminal cell is a 2x4 grid of Unicode braille dots (U+2800..U+28FF) in a UTF-8
 * locale, or a single ASCII mark per axis otherwise. Time runs left to right with the newest
 * sample at the right edge; each dot column covers a slice of samples and draws their min..max
 * span joined to the previous column, so spikes survive the downsampling. A cell takes the
 * colour of the last axis drawn into it.
 */
#ifndef IMULAB_TUI_PLOT_H
#define IMULAB_TUI_PLOT_H

#include <curses.h>
#include <stdbool.h>

#include "ring.h"

#define PLOT_YLAB 8 /* columns of y-axis labels on the left */

struct plot_style {
    bool utf8, color;
    double seconds; /* time span shown */
    unsigned axes;  /* bit i set: draw axis i */
};

/* Draws the plot in the h x w rectangle at (y, x), y labels included. */
void plot_draw(WINDOW *win, int y, int x, int h, int w, const struct ring *r,
               const struct plot_style *st);
/* The character that stands for axis i in the ASCII fallback. */
char plot_mark(int i);

#endif
