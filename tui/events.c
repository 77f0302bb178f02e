/* SPDX-License-Identifier: MIT */
/* events.c -- parsing imulabd's JSON lines into struct app (see events.h).
 *
 * Small typed getters (jnum, jstr, jbool) return a default when a field is missing or of the
 * wrong type, so a half-garbage object degrades to blanks rather than to a crash. A line that
 * is not a JSON object is reported with a sanitized excerpt of what arrived.
 */
#include "events.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "cmd.h"

static double jnum(const cJSON *o, const char *k, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static long jlong(const cJSON *o, const char *k, long def)
{
    double d = jnum(o, k, (double)def);
    return d > -1e15 && d < 1e15 ? (long)d : def;
}

static bool jbool(const cJSON *o, const char *k, bool def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

static void jstr(const cJSON *o, const char *k, char *buf, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    snprintf(buf, n, "%s", cJSON_IsString(v) && v->valuestring ? v->valuestring : "");
}

/* Reports a line that is not what the protocol promises, with a printable excerpt. */
static void garbage(struct app *a, const char *from, const char *line)
{
    char ex[41];
    size_t i = 0;
    for (; line && line[i] && i < sizeof ex - 1; i++)
        ex[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
    ex[i] = 0;
    if (!line)
        app_msg(a, true, "imulabd sent an over-long line on the %s connection", from);
    else
        app_msg(a, true, "imulabd sent garbage on the %s connection: \"%s\"", from, ex);
}

static cJSON *parse_object(struct app *a, const char *from, const char *line)
{
    cJSON *o = line ? cJSON_Parse(line) : NULL;
    if (!cJSON_IsObject(o)) {
        garbage(a, from, line);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static void ev_classification(struct app *a, const cJSON *o)
{
    struct classif *c = &a->cls;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(o, "scores");
    c->cls = (int)jlong(o, "class", -1);
    c->nscores = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, sc) if (cJSON_IsNumber(v) && c->nscores < TUI_MAX_CLASSES)
        c->scores[c->nscores++] = (int)v->valuedouble;
    jstr(o, "label", c->label, sizeof c->label);
    c->instructions = jlong(o, "instructions", 0);
    c->has_anomaly = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "anomaly"));
    c->anomaly = jlong(o, "anomaly", 0);
    c->unknown = jbool(o, "unknown", false);
    c->active = c->nscores > 0;
    c->t_ms = now_ms();
}

static void ev_status(struct app *a, const cJSON *o)
{
    struct devstatus *s = &a->st;
    s->have = true;
    s->connected = jbool(o, "connected", false);
    s->recording = jbool(o, "recording", false);
    jstr(o, "port", s->port, sizeof s->port);
    jstr(o, "mode", s->mode, sizeof s->mode);
    jstr(o, "label", s->label, sizeof s->label);
    s->recording_id = jlong(o, "recording_id", 0);
    s->recording_samples = jlong(o, "recording_samples", 0);
    s->recording_seconds = jnum(o, "recording_seconds", 0);
    s->rate_hz = jnum(o, "sample_rate_hz", 0);
    s->fps = jnum(o, "frames_per_s", 0);
    s->frames = jlong(o, "frames", 0);
    s->idle_timeout_s = jnum(o, "idle_timeout_s", 0);
    s->crc_errors = jlong(o, "crc_errors", 0);
    s->gaps = jlong(o, "gaps", 0);
    s->dropped_events = jlong(o, "dropped_events", 0);
    s->bad_lines = jlong(o, "bad_lines", 0);
    const cJSON *u, *units = cJSON_GetObjectItemCaseSensitive(o, "units");
    s->nunits = 0;
    cJSON_ArrayForEach(u, units) if (s->nunits < RING_AXES)
        snprintf(s->units[s->nunits++], sizeof s->units[0], "%s",
                 cJSON_IsString(u) && u->valuestring ? u->valuestring : "");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "device");
    s->has_device = cJSON_IsObject(d);
    jstr(d, "board", s->board, sizeof s->board);
    jstr(d, "firmware", s->firmware, sizeof s->firmware);
    jstr(d, "sensor", s->sensor, sizeof s->sensor);
    s->classifier = jbool(d, "classifier", false);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "classification");
    if (cJSON_IsObject(c) && !a->cls.active)
        ev_classification(a, c);
}

static void ev_samples(struct app *a, const cJSON *o)
{
    const cJSON *axes = cJSON_GetObjectItemCaseSensitive(o, "axes");
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(o, "values");
    const char *names[RING_AXES];
    int n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, axes) if (n < RING_AXES)
        names[n++] = cJSON_IsString(v) && v->valuestring ? v->valuestring : "?";
    if (n == 0 || !cJSON_IsArray(vals))
        return;
    ring_set_axes(&a->ring, n, names);
    a->last_samples = now_ms();
    a->ring.rate_hz = jnum(o, "rate_hz", a->ring.rate_hz);
    const cJSON *row;
    cJSON_ArrayForEach(row, vals) {
        float f[RING_AXES] = {0};
        int i = 0;
        cJSON_ArrayForEach(v, row) if (i < n)
            f[i++] = cJSON_IsNumber(v) ? (float)v->valuedouble : 0.0f;
        if (i > 0)
            ring_push(&a->ring, f, n);
    }
}

static void ev_event(struct app *a, const cJSON *o, const char *ev)
{
    if (strcmp(ev, "samples") == 0) {
        ev_samples(a, o);
    } else if (strcmp(ev, "status") == 0) {
        ev_status(a, o);
    } else if (strcmp(ev, "classification") == 0) {
        ev_classification(a, o);
    } else if (strcmp(ev, "recording") == 0) {
        char state[16];
        jstr(o, "state", state, sizeof state);
        a->st.recording = strcmp(state, "started") == 0;
        if (strcmp(state, "stopped") == 0 && a->rec.st == REC_IDLE)
            cmd_refresh(a); /* closed by someone else: counts changed */
    }
}

void ev_sub_line(void *app, struct conn *c, const char *line)
{
    struct app *a = app;
    (void)c;
    cJSON *o = parse_object(a, "event", line);
    if (!o)
        return;
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "event");
    if (cJSON_IsString(ev) && ev->valuestring)
        ev_event(a, o, ev->valuestring);
    else if (jbool(o, "ok", true) == false) {
        char err[200];
        jstr(o, "error", err, sizeof err);
        app_msg(a, true, "imulabd refused subscribe: %s", err);
    }
    a->dirty = true;
    cJSON_Delete(o);
}

void ev_sub_state(void *app, struct conn *c, bool up)
{
    struct app *a = app;
    a->dirty = true;
    if (up) {
        conn_send(c, "subscribe");
        app_msg(a, false, "connected to imulabd at %s", a->socket_path);
    } else {
        a->st.have = false;
        a->cls.active = false;
        app_msg(a, true, "lost the connection to imulabd; reconnecting");
    }
}

static void reply_labels(struct app *a, const cJSON *o)
{
    char keep[65];
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "labels"), *e;
    labels_begin_refresh(&a->labels, keep, sizeof keep);
    cJSON_ArrayForEach(e, arr) {
        char name[65];
        jstr(e, "label", name, sizeof name);
        if (name[0])
            labels_upsert(&a->labels, name, jlong(e, "recordings", 0), jlong(e, "samples", 0),
                          jnum(e, "seconds", 0));
    }
    labels_end_refresh(&a->labels, keep);
}

static void reply_recordings(struct app *a, const cJSON *o)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "recordings"), *e;
    a->nrecent = 0;
    cJSON_ArrayForEach(e, arr) {
        if (a->nrecent == TUI_RECENT_MAX)
            break;
        struct rec_entry *r = &a->recent[a->nrecent++];
        r->id = jlong(e, "id", 0);
        jstr(e, "label", r->label, sizeof r->label);
        jstr(e, "category", r->category, sizeof r->category);
        jstr(e, "subject", r->subject, sizeof r->subject);
        r->samples = jlong(e, "samples", 0);
        r->seconds = jnum(e, "seconds", 0);
    }
}

static void reply(struct app *a, enum req_kind k, long arg, const cJSON *o, const char *err)
{
    switch (k) {
    case REQ_LABELS:
        if (!err)
            reply_labels(a, o);
        break;
    case REQ_RECORDINGS:
        if (!err)
            reply_recordings(a, o);
        break;
    case REQ_START:
        cmd_started(a, err, jlong(o, "recording_id", 0));
        break;
    case REQ_STOP:
        cmd_stopped(a, err, jlong(o, "recording_id", 0), jlong(o, "samples", 0),
                    jnum(o, "seconds", 0));
        break;
    case REQ_DELETE:
    case REQ_UNDELETE:
        cmd_deleted(a, err, arg, k == REQ_UNDELETE);
        break;
    case REQ_PING:
        break; /* a keepalive */
    }
    if (err && (k == REQ_LABELS || k == REQ_RECORDINGS))
        app_msg(a, true, "imulabd: %s", err);
}

void ev_req_line(void *app, struct conn *c, const char *line)
{
    struct app *a = app;
    (void)c;
    enum req_kind k;
    long arg;
    a->dirty = true;
    if (!cmd_pop(a, &k, &arg)) {
        garbage(a, "request", line); /* a reply nobody asked for */
        return;
    }
    cJSON *o = parse_object(a, "request", line);
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(o, "ok");
    char err[200] = "";
    if (!cJSON_IsBool(ok)) {
        if (o)
            garbage(a, "request", line);
        cJSON_Delete(o);
        if (k == REQ_LABELS || k == REQ_RECORDINGS)
            return; /* the excerpt of the garbage stays on the status line */
        reply(a, k, arg, NULL, "imulabd sent an unreadable reply");
        return;
    }
    if (!cJSON_IsTrue(ok)) {
        jstr(o, "error", err, sizeof err);
        if (!err[0])
            snprintf(err, sizeof err, "an error without a reason");
    }
    reply(a, k, arg, o, err[0] ? err : NULL);
    cJSON_Delete(o);
}

void ev_req_state(void *app, struct conn *c, bool up)
{
    struct app *a = app;
    (void)c;
    a->dirty = true;
    if (up)
        cmd_req_up(a);
    else
        cmd_req_down(a);
}
