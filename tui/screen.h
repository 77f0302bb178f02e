/* SPDX-License-Identifier: MIT */
/* screen.h -- drawing the whole screen from struct app.
 *
 * screen_draw() erases stdscr, lays out the panels for the current size (header, plot,
 * optional classification panel, labels, recorder, last recordings, status line, key help),
 * draws them and pushes the frame with wnoutrefresh + doupdate, so curses sends only the
 * cells that changed: no flicker. It never reads input and never talks to the daemon.
 */
#ifndef IMULAB_TUI_SCREEN_H
#define IMULAB_TUI_SCREEN_H

#include "app.h"

#define SCREEN_MIN_COLS 60
#define SCREEN_MIN_ROWS 16

void screen_draw(struct app *a);

#endif
