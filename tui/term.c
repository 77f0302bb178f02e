/* SPDX-License-Identifier: MIT */
/* term.c -- terminal setup and teardown (see term.h). */
#define _GNU_SOURCE
#include "term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t term_signalled;
static bool started;

bool term_locale(void)
{
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static void on_signal(int sig)
{
    term_signalled = sig;
}

void term_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void colors(void)
{
    static const short axis[N_AXIS_COLORS] = {COLOR_RED, COLOR_GREEN, COLOR_CYAN,
                                              COLOR_YELLOW, COLOR_MAGENTA, COLOR_BLUE};
    start_color();
    use_default_colors();
    for (int i = 0; i < N_AXIS_COLORS; i++)
        init_pair((short)(PAIR_AXIS + i), axis[i], -1);
    init_pair(PAIR_OK, COLOR_GREEN, -1);
    init_pair(PAIR_ERR, COLOR_RED, -1);
    init_pair(PAIR_WARN, COLOR_YELLOW, -1);
    init_pair(PAIR_HEAD, COLOR_BLACK, COLOR_CYAN);
    init_pair(PAIR_REC, COLOR_WHITE, COLOR_RED);
}

bool term_start(bool want_color)
{
    if (!initscr())
        return false;
    started = true;
    atexit(term_end);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    const char *nc = getenv("NO_COLOR");
    bool color = want_color && !(nc && nc[0]) && has_colors();
    if (color)
        colors();
    return color;
}

void term_end(void)
{
    if (!started)
        return;
    started = false;
    curs_set(1);
    endwin();
}
