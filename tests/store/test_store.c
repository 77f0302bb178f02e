/* SPDX-License-Identifier: MIT */
/* test_store.c -- the store on a real file: schema and migration, labels, chunk round trips,
 * recovery of recordings left open, and one hour at 1 kHz x 6 axes written and read back. */
#include "check.h"
#include "store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct store_recording make_rec(const char *label, enum store_format fmt, int axes)
{
    struct store_recording r;
    memset(&r, 0, sizeof r);
    snprintf(r.label, sizeof r.label, "%s", label);
    snprintf(r.category, sizeof r.category, "training");
    r.sample_rate_hz = 1000;
    r.format = fmt;
    r.n_axes = axes;
    for (int a = 0; a < axes; a++) {
        snprintf(r.axes[a].name, sizeof r.axes[a].name, "ax%d", a);
        snprintf(r.axes[a].unit, sizeof r.axes[a].unit, "g");
        r.axes[a].scale = fmt == STORE_I16 ? 1.0 / 4096 : 1.0;
    }
    return r;
}

static void test_labels(void)
{
    char why[128];
    CHECK(store_label_valid("wave", why, sizeof why));
    CHECK(store_label_valid("geste \xc3\xa9", why, sizeof why));
    CHECK(!store_label_valid("", why, sizeof why));
    CHECK(!store_label_valid("a\tb", why, sizeof why));
    CHECK(!store_label_valid("\xc3(", why, sizeof why));
    CHECK(!store_label_valid("\xed\xa0\x80", why, sizeof why)); /* surrogate */
    char long_label[70];
    memset(long_label, 'x', 65);
    long_label[65] = 0;
    CHECK(!store_label_valid(long_label, why, sizeof why));
    long_label[64] = 0;
    CHECK(store_label_valid(long_label, why, sizeof why));
}

/* Write one hour at 1 kHz x 6 axes in 100 ms chunks, read it back, compare. */
static void test_hour(const char *path)
{
    struct store *s;
    char err[256];
    CHECK(store_open(path, &s, err, sizeof err) == 0);
    struct store_recording r = make_rec("hour", STORE_I16, 6);
    double t0 = now_s();
    CHECK(store_begin(s) == 0);
    CHECK(store_recording_create(s, &r, NULL) == 0);
    int16_t chunk[100 * 6];
    int64_t n = 0;
    for (int c = 0; c < 36000; c++) {
        for (int i = 0; i < 600; i++)
            chunk[i] = (int16_t)((n * 6 + i) * 7);
        CHECK(store_chunk_append(s, r.id, c, n, 100, 6, STORE_I16, chunk, 0) == 0);
        n += 100;
        if (c % 100 == 99) { /* commit every 10 s of data, as a real writer would more often */
            CHECK(store_commit(s) == 0);
            CHECK(store_begin(s) == 0);
        }
    }
    CHECK(store_recording_finish(s, r.id, store_now()) == 0);
    CHECK(store_commit(s) == 0);
    double t1 = now_s();
    float *v;
    int64_t got;
    CHECK(store_recording_samples(s, r.id, &v, &got) == 0);
    double t2 = now_s();
    CHECK(got == 3600000);
    int bad = 0;
    for (int64_t i = 0; i < got * 6 && bad < 3; i++) {
        int16_t want = (int16_t)(i * 7);
        if (v[i] != (float)(want * (1.0 / 4096)))
            bad++;
    }
    CHECK(bad == 0);
    free(v);
    struct store_recording back;
    CHECK(store_recording_get(s, r.id, &back) == 0);
    CHECK(back.sample_count == 3600000);
    CHECK(strlen(back.content_hash) == 16);
    printf("one hour at 1 kHz x 6 axes: write %.2f s, read %.2f s\n", t1 - t0, t2 - t1);
    CHECK(t1 - t0 < 20 && t2 - t1 < 20); /* "in seconds"; generous for sanitizer builds */
    store_close(s);
}

static void test_roundtrip_and_recovery(const char *path)
{
    struct store *s;
    char err[256];
    CHECK(store_open(path, &s, err, sizeof err) == 0);
    struct store_recording r = make_rec("float", STORE_F32, 3);
    float vals[4 * 3] = {1.5f, -2.25f, 3, 4, 5, 6, 7, 8, 9, 1e-3f, -1e6f, 0};
    CHECK(store_begin(s) == 0);
    CHECK(store_recording_create(s, &r, "imulabd:999999999:/dev/null") == 0);
    CHECK(store_chunk_append(s, r.id, 0, 0, 4, 3, STORE_F32, vals, 0) == 0);
    CHECK(store_gap_add(s, r.id, 4, 1, 10) == 0);
    CHECK(store_recording_progress(s, r.id, 4, 1, 10) == 0);
    CHECK(store_commit(s) == 0);
    /* the owner pid does not exist: recovery closes it */
    int closed = -1;
    CHECK(store_recover_open(s, NULL, &closed) == 0);
    CHECK(closed == 1);
    struct store_recording back;
    CHECK(store_recording_get(s, r.id, &back) == 0);
    CHECK(back.ended_at > 0);
    CHECK(back.gap_count == 1 && back.missing_samples == 10);
    CHECK(strstr(back.notes, "unexpectedly") != NULL);
    float *v;
    int64_t n;
    CHECK(store_recording_samples(s, r.id, &v, &n) == 0);
    CHECK(n == 4 && memcmp(v, vals, sizeof vals) == 0);
    free(v);
    /* invalid input is refused with a reason */
    struct store_recording bad = make_rec("", STORE_F32, 3);
    CHECK(store_recording_create(s, &bad, NULL) != 0);
    CHECK(strstr(store_errmsg(s), "empty") != NULL);
    bad = make_rec("ok", STORE_F32, 0);
    CHECK(store_recording_create(s, &bad, NULL) != 0);
    CHECK(store_recording_get(s, 12345, &back) != 0 && strstr(store_errmsg(s), "no recording 12345"));
    store_close(s);
    /* reopening migrates nothing and keeps the data; read-only open works */
    CHECK(store_open_readonly(path, &s, err, sizeof err) == 0);
    CHECK(store_recording_get(s, r.id, &back) == 0);
    store_close(s);
}

static void test_newer_schema_refused(const char *path)
{
    struct store *s;
    char err[256];
    CHECK(store_open(path, &s, err, sizeof err) == 0);
    CHECK(sqlite3_exec(store_db(s), "PRAGMA user_version=99", NULL, NULL, NULL) == SQLITE_OK);
    store_close(s);
    CHECK(store_open(path, &s, err, sizeof err) != 0);
    CHECK(strstr(err, "newer") != NULL);
}

/* A version 1 file (no name column): read-only opens read it as it stands; a writer migrates it
 * to version 2 (recordings.name), keeping the data, and names are then stored and read back. */
static void test_v1_migrates(const char *path)
{
    struct store *s;
    char err[256];
    CHECK(store_open(path, &s, err, sizeof err) == 0);
    struct store_recording r = make_rec("old", STORE_F32, 3);
    CHECK(store_recording_create(s, &r, NULL) == 0);
    CHECK(sqlite3_exec(store_db(s),
                       "DROP TRIGGER recordings_identity; DROP TRIGGER recordings_edited;"
                       "DROP TRIGGER recordings_purged; DROP TABLE tombstones; DROP INDEX recordings_uid;"
                       "ALTER TABLE recordings DROP COLUMN uid; ALTER TABLE recordings DROP COLUMN updated_at;"
                       "ALTER TABLE recordings DROP COLUMN hash_state; ALTER TABLE recordings DROP COLUMN hash_samples;"
                       "ALTER TABLE recordings DROP COLUMN name; PRAGMA user_version=1",
                       NULL, NULL, NULL) == SQLITE_OK);
    store_close(s);
    struct store_recording back;
    CHECK(store_open_readonly(path, &s, err, sizeof err) == 0);
    CHECK(store_recording_get(s, r.id, &back) == 0 && !strcmp(back.label, "old") && back.name[0] == 0);
    store_close(s);
    CHECK(store_open(path, &s, err, sizeof err) == 0);
    struct store_recording n = make_rec("new", STORE_F32, 3);
    snprintf(n.name, sizeof n.name, "%s", "wave.s01 ü");
    CHECK(store_recording_create(s, &n, NULL) == 0);
    CHECK(store_recording_get(s, n.id, &back) == 0 && !strcmp(back.name, "wave.s01 ü"));
    CHECK(store_recording_get(s, r.id, &back) == 0 && !strcmp(back.label, "old"));
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(store_db(s), "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == STORE_SCHEMA_VERSION);
    sqlite3_finalize(st);
    store_close(s);
}

/* Read one number from a query (NAN when no row). */
static double query_num(struct store *s, const char *sql)
{
    sqlite3_stmt *st;
    double v = NAN;
    if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
        return NAN;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Version 2 files migrate to version 3: every recording gets a distinct uid and an updated_at;
 * edits move updated_at forward (unless the statement sets it), purges leave tombstones. */
static void test_migrate_v2(const char *path)
{
    struct store *s;
    char err[256];
    CHECK(store_open(path, &s, err, sizeof err) == 0);
    for (int i = 0; i < 3; i++) {
        struct store_recording r = make_rec("old", STORE_F32, 2);
        r.started_at = 1000 + i;
        CHECK(store_recording_create(s, &r, NULL) == 0);
        CHECK(store_recording_finish(s, r.id, 2000 + i) == 0);
    }
    /* take the file back to version 2 as an older imulab wrote it */
    CHECK(sqlite3_exec(store_db(s),
                       "DROP TRIGGER recordings_identity; DROP TRIGGER recordings_edited;"
                       "DROP TRIGGER recordings_purged; DROP TABLE tombstones; DROP INDEX recordings_uid;"
                       "ALTER TABLE recordings DROP COLUMN uid; ALTER TABLE recordings DROP COLUMN updated_at;"
                       "ALTER TABLE recordings DROP COLUMN hash_state; ALTER TABLE recordings DROP COLUMN hash_samples;"
                       "PRAGMA user_version=2",
                       NULL, NULL, NULL) == SQLITE_OK);
    store_close(s);
    CHECK(store_open_readonly(path, &s, err, sizeof err) == 0); /* readers take version 2 as it is */
    store_close(s);
    CHECK(store_open(path, &s, err, sizeof err) == 0);
    CHECK(query_num(s, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
    CHECK(query_num(s, "SELECT count(DISTINCT uid) FROM recordings WHERE length(uid)=32 AND uid NOT GLOB '*[^0-9a-f]*'") == 3);
    CHECK(query_num(s, "SELECT updated_at FROM recordings WHERE id=1") == 2000);
    /* a new recording gets a uid and updated_at = started_at */
    struct store_recording r = make_rec("new", STORE_F32, 1);
    r.started_at = 5000;
    CHECK(store_recording_create(s, &r, NULL) == 0);
    CHECK(query_num(s, "SELECT count(*) FROM recordings WHERE id=4 AND length(uid)=32 AND updated_at=5000") == 1);
    /* an edit moves updated_at to now; a statement that sets it keeps its value */
    double t0 = store_now();
    CHECK(sqlite3_exec(store_db(s), "UPDATE recordings SET label='relabelled' WHERE id=1", NULL, NULL, NULL) == SQLITE_OK);
    double t1 = query_num(s, "SELECT updated_at FROM recordings WHERE id=1");
    CHECK(t1 >= t0 - 1 && t1 <= store_now() + 1);
    CHECK(sqlite3_exec(store_db(s), "UPDATE recordings SET category='testing', updated_at=42 WHERE id=2", NULL, NULL,
                       NULL) == SQLITE_OK);
    CHECK(query_num(s, "SELECT updated_at FROM recordings WHERE id=2") == 42);
    /* a change of a column sync does not carry (the daemon's progress) is not an edit */
    CHECK(sqlite3_exec(store_db(s), "UPDATE recordings SET gap_count=7 WHERE id=3", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(query_num(s, "SELECT updated_at FROM recordings WHERE id=3") == 2002);
    /* a purge leaves a tombstone */
    CHECK(sqlite3_exec(store_db(s), "DELETE FROM recordings WHERE id=3", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(query_num(s, "SELECT count(*) FROM tombstones") == 1);
    store_close(s);
}

/* The content hash store_recording_finish writes equals the hash of all samples read back, for
 * chunks appended in order (the running hash), a chunk rolled back with its transaction, chunks
 * out of order (the chunks are read), and a rewrite from sample 0 (as trim does). */
static void test_running_hash(const char *path)
{
    struct store *s;
    char err[256], want[17];
    CHECK(store_open(path, &s, err, sizeof err) == 0);
    for (int mode = 0; mode < 3; mode++) {
        struct store_recording r = make_rec("h", STORE_I16, 3);
        r.axes[1].scale = 0.37;
        CHECK(store_recording_create(s, &r, NULL) == 0);
        int16_t v[30];
        int64_t at = 0;
        for (int k = 0; k < 5; k++) {
            int c = mode == 1 && k >= 3 ? 7 - k : k; /* mode 1: chunk 4 arrives before chunk 3 */
            at = c * 10;
            for (int i = 0; i < 30; i++)
                v[i] = (int16_t)(c * 1000 - i * 77);
            if (c == 2) { /* a chunk that is rolled back leaves the running hash as it was */
                CHECK(store_begin(s) == 0);
                CHECK(store_chunk_append(s, r.id, 99, at, 10, 3, STORE_I16, v, 0) == 0);
                CHECK(store_rollback(s) == 0);
            }
            CHECK(store_chunk_append(s, r.id, c, at, 10, 3, STORE_I16, v, 0) == 0);
        }
        if (mode == 2) { /* rewritten from sample 0, shorter */
            CHECK(sqlite3_exec(store_db(s), "DELETE FROM chunks", NULL, NULL, NULL) == SQLITE_OK);
            CHECK(store_chunk_append(s, r.id, 0, 0, 7, 3, STORE_I16, v, 0) == 0);
        }
        CHECK(store_recording_finish(s, r.id, 1) == 0);
        float *all;
        int64_t n;
        CHECK(store_recording_samples(s, r.id, &all, &n) == 0);
        CHECK(n == (mode == 2 ? 7 : 50));
        store_hash_values(all, n * 3, want);
        free(all);
        struct store_recording back;
        CHECK(store_recording_get(s, r.id, &back) == 0);
        CHECK(strcmp(back.content_hash, want) == 0);
        CHECK(back.sample_count == n);
        CHECK(query_num(s, "SELECT count(*) FROM chunks") >= 1);
        CHECK(sqlite3_exec(store_db(s), "DELETE FROM chunks", NULL, NULL, NULL) == SQLITE_OK);
    }
    store_close(s);
}

int main(void)
{
    char dir[] = "/tmp/imulab-store-XXXXXX", path[256];
    if (!mkdtemp(dir))
        return 1;
    test_labels();
    snprintf(path, sizeof path, "%s/a.db", dir);
    test_roundtrip_and_recovery(path);
    snprintf(path, sizeof path, "%s/b.db", dir);
    test_hour(path);
    snprintf(path, sizeof path, "%s/c.db", dir);
    test_newer_schema_refused(path);
    snprintf(path, sizeof path, "%s/d.db", dir);
    test_v1_migrates(path);
    snprintf(path, sizeof path, "%s/e.db", dir);
    test_migrate_v2(path);
    snprintf(path, sizeof path, "%s/f.db", dir);
    test_running_hash(path);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_MSG(system(cmd) == 0, "%s", cmd);
    return check_report("test_store");
}
