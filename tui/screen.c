/* SPDX-License-Identifier: MIT */
/* screen.c -- layout and panels (see screen.h).
 *
 * The layout is recomputed from LINES x COLS on every frame, so a resize (KEY_RESIZE) needs
 * nothing but a redraw. Each panel is one short function drawing into its rectangle of
 * stdscr; panels are separated by title rules and vertical bars, drawn with line-drawing
 * characters in UTF-8 and '-' '|' in the ASCII fallback.
 */
#define _GNU_SOURCE
#include "screen.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "plot.h"
#include "term.h"
#include "text.h"

#define PLOT_SECONDS 5.0

struct layout {
    int rows, cols;
    int plot_y, plot_h, plot_w;  /* plot area (title rule at plot_y - 1) */
    int cls_x, cls_w;            /* classification panel right of the plot, 0 when hidden */
    int pan_y, pan_h;            /* panel rows (title rule at pan_y - 1) */
    int lab_w, rec_x, rec_w, last_x, last_w;
};

static void layout(const struct app *a, struct layout *L)
{
    L->rows = LINES;
    L->cols = COLS;
    int avail = L->rows - 4;
    L->pan_h = (avail - 2) / 2;
    L->pan_h = L->pan_h < 4 ? 4 : L->pan_h > 12 ? 12 : L->pan_h;
    L->plot_h = avail - 2 - L->pan_h;
    L->plot_y = 3;
    L->pan_y = L->plot_y + L->plot_h + 1;
    L->cls_w = a->cls.active && L->cols >= 70 ? 26 : 0;
    L->cls_x = L->cols - L->cls_w;
    L->plot_w = L->cols - L->cls_w - (L->cls_w ? 1 : 0);
    L->lab_w = L->cols * 35 / 100 < 24 ? 24 : L->cols * 35 / 100;
    L->rec_w = L->cols * 30 / 100 < 20 ? 20 : L->cols * 30 / 100;
    L->rec_x = L->lab_w + 1;
    L->last_x = L->rec_x + L->rec_w + 1;
    L->last_w = L->cols - L->last_x;
}

static void style_on(const struct app *a, int pair, attr_t fallback)
{
    if (a->color && pair)
        attron(COLOR_PAIR(pair));
    else
        attron(fallback);
}

static void style_off(const struct app *a, int pair, attr_t fallback)
{
    if (a->color && pair)
        attroff(COLOR_PAIR(pair));
    else
        attroff(fallback);
}

/* A horizontal rule with a title: "-- Title ------". */
static void rule(const struct app *a, int y, int x, int w, const char *title)
{
    if (a->utf8)
        mvhline(y, x, ACS_HLINE, w);
    else
        mvhline(y, x, '-', w);
    if (title && w > 6) {
        attron(A_BOLD);
        put_fmt(stdscr, y, x + 1, w - 2, a->utf8, " %s ", title);
        attroff(A_BOLD);
    }
}

/* A vertical bar from a title rule at y down h rows, joined to the rule with a tee. */
static void vbar(const struct app *a, int y, int x, int h)
{
    if (a->utf8) {
        mvvline(y + 1, x, ACS_VLINE, h - 1);
        mvaddch(y, x, ACS_TTEE);
    } else {
        mvvline(y + 1, x, '|', h - 1);
        mvaddch(y, x, '+');
    }
}

static void draw_header(const struct app *a, const struct layout *L)
{
    const struct devstatus *s = &a->st;
    char line[512];
    style_on(a, PAIR_HEAD, A_REVERSE);
    mvhline(0, 0, ' ', L->cols);
    if (a->sub.state != CONN_UP)
        snprintf(line, sizeof line, " imulab-tui | imulabd not connected (%s)", a->socket_path);
    else if (!s->have)
        snprintf(line, sizeof line, " imulab-tui | imulabd connected, waiting for status");
    else
        snprintf(line, sizeof line, " %s %s | %s | %.0f Hz | %s",
                 s->has_device && s->board[0] ? s->board
                 : strcmp(s->mode, "text") == 0 ? "data forwarder" : "device",
                 s->has_device && s->firmware[0] ? s->firmware : "",
                 s->port[0] ? s->port : "no port", s->rate_hz,
                 s->connected ? "connected" : "NOT CONNECTED");
    put_text(stdscr, 0, 0, L->cols - 6, line, a->utf8);
    style_off(a, PAIR_HEAD, A_REVERSE);
    if (s->recording && a->sub.state == CONN_UP) {
        style_on(a, PAIR_REC, A_REVERSE | A_BOLD);
        mvaddstr(0, L->cols - 5, " REC ");
        style_off(a, PAIR_REC, A_REVERSE | A_BOLD);
    }
    if (a->sub.state == CONN_UP && s->have)
        put_fmt(stdscr, 1, 1, L->cols - 2, a->utf8,
                "%.1f frames/s  CRC errors %ld  gaps %ld  frames %ld  %s mode%s%.0ld%s",
                s->fps, s->crc_errors, s->gaps, s->frames, s->mode[0] ? s->mode : "-",
                s->bad_lines ? "  bad lines " : "", s->bad_lines,
                s->dropped_events ? "  events dropped" : "");
}

static void draw_absent(const struct app *a, const struct layout *L)
{
    int y = L->plot_y + 1, w = L->plot_w - 4;
    const char *why = a->sub.last_err == ENOENT ? "no socket there"
                    : a->sub.last_err ? strerror(a->sub.last_err) : "connection closed";
    style_on(a, PAIR_WARN, A_BOLD);
    put_fmt(stdscr, y, 2, w, a->utf8, "imulabd is not running at %s (%s).", a->socket_path, why);
    style_off(a, PAIR_WARN, A_BOLD);
    put_text(stdscr, y + 2, 2, w, "Start it with:", a->utf8);
    put_fmt(stdscr, y + 3, 4, w - 2, a->utf8, "imulabd --port DEV --db FILE --socket %s",
            a->socket_path);
    put_text(stdscr, y + 5, 2, w, "imulab-tui reconnects by itself as soon as it is up.", a->utf8);
}

static void draw_legend(const struct app *a, const struct layout *L)
{
    rule(a, L->plot_y - 1, 0, L->plot_w, "Signal");
    int x = 10;
    for (int i = 0; i < a->ring.naxes && x < L->plot_w - 12; i++) {
        if (a->color)
            attron(COLOR_PAIR(PAIR_AXIS + i % N_AXIS_COLORS) | A_BOLD);
        char name[RING_NAME + 4];
        if (a->utf8)
            snprintf(name, sizeof name, " %s ", a->ring.axes[i]);
        else
            snprintf(name, sizeof name, " %c%s ", plot_mark(i), a->ring.axes[i]);
        x += put_text(stdscr, L->plot_y - 1, x, L->plot_w - x - 1, name, a->utf8);
        if (a->color)
            attroff(COLOR_PAIR(PAIR_AXIS + i % N_AXIS_COLORS) | A_BOLD);
    }
    if (x < L->plot_w - 12)
        put_fmt(stdscr, L->plot_y - 1, x + 1, L->plot_w - x - 2, a->utf8, " last %.0f s ",
                PLOT_SECONDS);
}

/* Axes with the unit of axis 0 in groups[0], the others in groups[1], so accelerations and
 * angular rates each get their own scale; one group when units are unknown or the same. */
static int unit_groups(const struct app *a, unsigned groups[2])
{
    const struct ring *r = &a->ring;
    groups[0] = r->naxes >= 32 ? ~0u : (1u << r->naxes) - 1;
    groups[1] = 0;
    if (a->st.nunits != r->naxes || r->naxes < 2)
        return 1;
    for (int i = 1; i < r->naxes; i++)
        if (strcmp(a->st.units[i], a->st.units[0]) != 0)
            groups[1] |= 1u << i;
    groups[0] &= ~groups[1];
    return groups[1] ? 2 : 1;
}

static void draw_plot(const struct app *a, const struct layout *L)
{
    draw_legend(a, L);
    if (a->sub.state != CONN_UP) {
        draw_absent(a, L);
        return;
    }
    unsigned groups[2];
    int n = unit_groups(a, groups);
    if (n == 2 && L->plot_h < 6) {
        n = 1;
        groups[0] |= groups[1];
    }
    int h = L->plot_h / n;
    for (int g = 0; g < n; g++) {
        struct plot_style st = {.utf8 = a->utf8, .color = a->color, .seconds = PLOT_SECONDS,
                                .axes = groups[g]};
        plot_draw(stdscr, L->plot_y + g * h, 0, g == n - 1 ? L->plot_h - g * h : h, L->plot_w,
                  &a->ring, &st);
    }
    if (a->st.have && !a->st.connected) {
        style_on(a, PAIR_WARN, A_BOLD);
        put_fmt(stdscr, L->plot_y + L->plot_h / 2, 10, L->plot_w - 12, a->utf8,
                " no device connected to imulabd (port %s) ", a->st.port[0] ? a->st.port : "-");
        style_off(a, PAIR_WARN, A_BOLD);
    }
}

static void draw_classif(const struct app *a, const struct layout *L)
{
    if (!L->cls_w)
        return;
    const struct classif *c = &a->cls;
    int x = L->cls_x + 1, w = L->cls_w - 1;
    rule(a, L->plot_y - 1, L->cls_x, L->cls_w, "Classifier");
    vbar(a, L->plot_y - 1, L->cls_x - 1, L->plot_h + 1);
    char buf[16];
    bool stale = now_ms() - c->t_ms > 3000;
    if (c->unknown) { /* the anomaly score is above the model's threshold: none of the classes */
        style_on(a, PAIR_WARN, A_BOLD);
        put_fmt(stdscr, L->plot_y, x, w, a->utf8, "%s unknown (%ld)%s", a->utf8 ? "\u25b6" : ">", c->anomaly,
                stale ? " (stale)" : "");
        style_off(a, PAIR_WARN, A_BOLD);
    } else {
        style_on(a, PAIR_OK, A_BOLD);
        put_fmt(stdscr, L->plot_y, x, w, a->utf8, "%s %s%s", a->utf8 ? "\u25b6" : ">",
                model_class_name(a, c->cls, buf, sizeof buf), stale ? " (stale)" : "");
        style_off(a, PAIR_OK, A_BOLD);
    }
    int barw = w - 14;
    for (int i = 0; i < c->nscores && i < L->plot_h - 1; i++) {
        int v = c->scores[i] + 128; /* int8 score -> 0..255 */
        v = v < 0 ? 0 : v > 255 ? 255 : v;
        int y = L->plot_y + 1 + i, fill = v * barw / 255;
        put_text(stdscr, y, x, 8, model_class_name(a, i, buf, sizeof buf), a->utf8);
        if (i == c->cls)
            style_on(a, PAIR_OK, A_BOLD);
        for (int k = 0; k < fill; k++)
            mvaddstr(y, x + 9 + k, a->utf8 ? "\u2588" : "#");
        if (i == c->cls)
            style_off(a, PAIR_OK, A_BOLD);
        put_fmt(stdscr, y, x + 9 + barw, 5, a->utf8, "%4d%%", v * 100 / 255);
    }
}

static void draw_labels(const struct app *a, const struct layout *L)
{
    const struct labels *l = &a->labels;
    int y = L->pan_y, w = L->lab_w;
    rule(a, y - 1, 0, w, "Labels  recs  secs");
    if (l->n == 0) {
        put_text(stdscr, y, 1, w - 2, "none yet: n adds one", a->utf8);
        return;
    }
    int first = l->sel >= L->pan_h ? l->sel - L->pan_h + 1 : 0;
    for (int i = first; i < l->n && i - first < L->pan_h; i++) {
        const struct label_entry *e = &l->v[i];
        int row = y + i - first;
        if (i == l->sel)
            attron(A_REVERSE | A_BOLD);
        mvhline(row, 0, ' ', w);
        put_fmt(stdscr, row, 0, 2, a->utf8, "%c", i < 9 ? '1' + i : ' ');
        put_text(stdscr, row, 2, w - 15, e->name, a->utf8);
        if (e->local)
            put_text(stdscr, row, w - 13, 13, "      new", a->utf8);
        else
            put_fmt(stdscr, row, w - 13, 13, a->utf8, "%4ld %7.1f", e->recordings, e->seconds);
        if (i == l->sel)
            attroff(A_REVERSE | A_BOLD);
    }
}

static void progress(const struct app *a, int y, int x, int w, double frac)
{
    int fill = (int)(frac * w);
    fill = fill < 0 ? 0 : fill > w ? w : fill;
    for (int i = 0; i < w; i++)
        mvaddstr(y, x + i, i < fill ? (a->utf8 ? "\u2588" : "#") : (a->utf8 ? "\u00b7" : "."));
}

static void draw_recorder_state(const struct app *a, int y, int x, int w)
{
    const struct recorder *r = &a->rec;
    int64_t t = now_ms() - r->t0;
    switch (r->st) {
    case REC_COUNTDOWN: {
        long left = (long)((a->countdown_ms - t + 999) / 1000);
        style_on(a, PAIR_WARN, A_BOLD);
        put_fmt(stdscr, y, x, w, a->utf8, "GET READY  %ld", left < 1 ? 1 : left);
        style_off(a, PAIR_WARN, A_BOLD);
        break;
    }
    case REC_STARTING:
        put_text(stdscr, y, x, w, "starting...", a->utf8);
        break;
    case REC_RUNNING:
        style_on(a, PAIR_REC, A_REVERSE | A_BOLD);
        put_fmt(stdscr, y, x, w, a->utf8, " RECORDING %.1f s ", (double)t / 1000.0);
        style_off(a, PAIR_REC, A_REVERSE | A_BOLD);
        if (r->timed)
            progress(a, y + 1, x, w, (double)t / (double)a->duration_ms);
        else
            put_text(stdscr, y + 1, x, w, "space stops", a->utf8);
        break;
    case REC_STOPPING:
        put_text(stdscr, y, x, w, "saving...", a->utf8);
        break;
    case REC_IDLE:
        if (a->st.recording)
            put_fmt(stdscr, y, x, w, a->utf8, "open elsewhere: %s", a->st.label);
        else
            put_text(stdscr, y, x, w, "idle", a->utf8);
        break;
    }
}

static void draw_recorder(const struct app *a, const struct layout *L)
{
    int y = L->pan_y, x = L->rec_x + 1, w = L->rec_w - 1;
    rule(a, y - 1, L->rec_x, L->rec_w, "Recorder");
    vbar(a, y - 1, L->rec_x - 1, L->pan_h + 1);
    const char *lab = a->rec.st != REC_IDLE ? a->rec.label : labels_selected(&a->labels);
    draw_recorder_state(a, y, x, w);
    put_fmt(stdscr, y + 2, x, w, a->utf8, "label    %s", lab ? lab : "-");
    put_fmt(stdscr, y + 3, x, w, a->utf8, "category %s", a->testing ? "testing" : "training");
    put_fmt(stdscr, y + 4, x, w, a->utf8, "subject  %s", a->subject[0] ? a->subject : "-");
    put_fmt(stdscr, y + 5, x, w, a->utf8, "length   %.1f s", (double)a->duration_ms / 1000.0);
    if (a->st.recording && L->pan_h > 6)
        put_fmt(stdscr, y + 6, x, w, a->utf8, "samples  %ld", a->st.recording_samples);
}

static void draw_recent(const struct app *a, const struct layout *L)
{
    int y = L->pan_y, x = L->last_x + 1, w = L->last_w - 1;
    rule(a, y - 1, L->last_x, L->last_w, "Last recordings");
    vbar(a, y - 1, L->last_x - 1, L->pan_h + 1);
    if (a->nrecent == 0)
        put_text(stdscr, y, x, w, "none", a->utf8);
    for (int i = 0; i < a->nrecent && i < L->pan_h; i++) {
        const struct rec_entry *r = &a->recent[i];
        int used = put_fmt(stdscr, y + i, x, w, a->utf8, "#%-4ld", r->id);
        int tail = 14;
        put_text(stdscr, y + i, x + used, w - used - tail, r->label, a->utf8);
        put_fmt(stdscr, y + i, x + w - tail, tail, a->utf8, " %c %5ld %4.1fs",
                r->category[0] ? r->category[0] : '?', r->samples, r->seconds);
    }
}

static void draw_prompt(const struct app *a, int y, int w)
{
    char buf[TUI_PROMPT_MAX * 4 + 1];
    int n = 0;
    for (int i = 0; i < a->plen; i++)
        n += utf8_put(buf + n, a->pbuf[i]);
    buf[n] = 0;
    if (a->prompt == PROMPT_DELETE) {
        const struct rec_entry *r = &a->recent[0];
        style_on(a, PAIR_WARN, A_BOLD);
        put_fmt(stdscr, y, 0, w, a->utf8, "Delete recording #%ld (%s, %.2f s)? y/n", r->id,
                r->label, r->seconds);
        style_off(a, PAIR_WARN, A_BOLD);
        return;
    }
    const char *what = a->prompt == PROMPT_LABEL ? "New label" : "Subject (empty clears)";
    int x = put_fmt(stdscr, y, 0, w, a->utf8, "%s: ", what);
    /* show the end of what was typed when it is longer than the line */
    int room = w - x - 22, cols = text_cols(buf, a->utf8);
    const char *p = buf;
    while (cols > room && *p) {
        p++;
        while ((*p & 0xc0) == 0x80)
            p++;
        cols = text_cols(p, a->utf8);
    }
    x += put_text(stdscr, y, x, room, p, a->utf8);
    attron(A_REVERSE);
    mvaddch(y, x, ' ');
    attroff(A_REVERSE);
    put_fmt(stdscr, y, x + 2, w - x - 2, a->utf8, "%d/64 B, Enter/Esc", n);
}

static void draw_status(const struct app *a, const struct layout *L)
{
    int y = L->rows - 2;
    if (a->prompt != PROMPT_NONE) {
        draw_prompt(a, y, L->cols);
        return;
    }
    if (!a->msg[0] || now_ms() - a->msg_t > (a->msg_err ? 30000 : 10000))
        return;
    style_on(a, a->msg_err ? PAIR_ERR : PAIR_OK, a->msg_err ? A_BOLD : A_NORMAL);
    put_text(stdscr, y, 0, L->cols, a->msg, a->utf8);
    style_off(a, a->msg_err ? PAIR_ERR : PAIR_OK, a->msg_err ? A_BOLD : A_NORMAL);
}

static void draw_keys(const struct app *a, const struct layout *L)
{
    const char *keys = a->utf8
        ? "n new \u2191\u2193/1-9 pick r timed \u2423 free x del u undo t cat s subject ? help q quit"
        : "n new up/dn/1-9 pick r timed spc free x del u undo t cat s subject ? help q quit";
    if (text_cols(keys, a->utf8) > L->cols)
        keys = "n new r timed spc free x del u undo t cat s subj ? q quit";
    attron(A_DIM);
    put_text(stdscr, L->rows - 1, 0, L->cols, keys, a->utf8);
    attroff(A_DIM);
}

static void draw_help(const struct app *a)
{
    static const char *lines[] = {
        "imulab-tui keys",
        "",
        "up/down, 1-9   choose the label",
        "n              add a label (Enter adds, Esc cancels)",
        "r              timed recording after a 3-2-1 countdown",
        "space          start/stop a free recording (cancels a countdown)",
        "x / u          delete the last recording (asks first) / undo",
        "t              next recordings: training <-> testing",
        "s              subject of the next recordings",
        "Esc            cancel a countdown or a prompt",
        "?              this help (any key closes it)",
        "q              quit (stops an open recording first)",
    };
    int n = (int)(sizeof lines / sizeof lines[0]), w = 70 < COLS - 2 ? 70 : COLS - 2;
    int y0 = (LINES - n - 2) / 2, x0 = (COLS - w) / 2;
    for (int i = 0; i < n + 2; i++) {
        mvhline(y0 + i, x0, ' ', w);
        if (i > 0 && i <= n)
            put_text(stdscr, y0 + i, x0 + 2, w - 4, lines[i - 1], a->utf8);
    }
    if (a->utf8) {
        mvhline(y0, x0, ACS_HLINE, w);
        mvhline(y0 + n + 1, x0, ACS_HLINE, w);
    } else {
        mvhline(y0, x0, '-', w);
        mvhline(y0 + n + 1, x0, '-', w);
    }
}

void screen_draw(struct app *a)
{
    struct layout L;
    erase();
    if (LINES < SCREEN_MIN_ROWS || COLS < SCREEN_MIN_COLS) {
        put_fmt(stdscr, 0, 0, COLS, a->utf8, "terminal too small (%dx%d, need %dx%d); q quits",
                COLS, LINES, SCREEN_MIN_COLS, SCREEN_MIN_ROWS);
    } else {
        layout(a, &L);
        draw_header(a, &L);
        draw_plot(a, &L);
        draw_classif(a, &L);
        draw_labels(a, &L);
        draw_recorder(a, &L);
        draw_recent(a, &L);
        draw_status(a, &L);
        draw_keys(a, &L);
        if (a->help)
            draw_help(a);
    }
    wnoutrefresh(stdscr);
    doupdate();
    a->dirty = false;
    a->frames_drawn++;
}
