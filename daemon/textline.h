/* SPDX-License-Identifier: MIT */
/* textline.h -- the Edge Impulse data-forwarder text format: one reading per line, numbers
 * separated by ',', TAB or spaces (empty pieces dropped, as the Edge Impulse forwarder does).
 * Line assembly is incremental and bounded; parsing is strict (plain decimal numbers only: no
 * hex, no nan/inf), so a line with letters is rejected, not guessed. */
#ifndef IMULAB_TEXTLINE_H
#define IMULAB_TEXTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXTLINE_MAX 256       /* longest line accepted, without the terminator */
#define TEXTLINE_MAX_VALUES 16

struct textline {
    char buf[TEXTLINE_MAX + 1];
    size_t len;
    bool overflow;   /* current line is too long: drop it at its end */
    bool skip_first; /* the first line may be cut (we joined mid-stream): drop it */
    uint64_t lines, too_long, skipped_first;
};

void textline_init(struct textline *t, bool skip_first);
/* Feed one byte. Returns true when a complete line is in *line (NUL-terminated, without
 * CR/LF, valid until the next call). Empty lines are not reported. */
bool textline_push(struct textline *t, uint8_t byte, const char **line);
/* Parse a line into at most max values. Returns the count, or -1 with *why set (a static
 * string) and *where the byte offset of the problem. */
int textline_parse(const char *line, float *vals, int max, const char **why, int *where);

#endif
