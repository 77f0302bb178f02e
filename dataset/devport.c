/* devport.c -- see devport.h. */
#include "devport.h"

#include <errno.h>
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

static speed_t baud_const(unsigned baud)
{
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return B115200;
    }
}

int devport_open(struct devport *p, const char *path, unsigned baud, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (p->fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(p->fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s is in use by another program (imulabd? stop it first)", path);
        close(p->fd);
        p->fd = -1;
        return -1;
    }
    struct termios t;
    if (tcgetattr(p->fd, &t) != 0) {
        snprintf(err, errlen, "%s is not a serial port or terminal: %s", path, strerror(errno));
        close(p->fd);
        p->fd = -1;
        return -1;
    }
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)CRTSCTS;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, baud_const(baud));
    cfsetospeed(&t, baud_const(baud));
    tcsetattr(p->fd, TCSANOW, &t);
    tcflush(p->fd, TCIFLUSH);
    proto_decoder_init(&p->dec);
    p->token = (uint16_t)(getpid() & 0x7fff);
    return 0;
}

void devport_close(struct devport *p)
{
    if (p->fd >= 0)
        close(p->fd);
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
