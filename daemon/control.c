/* control.c -- imulabd's Unix-domain control socket (protocol in docs/control.md).
 *
 * Clients send one request per line and get one JSON line back. Every socket is
 * non-blocking and served from main.c's poll loop: input is collected per client up to a
 * bounded line length, output goes through a per-client buffer of at most CLIENT_OUT_MAX
 * bytes. A client that stops reading fills its buffer and then loses events (counted), never
 * time in the ingestion loop; replies to requests are always queued even past the cap, since
 * a client gets one per request it sends.
 *
 * `device ...` requests are forwarded to the device as command frames; the reply waits for
 * the device's ACK or NAK with the same token, or fails after DEVICE_TIMEOUT_S.
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
#define CLIENT_OUT_MAX (256 * 1024)
#define MAX_TOKENS 16
#define DEVICE_TIMEOUT_S 1.0

struct client {
    int fd;
    unsigned gen;
    char in[REQUEST_MAX + 1];
    size_t in_len;
    bool discarding; /* request over REQUEST_MAX: drop to end of line */
    bool had_nul;    /* ... or it held a NUL byte */
    char *out;
    size_t out_len, out_cap;
    bool subscribed;
    bool closing;
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
        size_t cap = cl->out_cap ? cl->out_cap : 4096;
        while (cap < cl->out_len + n)
            cap *= 2;
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
    for (int i = 0; i < MAX_CLIENTS; i++)
        c->clients[i].fd = -1;
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
    close(c->listen_fd);
    unlink(c->path);
    free(c);
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
    cJSON_AddNumberToObject(o, "samples", (double)k->samples);
    cJSON_AddNumberToObject(o, "frames_per_s", d->fps);
    cJSON_AddNumberToObject(o, "device_errors", (double)k->device_errors);
    cJSON_AddStringToObject(o, "db", d->db_path);
    cJSON_AddNumberToObject(o, "db_errors", (double)k->db_errors);
    cJSON_AddNumberToObject(o, "db_dropped_samples", (double)k->db_dropped_samples);
    cJSON_AddNumberToObject(o, "dropped_events", (double)k->dropped_events);
    cJSON_AddNumberToObject(o, "uptime_s", mono_now() - d->start_t);
    if (d->cls.valid) {
        cJSON *cl = cJSON_AddObjectToObject(o, "classification");
        cJSON_AddNumberToObject(cl, "class", d->cls.c.class_index);
        cJSON *sc = cJSON_AddArrayToObject(cl, "scores");
        for (int i = 0; i < d->cls.c.n_classes; i++)
            cJSON_AddItemToArray(sc, cJSON_CreateNumber(d->cls.c.scores[i]));
        cJSON_AddNumberToObject(cl, "instructions", d->cls.c.instructions);
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

/* `labels`: per-label totals from the database. */
static void req_labels(struct control *c, struct client *cl)
{
    sqlite3_stmt *st;
    sqlite3 *db = store_db(c->d->store);
    if (sqlite3_prepare_v2(db,
                           "SELECT label, count(*), sum(sample_count), sum(sample_count / sample_rate_hz)"
                           " FROM recordings WHERE deleted_at IS NULL GROUP BY label ORDER BY label",
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
    char why[256];
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
        if (recorder_stop(d, &id, &samples, &secs, &gaps)) {
            reply_error(c, cl, "no recording is open");
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
        reply_error(c, cl, "usage: device start|stop|info|ping|rate HZ|ranges G DPS|gesture N|NAME|baud N");
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
            reply_error(c, cl, "device rate: '%.20s' is not a rate in Hz", argv[2]);
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
            reply_error(c, cl, "device ranges: want ACCEL_G GYRO_DPS, e.g. 8 1000");
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
    } else if (!strcmp(what, "gesture") && argc == 3) {
        v = -1;
        for (long i = 0; i < 4; i++)
            if (!strcmp(argv[2], gesture_names[i]))
                v = i;
        if (v < 0 && !parse_uint(argv[2], 0, 255, &v)) {
            reply_error(c, cl, "device gesture: '%.20s' is not idle, wave, circle, updown or a number", argv[2]);
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

/* Accept a new client and log its credentials. */
static void accept_client(struct control *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    struct ucred cred;
    socklen_t cl_len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl_len) == 0)
        log_msg("control: client pid %d uid %d gid %d connected", (int)cred.pid, (int)cred.uid, (int)cred.gid);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (c->clients[i].fd < 0) {
            c->clients[i].fd = fd;
            c->clients[i].gen = ++c->gen;
            return;
        }
    }
    const char *msg = "{\"ok\":false,\"error\":\"too many clients\"}\n";
    if (send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* nothing more to do for a client we are turning away */
    }
    close(fd);
}

/* Read what a client sent and serve complete lines. */
static void client_read(struct control *c, struct client *cl)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(cl->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) {
            cl->closing = true; /* half-close: still deliver the replies already queued */
            return;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            cl->closing = true;
            cl->out_len = 0;
            return;
        }
        if (n < 0)
            return;
        for (ssize_t i = 0; i < n; i++) {
            char ch = buf[i];
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
                if (cl->closing)
                    return;
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
    }
}

int control_pollfds(struct control *c, struct pollfd *fds, int max)
{
    int n = 0;
    if (max < 1)
        return 0;
    fds[n++] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
    for (int i = 0; i < MAX_CLIENTS && n < max; i++) {
        struct client *cl = &c->clients[i];
        if (cl->fd < 0)
            continue;
        /* a client that hung up would report POLLIN for ever: only wait to write to it */
        short ev = (short)((cl->closing ? 0 : POLLIN) | (cl->out_len ? POLLOUT : 0));
        fds[n++] = (struct pollfd){.fd = cl->fd, .events = ev};
    }
    return n;
}

void control_handle(struct control *c, struct pollfd *fds, int n)
{
    for (int k = 0; k < n; k++) {
        if (!fds[k].revents)
            continue;
        if (fds[k].fd == c->listen_fd) {
            accept_client(c);
            continue;
        }
        for (int i = 0; i < MAX_CLIENTS; i++) {
            struct client *cl = &c->clients[i];
            if (cl->fd != fds[k].fd)
                continue;
            if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
                client_read(c, cl);
            break;
        }
    }
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

/* Timers: device command timeouts, periodic events. */
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
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *cl = &c->clients[i];
        if (cl->fd >= 0) {
            client_flush(c, cl);
            if (client_done(c, cl))
                client_close(cl);
        }
    }
}
