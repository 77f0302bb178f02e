/* SPDX-License-Identifier: MIT */
/* client.c -- non-blocking Unix-socket line client with automatic reconnect (see client.h).
 *
 * States: DOWN (waiting for next_try), CONNECTING (connect() returned EINPROGRESS/EAGAIN,
 * waiting for POLLOUT), UP. Every failure goes through conn_drop(), which closes the socket,
 * schedules the retry and tells the owner once. Writes use send(MSG_NOSIGNAL) so a vanished
 * daemon is an EPIPE, not a signal.
 */
#define _GNU_SOURCE
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RETRY_MIN 250
#define RETRY_MAX 1000

void conn_init(struct conn *c, const char *path, const char *name, conn_line_fn on_line,
               conn_state_fn on_state, void *ctx)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->name = name;
    c->fd = -1;
    c->on_line = on_line;
    c->on_state = on_state;
    c->ctx = ctx;
    c->backoff = RETRY_MIN;
}

static void conn_close_fd(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->in_len = c->out_len = 0;
    c->in_skip = false;
}

void conn_free(struct conn *c)
{
    conn_close_fd(c);
    free(c->in);
    free(c->out);
    c->in = c->out = NULL;
    c->in_cap = c->out_cap = 0;
}

void conn_drop(struct conn *c, int64_t now, int err)
{
    bool was_up = c->state == CONN_UP;
    conn_close_fd(c);
    c->state = CONN_DOWN;
    c->last_err = err;
    c->next_try = now + c->backoff;
    c->backoff = c->backoff * 2 > RETRY_MAX ? RETRY_MAX : c->backoff * 2;
    if (was_up && c->on_state)
        c->on_state(c->ctx, c, false);
}

static void conn_up(struct conn *c)
{
    c->state = CONN_UP;
    c->backoff = RETRY_MIN;
    c->last_err = 0;
    if (c->on_state)
        c->on_state(c->ctx, c, true);
}

static void conn_start(struct conn *c, int64_t now)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(c->path) >= sizeof sa.sun_path) {
        conn_drop(c, now, ENAMETOOLONG);
        return;
    }
    strcpy(sa.sun_path, c->path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        conn_drop(c, now, errno);
        return;
    }
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        conn_up(c);
    } else if (errno == EINPROGRESS || errno == EAGAIN) {
        c->state = CONN_CONNECTING;
    } else {
        conn_drop(c, now, errno);
    }
}

void conn_tick(struct conn *c, int64_t now)
{
    if (c->state == CONN_DOWN && now >= c->next_try)
        conn_start(c, now);
}

short conn_events(const struct conn *c)
{
    if (c->state == CONN_CONNECTING)
        return POLLOUT;
    if (c->state == CONN_UP)
        return POLLIN | (c->out_len ? POLLOUT : 0);
    return 0;
}

static bool grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    char *p = realloc(*buf, n);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

bool conn_send(struct conn *c, const char *line)
{
    size_t n = strlen(line);
    if (c->state != CONN_UP || c->out_len + n + 1 > CONN_OUT_MAX)
        return false;
    if (!grow(&c->out, &c->out_cap, c->out_len + n + 1))
        return false;
    memcpy(c->out + c->out_len, line, n);
    c->out[c->out_len + n] = '\n';
    c->out_len += n + 1;
    return true;
}

static void conn_flush(struct conn *c, int64_t now)
{
    while (c->out_len) {
        ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno != EAGAIN && errno != EINTR)
                conn_drop(c, now, errno);
            return;
        }
        memmove(c->out, c->out + w, c->out_len - (size_t)w);
        c->out_len -= (size_t)w;
    }
}

/* Hands every complete line in the input buffer to on_line; keeps the partial tail. */
static void conn_split(struct conn *c)
{
    size_t start = 0;
    char *nl;
    while (c->fd >= 0 && (nl = memchr(c->in + start, '\n', c->in_len - start))) {
        *nl = 0;
        if (c->in_skip)
            c->in_skip = false;
        else if (c->on_line)
            c->on_line(c->ctx, c, c->in + start);
        start = (size_t)(nl - c->in) + 1;
    }
    if (c->fd < 0)
        return; /* dropped inside on_line */
    memmove(c->in, c->in + start, c->in_len - start);
    c->in_len -= start;
    if (c->in_len > CONN_LINE_MAX) {
        c->in_len = 0;
        if (!c->in_skip && c->on_line)
            c->on_line(c->ctx, c, NULL);
        c->in_skip = true;
    }
}

static void conn_read(struct conn *c, int64_t now)
{
    for (;;) {
        if (!grow(&c->in, &c->in_cap, c->in_len + 65536 + 1)) {
            conn_drop(c, now, ENOMEM);
            return;
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, 65536, MSG_DONTWAIT);
        if (r == 0) {
            conn_drop(c, now, 0);
            return;
        }
        if (r < 0) {
            if (errno != EAGAIN && errno != EINTR)
                conn_drop(c, now, errno);
            return;
        }
        c->in_len += (size_t)r;
        conn_split(c);
        if (c->fd < 0)
            return;
    }
}

void conn_handle(struct conn *c, short revents, int64_t now)
{
    if (c->state == CONN_CONNECTING) {
        if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
            return;
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        if (err)
            conn_drop(c, now, err);
        else
            conn_up(c);
        return;
    }
    if (c->state != CONN_UP)
        return;
    if (revents & (POLLIN | POLLHUP | POLLERR))
        conn_read(c, now);
    if (c->state == CONN_UP && (revents & POLLOUT))
        conn_flush(c, now);
}
