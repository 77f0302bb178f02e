/* SPDX-License-Identifier: MIT */
/* client.h -- one non-blocking connection to imulabd's control socket, reconnecting by itself.
 *
 * The owner polls conn_pollfd()'s descriptor for conn_events(), hands the result to
 * conn_handle(), and calls conn_tick() every loop turn so that a closed connection is retried
 * (250 ms, backing off to 1 s). Incoming bytes are split into lines handed to on_line; a line
 * over CONN_LINE_MAX is discarded and reported as a NULL line. Outgoing lines are queued and
 * written as the socket accepts them. on_state tells the owner when the link goes up or down.
 */
#ifndef IMULAB_TUI_CLIENT_H
#define IMULAB_TUI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONN_LINE_MAX (1 << 20)
#define CONN_OUT_MAX (256 << 10)

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP };

struct conn;
typedef void (*conn_line_fn)(void *ctx, struct conn *c, const char *line);
typedef void (*conn_state_fn)(void *ctx, struct conn *c, bool up);

struct conn {
    const char *path, *name;
    int fd;
    enum conn_state state;
    char *in, *out;
    size_t in_len, in_cap, out_len, out_cap;
    bool in_skip;         /* discarding the rest of an over-long line */
    int64_t next_try;     /* when to connect again */
    int backoff, last_err;
    conn_line_fn on_line;
    conn_state_fn on_state;
    void *ctx;
};

void conn_init(struct conn *c, const char *path, const char *name, conn_line_fn on_line,
               conn_state_fn on_state, void *ctx);
void conn_free(struct conn *c);
void conn_tick(struct conn *c, int64_t now);
short conn_events(const struct conn *c);
void conn_handle(struct conn *c, short revents, int64_t now);
/* Queues line + "\n"; false when the connection is down or its queue is full. */
bool conn_send(struct conn *c, const char *line);
/* Drops the connection (err: the errno that caused it, 0 for a protocol reason). */
void conn_drop(struct conn *c, int64_t now, int err);

#endif
