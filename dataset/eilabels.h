/* SPDX-License-Identifier: MIT */
/* eilabels.h -- Edge Impulse info.labels files: what they say about each file they list.
 *
 * Two shapes are read: the JSON document the exporter writes, {"version":1,"files":[ENTRY...]},
 * and the NDJSON form written for large exports: a first line {"__ndjson":true,...}, then one
 * ENTRY object per line. ENTRY: {"path", "name"?, "category"?, "label"?, "metadata"?, ...}, with
 * label a string or {"type":"label"|"unlabeled"|"multi-label", "label"?, "labels"?:[{"label",
 * "startIndex","endIndex"}]} (indices in ms); metadata.subject, when a string, is the person
 * recorded. Unknown fields are ignored. The parser only reads bytes: it touches no file. */
#ifndef IMULAB_EILABELS_H
#define IMULAB_EILABELS_H

#include <stddef.h>
#include <stdio.h>

#include "store.h"

enum eil_type { EIL_LABEL, EIL_UNLABELED, EIL_MULTI };

/* One labelled time range of a multi-label sample: [start_ms, end_ms], ends included. */
struct eil_segment {
    char label[STORE_LABEL_MAX + 1];
    double start_ms, end_ms;
};

struct eil_entry {
    char *path;                            /* as written, relative to the info.labels */
    char name[STORE_SAMPLE_NAME_MAX + 1];  /* "" when none */
    char subject[STORE_LABEL_MAX + 1];     /* metadata.subject (who was recorded); "" when none */
    char category[12];                     /* training, testing or unassigned ("split" is unassigned) */
    int validation;                        /* the category was "validation" (stored as training) */
    enum eil_type type;
    char label[STORE_LABEL_MAX + 1];       /* EIL_LABEL */
    struct eil_segment *segments;          /* EIL_MULTI, in time order, not overlapping */
    int n_segments;
    double interval_ms;                    /* imulab's export of a CSV file: its exact interval; 0 if none */
    int where;                             /* files[where] in JSON, line `where` in NDJSON */
};

struct eil_file {
    struct eil_entry *entries;
    size_t n;
    int ndjson;
};

/* Called for each problem, with a message that names the entry or line and the field. */
typedef void (*eil_error_fn)(void *ctx, const char *msg);

/* Parse len bytes (NUL-terminated at buf[len]). Every problem is reported through err; entries
 * with a problem are left out. Returns the number of problems (0: all entries are in *out). */
int eil_parse(const char *buf, size_t len, struct eil_file *out, eil_error_fn err, void *ctx);
/* Called for each good entry as it is read (ndjson: the file is NDJSON); it takes over
 * e->path and e->segments. Returns 0, or non-zero when it cannot keep the entry (out of memory:
 * reported as a problem, the entry freed). */
typedef int (*eil_entry_fn)(void *ctx, struct eil_entry *e, int ndjson);
/* The same as eil_parse, entry by entry: the same entries (in order) and problems, but a file of
 * the usual shape ({"files": [...]} or NDJSON) is never held as one parse tree: memory holds one
 * entry at a time (imulab import of many files). */
int eil_parse_each(const char *buf, size_t len, eil_entry_fn each, void *each_ctx, eil_error_fn err, void *ctx);
/* eil_parse_each on a file read from its start through a window of about `window` bytes (at
 * least 16; it grows only for one value that does not fit): memory does not grow with the
 * number of entries. Files of the usual JSON shape only; for any other (NDJSON, a problem
 * with the document itself, nesting over 500 deep) nothing is delivered nor reported and it
 * returns EIL_WHOLE: parse the whole text with eil_parse_each, which names what is wrong. */
#define EIL_WHOLE (-1)
int eil_parse_file(FILE *f, size_t window, eil_entry_fn each, void *each_ctx, eil_error_fn err, void *ctx);
/* The same with the JSON form always parsed as one tree: the reference eil_parse_each must agree
 * with (fuzz_eilabels compares the two). */
int eil_parse_tree(const char *buf, size_t len, eil_entry_fn each, void *each_ctx, eil_error_fn err, void *ctx);
/* Is the file's first JSON value an object with "__ndjson": true? */
int eil_is_ndjson(const char *buf, size_t len);
void eil_free(struct eil_file *f);

#endif
