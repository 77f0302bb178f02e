/* SPDX-License-Identifier: MIT */
/* plot.c -- braille/ASCII line plot of the sample ring (see plot.h).
 *
 * Three steps, each a short function: autoscale() finds the value range of what is visible,
 * rasterize() sets dots in a cell grid (bits + owning axis per cell), blit() draws the grid.
 */
#define _GNU_SOURCE
#include "plot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "text.h"

struct grid {
    int cw, ch, dw, dh, sx, sy; /* cells, dots, dots per cell */
    uint8_t *bits;
    int8_t *owner;
};

static const uint8_t braille_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

char plot_mark(int i)
{
    static const char marks[] = "*+o#@%&=~";
    return marks[i % (int)(sizeof marks - 1)];
}

static void autoscale(const struct ring *r, unsigned mask, long count, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (long age = 0; age < count; age++) {
        const float *row = ring_row(r, age);
        for (int i = 0; i < r->naxes; i++) {
            if (!(mask & 1u << i) || !isfinite(row[i]))
                continue;
            if (row[i] < *lo)
                *lo = row[i];
            if (row[i] > *hi)
                *hi = row[i];
        }
    }
    if (!(*lo <= *hi)) {
        *lo = -1;
        *hi = 1;
    }
    double span = *hi - *lo, pad = span < 1e-9 ? 1.0 : span * 0.05;
    *lo -= pad;
    *hi += pad;
}

static void set_dot(struct grid *g, int dx, int dy, int axis)
{
    if (dx < 0 || dy < 0 || dx >= g->dw || dy >= g->dh)
        return;
    int cell = (dy / g->sy) * g->cw + dx / g->sx;
    g->bits[cell] |= g->sx == 2 ? braille_bit[dy % 4][dx % 2] : 1;
    g->owner[cell] = (int8_t)axis;
}

static int to_dot_y(const struct grid *g, double v, double lo, double hi)
{
    if (!isfinite(v))
        v = lo;
    double f = (v - lo) / (hi - lo);
    return (g->dh - 1) - (int)lround(f * (g->dh - 1));
}

/* One axis: each dot column spans the samples of its time slice, joined to the last one. */
static void rasterize_axis(struct grid *g, const struct ring *r, int axis, long window,
                           long count, double lo, double hi)
{
    int prev = -1;
    for (int col = 0; col < g->dw; col++) {
        long a_hi = (long)((double)(g->dw - col) * (double)window / g->dw);
        long a_lo = (long)((double)(g->dw - 1 - col) * (double)window / g->dw);
        if (a_lo >= count)
            continue;
        if (a_hi > count)
            a_hi = count;
        if (a_hi <= a_lo)
            a_hi = a_lo + 1;
        int ymin = g->dh, ymax = -1, last = 0;
        for (long age = a_hi - 1; age >= a_lo; age--) {
            last = to_dot_y(g, ring_row(r, age)[axis], lo, hi);
            ymin = last < ymin ? last : ymin;
            ymax = last > ymax ? last : ymax;
        }
        if (prev >= 0) {
            ymin = prev < ymin ? prev : ymin;
            ymax = prev > ymax ? prev : ymax;
        }
        for (int y = ymin; y <= ymax; y++)
            set_dot(g, col, y, axis);
        prev = last;
    }
}

static void blit(WINDOW *win, int y, int x, const struct grid *g, const struct plot_style *st)
{
    for (int cy = 0; cy < g->ch; cy++) {
        for (int cx = 0; cx < g->cw; cx++) {
            int cell = cy * g->cw + cx;
            if (!g->bits[cell])
                continue;
            int axis = g->owner[cell];
            wchar_t wc = st->utf8 ? (wchar_t)(0x2800 + g->bits[cell]) : (wchar_t)plot_mark(axis);
            if (st->color)
                wattron(win, COLOR_PAIR(PAIR_AXIS + axis % N_AXIS_COLORS));
            mvwaddnwstr(win, y + cy, x + cx, &wc, 1);
            if (st->color)
                wattroff(win, COLOR_PAIR(PAIR_AXIS + axis % N_AXIS_COLORS));
        }
    }
}

/* v in at most 7 columns; values tiny next to the span print as 0. */
static void tick_label(char *buf, size_t n, double v, double span)
{
    if (fabs(v) < span * 1e-3)
        v = 0;
    for (int prec = 6; prec >= 1; prec--) {
        snprintf(buf, n, "%7.*g", prec, v);
        if (strlen(buf) <= 7)
            return;
    }
}

static void y_labels(WINDOW *win, int y, int x, int h, double lo, double hi, bool utf8)
{
    char buf[32];
    tick_label(buf, sizeof buf, hi, hi - lo);
    put_text(win, y, x, PLOT_YLAB - 1, buf, utf8);
    if (h >= 3) {
        tick_label(buf, sizeof buf, (lo + hi) / 2, hi - lo);
        put_text(win, y + h / 2, x, PLOT_YLAB - 1, buf, utf8);
    }
    if (h >= 2) {
        tick_label(buf, sizeof buf, lo, hi - lo);
        put_text(win, y + h - 1, x, PLOT_YLAB - 1, buf, utf8);
    }
}

void plot_draw(WINDOW *win, int y, int x, int h, int w, const struct ring *r,
               const struct plot_style *st)
{
    struct grid g = {.cw = w - PLOT_YLAB, .ch = h, .sx = st->utf8 ? 2 : 1, .sy = st->utf8 ? 4 : 1};
    if (g.cw < 4 || g.ch < 1)
        return;
    g.dw = g.cw * g.sx;
    g.dh = g.ch * g.sy;
    double rate = r->rate_hz > 0 ? r->rate_hz : 100.0;
    long window = (long)(rate * st->seconds);
    window = window < g.dw ? g.dw : window > RING_CAP ? RING_CAP : window;
    long count = ring_count(r) < window ? ring_count(r) : window;
    double lo, hi;
    autoscale(r, st->axes, count, &lo, &hi);
    y_labels(win, y, x, h, lo, hi, st->utf8);
    g.bits = calloc((size_t)(g.cw * g.ch), 1);
    g.owner = calloc((size_t)(g.cw * g.ch), 1);
    if (g.bits && g.owner && count > 0) {
        for (int i = 0; i < r->naxes; i++)
            if (st->axes & 1u << i)
                rasterize_axis(&g, r, i, window, count, lo, hi);
        blit(win, y, x + PLOT_YLAB, &g, st);
    }
    free(g.bits);
    free(g.owner);
}
