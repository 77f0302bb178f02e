/* SPDX-License-Identifier: MIT */
/* term.h -- the terminal: locale, curses setup, colours, signals and restoring on exit.
 *
 * term_locale() runs before initscr so ncursesw sees the user's locale and tells whether it is
 * UTF-8 (else the ASCII fallback is used). Colours are off when NO_COLOR is set and non-empty
 * or the terminal has none. SIGINT/SIGTERM/SIGHUP only set a flag the main loop checks, so the
 * terminal is restored by the normal exit path; term_end() is also registered with atexit.
 */
#ifndef IMULAB_TUI_TERM_H
#define IMULAB_TUI_TERM_H

#include <signal.h>
#include <stdbool.h>

enum {
    PAIR_AXIS = 1, /* PAIR_AXIS .. PAIR_AXIS + N_AXIS_COLORS - 1 */
    N_AXIS_COLORS = 6,
    PAIR_OK = PAIR_AXIS + N_AXIS_COLORS,
    PAIR_ERR,
    PAIR_WARN,
    PAIR_HEAD,
    PAIR_REC,
};

extern volatile sig_atomic_t term_signalled;

bool term_locale(void);          /* true when the locale's codeset is UTF-8 */
void term_signals(void);
bool term_start(bool want_color); /* returns whether colours are in use */
void term_end(void);

#endif
