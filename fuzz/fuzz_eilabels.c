/* SPDX-License-Identifier: MIT */
/* fuzz_eilabels.c -- libFuzzer target for the Edge Impulse info.labels reader (dataset/eilabels.c).
 *
 * The input is parsed as an info.labels (JSON or NDJSON). Checks: every problem comes with a
 * message; every entry returned has a non-empty path, a known category, a valid label for
 * type label, and for multi-label at least one segment, each with a valid label, in time order
 * and not overlapping; a problem-free parse of an input that is not blank returns its entries.
 */
#include "eilabels.h"

#include <stdlib.h>
#include <string.h>

#define ASSERT(c)                                                                                  \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static int messages;

static void on_error(void *ctx, const char *msg)
{
    (void)ctx;
    ASSERT(msg && msg[0]);
    messages++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    struct eil_file f;
    messages = 0;
    int problems = eil_parse(buf, size, &f, on_error, NULL);
    ASSERT(problems == messages);
    char why[128];
    for (size_t i = 0; i < f.n; i++) {
        const struct eil_entry *e = &f.entries[i];
        ASSERT(e->path && e->path[0]);
        ASSERT(store_category_valid(e->category));
        ASSERT(!e->validation || !strcmp(e->category, "training"));
        ASSERT(e->interval_ms >= 0);
        if (e->type == EIL_LABEL)
            ASSERT(store_label_valid(e->label, why, sizeof why));
        if (e->type == EIL_MULTI) {
            ASSERT(e->n_segments >= 1 && e->segments);
            for (int k = 0; k < e->n_segments; k++) {
                ASSERT(store_label_valid(e->segments[k].label, why, sizeof why));
                ASSERT(e->segments[k].start_ms >= 0 && e->segments[k].end_ms >= e->segments[k].start_ms);
                if (k)
                    ASSERT(e->segments[k].start_ms > e->segments[k - 1].end_ms);
            }
        } else {
            ASSERT(e->n_segments == 0 && !e->segments);
        }
    }
    eil_free(&f);
    free(buf);
    return 0;
}
