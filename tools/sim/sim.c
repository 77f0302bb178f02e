/* SPDX-License-Identifier: MIT */
/* imulab-sim -- a device simulator on a pseudo-terminal.
 *
 * Behaves like the companion streamer firmware with a synthetic IMU (portable/synth.c): sends
 * HELLO on start, SAMPLES frames at the configured rate, answers every host command with ACK or
 * NAK, and can inject faults (bit flips, dropped frames, garbage, hang-ups). With --text it
 * behaves like an Arduino sketch for the Edge Impulse data forwarder instead. --log records
 * every sample the host should have received, so tests can compare a database sample for sample.
 *
 * Pacing: frame k is due when its last sample has been "measured", at base + (k+1)*P/rate
 * seconds (P samples per frame), computed from absolute times on CLOCK_MONOTONIC and slept
 * for with ppoll (to keep answering commands) and clock_nanosleep(TIMER_ABSTIME), so the long
 * run rate is exact however late a single wake-up is.
 *
 * The simulator keeps a descriptor of the slave side open itself, so the master never reports
 * a hang-up while no host has the port open; bytes written then stay in the pty buffer (as in
 * a USB CDC device's FIFO) and, once that is full, whole frames are dropped as on a device with
 * a full TX queue (the sequence number still advances). --max-speed waits instead of dropping.
 */
#define _GNU_SOURCE
#include "proto.h"
#include "synth.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define SIM_FW_MAJOR 0
#define SIM_FW_MINOR 1
#define SIM_FW_PATCH 0
#define MAX_PER_FRAME (PROTO_MAX_SAMPLE_VALUES / SYNTH_AXES) /* 84 */
#define OUTBUF 16384

static const char *const axis_names[SYNTH_AXES] = {"accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ"};

struct options {
    unsigned rate, per_frame, accel_g, gyro_dps, gesture;
    uint32_t seed;
    unsigned long flip_every, drop_every, garbage_every;
    long hangup_after_ms;
    bool reopen;
    unsigned reopen_pause_ms, hangups;
    bool max_speed, text, no_stream, quiet, text_cut_first, text_trailing;
    unsigned text_axes;
    char text_sep;
    long duration_ms;
    unsigned long frames;
    long linger_ms;
    const char *log_path, *link_path;
};

/* A data frame (or text chunk) handed to the output buffer but not yet completely written. */
struct pending {
    bool active;
    size_t end;       /* output buffer offset just past its last byte */
    uint32_t seq;
    uint16_t count;
    uint64_t n0;      /* index of its first sample since start */
    bool corrupted;   /* a bit was flipped: the host must not store it */
    bool cut_first;   /* text: its first line was cut (the host should drop it) */
    int16_t v[MAX_PER_FRAME][SYNTH_AXES];
    char text[MAX_PER_FRAME][128]; /* text mode: the values as printed (without CR LF) */
};

static struct {
    struct options o;
    int master, slave;
    char slave_path[PATH_MAX];
    struct synth synth;
    struct proto_decoder dec;
    bool streaming;
    uint32_t seq;
    uint64_t n;              /* samples generated since start (sent or not) */
    uint64_t boot_ns, base_ns, conn_ns;
    uint64_t since_base;     /* samples generated since base_ns */
    uint64_t t_us_base;      /* device time at base_ns */
    unsigned long frames_made;
    uint32_t frames_sent, frames_dropped, rx_errors;
    unsigned hangups_done;
    uint8_t out[OUTBUF];
    size_t out_len, out_off;
    struct pending pend;
    uint32_t fault_rng;
    FILE *log;
    uint64_t last_log_flush;
    uint64_t out_blocked_until; /* the pty refused a write: do not poll for POLLOUT until then */
} S;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void msg(const char *fmt, ...)
{
    if (S.o.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("imulab-sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("imulab-sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (S.o.link_path)
        unlink(S.o.link_path);
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t frnd(void)
{
    uint32_t x = S.fault_rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return S.fault_rng = x;
}

/* ---- pseudo-terminal ----------------------------------------------------------------------- */

static void link_create(void)
{
    char tmp[PATH_MAX];
    if (!S.o.link_path)
        return;
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", S.o.link_path, (long)getpid()) >= (int)sizeof tmp)
        die("--link path too long");
    unlink(tmp);
    if (symlink(S.slave_path, tmp) < 0 || rename(tmp, S.o.link_path) < 0) {
        int e = errno;
        unlink(tmp);
        die("cannot create link %s: %s", S.o.link_path, strerror(e));
    }
}

static void pty_open(void)
{
    S.master = posix_openpt(O_RDWR | O_NOCTTY);
    if (S.master < 0)
        die("posix_openpt: %s", strerror(errno));
    if (grantpt(S.master) < 0 || unlockpt(S.master) < 0)
        die("grantpt/unlockpt: %s", strerror(errno));
    if (ptsname_r(S.master, S.slave_path, sizeof S.slave_path) != 0)
        die("ptsname: %s", strerror(errno));
    S.slave = open(S.slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (S.slave < 0)
        die("open %s: %s", S.slave_path, strerror(errno));
    struct termios t;
    if (tcgetattr(S.slave, &t) < 0)
        die("tcgetattr: %s", strerror(errno));
    cfmakeraw(&t);
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    if (tcsetattr(S.slave, TCSANOW, &t) < 0)
        die("tcsetattr: %s", strerror(errno));
    int fl = fcntl(S.master, F_GETFL);
    if (fl < 0 || fcntl(S.master, F_SETFL, fl | O_NONBLOCK) < 0)
        die("fcntl: %s", strerror(errno));
    link_create();
    printf("%s\n", S.slave_path);
    fflush(stdout);
    S.out_len = S.out_off = 0;
    S.pend.active = false;
    proto_decoder_init(&S.dec);
    S.conn_ns = now_ns();
}

static void pty_close(void)
{
    if (S.master >= 0)
        close(S.master);
    if (S.slave >= 0)
        close(S.slave);
    S.master = S.slave = -1;
}

/* ---- log ----------------------------------------------------------------------------------- */

static void log_line(const char *fmt, ...)
{
    if (!S.log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(S.log, fmt, ap);
    va_end(ap);
}

static void log_config(void)
{
    log_line("# config rate_hz=%u accel_g=%u gyro_dps=%u accel_scale=%.9g gyro_scale=%.9g gesture=%s\n",
             S.synth.rate_hz, S.synth.accel_g, S.synth.gyro_dps, (double)synth_accel_scale(S.synth.accel_g),
             (double)synth_gyro_scale(S.synth.gyro_dps), synth_gesture_name(S.synth.gesture));
}

/* The pending frame was written completely: record what the host should have received. */
static void log_pending(void)
{
    struct pending *p = &S.pend;
    if (!p->active)
        return;
    p->active = false;
    S.frames_sent++;
    if (!S.log)
        return;
    if (p->corrupted) {
        log_line("# corrupted seq=%" PRIu32 " n=%" PRIu64 " count=%u\n", p->seq, p->n0, p->count);
        return;
    }
    for (unsigned i = p->cut_first ? 1 : 0; i < p->count; i++) {
        if (S.o.text) {
            fprintf(S.log, "%" PRIu32 ",%u,%" PRIu64 ",%s\n", p->seq, i, p->n0 + i, p->text[i]);
        } else {
            fprintf(S.log, "%" PRIu32 ",%u,%" PRIu64, p->seq, i, p->n0 + i);
            for (unsigned a = 0; a < SYNTH_AXES; a++)
                fprintf(S.log, ",%d", p->v[i][a]);
            fputc('\n', S.log);
        }
    }
}

/* ---- output -------------------------------------------------------------------------------- */

static size_t out_room(void)
{
    if (S.out_off == S.out_len)
        S.out_len = S.out_off = 0;
    if (S.out_off > 0 && S.out_len + 2048 > OUTBUF) {
        memmove(S.out, S.out + S.out_off, S.out_len - S.out_off);
        S.out_len -= S.out_off;
        if (S.pend.active)
            S.pend.end -= S.out_off;
        S.out_off = 0;
    }
    return OUTBUF - S.out_len;
}

/* Append raw bytes; false if there is no room (the bytes are dropped). */
static bool out_put(const void *p, size_t n)
{
    if (out_room() < n)
        return false;
    memcpy(S.out + S.out_len, p, n);
    S.out_len += n;
    return true;
}

static bool out_frame(uint8_t type, const void *payload, size_t len)
{
    uint8_t buf[PROTO_MAX_ENCODED + 1];
    size_t n = proto_frame_encode(type, payload, len, buf, sizeof buf);
    if (n == 0)
        die("internal: frame type 0x%02x of %zu bytes does not encode", type, len);
    return out_put(buf, n);
}

/* Write as much as the pty takes. Returns -1 on a hard error. */
static int out_flush(void)
{
    while (S.out_off < S.out_len) {
        ssize_t w = write(S.master, S.out + S.out_off, S.out_len - S.out_off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                /* a pty may report POLLOUT and still refuse the write: back off briefly */
                S.out_blocked_until = now_ns() + 2000000u;
                break;
            }
            return -1;
        }
        S.out_off += (size_t)w;
    }
    if (S.pend.active && S.out_off >= S.pend.end)
        log_pending();
    return 0;
}

/* ---- messages ------------------------------------------------------------------------------ */

static void send_hello(void)
{
    struct proto_hello h;
    uint8_t buf[PROTO_MAX_PAYLOAD];
    memset(&h, 0, sizeof h);
    h.proto_version = PROTO_VERSION;
    h.fw_major = SIM_FW_MAJOR;
    h.fw_minor = SIM_FW_MINOR;
    h.fw_patch = SIM_FW_PATCH;
    strcpy(h.board, "imulab-sim");
    strcpy(h.sensor, "synthetic");
    h.sample_rate_hz = S.synth.rate_hz;
    h.accel_range_g = S.synth.accel_g;
    h.gyro_range_dps = S.synth.gyro_dps;
    h.flags = PROTO_FLAG_SYNTHETIC | (S.streaming ? PROTO_FLAG_STREAMING : 0);
    h.baud = 0; /* a pseudo-terminal has no line rate */
    h.samples_per_frame = (uint8_t)S.o.per_frame;
    h.n_axes = SYNTH_AXES;
    for (unsigned a = 0; a < SYNTH_AXES; a++) {
        strcpy(h.axis_name[a], axis_names[a]);
        strcpy(h.axis_unit[a], a < 3 ? "g" : "dps");
        h.axis_scale[a] = a < 3 ? synth_accel_scale(S.synth.accel_g) : synth_gyro_scale(S.synth.gyro_dps);
    }
    size_t n = proto_hello_pack(&h, buf, sizeof buf);
    out_frame(PROTO_HELLO, buf, n);
}

static void send_ack(uint16_t token, uint8_t cmd)
{
    uint8_t p[PROTO_ACK_LEN];
    proto_put_u16(p, token);
    p[2] = cmd;
    out_frame(PROTO_ACK, p, sizeof p);
}

static void send_nak(uint16_t token, uint8_t cmd, uint8_t reason, const char *fmt, ...)
{
    uint8_t p[PROTO_NAK_HDR + PROTO_MAX_TEXT + 1];
    proto_put_u16(p, token);
    p[2] = cmd;
    p[3] = reason;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf((char *)p + PROTO_NAK_HDR, PROTO_MAX_TEXT + 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if (n > (int)PROTO_MAX_TEXT)
        n = PROTO_MAX_TEXT;
    out_frame(PROTO_NAK, p, PROTO_NAK_HDR + (size_t)n);
}

static void send_stats(void)
{
    uint8_t p[PROTO_STATS_LEN];
    proto_put_u32(p, (uint32_t)((now_ns() - S.boot_ns) / 1000000u));
    proto_put_u32(p + 4, S.frames_sent);
    proto_put_u32(p + 8, S.frames_dropped);
    proto_put_u32(p + 12, 0);
    proto_put_u32(p + 16, 0);
    proto_put_u32(p + 20, S.rx_errors + S.dec.crc_errors + S.dec.framing_errors);
    out_frame(PROTO_STATS, p, sizeof p);
}

/* Restart the sample clock at now (on START and on a configuration change). */
static void rebase(void)
{
    uint64_t now = now_ns();
    S.base_ns = now;
    S.since_base = 0;
    S.t_us_base = (now - S.boot_ns) / 1000u;
}

static void handle_command(const struct proto_frame *f)
{
    const uint8_t *p = f->payload;
    uint8_t cmd = f->type;
    if (!(cmd & 0x80)) { /* a device-to-host type: not a command */
        S.rx_errors++;
        return;
    }
    if (f->len < 2) {
        send_nak(0, cmd, PROTO_NAK_BAD_LENGTH, "command without token");
        return;
    }
    uint16_t tok = proto_get_u16(p);
    size_t args = f->len - 2u;
#define WANT_ARGS(n)                                                                                \
    do {                                                                                            \
        if (args != (n)) {                                                                          \
            send_nak(tok, cmd, PROTO_NAK_BAD_LENGTH, "expected %u argument bytes, got %zu",         \
                     (unsigned)(n), args);                                                          \
            return;                                                                                 \
        }                                                                                           \
    } while (0)
    switch (cmd) {
    case PROTO_CMD_START:
        WANT_ARGS(0);
        if (!S.streaming) {
            S.streaming = true;
            rebase();
        }
        send_ack(tok, cmd);
        log_line("# start\n");
        break;
    case PROTO_CMD_STOP:
        WANT_ARGS(0);
        S.streaming = false;
        send_ack(tok, cmd);
        log_line("# stop\n");
        break;
    case PROTO_CMD_SET_RATE: {
        WANT_ARGS(2);
        uint16_t hz = proto_get_u16(p + 2);
        if (hz < 50 || hz > 1000) {
            send_nak(tok, cmd, PROTO_NAK_BAD_VALUE, "rate %u Hz outside 50..1000", hz);
            return;
        }
        synth_configure(&S.synth, hz, S.synth.accel_g, S.synth.gyro_dps);
        rebase();
        send_ack(tok, cmd);
        send_hello();
        log_config();
        break;
    }
    case PROTO_CMD_SET_RANGES: {
        WANT_ARGS(3);
        uint8_t g = p[2];
        uint16_t dps = proto_get_u16(p + 3);
        if (synth_accel_scale(g) == 0.0f || synth_gyro_scale(dps) == 0.0f) {
            send_nak(tok, cmd, PROTO_NAK_BAD_VALUE, "ranges %u g / %u dps unsupported (2/4/8/16 g, 250/500/1000/2000 dps)",
                     g, dps);
            return;
        }
        synth_configure(&S.synth, S.synth.rate_hz, g, dps);
        send_ack(tok, cmd);
        send_hello();
        log_config();
        break;
    }
    case PROTO_CMD_PING:
        WANT_ARGS(0);
        send_ack(tok, cmd);
        break;
    case PROTO_CMD_INFO:
        WANT_ARGS(0);
        send_ack(tok, cmd);
        send_hello();
        break;
    case PROTO_CMD_SET_GESTURE:
        WANT_ARGS(1);
        if (synth_set_gesture(&S.synth, p[2]) < 0) {
            send_nak(tok, cmd, PROTO_NAK_BAD_VALUE, "gesture %u unknown (0 idle, 1 wave, 2 circle, 3 updown)", p[2]);
            return;
        }
        send_ack(tok, cmd);
        log_line("# gesture %s\n", synth_gesture_name(p[2]));
        break;
    case PROTO_CMD_STATS:
        WANT_ARGS(0);
        send_ack(tok, cmd);
        send_stats();
        break;
    case PROTO_CMD_VALIDATE:
        send_nak(tok, cmd, PROTO_NAK_UNSUPPORTED, "validation needs the classifier firmware");
        break;
    default:
        send_nak(tok, cmd, PROTO_NAK_UNKNOWN_COMMAND, "unknown command 0x%02x", cmd);
        break;
    }
#undef WANT_ARGS
}

/* Read what the host sent; binary commands are answered, text mode ignores input. */
static int read_input(void)
{
    uint8_t buf[512];
    for (;;) {
        ssize_t r = read(S.master, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 0;
            return -1;
        }
        if (r == 0)
            return 0;
        if (S.o.text)
            continue;
        for (ssize_t i = 0; i < r; i++) {
            struct proto_frame f;
            if (proto_decode_push(&S.dec, buf[i], &f) == PROTO_FRAME)
                handle_command(&f);
        }
    }
}

/* ---- data ---------------------------------------------------------------------------------- */

static void format_text(char *dst, size_t cap, const int16_t *v)
{
    float as = synth_accel_scale(S.synth.accel_g), gs = synth_gyro_scale(S.synth.gyro_dps);
    size_t o = 0;
    for (unsigned a = 0; a < S.o.text_axes && o < cap; a++) {
        int n = a < 3 ? snprintf(dst + o, cap - o, "%s%.4f", a ? (char[]){S.o.text_sep, 0} : "", (double)(v[a] * as))
                      : snprintf(dst + o, cap - o, "%c%.2f", S.o.text_sep, (double)(v[a] * gs));
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

/* Produce the next frame: generate its samples, apply faults, queue it (or drop it). */
static void make_frame(bool overflow)
{
    struct pending *p = &S.pend;
    unsigned count = S.o.per_frame;
    int16_t v[MAX_PER_FRAME][SYNTH_AXES];
    uint64_t t_us = S.t_us_base + S.since_base * 1000000u / S.synth.rate_hz;
    uint32_t seq = S.seq++;
    uint64_t n0 = S.n;
    for (unsigned i = 0; i < count; i++)
        synth_next(&S.synth, v[i]);
    S.n += count;
    S.since_base += count;
    S.frames_made++;

    if (overflow || (S.o.drop_every && S.frames_made % S.o.drop_every == 0)) {
        S.frames_dropped++;
        log_line("# dropped seq=%" PRIu32 " n=%" PRIu64 " count=%u (%s)\n", seq, n0, count,
                 overflow ? "tx overflow" : "drop-every");
        return;
    }

    uint8_t enc[PROTO_MAX_ENCODED + 1 + MAX_PER_FRAME * 128];
    size_t len;
    bool cut_first = false;
    if (S.o.text) {
        len = 0;
        for (unsigned i = 0; i < count; i++) {
            format_text(p->text[i], sizeof p->text[i], v[i]);
            size_t l = strlen(p->text[i]);
            memcpy(enc + len, p->text[i], l);
            len += l;
            if (S.o.text_trailing) /* "x,y,z," or "x\ty\tz\t", as some sketches write */
                enc[len++] = (uint8_t)S.o.text_sep;
            enc[len++] = '\r';
            enc[len++] = '\n';
        }
        if (S.o.text_cut_first && seq == 0) {
            /* joined mid-line: the host sees the tail of a line first */
            size_t cut = strlen(p->text[0]) / 2;
            memmove(enc, enc + cut, len - cut);
            len -= cut;
            log_line("# cut first line: %s\n", p->text[0] + cut);
            cut_first = true;
        }
    } else {
        uint8_t payload[PROTO_MAX_PAYLOAD];
        proto_samples_pack_header(seq, t_us, (uint16_t)count, SYNTH_AXES, payload);
        for (unsigned i = 0; i < count; i++)
            for (unsigned a = 0; a < SYNTH_AXES; a++)
                proto_put_u16(payload + PROTO_SAMPLES_HDR + 2u * (i * SYNTH_AXES + a), (uint16_t)v[i][a]);
        len = proto_frame_encode(PROTO_SAMPLES, payload, PROTO_SAMPLES_HDR + 2u * count * SYNTH_AXES, enc, sizeof enc);
    }

    bool corrupted = false;
    if (S.o.flip_every && S.frames_made % S.o.flip_every == 0 && len > 1) {
        size_t at = frnd() % (len - 1); /* never the final delimiter / LF */
        enc[at] ^= (uint8_t)(1u << (frnd() % 8u));
        corrupted = true;
    }

    if (S.out_off < S.out_len && out_room() < len + 64) {
        S.frames_dropped++;
        log_line("# dropped seq=%" PRIu32 " n=%" PRIu64 " count=%u (tx overflow)\n", seq, n0, count);
        return;
    }
    out_put(enc, len);
    p->active = true;
    p->end = S.out_len;
    p->seq = seq;
    p->count = (uint16_t)count;
    p->n0 = n0;
    p->corrupted = corrupted;
    p->cut_first = cut_first;
    memcpy(p->v, v, sizeof v[0] * count);
    if (S.o.max_speed)
        log_pending(); /* several frames may be queued: count them as they are queued */

    if (S.o.garbage_every && S.frames_made % S.o.garbage_every == 0) {
        uint8_t g[64];
        size_t gl = 1 + frnd() % 48u;
        for (size_t i = 0; i < gl; i++)
            g[i] = (uint8_t)frnd();
        if (S.o.text) {
            for (size_t i = 0; i < gl; i++) /* a line of junk with letters, then the terminator */
                g[i] = (uint8_t)('a' + g[i] % 26u);
            g[gl++] = '\r';
            g[gl++] = '\n';
        } else {
            g[gl++] = 0; /* ends with a delimiter so the next frame decodes */
        }
        out_put(g, gl);
    }
}

static void sleep_until(uint64_t t);
static bool host_has_read_all(int *empty_seen);

/* Close mid-frame: half of the next frame reaches the host, then the line goes dead. */
static void hang_up(void)
{
    msg("hanging up %s", S.slave_path);
    out_flush();
    if (S.pend.active)
        log_line("# lost seq=%" PRIu32 " (hang-up)\n", S.pend.seq);
    S.pend.active = false;
    S.out_len = S.out_off = 0;
    if (S.streaming) {
        make_frame(false);
        if (S.pend.active) {
            size_t half = (S.out_len - S.out_off) / 2;
            ssize_t w = write(S.master, S.out + S.out_off, half);
            (void)w;
            /* let the host read the half frame before the line goes dead */
            S.out_off = S.out_len = 0;
            int empty_seen = 0;
            for (int i = 0; i < 50 && !host_has_read_all(&empty_seen); i++)
                sleep_until(now_ns() + 10000000u);
            log_line("# lost seq=%" PRIu32 " n=%" PRIu64 " count=%u (hang-up mid-frame)\n", S.pend.seq,
                     S.pend.n0, S.pend.count);
            S.frames_dropped++;
            S.pend.active = false;
        }
    }
    if (S.log)
        fflush(S.log);
    pty_close();
    if (S.o.link_path)
        unlink(S.o.link_path);
    S.hangups_done++;
}

/* ---- main loop ----------------------------------------------------------------------------- */

static uint64_t next_due(void)
{
    return S.base_ns + (S.since_base + S.o.per_frame) * 1000000000u / S.synth.rate_hz;
}

static bool finished(uint64_t now)
{
    if (S.o.frames && S.frames_made >= S.o.frames)
        return true;
    if (S.o.duration_ms >= 0 && now >= S.boot_ns + (uint64_t)S.o.duration_ms * 1000000u)
        return true;
    return false;
}

static void sleep_until(uint64_t t)
{
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_flag)
        ;
}

/* Wait for input/output readiness or until deadline (0: do not wait, UINT64_MAX: forever). */
static void wait_io(uint64_t deadline)
{
    struct pollfd pfd = {.fd = S.master, .events = POLLIN};
    uint64_t now = now_ns();
    if (S.out_off < S.out_len) {
        if (now >= S.out_blocked_until)
            pfd.events |= POLLOUT;
        else if (deadline > S.out_blocked_until)
            deadline = S.out_blocked_until;
    }
    struct timespec ts, *tp = NULL;
    if (deadline != UINT64_MAX) {
        uint64_t d = deadline > now ? deadline - now : 0;
        if (d > 200000000u)
            d = 200000000u; /* wake regularly to check signals and limits */
        ts.tv_sec = (time_t)(d / 1000000000u);
        ts.tv_nsec = (long)(d % 1000000000u);
        tp = &ts;
    }
    int r = ppoll(&pfd, 1, tp, NULL);
    if (r < 0 && errno != EINTR)
        die("poll: %s", strerror(errno));
    if (r > 0 && (pfd.revents & POLLIN))
        if (read_input() < 0)
            die("read: %s", strerror(errno));
    if (r > 0 && (pfd.revents & POLLOUT))
        if (out_flush() < 0)
            die("write: %s", strerror(errno));
    if (r == 0 && deadline != UINT64_MAX && deadline - now <= 200000000u)
        sleep_until(deadline); /* ppoll may round; never start a frame early */
}

/* Bytes written to the master that the host has not read yet. Data moves from the pty's flip
 * buffer to the slave's input queue asynchronously, so "empty" is believed only when seen
 * five times, 10 ms apart. */
static bool host_has_read_all(int *empty_seen)
{
    int inq = 0;
    if (S.out_off < S.out_len || ioctl(S.slave, FIONREAD, &inq) < 0 || inq > 0) {
        *empty_seen = 0;
        return false;
    }
    return ++*empty_seen >= 5;
}

/* After the last frame: let the host read what is buffered, answering commands meanwhile. */
static void drain(void)
{
    uint64_t end = now_ns() + (uint64_t)S.o.linger_ms * 1000000u;
    int empty_seen = 0;
    while (!stop_flag) {
        if (out_flush() < 0)
            return;
        if (host_has_read_all(&empty_seen))
            return;
        uint64_t now = now_ns();
        if (now >= end)
            return;
        wait_io(now + 10000000u < end ? now + 10000000u : end);
    }
}

static void run(void)
{
    for (;;) {
        if (stop_flag)
            return;
        uint64_t now = now_ns();
        if (finished(now)) {
            drain();
            return;
        }
        if (S.o.hangup_after_ms >= 0 && (!S.o.reopen ? S.hangups_done == 0 : S.hangups_done < S.o.hangups) &&
            now >= S.conn_ns + (uint64_t)S.o.hangup_after_ms * 1000000u) {
            hang_up();
            if (!S.o.reopen)
                return;
            sleep_until(now_ns() + (uint64_t)S.o.reopen_pause_ms * 1000000u);
            if (stop_flag)
                return;
            pty_open();
            msg("reopened on %s", S.slave_path);
            if (!S.o.text)
                send_hello();
            if (S.streaming)
                rebase();
            continue;
        }
        if (out_flush() < 0)
            die("write: %s", strerror(errno));
        if (!S.streaming) {
            wait_io(now + 100000000u);
            continue;
        }
        if (S.o.max_speed) {
            if (out_room() < sizeof(((struct pending *)0)->text) + PROTO_MAX_ENCODED + 128) {
                wait_io(now + 100000000u); /* back-pressure: wait for the host */
                continue;
            }
            make_frame(false);
            continue;
        }
        uint64_t due = next_due();
        if (now < due) {
            wait_io(due);
            continue;
        }
        make_frame(S.pend.active); /* the previous frame still waits: the TX queue is full */
        if (S.log && now - S.last_log_flush > 100000000u) {
            fflush(S.log);
            S.last_log_flush = now;
        }
    }
}

/* ---- options ------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: imulab-sim [options]\n"
          "Simulate an imulab streamer board on a pseudo-terminal; prints the slave path on stdout.\n"
          "  --link PATH            symlink PATH to the slave (removed on exit)\n"
          "  --rate HZ              sample rate, 50..1000 (default 100)\n"
          "  --per-frame N          samples per SAMPLES frame, 1..84 (default 10; text mode 1)\n"
          "  --gesture NAME         idle|wave|circle|updown (default idle)\n"
          "  --seed N               PRNG seed for noise and faults (default 1)\n"
          "  --accel-g G            accel range 2|4|8|16 (default 8)\n"
          "  --gyro-dps D           gyro range 250|500|1000|2000 (default 1000)\n"
          "  --no-stream            start stopped (the host sends START)\n"
          "  --flip-every N         flip one random bit in every Nth frame\n"
          "  --drop-every N         skip every Nth frame (its sequence number is not sent)\n"
          "  --garbage-every N      write random bytes (ending in 0x00) after every Nth frame\n"
          "  --hangup-after-ms N    close the pty mid-frame N ms after opening it, then exit\n"
          "  --reopen               ... or come back on a new pty (same --link) after a pause\n"
          "  --reopen-pause-ms N    pause before reopening (default 1000)\n"
          "  --hangups N            with --reopen: how many hang-ups (default 1)\n"
          "  --max-speed            send as fast as the host reads (benchmarks)\n"
          "  --duration-ms N        stop after N ms\n"
          "  --frames N             stop after N frames (dropped ones included)\n"
          "  --linger-ms N          after the end, wait up to N ms for the host to read (default 1000)\n"
          "  --text                 Edge Impulse data-forwarder lines (\"x,y,z\\r\\n\") instead of frames\n"
          "  --text-axes N          values per text line, 1..6 (default 6: accel in g, gyro in dps)\n"
          "  --text-tab             separate text values with TAB instead of ','\n"
          "  --text-space           separate text values with a space instead of ','\n"
          "  --text-trailing        end each text line with a separator too (\"x,y,z,\")\n"
          "  --text-cut-first       start text mode with the second half of a line\n"
          "  --log FILE             write every sample sent as CSV seq,i,n,values...\n"
          "  --quiet                no diagnostics on stderr\n"
          "  --help                 this text\n"
          "Fault options count frames (text mode: chunks of --per-frame lines).\n",
          f);
}

static unsigned long num(const char *opt, const char *s, unsigned long lo, unsigned long hi)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v < lo || v > hi) {
        fprintf(stderr, "imulab-sim: %s needs a number in %lu..%lu, got '%s'\n", opt, lo, hi, s);
        exit(2);
    }
    return v;
}

static void parse_args(int argc, char **argv)
{
    enum {
        O_LINK = 256, O_RATE, O_PER_FRAME, O_GESTURE, O_SEED, O_ACCEL, O_GYRO, O_NO_STREAM, O_FLIP, O_DROP,
        O_GARBAGE, O_HANGUP, O_REOPEN, O_REOPEN_PAUSE, O_HANGUPS, O_MAX_SPEED, O_DURATION, O_FRAMES,
        O_LINGER, O_TEXT, O_TEXT_AXES, O_TEXT_TAB, O_TEXT_SPACE, O_TEXT_TRAILING, O_TEXT_CUT, O_LOG, O_QUIET, O_HELP,
    };
    static const struct option lo[] = {
        {"link", 1, 0, O_LINK}, {"rate", 1, 0, O_RATE}, {"per-frame", 1, 0, O_PER_FRAME},
        {"gesture", 1, 0, O_GESTURE}, {"seed", 1, 0, O_SEED}, {"accel-g", 1, 0, O_ACCEL},
        {"gyro-dps", 1, 0, O_GYRO}, {"no-stream", 0, 0, O_NO_STREAM}, {"flip-every", 1, 0, O_FLIP},
        {"drop-every", 1, 0, O_DROP}, {"garbage-every", 1, 0, O_GARBAGE},
        {"hangup-after-ms", 1, 0, O_HANGUP}, {"reopen", 0, 0, O_REOPEN},
        {"reopen-pause-ms", 1, 0, O_REOPEN_PAUSE}, {"hangups", 1, 0, O_HANGUPS},
        {"max-speed", 0, 0, O_MAX_SPEED}, {"duration-ms", 1, 0, O_DURATION}, {"frames", 1, 0, O_FRAMES},
        {"linger-ms", 1, 0, O_LINGER}, {"text", 0, 0, O_TEXT}, {"text-axes", 1, 0, O_TEXT_AXES},
        {"text-tab", 0, 0, O_TEXT_TAB}, {"text-space", 0, 0, O_TEXT_SPACE}, {"text-trailing", 0, 0, O_TEXT_TRAILING}, {"text-cut-first", 0, 0, O_TEXT_CUT}, {"log", 1, 0, O_LOG},
        {"quiet", 0, 0, O_QUIET}, {"help", 0, 0, O_HELP}, {0, 0, 0, 0},
    };
    struct options *o = &S.o;
    bool per_frame_set = false;
    o->rate = 100;
    o->per_frame = 10;
    o->accel_g = 8;
    o->gyro_dps = 1000;
    o->seed = 1;
    o->hangup_after_ms = -1;
    o->reopen_pause_ms = 1000;
    o->hangups = 1;
    o->duration_ms = -1;
    o->linger_ms = 1000;
    o->text_axes = 6;
    o->text_sep = ',';
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_LINK: o->link_path = optarg; break;
        case O_RATE: o->rate = (unsigned)num("--rate", optarg, 50, 1000); break;
        case O_PER_FRAME: o->per_frame = (unsigned)num("--per-frame", optarg, 1, MAX_PER_FRAME); per_frame_set = true; break;
        case O_GESTURE: {
            int g = synth_gesture_from_name(optarg);
            if (g < 0)
                g = (int)num("--gesture", optarg, 0, SYNTH_N_GESTURES - 1);
            o->gesture = (unsigned)g;
            break;
        }
        case O_SEED: o->seed = (uint32_t)num("--seed", optarg, 0, UINT32_MAX); break;
        case O_ACCEL:
            o->accel_g = (unsigned)num("--accel-g", optarg, 2, 16);
            if (synth_accel_scale((uint8_t)o->accel_g) == 0.0f) {
                fprintf(stderr, "imulab-sim: --accel-g must be 2, 4, 8 or 16\n");
                exit(2);
            }
            break;
        case O_GYRO:
            o->gyro_dps = (unsigned)num("--gyro-dps", optarg, 250, 2000);
            if (synth_gyro_scale((uint16_t)o->gyro_dps) == 0.0f) {
                fprintf(stderr, "imulab-sim: --gyro-dps must be 250, 500, 1000 or 2000\n");
                exit(2);
            }
            break;
        case O_NO_STREAM: o->no_stream = true; break;
        case O_FLIP: o->flip_every = num("--flip-every", optarg, 1, ULONG_MAX); break;
        case O_DROP: o->drop_every = num("--drop-every", optarg, 1, ULONG_MAX); break;
        case O_GARBAGE: o->garbage_every = num("--garbage-every", optarg, 1, ULONG_MAX); break;
        case O_HANGUP: o->hangup_after_ms = (long)num("--hangup-after-ms", optarg, 0, LONG_MAX / 1000000); break;
        case O_REOPEN: o->reopen = true; break;
        case O_REOPEN_PAUSE: o->reopen_pause_ms = (unsigned)num("--reopen-pause-ms", optarg, 0, 3600000); break;
        case O_HANGUPS: o->hangups = (unsigned)num("--hangups", optarg, 1, 1000000); break;
        case O_MAX_SPEED: o->max_speed = true; break;
        case O_DURATION: o->duration_ms = (long)num("--duration-ms", optarg, 0, LONG_MAX / 1000000); break;
        case O_FRAMES: o->frames = num("--frames", optarg, 1, ULONG_MAX); break;
        case O_LINGER: o->linger_ms = (long)num("--linger-ms", optarg, 0, 3600000); break;
        case O_TEXT: o->text = true; break;
        case O_TEXT_AXES: o->text_axes = (unsigned)num("--text-axes", optarg, 1, 6); break;
        case O_TEXT_TAB: o->text_sep = '\t'; break;
        case O_TEXT_SPACE: o->text_sep = ' '; break;
        case O_TEXT_TRAILING: o->text_trailing = true; break;
        case O_TEXT_CUT: o->text_cut_first = true; break;
        case O_LOG: o->log_path = optarg; break;
        case O_QUIET: o->quiet = true; break;
        case O_HELP: usage(stdout); exit(0);
        default:
            if (optopt)
                fprintf(stderr, "imulab-sim: option %s needs a value (see --help)\n", argv[optind - 1]);
            else
                fprintf(stderr, "imulab-sim: unknown option %s (see --help)\n", argv[optind - 1]);
            exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "imulab-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
        exit(2);
    }
    if (o->text && !per_frame_set)
        o->per_frame = 1;
    if (o->reopen && o->hangup_after_ms < 0) {
        fprintf(stderr, "imulab-sim: --reopen needs --hangup-after-ms\n");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    S.master = S.slave = -1;
    S.fault_rng = S.o.seed * 2246822519u + 0x7F4A7C15u;
    if (!S.fault_rng)
        S.fault_rng = 1;
    synth_init(&S.synth, S.o.seed);
    synth_configure(&S.synth, (uint16_t)S.o.rate, (uint8_t)S.o.accel_g, (uint16_t)S.o.gyro_dps);
    synth_set_gesture(&S.synth, (uint8_t)S.o.gesture);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (S.o.log_path) {
        S.log = fopen(S.o.log_path, "w");
        if (!S.log)
            die("cannot write log %s: %s", S.o.log_path, strerror(errno));
        if (S.o.text)
            log_line("# imulab-sim text log: line,0,n,values as sent\nseq,i,n,values\n");
        else
            log_line("# imulab-sim log: raw int16 values as sent, physical = raw * scale\n"
                     "seq,i,n,accX,accY,accZ,gyrX,gyrY,gyrZ\n");
        log_config();
    }

    S.boot_ns = now_ns();
    pty_open();
    msg("%s on %s: %u Hz, %u samples/frame, gesture %s%s", S.o.text ? "text" : "binary", S.slave_path,
        S.o.rate, S.o.per_frame, synth_gesture_name((uint8_t)S.o.gesture), S.o.max_speed ? ", max speed" : "");
    S.streaming = !S.o.no_stream;
    if (!S.o.text)
        send_hello();
    rebase();
    run();

    if (S.master >= 0)
        out_flush();
    if (S.log) {
        log_line("# end frames=%lu sent=%" PRIu32 " dropped=%" PRIu32 " samples=%" PRIu64 "\n", S.frames_made,
                 S.frames_sent, S.frames_dropped, S.n);
        fclose(S.log);
    }
    pty_close();
    if (S.o.link_path)
        unlink(S.o.link_path);
    msg("exit: %lu frames made, %" PRIu32 " sent, %" PRIu32 " dropped", S.frames_made, S.frames_sent,
        S.frames_dropped);
    return 0;
}
