/* SPDX-License-Identifier: MIT */
/* app.h -- the state shared by every module of imulab-tui.
 *
 * imulab-tui is split like tmux: client.c owns the two socket connections, events.c turns
 * the daemon's JSON lines into this state, cmd.c sends requests and runs the recording state
 * machine, input.c maps keys to commands, screen.c and plot.c draw the state. Nothing but
 * main.c owns the loop; every other module only reads or updates a struct app, which is the
 * single model of what the screen shows. The dirty flag asks for a redraw.
 */
#ifndef IMULAB_TUI_APP_H
#define IMULAB_TUI_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "client.h"
#include "labels.h"
#include "ring.h"

#define TUI_LABEL_MAX 64 /* bytes of UTF-8, as the daemon enforces */
#define TUI_RECENT_MAX 16
#define TUI_PENDING_MAX 64
#define TUI_MAX_CLASSES 32
#define TUI_PROMPT_MAX 256 /* wide characters typed in a prompt */

/* The daemon's status object (docs/control.md), as far as the screen needs it. */
struct devstatus {
    bool have;                 /* a status arrived on this connection */
    bool connected;            /* the device */
    bool recording;
    char port[128], mode[16];
    char label[TUI_LABEL_MAX + 1];
    long recording_id, recording_samples;
    double recording_seconds, rate_hz, fps;
    bool has_device, classifier;
    char board[48], firmware[32], sensor[32];
    long frames, crc_errors, gaps, dropped_events, bad_lines;
    double idle_timeout_s;     /* imulabd closes clients silent this long (0: never, or unknown) */
    int nunits;
    char units[RING_AXES][16]; /* per axis, to plot accel and gyro on their own scales */
};

/* The last classification (CLASSIFICATION frames, or the status object). */
struct classif {
    bool active;
    int cls, nscores;
    int scores[TUI_MAX_CLASSES];
    char label[TUI_LABEL_MAX + 1];
    long instructions;
    bool has_anomaly, unknown; /* firmware with an anomaly model: its score, above the threshold */
    long anomaly;
    int64_t t_ms; /* when it arrived, to fade out a stale one */
};

struct rec_entry {
    long id;
    char label[TUI_LABEL_MAX + 1], category[16], subject[TUI_LABEL_MAX + 1];
    long samples;
    double seconds;
};

/* What a reply on the request connection answers; replies come back in order. */
enum req_kind { REQ_LABELS, REQ_RECORDINGS, REQ_START, REQ_STOP, REQ_DELETE, REQ_UNDELETE, REQ_PING };
struct pending {
    enum req_kind kind[TUI_PENDING_MAX];
    long arg[TUI_PENDING_MAX];
    int head, n;
};

enum rec_state { REC_IDLE, REC_COUNTDOWN, REC_STARTING, REC_RUNNING, REC_STOPPING };
struct recorder {
    enum rec_state st;
    bool timed;
    int64_t t0;        /* countdown start, or recording start */
    int64_t asked;     /* when start/stop was sent, to notice a silent daemon */
    char label[TUI_LABEL_MAX + 1];
    long id;
};

enum prompt_kind { PROMPT_NONE, PROMPT_LABEL, PROMPT_SUBJECT, PROMPT_DELETE };

struct app {
    const char *socket_path;
    int64_t duration_ms, countdown_ms;
    bool utf8, color, help, quit, dirty;
    struct conn sub, req;
    struct pending pending;
    int64_t last_request; /* when a request was last sent (keepalive against the idle timeout) */
    struct ring ring;
    struct devstatus st;
    struct classif cls;
    struct labels labels;
    struct rec_entry recent[TUI_RECENT_MAX];
    int nrecent;
    struct recorder rec;
    bool testing;                               /* category of the next recordings */
    char subject[TUI_LABEL_MAX + 1];
    long deleted[TUI_RECENT_MAX];               /* undo stack for x / u */
    int ndeleted;
    long delete_id;                             /* awaiting confirmation */
    char msg[256];
    bool msg_err;
    int64_t msg_t;
    enum prompt_kind prompt;
    wchar_t pbuf[TUI_PROMPT_MAX + 1];
    int plen;
    int64_t quit_t;                             /* q pressed while recording: stop, then quit */
    char class_names[TUI_MAX_CLASSES][TUI_LABEL_MAX + 1]; /* from --model DIR */
    int nclass_names;
    long frames_drawn;                          /* for --stats */
    int64_t last_samples;                       /* when samples last arrived */
};

int64_t now_ms(void);
/* Sets the status-line message (printf-style); err makes it stand out. */
void app_msg(struct app *a, bool err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
