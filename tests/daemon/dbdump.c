/* SPDX-License-Identifier: MIT */
/* dbdump -- read a recording's samples straight from an imulab SQLite file (test helper).
 *
 *   dbdump DB ID               one line per sample: raw int16 values (i16 recordings) or
 *                              float32 values printed with %.9g (f32 recordings), comma-separated
 *   dbdump --check LOG DB ID   compare recording ID with an imulab-sim --log file:
 *                              - the DB rows equal a contiguous run of the rows the log holds
 *                                (log rows of corrupted/dropped frames are absent from the log),
 *                                value for value (text logs: each value as strtof of the text sent);
 *                              - every jump in the log's sample index n between consecutive matched
 *                                rows is a row of the gaps table with at_sample = DB row index and
 *                                missing_samples = the jump, and the gaps table has nothing else;
 *                              - i16 recordings: axis scales equal the log's config line;
 *                              - a closed recording's content_hash equals the FNV-1a 64 of the
 *                                physical float32 values, and sample_count equals the rows.
 *                              Prints key=value facts on one line (rows first_n last_n log_last_n
 *                              gaps missing hash) and exits 0, or prints one reason and exits 1.
 *
 * Written against the schema only (it does not use the store library), so it checks the store
 * as an outsider would read it.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_AXES 16

struct rec {
    int64_t id;
    bool f32;
    int n_axes;
    double scale[MAX_AXES];
    int64_t n;        /* rows */
    int16_t *i16;     /* n * n_axes */
    float *f;         /* n * n_axes (f32 recordings) */
    int64_t sample_count;
    bool ended;
    char hash[32];
};

struct logrow {
    int64_t n;
    float v[MAX_AXES];
    int16_t r[MAX_AXES];
    int nv;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dbdump: ", stdout);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    exit(1);
}

static void load(const char *path, int64_t id, struct rec *r)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    memset(r, 0, sizeof *r);
    r->id = id;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die("%s: %s", path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db,
                           "SELECT format, n_axes, sample_count, ended_at IS NOT NULL, coalesce(content_hash,'')"
                           " FROM recordings WHERE id=?",
                           -1, &st, NULL) != SQLITE_OK)
        die("%s: %s", path, sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW)
        die("%s: no recording %" PRId64, path, id);
    r->f32 = strcmp((const char *)sqlite3_column_text(st, 0), "f32") == 0;
    r->n_axes = sqlite3_column_int(st, 1);
    r->sample_count = sqlite3_column_int64(st, 2);
    r->ended = sqlite3_column_int(st, 3) != 0;
    snprintf(r->hash, sizeof r->hash, "%s", (const char *)sqlite3_column_text(st, 4));
    sqlite3_finalize(st);
    if (r->n_axes < 1 || r->n_axes > MAX_AXES)
        die("recording %" PRId64 ": %d axes", id, r->n_axes);
    if (sqlite3_prepare_v2(db, "SELECT idx, scale FROM axes WHERE recording_id=?", -1, &st, NULL) != SQLITE_OK)
        die("%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int a = sqlite3_column_int(st, 0);
        if (a >= 0 && a < r->n_axes)
            r->scale[a] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT seq, first_sample, n_samples, data FROM chunks WHERE recording_id=? ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        die("%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0, vs = r->f32 ? 4 : 2;
    int64_t want_seq = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0), first = sqlite3_column_int64(st, 1);
        int64_t cn = sqlite3_column_int64(st, 2);
        const unsigned char *blob = sqlite3_column_blob(st, 3);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 3);
        if (seq != want_seq)
            die("recording %" PRId64 ": chunk seq %" PRId64 " where %" PRId64 " was expected", id, seq, want_seq);
        if (first != r->n)
            die("recording %" PRId64 ": chunk %" PRId64 " first_sample %" PRId64 ", expected %" PRId64, id, seq,
                first, r->n);
        if (cn < 0 || bytes != (size_t)cn * (size_t)r->n_axes * vs)
            die("recording %" PRId64 ": chunk %" PRId64 " has %zu bytes for %" PRId64 " samples", id, seq, bytes, cn);
        want_seq++;
        if ((size_t)(r->n + cn) > cap) {
            cap = cap ? cap * 2 : 4096;
            while (cap < (size_t)(r->n + cn))
                cap *= 2;
            r->i16 = realloc(r->i16, cap * (size_t)r->n_axes * sizeof *r->i16);
            r->f = realloc(r->f, cap * (size_t)r->n_axes * sizeof *r->f);
            if (!r->i16 || !r->f)
                die("out of memory");
        }
        for (size_t i = 0; i < (size_t)cn * (size_t)r->n_axes; i++) {
            size_t k = (size_t)r->n * (size_t)r->n_axes + i;
            if (r->f32) {
                uint32_t u = (uint32_t)blob[4 * i] | (uint32_t)blob[4 * i + 1] << 8 | (uint32_t)blob[4 * i + 2] << 16 |
                             (uint32_t)blob[4 * i + 3] << 24;
                memcpy(&r->f[k], &u, 4);
                r->i16[k] = 0;
            } else {
                r->i16[k] = (int16_t)(uint16_t)(blob[2 * i] | blob[2 * i + 1] << 8);
                r->f[k] = (float)(r->i16[k] * r->scale[i % (size_t)r->n_axes]);
            }
        }
        r->n += cn;
    }
    if (rc != SQLITE_DONE)
        die("reading chunks: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Gaps of the recording, in insertion order. */
static int load_gaps(const char *path, int64_t id, int64_t (*g)[2], int max)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die("%s: %s", path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, "SELECT at_sample, missing_samples FROM gaps WHERE recording_id=? ORDER BY rowid", -1,
                           &st, NULL) != SQLITE_OK)
        die("%s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n >= max)
            die("more than %d gaps", max);
        g[n][0] = sqlite3_column_int64(st, 0);
        g[n][1] = sqlite3_column_int64(st, 1);
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void hash_values(const float *v, int64_t n, char out[17])
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int64_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        for (int b = 0; b < 4; b++) {
            h ^= (u >> (8 * b)) & 0xFF;
            h *= 0x100000001b3ull;
        }
    }
    snprintf(out, 17, "%016" PRIx64, h);
}

/* Parse the values after "seq,i,n," of a log line. */
static int parse_values(char *s, struct logrow *lr, bool text)
{
    int nv = 0;
    char *p = s;
    while (*p && nv < MAX_AXES) {
        char *end;
        errno = 0;
        if (text) {
            lr->v[nv] = strtof(p, &end);
        } else {
            long x = strtol(p, &end, 10);
            if (x < -32768 || x > 32767)
                return -1;
            lr->r[nv] = (int16_t)x;
        }
        if (end == p || errno)
            return -1;
        nv++;
        p = end;
        if (*p == ',' || *p == '\t' || *p == ' ')
            p++;
        else if (*p == '\n' || *p == '\r' || !*p)
            break;
        else
            return -1;
    }
    lr->nv = nv;
    return 0;
}

static int check(const char *logpath, const char *dbpath, int64_t id)
{
    struct rec r;
    load(dbpath, id, &r);
    FILE *f = fopen(logpath, "r");
    if (!f)
        die("%s: %s", logpath, strerror(errno));
    char line[4096];
    size_t n = 0, cap = 0;
    struct logrow *L = NULL;
    double acc_scale = 0, gyr_scale = 0;
    bool text = r.f32;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') {
            const char *p = strstr(line, "accel_scale=");
            if (p)
                acc_scale = strtod(p + 12, NULL);
            p = strstr(line, "gyro_scale=");
            if (p)
                gyr_scale = strtod(p + 11, NULL);
            continue;
        }
        if (!strncmp(line, "seq,", 4))
            continue;
        char *c1 = strchr(line, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
        if (!c3)
            continue; /* a partial last line of a log cut by kill */
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            L = realloc(L, cap * sizeof *L);
            if (!L)
                die("out of memory");
        }
        L[n].n = strtoll(c2 + 1, NULL, 10);
        if (parse_values(c3 + 1, &L[n], text) || L[n].nv != r.n_axes)
            continue; /* partial line */
        n++;
    }
    fclose(f);
    if (n == 0)
        die("%s: no sample rows", logpath);
    if (r.n == 0)
        die("recording %" PRId64 " has no samples", id);
    /* find the contiguous run */
    size_t k0 = (size_t)-1;
    for (size_t k = 0; k + (size_t)r.n <= n; k++) {
        bool ok = true;
        for (int64_t j = 0; j < r.n && ok; j++)
            for (int a = 0; a < r.n_axes && ok; a++) {
                size_t di = (size_t)j * (size_t)r.n_axes + (size_t)a;
                if (text)
                    ok = memcmp(&L[k + (size_t)j].v[a], &r.f[di], 4) == 0;
                else
                    ok = L[k + (size_t)j].r[a] == r.i16[di];
            }
        if (ok) {
            k0 = k;
            break;
        }
    }
    if (k0 == (size_t)-1) {
        /* say where the longest matching prefix ends, to make failures readable */
        int64_t best = -1;
        size_t bestk = 0;
        for (size_t k = 0; k < n; k++) {
            int64_t j = 0;
            for (; j < r.n && k + (size_t)j < n; j++) {
                bool ok = true;
                for (int a = 0; a < r.n_axes && ok; a++) {
                    size_t di = (size_t)j * (size_t)r.n_axes + (size_t)a;
                    ok = text ? memcmp(&L[k + (size_t)j].v[a], &r.f[di], 4) == 0 : L[k + (size_t)j].r[a] == r.i16[di];
                }
                if (!ok)
                    break;
            }
            if (j > best) {
                best = j;
                bestk = k;
            }
        }
        die("recording %" PRId64 " (%" PRId64 " rows) is not a contiguous run of %s (%zu rows): longest match %" PRId64
            " rows from log n=%" PRId64,
            id, r.n, logpath, n, best, best >= 0 ? L[bestk].n : -1);
    }
    /* expected gaps from jumps in n */
    int64_t (*want)[2] = calloc(4096, sizeof *want);
    int64_t (*got)[2] = calloc(4096, sizeof *got);
    if (!want || !got)
        die("out of memory");
    int nw = 0;
    for (int64_t j = 0; j < r.n; j++) {
        size_t k = k0 + (size_t)j;
        if (k == 0)
            continue;
        int64_t jump = L[k].n - L[k - 1].n - 1;
        if (jump < 0)
            die("log: n goes back at row %zu", k);
        if (jump > 0) {
            if (nw >= 4096)
                die("too many gaps");
            want[nw][0] = j;
            want[nw][1] = jump;
            nw++;
        }
    }
    int ng = load_gaps(dbpath, id, got, 4096);
    /* a gap at sample 0 may or may not be seen (it can precede the recording's start) */
    int wi = 0, gi = 0;
    if (nw && want[0][0] == 0 && !(ng && got[0][0] == 0))
        wi = 1;
    if (nw - wi != ng)
        die("gaps table has %d rows, the log shows %d jumps", ng, nw - wi);
    for (; gi < ng; gi++, wi++)
        if (got[gi][0] != want[wi][0] || got[gi][1] != want[wi][1])
            die("gap %d: table at_sample=%" PRId64 " missing=%" PRId64 ", log says at_sample=%" PRId64
                " missing=%" PRId64,
                gi, got[gi][0], got[gi][1], want[wi][0], want[wi][1]);
    int64_t missing = 0;
    for (int i = 0; i < ng; i++)
        missing += got[i][1];
    if (!text) {
        if (!(acc_scale > 0 && gyr_scale > 0))
            die("%s: no config line with scales", logpath);
        for (int a = 0; a < r.n_axes; a++) {
            double want_s = a < 3 ? acc_scale : gyr_scale;
            if (fabs(r.scale[a] - want_s) > 1e-7 * want_s)
                die("axis %d scale %.10g, the simulator used %.10g", a, r.scale[a], want_s);
        }
    }
    const char *hash = "open";
    if (r.ended) {
        char h[17];
        hash_values(r.f, r.n * r.n_axes, h);
        if (strcmp(h, r.hash))
            die("content_hash '%s', the samples hash to %s", r.hash, h);
        if (r.sample_count != r.n)
            die("sample_count %" PRId64 " but %" PRId64 " rows in chunks", r.sample_count, r.n);
        hash = "ok";
    }
    printf("rows=%" PRId64 " first_n=%" PRId64 " last_n=%" PRId64 " log_last_n=%" PRId64 " gaps=%d missing=%" PRId64
           " hash=%s\n",
           r.n, L[k0].n, L[k0 + (size_t)r.n - 1].n, L[n - 1].n, ng, missing, hash);
    free(want);
    free(got);
    free(L);
    free(r.i16);
    free(r.f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--check"))
        return check(argv[2], argv[3], strtoll(argv[4], NULL, 10));
    if (argc != 3) {
        fprintf(stderr, "usage: dbdump DB ID | dbdump --check SIMLOG DB ID\n");
        return 2;
    }
    struct rec r;
    load(argv[1], strtoll(argv[2], NULL, 10), &r);
    for (int64_t i = 0; i < r.n; i++) {
        for (int a = 0; a < r.n_axes; a++) {
            size_t k = (size_t)i * (size_t)r.n_axes + (size_t)a;
            if (r.f32)
                printf(a ? ",%.9g" : "%.9g", (double)r.f[k]);
            else
                printf(a ? ",%d" : "%d", r.i16[k]);
        }
        putchar('\n');
    }
    free(r.i16);
    free(r.f);
    return 0;
}
