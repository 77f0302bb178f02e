/* SPDX-License-Identifier: MIT */
/* test_sim.c -- imulab-sim end to end over its pseudo-terminal: HELLO, command answers, and the
 * SAMPLES received equal what its --log says was sent, sample for sample, with the injected
 * drops and bit flips showing up as gaps; text mode lines equal the log; hang-up and reopen
 * on the same --link path.
 *
 * usage: test_sim PATH/TO/imulab-sim SCRATCH_DIR
 */
#define _GNU_SOURCE
#include "check.h"
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *sim, *dir;

struct simproc {
    pid_t pid;
    FILE *out; /* its stdout: slave paths */
};

static void spawn(struct simproc *p, char *const argv[])
{
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    p->pid = fork();
    REQUIRE(p->pid >= 0);
    if (p->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(sim, argv);
        _exit(127);
    }
    close(fds[1]);
    p->out = fdopen(fds[0], "r");
}

static bool read_path(struct simproc *p, char *path, size_t cap)
{
    if (!fgets(path, (int)cap, p->out))
        return false;
    path[strcspn(path, "\n")] = 0;
    return path[0] == '/';
}

static int finish(struct simproc *p)
{
    int st = 0;
    waitpid(p->pid, &st, 0);
    fclose(p->out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read until the other side hangs up or timeout; returns bytes read. */
static size_t read_all(int fd, uint8_t *buf, size_t cap, double timeout)
{
    size_t n = 0;
    double end = now_s() + timeout;
    while (n < cap && now_s() < end) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t r = read(fd, buf + n, cap - n);
        if (r <= 0) {
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            break; /* EIO: the simulator closed the master */
        }
        n += (size_t)r;
    }
    return n;
}

static void send_cmd(int fd, uint8_t type, uint16_t token, const uint8_t *args, size_t n)
{
    uint8_t p[16], w[64];
    proto_put_u16(p, token);
    if (n)
        memcpy(p + 2, args, n);
    size_t e = proto_frame_encode(type, p, n + 2, w, sizeof w);
    REQUIRE(write(fd, w, e) == (ssize_t)e);
}

/* Log: "seq,i,n,v0,...,v5" per sample sent; comments start with '#'. */
#define MAXF 400
static int logged[MAXF][10][6];
static bool logged_seq[MAXF];

static void read_log(const char *path)
{
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    char line[512];
    memset(logged_seq, 0, sizeof logged_seq);
    while (fgets(line, sizeof line, f)) {
        unsigned seq, i, n;
        int v[6];
        if (line[0] == '#' || sscanf(line, "%u,%u,%u,%d,%d,%d,%d,%d,%d", &seq, &i, &n, &v[0], &v[1], &v[2], &v[3],
                                     &v[4], &v[5]) != 9)
            continue;
        REQUIRE(seq < MAXF && i < 10);
        CHECK(n == seq * 10 + i);
        memcpy(logged[seq][i], v, sizeof v);
        logged_seq[seq] = true;
    }
    fclose(f);
}

static void test_binary(void)
{
    char log[PATH_MAX], link[PATH_MAX], path[PATH_MAX];
    snprintf(log, sizeof log, "%s/sim-binary.log", dir);
    snprintf(link, sizeof link, "%s/sim-binary.pty", dir);
    char *argv[] = {"imulab-sim", "--rate", "1000", "--per-frame", "10", "--frames", "150", "--gesture", "wave",
                    "--drop-every", "7", "--flip-every", "11", "--garbage-every", "5", "--seed", "3",
                    "--link", link, "--log", log, "--linger-ms", "3000", "--quiet", NULL};
    struct simproc p;
    spawn(&p, argv);
    REQUIRE(read_path(&p, path, sizeof path));
    char target[PATH_MAX] = {0};
    CHECK(readlink(link, target, sizeof target - 1) > 0 && strcmp(target, path) == 0);
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    REQUIRE(fd >= 0);

    send_cmd(fd, PROTO_CMD_PING, 1, NULL, 0);
    send_cmd(fd, PROTO_CMD_SET_RATE, 2, (const uint8_t[]){20, 0}, 2);          /* 20 Hz: refused */
    send_cmd(fd, PROTO_CMD_SET_GESTURE, 3, (const uint8_t[]){2}, 1);
    send_cmd(fd, PROTO_CMD_STATS, 4, NULL, 0);
    send_cmd(fd, 0xC0, 5, NULL, 0);                                            /* unknown */
    send_cmd(fd, PROTO_CMD_START, 6, (const uint8_t[]){1}, 1);                 /* bad length */
    send_cmd(fd, PROTO_CMD_SET_RANGES, 7, (const uint8_t[]){16, 0xD0, 0x07}, 3); /* 16 g, 2000 dps */
    static uint8_t buf[1 << 20];
    size_t n = read_all(fd, buf, sizeof buf, 10.0);
    close(fd);
    CHECK(finish(&p) == 0);
    CHECK(access(link, F_OK) != 0); /* link removed on exit */
    read_log(log);

    struct proto_decoder d;
    proto_decoder_init(&d);
    unsigned hellos = 0, acks = 0, naks = 0, stats = 0, frames = 0, first_seq = ~0u;
    bool nak_ok[8] = {0}, ack_ok[8] = {0}, seen[MAXF] = {0};
    for (size_t i = 0; i < n; i++) {
        struct proto_frame f;
        if (proto_decode_push(&d, buf[i], &f) != PROTO_FRAME)
            continue;
        if (f.type == PROTO_HELLO) {
            struct proto_hello h;
            CHECK(proto_hello_parse(f.payload, f.len, &h) == 0);
            CHECK(strcmp(h.board, "imulab-sim") == 0 && strcmp(h.sensor, "synthetic") == 0 && h.n_axes == 6);
            CHECK(h.flags == (PROTO_FLAG_SYNTHETIC | PROTO_FLAG_STREAMING) && h.samples_per_frame == 10);
            CHECK(strcmp(h.axis_name[0], "accX") == 0 && strcmp(h.axis_unit[5], "dps") == 0);
            if (hellos == 0)
                CHECK(h.accel_range_g == 8 && h.axis_scale[0] == 1.0f / 4096.0f && h.sample_rate_hz == 1000);
            else
                CHECK(h.accel_range_g == 16 && h.gyro_range_dps == 2000 && h.axis_scale[0] == 1.0f / 2048.0f);
            hellos++;
        } else if (f.type == PROTO_ACK) {
            CHECK(f.len == PROTO_ACK_LEN);
            uint16_t tok = proto_get_u16(f.payload);
            if (tok < 8)
                ack_ok[tok] = true;
            acks++;
        } else if (f.type == PROTO_NAK) {
            CHECK(f.len > PROTO_NAK_HDR);
            uint16_t tok = proto_get_u16(f.payload);
            uint8_t reason = f.payload[3];
            if ((tok == 2 && reason == PROTO_NAK_BAD_VALUE) || (tok == 5 && reason == PROTO_NAK_UNKNOWN_COMMAND) ||
                (tok == 6 && reason == PROTO_NAK_BAD_LENGTH))
                nak_ok[tok] = true;
            naks++;
        } else if (f.type == PROTO_STATS) {
            CHECK(f.len == PROTO_STATS_LEN);
            stats++;
        } else if (f.type == PROTO_SAMPLES) {
            struct proto_samples s;
            REQUIRE(proto_samples_parse(f.payload, f.len, &s) == 0);
            REQUIRE(s.seq < MAXF && s.count == 10 && s.n_axes == 6);
            if (first_seq == ~0u)
                first_seq = s.seq;
            CHECK(s.t_us >= 10000ull * s.seq); /* 10 ms per frame since the start (at least) */
            CHECK_MSG(logged_seq[s.seq], "seq %u received but not in the log", s.seq);
            for (unsigned k = 0; k < 10; k++)
                for (unsigned a = 0; a < 6; a++)
                    CHECK_MSG(proto_samples_value(&s, k, a) == logged[s.seq][k][a], "seq %u sample %u axis %u", s.seq,
                              k, a);
            seen[s.seq] = true;
            frames++;
        }
    }
    CHECK(first_seq == 0);
    for (unsigned s = 0; s < 150; s++) {
        bool fault = (s + 1) % 7 == 0 || (s + 1) % 11 == 0;
        CHECK_MSG(seen[s] == !fault, "seq %u: received %d, fault %d", s, seen[s], fault);
        CHECK_MSG(logged_seq[s] == !fault, "seq %u: logged %d, fault %d", s, logged_seq[s], fault);
    }
    CHECK(hellos == 2 && stats == 1);
    CHECK(ack_ok[1] && ack_ok[3] && ack_ok[4] && ack_ok[7] && acks == 4);
    CHECK(nak_ok[2] && nak_ok[5] && nak_ok[6] && naks == 3);
    CHECK(d.crc_errors + d.framing_errors > 0); /* flips and garbage were seen and dropped */
    fprintf(stderr, "binary: %u SAMPLES frames, %u CRC errors, %u framing errors\n", frames, d.crc_errors,
            d.framing_errors);
}

static void test_text(void)
{
    char log[PATH_MAX], path[PATH_MAX];
    snprintf(log, sizeof log, "%s/sim-text.log", dir);
    char *argv[] = {"imulab-sim", "--text", "--rate", "200", "--frames", "60", "--gesture", "updown", "--log", log,
                    "--linger-ms", "3000", "--quiet", NULL};
    struct simproc p;
    spawn(&p, argv);
    REQUIRE(read_path(&p, path, sizeof path));
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    REQUIRE(fd >= 0);
    static char buf[65536];
    size_t n = read_all(fd, (uint8_t *)buf, sizeof buf - 1, 10.0);
    buf[n] = 0;
    close(fd);
    CHECK(finish(&p) == 0);
    FILE *f = fopen(log, "r");
    REQUIRE(f != NULL);
    char line[512];
    char *at = buf;
    unsigned lines = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned seq, i, k;
        int off = 0;
        if (line[0] == '#' || sscanf(line, "%u,%u,%u,%n", &seq, &i, &k, &off) != 3 || off == 0)
            continue;
        line[strcspn(line, "\n")] = 0;
        size_t l = strlen(line + off);
        CHECK_MSG(strncmp(at, line + off, l) == 0 && at[l] == '\r' && at[l + 1] == '\n', "text line %u", lines);
        at += l + 2;
        lines++;
    }
    fclose(f);
    CHECK(lines == 60 && *at == 0);
}

static void test_reopen(void)
{
    char link[PATH_MAX], path1[PATH_MAX], path2[PATH_MAX], target[PATH_MAX] = {0};
    snprintf(link, sizeof link, "%s/sim-reopen.pty", dir);
    char *argv[] = {"imulab-sim", "--hangup-after-ms", "300", "--reopen", "--reopen-pause-ms", "200", "--duration-ms",
                    "1500", "--link", link, "--quiet", NULL};
    struct simproc p;
    spawn(&p, argv);
    REQUIRE(read_path(&p, path1, sizeof path1));
    int fd = open(path1, O_RDWR | O_NOCTTY | O_NONBLOCK);
    REQUIRE(fd >= 0);
    static uint8_t buf[65536];
    double t0 = now_s();
    size_t n = read_all(fd, buf, sizeof buf, 3.0);
    close(fd);
    CHECK(n > 0 && now_s() - t0 < 2.0); /* the hang-up ended the read */
    CHECK(n > 0 && buf[n - 1] != 0);    /* mid-frame */
    REQUIRE(read_path(&p, path2, sizeof path2));
    CHECK(readlink(link, target, sizeof target - 1) > 0 && strcmp(target, path2) == 0);
    fd = open(path2, O_RDWR | O_NOCTTY | O_NONBLOCK);
    REQUIRE(fd >= 0);
    n = read_all(fd, buf, sizeof buf, 5.0);
    close(fd);
    struct proto_decoder d;
    proto_decoder_init(&d);
    unsigned hello = 0, samples = 0;
    for (size_t i = 0; i < n; i++) {
        struct proto_frame f;
        if (proto_decode_push(&d, buf[i], &f) == PROTO_FRAME) {
            hello += f.type == PROTO_HELLO;
            samples += f.type == PROTO_SAMPLES;
        }
    }
    CHECK(hello == 1 && samples > 5);
    CHECK(finish(&p) == 0);
    CHECK(access(link, F_OK) != 0);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_sim IMULAB_SIM SCRATCH_DIR\n");
        return 2;
    }
    sim = argv[1];
    dir = argv[2];
    signal(SIGPIPE, SIG_IGN);
    test_binary();
    test_text();
    test_reopen();
    return check_report("test_sim");
}
