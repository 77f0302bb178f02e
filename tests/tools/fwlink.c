/* SPDX-License-Identifier: MIT */
/* fwlink -- talk to the streamer firmware (or imulab-sim) over a serial device or pty.
 *
 *   fwlink DEV [--seconds S] [--settle S] [--cmd TYPE:HEXPAYLOAD]...
 *
 * Reads frames for --settle seconds (default 0.3), sends each command (the token, counted from
 * 1, is put before HEXPAYLOAD; e.g. 0x83:c800 sets 200 Hz) and reads 50 ms after each, then
 * starts counting samples afresh and reads for --seconds (default 2). Frames are decoded with
 * portable/proto.c; bytes before the first 0x00 (a partial frame) are skipped. Prints a JSON
 * summary on one line:
 *   frames      good frames per type ("HELLO", "SAMPLES", ... or "0xNN")
 *   samples, seqs, gaps, first_t_us, last_t_us   of the SAMPLES frames of the last period
 *   crc_errors, framing_errors, bytes            over the whole run
 *   hello       the last HELLO {board, sensor, rate, accel_g, gyro_dps, flags, baud, spf, axes}
 *   acks [[token, cmd]], naks [[token, cmd, reason, text]], errors [[code, text]]
 *   wall_rate   samples per second of wall clock; device_span_s  last_t_us - first_t_us
 *   mean, absdev   per axis, over the samples of the last period (raw int16 units)
 */
#define _GNU_SOURCE
#include "proto.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "fwlink: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static struct {
    int fd;
    bool synced, eof;
    uint16_t token;
    struct proto_decoder dec;
    cJSON *frames, *hello, *acks, *naks, *errors;
    unsigned long samples, seqs, gaps, bytes;
    bool have_seq, have_t;
    uint32_t last_seq;
    uint64_t first_t_us, last_t_us;
    unsigned n_axes;
    int16_t *vals; /* every sample of the period, n_axes values each */
    size_t nvals, capvals;
} L;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *xrealloc(void *p, size_t n)
{
    if (!(p = realloc(p, n)))
        die("%s", "out of memory");
    return p;
}

static const char *type_name(uint8_t t, char *buf, size_t cap)
{
    static const char *names[] = {NULL, "HELLO", "SAMPLES", "CLASSIFICATION", "LOG", "ERROR", "ACK", "NAK", "STATS",
                                  "VALIDATE_RESULT"};
    if (t < sizeof names / sizeof names[0] && names[t])
        return names[t];
    snprintf(buf, cap, "0x%02x", t);
    return buf;
}

static cJSON *text_of(const uint8_t *p, size_t n)
{
    char buf[PROTO_MAX_PAYLOAD + 1];
    memcpy(buf, p, n);
    buf[n] = 0;
    return cJSON_CreateString(buf); /* cJSON escapes control characters */
}

static void handle(const struct proto_frame *f)
{
    char nb[8];
    const char *name = type_name(f->type, nb, sizeof nb);
    cJSON *c = cJSON_GetObjectItemCaseSensitive(L.frames, name);
    if (c)
        cJSON_SetNumberValue(c, c->valuedouble + 1);
    else
        cJSON_AddNumberToObject(L.frames, name, 1);
    const uint8_t *p = f->payload;
    switch (f->type) {
    case PROTO_HELLO: {
        struct proto_hello h;
        if (proto_hello_parse(p, f->len, &h) < 0)
            break;
        cJSON_Delete(L.hello);
        L.hello = cJSON_CreateObject();
        cJSON_AddStringToObject(L.hello, "board", h.board);
        cJSON_AddStringToObject(L.hello, "sensor", h.sensor);
        cJSON_AddNumberToObject(L.hello, "rate", h.sample_rate_hz);
        cJSON_AddNumberToObject(L.hello, "accel_g", h.accel_range_g);
        cJSON_AddNumberToObject(L.hello, "gyro_dps", h.gyro_range_dps);
        cJSON_AddNumberToObject(L.hello, "flags", h.flags);
        cJSON_AddNumberToObject(L.hello, "baud", h.baud);
        cJSON_AddNumberToObject(L.hello, "spf", h.samples_per_frame);
        cJSON *axes = cJSON_AddArrayToObject(L.hello, "axes");
        for (unsigned a = 0; a < h.n_axes; a++)
            cJSON_AddItemToArray(axes, cJSON_CreateString(h.axis_name[a]));
        break;
    }
    case PROTO_SAMPLES: {
        struct proto_samples s;
        if (proto_samples_parse(p, f->len, &s) < 0)
            break;
        if (L.have_seq && s.seq != L.last_seq + 1u)
            L.gaps++;
        L.have_seq = true;
        L.last_seq = s.seq;
        L.samples += s.count;
        L.seqs++;
        if (!L.have_t)
            L.first_t_us = s.t_us;
        L.have_t = true;
        L.last_t_us = s.t_us;
        if (!L.n_axes)
            L.n_axes = s.n_axes;
        if (s.n_axes != L.n_axes)
            break; /* the means need one layout */
        size_t need = L.nvals + (size_t)s.count * s.n_axes;
        if (need > L.capvals) {
            L.capvals = need * 2;
            L.vals = xrealloc(L.vals, L.capvals * sizeof *L.vals);
        }
        for (unsigned i = 0; i < s.count; i++)
            for (unsigned a = 0; a < s.n_axes; a++)
                L.vals[L.nvals++] = proto_samples_value(&s, i, a);
        break;
    }
    case PROTO_ACK:
        if (f->len >= PROTO_ACK_LEN) {
            cJSON *a = cJSON_CreateArray();
            cJSON_AddItemToArray(a, cJSON_CreateNumber(proto_get_u16(p)));
            cJSON_AddItemToArray(a, cJSON_CreateNumber(p[2]));
            cJSON_AddItemToArray(L.acks, a);
        }
        break;
    case PROTO_NAK:
        if (f->len >= PROTO_NAK_HDR) {
            cJSON *a = cJSON_CreateArray();
            cJSON_AddItemToArray(a, cJSON_CreateNumber(proto_get_u16(p)));
            cJSON_AddItemToArray(a, cJSON_CreateNumber(p[2]));
            cJSON_AddItemToArray(a, cJSON_CreateNumber(p[3]));
            cJSON_AddItemToArray(a, text_of(p + PROTO_NAK_HDR, f->len - PROTO_NAK_HDR));
            cJSON_AddItemToArray(L.naks, a);
        }
        break;
    case PROTO_ERROR:
        if (f->len >= 2) {
            cJSON *a = cJSON_CreateArray();
            cJSON_AddItemToArray(a, cJSON_CreateNumber(proto_get_u16(p)));
            cJSON_AddItemToArray(a, text_of(p + 2, f->len - 2u));
            cJSON_AddItemToArray(L.errors, a);
        }
        break;
    }
}

static void pump(double seconds)
{
    double end = now() + seconds;
    uint8_t buf[4096];
    for (;;) {
        double left = end - now();
        if (left <= 0)
            return;
        if (L.eof) { /* the device hung up: just wait out the period */
            usleep((useconds_t)(left * 1e6));
            return;
        }
        struct pollfd pfd = {L.fd, POLLIN, 0};
        int r = poll(&pfd, 1, (int)ceil(left * 1000));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("poll: %s", strerror(errno));
        if (r == 0)
            continue;
        ssize_t n = read(L.fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            L.eof = true;
            continue;
        }
        L.bytes += (unsigned long)n;
        for (ssize_t i = 0; i < n; i++) {
            if (!L.synced) { /* the first run may be a partial frame: skip it */
                L.synced = buf[i] == 0;
                continue;
            }
            struct proto_frame f;
            if (proto_decode_push(&L.dec, buf[i], &f) == PROTO_FRAME)
                handle(&f);
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void send_cmd(const char *spec)
{
    char *end;
    long type = strtol(spec, &end, 0);
    if (end == spec || *end != ':' || type < 0 || type > 255)
        die("bad --cmd %s (want TYPE:HEX)", spec);
    const char *hx = end + 1;
    size_t hl = strlen(hx);
    if (hl % 2 || hl / 2 + 2 > PROTO_MAX_PAYLOAD)
        die("bad payload in --cmd %s", spec);
    uint8_t payload[PROTO_MAX_PAYLOAD];
    proto_put_u16(payload, L.token++);
    for (size_t i = 0; i < hl / 2; i++) {
        int hi = hexval(hx[2 * i]), lo = hexval(hx[2 * i + 1]);
        if (hi < 0 || lo < 0)
            die("bad hex in --cmd %s", spec);
        payload[2 + i] = (uint8_t)(hi << 4 | lo);
    }
    uint8_t out[PROTO_MAX_ENCODED + 1];
    size_t n = proto_frame_encode((uint8_t)type, payload, 2 + hl / 2, out, sizeof out);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(L.fd, out + off, n - off);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w < 0)
            die("write: %s", strerror(errno));
        off += (size_t)w;
    }
}

static double seconds_arg(const char *opt, const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0) || v > 86400)
        die("bad %s", opt);
    return v;
}

int main(int argc, char **argv)
{
    double seconds = 2.0, settle = 0.3;
    const char *cmds[64];
    int ncmds = 0;
    static const struct option opts[] = {
        {"seconds", 1, 0, 's'}, {"settle", 1, 0, 'S'}, {"cmd", 1, 0, 'c'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': seconds = seconds_arg("--seconds", optarg); break;
        case 'S': settle = seconds_arg("--settle", optarg); break;
        case 'c':
            if (ncmds == 64)
                die("%s", "too many --cmd");
            cmds[ncmds++] = optarg;
            break;
        case 'h':
            puts("usage: fwlink DEV [--seconds S] [--settle S] [--cmd TYPE:HEXPAYLOAD]...");
            return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1) {
        fputs("usage: fwlink DEV [--seconds S] [--settle S] [--cmd TYPE:HEXPAYLOAD]...\n", stderr);
        return 2;
    }
    const char *dev = argv[optind];
    L.fd = open(dev, O_RDWR | O_NOCTTY);
    if (L.fd < 0)
        die("cannot open %s", dev);
    struct termios t;
    if (tcgetattr(L.fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(L.fd, TCSANOW, &t);
    }
    proto_decoder_init(&L.dec);
    L.token = 1;
    L.frames = cJSON_CreateObject();
    L.acks = cJSON_CreateArray();
    L.naks = cJSON_CreateArray();
    L.errors = cJSON_CreateArray();

    pump(settle);
    for (int i = 0; i < ncmds; i++) {
        send_cmd(cmds[i]);
        pump(0.05);
    }
    L.samples = L.seqs = L.gaps = 0;
    L.have_seq = L.have_t = false;
    L.nvals = 0;
    L.n_axes = 0;
    double t0 = now();
    pump(seconds);
    double el = now() - t0;

    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "frames", L.frames);
    cJSON_AddNumberToObject(o, "samples", (double)L.samples);
    cJSON_AddNumberToObject(o, "gaps", (double)L.gaps);
    cJSON_AddNumberToObject(o, "crc_errors", L.dec.crc_errors);
    cJSON_AddNumberToObject(o, "framing_errors", L.dec.framing_errors);
    cJSON_AddItemToObject(o, "hello", L.hello ? L.hello : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "acks", L.acks);
    cJSON_AddItemToObject(o, "naks", L.naks);
    cJSON_AddItemToObject(o, "errors", L.errors);
    if (L.have_t) {
        cJSON_AddNumberToObject(o, "first_t_us", (double)L.first_t_us);
        cJSON_AddNumberToObject(o, "last_t_us", (double)L.last_t_us);
    } else {
        cJSON_AddNullToObject(o, "first_t_us");
        cJSON_AddNullToObject(o, "last_t_us");
    }
    cJSON_AddNumberToObject(o, "seqs", (double)L.seqs);
    cJSON_AddNumberToObject(o, "bytes", (double)L.bytes);
    cJSON_AddNumberToObject(o, "wall_rate", el > 0 ? L.samples / el : 0);
    if (L.have_t && L.seqs > 1)
        cJSON_AddNumberToObject(o, "device_span_s", (double)(L.last_t_us - L.first_t_us) / 1e6);
    size_t n = L.n_axes ? L.nvals / L.n_axes : 0;
    if (n) {
        double mean[PROTO_MAX_AXES] = {0}, dev_[PROTO_MAX_AXES] = {0};
        for (size_t i = 0; i < n; i++)
            for (unsigned a = 0; a < L.n_axes; a++)
                mean[a] += L.vals[i * L.n_axes + a];
        for (unsigned a = 0; a < L.n_axes; a++)
            mean[a] /= (double)n;
        for (size_t i = 0; i < n; i++)
            for (unsigned a = 0; a < L.n_axes; a++)
                dev_[a] += fabs(L.vals[i * L.n_axes + a] - mean[a]);
        cJSON *m = cJSON_AddArrayToObject(o, "mean"), *d = cJSON_AddArrayToObject(o, "absdev");
        for (unsigned a = 0; a < L.n_axes; a++) {
            cJSON_AddItemToArray(m, cJSON_CreateNumber(mean[a]));
            cJSON_AddItemToArray(d, cJSON_CreateNumber(dev_[a] / (double)n));
        }
    }
    char *s = cJSON_PrintUnformatted(o);
    if (!s)
        die("%s", "out of memory");
    puts(s);
    free(s);
    cJSON_Delete(o);
    free(L.vals);
    close(L.fd);
    return fflush(stdout) == 0 ? 0 : 1;
}
