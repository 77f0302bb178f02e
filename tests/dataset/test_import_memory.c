/* SPDX-License-Identifier: MIT */
/* test_import_memory.c -- `imulab import` holds one file at a time (issue 19): the two pieces
 * that would otherwise grow with the number of files.
 *
 * 1. import_list.c: 30,000 files with about 0.4 KB of info.labels metadata each (12 MB) go into
 *    the scratch list while SQLite's heap stays under 4 MB (sqlite3_memory_highwater; before,
 *    the list was an array in memory); they come back in path order, each with its metadata,
 *    de-duplicated by real path, with the explicit flag of any of its adds.
 * 2. eil_parse_file: an info.labels of 20,000 entries (about 3 MB) is read through a window:
 *    when its first entry is delivered at most 64 KB past the window's size have been read in
 *    that pass (a whole-file read would be at the end), and it delivers every entry in order,
 *    equal to eil_parse_each on the whole text. An NDJSON file is answered EIL_WHOLE with
 *    nothing delivered nor reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "eilabels.h"
#include "import_list.h"

#define N_FILES 30000
#define N_ENTRIES 20000
#define WINDOW 65536

/* The list keeps its rows out of the heap, and gives them back in order. */
static void test_list(void)
{
    char err[256];
    struct import_list *l = ilist_open(err, sizeof err);
    CHECK(l != NULL);
    sqlite3_int64 before = sqlite3_memory_used();
    char path[64], real[64];
    for (int i = N_FILES - 1; i >= 0; i--) { /* added backwards: read back sorted */
        snprintf(path, sizeof path, "d/f%06d.json", i);
        snprintf(real, sizeof real, "/abs/d/f%06d.json", i);
        CHECK(ilist_add(l, path, real, 0, 0) == 0);
        struct file f;
        memset(&f, 0, sizeof f);
        f.real = real;
        snprintf(f.label, sizeof f.label, "label-%0*d", 50, i % 12);
        snprintf(f.category, sizeof f.category, "%s", i % 3 ? "training" : "testing");
        snprintf(f.subject, sizeof f.subject, "subject-%0*d", 50, i % 30);
        snprintf(f.name, sizeof f.name, "name-%0*d", 120, i);
        f.type = EIL_LABEL;
        f.interval_ms = 10;
        CHECK(ilist_set_labels(l, &f) == 0);
    }
    CHECK(ilist_add(l, "again.json", "/abs/d/f000007.json", 0, 0) == 0); /* the same real path */
    CHECK(ilist_add(l, "info.labels", "/abs/d/info.labels", 1, 0) == 0);
    CHECK(ilist_add(l, "d/info.labels", "/abs/d/info.labels", 1, 1) == 0); /* named on the command line */
    sqlite3_int64 high = sqlite3_memory_highwater(0);
    printf("list of %d files: SQLite heap %lld -> peak %lld bytes\n", N_FILES, (long long)before, (long long)high);
    CHECK(high < 4 * 1024 * 1024);
    CHECK(ilist_has(l, "/abs/d/f012345.json") == 1 && ilist_has(l, "/abs/d/nope.json") == 0);
    struct file f;
    char after[64] = "";
    int n = 0, got;
    while ((got = ilist_next(l, 0, after, &f)) > 0) {
        char want[64];
        snprintf(want, sizeof want, "/abs/d/f%06d.json", n);
        CHECK(!strcmp(f.real, want));
        CHECK(n != 7 || !strcmp(f.path, "d/f000007.json")); /* the first add's path */
        CHECK(f.from_labels && f.type == EIL_LABEL && f.interval_ms == 10 && !f.is_labels);
        CHECK(strlen(f.name) == 125 && atoi(f.name + 5) == n);
        CHECK(!strcmp(f.category, n % 3 ? "training" : "testing"));
        snprintf(after, sizeof after, "%s", f.real);
        ilist_file_free(&f);
        n++;
    }
    CHECK(got == 0 && n == N_FILES);
    CHECK(ilist_next(l, 1, "", &f) == 1);
    CHECK(!strcmp(f.path, "info.labels") && f.is_labels && f.explicit_labels);
    ilist_file_free(&f);
    ilist_close(l);
}

/* eil_parse_file's sink: checks each entry against the whole-text parse and where the file is. */
struct follow {
    FILE *fp;
    const struct eil_file *ref;
    size_t next;
    long first_at; /* the file position when the first entry came */
};

static int follow_entry(void *arg, struct eil_entry *e, int ndjson)
{
    struct follow *fo = arg;
    CHECK(!ndjson && fo->next < fo->ref->n);
    const struct eil_entry *r = &fo->ref->entries[fo->next++];
    CHECK(!strcmp(r->path, e->path) && !strcmp(r->label, e->label) && !strcmp(r->subject, e->subject));
    CHECK(!strcmp(r->name, e->name) && !strcmp(r->category, e->category) && r->where == e->where);
    if (fo->next == 1)
        fo->first_at = ftell(fo->fp);
    free(e->path);
    free(e->segments);
    return 0;
}

static void no_error(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "unexpected problem: %s\n", msg);
    CHECK(0);
}

static int count_entry(void *arg, struct eil_entry *e, int ndjson)
{
    (void)ndjson;
    ++*(int *)arg;
    free(e->path);
    free(e->segments);
    return 0;
}

static void test_labels_file(void)
{
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    fputs("{\"version\": 1, \"files\": [", fp);
    for (int i = 0; i < N_ENTRIES; i++)
        fprintf(fp, "%s\n {\"path\": \"wave.%d.json\", \"name\": \"wave.%d\", \"category\": \"%s\", "
                    "\"label\": {\"type\": \"label\", \"label\": \"l%d\"}, \"metadata\": {\"subject\": \"p%02d\"}}",
                i ? "," : "", i, i, i % 5 ? "training" : "testing", i % 7, i % 30);
    fputs("], \"after\": [1, 2.5e3, {\"x\": null}]}\n", fp);
    long size = ftell(fp);
    CHECK(size > 2 * 1000 * 1000);
    char *text = malloc((size_t)size + 1);
    CHECK(text != NULL);
    rewind(fp);
    CHECK(fread(text, 1, (size_t)size, fp) == (size_t)size);
    text[size] = 0;
    struct eil_file ref;
    CHECK(eil_parse(text, (size_t)size, &ref, no_error, NULL) == 0 && ref.n == N_ENTRIES && !ref.ndjson);
    struct follow fo = {fp, &ref, 0, -1};
    CHECK(eil_parse_file(fp, WINDOW, follow_entry, &fo, no_error, NULL) == 0);
    printf("info.labels of %ld bytes: first entry delivered at byte %ld of the pass\n", size, fo.first_at);
    CHECK(fo.next == N_ENTRIES);
    CHECK(fo.first_at >= 0 && fo.first_at <= 2 * WINDOW);
    /* a tiny window: values straddle its ends all the time, the answer is the same */
    fo.next = 0;
    CHECK(eil_parse_file(fp, 16, follow_entry, &fo, no_error, NULL) == 0 && fo.next == N_ENTRIES);
    eil_free(&ref);
    free(text);
    fclose(fp);
    /* NDJSON: the whole text is the caller's to parse */
    fp = tmpfile();
    CHECK(fp != NULL);
    fputs("{\"__ndjson\": true}\n{\"path\": \"a.json\", \"label\": \"x\"}\n", fp);
    int delivered = 0;
    CHECK(eil_parse_file(fp, WINDOW, count_entry, &delivered, no_error, NULL) == EIL_WHOLE && delivered == 0);
    fclose(fp);
}

int main(void)
{
    test_list();
    test_labels_file();
    return check_report("import_memory");
}
