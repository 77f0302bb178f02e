/* SPDX-License-Identifier: MIT */
/* devport.c -- see devport.h. */
#include "devport.h"
#include "serial.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

double devport_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Open through the shared serial code (libserialport or termios, locked), then drop whatever
 * the device sent before we came. */
int devport_open(struct devport *p, const char *path, unsigned baud, char *err, size_t errlen)
{
    char why[512];
    bool busy = false;
    memset(p, 0, sizeof *p);
    p->fd = -1;
    p->port = port_open(path, (int)baud, why, sizeof why, &busy);
    if (!p->port) {
        snprintf(err, errlen, "%s%s", why, busy ? " (stop imulabd on that port first)" : "");
        return -1;
    }
    p->fd = port_fd(p->port);
    tcflush(p->fd, TCIFLUSH);
    proto_decoder_init(&p->dec);
    p->token = (uint16_t)(getpid() & 0x7fff);
    return 0;
}

void devport_close(struct devport *p)
{
    port_close(p->port);
    p->port = NULL;
    p->fd = -1;
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
    double deadline = devport_now_ms() + 2000.0;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w > 0) {
            b += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        double left = deadline - devport_now_ms();
        if (left <= 0)
            return -1;
        struct pollfd pf = { .fd = fd, .events = POLLOUT };
        poll(&pf, 1, (int)left + 1);
    }
    return 0;
}

int devport_command(struct devport *p, uint8_t type, const void *body, size_t len)
{
    uint8_t payload[PROTO_MAX_PAYLOAD];
    uint8_t out[PROTO_MAX_ENCODED + 2];
    if (len + 2 > sizeof payload)
        return -1;
    uint16_t tok = ++p->token;
    if (tok == 0)
        tok = ++p->token;
    proto_put_u16(payload, tok);
    if (len)
        memcpy(payload + 2, body, len);
    /* a leading delimiter ends whatever partial frame the device may hold */
    out[0] = 0;
    size_t n = proto_frame_encode(type, payload, len + 2, out + 1, sizeof out - 1);
    if (n == 0 || write_all(p->fd, out, n + 1))
        return -1;
    return tok;
}

int devport_read_frame(struct devport *p, int timeout_ms, struct proto_frame *f)
{
    double deadline = devport_now_ms() + timeout_ms;
    for (;;) {
        while (p->pos < p->len) {
            if (proto_decode_push(&p->dec, p->buf[p->pos++], f) == PROTO_FRAME)
                return 1;
        }
        ssize_t r = read(p->fd, p->buf, sizeof p->buf);
        if (r > 0) {
            p->bytes_in += (uint64_t)r;
            p->pos = 0;
            p->len = (size_t)r;
            continue;
        }
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            if (r < 0 && errno == EIO) { /* pty with no peer yet or hung up: keep waiting */
                double left = deadline - devport_now_ms();
                if (left <= 0)
                    return 0;
                struct timespec ts = { 0, 20 * 1000000L };
                nanosleep(&ts, NULL);
                continue;
            }
            if (r == 0)
                goto wait;
            return -1;
        }
    wait:;
        double left = deadline - devport_now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pf = { .fd = p->fd, .events = POLLIN };
        int pr = poll(&pf, 1, (int)left + 1);
        if (pr < 0 && errno != EINTR)
            return -1;
        if (pr > 0 && (pf.revents & (POLLERR | POLLNVAL)))
            return -1;
        if (pr > 0 && (pf.revents & POLLHUP) && !(pf.revents & POLLIN)) {
            struct timespec ts = { 0, 20 * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
}
