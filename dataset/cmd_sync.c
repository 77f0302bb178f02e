/* SPDX-License-Identifier: MIT */
/* cmd_sync.c -- `imulab sync`: one lab dataset on PostgreSQL, many stations on SQLite.
 *
 * Each station keeps recording into its own SQLite file, online or not. `imulab sync --remote
 * CONNINFO` brings that file together with the lab's PostgreSQL database, in both directions:
 *
 *   - Identity. Every recording carries a uid (32 random hex digits, schema v3) that is unique
 *     across stations; local ids are only local. A recording exists on a side or it does not.
 *   - Edits. Every recording carries updated_at, moved to "now" by a trigger whenever its label,
 *     category, subject, trash state, notes, content (trim) or end changes. When both sides hold a
 *     uid with different updated_at, the later edit wins and is copied over whole (metadata, and the
 *     samples too when the content hashes differ). Equal times mean equal recordings.
 *   - Deletions. `imulab purge` leaves a tombstone (uid, time). Tombstones travel both ways and win
 *     over any edit: a purged recording is gone on every station after their next sync.
 *
 * The order is: set up or check the server, exchange tombstones, then walk the union of both uid
 * sets (sorted) and push, pull or update each recording. Each recording moves in one transaction on
 * the side that receives it (BEGIN IMMEDIATE in SQLite, BEGIN in PostgreSQL), so an interrupted sync
 * (kill -9, a server that stops) leaves both sides consistent, and the next run completes it. A
 * second run moves nothing: sync is idempotent. Open recordings (still being recorded) wait for the
 * next sync.
 *
 * Memory is bounded by one chunk: samples stream chunk by chunk (libpq's single-row mode when
 * pulling), whatever the length of a recording. Only the two uid indexes (uid, updated_at, hash) are
 * held, about 80 bytes a recording.
 *
 * The server schema has its own version in imulab_meta; an empty database is set up (under an
 * advisory lock, so two stations syncing at once do not both create it), a newer one is refused.
 * Credentials go through libpq's usual means (CONNINFO, PGPASSFILE, ~/.pgpass, PG* variables) and
 * are never printed: messages name the database and host only.
 */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../store/store.h"

#define SYNC_SERVER_SCHEMA 1
#define UID_LEN 32

/* The server schema, version 1 (docs/lab.md). */
static const char server_schema_v1[] =
    "CREATE TABLE imulab_meta(key text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE recordings("
    "  uid text PRIMARY KEY, label text NOT NULL, category text NOT NULL, subject text,"
    "  board text, sensor text, firmware text, port text, model_hash bigint,"
    "  started_at double precision NOT NULL, ended_at double precision NOT NULL,"
    "  sample_rate_hz double precision NOT NULL, format text NOT NULL, n_axes integer NOT NULL,"
    "  sample_count bigint NOT NULL, gap_count bigint NOT NULL, missing_samples bigint NOT NULL,"
    "  source text, content_hash text, notes text, deleted_at double precision,"
    "  updated_at double precision NOT NULL, station text);"
    "CREATE TABLE axes(uid text NOT NULL REFERENCES recordings(uid) ON DELETE CASCADE,"
    "  idx integer NOT NULL, name text NOT NULL, unit text NOT NULL, scale double precision NOT NULL,"
    "  PRIMARY KEY(uid, idx));"
    "CREATE TABLE chunks(uid text NOT NULL REFERENCES recordings(uid) ON DELETE CASCADE,"
    "  seq bigint NOT NULL, first_sample bigint NOT NULL, n_samples integer NOT NULL,"
    "  device_t_us bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY(uid, seq));"
    "CREATE TABLE gaps(uid text NOT NULL REFERENCES recordings(uid) ON DELETE CASCADE,"
    "  at_sample bigint NOT NULL, missing_frames bigint NOT NULL, missing_samples bigint NOT NULL,"
    "  detected_at double precision NOT NULL);"
    "CREATE INDEX gaps_uid ON gaps(uid);"
    "CREATE TABLE tombstones(uid text PRIMARY KEY, deleted_at double precision NOT NULL);"
    "INSERT INTO imulab_meta VALUES('schema_version', '1');";

/* The columns a recording carries across, in this order on both sides. */
enum {
    C_UID, C_LABEL, C_CATEGORY, C_SUBJECT, C_BOARD, C_SENSOR, C_FIRMWARE, C_PORT, C_MODEL_HASH,
    C_STARTED, C_ENDED, C_RATE, C_FORMAT, C_N_AXES, C_SAMPLES, C_GAPS, C_MISSING, C_SOURCE, C_HASH,
    C_NOTES, C_DELETED, C_UPDATED, N_COLS
};

/* One side's view of a recording, for the walk. */
struct entry {
    char uid[UID_LEN + 1];
    double updated_at;
    char hash[17];
    int64_t local_id;
};

struct index {
    struct entry *e;
    size_t n, cap;
};

/* The state of one sync run. */
struct sync {
    const struct cli *cli;
    struct store *st;
    sqlite3 *db;
    PGconn *pg;
    char station[300];
    int pushed, pulled, updated, skipped_open;
    int fail_after;     /* IMULAB_SYNC_FAIL_AFTER: die (as kill -9 would) after N transfers (tests) */
    int transfers;
};

/* A recording's column values as text (NULL for SQL NULL), owned by the row. */
struct row {
    char *v[N_COLS];
};

static void row_free(struct row *r)
{
    for (int i = 0; i < N_COLS; i++) {
        free(r->v[i]);
        r->v[i] = NULL;
    }
}

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d) {
        fputs("imulab: out of memory\n", stderr);
        exit(CLI_FAIL);
    }
    return d;
}

/* A double as text that reads back to the same bits. */
static char *dbl_text(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return xstrdup(buf);
}

/* Append to an index, growing it. */
static void index_add(struct index *ix, const char *uid, double updated_at, const char *hash, int64_t id)
{
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? ix->cap * 2 : 256;
        ix->e = realloc(ix->e, ix->cap * sizeof *ix->e);
        if (!ix->e) {
            fputs("imulab: out of memory\n", stderr);
            exit(CLI_FAIL);
        }
    }
    struct entry *e = &ix->e[ix->n++];
    snprintf(e->uid, sizeof e->uid, "%s", uid);
    e->updated_at = updated_at;
    snprintf(e->hash, sizeof e->hash, "%s", hash ? hash : "");
    e->local_id = id;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->uid, ((const struct entry *)b)->uid);
}

/* Is s a uid: exactly 32 lower-case hex digits? */
static int uid_valid(const char *s)
{
    if (!s || strlen(s) != UID_LEN)
        return 0;
    for (int i = 0; i < UID_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* ---- PostgreSQL helpers ---- */

/* Report a failed libpq result with context; returns -1. */
static int pg_fail(struct sync *s, PGresult *res, const char *what)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(s->pg);
    char clean[512];
    snprintf(clean, sizeof clean, "%s", msg ? msg : "");
    size_t n = strlen(clean);
    while (n && (clean[n - 1] == '\n' || clean[n - 1] == ' '))
        clean[--n] = 0;
    cli_error("sync: server database %s: %s: %s", PQdb(s->pg), what, clean);
    if (res)
        PQclear(res);
    return -1;
}

/* Run a command with text parameters; returns the result (caller clears) or NULL after a message. */
static PGresult *pg_run(struct sync *s, const char *sql, int n, const char *const *params, const char *what)
{
    /* without parameters PQexec, which also takes several commands (the schema) */
    PGresult *res = n ? PQexecParams(s->pg, sql, n, NULL, params, NULL, NULL, 0) : PQexec(s->pg, sql);
    ExecStatusType t = PQresultStatus(res);
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
        pg_fail(s, res, what);
        return NULL;
    }
    return res;
}

/* Run a command with no result rows wanted. */
static int pg_do(struct sync *s, const char *sql, int n, const char *const *params, const char *what)
{
    PGresult *res = pg_run(s, sql, n, params, what);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

/* Set up an empty server database, or check the version of an existing one. */
static int server_prepare(struct sync *s)
{
    if (pg_do(s, "BEGIN", 0, NULL, "begin") ||
        pg_do(s, "SELECT pg_advisory_xact_lock(7170157151)", 0, NULL, "taking the setup lock"))
        return -1;
    PGresult *res = pg_run(s,
                           "SELECT to_regclass('imulab_meta') IS NOT NULL, to_regclass('recordings') IS NOT NULL",
                           0, NULL, "looking for the imulab tables");
    if (!res)
        return -1;
    int have_meta = PQgetvalue(res, 0, 0)[0] == 't', have_rec = PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);
    if (!have_meta && have_rec) {
        pg_do(s, "ROLLBACK", 0, NULL, "rollback");
        return cli_error("sync: server database %s has a 'recordings' table but no imulab_meta: not an imulab "
                         "database, nothing changed",
                         PQdb(s->pg)), -1;
    }
    if (!have_meta) {
        if (pg_do(s, server_schema_v1, 0, NULL, "setting up the imulab schema"))
            return -1;
        fprintf(stderr, "imulab: sync: set up the imulab schema (version %d) in server database %s\n",
                SYNC_SERVER_SCHEMA, PQdb(s->pg));
    } else {
        res = pg_run(s, "SELECT value FROM imulab_meta WHERE key='schema_version'", 0, NULL,
                     "reading the schema version");
        if (!res)
            return -1;
        int version = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : -1;
        PQclear(res);
        if (version != SYNC_SERVER_SCHEMA) {
            pg_do(s, "ROLLBACK", 0, NULL, "rollback");
            if (version > SYNC_SERVER_SCHEMA)
                cli_error("sync: server database %s has imulab schema version %d, newer than this imulab's (%d): "
                          "upgrade imulab on this station; nothing changed",
                          PQdb(s->pg), version, SYNC_SERVER_SCHEMA);
            else
                cli_error("sync: server database %s has no valid imulab schema version (imulab_meta "
                          "schema_version); nothing changed",
                          PQdb(s->pg));
            return -1;
        }
    }
    return pg_do(s, "COMMIT", 0, NULL, "commit");
}

/* Simulated crash for the interruption tests: leave without closing anything, as kill -9 would. */
static void maybe_die(struct sync *s)
{
    if (s->fail_after > 0 && ++s->transfers >= s->fail_after) {
        fflush(NULL);
        _exit(137);
    }
}

/* ---- tombstones ---- */

/* Purges made on either side reach the other. */
static int sync_tombstones(struct sync *s)
{
    /* local -> server */
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT uid, deleted_at FROM tombstones ORDER BY uid", -1, &q, NULL) != SQLITE_OK)
        return cli_error("sync: %s: reading tombstones: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *uid = (const char *)sqlite3_column_text(q, 0);
        char *when = dbl_text(sqlite3_column_double(q, 1));
        const char *p[2] = {uid, when};
        PGresult *res = pg_run(s,
                               "WITH t AS (INSERT INTO tombstones VALUES($1, $2::float8) ON CONFLICT DO NOTHING)"
                               " DELETE FROM recordings WHERE uid=$1",
                               2, p, "pushing a purge");
        free(when);
        if (!res) {
            sqlite3_finalize(q);
            return -1;
        }
        if (atoi(PQcmdTuples(res)) > 0)
            s->updated++;
        PQclear(res);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return cli_error("sync: %s: reading tombstones: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;

    /* server -> local */
    PGresult *res = pg_run(s, "SELECT uid, deleted_at FROM tombstones", 0, NULL, "reading the server's purges");
    if (!res)
        return -1;
    sqlite3_stmt *del;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM recordings WHERE uid=?", -1, &del, NULL) != SQLITE_OK) {
        PQclear(res);
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        const char *uid = PQgetvalue(res, i, 0);
        if (store_begin(s->st)) {
            cli_error("sync: %s: %s", s->cli->db_path, store_errmsg(s->st));
            goto fail;
        }
        sqlite3_reset(del);
        sqlite3_bind_text(del, 1, uid, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(del) != SQLITE_DONE) {
            cli_error("sync: %s: applying the purge of %s: %s", s->cli->db_path, uid, sqlite3_errmsg(s->db));
            store_rollback(s->st);
            goto fail;
        }
        int k = sqlite3_changes(s->db);
        if (store_commit(s->st)) {
            cli_error("sync: %s: commit: %s", s->cli->db_path, store_errmsg(s->st));
            store_rollback(s->st);
            goto fail;
        }
        if (k > 0)
            s->updated++;
    }
    sqlite3_finalize(del);
    PQclear(res);
    return 0;
fail:
    sqlite3_finalize(del);
    PQclear(res);
    return -1;
}

/* ---- the two indexes ---- */

/* The closed local recordings (with or without trash state). */
static int local_index(struct sync *s, struct index *ix)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT uid, updated_at, coalesce(content_hash,''), id, ended_at IS NULL FROM recordings",
                           -1, &q, NULL) != SQLITE_OK)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_int(q, 4)) {
            s->skipped_open++;
            continue;
        }
        index_add(ix, (const char *)sqlite3_column_text(q, 0), sqlite3_column_double(q, 1),
                  (const char *)sqlite3_column_text(q, 2), sqlite3_column_int64(q, 3));
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    if (ix->n)
        qsort(ix->e, ix->n, sizeof *ix->e, entry_cmp);
    return 0;
}

/* The server's recordings. */
static int server_index(struct sync *s, struct index *ix)
{
    PGresult *res = pg_run(s, "SELECT uid, updated_at, coalesce(content_hash,'') FROM recordings", 0, NULL,
                           "reading the recordings index");
    if (!res)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *uid = PQgetvalue(res, i, 0);
        if (!uid_valid(uid)) {
            PQclear(res);
            return cli_error("sync: server database %s: recording uid '%.40s' is not 32 hex digits", PQdb(s->pg),
                             uid), -1;
        }
        index_add(ix, uid, strtod(PQgetvalue(res, i, 1), NULL), PQgetvalue(res, i, 2), 0);
    }
    PQclear(res);
    if (ix->n)
        qsort(ix->e, ix->n, sizeof *ix->e, entry_cmp);
    return 0;
}

/* ---- reading a recording on either side ---- */

#define LOCAL_ROW_SQL                                                                                           \
    "SELECT r.uid, r.label, r.category, r.subject, d.board, d.sensor, d.firmware, d.port, d.model_hash,"        \
    " r.started_at, r.ended_at, r.sample_rate_hz, r.format, r.n_axes, r.sample_count, r.gap_count,"             \
    " r.missing_samples, r.source, r.content_hash, r.notes, r.deleted_at, r.updated_at"                         \
    " FROM recordings r LEFT JOIN devices d ON d.id = r.device_id WHERE r.id=?"

/* A local recording's columns as text (doubles exactly). */
static int local_row(struct sync *s, int64_t id, struct row *r)
{
    sqlite3_stmt *q;
    memset(r, 0, sizeof *r);
    if (sqlite3_prepare_v2(s->db, LOCAL_ROW_SQL, -1, &q, NULL) != SQLITE_OK)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return cli_error("sync: %s: recording %lld vanished during the sync", s->cli->db_path, (long long)id), -1;
    }
    for (int i = 0; i < N_COLS; i++) {
        int t = sqlite3_column_type(q, i);
        if (t == SQLITE_NULL)
            r->v[i] = NULL;
        else if (t == SQLITE_FLOAT)
            r->v[i] = dbl_text(sqlite3_column_double(q, i));
        else
            r->v[i] = xstrdup((const char *)sqlite3_column_text(q, i));
    }
    sqlite3_finalize(q);
    return 0;
}

#define SERVER_ROW_SQL                                                                                          \
    "SELECT uid, label, category, subject, board, sensor, firmware, port, model_hash, started_at, ended_at,"    \
    " sample_rate_hz, format, n_axes, sample_count, gap_count, missing_samples, source, content_hash, notes,"   \
    " deleted_at, updated_at FROM recordings WHERE uid=$1"

/* A server recording's columns as text. */
static int server_row(struct sync *s, const char *uid, struct row *r)
{
    memset(r, 0, sizeof *r);
    const char *p[1] = {uid};
    PGresult *res = pg_run(s, SERVER_ROW_SQL, 1, p, "reading a recording");
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return cli_error("sync: server database %s: recording %s vanished during the sync", PQdb(s->pg), uid), -1;
    }
    for (int i = 0; i < N_COLS; i++)
        r->v[i] = PQgetisnull(res, 0, i) ? NULL : xstrdup(PQgetvalue(res, 0, i));
    PQclear(res);
    return 0;
}

/* ---- push: local -> server ---- */

/* Insert the recording row on the server. */
static int server_insert_row(struct sync *s, const struct row *r)
{
    const char *p[N_COLS + 1];
    for (int i = 0; i < N_COLS; i++)
        p[i] = r->v[i];
    p[N_COLS] = s->station;
    return pg_do(s,
                 "INSERT INTO recordings(uid, label, category, subject, board, sensor, firmware, port, model_hash,"
                 " started_at, ended_at, sample_rate_hz, format, n_axes, sample_count, gap_count, missing_samples,"
                 " source, content_hash, notes, deleted_at, updated_at, station) VALUES($1,$2,$3,$4,$5,$6,$7,$8,"
                 "$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)",
                 N_COLS + 1, p, "inserting a recording");
}

/* Copy a local recording's axes, chunks and gaps to the server (the row exists there). */
static int server_insert_samples(struct sync *s, int64_t id, const char *uid)
{
    sqlite3_stmt *q;
    int rc;
    /* axes */
    if (sqlite3_prepare_v2(s->db, "SELECT idx, name, unit, scale FROM axes WHERE recording_id=? ORDER BY idx", -1, &q,
                           NULL) != SQLITE_OK)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    sqlite3_bind_int64(q, 1, id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char *scale = dbl_text(sqlite3_column_double(q, 3));
        const char *p[5] = {uid, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
                            (const char *)sqlite3_column_text(q, 2), scale};
        int bad = pg_do(s, "INSERT INTO axes VALUES($1,$2,$3,$4,$5)", 5, p, "inserting axes");
        free(scale);
        if (bad) {
            sqlite3_finalize(q);
            return -1;
        }
    }
    sqlite3_finalize(q);
    /* chunks, one at a time: data goes as binary bytea */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, first_sample, n_samples, device_t_us, data FROM chunks WHERE recording_id=?"
                           " ORDER BY seq",
                           -1, &q, NULL) != SQLITE_OK)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    sqlite3_bind_int64(q, 1, id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *p[6] = {uid, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
                            (const char *)sqlite3_column_text(q, 2), (const char *)sqlite3_column_text(q, 3),
                            (const char *)sqlite3_column_blob(q, 4)};
        int lens[6] = {0, 0, 0, 0, 0, sqlite3_column_bytes(q, 4)};
        int fmts[6] = {0, 0, 0, 0, 0, 1};
        if (!p[5])
            p[5] = "";
        PGresult *res = PQexecParams(s->pg, "INSERT INTO chunks VALUES($1,$2,$3,$4,$5,$6)", 6, NULL, p, lens, fmts, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            sqlite3_finalize(q);
            return pg_fail(s, res, "inserting samples");
        }
        PQclear(res);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return cli_error("sync: %s: reading samples of recording %lld: %s", s->cli->db_path, (long long)id,
                         sqlite3_errmsg(s->db)), -1;
    /* gaps */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT at_sample, missing_frames, missing_samples, detected_at FROM gaps WHERE"
                           " recording_id=? ORDER BY rowid",
                           -1, &q, NULL) != SQLITE_OK)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    sqlite3_bind_int64(q, 1, id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char *det = dbl_text(sqlite3_column_double(q, 3));
        const char *p[5] = {uid, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
                            (const char *)sqlite3_column_text(q, 2), det};
        int bad = pg_do(s, "INSERT INTO gaps VALUES($1,$2,$3,$4,$5)", 5, p, "inserting gaps");
        free(det);
        if (bad) {
            sqlite3_finalize(q);
            return -1;
        }
    }
    sqlite3_finalize(q);
    return 0;
}

/* Send a local recording: whole when new or when its samples changed, else its metadata. */
static int push(struct sync *s, const struct entry *local, const struct entry *server)
{
    struct row r;
    if (local_row(s, local->local_id, &r))
        return -1;
    int status = -1;
    if (pg_do(s, "BEGIN", 0, NULL, "begin"))
        goto out;
    if (!server || strcmp(local->hash, server->hash)) {
        const char *p[1] = {local->uid};
        if ((server && pg_do(s, "DELETE FROM recordings WHERE uid=$1", 1, p, "replacing a recording")) ||
            server_insert_row(s, &r) || server_insert_samples(s, local->local_id, local->uid))
            goto rollback;
    } else {
        const char *p[6] = {r.v[C_UID], r.v[C_LABEL], r.v[C_CATEGORY], r.v[C_SUBJECT], r.v[C_NOTES], r.v[C_DELETED]};
        const char *p2[7] = {p[0], p[1], p[2], p[3], p[4], p[5], r.v[C_UPDATED]};
        if (pg_do(s,
                  "UPDATE recordings SET label=$2, category=$3, subject=$4, notes=$5, deleted_at=$6::float8,"
                  " updated_at=$7::float8 WHERE uid=$1",
                  7, p2, "updating a recording"))
            goto rollback;
    }
    if (pg_do(s, "COMMIT", 0, NULL, "commit"))
        goto out;
    if (server)
        s->updated++;
    else
        s->pushed++;
    status = 0;
    maybe_die(s);
    goto out;
rollback:
    pg_do(s, "ROLLBACK", 0, NULL, "rollback");
out:
    row_free(&r);
    return status;
}

/* ---- pull: server -> local ---- */

/* Check a server row before it enters the local file. */
static int server_row_valid(const struct row *r)
{
    char why[128];
    const char *uid = r->v[C_UID];
    if (!r->v[C_LABEL] || !store_label_valid(r->v[C_LABEL], why, sizeof why))
        return cli_error("sync: server recording %s: %s", uid, r->v[C_LABEL] ? why : "no label"), -1;
    if (!r->v[C_CATEGORY] || !store_category_valid(r->v[C_CATEGORY]))
        return cli_error("sync: server recording %s: category '%s' is not training, testing or unassigned", uid,
                         r->v[C_CATEGORY] ? r->v[C_CATEGORY] : "(null)"), -1;
    if (!r->v[C_FORMAT] || (strcmp(r->v[C_FORMAT], "i16") && strcmp(r->v[C_FORMAT], "f32")))
        return cli_error("sync: server recording %s: format '%s' is not i16 or f32", uid,
                         r->v[C_FORMAT] ? r->v[C_FORMAT] : "(null)"), -1;
    int n_axes = r->v[C_N_AXES] ? atoi(r->v[C_N_AXES]) : 0;
    if (n_axes < 1 || n_axes > STORE_MAX_AXES)
        return cli_error("sync: server recording %s: %d axes, want 1..%d", uid, n_axes, STORE_MAX_AXES), -1;
    double rate = r->v[C_RATE] ? strtod(r->v[C_RATE], NULL) : 0;
    if (!(rate > 0) || !isfinite(rate))
        return cli_error("sync: server recording %s: sample rate %s is not positive", uid,
                         r->v[C_RATE] ? r->v[C_RATE] : "(null)"), -1;
    return 0;
}

/* The local device id for the server row's board/sensor/firmware/port (0: none). */
static int local_device(struct sync *s, const struct row *r, int64_t *id)
{
    *id = 0;
    if (!r->v[C_BOARD])
        return 0;
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.board, sizeof d.board, "%s", r->v[C_BOARD]);
    snprintf(d.sensor, sizeof d.sensor, "%s", r->v[C_SENSOR] ? r->v[C_SENSOR] : "");
    snprintf(d.firmware, sizeof d.firmware, "%s", r->v[C_FIRMWARE] ? r->v[C_FIRMWARE] : "");
    snprintf(d.port, sizeof d.port, "%s", r->v[C_PORT] ? r->v[C_PORT] : "");
    d.model_hash = r->v[C_MODEL_HASH] ? (uint32_t)strtoull(r->v[C_MODEL_HASH], NULL, 10) : 0;
    if (store_device_upsert(s->st, &d, id))
        return cli_error("sync: %s: %s", s->cli->db_path, store_errmsg(s->st)), -1;
    return 0;
}

/* Bind a text value or NULL. */
static void bind_text_or_null(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

/* Bind a number given as text, or NULL. */
static void bind_num_or_null(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_double(q, i, strtod(v, NULL));
    else
        sqlite3_bind_null(q, i);
}

/* Fetch the server's axes, chunks and gaps of uid into local recording id. */
static int local_insert_samples(struct sync *s, const char *uid, int64_t id, int n_axes, int bytes_per_value)
{
    const char *p[1] = {uid};
    sqlite3_stmt *q;
    PGresult *res = pg_run(s, "SELECT idx, name, unit, scale FROM axes WHERE uid=$1 ORDER BY idx", 1, p, "reading axes");
    if (!res)
        return -1;
    if (PQntuples(res) != n_axes) {
        PQclear(res);
        return cli_error("sync: server recording %s: %d axes listed, %d said", uid, PQntuples(res), n_axes), -1;
    }
    if (sqlite3_prepare_v2(s->db, "INSERT INTO axes(recording_id, idx, name, unit, scale) VALUES(?,?,?,?,?)", -1, &q,
                           NULL) != SQLITE_OK) {
        PQclear(res);
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    }
    for (int i = 0; i < n_axes; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int(q, 2, atoi(PQgetvalue(res, i, 0)));
        sqlite3_bind_text(q, 3, PQgetvalue(res, i, 1), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, PQgetvalue(res, i, 2), -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(q, 5, strtod(PQgetvalue(res, i, 3), NULL));
        if (sqlite3_step(q) != SQLITE_DONE) {
            sqlite3_finalize(q);
            PQclear(res);
            return cli_error("sync: %s: axes of %s: %s", s->cli->db_path, uid, sqlite3_errmsg(s->db)), -1;
        }
    }
    sqlite3_finalize(q);
    PQclear(res);

    /* chunks stream one row at a time (binary results), so memory is one chunk */
    if (!PQsendQueryParams(s->pg,
                           "SELECT seq::text, first_sample::text, n_samples::text, device_t_us::text, data FROM chunks"
                           " WHERE uid=$1 ORDER BY seq",
                           1, NULL, p, NULL, NULL, 1) ||
        !PQsetSingleRowMode(s->pg))
        return pg_fail(s, NULL, "reading samples");
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO chunks(recording_id, seq, first_sample, n_samples, device_t_us, data)"
                           " VALUES(?,?,?,?,?,?)",
                           -1, &q, NULL) != SQLITE_OK)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    int status = 0;
    while ((res = PQgetResult(s->pg))) {
        ExecStatusType t = PQresultStatus(res);
        if (t == PGRES_SINGLE_TUPLE && status == 0) {
            long long seq = atoll(PQgetvalue(res, 0, 0));
            long long n = atoll(PQgetvalue(res, 0, 2));
            int len = PQgetlength(res, 0, 4);
            if (n < 0 || (long long)len != n * n_axes * bytes_per_value) {
                cli_error("sync: server recording %s, chunk %lld: %d bytes for %lld samples of %d axes", uid, seq,
                          len, n, n_axes);
                status = -1;
            } else {
                sqlite3_reset(q);
                sqlite3_bind_int64(q, 1, id);
                sqlite3_bind_int64(q, 2, seq);
                sqlite3_bind_int64(q, 3, atoll(PQgetvalue(res, 0, 1)));
                sqlite3_bind_int64(q, 4, n);
                sqlite3_bind_int64(q, 5, atoll(PQgetvalue(res, 0, 3)));
                sqlite3_bind_blob(q, 6, PQgetvalue(res, 0, 4), len, SQLITE_TRANSIENT);
                if (sqlite3_step(q) != SQLITE_DONE) {
                    cli_error("sync: %s: chunk %lld of %s: %s", s->cli->db_path, seq, uid, sqlite3_errmsg(s->db));
                    status = -1;
                }
            }
        } else if (t != PGRES_SINGLE_TUPLE && t != PGRES_TUPLES_OK && status == 0) {
            const char *m = PQresultErrorMessage(res);
            cli_error("sync: server database %s: reading samples of %s: %s", PQdb(s->pg), uid, m ? m : "");
            status = -1;
        }
        PQclear(res);
    }
    sqlite3_finalize(q);
    if (status)
        return -1;

    res = pg_run(s, "SELECT at_sample, missing_frames, missing_samples, detected_at FROM gaps WHERE uid=$1", 1, p,
                 "reading gaps");
    if (!res)
        return -1;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO gaps(recording_id, at_sample, missing_frames, missing_samples, detected_at)"
                           " VALUES(?,?,?,?,?)",
                           -1, &q, NULL) != SQLITE_OK) {
        PQclear(res);
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    }
    for (int i = 0; i < PQntuples(res) && status == 0; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, id);
        for (int k = 0; k < 3; k++)
            sqlite3_bind_int64(q, 2 + k, atoll(PQgetvalue(res, i, k)));
        sqlite3_bind_double(q, 5, strtod(PQgetvalue(res, i, 3), NULL));
        if (sqlite3_step(q) != SQLITE_DONE) {
            cli_error("sync: %s: gaps of %s: %s", s->cli->db_path, uid, sqlite3_errmsg(s->db));
            status = -1;
        }
    }
    sqlite3_finalize(q);
    PQclear(res);
    return status;
}

/* Write the server row's columns into the local recording (all but updated_at, which comes last:
 * the edit trigger moves it while the other columns change, then it is set to the server's). */
static int local_write_row(struct sync *s, const struct row *r, int64_t id, int64_t device_id)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE recordings SET label=?, category=?, subject=?, device_id=?, started_at=?,"
                           " ended_at=?, sample_rate_hz=?, format=?, n_axes=?, sample_count=?, gap_count=?,"
                           " missing_samples=?, source=?, content_hash=?, notes=?, deleted_at=?, owner=NULL"
                           " WHERE id=?",
                           -1, &q, NULL) != SQLITE_OK)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    bind_text_or_null(q, 1, r->v[C_LABEL]);
    bind_text_or_null(q, 2, r->v[C_CATEGORY]);
    bind_text_or_null(q, 3, r->v[C_SUBJECT]);
    if (device_id)
        sqlite3_bind_int64(q, 4, device_id);
    bind_num_or_null(q, 5, r->v[C_STARTED]);
    bind_num_or_null(q, 6, r->v[C_ENDED]);
    bind_num_or_null(q, 7, r->v[C_RATE]);
    bind_text_or_null(q, 8, r->v[C_FORMAT]);
    sqlite3_bind_int(q, 9, atoi(r->v[C_N_AXES]));
    sqlite3_bind_int64(q, 10, r->v[C_SAMPLES] ? atoll(r->v[C_SAMPLES]) : 0);
    sqlite3_bind_int64(q, 11, r->v[C_GAPS] ? atoll(r->v[C_GAPS]) : 0);
    sqlite3_bind_int64(q, 12, r->v[C_MISSING] ? atoll(r->v[C_MISSING]) : 0);
    bind_text_or_null(q, 13, r->v[C_SOURCE]);
    bind_text_or_null(q, 14, r->v[C_HASH]);
    bind_text_or_null(q, 15, r->v[C_NOTES]);
    bind_num_or_null(q, 16, r->v[C_DELETED]);
    sqlite3_bind_int64(q, 17, id);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return cli_error("sync: %s: writing recording %s: %s", s->cli->db_path, r->v[C_UID], sqlite3_errmsg(s->db)), -1;
    if (sqlite3_prepare_v2(s->db, "UPDATE recordings SET updated_at=? WHERE id=?", -1, &q, NULL) != SQLITE_OK)
        return cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1;
    sqlite3_bind_double(q, 1, strtod(r->v[C_UPDATED], NULL));
    sqlite3_bind_int64(q, 2, id);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : (cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db)), -1);
}

/* Bring a server recording here: new, replaced (samples changed) or its metadata updated. */
static int pull(struct sync *s, const struct entry *server, const struct entry *local)
{
    struct row r;
    if (server_row(s, server->uid, &r))
        return -1;
    int status = -1;
    if (server_row_valid(&r))
        goto out;
    if (store_begin(s->st)) {
        cli_error("sync: %s: %s", s->cli->db_path, store_errmsg(s->st));
        goto out;
    }
    int64_t device_id, id = local ? local->local_id : 0;
    if (local_device(s, &r, &device_id))
        goto rollback;
    int whole = !local || strcmp(local->hash, server->hash);
    if (!local) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO recordings(uid, label, category, started_at, ended_at, sample_rate_hz,"
                               " format, n_axes, updated_at) VALUES(?,?,?,?,?,?,?,?,?)",
                               -1, &q, NULL) != SQLITE_OK) {
            cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db));
            goto rollback;
        }
        bind_text_or_null(q, 1, r.v[C_UID]);
        bind_text_or_null(q, 2, r.v[C_LABEL]);
        bind_text_or_null(q, 3, r.v[C_CATEGORY]);
        bind_num_or_null(q, 4, r.v[C_STARTED]);
        bind_num_or_null(q, 5, r.v[C_ENDED]);
        bind_num_or_null(q, 6, r.v[C_RATE]);
        bind_text_or_null(q, 7, r.v[C_FORMAT]);
        sqlite3_bind_int(q, 8, atoi(r.v[C_N_AXES]));
        bind_num_or_null(q, 9, r.v[C_UPDATED]);
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE) {
            cli_error("sync: %s: inserting recording %s: %s", s->cli->db_path, server->uid, sqlite3_errmsg(s->db));
            goto rollback;
        }
        id = sqlite3_last_insert_rowid(s->db);
    } else if (whole) {
        sqlite3_stmt *q;
        const char *del[] = {"DELETE FROM axes WHERE recording_id=?", "DELETE FROM chunks WHERE recording_id=?",
                             "DELETE FROM gaps WHERE recording_id=?"};
        for (int k = 0; k < 3; k++) {
            if (sqlite3_prepare_v2(s->db, del[k], -1, &q, NULL) != SQLITE_OK) {
                cli_error("sync: %s: %s", s->cli->db_path, sqlite3_errmsg(s->db));
                goto rollback;
            }
            sqlite3_bind_int64(q, 1, id);
            int rc = sqlite3_step(q);
            sqlite3_finalize(q);
            if (rc != SQLITE_DONE) {
                cli_error("sync: %s: replacing recording %s: %s", s->cli->db_path, server->uid, sqlite3_errmsg(s->db));
                goto rollback;
            }
        }
    }
    if (whole && local_insert_samples(s, server->uid, id, atoi(r.v[C_N_AXES]),
                                      strcmp(r.v[C_FORMAT], "i16") ? 4 : 2))
        goto rollback;
    if (local_write_row(s, &r, id, device_id))
        goto rollback;
    if (store_commit(s->st)) {
        cli_error("sync: %s: commit: %s", s->cli->db_path, store_errmsg(s->st));
        goto rollback;
    }
    if (local)
        s->updated++;
    else
        s->pulled++;
    status = 0;
    maybe_die(s);
    goto out;
rollback:
    store_rollback(s->st);
out:
    row_free(&r);
    return status;
}

/* Walk both sorted indexes together. */
static int walk(struct sync *s, const struct index *loc, const struct index *srv)
{
    size_t i = 0, j = 0;
    while (i < loc->n || j < srv->n) {
        int c = i >= loc->n ? 1 : j >= srv->n ? -1 : strcmp(loc->e[i].uid, srv->e[j].uid);
        int bad;
        if (c < 0)
            bad = push(s, &loc->e[i++], NULL);
        else if (c > 0)
            bad = pull(s, &srv->e[j++], NULL);
        else {
            const struct entry *l = &loc->e[i++], *r = &srv->e[j++];
            /* the later edit wins; equal times are the same recording */
            if (l->updated_at > r->updated_at)
                bad = push(s, l, r);
            else if (l->updated_at < r->updated_at)
                bad = pull(s, r, l);
            else
                bad = 0;
        }
        if (bad)
            return -1;
    }
    return 0;
}

static const char *sync_help =
    "usage: imulab sync --remote CONNINFO [--json]\n"
    "\n"
    "Brings this station's database (--db) together with the lab's PostgreSQL database, both ways:\n"
    "recordings the server lacks are pushed, those this station lacks are pulled, and edits (relabel,\n"
    "category, subject, trim, rm, restore) travel with the later edit winning. Purged recordings are\n"
    "purged everywhere. An empty server database is set up; a second run moves nothing.\n"
    "\n"
    "  --remote CONNINFO  the server as libpq takes it, e.g.\n"
    "                     postgresql:///lab?host=/run/postgresql or \"dbname=lab host=db.lab\";\n"
    "                     passwords through ~/.pgpass or PGPASSWORD (never printed)\n"
    "  --json             print {\"pushed\":N,\"pulled\":N,\"updated\":N}\n"
    "\n"
    "docs/lab.md describes one server with many stations, backups, and what happens offline.\n";

int cmd_sync(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"remote", required_argument, NULL, 'r'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *remote = NULL;
    int json = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt("sync", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'r': remote = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(sync_help, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("sync", "unexpected argument '%s'", argv[optind]);
    if (!remote || !*remote)
        return cli_usage("sync", "--remote CONNINFO is required");

    struct sync s;
    memset(&s, 0, sizeof s);
    s.cli = cli;
    const char *fa = getenv("IMULAB_SYNC_FAIL_AFTER");
    s.fail_after = fa ? atoi(fa) : 0;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    snprintf(s.station, sizeof s.station, "%s", host);

    char *err = NULL;
    PQconninfoOption *ci = PQconninfoParse(remote, &err);
    if (!ci) {
        int r = cli_usage("sync", "--remote: not a libpq connection string: %s", err ? err : "out of memory");
        PQfreemem(err);
        return r;
    }
    PQconninfoFree(ci);
    s.pg = PQconnectdb(remote);
    if (PQstatus(s.pg) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(s.pg));
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = 0;
        PQfinish(s.pg);
        return cli_error("sync: cannot connect to the server: %s", msg);
    }
    int status = CLI_FAIL;
    struct index loc = {0}, srv = {0};
    s.st = cli_open_store(cli, 1);
    if (!s.st)
        goto out;
    s.db = store_db(s.st);
    if (server_prepare(&s) || sync_tombstones(&s) || local_index(&s, &loc) || server_index(&s, &srv) ||
        walk(&s, &loc, &srv))
        goto out;
    status = CLI_OK;
out:
    if (status == CLI_OK || s.pushed || s.pulled || s.updated) {
        if (json)
            printf("{\"pushed\":%d,\"pulled\":%d,\"updated\":%d}\n", s.pushed, s.pulled, s.updated);
        else
            printf("sync with %s: pushed %d, pulled %d, updated %d%s\n", PQdb(s.pg), s.pushed, s.pulled, s.updated,
                   status == CLI_OK ? "" : " before the error");
    }
    if (s.skipped_open)
        fprintf(stderr, "imulab: sync: %d recording%s still being recorded, left for the next sync\n", s.skipped_open,
                s.skipped_open == 1 ? "" : "s");
    free(loc.e);
    free(srv.e);
    store_close(s.st);
    PQfinish(s.pg);
    return status;
}
