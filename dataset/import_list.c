/* SPDX-License-Identifier: MIT */
/* import_list.c -- the files `imulab import` will read, in a scratch SQLite database (see
 * import_list.h).
 *
 * sqlite3_open("") gives a private temporary database: SQLite keeps it in its page cache (set to
 * 1 MB here) and spills it to a temporary file it deletes on close, so the list costs the same
 * memory for 100 files as for 100,000. No journal, no sync (nothing here survives the command).
 * Everything happens in one transaction that is never committed. Reading goes by key (the next
 * path after the previous one), so no statement stays open while the caller adds rows.
 */
#include "import_list.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

enum {
    ST_ADD, ST_HAS, ST_SET, ST_NEXT, ST_NAMES_CLEAR, ST_NAME_ADD, ST_NAME_NEXT, ST_SEEN_FIND, ST_SEEN_ADD, N_ST
};

static const char *const sql[N_ST] = {
    [ST_ADD] = "INSERT INTO files(real, path, is_labels, explicit) VALUES(?1, ?2, ?3, ?4)"
               " ON CONFLICT(real) DO UPDATE SET explicit = max(explicit, excluded.explicit)",
    [ST_HAS] = "SELECT 1 FROM files WHERE real = ?1",
    [ST_SET] = "UPDATE files SET from_labels = 1, label = ?2, category = ?3, subject = ?4, name = ?5, type = ?6,"
               " segments = ?7, n_segments = ?8, validation = ?9, interval_ms = ?10 WHERE real = ?1",
    [ST_NEXT] = "SELECT real, path, is_labels, explicit, from_labels, label, category, subject, name, type, segments,"
                " n_segments, validation, interval_ms FROM files WHERE is_labels = ?1 AND real > ?2"
                " ORDER BY is_labels, real LIMIT 1",
    [ST_NAMES_CLEAR] = "DELETE FROM names WHERE depth = ?1",
    [ST_NAME_ADD] = "INSERT OR IGNORE INTO names(depth, name) VALUES(?1, ?2)",
    [ST_NAME_NEXT] = "SELECT name FROM names WHERE depth = ?1 AND name > ?2 ORDER BY depth, name LIMIT 1",
    [ST_SEEN_FIND] = "SELECT path FROM seen WHERE dev = ?1 AND ino = ?2 ORDER BY rowid LIMIT 1",
    [ST_SEEN_ADD] = "INSERT INTO seen(dev, ino, path) VALUES(?1, ?2, ?3)",
};

struct import_list {
    sqlite3 *db;
    sqlite3_stmt *st[N_ST];
};

/* Open the scratch database, set it up and begin its transaction. */
struct import_list *ilist_open(char *err, size_t errlen)
{
    struct import_list *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2("", &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        sqlite3_exec(l->db,
                     "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;"
                     " PRAGMA cache_size=-1024;"
                     "CREATE TABLE files(real TEXT PRIMARY KEY, path TEXT NOT NULL, is_labels INTEGER NOT NULL,"
                     " explicit INTEGER NOT NULL, from_labels INTEGER NOT NULL DEFAULT 0, label TEXT, category TEXT,"
                     " subject TEXT, name TEXT, type INTEGER, segments BLOB, n_segments INTEGER, validation INTEGER,"
                     " interval_ms REAL) WITHOUT ROWID;"
                     "CREATE INDEX files_kind ON files(is_labels, real);"
                     "CREATE TABLE names(depth INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY(depth, name))"
                     " WITHOUT ROWID;"
                     "CREATE TABLE seen(dev INTEGER NOT NULL, ino INTEGER NOT NULL, path TEXT NOT NULL);"
                     "CREATE INDEX seen_id ON seen(dev, ino);"
                     "BEGIN",
                     NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "the scratch database for the file list: %s",
                 l->db ? sqlite3_errmsg(l->db) : "out of memory");
        ilist_close(l);
        return NULL;
    }
    for (int i = 0; i < N_ST; i++)
        if (sqlite3_prepare_v2(l->db, sql[i], -1, &l->st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "the scratch database for the file list: %s", sqlite3_errmsg(l->db));
            ilist_close(l);
            return NULL;
        }
    return l;
}

void ilist_close(struct import_list *l)
{
    if (!l)
        return;
    for (int i = 0; i < N_ST; i++)
        sqlite3_finalize(l->st[i]);
    sqlite3_close(l->db); /* the uncommitted transaction and the temporary file go with it */
    free(l);
}

const char *ilist_errmsg(const struct import_list *l)
{
    return sqlite3_errmsg(l->db);
}

/* Run a statement that returns no row; 0 or -1. */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int ilist_add(struct import_list *l, const char *path, const char *real, int is_labels, int explicit_labels)
{
    sqlite3_stmt *st = l->st[ST_ADD];
    sqlite3_bind_text(st, 1, real, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, is_labels);
    sqlite3_bind_int(st, 4, explicit_labels);
    return run(st);
}

int ilist_has(struct import_list *l, const char *real)
{
    sqlite3_stmt *st = l->st[ST_HAS];
    sqlite3_bind_text(st, 1, real, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int ilist_set_labels(struct import_list *l, const struct file *f)
{
    assert(f->n_segments >= 0 && (f->n_segments == 0 || f->segments));
    sqlite3_stmt *st = l->st[ST_SET];
    sqlite3_bind_text(st, 1, f->real, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, f->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, (int)f->type);
    if (f->n_segments)
        sqlite3_bind_blob64(st, 7, f->segments, (sqlite3_uint64)f->n_segments * sizeof *f->segments, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int(st, 8, f->n_segments);
    sqlite3_bind_int(st, 9, f->validation);
    sqlite3_bind_double(st, 10, f->interval_ms);
    return run(st);
}

/* Copy a text column into a fixed buffer ("" for NULL). */
static void column_text(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    snprintf(out, outlen, "%s", t ? t : "");
}

/* One row of ST_NEXT into *f; -1 when out of memory. */
static int read_file_row(sqlite3_stmt *st, struct file *f)
{
    memset(f, 0, sizeof *f);
    f->real = strdup((const char *)sqlite3_column_text(st, 0));
    f->path = strdup((const char *)sqlite3_column_text(st, 1));
    f->is_labels = sqlite3_column_int(st, 2);
    f->explicit_labels = sqlite3_column_int(st, 3);
    f->from_labels = sqlite3_column_int(st, 4);
    column_text(st, 5, f->label, sizeof f->label);
    column_text(st, 6, f->category, sizeof f->category);
    column_text(st, 7, f->subject, sizeof f->subject);
    column_text(st, 8, f->name, sizeof f->name);
    f->type = (enum eil_type)sqlite3_column_int(st, 9);
    int n = sqlite3_column_int(st, 11);
    if (n > 0) {
        const void *blob = sqlite3_column_blob(st, 10);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 10);
        assert(blob && bytes == (size_t)n * sizeof *f->segments);
        f->segments = malloc(bytes);
        if (f->segments)
            memcpy(f->segments, blob, bytes);
        f->n_segments = n;
    }
    f->validation = sqlite3_column_int(st, 12);
    f->interval_ms = sqlite3_column_double(st, 13);
    if (!f->real || !f->path || (n > 0 && !f->segments)) {
        ilist_file_free(f);
        return -1;
    }
    return 0;
}

int ilist_next(struct import_list *l, int is_labels, const char *after, struct file *f)
{
    sqlite3_stmt *st = l->st[ST_NEXT];
    sqlite3_bind_int(st, 1, is_labels);
    sqlite3_bind_text(st, 2, after, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), got = 0;
    if (rc == SQLITE_ROW)
        got = read_file_row(st, f) ? -1 : 1;
    else if (rc != SQLITE_DONE)
        got = -1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return got;
}

void ilist_file_free(struct file *f)
{
    free(f->path);
    free(f->real);
    free(f->segments);
    f->path = f->real = NULL;
    f->segments = NULL;
    f->n_segments = 0;
}

int ilist_names_clear(struct import_list *l, int depth)
{
    sqlite3_bind_int(l->st[ST_NAMES_CLEAR], 1, depth);
    return run(l->st[ST_NAMES_CLEAR]);
}

int ilist_name_add(struct import_list *l, int depth, const char *name)
{
    sqlite3_stmt *st = l->st[ST_NAME_ADD];
    sqlite3_bind_int(st, 1, depth);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    return run(st);
}

/* One text column of a one-row query into out: 1, 0 (no row) or -1. */
static int step_text(sqlite3_stmt *st, char *out, size_t outlen)
{
    int rc = sqlite3_step(st), got = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (got == 1)
        column_text(st, 0, out, outlen);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return got;
}

int ilist_name_next(struct import_list *l, int depth, const char *after, char *out, size_t outlen)
{
    sqlite3_stmt *st = l->st[ST_NAME_NEXT];
    sqlite3_bind_int(st, 1, depth);
    sqlite3_bind_text(st, 2, after, -1, SQLITE_TRANSIENT); /* after may be out */
    return step_text(st, out, outlen);
}

int ilist_seen_find(struct import_list *l, dev_t dev, ino_t ino, char *out, size_t outlen)
{
    sqlite3_stmt *st = l->st[ST_SEEN_FIND];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)dev);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ino);
    return step_text(st, out, outlen);
}

int ilist_seen_add(struct import_list *l, dev_t dev, ino_t ino, const char *path)
{
    sqlite3_stmt *st = l->st[ST_SEEN_ADD];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)dev);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ino);
    sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
    return run(st);
}
