/* SPDX-License-Identifier: MIT */
/* tamper -- a device that computes differently: a relay between `imulab validate` and a real
 * (emulated) classifier that changes chosen VALIDATE_RESULT frames on their way to the host.
 *
 *   tamper --link PATH --dev DEV [--score N] [--feature N] [--class N] [--drop N] [--drop-event]
 *
 * Creates a pseudo-terminal, links PATH to it (removed on exit) and relays bytes between it and
 * DEV (QEMU's pty): host -> device unchanged, device -> host frame by frame (decoded with
 * portable/proto.c and encoded again, which gives the same bytes for every valid frame). In the
 * N-th VALIDATE_RESULT (counted from 1) --score adds one to score 0 (subtracts at 127), --feature
 * flips the lowest bit of feature 0, --class moves the class index to the next class; the frame
 * keeps a valid CRC, so only the comparison with the host can notice; --drop loses it (a lost
 * answer: the host sends the window again), --drop-event loses the first whose decision block
 * reports a changed decision (an EVENT). Each option may be given
 * once. Runs until SIGTERM/SIGINT; prints how many frames it relayed and changed on stderr.
 *
 * It also checks the host's flow control (proto.h, PROTO_CMD_FRAME_MAX): the commands the device
 * has not answered yet (ACK or NAK with their token), with their delimiters, never exceed what its
 * receive ring holds; a command unanswered for 250 ms counts as given up (the host's timeout).
 * Each breach is printed ("tamper: flow: ...") and counted in the summary, so a test can require
 * none.
 */
#define _GNU_SOURCE
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static const char *link_path;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void die(const char *what)
{
    fprintf(stderr, "tamper: %s: %s\n", what, strerror(errno));
    if (link_path)
        unlink(link_path);
    exit(1);
}

/* Raw 8-bit mode, no echo, no line discipline. */
static void make_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
}

/* Monotonic milliseconds. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What the host sent: the commands not answered yet and the breaches of the flow control seen. */
#define FLOW_MAX 32
struct flow {
    struct proto_decoder dec; /* host -> device frames */
    size_t frame_bytes;       /* encoded bytes of the frame being received */
    struct {
        int token;
        size_t bytes;
        double sent_ms;
    } out[FLOW_MAX];          /* unanswered commands */
    int n_out;
    long commands, breaches;
};

/* Forget commands answered or given up on (250 ms: the host's timeout). */
static void flow_expire(struct flow *fl)
{
    int k = 0;
    for (int i = 0; i < fl->n_out; i++)
        if (now_ms() - fl->out[i].sent_ms < 250.0)
            fl->out[k++] = fl->out[i];
    fl->n_out = k;
}

/* Host -> device bytes: check each complete command frame against the flow control. */
static void flow_from_host(struct flow *fl, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0)
            fl->frame_bytes++;
        struct proto_frame f;
        int r = proto_decode_push(&fl->dec, b[i], &f);
        if (b[i] != 0)
            continue;
        size_t bytes = fl->frame_bytes + 2; /* with both delimiters */
        fl->frame_bytes = 0;
        if (r != PROTO_FRAME || f.len < 2)
            continue;
        fl->commands++;
        flow_expire(fl);
        size_t in_flight = bytes;
        for (int k = 0; k < fl->n_out; k++)
            in_flight += fl->out[k].bytes;
        int token = proto_get_u16(f.payload);
        if (in_flight > PROTO_CMD_FRAME_MAX) {
            fl->breaches++;
            fprintf(stderr, "tamper: flow: command 0x%02x token %d (%zu bytes) makes %zu unanswered bytes (device ring %u)\n",
                    f.type, token, bytes, in_flight, PROTO_CMD_FRAME_MAX);
        }
        if (fl->n_out == FLOW_MAX)
            fl->n_out--;
        fl->out[fl->n_out].token = token;
        fl->out[fl->n_out].bytes = bytes;
        fl->out[fl->n_out].sent_ms = now_ms();
        fl->n_out++;
    }
}

/* An ACK or NAK from the device answers that command. */
static void flow_answer(struct flow *fl, const struct proto_frame *f)
{
    if ((f->type != PROTO_ACK && f->type != PROTO_NAK) || f->len < 2)
        return;
    int token = proto_get_u16(f->payload);
    for (int i = 0; i < fl->n_out; i++)
        if (fl->out[i].token == token) {
            fl->out[i] = fl->out[--fl->n_out];
            return;
        }
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                poll(&(struct pollfd){.fd = fd, .events = POLLOUT}, 1, 100);
                continue;
            }
            die("write");
        }
        p += w;
        n -= (size_t)w;
    }
}

struct change {
    long score, feature, cls, drop; /* which VALIDATE_RESULT (1-based), 0 = none */
    int drop_event;                 /* drop the first VALIDATE_RESULT whose decision changed */
    long results, changed, frames;
};

/* Change one VALIDATE_RESULT payload as asked; returns 1 if it changed it (then out holds the new
 * payload and *n its length). */
static int tamper_result(struct change *c, const struct proto_frame *f, uint8_t *out, size_t *n)
{
    struct proto_validate_result r;
    if (proto_validate_result_parse(f->payload, f->len, &r))
        return 0;
    long k = ++c->results;
    if (k == c->drop || (c->drop_event && r.has_decision && r.event)) {
        c->drop_event = 0;
        c->changed++;
        fprintf(stderr, "tamper: dropped VALIDATE_RESULT %ld\n", k);
        *n = 0;
        return 1;
    }
    if (k != c->score && k != c->feature && k != c->cls)
        return 0;
    float feat[PROTO_MAX_VALIDATE_FEATURES];
    for (unsigned i = 0; i < r.n_features; i++) {
        uint32_t b = proto_validate_feature_bits(&r, i);
        memcpy(&feat[i], &b, 4);
    }
    if (k == c->score && r.n_classes > 0)
        r.scores[0] = (int8_t)(r.scores[0] == 127 ? 126 : r.scores[0] + 1);
    if (k == c->feature && r.n_features > 0) {
        uint32_t b;
        memcpy(&b, &feat[0], 4);
        b ^= 1u;
        memcpy(&feat[0], &b, 4);
    }
    if (k == c->cls && r.n_classes > 1)
        r.class_index = (uint8_t)((r.class_index + 1u) % r.n_classes);
    *n = proto_validate_result_pack(&r, feat, out, PROTO_MAX_PAYLOAD);
    if (*n == 0)
        return 0;
    c->changed++;
    fprintf(stderr, "tamper: changed VALIDATE_RESULT %ld\n", k);
    return 1;
}

/* Device -> host: decode, maybe change, encode again. */
static void relay_from_device(struct change *c, struct flow *fl, struct proto_decoder *d, const uint8_t *b, size_t n,
                              int host)
{
    for (size_t i = 0; i < n; i++) {
        struct proto_frame f;
        if (proto_decode_push(d, b[i], &f) != PROTO_FRAME)
            continue;
        flow_answer(fl, &f);
        uint8_t payload[PROTO_MAX_PAYLOAD], enc[PROTO_MAX_ENCODED + 2];
        size_t len = f.len;
        const uint8_t *p = f.payload;
        if (f.type == PROTO_VALIDATE_RESULT && tamper_result(c, &f, payload, &len)) {
            if (len == 0)
                continue; /* dropped */
            p = payload;
        }
        enc[0] = 0; /* a leading delimiter ends any partial frame, as the protocol allows */
        size_t e = proto_frame_encode(f.type, p, len, enc + 1, sizeof enc - 1);
        if (e == 0)
            continue;
        write_all(host, enc, e + 1);
        c->frames++;
    }
}

static long parse_n(const char *s, const char *opt)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end || v < 1) {
        fprintf(stderr, "tamper: %s wants a window number from 1, not '%s'\n", opt, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"link", 1, 0, 'l'},  {"dev", 1, 0, 'd'},   {"score", 1, 0, 's'},
                                         {"feature", 1, 0, 'f'}, {"class", 1, 0, 'c'}, {"drop", 1, 0, 'x'}, {"drop-event", 0, 0, 'e'},
                                         {0, 0, 0, 0}};
    struct change c = {0};
    const char *dev = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'l': link_path = optarg; break;
        case 'd': dev = optarg; break;
        case 's': c.score = parse_n(optarg, "--score"); break;
        case 'f': c.feature = parse_n(optarg, "--feature"); break;
        case 'c': c.cls = parse_n(optarg, "--class"); break;
        case 'x': c.drop = parse_n(optarg, "--drop"); break;
        case 'e': c.drop_event = 1; break;
        default:
            fprintf(stderr, "usage: tamper --link PATH --dev DEV [--score N] [--feature N] [--class N] [--drop N] [--drop-event]\n");
            return 2;
        }
    }
    if (!link_path || !dev || optind < argc) {
        fprintf(stderr, "usage: tamper --link PATH --dev DEV [--score N] [--feature N] [--class N] [--drop N] [--drop-event]\n");
        return 2;
    }
    int dfd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (dfd < 0)
        die(dev);
    make_raw(dfd);
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    char slave[PATH_MAX];
    if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, slave, sizeof slave))
        die("pseudo-terminal");
    int keep = open(slave, O_RDWR | O_NOCTTY); /* held open: the host may close and reopen its end */
    if (keep < 0)
        die(slave);
    make_raw(keep);
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", link_path);
    unlink(tmp);
    if (symlink(slave, tmp) || rename(tmp, link_path))
        die(link_path);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct proto_decoder dec;
    proto_decoder_init(&dec);
    struct flow fl = {.n_out = 0};
    proto_decoder_init(&fl.dec);
    while (!stop) {
        struct pollfd p[2] = {{.fd = master, .events = POLLIN}, {.fd = dfd, .events = POLLIN}};
        if (poll(p, 2, 200) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        uint8_t buf[4096];
        if (p[0].revents & POLLIN) {
            ssize_t r = read(master, buf, sizeof buf);
            if (r > 0) {
                flow_from_host(&fl, buf, (size_t)r);
                write_all(dfd, buf, (size_t)r);
            }
        }
        if (p[1].revents & POLLIN) {
            ssize_t r = read(dfd, buf, sizeof buf);
            if (r > 0)
                relay_from_device(&c, &fl, &dec, buf, (size_t)r, master);
        }
        if ((p[1].revents & (POLLHUP | POLLERR)) && !(p[1].revents & POLLIN)) {
            fprintf(stderr, "tamper: the device %s hung up\n", dev);
            break;
        }
    }
    unlink(link_path);
    fprintf(stderr, "tamper: %ld frames relayed, %ld VALIDATE_RESULT seen, %ld changed; %ld commands, %ld flow breaches\n",
            c.frames, c.results, c.changed, fl.commands, fl.breaches);
    return 0;
}
