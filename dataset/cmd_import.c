/* SPDX-License-Identifier: MIT */
/* cmd_import.c -- imulab import: Edge Impulse JSON and CSV files, info.labels, generic CSV.
 *
 * Everything happens in one transaction: files are parsed one at a time and inserted while no
 * file has failed; after the first bad file the rest are still parsed (so that every bad file is
 * named) but nothing more is written, and the transaction is rolled back at the end.
 * The list of files to read, with what the info.labels files say about each, is kept in a
 * scratch database (import_list.c), not in memory: memory holds one file at a time, whatever
 * their number.
 * Samples are stored as float32, one chunk per 4096 samples at most. info.labels files are read
 * by eilabels.c (label, category, sample name, label type; multi-label samples are cut into one
 * recording per segment here). A duplicate is a whole sample: a recording already in the
 * database (trash included) with the same content hash, axes, label and category (and name when
 * the new one has one); it is skipped and named with the one it duplicates, unless
 * --keep-duplicates. Files an info.labels lists but that are missing fail the import, or with
 * --skip-missing are named and skipped.
 */
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "eilabels.h"
#include "import_list.h"
#include "sha256.h"
#include "store.h"

#define MAX_FILE_BYTES (100LL * 1024 * 1024)
#define CHUNK_SAMPLES 4096
#define MAX_DEPTH 32
#define LABELS_WINDOW 65536 /* bytes of an info.labels held at a time (more for one longer entry) */
/* Sample intervals imported: 100 kHz down to one sample an hour (the --rate-hz range) */
#define IMPORT_MIN_INTERVAL_MS 0.01
#define IMPORT_MAX_INTERVAL_MS 3600000.0

struct import_opts {
    const char *label, *label_column, *columns, *category, *subject, *hmac_key;
    double rate_hz;
    int dry_run, verbose, skip_missing, keep_duplicates, allow_outside;
};

/* One recording parsed from a file. */
struct parsed {
    char label[STORE_LABEL_MAX + 1];
    double rate_hz;
    int n_axes;
    struct store_axis axes[STORE_MAX_AXES];
    float *values; /* n * n_axes */
    int64_t n, cap;
    double started_at;
    char device_type[33], device_name[256];
    int first_line; /* CSV: first data line of this recording, for messages */
};

struct import {
    const struct import_opts *o;
    struct store *s;
    struct import_list *list; /* the files to read (import_list.c: not in memory) */
    int bad_files;
    long long recordings, samples, duplicates, missing, unlabeled, validation, segments;
    int writing; /* still inserting (no bad file so far) */
};

/* ---- messages ---- */

static void bad(struct import *im, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(struct import *im, const char *path, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    char shown[PATH_MAX];
    cli_escape(path, shown, sizeof shown);
    fprintf(stderr, "imulab: %s: ", shown);
    va_start(ap, fmt);
    cli_vmessage(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    im->bad_files++;
    im->writing = 0;
}

/* ---- files ---- */

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && !strcasecmp(name + n - e, ext);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Add a file to the list (once per real path; explicit_labels: an info.labels named on the
 * command line). */
static int add_file(struct import *im, const char *path, int is_labels, int explicit_labels)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        bad(im, path, "%s", strerror(errno));
        return -1;
    }
    if (ilist_add(im->list, path, real, is_labels, explicit_labels)) {
        bad(im, path, "the list of files: %s", ilist_errmsg(im->list));
        return -1;
    }
    return 0;
}

/* Does a path an info.labels lists leave its folder (absolute, or a ".." component)? */
static int path_leaves_folder(const char *p)
{
    if (p[0] == '/')
        return 1;
    for (const char *c = p; *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : c + strlen(c))
        if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == 0))
            return 1;
    return 0;
}

/* Has the walk been in this directory (device and inode) before? Notes it if not; a second
 * visit (a symbolic link loop, or two links to one directory) is named and skipped. */
static int dir_seen(struct import *im, const char *dir)
{
    struct stat st;
    if (stat(dir, &st))
        return 0; /* opendir will say why */
    char first_path[PATH_MAX];
    int found = ilist_seen_find(im->list, st.st_dev, st.st_ino, first_path, sizeof first_path);
    if (found < 0) {
        bad(im, dir, "the list of files: %s", ilist_errmsg(im->list));
        return 1;
    }
    if (found) {
        size_t len = strlen(first_path);
        int inside = !strncmp(dir, first_path, len) && (dir[len] == '/' || first_path[len - 1] == '/');
        char shown[PATH_MAX], first[PATH_MAX];
        cli_escape(dir, shown, sizeof shown);
        cli_escape(first_path, first, sizeof first);
        if (inside)
            printf("skipped %s: a symbolic link loop back to %s\n", shown, first);
        else
            printf("skipped %s: the same directory as %s, already walked\n", shown, first);
        return 1;
    }
    if (ilist_seen_add(im->list, st.st_dev, st.st_ino, dir)) {
        bad(im, dir, "the list of files: %s", ilist_errmsg(im->list));
        return 1;
    }
    return 0;
}

/* Walk a directory: info.labels, *.json and *.csv files, recursively, in name order (the names
 * are sorted in the scratch database: a folder of 100,000 files costs no more memory than one
 * of ten). */
static void walk(struct import *im, const char *dir, int depth)
{
    if (depth > MAX_DEPTH) {
        bad(im, dir, "directories nested over %d deep", MAX_DEPTH);
        return;
    }
    if (dir_seen(im, dir))
        return;
    DIR *d = opendir(dir);
    if (!d) {
        bad(im, dir, "cannot read the directory: %s", strerror(errno));
        return;
    }
    int ok = ilist_names_clear(im->list, depth) == 0;
    struct dirent *e;
    while (ok && (e = readdir(d)))
        if (e->d_name[0] != '.') /* ., .., hidden files */
            ok = ilist_name_add(im->list, depth, e->d_name) == 0;
    closedir(d);
    char name[NAME_MAX + 1] = "";
    int got;
    while (ok && (got = ilist_name_next(im->list, depth, name, name, sizeof name)) != 0) {
        if (got < 0) {
            ok = 0;
            break;
        }
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            walk(im, path, depth + 1);
        else if (!strcmp(name, "info.labels"))
            add_file(im, path, 1, 0);
        else if (has_ext(name, ".json") || has_ext(name, ".csv"))
            add_file(im, path, 0, 0);
    }
    if (!ok || ilist_names_clear(im->list, depth))
        bad(im, dir, "the list of files: %s", ilist_errmsg(im->list));
}

/* Open a file to read: a regular file, not empty, at most 100 MB; NULL after naming the problem. */
static FILE *open_input(struct import *im, const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        bad(im, path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        bad(im, path, "not a regular file");
        fclose(f);
        return NULL;
    }
    if (st.st_size > MAX_FILE_BYTES) {
        bad(im, path, "file is %lld bytes, over the 100 MB limit", (long long)st.st_size);
        fclose(f);
        return NULL;
    }
    if (st.st_size == 0) {
        bad(im, path, "empty file");
        fclose(f);
        return NULL;
    }
    *size = (size_t)st.st_size;
    return f;
}

/* Read a whole file (at most 100 MB, not empty) into a NUL-terminated buffer. */
static char *slurp(struct import *im, const char *path, size_t *len)
{
    size_t size;
    FILE *f = open_input(im, path, &size);
    if (!f)
        return NULL;
    char *buf = malloc(size + 1);
    if (!buf) {
        bad(im, path, "out of memory");
        fclose(f);
        return NULL;
    }
    size_t got = fread(buf, 1, size, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != size) {
        bad(im, path, "read error");
        free(buf);
        return NULL;
    }
    buf[got] = 0;
    if (got >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) { /* a UTF-8 byte order mark: blank it */
        memset(buf, ' ', 3);
    }
    *len = got;
    return buf;
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

/* Does a JSON text escape a NUL inside a string (\u0000)? cJSON would cut the string there, and
 * a label or name would lose its end without a word. Returns the offset of the backslash, or -1. */
static long json_nul_escape(const char *buf, size_t len)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '"')
            in_string = !in_string;
        else if (in_string && buf[i] == '\\' && i + 1 < len) {
            if (buf[i + 1] == 'u' && i + 5 < len && !memcmp(buf + i + 2, "0000", 4))
                return (long)i;
            i++; /* the escaped character (an escaped quote does not end the string) */
        }
    }
    return -1;
}

/* Refuse a JSON file holding \u0000 in a string, naming where; 0 when there is none. */
static int refuse_nul_escape(struct import *im, const char *path, const char *buf, size_t len)
{
    long at = json_nul_escape(buf, len);
    if (at < 0)
        return 0;
    int line, col;
    line_col(buf, (size_t)at, &line, &col);
    bad(im, path, "line %d, column %d: a string holds \\u0000 (a NUL byte), which no label, name or unit may hold",
        line, col);
    return -1;
}

/* json_nul_escape on a file, read in blocks from its start: 1 with the line and column of the
 * backslash, 0 when there is none, -1 on a read error. */
static int file_nul_escape(FILE *f, int *line, int *col)
{
    char block[16384];
    int in_string = 0, escaped = 0, zeros = -1; /* zeros: '0's still wanted after a "\u" */
    int l = 1, c = 1, bl = 0, bc = 0;
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0)
        for (size_t i = 0; i < n; i++) {
            const char ch = block[i];
            if (escaped) { /* the escaped character (an escaped quote does not end the string) */
                escaped = 0;
                zeros = ch == 'u' ? 4 : -1;
            } else if (zeros > 0 && ch == '0') {
                if (--zeros == 0) {
                    *line = bl;
                    *col = bc;
                    return 1;
                }
            } else {
                zeros = -1;
                if (ch == '"')
                    in_string = !in_string;
                else if (in_string && ch == '\\') {
                    escaped = 1;
                    bl = l;
                    bc = c;
                }
            }
            if (ch == '\n') {
                l++;
                c = 1;
            } else {
                c++;
            }
        }
    return ferror(f) ? -1 : 0;
}

/* ---- info.labels ---- */

/* Problems in an info.labels: each one makes the file bad. */
struct labels_err {
    struct import *im;
    const char *path;
};

static void labels_error(void *ctx, const char *msg)
{
    struct labels_err *le = ctx;
    bad(le->im, le->path, "%s", msg);
}

/* What applying one info.labels' entries needs (apply_entry). */
struct labels_apply {
    struct import *im;
    const char *path;      /* the info.labels */
    const char *dir;       /* its folder, with a trailing '/' (or "") */
    int add_missing;
};

/* One entry of an info.labels, as eilabels.c reads it: its file gets the label, category, name
 * and subject (added to the list when the info.labels was named on the command line). */
static int apply_entry(void *arg, struct eil_entry *e, int ndjson)
{
    struct labels_apply *la = arg;
    struct import *im = la->im;
    const char *ps = e->path;
    char at[32];
    snprintf(at, sizeof at, ndjson ? "line %d" : "files[%d]", e->where);
    char full[PATH_MAX], real[PATH_MAX];
    if (!im->o->allow_outside && path_leaves_folder(ps)) {
        /* an info.labels from elsewhere must not make us read (and echo) any file */
        bad(im, la->path, "%s.path: '%s' is %s: only files in its folder are read (give --allow-outside)", at,
            ps, ps[0] == '/' ? "an absolute path" : "outside its folder");
        goto done;
    }
    if (ps[0] == '/')
        snprintf(full, sizeof full, "%s", ps);
    else
        snprintf(full, sizeof full, "%s%s", la->dir, ps);
    if (!realpath(full, real)) {
        if (errno == ENOENT && im->o->skip_missing) {
            printf("skipped %s: listed in %s (%s) but missing\n", full, la->path, at);
            im->missing++;
        } else if (errno == ENOENT) {
            bad(im, la->path, "%s.path: %s: %s (give --skip-missing to import the other files)", at, full,
                strerror(errno));
        } else {
            bad(im, la->path, "%s.path: %s: %s", at, full, strerror(errno));
        }
        goto done;
    }
    int listed = ilist_has(im->list, real);
    if (listed < 0) {
        bad(im, la->path, "the list of files: %s", ilist_errmsg(im->list));
        goto done;
    }
    if (!listed) {
        if (!la->add_missing)
            goto done;
        /* listed by an info.labels given on the command line: import it too */
        if (add_file(im, full, 0, 0))
            goto done;
    }
    struct file f;
    memset(&f, 0, sizeof f);
    f.real = real;
    snprintf(f.label, sizeof f.label, "%s", e->label);
    snprintf(f.category, sizeof f.category, "%s", e->category);
    snprintf(f.name, sizeof f.name, "%s", e->name);
    snprintf(f.subject, sizeof f.subject, "%s", e->subject);
    f.type = e->type;
    f.validation = e->validation;
    f.interval_ms = e->interval_ms;
    f.segments = e->segments;
    f.n_segments = e->n_segments;
    if (ilist_set_labels(im->list, &f))
        bad(im, la->path, "the list of files: %s", ilist_errmsg(im->list));
done:
    free(e->path);
    free(e->segments);
    return 0;
}

/* The label, category and name of the files an info.labels lists (eilabels.c reads it, entry by
 * entry through a 64 KB window on the file: neither a parse tree nor the whole text is held,
 * unless its shape is not the usual JSON one); adds those files to the list when it was
 * named on the command line. A listed file that does not exist is an error, or with
 * --skip-missing named and skipped. */
static void read_labels_file(struct import *im, struct file *lf, int add_missing)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", lf->path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = 0;
    else
        dir[0] = 0;
    struct labels_err le = {im, lf->path};
    struct labels_apply la = {im, lf->path, dir, add_missing};
    /* the usual shape from the file through a window: memory does not grow with its entries */
    size_t size;
    FILE *f = open_input(im, lf->path, &size);
    if (!f)
        return;
    int line, col, nul = file_nul_escape(f, &line, &col), r = EIL_WHOLE;
    if (nul > 0)
        bad(im, lf->path, "line %d, column %d: a string holds \\u0000 (a NUL byte), which no label, name or unit may hold",
            line, col);
    else if (nul == 0)
        r = eil_parse_file(f, LABELS_WINDOW, apply_entry, &la, labels_error, &le);
    fclose(f);
    if (nul > 0 || r != EIL_WHOLE)
        return;
    /* any other shape (or a read error above): the whole text, which names what is wrong */
    size_t len;
    char *buf = slurp(im, lf->path, &len);
    if (!buf)
        return;
    if (refuse_nul_escape(im, lf->path, buf, len)) {
        free(buf);
        return;
    }
    eil_parse_each(buf, len, apply_entry, &la, labels_error, &le);
    free(buf);
}

/* ---- parsed recordings ---- */

static int push_sample(struct parsed *p, const float *v)
{
    if (p->n == p->cap) {
        int64_t nc = p->cap ? 2 * p->cap : 2048;
        float *nv = realloc(p->values, (size_t)nc * (size_t)p->n_axes * sizeof *nv);
        if (!nv)
            return -1;
        p->values = nv;
        p->cap = nc;
    }
    memcpy(p->values + p->n * p->n_axes, v, (size_t)p->n_axes * sizeof *v);
    p->n++;
    return 0;
}

/* A finite double that fits a float32. */
static int to_float(double d, float *f)
{
    if (!isfinite(d) || fabs(d) > (double)FLT_MAX)
        return -1;
    *f = (float)d;
    return 0;
}

/* Rates that are an integer but for the last bits of a division (1000 / 333.33333333333331 ms)
 * become that integer. */
static double snap_rate(double r)
{
    double n = nearbyint(r);
    return n > 0 && fabs(r - n) <= 1e-9 * n ? n : r;
}

/* A recording already in the database (trash included) that this one duplicates: the same
 * values (content hash, axes) and the same label and category, and the same name when this one
 * has one. Returns its id (0 when none) and where it came from in from[]. */
static long long find_duplicate(struct import *im, const char *path, const char *hash, const struct parsed *p,
                                const char *category, const char *name, char *from, size_t fromlen)
{
    sqlite3 *db = store_db(im->s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, coalesce(source,''), coalesce(name,''), deleted_at IS NOT NULL FROM recordings"
                           " WHERE content_hash=?1 AND label=?2 AND category=?3 AND n_axes=?4"
                           " AND (?5 = '' OR coalesce(name,'') = ?5)"
                           " AND (SELECT group_concat(name, ',') FROM (SELECT name FROM axes"
                           "      WHERE recording_id=recordings.id ORDER BY idx)) = ?6"
                           " ORDER BY id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        bad(im, path, "database: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, p->n_axes);
    sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
    char axes[STORE_MAX_AXES * (STORE_NAME_MAX + 1) + 1] = "";
    for (int a = 0; a < p->n_axes; a++) /* the same numbers under other axis names are other data */
        snprintf(axes + strlen(axes), sizeof axes - strlen(axes), "%s%s", a ? "," : "", p->axes[a].name);
    sqlite3_bind_text(st, 6, axes, -1, SQLITE_STATIC);
    long long id = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        const char *src = (const char *)sqlite3_column_text(st, 1);
        const char *nm = (const char *)sqlite3_column_text(st, 2);
        snprintf(from, fromlen, "%s%s%s%s", src && *src ? src : "no source", nm && *nm ? ", name " : "",
                 nm ? nm : "", sqlite3_column_int(st, 3) ? ", in the trash" : "");
    }
    sqlite3_finalize(st);
    return id;
}

/* Store one parsed recording (unless a duplicate, see find_duplicate). name and notes may be "". */
static void insert(struct import *im, const struct file *f, const char *path, struct parsed *p, const char *category,
                   const char *name, const char *notes)
{
    if (!(p->rate_hz >= 1000.0 / IMPORT_MAX_INTERVAL_MS && p->rate_hz <= 1000.0 / IMPORT_MIN_INTERVAL_MS)) {
        /* equal timestamps give inf, far-apart ones a rate no recording has */
        if (p->first_line > 0)
            bad(im, path, "line %d: the timestamps from here give a sample rate of %g Hz, outside %g..%g Hz",
                p->first_line, p->rate_hz, 1000.0 / IMPORT_MAX_INTERVAL_MS, 1000.0 / IMPORT_MIN_INTERVAL_MS);
        else
            bad(im, path, "a sample rate of %g Hz, outside %g..%g Hz", p->rate_hz, 1000.0 / IMPORT_MAX_INTERVAL_MS,
                1000.0 / IMPORT_MIN_INTERVAL_MS);
        return;
    }
    if (!im->writing)
        return;
    p->rate_hz = snap_rate(p->rate_hz);
    char hash[17], from[600];
    store_hash_values(p->values, p->n * p->n_axes, hash);
    long long dup = find_duplicate(im, path, hash, p, category, name, from, sizeof from);
    if (dup < 0)
        return;
    if (dup && !im->o->keep_duplicates) {
        im->duplicates++;
        printf("skipped %s%s%s: duplicate of recording %lld (%s): same values, axes, label '%s' and category %s\n", path,
               name[0] ? " " : "", name, dup, from, p->label, category);
        return;
    }
    struct store_recording r;
    memset(&r, 0, sizeof r);
    snprintf(r.label, sizeof r.label, "%s", p->label);
    snprintf(r.category, sizeof r.category, "%s", category);
    snprintf(r.name, sizeof r.name, "%s", name);
    snprintf(r.notes, sizeof r.notes, "%s", notes);
    /* --subject, else the info.labels metadata */
    if (im->o->subject)
        snprintf(r.subject, sizeof r.subject, "%s", im->o->subject);
    else if (f && f->subject[0])
        snprintf(r.subject, sizeof r.subject, "%s", f->subject);
    r.started_at = p->started_at > 0 ? p->started_at : store_now();
    r.sample_rate_hz = p->rate_hz;
    r.format = STORE_F32;
    r.n_axes = p->n_axes;
    memcpy(r.axes, p->axes, sizeof r.axes);
    snprintf(r.source, sizeof r.source, "%s", f->real);
    if (p->device_type[0] || p->device_name[0]) {
        struct store_device d;
        memset(&d, 0, sizeof d);
        snprintf(d.board, sizeof d.board, "%s", p->device_type);
        snprintf(d.port, sizeof d.port, "%s", p->device_name);
        if (store_device_upsert(im->s, &d, &r.device_id)) {
            bad(im, path, "database: %s", store_errmsg(im->s));
            return;
        }
    }
    if (store_recording_create(im->s, &r, NULL)) {
        bad(im, path, "%s", store_errmsg(im->s));
        return;
    }
    for (int64_t at = 0, seq = 0; at < p->n; at += CHUNK_SAMPLES, seq++) {
        uint32_t n = (uint32_t)(p->n - at < CHUNK_SAMPLES ? p->n - at : CHUNK_SAMPLES);
        if (store_chunk_append(im->s, r.id, seq, at, n, p->n_axes, STORE_F32, p->values + at * p->n_axes, 0)) {
            bad(im, path, "%s", store_errmsg(im->s));
            return;
        }
    }
    if (store_recording_finish(im->s, r.id, r.started_at + (double)p->n / p->rate_hz)) {
        bad(im, path, "%s", store_errmsg(im->s));
        return;
    }
    im->recordings++;
    im->samples += p->n;
}

/* Store what one file holds: one recording, or for a multi-label sample one per segment (the
 * samples whose time i / rate falls in [start, end + 1) ms: Edge Impulse's segments are whole
 * ms with both ends included, the next one starting at end + 1). */
static void insert_file(struct import *im, const struct file *f, const char *path, struct parsed *p,
                        const char *category)
{
    char notes[256] = "";
    if (f->from_labels && f->validation && !im->o->category)
        snprintf(notes, sizeof notes, "category validation in info.labels, stored as training");
    if (f->from_labels && f->type == EIL_UNLABELED && !im->o->label)
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%sunlabeled in info.labels",
                 notes[0] ? "; " : "");
    if (!(f->from_labels && f->type == EIL_MULTI) || im->o->label) {
        long long before = im->recordings;
        insert(im, f, path, p, category, f->name, notes);
        if (im->recordings > before) {
            im->validation += notes[0] && f->validation && !im->o->category;
            im->unlabeled += f->from_labels && f->type == EIL_UNLABELED && !im->o->label;
        }
        return;
    }
    struct parsed seg = *p;
    for (int k = 0; k < f->n_segments; k++) {
        const struct eil_segment *g = &f->segments[k];
        int64_t a = (int64_t)ceil(g->start_ms * p->rate_hz / 1000.0 - 1e-9);
        int64_t b = (int64_t)ceil((g->end_ms + 1.0) * p->rate_hz / 1000.0 - 1e-9);
        if (a < 0)
            a = 0;
        if (b > p->n)
            b = p->n;
        if (a >= b) {
            bad(im, path, "multi-label segment %d (%s, %g-%g ms) holds no sample of the %lld (%.6g s)", k, g->label,
                g->start_ms, g->end_ms, (long long)p->n, (double)p->n / p->rate_hz);
            return;
        }
        seg.values = p->values + a * p->n_axes;
        seg.n = b - a;
        seg.started_at = p->started_at > 0 ? p->started_at + (double)a / p->rate_hz : 0;
        snprintf(seg.label, sizeof seg.label, "%s", g->label);
        char segnotes[256];
        snprintf(segnotes, sizeof segnotes, "%s%ssegment %d of %d (%g-%g ms) of a multi-label sample", notes,
                 notes[0] ? "; " : "", k + 1, f->n_segments, g->start_ms, g->end_ms);
        long long before = im->recordings;
        insert(im, f, path, &seg, category, f->name, segnotes);
        im->segments += im->recordings - before;
    }
}

/* The label of a file: --label, info.labels, else the file name up to its first dot. */
static int file_label(struct import *im, const struct file *f, char out[STORE_LABEL_MAX + 1])
{
    char why[128];
    if (im->o->label) {
        snprintf(out, STORE_LABEL_MAX + 1, "%s", im->o->label);
        return 0;
    }
    if (f->from_labels && f->type == EIL_UNLABELED) {
        snprintf(out, STORE_LABEL_MAX + 1, "unlabeled"); /* noted on the recording; relabel later */
        return 0;
    }
    if (f->from_labels) {
        snprintf(out, STORE_LABEL_MAX + 1, "%s", f->label);
        return 0;
    }
    const char *b = base_name(f->path);
    size_t n = strcspn(b, ".");
    if (n > STORE_LABEL_MAX) {
        bad(im, f->path, "label from the file name is %zu bytes, over %d (give --label or an info.labels)", n,
            STORE_LABEL_MAX);
        return -1;
    }
    snprintf(out, STORE_LABEL_MAX + 1, "%.*s", (int)n, b);
    if (!store_label_valid(out, why, sizeof why)) {
        bad(im, f->path, "label from the file name: %s (name files <label>.<anything>, or give --label)", why);
        return -1;
    }
    return 0;
}

/* --category, info.labels, a parent directory named training or testing, else unassigned. */
static const char *file_category(struct import *im, const struct file *f)
{
    if (im->o->category)
        return im->o->category;
    if (f->from_labels)
        return f->category;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", f->real);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = 0;
        const char *parent = base_name(dir);
        if (!strcmp(parent, "training"))
            return "training";
        if (!strcmp(parent, "testing"))
            return "testing";
    }
    return "unassigned";
}

/* ---- Edge Impulse JSON ---- */

/* Check an HS256 signature: HMAC-SHA256 over the file with the signature's 64 hex digits
 * replaced by zeros (the text the signer hashed: Edge Impulse signs the JSON encoding with
 * a signature of 64 zeros, then puts the result in its place). */
static int verify_signature(const char *buf, size_t len, const char *key, char *why, size_t whylen)
{
    const char *p = buf;
    while ((p = strstr(p, "\"signature\""))) {
        const char *q = p + 11;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        if (*q++ != ':') {
            p++;
            continue;
        }
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        if (*q != '"') {
            p++;
            continue;
        }
        q++;
        int hex = 0;
        while (hex < 64 && isxdigit((unsigned char)q[hex]))
            hex++;
        if (hex != 64 || q[64] != '"') {
            p++;
            continue;
        }
        char *copy = malloc(len);
        if (!copy) {
            snprintf(why, whylen, "out of memory");
            return -1;
        }
        memcpy(copy, buf, len);
        memset(copy + (q - buf), '0', 64);
        uint8_t mac[32];
        char hexmac[65];
        hmac_sha256(key, strlen(key), copy, len, mac);
        free(copy);
        sha256_hex(mac, hexmac);
        if (strncasecmp(hexmac, q, 64)) {
            snprintf(why, whylen, "signature: does not match the HMAC key (HS256)");
            return -1;
        }
        return 0;
    }
    snprintf(why, whylen, "signature: missing or not 64 hex digits");
    return -1;
}

static void import_json(struct import *im, struct file *f)
{
    size_t len;
    char *buf = slurp(im, f->path, &len);
    if (!buf)
        return;
    if (refuse_nul_escape(im, f->path, buf, len)) {
        free(buf);
        return;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    struct parsed p;
    memset(&p, 0, sizeof p);
    if (!root) {
        int line, col;
        size_t off = end ? (size_t)(end - buf) : len;
        line_col(buf, off, &line, &col);
        size_t last = len;
        while (last > 0 && isspace((unsigned char)buf[last - 1]))
            last--;
        int truncated = off >= len || (last > 0 && buf[last - 1] != '}' && len - off < 256);
        bad(im, f->path, "line %d, column %d: %s", line, col,
            truncated ? "not valid JSON (the file ends early: truncated?)" : "not valid JSON");
        free(buf);
        return;
    }
    const char *path = f->path;
    cJSON *prot = cJSON_GetObjectItemCaseSensitive(root, "protected");
    cJSON *payload = cJSON_GetObjectItemCaseSensitive(root, "payload");
    const char *alg = "none";
    if (!cJSON_IsObject(root)) {
        bad(im, path, "not a JSON object (want Edge Impulse data acquisition format)");
        goto out;
    }
    if (prot) {
        cJSON *a = cJSON_GetObjectItemCaseSensitive(prot, "alg");
        if (!cJSON_IsObject(prot) || (a && !cJSON_IsString(a))) {
            bad(im, path, "field 'protected': not an object with a string 'alg'");
            goto out;
        }
        if (a)
            alg = a->valuestring;
        if (strcmp(alg, "none") && strcmp(alg, "HS256")) {
            bad(im, path, "protected.alg: '%s' is not none or HS256", alg);
            goto out;
        }
        cJSON *iat = cJSON_GetObjectItemCaseSensitive(prot, "iat");
        if (cJSON_IsNumber(iat) && iat->valuedouble > 0 && isfinite(iat->valuedouble))
            p.started_at = iat->valuedouble;
    }
    if (im->o->hmac_key) {
        char why[128];
        if (strcmp(alg, "HS256")) {
            bad(im, path, "protected.alg: the file is not signed (alg %s) but --hmac-key asks to verify", alg);
            goto out;
        }
        if (verify_signature(buf, len, im->o->hmac_key, why, sizeof why)) {
            bad(im, path, "%s", why);
            goto out;
        }
    }
    if (!cJSON_IsObject(payload)) {
        bad(im, path, "field 'payload': %s", payload ? "not an object" : "missing");
        goto out;
    }
    cJSON *interval = cJSON_GetObjectItemCaseSensitive(payload, "interval_ms");
    if (!interval) {
        bad(im, path, "payload.interval_ms: missing");
        goto out;
    }
    if (!cJSON_IsNumber(interval) || !(interval->valuedouble >= IMPORT_MIN_INTERVAL_MS) ||
        !(interval->valuedouble <= IMPORT_MAX_INTERVAL_MS)) {
        char *txt = cJSON_PrintUnformatted(interval);
        bad(im, path, "payload.interval_ms: must be a positive number of milliseconds from %g to %g, not %.40s",
            IMPORT_MIN_INTERVAL_MS, IMPORT_MAX_INTERVAL_MS, txt ? txt : "?");
        free(txt);
        goto out;
    }
    p.rate_hz = 1000.0 / interval->valuedouble;
    cJSON *dt = cJSON_GetObjectItemCaseSensitive(payload, "device_type");
    cJSON *dn = cJSON_GetObjectItemCaseSensitive(payload, "device_name");
    if (cJSON_IsString(dt))
        snprintf(p.device_type, sizeof p.device_type, "%s", dt->valuestring);
    if (cJSON_IsString(dn))
        snprintf(p.device_name, sizeof p.device_name, "%s", dn->valuestring);
    cJSON *sensors = cJSON_GetObjectItemCaseSensitive(payload, "sensors");
    if (!cJSON_IsArray(sensors)) {
        bad(im, path, "payload.sensors: %s", sensors ? "not an array" : "missing");
        goto out;
    }
    int ns = cJSON_GetArraySize(sensors);
    if (ns < 1 || ns > STORE_MAX_AXES) {
        bad(im, path, "payload.sensors: %d sensors, want 1 to %d", ns, STORE_MAX_AXES);
        goto out;
    }
    p.n_axes = ns;
    int i = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, sensors)
    {
        cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        cJSON *units = cJSON_GetObjectItemCaseSensitive(e, "units");
        if (!cJSON_IsString(name) || !name->valuestring[0] || strlen(name->valuestring) > STORE_NAME_MAX) {
            bad(im, path, "payload.sensors[%d].name: missing, empty or over %d bytes", i, STORE_NAME_MAX);
            goto out;
        }
        if (units && (!cJSON_IsString(units) || strlen(units->valuestring) > STORE_UNIT_MAX)) {
            bad(im, path, "payload.sensors[%d].units: not a string of at most %d bytes", i, STORE_UNIT_MAX);
            goto out;
        }
        snprintf(p.axes[i].name, sizeof p.axes[i].name, "%s", name->valuestring);
        if (units)
            snprintf(p.axes[i].unit, sizeof p.axes[i].unit, "%s", units->valuestring);
        p.axes[i].scale = 1.0;
        i++;
    }
    cJSON *values = cJSON_GetObjectItemCaseSensitive(payload, "values");
    if (!cJSON_IsArray(values)) {
        bad(im, path, "payload.values: %s", values ? "not an array" : "missing");
        goto out;
    }
    int row = 0;
    cJSON *r;
    float v[STORE_MAX_AXES];
    cJSON_ArrayForEach(r, values)
    {
        if (cJSON_IsNumber(r) && ns == 1) { /* one sensor: plain numbers are allowed */
            if (to_float(r->valuedouble, &v[0])) {
                bad(im, path, "payload.values[%d]: %g is not a finite float32", row, r->valuedouble);
                goto out;
            }
        } else if (!cJSON_IsArray(r)) {
            bad(im, path, "payload.values[%d]: not an array of %d numbers", row, ns);
            goto out;
        } else {
            int k = 0;
            cJSON *x;
            cJSON_ArrayForEach(x, r)
            {
                if (k >= ns)
                    break;
                if (!cJSON_IsNumber(x)) {
                    bad(im, path, "payload.values[%d][%d]: not a number", row, k);
                    goto out;
                }
                if (to_float(x->valuedouble, &v[k])) {
                    bad(im, path, "payload.values[%d][%d]: %g is not a finite float32 value", row, k,
                        x->valuedouble);
                    goto out;
                }
                k++;
            }
            int have = cJSON_GetArraySize(r);
            if (have != ns) {
                bad(im, path, "payload.values[%d]: %d values, but payload.sensors lists %d", row, have, ns);
                goto out;
            }
        }
        if (push_sample(&p, v)) {
            bad(im, path, "out of memory");
            goto out;
        }
        row++;
    }
    if (p.n == 0) {
        bad(im, path, "payload.values: no samples");
        goto out;
    }
    if (file_label(im, f, p.label))
        goto out;
    insert_file(im, f, path, &p, file_category(im, f));
out:
    free(p.values);
    cJSON_Delete(root);
    free(buf);
}

/* ---- CSV ---- */

#define MAX_COLS 64

/* Split a line (modified in place) at commas; trims blanks and surrounding quotes. */
static int split_fields(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        if (c)
            *c = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        char *e = p + strlen(p);
        while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            *--e = 0;
        if (e - p >= 2 && *p == '"' && e[-1] == '"') {
            e[-1] = 0;
            p++;
        }
        if (n < max)
            fields[n] = p;
        n++;
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

static int parse_num(const char *s, double *d)
{
    char *end;
    if (!*s)
        return -1;
    errno = 0;
    *d = strtod(s, &end);
    return *end ? -1 : 0;
}

static void import_csv(struct import *im, struct file *f)
{
    size_t len;
    char *buf = slurp(im, f->path, &len);
    if (!buf)
        return;
    const char *path = f->path;
    char *fields[MAX_COLS], *header[MAX_COLS];
    char hdrbuf[4096];
    int ncols = 0, ts_col = -1, label_col = -1, axis_col[STORE_MAX_AXES], n_axes = 0;
    struct parsed p;
    memset(&p, 0, sizeof p);
    char cur_label[STORE_LABEL_MAX + 1] = "";
    double t_first = 0, t_prev = 0;
    int64_t rows_in_rec = 0;
    int line = 0, ok = 1, have_header = 0;
    char *s = buf;
    const char *category = file_category(im, f);
    while (ok && s < buf + len) {
        char *nl = memchr(s, '\n', (size_t)(buf + len - s));
        char *ln = s;
        if (nl)
            *nl = 0;
        s = nl ? nl + 1 : buf + len;
        line++;
        if (strlen(ln) != (size_t)((nl ? nl : buf + len) - ln)) {
            bad(im, path, "line %d: contains a NUL byte (not a text file?)", line);
            ok = 0;
            break;
        }
        const char *q = ln;
        while (*q == ' ' || *q == '\t' || *q == '\r')
            q++;
        if (!*q)
            continue; /* blank line */
        if (!have_header) {
            int full_cols = 1; /* counted on the whole line: the copy below may be cut */
            for (const char *c = ln; (c = strchr(c, ',')); c++)
                full_cols++;
            if (full_cols > MAX_COLS) {
                bad(im, path, "line %d: %d columns, at most %d", line, full_cols, MAX_COLS);
                ok = 0;
                break;
            }
            if (strlen(ln) >= sizeof hdrbuf) {
                bad(im, path, "line %d: the header is %zu bytes, at most %zu", line, strlen(ln), sizeof hdrbuf - 1);
                ok = 0;
                break;
            }
            snprintf(hdrbuf, sizeof hdrbuf, "%s", ln);
            ncols = split_fields(hdrbuf, header, MAX_COLS);
            if (ncols > MAX_COLS) {
                bad(im, path, "line %d: %d columns, at most %d", line, ncols, MAX_COLS);
                ok = 0;
                break;
            }
            for (int c = 0; c < ncols; c++)
                if (!strcasecmp(header[c], "timestamp"))
                    ts_col = c;
            if (im->o->columns) {
                char cols[1024];
                snprintf(cols, sizeof cols, "%s", im->o->columns);
                for (char *tok = strtok(cols, ","); tok; tok = strtok(NULL, ",")) {
                    int found = -1;
                    for (int c = 0; c < ncols; c++)
                        if (!strcmp(header[c], tok))
                            found = c;
                    if (found < 0) {
                        bad(im, path, "line %d: the header has no column '%s' (from --columns)", line, tok);
                        ok = 0;
                        break;
                    }
                    if (n_axes == STORE_MAX_AXES) {
                        bad(im, path, "--columns names over %d columns", STORE_MAX_AXES);
                        ok = 0;
                        break;
                    }
                    axis_col[n_axes++] = found;
                }
                if (!ok)
                    break;
            } else {
                if (ts_col != 0) {
                    bad(im, path,
                        "line %d: first column is '%s', not 'timestamp' (Edge Impulse CSV; for other CSV files "
                        "give --columns and --rate-hz)",
                        line, header[0]);
                    ok = 0;
                    break;
                }
                for (int c = 1; c < ncols; c++) {
                    if (im->o->label_column && !strcmp(header[c], im->o->label_column))
                        continue;
                    if (n_axes == STORE_MAX_AXES) {
                        bad(im, path, "line %d: over %d value columns", line, STORE_MAX_AXES);
                        ok = 0;
                        break;
                    }
                    axis_col[n_axes++] = c;
                }
                if (!ok)
                    break;
                if (n_axes == 0) {
                    bad(im, path, "line %d: no value columns after 'timestamp'", line);
                    ok = 0;
                    break;
                }
            }
            if (im->o->label_column) {
                for (int c = 0; c < ncols; c++)
                    if (!strcmp(header[c], im->o->label_column))
                        label_col = c;
                if (label_col < 0) {
                    bad(im, path, "line %d: the header has no column '%s' (from --label-column)", line,
                        im->o->label_column);
                    ok = 0;
                    break;
                }
            }
            for (int a = 0; a < n_axes; a++) {
                const char *nm = header[axis_col[a]];
                if (!*nm || strlen(nm) > STORE_NAME_MAX) {
                    bad(im, path, "line %d: column %d: axis name empty or over %d bytes", line, axis_col[a] + 1,
                        STORE_NAME_MAX);
                    ok = 0;
                    break;
                }
                snprintf(p.axes[a].name, sizeof p.axes[a].name, "%s", nm);
                p.axes[a].scale = 1.0;
            }
            p.n_axes = n_axes;
            if (ts_col < 0 && !(im->o->rate_hz > 0)) {
                bad(im, path, "line %d: no 'timestamp' column to tell the sample rate from (give --rate-hz)", line);
                ok = 0;
            }
            have_header = 1;
            continue;
        }
        int n = split_fields(ln, fields, MAX_COLS);
        if (n != ncols) {
            bad(im, path, "line %d: %d values, but the header has %d columns", line, n, ncols);
            ok = 0;
            break;
        }
        const char *lab = NULL;
        if (label_col >= 0) {
            char why[128];
            lab = fields[label_col];
            if (!store_label_valid(lab, why, sizeof why)) {
                bad(im, path, "line %d: column '%s': %s", line, im->o->label_column, why);
                ok = 0;
                break;
            }
        }
        if (lab && p.n && strcmp(lab, cur_label)) {
            /* a new run of another label: finish this recording */
            if (rows_in_rec < 2 && !(im->o->rate_hz > 0)) {
                bad(im, path, "line %d: one row for label '%s' cannot tell the sample rate (give --rate-hz)",
                    p.first_line, cur_label);
                ok = 0;
                break;
            }
            p.rate_hz = im->o->rate_hz > 0 ? im->o->rate_hz : 1000.0 * (double)(rows_in_rec - 1) / (t_prev - t_first);
            snprintf(p.label, sizeof p.label, "%s", cur_label);
            insert(im, f, path, &p, category, "", "");
            p.n = 0;
        }
        if (p.n == 0) {
            rows_in_rec = 0;
            p.first_line = line;
            if (lab)
                snprintf(cur_label, sizeof cur_label, "%s", lab);
        }
        double t = 0;
        if (ts_col >= 0) {
            if (parse_num(fields[ts_col], &t) || !isfinite(t)) {
                bad(im, path, "line %d: timestamp '%s' is not a finite number", line, fields[ts_col]);
                ok = 0;
                break;
            }
            if (rows_in_rec > 0 && t < t_prev) {
                bad(im, path, "line %d: timestamp %g goes backwards (previous %g)", line, t, t_prev);
                ok = 0;
                break;
            }
            if (rows_in_rec == 0)
                t_first = t;
            t_prev = t;
        }
        float v[STORE_MAX_AXES];
        for (int a = 0; a < n_axes; a++) {
            double d;
            const char *fs = fields[axis_col[a]];
            if (parse_num(fs, &d)) {
                bad(im, path, "line %d: column '%s': '%s' is not a number", line, header[axis_col[a]], fs);
                ok = 0;
                break;
            }
            if (to_float(d, &v[a])) {
                bad(im, path, "line %d: column '%s': '%s' is not a finite float32 value", line, header[axis_col[a]],
                    fs);
                ok = 0;
                break;
            }
        }
        if (!ok)
            break;
        if (push_sample(&p, v)) {
            bad(im, path, "out of memory");
            ok = 0;
            break;
        }
        rows_in_rec++;
    }
    if (ok && !have_header) {
        bad(im, path, "no header line");
        ok = 0;
    }
    if (ok && p.n == 0) {
        bad(im, path, "no data rows after the header");
        ok = 0;
    }
    if (ok) {
        if (im->o->rate_hz > 0) {
            p.rate_hz = im->o->rate_hz;
        } else if (rows_in_rec < 2 && f->interval_ms > 0) {
            p.rate_hz = 1000.0 / f->interval_ms; /* a one-row export: its info.labels carries the interval */
        } else if (rows_in_rec < 2) {
            bad(im, path,
                "line %d: a single row cannot tell the sample rate (give --rate-hz, or an info.labels entry with "
                "\"interval_ms\")",
                p.first_line);
            ok = 0;
        } else if (!(t_prev > t_first)) {
            bad(im, path, "timestamps do not advance (all %g): cannot tell the sample rate", t_first);
            ok = 0;
        } else {
            p.rate_hz = 1000.0 * (double)(rows_in_rec - 1) / (t_prev - t_first);
        }
    }
    if (ok) {
        if (label_col >= 0)
            snprintf(p.label, sizeof p.label, "%s", cur_label);
        if (label_col >= 0)
            insert(im, f, path, &p, category, "", "");
        else if (!file_label(im, f, p.label))
            insert_file(im, f, path, &p, category);
    }
    free(p.values);
    free(buf);
}

/* ---- the command ---- */

/* The rest of the summary line: what was skipped or changed, per reason. */
static void print_counts(const struct import *im)
{
    const char *sep = "; skipped: ";
    if (im->duplicates) {
        printf("%s%lld duplicate%s", sep, im->duplicates, im->duplicates == 1 ? "" : "s");
        sep = ", ";
    }
    if (im->missing)
        printf("%s%lld missing file%s (--skip-missing)", sep, im->missing, im->missing == 1 ? "" : "s");
    if (im->segments)
        printf("; %lld recording%s from multi-label segments", im->segments, im->segments == 1 ? "" : "s");
    if (im->unlabeled)
        printf("; %lld unlabeled (label 'unlabeled')", im->unlabeled);
    if (im->validation)
        printf("; %lld validation stored as training", im->validation);
    putchar('\n');
}

static const char *import_help =
    "usage: imulab import [OPTIONS] PATH...\n"
    "\n"
    "Imports recordings from Edge Impulse data acquisition JSON files (unsigned or HS256), Edge\n"
    "Impulse CSV files (first column 'timestamp' in ms; the rate comes from its steps), info.labels\n"
    "files, JSON or NDJSON (with the label, category and name of each file they list) and\n"
    "directories of them, recursively. The label of a file: --label, else its info.labels entry,\n"
    "else its name up to the first dot (<label>.<anything>.json). The category: --category, else\n"
    "info.labels (validation is stored as training, split as unassigned), else a parent directory\n"
    "named training or testing, else unassigned. Unlabeled samples get the label 'unlabeled';\n"
    "multi-label samples become one recording per labelled segment.\n"
    "All or nothing: one transaction; every bad file is named with the line or field and the\n"
    "reason, and then nothing is imported (exit 1). A duplicate (the same values, label and\n"
    "category as a recording already in the database, and the same name when it has one) is\n"
    "skipped and named with the recording it duplicates.\n"
    "\n"
    "  --label L           label every recording L\n"
    "  --category C        training, testing or unassigned for every recording\n"
    "  --subject S         the person (or thing) recorded, for `split --by-subject` and the folds of\n"
    "                      the automatic configuration (default: metadata.subject in info.labels)\n"
    "  --hmac-key K        verify HS256 signatures with this key (unsigned files are refused)\n"
    "  --columns a,b,c     generic CSV: the value columns, by header name (a 'timestamp' column in ms\n"
    "                      gives the rate unless --rate-hz)\n"
    "  --label-column C    generic CSV: the label of each row; runs of one label become recordings\n"
    "  --rate-hz R         the sample rate, for CSV files without timestamps\n"
    "  --skip-missing      files an info.labels lists that do not exist are named and skipped\n"
    "                      (without it they fail the import)\n"
    "  --keep-duplicates   import duplicates too\n"
    "  --allow-outside     let an info.labels list files outside its folder (absolute or ../ paths;\n"
    "                      refused by default)\n"
    "  --dry-run           check everything, import nothing\n"
    "  -v, --verbose       (accepted for compatibility: skipped files are always named)\n";

int cmd_import(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"label", required_argument, NULL, 'l'},
                                         {"category", required_argument, NULL, 'c'},
                                         {"subject", required_argument, NULL, 's'},
                                         {"hmac-key", required_argument, NULL, 'k'},
                                         {"columns", required_argument, NULL, 'C'},
                                         {"label-column", required_argument, NULL, 'L'},
                                         {"rate-hz", required_argument, NULL, 'r'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"skip-missing", no_argument, NULL, 'M'},
                                         {"keep-duplicates", no_argument, NULL, 'D'},
                                         {"allow-outside", no_argument, NULL, 'A'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct import_opts o;
    memset(&o, 0, sizeof o);
    int c;
    char why[128];
    cli_getopt_begin();
    while ((c = cli_getopt("import", argc, argv, "hv", opts)) != -1) {
        switch (c) {
        case 'l':
            if (!store_label_valid(optarg, why, sizeof why))
                return cli_usage("import", "--label: %s", why);
            o.label = optarg;
            break;
        case 'c':
            if (!store_category_valid(optarg))
                return cli_usage("import", "--category must be training, testing or unassigned, not '%s'", optarg);
            o.category = optarg;
            break;
        case 's':
            if (strlen(optarg) > STORE_LABEL_MAX)
                return cli_usage("import", "--subject is over %d bytes", STORE_LABEL_MAX);
            o.subject = optarg;
            break;
        case 'k':
            if (!*optarg)
                return cli_usage("import", "--hmac-key is empty");
            o.hmac_key = optarg;
            break;
        case 'C':
            if (!*optarg)
                return cli_usage("import", "--columns is empty");
            o.columns = optarg;
            break;
        case 'L': o.label_column = optarg; break;
        case 'r':
            if (cli_parse_range("import", "--rate-hz", optarg, 1000.0 / IMPORT_MAX_INTERVAL_MS,
                                1000.0 / IMPORT_MIN_INTERVAL_MS, &o.rate_hz))
                return CLI_USAGE;
            break;
        case 'n': o.dry_run = 1; break;
        case 'M': o.skip_missing = 1; break;
        case 'D': o.keep_duplicates = 1; break;
        case 'A': o.allow_outside = 1; break;
        case 'v': o.verbose = 1; break;
        case 'h': fputs(import_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage("import", "no PATH given");
    if (o.label && o.label_column)
        return cli_usage("import", "--label and --label-column exclude each other");

    struct import im;
    memset(&im, 0, sizeof im);
    im.o = &o;
    char err[256];
    im.list = ilist_open(err, sizeof err);
    if (!im.list) {
        cli_error("%s", err);
        return CLI_FAIL;
    }
    /* 1. collect files (into the scratch list: one entry per real path) */
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st)) {
            bad(&im, argv[i], "%s", strerror(errno));
            continue;
        }
        if (S_ISDIR(st.st_mode))
            walk(&im, argv[i], 0);
        else if (!strcmp(base_name(argv[i]), "info.labels"))
            add_file(&im, argv[i], 1, 1);
        else if (has_ext(argv[i], ".json") || has_ext(argv[i], ".csv"))
            add_file(&im, argv[i], 0, 0);
        else
            bad(&im, argv[i], "not a .json, .csv or info.labels file");
    }
    /* 2. info.labels, in path order: given ones add their files; found ones label what the walk found */
    struct file f;
    char after[PATH_MAX] = "";
    int got;
    while ((got = ilist_next(im.list, 1, after, &f)) > 0) {
        snprintf(after, sizeof after, "%s", f.real);
        read_labels_file(&im, &f, f.explicit_labels);
        ilist_file_free(&f);
    }
    if (got < 0)
        bad(&im, after[0] ? after : argv[optind], "the list of files: %s", ilist_errmsg(im.list));
    /* 3. parse and insert, in one transaction */
    struct store *s = NULL;
    if (!o.dry_run || im.bad_files == 0) {
        s = cli_open_store(cli, 1);
        if (!s) {
            im.bad_files++;
        } else if (store_begin(s)) {
            cli_error("%s: %s", cli->db_path, store_errmsg(s));
            store_close(s);
            s = NULL;
            im.bad_files++;
        }
    }
    im.s = s;
    im.writing = s && im.bad_files == 0;
    size_t n_data = 0;
    after[0] = 0;
    while ((got = ilist_next(im.list, 0, after, &f)) > 0) {
        snprintf(after, sizeof after, "%s", f.real);
        n_data++;
        if (has_ext(f.path, ".json"))
            import_json(&im, &f);
        else
            import_csv(&im, &f);
        ilist_file_free(&f);
    }
    if (got < 0)
        bad(&im, after[0] ? after : argv[optind], "the list of files: %s", ilist_errmsg(im.list));
    int status = CLI_OK;
    if (im.bad_files) {
        if (s)
            store_rollback(s);
        cli_error("import failed: %d bad file%s, nothing imported", im.bad_files, im.bad_files == 1 ? "" : "s");
        status = CLI_FAIL;
    } else if (o.dry_run) {
        store_rollback(s);
        printf("would import %lld recording%s (%lld samples) from %zu file%s", im.recordings,
               im.recordings == 1 ? "" : "s", im.samples, n_data, n_data == 1 ? "" : "s");
        print_counts(&im);
    } else if (store_commit(s)) {
        cli_error("%s: commit: %s", cli->db_path, store_errmsg(s));
        store_rollback(s);
        status = CLI_FAIL;
    } else {
        printf("imported %lld recording%s (%lld samples) from %zu file%s", im.recordings,
               im.recordings == 1 ? "" : "s", im.samples, n_data, n_data == 1 ? "" : "s");
        print_counts(&im);
    }
    store_close(s);
    ilist_close(im.list);
    return status;
}
