/* SPDX-License-Identifier: MIT */
/* control.c -- imulabd's Unix-domain control socket (protocol in docs/control.md).
 *
 * Clients send one request per line and get one JSON line back. Every socket is
 * non-blocking and served from main.c's poll loop, and no client can hold that loop (which
 * also reads the serial port) for long:
 *   - fairness: each poll turn serves at most REQUESTS_PER_TURN requests of a client, visits
 *     clients round-robin, and stops after CONTROL_TURN_BUDGET_S of work; bytes a client sent
 *     beyond that wait in its raw input buffer (at most RAW_IN_MAX bytes) for the next turn;
 *   - backpressure: a client whose reply queue holds CLIENT_OUT_MAX bytes or more is not read
 *     (nor its buffered requests served) until it reads its replies, so the queue can pass the
 *     cap by at most one reply: memory per client is bounded;
 *   - events to a subscriber that does not read are dropped past the cap (counted);
 *   - idle timeout: a client that sends nothing for idle_timeout_s (and is not a subscriber
 *     that still reads its events, nor waiting for a device answer) is closed, as is one whose
 *     full queue has not drained for that long;
 *   - more than MAX_CLIENTS clients: the extra one is answered "too many clients" and its
 *     request is read (so its write does not fail with a broken pipe) before it is closed.
 * The bytes allocated for reply queues are reported by `status` (control_buffer_bytes, at most
 * MAX_CLIENTS x (CLIENT_OUT_MAX + one reply)); docs/security.md lists the limits.
 *
 * `device ...` requests are forwarded to the device as command frames; the reply waits for
 * the device's ACK or NAK with the same token, or fails after DEVICE_TIMEOUT_S. A client's
 * later requests wait for that reply, so replies stay in request order.
 *
 * The socket is created with mode 0660 (group access for the imulab group), a stale socket
 * file from a crashed daemon is replaced, and a live one (something accepts on it) makes
 * start-up fail with a clear reason.
 */
#define _GNU_SOURCE
#include "daemon.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CLIENTS 32
#define REQUEST_MAX 4096
#define RAW_IN_MAX 4096
#define CLIENT_OUT_MAX (256 * 1024)
#define MAX_TOKENS 16
#define DEVICE_TIMEOUT_S 1.0
#define REQUESTS_PER_TURN 16
#define CONTROL_TURN_BUDGET_S 0.004
#define MAX_TURNED_AWAY 16
#define TURN_AWAY_LINGER_S 1.0

struct client {
    int fd;
    unsigned gen;
    char in[REQUEST_MAX + 1];
    size_t in_len;
    bool discarding; /* request over REQUEST_MAX: drop to end of line */
    bool had_nul;    /* ... or it held a NUL byte */
    char raw[RAW_IN_MAX]; /* received, not yet looked at (waits while the client is over budget) */
    size_t raw_off, raw_len;
    char *out;
    size_t out_len, out_cap;
    bool subscribed;
    bool closing;
    int pfd;             /* index in this turn's pollfds, or -1 */
    double last_request; /* when it last sent bytes (or connected) */
    double last_drain;   /* when its reply queue was last below the cap */
};

/* A client turned away (too many clients): told so, its request read and dropped. */
struct turned_away {
    int fd;
    int pfd;
    double deadline;
};

struct pending_device {
    bool used;
    uint16_t token;
    int client;
    unsigned gen;
    double deadline;
    char what[32];
    int new_baud;  /* `device baud N`: switch the port to N once the device ACKs */
};

struct control {
    struct daemon *d;
    int listen_fd;
    char path[108];
    struct client clients[MAX_CLIENTS];
    unsigned gen;
    struct pending_device pend[16];
    double last_status_event, last_samples_event;
    int rr;   /* round-robin start for the next turn */
    int listen_pfd;
    struct turned_away away[MAX_TURNED_AWAY];
};

/* Queue bytes for a client; events may be refused when the buffer is full. */
static bool client_queue(struct control *c, struct client *cl, const char *s, size_t n, bool is_event)
{
    if (cl->fd < 0)
        return false;
    if (is_event && cl->out_len + n > CLIENT_OUT_MAX) {
        c->d->c.dropped_events++;
        return false;
    }
    if (cl->out_len + n > cl->out_cap) {
        /* doubling up to the cap, then exactly what one more reply needs */
        size_t cap = cl->out_cap ? cl->out_cap : 4096;
        while (cap < cl->out_len + n && cap < CLIENT_OUT_MAX)
            cap *= 2;
        if (cap < cl->out_len + n)
            cap = cl->out_len + n;
        char *p = realloc(cl->out, cap);
        if (!p)
            return false;
        cl->out = p;
        cl->out_cap = cap;
    }
    memcpy(cl->out + cl->out_len, s, n);
    cl->out_len += n;
    return true;
}

/* Serialise a JSON object as one line and queue it. Takes ownership of obj. */
static void client_send_json(struct control *c, struct client *cl, cJSON *obj, bool is_event)
{
    char *s = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!s)
        return;
    size_t n = strlen(s);
    s[n] = '\n'; /* cJSON allocates strlen + 1: the NUL becomes the newline */
    client_queue(c, cl, s, n + 1, is_event);
    free(s);
}

/* {"ok":false,"error":...} */
static void reply_error(struct control *c, struct client *cl, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reply_error(struct control *c, struct client *cl, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddFalseToObject(o, "ok");
    cJSON_AddStringToObject(o, "error", msg);
    client_send_json(c, cl, o, false);
}

static cJSON *ok_object(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    return o;
}

/* Try to write queued output; on a fatal error the client is closed. */
static void client_flush(struct control *c, struct client *cl)
{
    (void)c;
    while (cl->fd >= 0 && cl->out_len) {
        ssize_t n = send(cl->fd, cl->out, cl->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            memmove(cl->out, cl->out + n, cl->out_len - (size_t)n);
            cl->out_len -= (size_t)n;
            if (cl->out_len == 0 && cl->out_cap > 65536) {
                free(cl->out); /* a burst is over: give the memory back */
                cl->out = NULL;
                cl->out_cap = 0;
            }
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        } else {
            cl->closing = true;
            cl->out_len = 0;
            return;
        }
    }
}

/* A client may go once it asked to (or hung up), its replies are out, and no device command
 * it sent is still waiting for the device. */
static bool client_done(struct control *c, struct client *cl)
{
    if (!cl->closing || cl->out_len)
        return false;
    for (int i = 0; i < (int)(sizeof c->pend / sizeof c->pend[0]); i++)
        if (c->pend[i].used && &c->clients[c->pend[i].client] == cl && c->pend[i].gen == cl->gen)
            return false;
    return true;
}

static void client_close(struct client *cl)
{
    if (cl->fd >= 0)
        close(cl->fd);
    free(cl->out);
    memset(cl, 0, sizeof *cl);
    cl->fd = -1;
    cl->pfd = -1;
}

/* Does the client wait for a device answer? Its later requests wait with it. */
static bool client_waits_device(const struct control *c, const struct client *cl)
{
    for (int i = 0; i < (int)(sizeof c->pend / sizeof c->pend[0]); i++)
        if (c->pend[i].used && &c->clients[c->pend[i].client] == cl && c->pend[i].gen == cl->gen)
            return true;
    return false;
}

/* May the daemon look at more of what the client sent? Not while its replies pile up. */
static bool client_may_serve(const struct control *c, const struct client *cl)
{
    return cl->fd >= 0 && !cl->closing && cl->out_len < CLIENT_OUT_MAX && !client_waits_device(c, cl);
}

/* Open the listening socket. */
struct control *control_open(struct daemon *d, const char *path, char *why, size_t whylen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(why, whylen, "--socket %s: path longer than %zu bytes", path, sizeof sa.sun_path - 1);
        return NULL;
    }
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(why, whylen, "--socket %s: exists and is not a socket", path);
            close(fd);
            return NULL;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            close(fd);
            snprintf(why, whylen, "--socket %s: another imulabd is listening there", path);
            return NULL;
        }
        if (probe >= 0)
            close(probe);
        unlink(path); /* stale, from a daemon that died */
    }
    mode_t old = umask(0117);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0 || chmod(path, 0660) != 0 || listen(fd, 16) != 0) {
        snprintf(why, whylen, "--socket %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    struct control *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        unlink(path);
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    c->d = d;
    c->listen_fd = fd;
    snprintf(c->path, sizeof c->path, "%s", path);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        c->clients[i].fd = -1;
        c->clients[i].pfd = -1;
    }
    for (int i = 0; i < MAX_TURNED_AWAY; i++)
        c->away[i].fd = -1;
    return c;
}

/* Close every client and remove the socket file. */
void control_close(struct control *c)
{
    if (!c)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        client_flush(c, &c->clients[i]);
        client_close(&c->clients[i]);
    }
    for (int i = 0; i < MAX_TURNED_AWAY; i++)
        if (c->away[i].fd >= 0)
            close(c->away[i].fd);
    close(c->listen_fd);
    unlink(c->path);
    free(c);
}

/* Does the JSON string body [p, end) escape a NUL (\u0000)? cJSON would cut the string there. */
static bool has_nul_escape(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p != '\\' || p + 1 >= end)
            continue;
        p++;
        if (*p == 'u' && end - p > 4 && !strncmp(p + 1, "0000", 4))
            return true;
    }
    return false;
}

/* Split a request into tokens; "..." tokens are JSON strings. Returns count or -1. */
static int tokenize(char *line, char **tok, char **heap, int max, const char **why)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return n;
        if (n >= max) {
            *why = "too many words in the request";
            return -1;
        }
        char *eq = NULL;
        char *start = p;
        /* key="quoted value": find the quote after '=' */
        char *q = p;
        while (*q && *q != ' ' && *q != '"' && *q != '=')
            q++;
        if (*q == '=' && q[1] == '"')
            eq = q;
        char *quote = eq ? eq + 1 : (*p == '"' ? p : NULL);
        if (quote) {
            /* scan to the closing quote, honouring backslash escapes */
            char *e = quote + 1;
            while (*e && *e != '"') {
                if (*e == '\\' && e[1])
                    e++;
                e++;
            }
            if (*e != '"') {
                *why = "unterminated string";
                return -1;
            }
            if (has_nul_escape(quote + 1, e)) {
                *why = "a string holds \\u0000 (a NUL byte), which no label or name may hold";
                return -1;
            }
            char save = e[1];
            e[1] = 0;
            cJSON *js = cJSON_Parse(quote);
            e[1] = save;
            if (!js || !cJSON_IsString(js)) {
                cJSON_Delete(js);
                *why = "bad string literal";
                return -1;
            }
            size_t klen = eq ? (size_t)(eq - start + 1) : 0;
            size_t vlen = strlen(js->valuestring);
            char *t = malloc(klen + vlen + 1);
            if (!t) {
                cJSON_Delete(js);
                *why = "out of memory";
                return -1;
            }
            memcpy(t, start, klen);
            memcpy(t + klen, js->valuestring, vlen + 1);
            cJSON_Delete(js);
            heap[n] = t;
            tok[n++] = t;
            p = e + 1;
            if (*p && *p != ' ' && *p != '\t') {
                *why = "text right after a closing quote";
                return -1;
            }
        } else {
            tok[n] = p;
            heap[n] = NULL;
            n++;
            while (*p && *p != ' ' && *p != '\t')
                p++;
            if (*p)
                *p++ = 0;
        }
    }
}

/* Bytes allocated for client queues (replies and events); the input buffers are fixed. */
static size_t control_buffer_bytes(const struct control *c)
{
    size_t n = 0;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (c->clients[i].fd >= 0)
            n += c->clients[i].out_cap;
    return n;
}

static int control_clients(const struct control *c)
{
    int n = 0;
    for (int i = 0; i < MAX_CLIENTS; i++)
        n += c->clients[i].fd >= 0;
    return n;
}

/* The status object shared by `status` and status events. */
static cJSON *status_object(struct daemon *d)
{
    cJSON *o = ok_object();
    struct recording *r = &d->rec;
    cJSON_AddBoolToObject(o, "connected", ingest_connected(d));
    cJSON_AddStringToObject(o, "port", d->port_path);
    cJSON_AddBoolToObject(o, "port_open", d->port_open);
    cJSON_AddStringToObject(o, "mode", ingest_mode_name(d->mode));
    cJSON_AddBoolToObject(o, "recording", r->open);
    if (r->open) {
        cJSON_AddStringToObject(o, "label", r->label);
        cJSON_AddNumberToObject(o, "recording_id", (double)r->id);
        if (r->subject[0])
            cJSON_AddStringToObject(o, "subject", r->subject);
        else
            cJSON_AddNullToObject(o, "subject");
        cJSON_AddStringToObject(o, "category", r->category);
        cJSON_AddNumberToObject(o, "recording_samples", (double)r->total_samples);
        cJSON_AddNumberToObject(o, "recording_seconds", mono_now() - r->started_mono);
    } else {
        cJSON_AddNullToObject(o, "label");
        cJSON_AddNullToObject(o, "recording_id");
    }
    cJSON_AddNumberToObject(o, "sample_rate_hz", d->dev.rate_hz);
    cJSON *axes = cJSON_AddArrayToObject(o, "axes");
    cJSON *units = cJSON_AddArrayToObject(o, "units");
    for (int a = 0; a < d->dev.n_axes && d->dev.known; a++) {
        cJSON_AddItemToArray(axes, cJSON_CreateString(d->dev.axis_name[a]));
        cJSON_AddItemToArray(units, cJSON_CreateString(d->dev.axis_unit[a]));
    }
    if (d->dev.known) {
        cJSON *dev = cJSON_AddObjectToObject(o, "device");
        char fw[32];
        snprintf(fw, sizeof fw, "%u.%u.%u", d->dev.hello.fw_major, d->dev.hello.fw_minor, d->dev.hello.fw_patch);
        cJSON_AddStringToObject(dev, "board", d->dev.hello.board);
        cJSON_AddStringToObject(dev, "firmware", d->mode == MODE_TEXT ? "" : fw);
        cJSON_AddStringToObject(dev, "sensor", d->dev.hello.sensor);
        cJSON_AddNumberToObject(dev, "model_hash", d->dev.hello.model_hash);
        cJSON_AddBoolToObject(dev, "classifier", (d->dev.hello.flags & PROTO_FLAG_CLASSIFIER) != 0);
        cJSON_AddBoolToObject(dev, "synthetic", (d->dev.hello.flags & PROTO_FLAG_SYNTHETIC) != 0);
    } else {
        cJSON_AddNullToObject(o, "device");
    }
    struct counters *k = &d->c;
    cJSON_AddNumberToObject(o, "frames", (double)k->frames);
    cJSON_AddNumberToObject(o, "bytes", (double)k->bytes);
    cJSON_AddNumberToObject(o, "crc_errors", (double)k->crc_errors);
    cJSON_AddNumberToObject(o, "framing_errors", (double)k->framing_errors);
    cJSON_AddNumberToObject(o, "resyncs", (double)k->resyncs);
    cJSON_AddNumberToObject(o, "gaps", (double)k->gaps);
    cJSON_AddNumberToObject(o, "missing_samples", (double)k->missing_samples);
    cJSON_AddNumberToObject(o, "text_lines", (double)k->text_lines);
    cJSON_AddNumberToObject(o, "bad_lines", (double)k->bad_lines);
    cJSON_AddNumberToObject(o, "long_lines", (double)k->long_lines);
    if (d->text_problem[0])
        cJSON_AddStringToObject(o, "text_problem", d->text_problem);
    else
        cJSON_AddNullToObject(o, "text_problem");
    cJSON_AddNumberToObject(o, "samples", (double)k->samples);
    cJSON_AddNumberToObject(o, "frames_per_s", d->fps);
    cJSON_AddNumberToObject(o, "device_errors", (double)k->device_errors);
    cJSON_AddStringToObject(o, "db", d->db_path);
    cJSON_AddNumberToObject(o, "db_errors", (double)k->db_errors);
    cJSON_AddNumberToObject(o, "db_dropped_samples", (double)k->db_dropped_samples);
    cJSON_AddNumberToObject(o, "dropped_events", (double)k->dropped_events);
    cJSON_AddNumberToObject(o, "idle_timeout_s", d->idle_timeout_s);
    cJSON_AddNumberToObject(o, "control_clients", control_clients(d->control));
    cJSON_AddNumberToObject(o, "control_buffer_bytes", (double)control_buffer_bytes(d->control));
    cJSON_AddNumberToObject(o, "clients_turned_away", (double)k->clients_turned_away);
    cJSON_AddNumberToObject(o, "clients_timed_out", (double)k->clients_timed_out);
    cJSON_AddNumberToObject(o, "uptime_s", mono_now() - d->start_t);
    if (d->cls.valid) {
        cJSON *cl = cJSON_AddObjectToObject(o, "classification");
        cJSON_AddNumberToObject(cl, "class", d->cls.c.class_index);
        cJSON *sc = cJSON_AddArrayToObject(cl, "scores");
        for (int i = 0; i < d->cls.c.n_classes; i++)
            cJSON_AddItemToArray(sc, cJSON_CreateNumber(d->cls.c.scores[i]));
        cJSON_AddNumberToObject(cl, "instructions", d->cls.c.instructions);
        if (d->cls.c.flags & PROTO_CLS_ANOMALY) { /* firmware with an anomaly model */
            cJSON_AddNumberToObject(cl, "anomaly", d->cls.c.anomaly);
            cJSON_AddBoolToObject(cl, "unknown", (d->cls.c.flags & PROTO_CLS_UNKNOWN) != 0);
            cJSON_AddNumberToObject(cl, "unknown_count", d->cls.unknown);
        }
    } else {
        cJSON_AddNullToObject(o, "classification");
    }
    /* the device's decision (threshold, smoothing, interval of the model): class null = uncertain */
    if (d->cls.have_decision) {
        cJSON *de = cJSON_AddObjectToObject(o, "decision");
        if (d->cls.decision.class_index == PROTO_EVENT_UNCERTAIN)
            cJSON_AddNullToObject(de, "class");
        else
            cJSON_AddNumberToObject(de, "class", d->cls.decision.class_index);
        cJSON_AddNumberToObject(de, "votes", d->cls.decision.votes);
        cJSON_AddNumberToObject(de, "events", d->cls.events);
    } else {
        cJSON_AddNullToObject(o, "decision");
    }
    return o;
}

/* `labels`: per-label totals from the database, read from label_totals (kept by triggers,
 * docs/schema.md), so the answer costs a few rows whatever the number of recordings. */
static void req_labels(struct control *c, struct client *cl)
{
    sqlite3_stmt *st;
    sqlite3 *db = store_db(c->d->store);
    if (sqlite3_prepare_v2(db,
                           "SELECT label, recordings, samples, seconds FROM label_totals ORDER BY label",
                           -1, &st, NULL) != SQLITE_OK) {
        reply_error(c, cl, "database: %s", sqlite3_errmsg(db));
        return;
    }
    cJSON *o = ok_object();
    cJSON *arr = cJSON_AddArrayToObject(o, "labels");
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "label", (const char *)sqlite3_column_text(st, 0));
        cJSON_AddNumberToObject(l, "recordings", sqlite3_column_int64(st, 1));
        cJSON_AddNumberToObject(l, "samples", (double)sqlite3_column_int64(st, 2));
        cJSON_AddNumberToObject(l, "seconds", sqlite3_column_double(st, 3));
        cJSON_AddItemToArray(arr, l);
    }
    sqlite3_finalize(st);
    client_send_json(c, cl, o, false);
}

/* `recordings [N]`: the newest N recordings. */
static void req_recordings(struct control *c, struct client *cl, int argc, char **argv)
{
    long n = 10;
    if (argc > 1) {
        char *end;
        n = strtol(argv[1], &end, 10);
        if (*end || n < 1 || n > 1000) {
            reply_error(c, cl, "recordings: N must be 1..1000, got '%.40s'", argv[1]);
            return;
        }
    }
    sqlite3_stmt *st;
    sqlite3 *db = store_db(c->d->store);
    if (sqlite3_prepare_v2(db,
                           "SELECT id, label, category, subject, sample_count, sample_count / sample_rate_hz,"
                           " started_at FROM recordings WHERE deleted_at IS NULL ORDER BY id DESC LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK) {
        reply_error(c, cl, "database: %s", sqlite3_errmsg(db));
        return;
    }
    sqlite3_bind_int64(st, 1, n);
    cJSON *o = ok_object();
    cJSON *arr = cJSON_AddArrayToObject(o, "recordings");
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "id", (double)sqlite3_column_int64(st, 0));
        cJSON_AddStringToObject(r, "label", (const char *)sqlite3_column_text(st, 1));
        cJSON_AddStringToObject(r, "category", (const char *)sqlite3_column_text(st, 2));
        if (sqlite3_column_type(st, 3) == SQLITE_NULL)
            cJSON_AddNullToObject(r, "subject");
        else
            cJSON_AddStringToObject(r, "subject", (const char *)sqlite3_column_text(st, 3));
        cJSON_AddNumberToObject(r, "samples", (double)sqlite3_column_int64(st, 4));
        cJSON_AddNumberToObject(r, "seconds", sqlite3_column_double(st, 5));
        cJSON_AddNumberToObject(r, "started_at", sqlite3_column_double(st, 6));
        cJSON_AddItemToArray(arr, r);
    }
    sqlite3_finalize(st);
    client_send_json(c, cl, o, false);
}

/* `delete ID` / `undelete ID`: move to or from the trash. */
static void req_trash(struct control *c, struct client *cl, int argc, char **argv, bool del)
{
    char *end;
    long long id = argc == 2 ? strtoll(argv[1], &end, 10) : 0;
    if (argc != 2 || *end || id <= 0) {
        reply_error(c, cl, "usage: %s ID", argv[0]);
        return;
    }
    if (c->d->rec.open && c->d->rec.id == id) {
        reply_error(c, cl, "recording %lld is still open: stop it first", id);
        return;
    }
    sqlite3_stmt *st;
    sqlite3 *db = store_db(c->d->store);
    const char *sql = del ? "UPDATE recordings SET deleted_at=? WHERE id=? AND deleted_at IS NULL"
                          : "UPDATE recordings SET deleted_at=NULL WHERE id=? AND deleted_at IS NOT NULL";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        reply_error(c, cl, "database: %s", sqlite3_errmsg(db));
        return;
    }
    if (del) {
        sqlite3_bind_double(st, 1, store_now());
        sqlite3_bind_int64(st, 2, id);
    } else {
        sqlite3_bind_int64(st, 1, id);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        reply_error(c, cl, "database: %s", sqlite3_errmsg(db));
        return;
    }
    if (sqlite3_changes(db) == 0) {
        reply_error(c, cl, "no recording %lld %s", id, del ? "(or already in the trash)" : "in the trash");
        return;
    }
    log_msg("recording %lld %s", id, del ? "moved to the trash" : "restored from the trash");
    cJSON *o = ok_object();
    cJSON_AddNumberToObject(o, "id", (double)id);
    client_send_json(c, cl, o, false);
}

/* `record start|stop`. */
static void req_record(struct control *c, struct client *cl, int argc, char **argv)
{
    struct daemon *d = c->d;
    char why[512];
    if (argc >= 2 && !strcmp(argv[1], "start")) {
        const char *label = NULL, *subject = NULL, *category = NULL;
        for (int i = 2; i < argc; i++) {
            if (!strncmp(argv[i], "subject=", 8))
                subject = argv[i] + 8;
            else if (!strncmp(argv[i], "category=", 9))
                category = argv[i] + 9;
            else if (!label)
                label = argv[i];
            else {
                reply_error(c, cl, "record start: unexpected '%.60s' (quote labels with spaces)", argv[i]);
                return;
            }
        }
        if (!label) {
            reply_error(c, cl, "usage: record start LABEL [subject=S] [category=C]");
            return;
        }
        if (recorder_start(d, label, subject, category, why, sizeof why)) {
            reply_error(c, cl, "%s", why);
            return;
        }
        cJSON *o = ok_object();
        cJSON_AddNumberToObject(o, "recording_id", (double)d->rec.id);
        cJSON_AddStringToObject(o, "label", d->rec.label);
        client_send_json(c, cl, o, false);
        return;
    }
    if (argc == 2 && !strcmp(argv[1], "stop")) {
        int64_t id, samples, gaps;
        double secs;
        char label[STORE_LABEL_MAX + 1];
        snprintf(label, sizeof label, "%s", d->rec.label);
        if (recorder_stop(d, &id, &samples, &secs, &gaps, why, sizeof why)) {
            reply_error(c, cl, "%s", why);
            return;
        }
        cJSON *o = ok_object();
        cJSON_AddNumberToObject(o, "recording_id", (double)id);
        cJSON_AddStringToObject(o, "label", label);
        cJSON_AddNumberToObject(o, "samples", (double)samples);
        cJSON_AddNumberToObject(o, "seconds", secs);
        cJSON_AddNumberToObject(o, "gaps", (double)gaps);
        client_send_json(c, cl, o, false);
        return;
    }
    reply_error(c, cl, "usage: record start LABEL [subject=S] [category=C] | record stop");
}

static const char *gesture_names[] = {"idle", "wave", "circle", "updown"};

/* Parse an unsigned decimal within [lo, hi]. */
static bool parse_uint(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* `device ...`: forward a command frame and wait for its ACK/NAK. */
static void req_device(struct control *c, struct client *cl, int argc, char **argv)
{
    struct daemon *d = c->d;
    uint8_t args[8];
    size_t len = 0;
    uint8_t type;
    long v, v2;
    if (argc < 2) {
        reply_error(c, cl, "usage: device start|stop|info|ping|rate HZ|ranges G DPS|gesture N|NAME|baud N|learn N");
        return;
    }
    const char *what = argv[1];
    if (!strcmp(what, "start") && argc == 2)
        type = PROTO_CMD_START;
    else if (!strcmp(what, "stop") && argc == 2)
        type = PROTO_CMD_STOP;
    else if (!strcmp(what, "info") && argc == 2)
        type = PROTO_CMD_INFO;
    else if (!strcmp(what, "ping") && argc == 2)
        type = PROTO_CMD_PING;
    else if (!strcmp(what, "rate") && argc == 3) {
        if (!parse_uint(argv[2], 1, 65535, &v)) {
            reply_error(c, cl, "device rate: '%.20s' is not a rate from 1 to 65535 Hz", argv[2]);
            return;
        }
        if (d->rec.open) {
            reply_error(c, cl, "device rate: not while recording");
            return;
        }
        type = PROTO_CMD_SET_RATE;
        proto_put_u16(args, (uint16_t)v);
        len = 2;
    } else if (!strcmp(what, "ranges") && argc == 4) {
        if (!parse_uint(argv[2], 1, 255, &v) || !parse_uint(argv[3], 1, 65535, &v2)) {
            reply_error(c, cl, "device ranges: want ACCEL_G (1 to 255) GYRO_DPS (1 to 65535), e.g. 8 1000");
            return;
        }
        if (d->rec.open) {
            reply_error(c, cl, "device ranges: not while recording");
            return;
        }
        type = PROTO_CMD_SET_RANGES;
        args[0] = (uint8_t)v;
        proto_put_u16(args + 1, (uint16_t)v2);
        len = 3;
    } else if (!strcmp(what, "baud") && argc == 3) {
        if (!parse_uint(argv[2], 1, 921600, &v) || !port_baud_valid((int)v)) {
            reply_error(c, cl, "device baud: '%.20s' is not one of 9600 19200 38400 57600 115200 230400 460800 921600",
                        argv[2]);
            return;
        }
        type = PROTO_CMD_SET_BAUD;
        proto_put_u32(args, (uint32_t)v);
        len = 4;
    } else if (!strcmp(what, "learn") && argc == 3) {
        if (!parse_uint(argv[2], 0, PROTO_LEARN_MAX, &v) || v == 1) {
            reply_error(c, cl, "device learn: '%.20s' is not 0 (forget) or a window count from 2 to %u", argv[2],
                        PROTO_LEARN_MAX);
            return;
        }
        type = PROTO_CMD_LEARN;
        proto_put_u16(args, (uint16_t)v);
        len = 2;
    } else if (!strcmp(what, "gesture") && argc == 3) {
        v = -1;
        for (long i = 0; i < 4; i++)
            if (!strcmp(argv[2], gesture_names[i]))
                v = i;
        if (v < 0 && !parse_uint(argv[2], 0, 255, &v)) {
            reply_error(c, cl, "device gesture: '%.20s' is not idle, wave, circle, updown or a number from 0 to 255",
                        argv[2]);
            return;
        }
        type = PROTO_CMD_SET_GESTURE;
        args[0] = (uint8_t)v;
        len = 1;
    } else {
        reply_error(c, cl, "device: unknown or malformed command '%.40s'", what);
        return;
    }
    if (d->mode != MODE_BINARY) {
        reply_error(c, cl, "device %s: no binary-protocol device connected on %s", what, d->port_path);
        return;
    }
    int slot = -1;
    for (int i = 0; i < (int)(sizeof c->pend / sizeof c->pend[0]); i++)
        if (!c->pend[i].used) {
            slot = i;
            break;
        }
    if (slot < 0) {
        reply_error(c, cl, "device %s: too many commands in flight", what);
        return;
    }
    int token = ingest_send_command(d, type, args, len);
    if (token < 0) {
        reply_error(c, cl, "device %s: writing to %s failed", what, d->port_path);
        return;
    }
    struct pending_device *p = &c->pend[slot];
    p->used = true;
    p->token = (uint16_t)token;
    p->client = (int)(cl - c->clients);
    p->gen = cl->gen;
    p->deadline = mono_now() + DEVICE_TIMEOUT_S;
    snprintf(p->what, sizeof p->what, "%s", what);
    p->new_baud = type == PROTO_CMD_SET_BAUD ? (int)proto_get_u32(args) : 0;
    if (type == PROTO_CMD_SET_RATE || type == PROTO_CMD_SET_RANGES || type == PROTO_CMD_SET_BAUD)
        d->dev.known = false; /* the next HELLO brings the new rate and scales */
}

/* The device answered a command. */
void control_device_reply(struct control *c, uint16_t token, bool ok, const char *why)
{
    if (!c)
        return;
    for (int i = 0; i < (int)(sizeof c->pend / sizeof c->pend[0]); i++) {
        struct pending_device *p = &c->pend[i];
        if (!p->used || p->token != token)
            continue;
        p->used = false;
        if (ok && p->new_baud && c->d->port) {
            /* the device ACKed at the old rate and switches now: follow it (until the device resets
             * or the port is reopened: then --baud again; docs/control.md) */
            if (port_set_baud(c->d->port, p->new_baud) == 0) {
                log_msg("port %s now at %d baud", c->d->port_path, p->new_baud);
                c->d->baud = p->new_baud;
            } else {
                ok = false;
                why = "the device switched but the port could not follow";
            }
        }
        struct client *cl = &c->clients[p->client];
        if (cl->fd < 0 || cl->gen != p->gen)
            return;
        if (!c->d->dev.known && c->d->mode == MODE_BINARY)
            ingest_send_command(c->d, PROTO_CMD_INFO, NULL, 0);
        if (ok) {
            cJSON *o = ok_object();
            cJSON_AddStringToObject(o, "device", p->what);
            client_send_json(c, cl, o, false);
        } else {
            reply_error(c, cl, "device %s: %s", p->what, why);
        }
        return;
    }
}

/* Handle one request line. */
static void handle_request(struct control *c, struct client *cl, char *line)
{
    char *tok[MAX_TOKENS], *heap[MAX_TOKENS];
    const char *why = NULL;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r')
        line[--len] = 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
            reply_error(c, cl, "request has a control character at byte %zu", i);
            return;
        }
    memset(heap, 0, sizeof heap);
    int n = tokenize(line, tok, heap, MAX_TOKENS, &why);
    if (n < 0)
        reply_error(c, cl, "malformed request: %s", why);
    else if (n == 0)
        reply_error(c, cl, "empty request");
    else if (!strcmp(tok[0], "ping") && n == 1) {
        cJSON *o = ok_object();
        cJSON_AddTrueToObject(o, "pong");
        client_send_json(c, cl, o, false);
    } else if (!strcmp(tok[0], "status") && n == 1)
        client_send_json(c, cl, status_object(c->d), false);
    else if (!strcmp(tok[0], "record"))
        req_record(c, cl, n, tok);
    else if (!strcmp(tok[0], "labels") && n == 1)
        req_labels(c, cl);
    else if (!strcmp(tok[0], "recordings") && n <= 2)
        req_recordings(c, cl, n, tok);
    else if (!strcmp(tok[0], "delete"))
        req_trash(c, cl, n, tok, true);
    else if (!strcmp(tok[0], "undelete"))
        req_trash(c, cl, n, tok, false);
    else if (!strcmp(tok[0], "device"))
        req_device(c, cl, n, tok);
    else if (!strcmp(tok[0], "subscribe") && n == 1) {
        cl->subscribed = true;
        cJSON *o = ok_object();
        cJSON_AddTrueToObject(o, "subscribed");
        client_send_json(c, cl, o, false);
    } else if (!strcmp(tok[0], "quit") && n == 1) {
        cJSON *o = ok_object();
        cJSON_AddTrueToObject(o, "bye");
        client_send_json(c, cl, o, false);
        cl->closing = true;
    } else
        reply_error(c, cl, "unknown request '%.40s' (see docs/control.md)", tok[0]);
    for (int i = 0; i < MAX_TOKENS; i++)
        free(heap[i]);
}

/* Accept a new client and log its credentials; past MAX_CLIENTS turn it away. */
static void accept_client(struct control *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t cl_len = sizeof cred;
    bool have_cred = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl_len) == 0;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *cl = &c->clients[i];
        if (cl->fd < 0) {
            if (have_cred)
                log_msg("control: client pid %d uid %d gid %d connected", (int)cred.pid, (int)cred.uid,
                        (int)cred.gid);
            cl->fd = fd;
            cl->gen = ++c->gen;
            cl->pfd = -1;
            cl->last_request = cl->last_drain = mono_now();
            return;
        }
    }
    static double last_log;
    c->d->c.clients_turned_away++;
    log_ratelimited(&last_log, "control: %d clients connected, turning away pid %d (%llu so far)", MAX_CLIENTS,
                    have_cred ? (int)cred.pid : -1, (unsigned long long)c->d->c.clients_turned_away);
    const char *msg = "{\"ok\":false,\"error\":\"too many clients (at most 32 at a time)\"}\n";
    if (send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        close(fd);
        return;
    }
    /* Closing now would make the client's write of its request fail (broken pipe) and could
     * reset the connection before it reads the answer: keep it until it sent its line. */
    for (int i = 0; i < MAX_TURNED_AWAY; i++)
        if (c->away[i].fd < 0) {
            c->away[i] = (struct turned_away){.fd = fd, .pfd = -1, .deadline = mono_now() + TURN_AWAY_LINGER_S};
            return;
        }
    close(fd);
}

/* A turned-away client sent something: once its line is in (or it hung up), close it. */
static void turned_away_read(struct turned_away *a)
{
    char buf[4096];
    ssize_t n;
    while ((n = recv(a->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
        if (memchr(buf, '\n', (size_t)n)) {
            n = 0;
            break;
        }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close(a->fd);
        a->fd = -1;
    }
}

/* Take the bytes of one line from the client's raw buffer; serve it when complete.
 * Returns true when a request was served. */
static bool client_take_line(struct control *c, struct client *cl)
{
    while (cl->raw_off < cl->raw_len) {
        char ch = cl->raw[cl->raw_off++];
        if (ch == '\n') {
            if (cl->discarding) {
                cl->discarding = false;
                if (cl->had_nul)
                    reply_error(c, cl, "request has a NUL byte");
                else
                    reply_error(c, cl, "request over %d bytes", REQUEST_MAX);
                cl->had_nul = false;
            } else {
                cl->in[cl->in_len] = 0;
                handle_request(c, cl, cl->in);
            }
            cl->in_len = 0;
            return true;
        } else if (cl->discarding) {
            continue;
        } else if (cl->in_len >= REQUEST_MAX) {
            cl->discarding = true;
            cl->in_len = 0;
        } else if (ch == 0) {
            cl->discarding = true; /* a NUL in a request is malformed: reply at end of line */
            cl->had_nul = true;
        } else {
            cl->in[cl->in_len++] = ch;
        }
    }
    return false;
}

/* Serve a client's requests within this turn's budget; read more only when its buffered bytes
 * are used up. Returns how many requests were served. */
static int client_serve(struct control *c, struct client *cl, bool readable, double now)
{
    int served = 0;
    while (served < REQUESTS_PER_TURN && client_may_serve(c, cl)) {
        if (cl->raw_off == cl->raw_len) {
            if (!readable)
                break;
            ssize_t n = recv(cl->fd, cl->raw, sizeof cl->raw, MSG_DONTWAIT);
            if (n == 0) {
                cl->closing = true; /* half-close: still deliver the replies already queued */
                break;
            }
            if (n < 0) {
                if (errno != EAGAIN && errno != EINTR) {
                    cl->closing = true;
                    cl->out_len = 0;
                }
                break;
            }
            cl->raw_off = 0;
            cl->raw_len = (size_t)n;
            cl->last_request = now;
            readable = (size_t)n == sizeof cl->raw; /* a short read emptied the socket */
        }
        if (client_take_line(c, cl))
            served++;
    }
    return served;
}

/* Has a client work waiting that poll() will not announce (buffered requests)? */
static bool client_has_backlog(const struct control *c, const struct client *cl)
{
    return cl->raw_off < cl->raw_len && client_may_serve(c, cl);
}

bool control_busy(const struct control *c)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (client_has_backlog(c, &c->clients[i]))
            return true;
    return false;
}

int control_pollfds(struct control *c, struct pollfd *fds, int max)
{
    int n = 0;
    c->listen_pfd = -1;
    for (int i = 0; i < MAX_CLIENTS; i++)
        c->clients[i].pfd = -1;
    for (int i = 0; i < MAX_TURNED_AWAY; i++)
        c->away[i].pfd = -1;
    if (max < 1)
        return 0;
    c->listen_pfd = n;
    fds[n++] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
    for (int i = 0; i < MAX_CLIENTS && n < max; i++) {
        struct client *cl = &c->clients[i];
        if (cl->fd < 0)
            continue;
        /* a client that hung up would report POLLIN for ever: only wait to write to it; one
         * whose queue is full, or whose buffered requests are not served yet, is not read */
        bool want_in = client_may_serve(c, cl) && cl->raw_off == cl->raw_len;
        short ev = (short)((want_in ? POLLIN : 0) | (cl->out_len ? POLLOUT : 0));
        cl->pfd = n;
        fds[n++] = (struct pollfd){.fd = cl->fd, .events = ev};
    }
    for (int i = 0; i < MAX_TURNED_AWAY && n < max; i++)
        if (c->away[i].fd >= 0) {
            c->away[i].pfd = n;
            fds[n++] = (struct pollfd){.fd = c->away[i].fd, .events = POLLIN};
        }
    return n;
}

/* One turn: accept, then serve clients round-robin within the time budget, then flush. */
void control_handle(struct control *c, struct pollfd *fds, int n)
{
    double start = mono_now();
    if (c->listen_pfd >= 0 && c->listen_pfd < n && fds[c->listen_pfd].revents)
        for (int k = 0; k < 4; k++) /* a few per turn: a connect storm waits in the backlog */
            accept_client(c);
    for (int i = 0; i < MAX_TURNED_AWAY; i++) {
        struct turned_away *a = &c->away[i];
        if (a->fd >= 0 && a->pfd >= 0 && a->pfd < n && fds[a->pfd].revents)
            turned_away_read(a);
    }
    int first = c->rr;
    for (int k = 0; k < MAX_CLIENTS; k++) {
        int i = (first + k) % MAX_CLIENTS;
        struct client *cl = &c->clients[i];
        if (cl->fd < 0)
            continue;
        short rev = cl->pfd >= 0 && cl->pfd < n ? fds[cl->pfd].revents : 0;
        bool readable = (rev & (POLLIN | POLLHUP | POLLERR)) != 0;
        if (readable || client_has_backlog(c, cl))
            client_serve(c, cl, readable, start);
        if (mono_now() - start > CONTROL_TURN_BUDGET_S) {
            c->rr = (i + 1) % MAX_CLIENTS; /* the next turn starts with the next client */
            break;
        }
    }
    if (c->rr == first)
        c->rr = (first + 1) % MAX_CLIENTS;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *cl = &c->clients[i];
        if (cl->fd < 0)
            continue;
        client_flush(c, cl);
        if (client_done(c, cl))
            client_close(cl);
    }
}

/* Send an event to every subscriber (copying the JSON for each). */
static void broadcast(struct control *c, cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        return;
    size_t n = strlen(s);
    s[n] = '\n';
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *cl = &c->clients[i];
        if (cl->fd >= 0 && cl->subscribed && !cl->closing) {
            client_queue(c, cl, s, n + 1, true);
            client_flush(c, cl);
        }
    }
    free(s);
}

static bool have_subscribers(struct control *c)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (c->clients[i].fd >= 0 && c->clients[i].subscribed)
            return true;
    return false;
}

/* Live samples since the last event. */
void control_event_samples(struct control *c)
{
    struct daemon *d = c->d;
    struct live *lv = &d->live;
    if (lv->n == 0)
        return;
    if (!have_subscribers(c)) {
        lv->n = 0;
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "samples");
    cJSON_AddNumberToObject(o, "t", store_now());
    cJSON_AddNumberToObject(o, "rate_hz", d->dev.rate_hz);
    cJSON *axes = cJSON_AddArrayToObject(o, "axes");
    for (int a = 0; a < lv->n_axes && a < d->dev.n_axes; a++)
        cJSON_AddItemToArray(axes, cJSON_CreateString(d->dev.axis_name[a]));
    cJSON *vals = cJSON_AddArrayToObject(o, "values");
    for (int i = 0; i < lv->n; i++) {
        cJSON *row = cJSON_CreateArray();
        for (int a = 0; a < lv->n_axes; a++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber(lv->values[i * lv->n_axes + a]));
        cJSON_AddItemToArray(vals, row);
    }
    lv->n = 0;
    broadcast(c, o);
}

void control_event_status(struct control *c)
{
    if (!have_subscribers(c))
        return;
    cJSON *o = status_object(c->d);
    cJSON_AddStringToObject(o, "event", "status");
    broadcast(c, o);
}

void control_event_decision(struct control *c, const struct proto_event *e)
{
    if (!c || !have_subscribers(c))
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "decision");
    if (e->class_index == PROTO_EVENT_UNCERTAIN)
        cJSON_AddNullToObject(o, "class");
    else
        cJSON_AddNumberToObject(o, "class", e->class_index);
    if (e->previous == PROTO_EVENT_UNCERTAIN)
        cJSON_AddNullToObject(o, "previous");
    else
        cJSON_AddNumberToObject(o, "previous", e->previous);
    cJSON_AddNumberToObject(o, "votes", e->votes);
    cJSON_AddNumberToObject(o, "seq", e->seq);
    broadcast(c, o);
}

void control_event_classification(struct control *c, const struct proto_classification *cls)
{
    if (!c || !have_subscribers(c))
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "classification");
    cJSON_AddNumberToObject(o, "class", cls->class_index);
    cJSON *sc = cJSON_AddArrayToObject(o, "scores");
    for (int i = 0; i < cls->n_classes; i++)
        cJSON_AddItemToArray(sc, cJSON_CreateNumber(cls->scores[i]));
    cJSON_AddNumberToObject(o, "instructions", cls->instructions);
    if (cls->flags & PROTO_CLS_ANOMALY) {
        cJSON_AddNumberToObject(o, "anomaly", cls->anomaly);
        cJSON_AddBoolToObject(o, "unknown", (cls->flags & PROTO_CLS_UNKNOWN) != 0);
    }
    broadcast(c, o);
}

void control_event_recording(struct control *c, const char *state, int64_t id, const char *label)
{
    if (!c || !have_subscribers(c))
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "recording");
    cJSON_AddStringToObject(o, "state", state);
    cJSON_AddNumberToObject(o, "recording_id", (double)id);
    cJSON_AddStringToObject(o, "label", label);
    broadcast(c, o);
}

/* Close a client that has been idle, or has not read its full queue, for the idle timeout.
 * A subscriber is not idle while it reads its events; one waiting for the device is not. */
static void client_check_idle(struct control *c, struct client *cl, double now)
{
    double limit = c->d->idle_timeout_s;
    if (cl->out_len < CLIENT_OUT_MAX)
        cl->last_drain = now;
    if (limit <= 0 || cl->closing || client_waits_device(c, cl))
        return;
    const char *why = NULL;
    if (now - cl->last_drain > limit)
        why = "did not read its replies";
    else if (!cl->subscribed && now - cl->last_request > limit)
        why = "sent nothing";
    if (!why)
        return;
    c->d->c.clients_timed_out++;
    static double last_log;
    log_ratelimited(&last_log, "control: closing a client that %s for %g s (%llu so far)", why, limit,
                    (unsigned long long)c->d->c.clients_timed_out);
    client_close(cl);
}

/* Timers: device command timeouts, periodic events, idle clients. */
void control_tick(struct control *c, double now)
{
    for (int i = 0; i < (int)(sizeof c->pend / sizeof c->pend[0]); i++) {
        struct pending_device *p = &c->pend[i];
        if (p->used && now > p->deadline) {
            p->used = false;
            struct client *cl = &c->clients[p->client];
            if (cl->fd >= 0 && cl->gen == p->gen)
                reply_error(c, cl, "device %s: no answer from the device within %.0f s", p->what, DEVICE_TIMEOUT_S);
        }
    }
    if (now - c->last_samples_event >= 0.05) {
        c->last_samples_event = now;
        control_event_samples(c);
    }
    if (now - c->last_status_event >= 0.5) {
        c->last_status_event = now;
        control_event_status(c);
    }
    for (int i = 0; i < MAX_TURNED_AWAY; i++)
        if (c->away[i].fd >= 0 && now > c->away[i].deadline) {
            close(c->away[i].fd);
            c->away[i].fd = -1;
        }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *cl = &c->clients[i];
        if (cl->fd >= 0) {
            client_flush(c, cl);
            client_check_idle(c, cl, now);
            if (client_done(c, cl))
                client_close(cl);
        }
    }
}
