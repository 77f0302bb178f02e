/* SPDX-License-Identifier: MIT */
/* store.c -- SQLite schema, migrations and the recording API.
 *
 * The database runs in WAL mode with synchronous=NORMAL: a commit is durable against a process
 * crash (kill -9) as soon as it returns, and a power loss can lose at most the last commits but
 * never corrupts the file. Writers use BEGIN IMMEDIATE and a busy timeout, so several daemons
 * (one per port) and the CLI can share one file; each daemon batches its inserts in one
 * transaction per ~100 ms.
 *
 * The schema version lives in PRAGMA user_version. store_open() migrates step by step from
 * whatever version it finds, inside one transaction; a file from a newer imulab is refused.
 *
 * Samples are chunks: BLOBs of little-endian int16 (with a per-axis scale in the axes table)
 * or float32. Reading converts to physical float values. Statements that run per chunk are
 * prepared once and cached in struct store.
 */
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <signal.h>
#include <unistd.h>

struct store {
    sqlite3 *db;
    char err[512];
    sqlite3_stmt *chunk_insert;
    sqlite3_stmt *progress_update;
    sqlite3_stmt *hash_read, *hash_write;
    sqlite3_stmt *chunk_read; /* prepared once: train and eval read recordings one by one */
    /* the axes scales of the last recording appended to (they never change) */
    int64_t scale_rec;
    int scale_axes;
    double scale[STORE_MAX_AXES];
    int version; /* schema version of the file (older ones are only read, never written) */
};

#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* Schema version 1. */
static const char schema_v1[] =
    "CREATE TABLE devices("
    "  id INTEGER PRIMARY KEY,"
    "  board TEXT NOT NULL, sensor TEXT NOT NULL, firmware TEXT NOT NULL, port TEXT NOT NULL,"
    "  model_hash INTEGER NOT NULL DEFAULT 0,"
    "  first_seen REAL NOT NULL, last_seen REAL NOT NULL,"
    "  UNIQUE(board, sensor, firmware, port));"
    "CREATE TABLE recordings("
    "  id INTEGER PRIMARY KEY,"
    "  label TEXT NOT NULL CHECK(length(CAST(label AS BLOB)) BETWEEN 1 AND 64),"
    "  category TEXT NOT NULL DEFAULT 'unassigned'"
    "    CHECK(category IN ('training','testing','unassigned')),"
    "  subject TEXT,"
    "  device_id INTEGER REFERENCES devices(id),"
    "  started_at REAL NOT NULL,"
    "  ended_at REAL,"
    "  sample_rate_hz REAL NOT NULL CHECK(sample_rate_hz > 0),"
    "  format TEXT NOT NULL CHECK(format IN ('i16','f32')),"
    "  n_axes INTEGER NOT NULL CHECK(n_axes BETWEEN 1 AND 16),"
    "  sample_count INTEGER NOT NULL DEFAULT 0,"
    "  gap_count INTEGER NOT NULL DEFAULT 0,"
    "  missing_samples INTEGER NOT NULL DEFAULT 0,"
    "  source TEXT,"
    "  owner TEXT,"
    "  content_hash TEXT,"
    "  notes TEXT,"
    "  deleted_at REAL);"
    "CREATE INDEX recordings_label ON recordings(label, category);"
    "CREATE INDEX recordings_hash ON recordings(content_hash);"
    "CREATE TABLE axes("
    "  recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL, scale REAL NOT NULL,"
    "  PRIMARY KEY(recording_id, idx)) WITHOUT ROWID;"
    "CREATE TABLE chunks("
    "  recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL, first_sample INTEGER NOT NULL, n_samples INTEGER NOT NULL,"
    "  device_t_us INTEGER NOT NULL DEFAULT 0, data BLOB NOT NULL,"
    "  PRIMARY KEY(recording_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE gaps("
    "  recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,"
    "  at_sample INTEGER NOT NULL, missing_frames INTEGER NOT NULL,"
    "  missing_samples INTEGER NOT NULL, detected_at REAL NOT NULL);"
    "CREATE INDEX gaps_recording ON gaps(recording_id);";

/* Schema version 2: the sample name an import brought (Edge Impulse's info.labels "name"). */
static const char schema_v2[] = "ALTER TABLE recordings ADD COLUMN name TEXT;";

/* Version 3: an identity unique across stations (uid, 32 random hex digits), the time of the last
 * edit (updated_at, unix seconds), and tombstones of purged recordings, so that `imulab sync` can
 * bring stations together. Triggers keep them without any writer having to know: a new row gets a
 * uid and updated_at = started_at; an edit of label, category, subject, trash state, notes, content
 * or end moves updated_at to now (unless the statement sets updated_at itself, as sync does); a
 * deleted (purged) recording leaves its uid in tombstones.
 * hash_state/hash_samples: the content hash running over the samples appended so far (see
 * store_chunk_append), so that closing a recording takes constant time and memory. */
static const char schema_v3[] =
    "ALTER TABLE recordings ADD COLUMN uid TEXT;"
    "ALTER TABLE recordings ADD COLUMN updated_at REAL;"
    "ALTER TABLE recordings ADD COLUMN hash_state INTEGER;"
    "ALTER TABLE recordings ADD COLUMN hash_samples INTEGER;"
    "UPDATE recordings SET uid=lower(hex(randomblob(16))), updated_at=coalesce(ended_at, started_at);"
    "CREATE UNIQUE INDEX recordings_uid ON recordings(uid);"
    "CREATE TABLE tombstones(uid TEXT PRIMARY KEY, deleted_at REAL NOT NULL) WITHOUT ROWID;"
    "CREATE TRIGGER recordings_identity AFTER INSERT ON recordings"
    "  WHEN NEW.uid IS NULL OR NEW.updated_at IS NULL BEGIN"
    "  UPDATE recordings SET uid=coalesce(NEW.uid, lower(hex(randomblob(16)))),"
    "    updated_at=coalesce(NEW.updated_at, NEW.started_at) WHERE id=NEW.id; END;"
    "CREATE TRIGGER recordings_edited"
    "  AFTER UPDATE OF label,category,subject,deleted_at,notes,content_hash,ended_at ON recordings"
    "  WHEN NEW.updated_at IS OLD.updated_at BEGIN"
    "  UPDATE recordings SET updated_at=max((julianday('now')-2440587.5)*86400.0,"
    "    coalesce(OLD.updated_at,0)+1e-6) WHERE id=NEW.id; END;"
    "CREATE TRIGGER recordings_purged AFTER DELETE ON recordings WHEN OLD.uid IS NOT NULL BEGIN"
    "  INSERT OR REPLACE INTO tombstones(uid, deleted_at)"
    "    VALUES(OLD.uid, (julianday('now')-2440587.5)*86400.0); END;";

/* Version 4: per-label totals of the recordings not in the trash (label_totals), kept by
 * triggers on every insert, delete and change of label, trash state, sample count or rate, so
 * that the daemon's `labels` request reads a few rows instead of scanning every recording inside
 * its loop. seconds is the sum of sample_count / sample_rate_hz. */
#define LT_ADD(R) \
    "INSERT INTO label_totals(label, recordings, samples, seconds) VALUES(" R ".label, 1, " R ".sample_count," \
    " " R ".sample_count / " R ".sample_rate_hz) ON CONFLICT(label) DO UPDATE SET recordings=recordings+1," \
    " samples=samples+excluded.samples, seconds=seconds+excluded.seconds;"
#define LT_SUB(R) \
    "UPDATE label_totals SET recordings=recordings-1, samples=samples-" R ".sample_count," \
    " seconds=seconds-" R ".sample_count / " R ".sample_rate_hz WHERE label=" R ".label;" \
    "DELETE FROM label_totals WHERE label=" R ".label AND recordings=0;"
static const char schema_v4[] =
    "CREATE TABLE label_totals(label TEXT PRIMARY KEY, recordings INTEGER NOT NULL, samples INTEGER NOT NULL,"
    "  seconds REAL NOT NULL) WITHOUT ROWID;"
    "INSERT INTO label_totals SELECT label, count(*), sum(sample_count), sum(sample_count / sample_rate_hz)"
    "  FROM recordings WHERE deleted_at IS NULL GROUP BY label;"
    "CREATE TRIGGER label_totals_insert AFTER INSERT ON recordings WHEN NEW.deleted_at IS NULL BEGIN "
    LT_ADD("NEW") " END;"
    "CREATE TRIGGER label_totals_delete AFTER DELETE ON recordings WHEN OLD.deleted_at IS NULL BEGIN "
    LT_SUB("OLD") " END;"
    "CREATE TRIGGER label_totals_update_old AFTER UPDATE OF label, deleted_at, sample_count, sample_rate_hz"
    "  ON recordings WHEN OLD.deleted_at IS NULL BEGIN " LT_SUB("OLD") " END;"
    "CREATE TRIGGER label_totals_update_new AFTER UPDATE OF label, deleted_at, sample_count, sample_rate_hz"
    "  ON recordings WHEN NEW.deleted_at IS NULL BEGIN " LT_ADD("NEW") " END;";

/* Migrations: migrations[v] takes a database from version v to v+1. */
static const char *migrations[] = {schema_v1, schema_v2, schema_v3, schema_v4};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION, "one migration per schema version");

/* Record an error with printf-style context plus SQLite's message. */
static int fail(struct store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof s->err && s->db && sqlite3_errcode(s->db) != SQLITE_OK)
        snprintf(s->err + n, sizeof s->err - (size_t)n, ": %s", sqlite3_errmsg(s->db));
    return -1;
}

int store_schema_version(const struct store *s) { return s->version; }

double store_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

const char *store_errmsg(const struct store *s) { return s->err; }
sqlite3 *store_db(struct store *s) { return s->db; }

/* Run SQL with no results. */
static int exec(struct store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->err, sizeof s->err, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_begin(struct store *s) { return exec(s, "BEGIN IMMEDIATE"); }
int store_commit(struct store *s) { return exec(s, "COMMIT"); }
int store_rollback(struct store *s)
{
    if (sqlite3_get_autocommit(s->db))
        return 0;
    return exec(s, "ROLLBACK");
}

/* Bring the schema to STORE_SCHEMA_VERSION. */
static int migrate(struct store *s, const char *path)
{
    sqlite3_stmt *st;
    int version = 0;
    if (store_begin(s))
        return -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "%s: reading schema version", path);
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > N_MIGRATIONS) {
        store_rollback(s);
        snprintf(s->err, sizeof s->err, "%s: schema version %d is newer than this imulab (%d)", path,
                 version, N_MIGRATIONS);
        return -1;
    }
    for (int v = version; v < N_MIGRATIONS; v++) {
        if (exec(s, migrations[v])) {
            char why[400];
            snprintf(why, sizeof why, "%s", s->err);
            store_rollback(s);
            snprintf(s->err, sizeof s->err, "%s: migrating schema %d -> %d: %s", path, v, v + 1, why);
            return -1;
        }
    }
    s->version = N_MIGRATIONS;
    if (version != N_MIGRATIONS) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d", N_MIGRATIONS);
        if (exec(s, sql)) {
            store_rollback(s);
            return -1;
        }
    }
    return store_commit(s);
}

/* Is this an imulab database this imulab can use (any schema version up to its own)? Reads
 * only (no table is created, no journal mode set); notes the version in s->version. */
static int schema_check(struct store *s, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int version = -1, tables = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='recordings'", -1,
                           &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            tables = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (version < 0 || tables < 0) {
        snprintf(err, errlen, "%s: not a readable SQLite database: %s", path, sqlite3_errmsg(s->db));
        return -1;
    }
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %d is newer than this imulab's (%d): use a newer imulab", path,
                 version, STORE_SCHEMA_VERSION);
        return -1;
    }
    if (version == 0 || tables == 0) {
        snprintf(err, errlen, "%s: not an imulab database (an SQLite file without imulab's tables)", path);
        return -1;
    }
    s->version = version;
    return 0;
}

/* Shared part of the open functions. */
static int open_common(const char *path, int flags, int writable, struct store **out, char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open database: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sqlite3_close(s->db);
        free(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_extended_result_codes(s->db, 1);
    if (writable) {
        if (exec(s, "PRAGMA journal_mode=WAL") || exec(s, "PRAGMA synchronous=NORMAL") ||
            exec(s, "PRAGMA foreign_keys=ON") || migrate(s, path)) {
            snprintf(err, errlen, "%s: %s", path, s->err);
            store_close(s);
            return -1;
        }
    } else if (schema_check(s, path, err, errlen)) {
        /* an older file is read as it stands (the next writer migrates it) */
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
    return open_common(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1, out, err, errlen);
}

int store_open_readonly(const char *path, struct store **out, char *err, size_t errlen)
{
    return open_common(path, SQLITE_OPEN_READONLY, 0, out, err, errlen);
}

int store_open_existing(const char *path, struct store **out, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st)) {
        snprintf(err, errlen, "%s: no database there (%s)", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a database file (a %s)", path, S_ISDIR(st.st_mode) ? "directory" : "special file");
        return -1;
    }
    /* look before writing anything: another program's SQLite file keeps its journal mode */
    struct store *probe;
    if (open_common(path, SQLITE_OPEN_READONLY, 0, &probe, err, errlen))
        return -1;
    store_close(probe);
    return open_common(path, SQLITE_OPEN_READWRITE, 1, out, err, errlen);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->chunk_insert);
    sqlite3_finalize(s->progress_update);
    sqlite3_finalize(s->hash_read);
    sqlite3_finalize(s->hash_write);
    sqlite3_finalize(s->chunk_read);
    sqlite3_close(s->db);
    free(s);
}

/* Decode one UTF-8 sequence; returns its length or 0 if invalid. */
static int utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    int n = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && p[0] < 0xC2) || (n == 4 && p[0] > 0xF4))
        return 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && p[0] == 0xE0 && p[1] < 0xA0)
        return 0;
    if (n == 3 && p[0] == 0xED && p[1] >= 0xA0)
        return 0;
    if (n == 4 && p[0] == 0xF0 && p[1] < 0x90)
        return 0;
    if (n == 4 && p[0] == 0xF4 && p[1] >= 0x90)
        return 0;
    return n;
}

int store_label_valid(const char *label, char *why, size_t whylen)
{
    size_t len = strlen(label);
    if (len == 0) {
        snprintf(why, whylen, "label is empty");
        return 0;
    }
    if (len > STORE_LABEL_MAX) {
        snprintf(why, whylen, "label is %zu bytes, over %d", len, STORE_LABEL_MAX);
        return 0;
    }
    for (size_t i = 0; i < len;) {
        const unsigned char *p = (const unsigned char *)label + i;
        if (*p < 0x20 || *p == 0x7F) {
            snprintf(why, whylen, "label has a control character at byte %zu", i);
            return 0;
        }
        int n = utf8_len(p);
        if (n == 0) {
            snprintf(why, whylen, "label is not valid UTF-8 at byte %zu", i);
            return 0;
        }
        i += (size_t)n;
    }
    return 1;
}

int store_category_valid(const char *c)
{
    return !strcmp(c, "training") || !strcmp(c, "testing") || !strcmp(c, "unassigned");
}

/* Insert or refresh a device. */
int store_device_upsert(struct store *s, const struct store_device *d, int64_t *id)
{
    sqlite3_stmt *st;
    double now = store_now();
    const char *sql = "INSERT INTO devices(board,sensor,firmware,port,model_hash,first_seen,last_seen)"
                      " VALUES(?,?,?,?,?,?,?) ON CONFLICT(board,sensor,firmware,port)"
                      " DO UPDATE SET last_seen=excluded.last_seen, model_hash=excluded.model_hash"
                      " RETURNING id";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, "device upsert");
    sqlite3_bind_text(st, 1, d->board, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->sensor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->firmware, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, d->port, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, d->model_hash);
    sqlite3_bind_double(st, 6, now);
    sqlite3_bind_double(st, 7, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return fail(s, "device upsert");
    return 0;
}

/* Create a recording and its axes. */
int store_recording_create(struct store *s, struct store_recording *r, const char *owner)
{
    char why[128];
    sqlite3_stmt *st;
    if (!store_label_valid(r->label, why, sizeof why)) {
        snprintf(s->err, sizeof s->err, "%s", why);
        return -1;
    }
    if (!store_category_valid(r->category)) {
        snprintf(s->err, sizeof s->err, "category '%s' is not training, testing or unassigned", r->category);
        return -1;
    }
    if (r->n_axes < 1 || r->n_axes > STORE_MAX_AXES || !(r->sample_rate_hz > 0) || !isfinite(r->sample_rate_hz)) {
        snprintf(s->err, sizeof s->err, "recording needs 1..%d axes and a positive rate (got %d axes, %g Hz)",
                 STORE_MAX_AXES, r->n_axes, r->sample_rate_hz);
        return -1;
    }
    const char *sql = "INSERT INTO recordings(label,category,subject,device_id,started_at,ended_at,"
                      "sample_rate_hz,format,n_axes,sample_count,gap_count,missing_samples,source,owner,"
                      "content_hash,notes,name) VALUES(?,?,?,?,?,NULL,?,?,?,?,?,?,?,?,?,?,?)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, "recording insert");
    sqlite3_bind_text(st, 1, r->label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->category, -1, SQLITE_STATIC);
    if (r->subject[0])
        sqlite3_bind_text(st, 3, r->subject, -1, SQLITE_STATIC);
    if (r->device_id)
        sqlite3_bind_int64(st, 4, r->device_id);
    sqlite3_bind_double(st, 5, r->started_at ? r->started_at : store_now());
    sqlite3_bind_double(st, 6, r->sample_rate_hz);
    sqlite3_bind_text(st, 7, r->format == STORE_I16 ? "i16" : "f32", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, r->n_axes);
    sqlite3_bind_int64(st, 9, r->sample_count);
    sqlite3_bind_int64(st, 10, r->gap_count);
    sqlite3_bind_int64(st, 11, r->missing_samples);
    if (r->source[0])
        sqlite3_bind_text(st, 12, r->source, -1, SQLITE_STATIC);
    if (owner)
        sqlite3_bind_text(st, 13, owner, -1, SQLITE_STATIC);
    if (r->content_hash[0])
        sqlite3_bind_text(st, 14, r->content_hash, -1, SQLITE_STATIC);
    if (r->notes[0])
        sqlite3_bind_text(st, 15, r->notes, -1, SQLITE_STATIC);
    if (r->name[0])
        sqlite3_bind_text(st, 16, r->name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(s, "recording insert (label '%s')", r->label);
    r->id = sqlite3_last_insert_rowid(s->db);
    if (sqlite3_prepare_v2(s->db, "INSERT INTO axes(recording_id,idx,name,unit,scale) VALUES(?,?,?,?,?)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "axes insert");
    for (int a = 0; a < r->n_axes; a++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, r->id);
        sqlite3_bind_int(st, 2, a);
        sqlite3_bind_text(st, 3, r->axes[a].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->axes[a].unit, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, r->axes[a].scale);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return fail(s, "axes insert (recording %lld)", (long long)r->id);
        }
    }
    sqlite3_finalize(st);
    return 0;
}

/* FNV-1a over the bytes of one float32 value, little-endian. */
static uint64_t hash_float(uint64_t h, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int b = 0; b < 4; b++) {
        h ^= (u >> (8 * b)) & 0xFF;
        h *= FNV_PRIME;
    }
    return h;
}

/* Continue a content hash over n samples of raw chunk data (the physical float32 values, as
 * store_recording_samples computes them). */
static uint64_t hash_chunk(uint64_t h, const void *data, size_t n_values, int n_axes, enum store_format fmt,
                           const double *scale)
{
    if (fmt == STORE_I16) {
        const int16_t *x = data;
        for (size_t i = 0; i < n_values; i++)
            h = hash_float(h, (float)(x[i] * scale[i % (size_t)n_axes]));
    } else {
        const float *x = data;
        for (size_t i = 0; i < n_values; i++)
            h = hash_float(h, x[i]);
    }
    return h;
}

/* The axes scales of a recording (cached for the recording appended to last). */
static int load_scales(struct store *s, int64_t rec_id, int n_axes)
{
    if (s->scale_rec == rec_id && s->scale_axes == n_axes)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT idx, scale FROM axes WHERE recording_id=?", -1, &st, NULL) != SQLITE_OK)
        return fail(s, "axes read (recording %lld)", (long long)rec_id);
    sqlite3_bind_int64(st, 1, rec_id);
    for (int a = 0; a < STORE_MAX_AXES; a++)
        s->scale[a] = 1.0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int a = sqlite3_column_int(st, 0);
        if (a >= 0 && a < STORE_MAX_AXES)
            s->scale[a] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    s->scale_rec = rec_id;
    s->scale_axes = n_axes;
    return 0;
}

/* Move the recording's running content hash over a chunk that starts at first_sample: it
 * restarts at sample 0, continues when the chunk follows the samples hashed so far, and is
 * dropped (NULL: store_recording_finish then reads the chunks) when a chunk arrives out of
 * order. The state lives in the row, inside the caller's transaction, so a rollback takes it
 * back with the chunk. */
static int hash_advance(struct store *s, int64_t rec_id, int64_t first_sample, uint32_t n, int n_axes,
                        enum store_format fmt, const void *values)
{
    if (!s->hash_read &&
        (sqlite3_prepare_v3(s->db, "SELECT hash_state, hash_samples FROM recordings WHERE id=?", -1,
                            SQLITE_PREPARE_PERSISTENT, &s->hash_read, NULL) != SQLITE_OK ||
         sqlite3_prepare_v3(s->db, "UPDATE recordings SET hash_state=?, hash_samples=? WHERE id=?", -1,
                            SQLITE_PREPARE_PERSISTENT, &s->hash_write, NULL) != SQLITE_OK))
        return fail(s, "hash state");
    int have = 0;
    uint64_t h = FNV_BASIS;
    int64_t done = 0;
    sqlite3_reset(s->hash_read);
    sqlite3_bind_int64(s->hash_read, 1, rec_id);
    if (sqlite3_step(s->hash_read) == SQLITE_ROW && sqlite3_column_type(s->hash_read, 1) != SQLITE_NULL) {
        have = 1;
        h = (uint64_t)sqlite3_column_int64(s->hash_read, 0);
        done = sqlite3_column_int64(s->hash_read, 1);
    }
    sqlite3_reset(s->hash_read);
    sqlite3_reset(s->hash_write);
    if (first_sample == 0) {
        h = FNV_BASIS;
        done = 0;
        have = 1;
    }
    if (have && first_sample == done) {
        if (load_scales(s, rec_id, n_axes))
            return -1;
        h = hash_chunk(h, values, (size_t)n * (size_t)n_axes, n_axes, fmt, s->scale);
        sqlite3_bind_int64(s->hash_write, 1, (int64_t)h);
        sqlite3_bind_int64(s->hash_write, 2, done + n);
    } else {
        sqlite3_bind_null(s->hash_write, 1);
        sqlite3_bind_null(s->hash_write, 2);
    }
    sqlite3_bind_int64(s->hash_write, 3, rec_id);
    int rc = sqlite3_step(s->hash_write);
    sqlite3_reset(s->hash_write);
    return rc == SQLITE_DONE ? 0 : fail(s, "hash state (recording %lld)", (long long)rec_id);
}

/* Convert host values to a little-endian blob (in place on little-endian hosts: a copy). */
int store_chunk_append(struct store *s, int64_t rec_id, int64_t seq, int64_t first_sample, uint32_t n,
                       int n_axes, enum store_format fmt, const void *values, int64_t device_t_us)
{
    size_t bytes = (size_t)n * (size_t)n_axes * (fmt == STORE_I16 ? 2u : 4u);
    if (!s->chunk_insert &&
        sqlite3_prepare_v3(s->db,
                           "INSERT INTO chunks(recording_id,seq,first_sample,n_samples,device_t_us,data)"
                           " VALUES(?,?,?,?,?,?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &s->chunk_insert, NULL) != SQLITE_OK)
        return fail(s, "chunk insert");
    sqlite3_stmt *st = s->chunk_insert;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, rec_id);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, first_sample);
    sqlite3_bind_int64(st, 4, n);
    sqlite3_bind_int64(st, 5, device_t_us);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "big-endian hosts need a byte swap here"
#endif
    sqlite3_bind_blob64(st, 6, values, bytes, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return fail(s, "chunk insert (recording %lld, chunk %lld)", (long long)rec_id, (long long)seq);
    return hash_advance(s, rec_id, first_sample, n, n_axes, fmt, values);
}

int store_gap_add(struct store *s, int64_t rec_id, int64_t at_sample, int64_t missing_frames, int64_t missing_samples)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO gaps(recording_id,at_sample,missing_frames,missing_samples,detected_at)"
                           " VALUES(?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "gap insert");
    sqlite3_bind_int64(st, 1, rec_id);
    sqlite3_bind_int64(st, 2, at_sample);
    sqlite3_bind_int64(st, 3, missing_frames);
    sqlite3_bind_int64(st, 4, missing_samples);
    sqlite3_bind_double(st, 5, store_now());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "gap insert (recording %lld)", (long long)rec_id);
}

int store_recording_progress(struct store *s, int64_t rec_id, int64_t sample_count, int64_t gap_count,
                             int64_t missing_samples)
{
    if (!s->progress_update &&
        sqlite3_prepare_v3(s->db,
                           "UPDATE recordings SET sample_count=?, gap_count=?, missing_samples=? WHERE id=?", -1,
                           SQLITE_PREPARE_PERSISTENT, &s->progress_update, NULL) != SQLITE_OK)
        return fail(s, "progress update");
    sqlite3_stmt *st = s->progress_update;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, sample_count);
    sqlite3_bind_int64(st, 2, gap_count);
    sqlite3_bind_int64(st, 3, missing_samples);
    sqlite3_bind_int64(st, 4, rec_id);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, "progress update (recording %lld)", (long long)rec_id);
}

/* 64-bit FNV-1a over float32 little-endian values. */
void store_hash_values(const float *values, int64_t n_values, char out[17])
{
    uint64_t h = FNV_BASIS;
    for (int64_t i = 0; i < n_values; i++)
        h = hash_float(h, values[i]);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The content hash and sample count of a recording: from the running state when it covers every
 * chunk (the last chunk ends where the hash ends), else by reading the chunks one at a time. */
static int content_hash(struct store *s, int64_t rec_id, char out[17], int64_t *n_samples)
{
    sqlite3_stmt *st;
    int64_t end = 0, done = -1;
    uint64_t h = FNV_BASIS;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT hash_state, hash_samples, (SELECT first_sample + n_samples FROM chunks WHERE"
                           " recording_id=?1 ORDER BY seq DESC LIMIT 1) FROM recordings WHERE id=?1",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "hash read");
    sqlite3_bind_int64(st, 1, rec_id);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL) {
        h = (uint64_t)sqlite3_column_int64(st, 0);
        done = sqlite3_column_int64(st, 1);
        end = sqlite3_column_int64(st, 2); /* 0 (NULL) without chunks */
    }
    sqlite3_finalize(st);
    if (done >= 0 && done == end) {
        snprintf(out, 17, "%016llx", (unsigned long long)h);
        *n_samples = done;
        return 0;
    }
    /* no running state: one chunk at a time */
    struct store_recording r;
    if (store_recording_get(s, rec_id, &r))
        return -1;
    if (sqlite3_prepare_v2(s->db, "SELECT n_samples, data FROM chunks WHERE recording_id=? ORDER BY seq", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "chunks read");
    sqlite3_bind_int64(st, 1, rec_id);
    double scale[STORE_MAX_AXES];
    for (int a = 0; a < STORE_MAX_AXES; a++)
        scale[a] = r.axes[a].scale;
    size_t vsize = r.format == STORE_I16 ? 2 : 4;
    int64_t n = 0;
    int rc;
    h = FNV_BASIS;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t cn = (size_t)sqlite3_column_int64(st, 0);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 1);
        if (bytes != cn * (size_t)r.n_axes * vsize) {
            sqlite3_finalize(st);
            snprintf(s->err, sizeof s->err, "recording %lld: chunk of %zu bytes for %zu samples x %d axes",
                     (long long)rec_id, bytes, cn, r.n_axes);
            return -1;
        }
        const void *blob = sqlite3_column_blob(st, 1);
        if (cn) {
            /* blobs are little-endian; an int16 blob may be unaligned, so copy it */
            void *tmp = malloc(bytes);
            if (!tmp) {
                sqlite3_finalize(st);
                snprintf(s->err, sizeof s->err, "recording %lld: out of memory", (long long)rec_id);
                return -1;
            }
            memcpy(tmp, blob, bytes);
            h = hash_chunk(h, tmp, cn * (size_t)r.n_axes, r.n_axes, r.format, scale);
            free(tmp);
        }
        n += (int64_t)cn;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(s, "recording %lld samples", (long long)rec_id);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    *n_samples = n;
    return 0;
}

/* Finish: counts from the chunks themselves (the truth), content hash, owner cleared. Constant
 * time and memory for a recording whose chunks were all appended in order (the daemon's, an
 * import's, a trim's); otherwise one pass over the chunks, one chunk in memory at a time. */
int store_recording_finish(struct store *s, int64_t rec_id, double ended_at)
{
    int64_t n = 0;
    char hash[17];
    if (content_hash(s, rec_id, hash, &n))
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE recordings SET ended_at=?, sample_count=?, content_hash=?, owner=NULL,"
                           " gap_count=(SELECT count(*) FROM gaps WHERE recording_id=?4),"
                           " missing_samples=(SELECT coalesce(sum(missing_samples),0) FROM gaps"
                           "   WHERE recording_id=?4) WHERE id=?4",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "recording finish");
    sqlite3_bind_double(st, 1, ended_at);
    sqlite3_bind_int64(st, 2, n);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, rec_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "recording finish (recording %lld)", (long long)rec_id);
}

/* Is the writer named by an owner string "imulabd:PID:PORT" still running? */
static int owner_alive(const char *owner)
{
    const char *p = strchr(owner, ':');
    if (!p)
        return 0;
    long pid = strtol(p + 1, NULL, 10);
    if (pid <= 0)
        return 0;
    if (pid == (long)getpid())
        return 0; /* our own leftovers from before a restart in the same pid namespace */
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int store_recording_writer_alive(struct store *s, int64_t id)
{
    sqlite3_stmt *st;
    int alive = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT owner FROM recordings WHERE id=? AND ended_at IS NULL", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        alive = owner_alive((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return alive;
}

int store_recover_open(struct store *s, const char *owner_prefix, int *n_closed)
{
    sqlite3_stmt *st;
    int64_t ids[256];
    int n = 0;
    *n_closed = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id, owner FROM recordings WHERE ended_at IS NULL AND owner IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, "recovery scan");
    while (sqlite3_step(st) == SQLITE_ROW && n < 256) {
        const char *owner = (const char *)sqlite3_column_text(st, 1);
        /* owner_prefix only narrows the scan; a live writer's recording is never touched */
        if (owner && (!owner_prefix || !strncmp(owner, owner_prefix, strlen(owner_prefix))) && !owner_alive(owner))
            ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++) {
        double end = 0;
        if (sqlite3_prepare_v2(s->db, "SELECT started_at + sample_count / sample_rate_hz FROM recordings WHERE id=?",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, ids[i]);
            if (sqlite3_step(st) == SQLITE_ROW)
                end = sqlite3_column_double(st, 0);
            sqlite3_finalize(st);
        }
        if (store_recording_finish(s, ids[i], end))
            return -1;
        if (sqlite3_prepare_v2(s->db,
                               "UPDATE recordings SET notes=trim(coalesce(notes,'') || ' closed after the writer"
                               " stopped unexpectedly') WHERE id=?",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, ids[i]);
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
        (*n_closed)++;
    }
    return 0;
}

/* Copy a text column into a fixed buffer. */
static void col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

#define RECORDING_COLUMNS                                                                                       \
    "id,label,category,coalesce(subject,''),coalesce(device_id,0),started_at,coalesce(ended_at,0),"             \
    "sample_rate_hz,format,n_axes,sample_count,gap_count,missing_samples,coalesce(source,''),"                  \
    "coalesce(content_hash,''),coalesce(notes,''),coalesce(deleted_at,0),%s"
/* The name column, or '' in a version 1 file opened read-only. */
#define NAME_COLUMN(s) ((s)->version >= 2 ? "coalesce(name,'')" : "''")

/* Fill a recording from a row selected with RECORDING_COLUMNS. */
static void row_to_recording(sqlite3_stmt *st, struct store_recording *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    col_text(st, 1, r->label, sizeof r->label);
    col_text(st, 2, r->category, sizeof r->category);
    col_text(st, 3, r->subject, sizeof r->subject);
    r->device_id = sqlite3_column_int64(st, 4);
    r->started_at = sqlite3_column_double(st, 5);
    r->ended_at = sqlite3_column_double(st, 6);
    r->sample_rate_hz = sqlite3_column_double(st, 7);
    r->format = strcmp((const char *)sqlite3_column_text(st, 8), "i16") ? STORE_F32 : STORE_I16;
    r->n_axes = sqlite3_column_int(st, 9);
    r->sample_count = sqlite3_column_int64(st, 10);
    r->gap_count = sqlite3_column_int64(st, 11);
    r->missing_samples = sqlite3_column_int64(st, 12);
    col_text(st, 13, r->source, sizeof r->source);
    col_text(st, 14, r->content_hash, sizeof r->content_hash);
    col_text(st, 15, r->notes, sizeof r->notes);
    r->deleted_at = sqlite3_column_double(st, 16);
    col_text(st, 17, r->name, sizeof r->name);
}

/* Load the axes of a recording. */
static int load_axes(struct store *s, struct store_recording *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT idx,name,unit,scale FROM axes WHERE recording_id=? ORDER BY idx", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, "axes read");
    sqlite3_bind_int64(st, 1, r->id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int a = sqlite3_column_int(st, 0);
        if (a < 0 || a >= STORE_MAX_AXES)
            continue;
        col_text(st, 1, r->axes[a].name, sizeof r->axes[a].name);
        col_text(st, 2, r->axes[a].unit, sizeof r->axes[a].unit);
        r->axes[a].scale = sqlite3_column_double(st, 3);
    }
    sqlite3_finalize(st);
    return 0;
}

int store_recording_get(struct store *s, int64_t id, struct store_recording *r)
{
    sqlite3_stmt *st;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " RECORDING_COLUMNS " FROM recordings WHERE id=?", NAME_COLUMN(s));
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, "recording read");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_to_recording(st, r);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            snprintf(s->err, sizeof s->err, "no recording %lld", (long long)id);
        else
            fail(s, "recording %lld read", (long long)id);
        return -1;
    }
    return load_axes(s, r);
}

int store_recording_samples(struct store *s, int64_t id, float **values, int64_t *n_samples)
{
    struct store_recording r;
    if (store_recording_get(s, id, &r))
        return -1;
    return store_recording_samples_of(s, &r, values, n_samples);
}

int store_recording_samples_of(struct store *s, const struct store_recording *r, float **values, int64_t *n_samples)
{
    const int64_t id = r->id;
    if (!s->chunk_read &&
        sqlite3_prepare_v2(s->db, "SELECT n_samples, data FROM chunks WHERE recording_id=? ORDER BY seq", -1,
                           &s->chunk_read, NULL) != SQLITE_OK)
        return fail(s, "chunks read");
    sqlite3_stmt *st = s->chunk_read;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0, n = 0; /* in samples */
    float *v = NULL;
    int rc;
    size_t vsize = r->format == STORE_I16 ? 2 : 4, stride = (size_t)r->n_axes;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t cn = (size_t)sqlite3_column_int64(st, 0);
        const uint8_t *blob = sqlite3_column_blob(st, 1);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 1);
        if (bytes != cn * stride * vsize) {
            sqlite3_reset(st);
            free(v);
            snprintf(s->err, sizeof s->err, "recording %lld: chunk of %zu bytes for %zu samples x %zu axes",
                     (long long)id, bytes, cn, stride);
            return -1;
        }
        if (n + cn > cap) {
            /* the stored count sizes the array exactly; doubling only if the chunks hold more */
            size_t ncap = cap ? cap * 2 : (r->sample_count > 0 ? (size_t)r->sample_count : cn);
            if (ncap == 0)
                ncap = 1;
            while (ncap < n + cn)
                ncap *= 2;
            float *nv = realloc(v, ncap * stride * sizeof *v);
            if (!nv) {
                sqlite3_reset(st);
                free(v);
                snprintf(s->err, sizeof s->err, "recording %lld: out of memory", (long long)id);
                return -1;
            }
            v = nv;
            cap = ncap;
        }
        float *dst = v + n * stride;
        if (r->format == STORE_I16) {
            for (size_t i = 0; i < cn * stride; i++) {
                int16_t x = (int16_t)(blob[2 * i] | (blob[2 * i + 1] << 8));
                dst[i] = (float)(x * r->axes[i % stride].scale);
            }
        } else {
            memcpy(dst, blob, cn * stride * 4);
        }
        n += cn;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        fail(s, "recording %lld samples", (long long)id);
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    if (!v)
        v = malloc(sizeof *v); /* a valid pointer for an empty recording */
    *values = v;
    *n_samples = (int64_t)n;
    return 0;
}

int store_recording_foreach(struct store *s, const char *label, const char *category, int with_deleted,
                            store_recording_cb cb, void *arg)
{
    sqlite3_stmt *st;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " RECORDING_COLUMNS " FROM recordings WHERE (?1 IS NULL OR label=?1) AND"
             " (?2 IS NULL OR category=?2) %s ORDER BY id",
             NAME_COLUMN(s), with_deleted ? "" : "AND deleted_at IS NULL");
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, "recording list");
    if (label)
        sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    if (category)
        sqlite3_bind_text(st, 2, category, -1, SQLITE_STATIC);
    int rc;
    struct store_recording *r = malloc(sizeof *r);
    if (!r) {
        sqlite3_finalize(st);
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row_to_recording(st, r);
        if (load_axes(s, r))
            break;
        if (cb(r, arg)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    free(r);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(s, "recording list");
}
