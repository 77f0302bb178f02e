/* SPDX-License-Identifier: MIT */
/* cmd.c -- requests and the recording state machine (see cmd.h).
 *
 * Labels and subjects are always sent as JSON string literals (cJSON does the quoting), so any
 * valid label, spaces included, reaches the daemon intact. Every user-visible outcome, good or
 * bad, ends as one status-line message through app_msg().
 */
#include "cmd.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_TIMEOUT_MS 3000

bool cmd_request(struct app *a, enum req_kind kind, long arg, const char *line)
{
    struct pending *p = &a->pending;
    if (p->n == TUI_PENDING_MAX || !conn_send(&a->req, line))
        return false;
    int i = (p->head + p->n++) % TUI_PENDING_MAX;
    p->kind[i] = kind;
    p->arg[i] = arg;
    return true;
}

bool cmd_pop(struct app *a, enum req_kind *kind, long *arg)
{
    struct pending *p = &a->pending;
    if (!p->n)
        return false;
    *kind = p->kind[p->head];
    *arg = p->arg[p->head];
    p->head = (p->head + 1) % TUI_PENDING_MAX;
    p->n--;
    return true;
}

void cmd_refresh(struct app *a)
{
    cmd_request(a, REQ_LABELS, 0, "labels");
    cmd_request(a, REQ_RECORDINGS, 0, "recordings 16");
}

void cmd_req_up(struct app *a)
{
    a->pending.n = a->pending.head = 0;
    cmd_refresh(a);
}

void cmd_req_down(struct app *a)
{
    a->pending.n = a->pending.head = 0;
    if (a->rec.st != REC_IDLE && a->rec.st != REC_COUNTDOWN)
        app_msg(a, true, "lost the connection to imulabd during the recording");
    a->rec.st = REC_IDLE;
}

bool cmd_busy(const struct app *a)
{
    return a->rec.st != REC_IDLE;
}

/* A JSON string literal for s, in buf. */
static void quote(char *buf, size_t n, const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *q = j ? cJSON_PrintUnformatted(j) : NULL;
    snprintf(buf, n, "%s", q ? q : "\"\"");
    free(q);
    cJSON_Delete(j);
}

static bool can_record(struct app *a)
{
    if (a->req.state != CONN_UP || a->sub.state != CONN_UP) {
        app_msg(a, true, "not connected to imulabd: cannot record");
        return false;
    }
    if (a->st.have && !a->st.connected) {
        app_msg(a, true, "no device is connected to imulabd: nothing to record");
        return false;
    }
    if (!labels_selected(&a->labels)) {
        app_msg(a, true, "no label: add one with n first");
        return false;
    }
    return true;
}

static void send_start(struct app *a)
{
    char lab[512], subj[512], line[1200];
    quote(lab, sizeof lab, a->rec.label);
    if (a->subject[0]) {
        quote(subj, sizeof subj, a->subject);
        snprintf(line, sizeof line, "record start %s category=%s subject=%s", lab,
                 a->testing ? "testing" : "training", subj);
    } else {
        snprintf(line, sizeof line, "record start %s category=%s", lab,
                 a->testing ? "testing" : "training");
    }
    a->rec.st = REC_STARTING;
    a->rec.asked = now_ms();
    if (!cmd_request(a, REQ_START, 0, line)) {
        a->rec.st = REC_IDLE;
        app_msg(a, true, "could not send record start to imulabd");
    }
}

static void send_stop(struct app *a)
{
    a->rec.st = REC_STOPPING;
    a->rec.asked = now_ms();
    if (!cmd_request(a, REQ_STOP, 0, "record stop")) {
        a->rec.st = REC_IDLE;
        app_msg(a, true, "could not send record stop to imulabd");
    }
}

void cmd_timed(struct app *a)
{
    if (cmd_busy(a)) {
        app_msg(a, true, "a recording is already under way");
        return;
    }
    if (!can_record(a))
        return;
    snprintf(a->rec.label, sizeof a->rec.label, "%s", labels_selected(&a->labels));
    a->rec.timed = true;
    a->rec.st = REC_COUNTDOWN;
    a->rec.t0 = now_ms();
    app_msg(a, false, "get ready: recording %s for %.1f s", a->rec.label,
            (double)a->duration_ms / 1000.0);
}

void cmd_free_toggle(struct app *a)
{
    if (a->rec.st == REC_COUNTDOWN) {
        cmd_cancel(a);
    } else if (a->rec.st == REC_RUNNING) {
        send_stop(a);
    } else if (a->rec.st == REC_IDLE && a->st.recording) {
        send_stop(a); /* a recording opened elsewhere: space closes it */
    } else if (a->rec.st == REC_IDLE && can_record(a)) {
        snprintf(a->rec.label, sizeof a->rec.label, "%s", labels_selected(&a->labels));
        a->rec.timed = false;
        send_start(a);
    }
}

void cmd_cancel(struct app *a)
{
    if (a->rec.st == REC_COUNTDOWN) {
        a->rec.st = REC_IDLE;
        app_msg(a, false, "recording cancelled");
    }
}

void cmd_tick(struct app *a, int64_t now)
{
    struct recorder *r = &a->rec;
    if (r->st == REC_COUNTDOWN && now - r->t0 >= a->countdown_ms)
        send_start(a);
    else if (r->st == REC_RUNNING && r->timed && now - r->t0 >= a->duration_ms)
        send_stop(a);
    else if ((r->st == REC_STARTING || r->st == REC_STOPPING) && now - r->asked > START_TIMEOUT_MS) {
        app_msg(a, true, "imulabd did not answer record %s",
                r->st == REC_STARTING ? "start" : "stop");
        r->st = REC_IDLE;
    }
}

void cmd_started(struct app *a, const char *err, long id)
{
    if (a->rec.st != REC_STARTING)
        return;
    if (err) {
        a->rec.st = REC_IDLE;
        app_msg(a, true, "record start failed: %s", err);
        return;
    }
    a->rec.st = REC_RUNNING;
    a->st.recording = true; /* until the next status says otherwise */
    a->rec.t0 = now_ms();
    a->rec.id = id;
    app_msg(a, false, "recording #%ld %s%s", id, a->rec.label,
            a->rec.timed ? "" : " (space stops)");
}

void cmd_stopped(struct app *a, const char *err, long id, long samples, double seconds)
{
    a->rec.st = REC_IDLE;
    if (err) {
        app_msg(a, true, "record stop failed: %s", err);
        return;
    }
    a->st.recording = false;
    app_msg(a, false, "saved recording #%ld: %ld samples, %.2f s", id, samples, seconds);
    cmd_refresh(a);
    if (a->quit_t)
        a->quit = true;
}

void cmd_delete_ask(struct app *a)
{
    if (a->nrecent == 0) {
        app_msg(a, true, "no recording to delete");
        return;
    }
    a->delete_id = a->recent[0].id;
    a->prompt = PROMPT_DELETE;
}

void cmd_delete_confirm(struct app *a)
{
    char line[64];
    snprintf(line, sizeof line, "delete %ld", a->delete_id);
    if (!cmd_request(a, REQ_DELETE, a->delete_id, line))
        app_msg(a, true, "not connected to imulabd: cannot delete");
}

void cmd_undo(struct app *a)
{
    if (a->ndeleted == 0) {
        app_msg(a, true, "nothing to undo");
        return;
    }
    char line[64];
    long id = a->deleted[a->ndeleted - 1];
    snprintf(line, sizeof line, "undelete %ld", id);
    if (!cmd_request(a, REQ_UNDELETE, id, line))
        app_msg(a, true, "not connected to imulabd: cannot undo");
}

void cmd_deleted(struct app *a, const char *err, long id, bool undelete)
{
    if (err) {
        app_msg(a, true, "%s #%ld failed: %s", undelete ? "undelete" : "delete", id, err);
        return;
    }
    if (undelete) {
        a->ndeleted--;
        app_msg(a, false, "restored recording #%ld", id);
    } else {
        if (a->ndeleted == TUI_RECENT_MAX) {
            memmove(a->deleted, a->deleted + 1, (TUI_RECENT_MAX - 1) * sizeof a->deleted[0]);
            a->ndeleted--;
        }
        a->deleted[a->ndeleted++] = id;
        app_msg(a, false, "moved recording #%ld to the trash (u undoes)", id);
    }
    cmd_refresh(a);
}

void cmd_add_label(struct app *a, const char *utf8)
{
    const char *why = label_invalid(utf8);
    if (why) {
        app_msg(a, true, "label rejected: it %s", why);
        return;
    }
    bool known = labels_find(&a->labels, utf8) >= 0;
    if (labels_add_local(&a->labels, utf8) < 0)
        app_msg(a, true, "out of memory");
    else if (known)
        app_msg(a, false, "label %s selected", utf8);
    else
        app_msg(a, false, "label %s added (kept once something is recorded)", utf8);
}

void cmd_set_subject(struct app *a, const char *utf8)
{
    if (!utf8[0]) {
        a->subject[0] = 0;
        app_msg(a, false, "subject cleared");
        return;
    }
    const char *why = label_invalid(utf8);
    if (why) {
        app_msg(a, true, "subject rejected: it %s", why);
        return;
    }
    snprintf(a->subject, sizeof a->subject, "%s", utf8);
    app_msg(a, false, "subject of the next recordings: %s", utf8);
}

void cmd_toggle_category(struct app *a)
{
    a->testing = !a->testing;
    app_msg(a, false, "next recordings go to %s", a->testing ? "testing" : "training");
}
