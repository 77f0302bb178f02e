/* SPDX-License-Identifier: MIT */
/* textline.c -- line assembly and strict number parsing for data-forwarder input.
 *
 * Bytes are collected up to '\n' in a fixed buffer; '\r' is ignored so CRLF and LF both work.
 * A line longer than TEXTLINE_MAX is dropped whole at its terminator and counted. When the
 * port was opened mid-stream the first line is likely cut, so it can be skipped.
 *
 * A value is [+-]digits[.digits][(e|E)[+-]digits] with at least one digit in the mantissa.
 * Separators are what Edge Impulse's data forwarder splits at: ',', TAB and blanks, any mix;
 * empty pieces are dropped, so leading, doubled and trailing separators ("x\ty\tz\t", "1,2,3,",
 * "1 2 3") are accepted as the forwarder accepts them (a column count that then differs from
 * the other lines is caught by the caller). The token is checked by
 * hand first and only then converted with strtod, so locale- or libc-specific forms
 * (hex floats, "inf", "nan") never get in. Non-finite results (1e999) are rejected too.
 */
#include "textline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void textline_init(struct textline *t, bool skip_first)
{
    memset(t, 0, sizeof *t);
    t->skip_first = skip_first;
}

/* Assemble lines; see the header. */
bool textline_push(struct textline *t, uint8_t byte, const char **line)
{
    if (byte == '\r')
        return false;
    if (byte != '\n') {
        if (t->len >= TEXTLINE_MAX)
            t->overflow = true;
        else
            t->buf[t->len++] = (char)byte;
        return false;
    }
    bool skip = t->skip_first;
    t->skip_first = false;
    if (t->overflow) {
        t->overflow = false;
        t->len = 0;
        t->too_long++;
        return false;
    }
    if (skip) {
        t->len = 0;
        t->skipped_first++;
        return false;
    }
    if (t->len == 0)
        return false;
    t->buf[t->len] = 0;
    t->len = 0;
    t->lines++;
    *line = t->buf;
    return true;
}

/* Length of a valid number at p, or 0. */
static int number_len(const char *p)
{
    int i = 0, digits = 0;
    if (p[i] == '+' || p[i] == '-')
        i++;
    while (p[i] >= '0' && p[i] <= '9')
        i++, digits++;
    if (p[i] == '.') {
        i++;
        while (p[i] >= '0' && p[i] <= '9')
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (p[i] == 'e' || p[i] == 'E') {
        int j = i + 1, ed = 0;
        if (p[j] == '+' || p[j] == '-')
            j++;
        while (p[j] >= '0' && p[j] <= '9')
            j++, ed++;
        if (!ed)
            return 0;
        i = j;
    }
    return i;
}

/* A separator between values: ',', TAB or blanks (what the Edge Impulse forwarder splits at). */
static int is_sep(char c) { return c == ',' || c == '\t' || c == ' ' || c == '\v' || c == '\f' || c == '\r'; }

/* Parse one line; see the header. */
int textline_parse(const char *line, float *vals, int max, const char **why, int *where)
{
    int n = 0;
    const char *p = line;
    for (;;) {
        while (is_sep(*p))
            p++; /* leading, repeated and trailing separators make empty pieces: dropped */
        if (*p == 0) {
            if (n == 0) {
                *why = "no values";
                *where = (int)(p - line);
                return -1;
            }
            return n;
        }
        int len = number_len(p);
        if (len == 0) {
            *why = "not a number";
            *where = (int)(p - line);
            return -1;
        }
        if (n >= max) {
            *why = "too many values";
            *where = (int)(p - line);
            return -1;
        }
        char tmp[64];
        if (len >= (int)sizeof tmp) {
            *why = "number too long";
            *where = (int)(p - line);
            return -1;
        }
        memcpy(tmp, p, (size_t)len);
        tmp[len] = 0;
        double d = strtod(tmp, NULL);
        if (!isfinite(d) || fabs(d) > 3.4e38) {
            *why = "value out of range";
            *where = (int)(p - line);
            return -1;
        }
        vals[n++] = (float)d;
        p += len;
        if (*p != 0 && !is_sep(*p)) {
            *why = "expected ',', TAB or a space";
            *where = (int)(p - line);
            return -1;
        }
    }
}
