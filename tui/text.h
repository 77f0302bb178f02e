/* SPDX-License-Identifier: MIT */
/* text.h -- putting untrusted UTF-8 on the screen safely.
 *
 * Labels and messages come from the daemon and the keyboard; they may hold control
 * characters, invalid UTF-8 or wide characters. put_text() shows them cut to a number of
 * columns, with '?' for anything unprintable, and in a non-UTF-8 locale (ASCII fallback)
 * for every non-ASCII byte too.
 */
#ifndef IMULAB_TUI_TEXT_H
#define IMULAB_TUI_TEXT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* Draws s at (y, x) within maxcols columns; returns the columns used. */
int put_text(WINDOW *w, int y, int x, int maxcols, const char *s, bool utf8);
/* printf into a buffer, then put_text. */
int put_fmt(WINDOW *w, int y, int x, int maxcols, bool utf8, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Columns s takes on screen (as put_text would draw it). */
int text_cols(const char *s, bool utf8);
/* Encodes a wide character typed at the keyboard as UTF-8; returns the bytes (0 if invalid). */
int utf8_put(char *out, wchar_t c);

#endif
