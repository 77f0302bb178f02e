/* SPDX-License-Identifier: MIT */
/* fuzz_textline.c -- libFuzzer target for the data-forwarder text-line parser (daemon/textline.c).
 *
 * Input byte 0 picks skip_first and the value limit; the rest is fed to textline_push, and
 * every line it reports is parsed. Checks: lines are bounded and contain no CR/LF, a parse
 * returns at most max values (all finite) or -1 with a reason and an offset inside the line.
 * The whole input is also parsed as one line.
 */
#include "textline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT(c)                                                                                  \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_parse(const char *line, int max)
{
    float vals[TEXTLINE_MAX_VALUES];
    const char *why = NULL;
    int where = -1;
    int n = textline_parse(line, vals, max, &why, &where);
    if (n < 0) {
        ASSERT(n == -1 && why != NULL && where >= 0 && (size_t)where <= strlen(line));
    } else {
        ASSERT(n >= 1 && n <= max);
        for (int i = 0; i < n; i++)
            ASSERT(isfinite(vals[i]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int max = 1 + data[0] % TEXTLINE_MAX_VALUES;
    static struct textline t;
    textline_init(&t, data[0] & 0x80);
    uint64_t lines = 0;
    for (size_t i = 1; i < size; i++) {
        const char *line;
        if (textline_push(&t, data[i], &line)) {
            lines++;
            size_t l = strlen(line);
            ASSERT(l <= TEXTLINE_MAX);
            ASSERT(line >= t.buf && line + l < t.buf + sizeof t.buf);
            ASSERT(strchr(line, '\n') == NULL && strchr(line, '\r') == NULL);
            check_parse(line, max);
        }
        ASSERT(t.len <= TEXTLINE_MAX);
    }
    ASSERT(t.lines == lines);

    static char whole[8192];
    size_t n = size - 1 < sizeof whole - 1 ? size - 1 : sizeof whole - 1;
    memcpy(whole, data + 1, n);
    whole[n] = 0;
    check_parse(whole, max);
    return 0;
}
