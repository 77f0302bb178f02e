/* SPDX-License-Identifier: MIT */
/* text.c -- sanitized, column-limited text output (see text.h).
 *
 * Decoding uses mbrtowc() in the UTF-8 locale (setlocale was called in term.c) and treats
 * every byte as a character otherwise. Each character is checked with iswprint/wcwidth.
 */
#define _GNU_SOURCE
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>

#define TEXT_MAX 512

/* Decodes s into printable wide characters filling at most maxcols columns. */
static int sanitize(const char *s, bool utf8, int maxcols, wchar_t *out, int *cols)
{
    mbstate_t ms;
    memset(&ms, 0, sizeof ms);
    int n = 0;
    *cols = 0;
    size_t len = strlen(s);
    while (len && n < TEXT_MAX) {
        wchar_t wc = '?';
        size_t k = 1;
        if (utf8) {
            k = mbrtowc(&wc, s, len, &ms);
            if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
                memset(&ms, 0, sizeof ms);
                wc = '?';
                k = 1;
            }
        } else {
            unsigned char b = (unsigned char)*s;
            wc = b < 0x80 ? b : '?';
        }
        int wd = iswprint((wint_t)wc) ? wcwidth(wc) : -1;
        if (wd < 0 || (!utf8 && wc >= 0x80)) {
            wc = '?';
            wd = 1;
        }
        if (*cols + wd > maxcols)
            break;
        out[n++] = wc;
        *cols += wd;
        s += k;
        len -= k;
    }
    out[n] = 0;
    return n;
}

int put_text(WINDOW *w, int y, int x, int maxcols, const char *s, bool utf8)
{
    wchar_t buf[TEXT_MAX + 1];
    int cols;
    if (maxcols <= 0)
        return 0;
    int n = sanitize(s, utf8, maxcols, buf, &cols);
    if (n > 0)
        mvwaddnwstr(w, y, x, buf, n);
    return cols;
}

int put_fmt(WINDOW *w, int y, int x, int maxcols, bool utf8, const char *fmt, ...)
{
    char buf[TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return put_text(w, y, x, maxcols, buf, utf8);
}

int text_cols(const char *s, bool utf8)
{
    wchar_t buf[TEXT_MAX + 1];
    int cols;
    sanitize(s, utf8, 1 << 20, buf, &cols);
    return cols;
}

int utf8_put(char *out, wchar_t c)
{
    unsigned long u = (unsigned long)c;
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xc0 | u >> 6);
        out[1] = (char)(0x80 | (u & 0x3f));
        return 2;
    }
    if (u >= 0xd800 && u <= 0xdfff)
        return 0;
    if (u < 0x10000) {
        out[0] = (char)(0xe0 | u >> 12);
        out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
        out[2] = (char)(0x80 | (u & 0x3f));
        return 3;
    }
    if (u < 0x110000) {
        out[0] = (char)(0xf0 | u >> 18);
        out[1] = (char)(0x80 | ((u >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((u >> 6) & 0x3f));
        out[3] = (char)(0x80 | (u & 0x3f));
        return 4;
    }
    return 0;
}
