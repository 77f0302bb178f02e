/* SPDX-License-Identifier: MIT */
/* fuzz_eilabels.c -- libFuzzer target for the Edge Impulse info.labels reader (dataset/eilabels.c).
 *
 * The input is parsed as an info.labels (JSON or NDJSON). Checks: every problem comes with a
 * message; every entry returned has a non-empty path, a known category, a valid label for
 * type label, and for multi-label at least one segment, each with a valid label, in time order
 * and not overlapping; a problem-free parse of an input that is not blank returns its entries.
 * Differential: eil_parse (entry by entry for the usual shapes) gives exactly the entries and the
 * messages of eil_parse_tree (the whole file as one cJSON tree), and so does eil_parse_file (from
 * a FILE through a window of 16 to 79 bytes, so that values straddle its ends), or eil_parse_each
 * when it answers EIL_WHOLE, as imulab import does.
 */
#include "eilabels.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT(c)                                                                                  \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static int messages;
static uint64_t message_hash; /* FNV-1a over the messages in order */

static void on_error(void *ctx, const char *msg)
{
    (void)ctx;
    ASSERT(msg && msg[0]);
    messages++;
    for (const char *p = msg; *p; p++) message_hash = (message_hash ^ (unsigned char)*p) * 0x100000001b3ull;
    message_hash = (message_hash ^ '\n') * 0x100000001b3ull;
}

/* The reference parse's entries, compared one by one with eil_parse's as they come. */
struct expect {
    const struct eil_file *f;
    size_t next;
};

static int same_entry(void *arg, struct eil_entry *e, int ndjson)
{
    struct expect *x = arg;
    ASSERT(x->next < x->f->n);
    const struct eil_entry *a = &x->f->entries[x->next++];
    ASSERT(ndjson == x->f->ndjson);
    ASSERT(!strcmp(a->path, e->path) && !strcmp(a->name, e->name) && !strcmp(a->subject, e->subject));
    ASSERT(!strcmp(a->category, e->category) && !strcmp(a->label, e->label));
    ASSERT(a->validation == e->validation && a->type == e->type && a->where == e->where);
    ASSERT(a->interval_ms == e->interval_ms || (a->interval_ms != a->interval_ms && e->interval_ms != e->interval_ms));
    ASSERT(a->n_segments == e->n_segments);
    for (int k = 0; k < a->n_segments; k++)
        ASSERT(!strcmp(a->segments[k].label, e->segments[k].label) && a->segments[k].start_ms == e->segments[k].start_ms &&
               a->segments[k].end_ms == e->segments[k].end_ms);
    free(e->path);
    free(e->segments);
    return 0;
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
    message_hash = 0xcbf29ce484222325ull;
    int problems = eil_parse(buf, size, &f, on_error, NULL);
    ASSERT(problems == messages);
    const uint64_t h = message_hash;
    messages = 0;
    message_hash = 0xcbf29ce484222325ull;
    struct expect x = {&f, 0};
    int problems_tree = eil_parse_tree(buf, size, same_entry, &x, on_error, NULL);
    ASSERT(problems_tree == problems && message_hash == h && x.next == f.n);
    FILE *fp = size ? fmemopen(buf, size, "r") : NULL;
    if (fp) {
        messages = 0;
        message_hash = 0xcbf29ce484222325ull;
        struct expect y = {&f, 0};
        int problems_file = eil_parse_file(fp, 16 + (size % 64), same_entry, &y, on_error, NULL);
        fclose(fp);
        if (problems_file == EIL_WHOLE) {
            ASSERT(messages == 0 && y.next == 0);
            problems_file = eil_parse_each(buf, size, same_entry, &y, on_error, NULL);
        }
        ASSERT(problems_file == problems && message_hash == h && y.next == f.n);
    }
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
