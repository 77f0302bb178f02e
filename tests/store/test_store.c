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

/* store_recording_foreach: the label and category filters, the trash, a callback that stops. */
static int count_cb(const struct store_recording *r, void *arg)
{
    int *c = arg;
    (void)r;
    return ++c[0] == c[1]; /* stop after c[1] when it is set */
}

static void test_foreach_and_writers(const char *path)
{
    struct store *s;
    char err[256];
    REQUIRE(store_open(path, &s, err, sizeof err) == 0);
    const char *labels[] = {"wave", "wave", "idle", "wave"};
    int64_t ids[4];
    CHECK(store_begin(s) == 0);
    for (int i = 0; i < 4; i++) {
        struct store_recording r = make_rec(labels[i], STORE_I16, 2);
        snprintf(r.category, sizeof r.category, "%s", i == 1 ? "testing" : "training");
        CHECK(store_recording_create(s, &r, i == 3 ? "imulabd:1:/dev/ttyX" : NULL) == 0);
        ids[i] = r.id;
        int16_t v[6] = {1, -2, 3, -4, 32767, -32768};
        CHECK(store_chunk_append(s, r.id, 0, 0, 3, 2, STORE_I16, v, 0) == 0);
        if (i < 3)
            CHECK(store_recording_finish(s, r.id, store_now()) == 0);
    }
    CHECK(sqlite3_exec(store_db(s), "UPDATE recordings SET deleted_at=1 WHERE label='idle'", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK(store_commit(s) == 0);
    int c[2] = {0, 0};
    CHECK(store_recording_foreach(s, "wave", NULL, 0, count_cb, c) == 0 && c[0] == 3);
    c[0] = 0;
    CHECK(store_recording_foreach(s, "wave", "testing", 0, count_cb, c) == 0 && c[0] == 1);
    c[0] = 0;
    CHECK(store_recording_foreach(s, NULL, NULL, 0, count_cb, c) == 0 && c[0] == 3); /* idle is in the trash */
    c[0] = 0;
    CHECK(store_recording_foreach(s, NULL, NULL, 1, count_cb, c) == 0 && c[0] == 4);
    c[0] = 0;
    c[1] = 2;
    CHECK(store_recording_foreach(s, NULL, NULL, 1, count_cb, c) == 0 && c[0] == 2); /* stopped by the callback */
    /* int16 samples come back scaled per axis */
    float *v;
    int64_t n;
    CHECK(store_recording_samples(s, ids[0], &v, &n) == 0 && n == 3);
    CHECK(v[0] == (float)(1 * (1.0 / 4096)) && v[5] == (float)(-32768 * (1.0 / 4096)));
    free(v);
    /* writers: pid 1 (init) is alive, so its open recording is not an orphan; a dead pid is */
    CHECK(store_recording_writer_alive(s, ids[3]) == 1);
    CHECK(store_recording_writer_alive(s, ids[0]) == 0); /* closed */
    int closed = -1;
    CHECK(store_recover_open(s, NULL, &closed) == 0 && closed == 0);
    const char *owners[] = {"imulabd:999999999:/dev/x", "imulabd", "imulabd:0:/dev/x", "imulabd:-5:x"};
    for (int i = 0; i < 4; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE recordings SET owner='%s' WHERE id=%lld", owners[i], (long long)ids[3]);
        CHECK(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL) == SQLITE_OK);
        CHECK_MSG(store_recording_writer_alive(s, ids[3]) == 0, "owner '%s' counted alive", owners[i]);
    }
    /* a chunk whose blob does not match its sample count is reported, not read past */
    CHECK(sqlite3_exec(store_db(s), "UPDATE chunks SET n_samples=5 WHERE seq=0 AND recording_id=1", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK(store_recording_samples(s, ids[0], &v, &n) != 0);
    CHECK_MSG(strstr(store_errmsg(s), "recording") != NULL, "%s", store_errmsg(s));
    store_close(s);
    /* a file that is not a database is refused with its name */
    char bad[300];
    snprintf(bad, sizeof bad, "%s.bad", path);
    FILE *f = fopen(bad, "w");
    REQUIRE(f != NULL);
    fputs("this is not an SQLite database, not even close; it is text and more text to fill a page\n", f);
    fclose(f);
    CHECK(store_open(bad, &s, err, sizeof err) != 0);
    CHECK_MSG(strstr(err, bad) != NULL, "%s", err);
    CHECK(store_open_readonly("/nonexistent/dir/x.db", &s, err, sizeof err) != 0 && strstr(err, "/nonexistent"));
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
    test_foreach_and_writers(path);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_MSG(system(cmd) == 0, "%s", cmd);
    return check_report("test_store");
}
