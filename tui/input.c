/* SPDX-License-Identifier: MIT */
/* input.c -- key handling (see input.h).
 *
 * Prompts collect wide characters as typed, control characters included, and validate only on
 * Enter, so a bad label is answered with a message naming what is wrong instead of keys being
 * silently swallowed.
 */
#define _GNU_SOURCE
#include "input.h"

#include <curses.h>
#include <string.h>

#include "cmd.h"
#include "text.h"

#define KEY_ESC 27

/* The prompt text as UTF-8; false (with a message) when it cannot be one. */
static bool prompt_text(struct app *a, char *out, size_t n)
{
    size_t len = 0;
    for (int i = 0; i < a->plen; i++) {
        char b[4];
        int k = utf8_put(b, a->pbuf[i]);
        if (k == 0 || (!a->utf8 && a->pbuf[i] >= 0x80)) {
            app_msg(a, true, "rejected: only ASCII can be typed in a non-UTF-8 locale");
            return false;
        }
        if (len + (size_t)k >= n) {
            app_msg(a, true, "rejected: it is over 64 bytes");
            return false;
        }
        memcpy(out + len, b, (size_t)k);
        len += (size_t)k;
    }
    out[len] = 0;
    return true;
}

static void prompt_done(struct app *a)
{
    char text[TUI_PROMPT_MAX * 4 + 1];
    enum prompt_kind k = a->prompt;
    a->prompt = PROMPT_NONE;
    if (!prompt_text(a, text, sizeof text))
        return;
    if (k == PROMPT_LABEL)
        cmd_add_label(a, text);
    else if (k == PROMPT_SUBJECT)
        cmd_set_subject(a, text);
}

static void key_prompt(struct app *a, int type, wint_t k)
{
    if (a->prompt == PROMPT_DELETE) {
        a->prompt = PROMPT_NONE;
        if (type == OK && (k == 'y' || k == 'Y'))
            cmd_delete_confirm(a);
        else
            app_msg(a, false, "kept the recording");
        return;
    }
    if ((type == OK && (k == '\n' || k == '\r')) || (type == KEY_CODE_YES && k == KEY_ENTER)) {
        prompt_done(a);
    } else if (type == OK && k == KEY_ESC) {
        a->prompt = PROMPT_NONE;
        app_msg(a, false, "cancelled");
    } else if ((type == KEY_CODE_YES && k == KEY_BACKSPACE) || (type == OK && (k == 127 || k == 8))) {
        if (a->plen > 0)
            a->plen--;
    } else if (type == OK && a->plen < TUI_PROMPT_MAX) {
        a->pbuf[a->plen++] = (wchar_t)k;
    }
}

static void open_prompt(struct app *a, enum prompt_kind k)
{
    a->prompt = k;
    a->plen = 0;
}

static void quit(struct app *a)
{
    if (a->rec.st == REC_RUNNING || a->rec.st == REC_STARTING) {
        a->quit_t = now_ms();
        if (a->rec.st == REC_RUNNING)
            cmd_free_toggle(a); /* sends record stop; quits on its reply */
        app_msg(a, false, "stopping the recording, then quitting");
        return;
    }
    a->quit = true;
}

static void move_sel(struct app *a, int d)
{
    if (a->labels.n == 0)
        return;
    int i = a->labels.sel + d;
    labels_select(&a->labels, i < 0 ? 0 : i >= a->labels.n ? a->labels.n - 1 : i);
}

static void key_char(struct app *a, wint_t k)
{
    switch (k) {
    case 'q': case 'Q': quit(a); break;
    case 'n': open_prompt(a, PROMPT_LABEL); break;
    case 's': open_prompt(a, PROMPT_SUBJECT); break;
    case 'r': cmd_timed(a); break;
    case ' ': cmd_free_toggle(a); break;
    case 'x': cmd_delete_ask(a); break;
    case 'u': cmd_undo(a); break;
    case 't': cmd_toggle_category(a); break;
    case '?': a->help = true; break;
    case KEY_ESC: cmd_cancel(a); break;
    case 'k': move_sel(a, -1); break;
    case 'j': move_sel(a, 1); break;
    default:
        if (k >= '1' && k <= '9') {
            if ((int)(k - '1') < a->labels.n)
                labels_select(&a->labels, (int)(k - '1'));
            else
                app_msg(a, true, "no label %c", (char)k);
        } else if (k >= 0x20 && k < 0x7f) {
            app_msg(a, true, "unknown key %c (? shows the keys)", (char)k);
        }
    }
}

static void key(struct app *a, int type, wint_t k)
{
    a->dirty = true;
    if (type == KEY_CODE_YES && k == KEY_RESIZE) {
        clearok(curscr, TRUE);
        return;
    }
    if (a->help) {
        a->help = false;
        return;
    }
    if (a->prompt != PROMPT_NONE) {
        key_prompt(a, type, k);
        return;
    }
    if (type == KEY_CODE_YES) {
        if (k == KEY_UP)
            move_sel(a, -1);
        else if (k == KEY_DOWN)
            move_sel(a, 1);
        return;
    }
    key_char(a, k);
}

void input_drain(struct app *a)
{
    wint_t k;
    int type;
    while ((type = wget_wch(stdscr, &k)) != ERR)
        key(a, type, k);
}
