/* SPDX-License-Identifier: MIT */
/* eilabels.c -- reading Edge Impulse info.labels files (JSON and NDJSON), see eilabels.h.
 *
 * The first JSON value of the file decides the shape: an object with "__ndjson": true starts
 * the NDJSON form (then each further non-blank line is one entry), anything else must be the
 * whole file ({"files": [...]}, nothing but blanks after it). Each entry is checked on its own
 * and every problem is reported, so one run names all of them.
 *
 * Categories: training and testing as they are; split and unassigned are unassigned;
 * validation (Edge Impulse's hold-out for tuning a model) is stored as training and flagged,
 * because imulab's trainer tunes by cross-validation inside training, which is what such data
 * is for. Label types: label (a string, or {"type":"label","label"}; a number, as regression
 * targets may be written, becomes its shortest exact text), unlabeled (also an entry
 * without label), multi-label (segments in ms, each becomes a recording of its own).
 */
#include "eilabels.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define MAX_SEGMENTS 100000

/* Report one problem through the caller's function. */
static void report(eil_error_fn err, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(eil_error_fn err, void *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err(ctx, msg);
}

/* Line and column of a byte offset. */
static void line_col(const char *buf, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Order segments by start. */
static int seg_cmp(const void *a, const void *b)
{
    double x = ((const struct eil_segment *)a)->start_ms, y = ((const struct eil_segment *)b)->start_ms;
    return x < y ? -1 : x > y;
}

/* The multi-label segments of an entry; returns 0 or -1 after reporting. ctx names the entry. */
static int read_segments(cJSON *labels, struct eil_entry *e, const char *at, const char *ps, eil_error_fn err, void *ctx)
{
    char why[128];
    int n = cJSON_GetArraySize(labels);
    if (!cJSON_IsArray(labels) || n < 1 || n > MAX_SEGMENTS) {
        report(err, ctx, "%s.label.labels: want an array of 1 to %d {label, startIndex, endIndex} (file %s)", at, MAX_SEGMENTS, ps);
        return -1;
    }
    e->segments = calloc((size_t)n, sizeof *e->segments);
    if (!e->segments) {
        report(err, ctx, "%s: out of memory (file %s)", at, ps);
        return -1;
    }
    int k = 0;
    cJSON *s;
    cJSON_ArrayForEach(s, labels)
    {
        cJSON *lab = cJSON_GetObjectItemCaseSensitive(s, "label");
        cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "startIndex");
        cJSON *b = cJSON_GetObjectItemCaseSensitive(s, "endIndex");
        if (!cJSON_IsString(lab) || !store_label_valid(lab->valuestring, why, sizeof why)) {
            report(err, ctx, "%s.label.labels[%d].label: %s (file %s)", at, k,
                   cJSON_IsString(lab) ? why : "missing or not a string", ps);
            return -1;
        }
        if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || !isfinite(a->valuedouble) || !isfinite(b->valuedouble) ||
            a->valuedouble < 0 || b->valuedouble < a->valuedouble || b->valuedouble > 1e12) {
            report(err, ctx, "%s.label.labels[%d]: startIndex and endIndex must be numbers of ms, 0 <= start <= end (file %s)",
                   at, k, ps);
            return -1;
        }
        snprintf(e->segments[k].label, sizeof e->segments[k].label, "%s", lab->valuestring);
        e->segments[k].start_ms = a->valuedouble;
        e->segments[k].end_ms = b->valuedouble;
        k++;
    }
    e->n_segments = k;
    if (k > 1)
        qsort(e->segments, (size_t)k, sizeof *e->segments, seg_cmp);
    for (int i = 1; i < k; i++)
        if (e->segments[i].start_ms <= e->segments[i - 1].end_ms) {
            report(err, ctx, "%s.label.labels: segments %g-%g ms and %g-%g ms overlap (file %s)", at,
                   e->segments[i - 1].start_ms, e->segments[i - 1].end_ms, e->segments[i].start_ms,
                   e->segments[i].end_ms, ps);
            return -1;
        }
    return 0;
}

/* A label given as a JSON number (a regression target): its shortest text that reads back. */
static int number_label(double v, char *out, size_t cap)
{
    if (!isfinite(v))
        return -1;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    return 0;
}

/* The label part of an entry; returns 0 or -1 after reporting. */
static int read_label(cJSON *lab, struct eil_entry *e, const char *at, const char *ps, eil_error_fn err, void *ctx)
{
    char why[128];
    if (!lab || cJSON_IsNull(lab)) {
        e->type = EIL_UNLABELED;
        return 0;
    }
    if (cJSON_IsString(lab)) {
        if (!store_label_valid(lab->valuestring, why, sizeof why)) {
            report(err, ctx, "%s.label: %s (file %s)", at, why, ps);
            return -1;
        }
        e->type = EIL_LABEL;
        snprintf(e->label, sizeof e->label, "%s", lab->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(lab) && !number_label(lab->valuedouble, e->label, sizeof e->label)) {
        e->type = EIL_LABEL;
        return 0;
    }
    if (!cJSON_IsObject(lab)) {
        report(err, ctx, "%s.label: not a string, a number or an object (file %s)", at, ps);
        return -1;
    }
    cJSON *type = cJSON_GetObjectItemCaseSensitive(lab, "type");
    const char *t = cJSON_IsString(type) ? type->valuestring : type ? NULL : "label";
    if (!t) {
        report(err, ctx, "%s.label.type: not a string (file %s)", at, ps);
        return -1;
    }
    if (!strcmp(t, "unlabeled")) {
        e->type = EIL_UNLABELED;
        return 0;
    }
    if (!strcmp(t, "multi-label")) {
        e->type = EIL_MULTI;
        return read_segments(cJSON_GetObjectItemCaseSensitive(lab, "labels"), e, at, ps, err, ctx);
    }
    if (strcmp(t, "label")) {
        report(err, ctx, "%s.label.type: '%.40s' is not label, unlabeled or multi-label (file %s)", at, t, ps);
        return -1;
    }
    cJSON *l = cJSON_GetObjectItemCaseSensitive(lab, "label");
    if (cJSON_IsNumber(l) && !number_label(l->valuedouble, e->label, sizeof e->label)) {
        e->type = EIL_LABEL;
        return 0;
    }
    if (!cJSON_IsString(l)) {
        report(err, ctx, "%s.label.label: missing or not a string (file %s)", at, ps);
        return -1;
    }
    if (!store_label_valid(l->valuestring, why, sizeof why)) {
        report(err, ctx, "%s.label.label: %s (file %s)", at, why, ps);
        return -1;
    }
    e->type = EIL_LABEL;
    snprintf(e->label, sizeof e->label, "%s", l->valuestring);
    return 0;
}

/* One entry object; returns 0 (entry filled) or -1 after reporting. at names it in messages. */
static int read_entry(cJSON *o, struct eil_entry *e, const char *at, eil_error_fn err, void *ctx)
{
    memset(e, 0, sizeof *e);
    if (!cJSON_IsObject(o)) {
        report(err, ctx, "%s: not an object", at);
        return -1;
    }
    cJSON *path = cJSON_GetObjectItemCaseSensitive(o, "path");
    if (!cJSON_IsString(path) || !path->valuestring[0]) {
        report(err, ctx, "%s.path: missing or not a string", at);
        return -1;
    }
    const char *ps = path->valuestring;
    cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    if (name && !cJSON_IsNull(name)) {
        if (!cJSON_IsString(name) || strlen(name->valuestring) > STORE_SAMPLE_NAME_MAX) {
            report(err, ctx, "%s.name: not a string of at most %d bytes (file %s)", at, STORE_SAMPLE_NAME_MAX, ps);
            return -1;
        }
        snprintf(e->name, sizeof e->name, "%s", name->valuestring);
    }
    snprintf(e->category, sizeof e->category, "unassigned");
    cJSON *cat = cJSON_GetObjectItemCaseSensitive(o, "category");
    if (cat && !cJSON_IsNull(cat)) {
        const char *c = cJSON_IsString(cat) ? cat->valuestring : NULL;
        if (c && (!strcmp(c, "training") || !strcmp(c, "testing")))
            snprintf(e->category, sizeof e->category, "%s", c);
        else if (c && !strcmp(c, "validation")) {
            snprintf(e->category, sizeof e->category, "training");
            e->validation = 1;
        } else if (!c || (strcmp(c, "split") && strcmp(c, "unassigned"))) {
            report(err, ctx, "%s.category: %s%.40s%s is not training, testing, validation, split or unassigned (file %s)",
                   at, c ? "'" : "", c ? c : "not a string", c ? "'" : "", ps);
            return -1;
        }
    }
    /* metadata: string key-value pairs; "subject" names the person recorded (split --by-subject
     * and the trainer's folds use it). Other keys are Edge Impulse's own business. */
    cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
    if (md && !cJSON_IsNull(md)) {
        if (!cJSON_IsObject(md)) {
            report(err, ctx, "%s.metadata: not an object of strings (file %s)", at, ps);
            return -1;
        }
        cJSON *subj = cJSON_GetObjectItemCaseSensitive(md, "subject");
        if (subj && !cJSON_IsNull(subj)) {
            char why[128];
            if (!cJSON_IsString(subj) || !store_label_valid(subj->valuestring, why, sizeof why)) {
                report(err, ctx, "%s.metadata.subject: %s (file %s)", at,
                       cJSON_IsString(subj) ? why : "not a string", ps);
                return -1;
            }
            snprintf(e->subject, sizeof e->subject, "%s", subj->valuestring);
        }
    }
    cJSON *iv = cJSON_GetObjectItemCaseSensitive(o, "interval_ms");
    if (iv) {
        if (!cJSON_IsNumber(iv) || !(iv->valuedouble > 0) || !isfinite(iv->valuedouble) ||
            !isfinite(1000.0 / iv->valuedouble)) {
            report(err, ctx, "%s.interval_ms: not a positive number (file %s)", at, ps);
            return -1;
        }
        e->interval_ms = iv->valuedouble;
    }
    if (read_label(cJSON_GetObjectItemCaseSensitive(o, "label"), e, at, ps, err, ctx)) {
        free(e->segments);
        e->segments = NULL;
        return -1;
    }
    e->path = strdup(ps);
    if (!e->path) {
        free(e->segments);
        report(err, ctx, "%s: out of memory", at);
        return -1;
    }
    return 0;
}

/* Where good entries go: the caller's function (eil_parse_each), or an eil_file (eil_parse). */
struct sink {
    eil_entry_fn each;
    void *each_ctx;
    int ndjson;
};

/* Hand an entry to the sink (which takes its allocations); on failure they are freed and the
 * problem reported. Returns 0 or 1 (a problem). */
static int deliver(struct sink *k, struct eil_entry *e, eil_error_fn err, void *ctx)
{
    if (k->each(k->each_ctx, e, k->ndjson) == 0)
        return 0;
    free(e->path);
    free(e->segments);
    report(err, ctx, "out of memory");
    return 1;
}

/* Append an entry (taking its allocations). */
static int push_entry(struct eil_file *f, size_t *cap, const struct eil_entry *e)
{
    if (f->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        struct eil_entry *ne = realloc(f->entries, nc * sizeof *ne);
        if (!ne)
            return -1;
        f->entries = ne;
        *cap = nc;
    }
    f->entries[f->n++] = *e;
    return 0;
}

/* Is the rest of the buffer blank? */
static int blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return 0;
    return 1;
}

/* The NDJSON form: entries one per line after the header line. */
static int parse_ndjson(const char *buf, size_t len, const char *after_header, struct sink *out,
                        eil_error_fn err, void *ctx)
{
    int problems = 0, line, col;
    const char *end = buf + len, *p = after_header;
    line_col(buf, (size_t)(p - buf), &line, &col);
    /* the rest of the header line must be blank */
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!blank(p, nl ? nl : end)) {
        report(err, ctx, "line %d: more after the {\"__ndjson\":true} header on the same line", line);
        return 1;
    }
    while (nl && nl + 1 < end) {
        p = nl + 1;
        line++;
        nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (blank(p, le))
            continue;
        const char *stop = NULL;
        cJSON *o = cJSON_ParseWithLengthOpts(p, (size_t)(le - p), &stop, 0);
        char at[64];
        snprintf(at, sizeof at, "line %d", line);
        if (!o) {
            size_t off = stop ? (size_t)(stop - p) : 0;
            report(err, ctx, "line %d, column %zu: not valid JSON", line, off + 1);
            problems++;
            continue;
        }
        if (!blank(stop, le)) {
            report(err, ctx, "line %d, column %zu: more after the JSON object (one object per line)", line,
                   (size_t)(stop - p) + 1);
            problems++;
        } else {
            struct eil_entry e;
            if (read_entry(o, &e, at, err, ctx))
                problems++;
            else {
                e.where = line;
                problems += deliver(out, &e, err, ctx);
            }
        }
        cJSON_Delete(o);
    }
    return problems;
}

/* Skip blanks (JSON's whitespace). */
static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* One JSON value at p (cJSON, nothing else), or NULL; *stop after it. A byte-order mark is
 * refused here (cJSON skips one at the start of what it parses: only the document's counts). */
static cJSON *value_at(const char *p, const char *end, const char **stop)
{
    if (end - p >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        return NULL;
    return cJSON_ParseWithLengthOpts(p, (size_t)(end - p), stop, 0);
}

/* The deepest nesting of arrays and objects outside strings (the document is valid JSON). */
static int max_depth(const char *p, const char *end)
{
    int d = 0, m = 0, in_str = 0;
    for (; p < end; p++) {
        if (in_str) {
            if (*p == '\\') p++;
            else if (*p == '"') in_str = 0;
        } else if (*p == '"') in_str = 1;
        else if (*p == '{' || *p == '[') { if (++d > m) m = d; }
        else if (*p == '}' || *p == ']') d--;
    }
    return m;
}

/* The bytes the entry-by-entry reader sees: a whole buffer (eil_parse_each), or a window on a
 * file (eil_parse_file) that slides along it, holding the value being read and what follows it
 * up to its size (it doubles when one value does not fit). */
struct window {
    FILE *f;           /* NULL: buf is the whole text */
    const char *buf;   /* the bytes [0, len) of the window, NUL after them */
    char *own;         /* the file's window (buf), allocated here */
    size_t len, cap;
    int eof;           /* no more bytes after buf[len - 1] */
    int failed;        /* out of memory or a read error */
};

/* Slide the window so that byte *p comes first, and read more of the file after what it holds
 * (growing it when *p was already first and it is full). Returns the number of bytes added
 * (0 at the end of the file or on a failure); *p is then 0. */
static size_t win_more(struct window *w, size_t *p)
{
    if (w->eof || w->failed)
        return 0;
    assert(w->f && w->own && *p <= w->len);
    memmove(w->own, w->own + *p, w->len - *p);
    w->len -= *p;
    *p = 0;
    if (w->len + 1 >= w->cap) {
        char *nb = w->cap <= (size_t)1 << 30 ? realloc(w->own, 2 * w->cap) : NULL;
        if (!nb) {
            w->failed = 1;
            return 0;
        }
        w->own = nb;
        w->buf = nb;
        w->cap *= 2;
    }
    size_t got = fread(w->own + w->len, 1, w->cap - 1 - w->len, w->f);
    w->len += got;
    w->own[w->len] = 0;
    if (got < w->cap - 1 - (w->len - got)) {
        if (ferror(w->f))
            w->failed = 1;
        else
            w->eof = 1;
    }
    return got;
}

/* Skip blanks (reading on). Returns 0 with *p on a byte, 1 at the end of the text. */
static int win_skip_blank(struct window *w, size_t *p)
{
    for (;;) {
        *p = (size_t)(skip_blank(w->buf + *p, w->buf + w->len) - w->buf);
        if (*p < w->len)
            return 0;
        if (!win_more(w, p))
            return 1;
    }
}

/* One JSON value at *p (value_at), reading on until it is whole: a value is taken once something
 * follows it in the window (a number cut at the window's end would read short) or the text ends.
 * *stop is the offset after it. NULL when there is none. */
static cJSON *win_value(struct window *w, size_t *p, size_t *stop)
{
    for (;;) {
        const char *end = NULL, *wend = w->buf + w->len;
        cJSON *v = value_at(w->buf + *p, wend, &end);
        if (v && (end < wend || w->eof)) {
            *stop = (size_t)(end - w->buf);
            return v;
        }
        cJSON_Delete(v);
        if (w->eof || w->failed)
            return NULL; /* all the rest was there: not a value */
        win_more(w, p); /* more bytes, or the end of the file: then once more */
        if (w->failed)
            return NULL;
    }
}

/* The JSON form {"key": value, ..., "files": [entry, ...], ...} read one top-level value and one
 * entry at a time, so no parse tree of the whole file is ever held (and from a file, no more of
 * it than the window). With deliver 0 it only checks that the document is one the whole-tree
 * parse (eil_parse_each's fallback) would read the same way: valid JSON, an object without
 * "__ndjson", a "files" array, blanks after it, a byte-order mark only at the very start (the
 * caller checks the nesting). Returns -1 when it is not (nothing was delivered), else the number
 * of problems. */
static int parse_files_streamed(struct window *w, int deliver_entries, struct sink *out, eil_error_fn err, void *ctx)
{
    size_t p = 0, stop = 0;
    if (w->len >= 3 && (unsigned char)w->buf[0] == 0xEF && (unsigned char)w->buf[1] == 0xBB &&
        (unsigned char)w->buf[2] == 0xBF)
        p += 3;
    if (win_skip_blank(w, &p) || w->buf[p] != '{')
        return -1;
    int problems = 0, seen_files = 0;
    p++;
    if (win_skip_blank(w, &p))
        return -1;
    if (w->buf[p] == '}')
        return -1; /* no "files": the whole parse names it */
    for (;;) {
        cJSON *key = win_value(w, &p, &stop);
        if (!cJSON_IsString(key)) { cJSON_Delete(key); return -1; }
        const int is_files = strcmp(key->valuestring, "files") == 0 && !seen_files;
        const int is_ndjson = strcmp(key->valuestring, "__ndjson") == 0;
        cJSON_Delete(key);
        if (is_ndjson)
            return -1;
        p = stop;
        if (win_skip_blank(w, &p) || w->buf[p] != ':')
            return -1;
        p++;
        if (win_skip_blank(w, &p))
            return -1;
        if (is_files) {
            seen_files = 1;
            if (w->buf[p] != '[')
                return -1;
            p++;
            if (win_skip_blank(w, &p))
                return -1;
            int i = 0;
            if (w->buf[p] == ']')
                p++;
            else
                for (;;) {
                    cJSON *o = win_value(w, &p, &stop);
                    if (!o)
                        return -1;
                    if (deliver_entries) {
                        char at[32];
                        snprintf(at, sizeof at, "files[%d]", i);
                        struct eil_entry e;
                        if (read_entry(o, &e, at, err, ctx))
                            problems++;
                        else {
                            e.where = i;
                            problems += deliver(out, &e, err, ctx);
                        }
                    }
                    cJSON_Delete(o);
                    i++;
                    p = stop;
                    if (win_skip_blank(w, &p))
                        return -1;
                    if (w->buf[p] == ',') {
                        p++;
                        if (win_skip_blank(w, &p))
                            return -1;
                        continue;
                    }
                    if (w->buf[p] == ']') { p++; break; }
                    return -1;
                }
        } else {
            cJSON *v = win_value(w, &p, &stop);
            if (!v)
                return -1;
            cJSON_Delete(v);
            p = stop;
        }
        if (win_skip_blank(w, &p))
            return -1;
        if (w->buf[p] == ',') {
            p++;
            if (win_skip_blank(w, &p))
                return -1;
            continue;
        }
        if (w->buf[p] == '}') { p++; break; }
        return -1;
    }
    if (!seen_files || !win_skip_blank(w, &p))
        return -1; /* something after the document */
    return w->failed ? -1 : problems;
}

/* Parse an info.labels; see the header. */
int eil_parse_each(const char *buf, size_t len, eil_entry_fn each, void *each_ctx, eil_error_fn err, void *ctx)
{
    struct sink out = {each, each_ctx, 0};
    /* the usual shape, entry by entry; anything else whole, which names what is wrong */
    struct window w = {NULL, buf, NULL, len, len + 1, 1, 0};
    const char *first = skip_blank(buf + (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0), buf + len);
    if (max_depth(first, buf + len) <= 500 && parse_files_streamed(&w, 0, &out, err, ctx) == 0) {
        struct window again = {NULL, buf, NULL, len, len + 1, 1, 0};
        return parse_files_streamed(&again, 1, &out, err, ctx);
    }
    return eil_parse_tree(buf, len, each, each_ctx, err, ctx);
}

/* The deepest nesting of a file (max_depth), read in blocks from where it is; -1 on a read error. */
static int file_max_depth(FILE *f)
{
    char block[16384];
    int d = 0, m = 0, in_str = 0, esc = 0;
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0)
        for (size_t i = 0; i < n; i++) {
            const char c = block[i];
            if (esc) esc = 0;
            else if (in_str) {
                if (c == '\\') esc = 1;
                else if (c == '"') in_str = 0;
            } else if (c == '"') in_str = 1;
            else if (c == '{' || c == '[') { if (++d > m) m = d; }
            else if (c == '}' || c == ']') d--;
        }
    return ferror(f) ? -1 : m;
}

/* One pass of parse_files_streamed over the file from its start, through a window of `window`
 * bytes; *failed on a read error or no memory. */
static int file_pass(FILE *f, size_t window, int deliver_entries, struct sink *out, eil_error_fn err, void *ctx,
                     int *failed)
{
    struct window w = {f, NULL, malloc(window), 0, window, 0, 0};
    if (!w.own || fseek(f, 0, SEEK_SET)) {
        free(w.own);
        *failed = 1;
        return -1;
    }
    w.buf = w.own;
    w.own[0] = 0;
    size_t p = 0;
    win_more(&w, &p);
    int r = parse_files_streamed(&w, deliver_entries, out, err, ctx);
    *failed |= w.failed;
    free(w.own);
    return r;
}

int eil_parse_file(FILE *f, size_t window, eil_entry_fn each, void *each_ctx, eil_error_fn err, void *ctx)
{
    struct sink out = {each, each_ctx, 0};
    int failed = 0;
    if (window < 16)
        window = 16;
    if (fseek(f, 0, SEEK_SET))
        return EIL_WHOLE;
    int depth = file_max_depth(f);
    if (depth < 0 || depth > 500 || file_pass(f, window, 0, &out, err, ctx, &failed) != 0 || failed)
        return EIL_WHOLE; /* nothing delivered: the caller parses the whole text */
    int problems = file_pass(f, window, 1, &out, err, ctx, &failed);
    if (problems < 0 || failed) {
        report(err, ctx, "%s", failed ? "read error (or out of memory) in the middle of the file"
                                      : "the file changed while it was read");
        return problems < 0 ? 1 : problems + 1;
    }
    return problems;
}

/* The whole file as one cJSON tree (the reference eil_parse_each agrees with). */
int eil_parse_tree(const char *buf, size_t len, eil_entry_fn each, void *each_ctx, eil_error_fn err, void *ctx)
{
    struct sink out = {each, each_ctx, 0};
    const char *stop = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &stop, 0);
    if (!root) {
        int line, col;
        size_t off = stop ? (size_t)(stop - buf) : len;
        line_col(buf, off, &line, &col);
        report(err, ctx, "line %d, column %d: %s", line, col,
               off >= len ? "not valid JSON (unexpected end of file)" : "not valid JSON");
        return 1;
    }
    int problems = 0;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "__ndjson"))) {
        out.ndjson = 1;
        problems = parse_ndjson(buf, len, stop, &out, err, ctx);
        cJSON_Delete(root);
        return problems;
    }
    if (!blank(stop, buf + len)) {
        int line, col;
        while (*stop == ' ' || *stop == '\t' || *stop == '\r' || *stop == '\n')
            stop++;
        line_col(buf, (size_t)(stop - buf), &line, &col);
        report(err, ctx, "line %d, column %d: more after the JSON document (an NDJSON info.labels starts with "
                         "{\"__ndjson\":true})", line, col);
        cJSON_Delete(root);
        return 1;
    }
    cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    if (!cJSON_IsArray(files)) {
        report(err, ctx, "field 'files': %s", files ? "not an array" : "missing");
        cJSON_Delete(root);
        return 1;
    }
    int i = 0;
    cJSON *o;
    cJSON_ArrayForEach(o, files)
    {
        char at[32];
        snprintf(at, sizeof at, "files[%d]", i);
        struct eil_entry e;
        if (read_entry(o, &e, at, err, ctx))
            problems++;
        else {
            e.where = i;
            problems += deliver(&out, &e, err, ctx);
        }
        i++;
    }
    cJSON_Delete(root);
    return problems;
}

/* eil_parse's sink: the entries in an eil_file. */
struct collect {
    struct eil_file *f;
    size_t cap;
};

static int collect_entry(void *arg, struct eil_entry *e, int ndjson)
{
    struct collect *c = arg;
    c->f->ndjson = ndjson;
    return push_entry(c->f, &c->cap, e);
}

int eil_parse(const char *buf, size_t len, struct eil_file *out, eil_error_fn err, void *ctx)
{
    memset(out, 0, sizeof *out);
    struct collect c = {out, 0};
    int problems = eil_parse_each(buf, len, collect_entry, &c, err, ctx);
    if (out->n == 0)
        out->ndjson = eil_is_ndjson(buf, len);
    return problems;
}

/* Is the first value an object with "__ndjson": true? */
int eil_is_ndjson(const char *buf, size_t len)
{
    const char *stop = NULL;
    cJSON *first = cJSON_ParseWithLengthOpts(buf, len, &stop, 0);
    int nd = first && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(first, "__ndjson"));
    cJSON_Delete(first);
    return nd;
}

void eil_free(struct eil_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->entries[i].path);
        free(f->entries[i].segments);
    }
    free(f->entries);
    memset(f, 0, sizeof *f);
}
