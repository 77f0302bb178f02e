/* SPDX-License-Identifier: MIT */
/* fake_daemon -- a stand-in for imulabd's control socket (docs/control.md), for imulab-tui's tests.
 *
 *   fake_daemon SOCKET MODE
 *
 *   good        answers the protocol: status/samples events, labels, recordings, record
 *               start/stop (samples counted at 100 Hz while open), delete/undelete
 *   garbage     answers every request and event stream with junk (not JSON, wrong types,
 *               binary, an over-long line, replies nobody asked for)
 *   nodevice    like good, but no device is connected (record start fails as imulabd's does)
 *   classifier  like good, plus a CLASSIFICATION event every 100 ms (class cycles 0,1,2 each
 *               second)
 *
 * Every `record start` request line is appended to SOCKET.log as received, and every stop as
 * "stopped LABEL SAMPLES". One poll loop serves any number of clients. Request lines are
 * decoded as UTF-8 with invalid bytes replaced by U+FFFD. A client whose output backs up past
 * 64 KiB is not read and gets no events until it is down to 16 KiB. A malformed JSON string
 * literal or count, or a line over 1 MiB, closes that connection (after flushing earlier
 * replies). Runs until killed.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RATE 100.0
#define EVENT_PERIOD 0.05
#define HIGH_WATER (64 * 1024)
#define LOW_WATER (16 * 1024)
#define MAX_LINE (1 << 20)
#define LONG_GARBAGE 300000

enum mode { M_GOOD, M_GARBAGE, M_NODEVICE, M_CLASSIFIER };

struct rec {
    long id;
    char *label, *category, *subject; /* subject may be NULL */
    double start, end;
    bool ended, deleted;
};

struct client {
    int fd;
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_off, out_len, out_cap;
    bool eof;       /* the peer closed its side: serve what is buffered, then close */
    bool closing;   /* flush the output, then close */
    bool paused;    /* output above HIGH_WATER, not yet down to LOW_WATER */
    bool streaming; /* subscribed: events every EVENT_PERIOD */
    double next_ev;
    unsigned long ev_i;
};

static enum mode mode;
static const char *sock_path;
static char log_path[PATH_MAX];
static double t0;
static struct rec *recs;
static size_t nrecs, recs_cap;
static long open_idx = -1; /* index into recs of the open recording, -1 if none */
static struct client **clients;
static size_t nclients, clients_cap;

struct blob {
    const char *p;
    size_t n;
};
static struct blob garbage[11];
static char long_garbage[LONG_GARBAGE + 1];

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fake_daemon: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        die("out of memory");
    return d;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define LIT(s) { s, sizeof s - 1 }
static void garbage_init(void)
{
    static const struct blob g[] = {
        LIT("this is not json\n"),
        LIT("[1,2,3]\n"),
        LIT("{\"ok\":\"yes\",\"labels\":7}\n"),
        LIT("\x01\x02\xff\xfe\x1b[2J\n"),
        LIT("{\"ok\":true,\"labels\":[{\"label\":5},{\"label\":\"\\u0007bell\"},null]}\n"),
        LIT("{\"ok\":true,\"recordings\":[{\"id\":\"x\",\"label\":null}]}\n"),
        LIT("\n"),
        { NULL, 0 }, /* LONG_GARBAGE 'x' and a newline */
        LIT("{\"event\":\"samples\",\"axes\":[1,2],\"values\":[[1,\"a\"],null,[1e308,-1e308]]}\n"),
        LIT("{\"event\":\"status\",\"connected\":\"maybe\",\"device\":[1],"
            "\"classification\":{\"scores\":\"no\"}}\n"),
        LIT("{\"event\":\"classification\",\"class\":99,\"scores\":[1,2,3,\"x\",5000,-9999]}\n"),
    };
    memcpy(garbage, g, sizeof g);
    memset(long_garbage, 'x', LONG_GARBAGE);
    long_garbage[LONG_GARBAGE] = '\n';
    garbage[7].p = long_garbage;
    garbage[7].n = sizeof long_garbage;
}

/* ---- recordings ---- */

static long nsamples(const struct rec *r)
{
    return (long)(((r->ended ? r->end : mono()) - r->start) * RATE);
}

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void add_rec_fields(cJSON *o, const struct rec *r)
{
    long n = nsamples(r);
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    cJSON_AddStringToObject(o, "label", r->label);
    cJSON_AddStringToObject(o, "category", r->category);
    add_str_or_null(o, "subject", r->subject);
    cJSON_AddNumberToObject(o, "samples", (double)n);
    cJSON_AddNumberToObject(o, "seconds", (double)n / RATE);
    cJSON_AddNumberToObject(o, "started_at", 0);
}

static void add_status_fields(cJSON *o)
{
    static const char *const axes[] = { "accX", "accY", "accZ" };
    static const char *const units[] = { "g", "g", "g" };
    const struct rec *r = open_idx >= 0 ? &recs[open_idx] : NULL;
    cJSON_AddTrueToObject(o, "ok");
    cJSON_AddBoolToObject(o, "connected", mode != M_NODEVICE);
    cJSON_AddStringToObject(o, "port", "/dev/fake");
    cJSON_AddStringToObject(o, "mode", "text");
    cJSON_AddBoolToObject(o, "recording", r != NULL);
    add_str_or_null(o, "label", r ? r->label : NULL);
    if (r)
        cJSON_AddNumberToObject(o, "recording_id", (double)r->id);
    else
        cJSON_AddNullToObject(o, "recording_id");
    cJSON_AddNullToObject(o, "subject");
    cJSON_AddStringToObject(o, "category", "unassigned");
    cJSON_AddNumberToObject(o, "recording_samples", r ? (double)nsamples(r) : 0);
    cJSON_AddNumberToObject(o, "recording_seconds", 0);
    cJSON_AddNumberToObject(o, "sample_rate_hz", RATE);
    cJSON_AddItemToObject(o, "axes", cJSON_CreateStringArray(axes, 3));
    cJSON_AddItemToObject(o, "units", cJSON_CreateStringArray(units, 3));
    cJSON_AddNullToObject(o, "device");
    cJSON_AddNumberToObject(o, "frames", (double)(long)((mono() - t0) * RATE));
    static const char *const zeros1[] = { "bytes", "crc_errors", "framing_errors", "resyncs", "gaps",
                                          "missing_samples", "text_lines", "bad_lines" };
    for (size_t i = 0; i < sizeof zeros1 / sizeof *zeros1; i++)
        cJSON_AddNumberToObject(o, zeros1[i], 0);
    cJSON_AddNumberToObject(o, "frames_per_s", RATE);
    cJSON_AddStringToObject(o, "db", "/tmp/fake.db");
    cJSON_AddNumberToObject(o, "db_errors", 0);
    cJSON_AddNumberToObject(o, "dropped_events", 0);
    cJSON_AddNumberToObject(o, "uptime_s", 1.0);
    cJSON_AddNullToObject(o, "classification");
}

static void log_line(const char *fmt, ...)
{
    FILE *f = fopen(log_path, "a");
    if (!f)
        die("%s: %s", log_path, strerror(errno));
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    if (fclose(f) != 0)
        die("%s: %s", log_path, strerror(errno));
}

/* ---- request lines ---- */

/* Decodes s[0..n) as UTF-8 into a NUL-terminated copy, each maximal invalid subpart replaced
 * by U+FFFD (as a strict decoder with replacement does). */
static char *utf8_replace(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    char *d = xrealloc(NULL, 3 * n + 1);
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned b = u[i];
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (b < 0x80) {
            d[o++] = (char)b;
            i++;
            continue;
        } else if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            if (b == 0xE0)
                lo = 0xA0;
            else if (b == 0xED)
                hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            if (b == 0xF0)
                lo = 0x90;
            else if (b == 0xF4)
                hi = 0x8F;
        } else {
            need = 0;
        }
        size_t k = 0;
        if (need) {
            for (k = 1; k <= need && i + k < n; k++) {
                unsigned c = u[i + k];
                if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF))
                    break;
            }
        }
        if (need && k == need + 1) {
            memcpy(d + o, s + i, need + 1);
            o += need + 1;
            i += need + 1;
        } else {
            memcpy(d + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += need ? k : 1;
        }
    }
    d[o] = '\0';
    return d;
}

struct tokens {
    char **v;
    size_t n, cap;
};

static void tok_push(struct tokens *t, char *s)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->v = xrealloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n++] = s;
}

static void tok_free(struct tokens *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
}

/* The JSON string literal at line[*i] (a '"'): its value, *i moved past it; NULL if malformed. */
static char *json_string_at(const char *line, size_t *i)
{
    size_t j = *i + 1;
    for (;;) {
        unsigned char c = (unsigned char)line[j];
        if (c == '\0' || c < 0x20)
            return NULL;
        if (c == '"')
            break;
        if (c == '\\') {
            if (line[j + 1] == '\0')
                return NULL;
            j++;
        }
        j++;
    }
    cJSON *v = cJSON_ParseWithLength(line + *i, j + 1 - *i);
    char *s = NULL;
    if (v && cJSON_IsString(v))
        s = xstrdup(v->valuestring);
    cJSON_Delete(v);
    if (s)
        *i = j + 1;
    return s;
}

/* Splits a request into tokens (docs/control.md, Framing); false on a malformed literal. */
static bool tokenize(const char *line, struct tokens *t)
{
    size_t i = 0, len = strlen(line);
    while (i < len) {
        if (line[i] == ' ') {
            i++;
            continue;
        }
        char *s;
        if (line[i] == '"') {
            if (!(s = json_string_at(line, &i)))
                return false;
            tok_push(t, s);
            continue;
        }
        const char *sp = strchr(line + i, ' ');
        size_t j = sp ? (size_t)(sp - line) : len;
        const char *eq = memchr(line + i, '=', j - i);
        if (eq && (size_t)(eq - line) + 1 < j && eq[1] == '"') {
            size_t k = (size_t)(eq - line) - i, at = (size_t)(eq - line) + 1;
            if (!(s = json_string_at(line, &at)))
                return false;
            char *kv = xrealloc(NULL, k + 1 + strlen(s) + 1);
            memcpy(kv, line + i, k);
            kv[k] = '=';
            strcpy(kv + k + 1, s);
            free(s);
            tok_push(t, kv);
            i = at;
            continue;
        }
        s = xrealloc(NULL, j - i + 1);
        memcpy(s, line + i, j - i);
        s[j - i] = '\0';
        tok_push(t, s);
        i = j;
    }
    return true;
}

/* An integer as a lenient int() reads it: surrounding whitespace, a sign, digits with single
 * underscores between them; saturates. False if it is not one. */
static bool parse_int(const char *s, long long *out)
{
    const char *ws = " \t\n\v\f\r";
    while (*s && strchr(ws, *s))
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (*s < '0' || *s > '9')
        return false;
    long long v = 0;
    while (*s) {
        if (*s == '_' && s[1] >= '0' && s[1] <= '9')
            s++;
        if (*s < '0' || *s > '9')
            break;
        v = v > (LLONG_MAX - 9) / 10 ? LLONG_MAX : v * 10 + (*s - '0');
        s++;
    }
    while (*s && strchr(ws, *s))
        s++;
    if (*s)
        return false;
    *out = neg ? -v : v;
    return true;
}

static cJSON *error_reply(const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddFalseToObject(o, "ok");
    cJSON_AddStringToObject(o, "error", msg);
    return o;
}

static int cmp_label(const void *a, const void *b)
{
    const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
    return strcmp(cJSON_GetObjectItemCaseSensitive(x, "label")->valuestring,
                  cJSON_GetObjectItemCaseSensitive(y, "label")->valuestring);
}

static cJSON *req_labels(void)
{
    cJSON **e = NULL;
    size_t ne = 0;
    for (size_t i = 0; i < nrecs; i++) {
        const struct rec *r = &recs[i];
        if (r->deleted)
            continue;
        size_t k;
        for (k = 0; k < ne; k++)
            if (!strcmp(cJSON_GetObjectItemCaseSensitive(e[k], "label")->valuestring, r->label))
                break;
        if (k == ne) {
            e = xrealloc(e, (ne + 1) * sizeof *e);
            e[ne] = cJSON_CreateObject();
            cJSON_AddStringToObject(e[ne], "label", r->label);
            cJSON_AddNumberToObject(e[ne], "recordings", 0);
            cJSON_AddNumberToObject(e[ne], "samples", 0);
            cJSON_AddNumberToObject(e[ne], "seconds", 0);
            ne++;
        }
        long n = nsamples(r);
        cJSON *recn = cJSON_GetObjectItemCaseSensitive(e[k], "recordings");
        cJSON *sam = cJSON_GetObjectItemCaseSensitive(e[k], "samples");
        cJSON *sec = cJSON_GetObjectItemCaseSensitive(e[k], "seconds");
        cJSON_SetNumberValue(recn, recn->valuedouble + 1);
        cJSON_SetNumberValue(sam, sam->valuedouble + (double)n);
        cJSON_SetNumberValue(sec, sec->valuedouble + (double)n / RATE);
    }
    if (ne)
        qsort(e, ne, sizeof *e, cmp_label);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    cJSON *a = cJSON_AddArrayToObject(o, "labels");
    for (size_t k = 0; k < ne; k++)
        cJSON_AddItemToArray(a, e[k]);
    free(e);
    return o;
}

static cJSON *req_recordings(struct tokens *t)
{
    long long n = 10;
    if (t->n > 1 && !parse_int(t->v[1], &n))
        return NULL;
    long long live = 0;
    for (size_t i = 0; i < nrecs; i++)
        live += !recs[i].deleted;
    long long want = n >= 0 ? (n < live ? n : live) : (live + n > 0 ? live + n : 0);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    cJSON *a = cJSON_AddArrayToObject(o, "recordings");
    for (size_t i = nrecs; i-- > 0 && want > 0;) {
        if (recs[i].deleted)
            continue;
        cJSON *r = cJSON_CreateObject();
        add_rec_fields(r, &recs[i]);
        cJSON_AddItemToArray(a, r);
        want--;
    }
    return o;
}

static cJSON *req_record_start(const char *line, struct tokens *t)
{
    if (mode == M_NODEVICE)
        return error_reply("no device is connected");
    if (open_idx >= 0)
        return error_reply("a recording is already open");
    const char *category = "unassigned", *subject = NULL;
    for (size_t i = 3; i < t->n; i++) {
        char *eq = strchr(t->v[i], '=');
        if (!eq)
            continue;
        size_t k = (size_t)(eq - t->v[i]);
        if (k == 8 && !strncmp(t->v[i], "category", 8))
            category = eq + 1;
        else if (k == 7 && !strncmp(t->v[i], "subject", 7))
            subject = eq + 1;
    }
    if (nrecs == recs_cap) {
        recs_cap = recs_cap ? 2 * recs_cap : 16;
        recs = xrealloc(recs, recs_cap * sizeof *recs);
    }
    struct rec *r = &recs[nrecs];
    *r = (struct rec){ .id = (long)nrecs + 1, .label = xstrdup(t->v[2]), .category = xstrdup(category),
                       .subject = subject ? xstrdup(subject) : NULL, .start = mono() };
    open_idx = (long)nrecs++;
    log_line("%s\n", line);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    cJSON_AddNumberToObject(o, "recording_id", (double)r->id);
    cJSON_AddStringToObject(o, "label", r->label);
    return o;
}

static cJSON *req_record_stop(void)
{
    if (open_idx < 0)
        return error_reply("no recording is open");
    struct rec *r = &recs[open_idx];
    r->end = mono();
    r->ended = true;
    open_idx = -1;
    log_line("stopped %s %ld\n", r->label, nsamples(r));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    add_rec_fields(o, r);
    cJSON_AddNumberToObject(o, "recording_id", (double)r->id);
    cJSON_AddNumberToObject(o, "gaps", 0);
    return o;
}

static cJSON *req_delete(struct tokens *t, bool del)
{
    for (size_t i = 0; i < nrecs; i++) {
        char id[32];
        snprintf(id, sizeof id, "%ld", recs[i].id);
        if (!strcmp(id, t->v[1])) {
            recs[i].deleted = del;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddTrueToObject(o, "ok");
            cJSON_AddNumberToObject(o, "id", (double)recs[i].id);
            return o;
        }
    }
    char *msg = xrealloc(NULL, strlen(t->v[1]) + 14);
    strcpy(msg, "no recording ");
    strcat(msg, t->v[1]);
    cJSON *o = error_reply(msg);
    free(msg);
    return o;
}

/* The reply to one request line (not subscribe); NULL when the request is malformed beyond
 * an error reply (the connection is then closed). */
static cJSON *handle(const char *line)
{
    struct tokens t = { 0 };
    cJSON *o = NULL;
    if (!tokenize(line, &t)) {
        fprintf(stderr, "fake_daemon: malformed string literal in request: %s\n", line);
        goto out;
    }
    const char *a = t.n > 0 ? t.v[0] : "", *b = t.n > 1 ? t.v[1] : NULL;
    if (t.n == 0)
        o = error_reply("empty request");
    else if (!strcmp(a, "ping")) {
        o = cJSON_CreateObject();
        cJSON_AddTrueToObject(o, "ok");
        cJSON_AddTrueToObject(o, "pong");
    } else if (!strcmp(a, "status")) {
        o = cJSON_CreateObject();
        add_status_fields(o);
    } else if (!strcmp(a, "labels"))
        o = req_labels();
    else if (!strcmp(a, "recordings")) {
        if (!(o = req_recordings(&t)))
            fprintf(stderr, "fake_daemon: invalid count in request: %s\n", line);
    } else if (!strcmp(a, "record") && b && !strcmp(b, "start") && t.n >= 3)
        o = req_record_start(line, &t);
    else if (!strcmp(a, "record") && b && !strcmp(b, "stop"))
        o = req_record_stop();
    else if ((!strcmp(a, "delete") || !strcmp(a, "undelete")) && t.n == 2)
        o = req_delete(&t, !strcmp(a, "delete"));
    else
        o = error_reply("unknown request");
out:
    tok_free(&t);
    return o;
}

/* ---- clients ---- */

static void out_append(struct client *c, const char *p, size_t n)
{
    if (n == 0)
        return;
    if (c->out_off && c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if (c->out_len + n > c->out_cap) {
        if (c->out_off) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        if (c->out_len + n > c->out_cap) {
            c->out_cap = 2 * (c->out_len + n);
            c->out = xrealloc(c->out, c->out_cap);
        }
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    if (c->out_len - c->out_off > HIGH_WATER)
        c->paused = true;
}

static void out_json(struct client *c, cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    if (!s)
        die("out of memory");
    out_append(c, s, strlen(s));
    out_append(c, "\n", 1);
    free(s);
    cJSON_Delete(o);
}

static void out_status_event(struct client *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "status");
    add_status_fields(o);
    out_json(c, o);
}

/* Sends what the socket takes now; false when the peer is gone. */
static bool flush(struct client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return false;
        }
        c->out_off += (size_t)w;
    }
    if (c->paused && c->out_len - c->out_off <= LOW_WATER) {
        c->paused = false;
        if (c->streaming && c->next_ev < mono() + EVENT_PERIOD)
            c->next_ev = mono() + EVENT_PERIOD;
    }
    return true;
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void one_line(struct client *c, const char *raw, size_t n)
{
    char *line = utf8_replace(raw, n);
    if (mode == M_GARBAGE) {
        const struct blob *g = &garbage[fnv1a(line) % 11];
        out_append(c, g->p, g->n);
        if (!strcmp(line, "subscribe") && !c->streaming) {
            c->streaming = true;
            c->next_ev = mono() + EVENT_PERIOD;
        }
    } else if (!strcmp(line, "subscribe")) {
        static const char ok[] = "{\"ok\":true,\"subscribed\":true}\n";
        out_append(c, ok, sizeof ok - 1);
        out_status_event(c);
        if (!c->streaming) {
            c->streaming = true;
            c->next_ev = mono() + EVENT_PERIOD;
        }
    } else {
        cJSON *o = handle(line);
        if (o)
            out_json(c, o);
        else
            c->closing = true;
    }
    free(line);
}

/* Serves the complete lines buffered, while the client is not paused. */
static void serve_lines(struct client *c)
{
    size_t off = 0;
    while (!c->closing && !c->paused && off < c->in_len) {
        char *nl = memchr(c->in + off, '\n', c->in_len - off);
        size_t n = nl ? (size_t)(nl - (c->in + off)) : c->in_len - off;
        if (n > MAX_LINE) {
            fprintf(stderr, "fake_daemon: request line over %d bytes\n", MAX_LINE);
            c->closing = true;
            break;
        }
        if (!nl && !c->eof)
            break;
        one_line(c, c->in + off, n);
        off += n + (nl != NULL);
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    if (c->eof && c->in_len == 0)
        c->closing = true;
    if (c->closing)
        c->streaming = false;
}

static bool read_client(struct client *c)
{
    if (c->in_cap - c->in_len < 65536) {
        c->in_cap = c->in_len + 65536 * 2;
        c->in = xrealloc(c->in, c->in_cap);
    }
    ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (r < 0)
        return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK;
    if (r == 0)
        c->eof = true;
    c->in_len += (size_t)r;
    return true;
}

static void emit_event(struct client *c, double now)
{
    if (mode == M_GARBAGE) {
        const struct blob *g = &garbage[c->ev_i++ % 11];
        out_append(c, g->p, g->n);
        return;
    }
    static const char *const axes[] = { "accX", "accY", "accZ" };
    double t = now - t0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "samples");
    cJSON_AddNumberToObject(o, "t", wall());
    cJSON_AddNumberToObject(o, "rate_hz", RATE);
    cJSON_AddItemToObject(o, "axes", cJSON_CreateStringArray(axes, 3));
    cJSON *vals = cJSON_AddArrayToObject(o, "values");
    for (unsigned long k = 0; k < 5; k++) {
        double tk = t + (double)k / RATE;
        double row[3] = { sin(2 * M_PI * tk), cos(3 * tk), 0.5 * (double)((c->ev_i + k) % 20) / 20 };
        cJSON_AddItemToArray(vals, cJSON_CreateDoubleArray(row, 3));
    }
    c->ev_i += 5;
    out_json(c, o);
    if (mode == M_CLASSIFIER && c->ev_i % 10 == 0) {
        int cls = (int)t % 3;
        int scores[3];
        for (int k = 0; k < 3; k++)
            scores[k] = k == cls ? 100 : -100;
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "event", "classification");
        cJSON_AddNumberToObject(o, "class", cls);
        cJSON_AddNumberToObject(o, "instructions", 41234);
        cJSON_AddItemToObject(o, "scores", cJSON_CreateIntArray(scores, 3));
        out_json(c, o);
    }
    if (c->ev_i % 50 == 0)
        out_status_event(c);
}

static void drop_client(size_t i)
{
    struct client *c = clients[i];
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
    clients[i] = clients[--nclients];
}

static void accept_clients(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return;
        }
        if (nclients == clients_cap) {
            clients_cap = clients_cap ? 2 * clients_cap : 8;
            clients = xrealloc(clients, clients_cap * sizeof *clients);
        }
        struct client *c = xrealloc(NULL, sizeof *c);
        *c = (struct client){ .fd = fd };
        clients[nclients++] = c;
    }
}

int main(int argc, char **argv)
{
    static const char *const names[] = { "good", "garbage", "nodevice", "classifier" };
    if (argc != 3) {
        fprintf(stderr, "usage: fake_daemon SOCKET good|garbage|nodevice|classifier\n");
        return 2;
    }
    sock_path = argv[1];
    size_t m;
    for (m = 0; m < 4 && strcmp(argv[2], names[m]); m++)
        ;
    if (m == 4) {
        fprintf(stderr, "fake_daemon: unknown mode %s\n", argv[2]);
        return 2;
    }
    mode = (enum mode)m;
    if (snprintf(log_path, sizeof log_path, "%s.log", sock_path) >= (int)sizeof log_path)
        die("socket path too long");
    signal(SIGPIPE, SIG_IGN);
    garbage_init();
    t0 = mono();

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(sock_path) >= sizeof sa.sun_path)
        die("socket path too long: %s", sock_path);
    strcpy(sa.sun_path, sock_path);
    if (unlink(sock_path) != 0 && errno != ENOENT)
        die("%s: %s", sock_path, strerror(errno));
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 64) != 0)
        die("%s: %s", sock_path, strerror(errno));

    struct pollfd *pfd = NULL;
    for (;;) {
        double now = mono(), wake = -1;
        pfd = xrealloc(pfd, (nclients + 1) * sizeof *pfd);
        pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
        for (size_t i = 0; i < nclients; i++) {
            struct client *c = clients[i];
            short ev = 0;
            if (!c->paused && !c->closing && !c->eof)
                ev |= POLLIN;
            if (c->out_off < c->out_len)
                ev |= POLLOUT;
            pfd[i + 1] = (struct pollfd){ .fd = c->fd, .events = ev };
            if (c->streaming && !c->paused && (wake < 0 || c->next_ev < wake))
                wake = c->next_ev;
        }
        int timeout = -1;
        if (wake >= 0)
            timeout = wake <= now ? 0 : (int)ceil((wake - now) * 1000);
        if (poll(pfd, nclients + 1, timeout) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        size_t n = nclients; /* clients accepted below are polled next time round */
        if (pfd[0].revents & POLLIN)
            accept_clients(lfd);
        now = mono();
        for (size_t i = n; i-- > 0;) {
            struct client *c = clients[i];
            short re = pfd[i + 1].revents;
            bool ok = true;
            if (re & (POLLIN | POLLHUP | POLLERR))
                ok = (pfd[i + 1].events & POLLIN) ? read_client(c) : !(re & POLLERR);
            if (ok) {
                serve_lines(c);
                if (c->streaming && !c->paused && c->next_ev <= now) {
                    emit_event(c, now);
                    c->next_ev += EVENT_PERIOD;
                    if (c->next_ev <= now)
                        c->next_ev = now + EVENT_PERIOD;
                }
                ok = flush(c);
                serve_lines(c); /* flushing may have unpaused it */
                ok = ok && flush(c);
            }
            if (!ok || (c->closing && c->out_off == c->out_len))
                drop_client(i);
        }
    }
}
