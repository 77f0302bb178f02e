/* SPDX-License-Identifier: MIT */
/* daemon.h -- imulabd's shared state and the interfaces between its subsystems.
 *
 * imulabd is one thread around one poll() loop (main.c). Its subsystems, one file each:
 *   main.c     also reopens the serial port (serial/serial.c) with backoff after a hang-up;
 *   ingest.c   bytes -> samples: tells binary frames from data-forwarder text, decodes both,
 *              counts errors and sequence gaps, measures the text sample rate;
 *   recorder.c the open recording: buffers samples and commits them to SQLite in batches;
 *   control.c  the Unix-domain control socket (docs/control.md);
 *   log.c      log lines on stderr (journald adds the timestamps under systemd).
 */
#ifndef IMULABD_DAEMON_H
#define IMULABD_DAEMON_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "serial.h"
#include "store.h"
#include "textline.h"

#define DAEMON_MAX_AXES 16

enum ingest_mode { MODE_DETECTING = 0, MODE_BINARY, MODE_TEXT };

/* Counters reported by `status`; cumulative over the daemon's life. */
struct counters {
    uint64_t bytes, frames, crc_errors, framing_errors, resyncs;
    uint64_t gaps, missing_samples;
    uint64_t text_lines, bad_lines, long_lines; /* long_lines: over TEXTLINE_MAX, also in bad_lines */
    uint64_t samples;
    uint64_t db_errors, db_dropped_samples;
    uint64_t dropped_events;
    uint64_t device_errors;
    uint64_t clients_turned_away, clients_timed_out;
};

/* What the device told us (binary HELLO) or what we inferred (text). */
struct device_info {
    bool known;
    struct proto_hello hello;
    int n_axes;
    char axis_name[DAEMON_MAX_AXES][STORE_NAME_MAX + 1];
    char axis_unit[DAEMON_MAX_AXES][STORE_UNIT_MAX + 1];
    double axis_scale[DAEMON_MAX_AXES];
    double rate_hz;
};

/* The open recording, if any. Samples wait in pending until the next commit. */
struct recording {
    bool open;
    int64_t id;
    char label[STORE_LABEL_MAX + 1];
    char subject[STORE_LABEL_MAX + 1];
    char category[12];
    enum store_format format;
    int n_axes;
    double started_mono;
    int64_t committed_samples; /* in the database */
    int64_t total_samples;     /* committed + pending */
    int64_t gaps, missing_samples;
    int64_t chunk_seq;
    /* pending, not yet committed */
    void *pending;             /* int16 or float values, n_axes interleaved */
    size_t pending_n, pending_cap; /* in samples */
    int64_t pending_t_us;
    struct { int64_t at, frames, samples; } pending_gaps[64];
    int n_pending_gaps;
    bool rate_dirty;
};

/* Live samples for subscribers, physical units, emitted every 50 ms. */
#define LIVE_MAX_SAMPLES 2048
struct live {
    float values[LIVE_MAX_SAMPLES * DAEMON_MAX_AXES];
    int n, n_axes;
};

struct last_classification {
    bool valid;
    struct proto_classification c;
    bool have_decision;          /* an EVENT came: the device's current decision */
    struct proto_event decision;
    uint32_t events;
    uint32_t unknown;            /* classifications the device marked unknown (anomaly score above threshold) */
};

struct daemon {
    /* options */
    const char *port_path, *db_path, *socket_path;
    int baud;
    double idle_timeout_s; /* control clients silent this long are closed; 0: never */
    int n_cli_axes;
    char cli_axes[DAEMON_MAX_AXES][STORE_NAME_MAX + 1];
    /* port */
    struct port *port;
    bool port_open;
    double port_retry_at, port_backoff;
    /* ingest */
    enum ingest_mode mode;
    struct proto_decoder dec;
    struct textline text;
    uint64_t text_long_seen;    /* text.too_long already counted */
    int text_run;               /* consecutive good text lines while detecting */
    int text_columns;           /* columns of the first good text line */
    double text_first_t, text_last_t;
    uint64_t text_rate_lines;
    bool text_rate_final;
#define TEXT_EARLY_INTERVALS 16
#define DETECT_REPORT_S 3.0 /* while detecting: how often unrecognised lines are reported */
    double text_iv[TEXT_EARLY_INTERVALS]; /* first intervals between lines, for the median */
    int text_n_iv;       /* a second of lines measured */
    /* lines seen while detecting that were not recognised (reported every few seconds) */
    uint64_t detect_bad;           /* counted into c.bad_lines; taken back if frames show up */
    uint64_t detect_bad_since_log; /* since the last report */
    double detect_log_t;
    char detect_first[200];        /* the first offending line since the last report, escaped, and why */
    char text_problem[300];        /* the last report, for `status` ("" when none) */
    double last_frame_t, last_text_t, last_data_t;
    bool have_seq;
    uint32_t next_seq;
    uint16_t last_frame_count;
    bool info_requested;
    double info_requested_at;
    uint16_t next_token;
    struct device_info dev;
    int64_t device_id;
    struct last_classification cls;
    /* recording */
    struct store *store;
    struct recording rec;
    char owner[300];
    double last_commit_t;
    double last_db_error_log;
    struct live live;
    /* stats */
    struct counters c;
    double start_t;
    double fps_t;
    uint64_t fps_frames;
    double fps;
    /* control */
    struct control *control;
    bool stop;
    bool hup;
    bool ever_opened;
    int exit_code;
};

/* log.c */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_ratelimited(double *last, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double mono_now(void);

/* ingest.c */
void ingest_reset(struct daemon *d);
void ingest_bytes(struct daemon *d, const uint8_t *buf, size_t n);
bool ingest_connected(const struct daemon *d);
void ingest_tick(struct daemon *d, double now);
/* Send a command frame to the device; returns the token or -1. */
int ingest_send_command(struct daemon *d, uint8_t type, const uint8_t *args, size_t len);
const char *ingest_mode_name(enum ingest_mode m);

/* recorder.c */
int recorder_start(struct daemon *d, const char *label, const char *subject, const char *category, char *why,
                   size_t whylen);
/* 0; -1 none open; -2 the database refused (the recording stays open); why says which. */
int recorder_stop(struct daemon *d, int64_t *id, int64_t *samples, double *seconds, int64_t *gaps, char *why,
                  size_t whylen);
void recorder_add_i16(struct daemon *d, const uint8_t *le_values, unsigned count, int n_axes, uint64_t t_us);
void recorder_add_f32(struct daemon *d, const float *values, unsigned count, int n_axes);
void recorder_gap(struct daemon *d, int64_t frames, int64_t samples);
/* Commit pending samples if the batch interval passed (or force). */
void recorder_commit(struct daemon *d, bool force);

/* control.c */
struct control *control_open(struct daemon *d, const char *path, char *why, size_t whylen);
void control_close(struct control *c);
/* Append pollfds; returns how many were added. */
int control_pollfds(struct control *c, struct pollfd *fds, int max);
/* Buffered requests wait to be served: poll without sleeping. */
bool control_busy(const struct control *c);
void control_handle(struct control *c, struct pollfd *fds, int n);
/* Events for subscribers. */
void control_event_samples(struct control *c);
void control_event_status(struct control *c);
void control_event_classification(struct control *c, const struct proto_classification *cls);
/* A decision EVENT from the classifier: {"event":"decision","class":i|null,"previous":..,"votes":n}. */
void control_event_decision(struct control *c, const struct proto_event *e);
void control_event_recording(struct control *c, const char *state, int64_t id, const char *label);
/* A device reply (ACK/NAK) for a command token. */
void control_device_reply(struct control *c, uint16_t token, bool ok, const char *why);
void control_tick(struct control *c, double now);

#endif
