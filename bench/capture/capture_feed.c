/* SPDX-License-Identifier: MIT */
/* capture_feed -- a pty that streams imulab SAMPLES frames as fast as the reader takes them.
 *
 *   capture_feed LINK SECONDS
 *
 * Ingest-throughput feeder for bench_capture.sh: HELLO (6 axes, 1000 Hz nominal), then
 * SAMPLES frames of 84 samples x 6 axes with consecutive sequence numbers, written with
 * blocking writes to the pty master (so the pty's own flow control paces it and no time is
 * spent in back-off sleeps (imulab-sim --max-speed waits 2 ms after each refused write).
 * Frames are encoded 1 MiB at a time and written in one call. Ignores host commands.
 * Prints the samples it wrote on exit.
 */
#define _GNU_SOURCE
#include "proto.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PER_FRAME 84
#define AXES 6

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: capture_feed LINK SECONDS\n");
        return 2;
    }
    double secs = atof(argv[2]);
    signal(SIGPIPE, SIG_IGN);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) || unlockpt(m)) {
        perror("capture_feed: pty");
        return 1;
    }
    const char *slave = ptsname(m);
    int s = open(slave, O_RDWR | O_NOCTTY); /* held open: no hang-up while the host reopens */
    struct termios t;
    if (s >= 0 && tcgetattr(s, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(s, TCSANOW, &t);
    }
    unlink(argv[1]);
    if (symlink(slave, argv[1])) {
        perror("capture_feed: symlink");
        return 1;
    }
    /* wait for the host: it sends INFO (or anything) once it sees frames; just give it a moment */
    struct proto_hello h;
    memset(&h, 0, sizeof h);
    h.proto_version = PROTO_VERSION;
    snprintf(h.board, sizeof h.board, "capture-feed");
    snprintf(h.sensor, sizeof h.sensor, "synthetic");
    h.sample_rate_hz = 1000;
    h.accel_range_g = 8;
    h.gyro_range_dps = 1000;
    h.flags = PROTO_FLAG_SYNTHETIC | PROTO_FLAG_STREAMING;
    h.samples_per_frame = PER_FRAME;
    h.n_axes = AXES;
    for (int a = 0; a < AXES; a++) {
        snprintf(h.axis_name[a], sizeof h.axis_name[a], "axis%d", a);
        snprintf(h.axis_unit[a], sizeof h.axis_unit[a], a < 3 ? "g" : "dps");
        h.axis_scale[a] = a < 3 ? 8.0f / 32768 : 1000.0f / 32768;
    }
    uint8_t payload[PROTO_MAX_PAYLOAD], enc[PROTO_MAX_ENCODED + 1];
    size_t pl = proto_hello_pack(&h, payload, sizeof payload);
    size_t n = proto_frame_encode(PROTO_HELLO, payload, pl, enc, sizeof enc);
    sleep(1); /* the host opens the port */
    if (write_all(m, enc, n)) {
        perror("capture_feed: write");
        return 1;
    }
    uint32_t seq = 0;
    uint64_t samples = 0;
    static uint8_t block[1 << 20];
    double end = now_s() + secs;
    while (now_s() < end) {
        size_t bl = 0;
        while (bl + PROTO_MAX_ENCODED + 1 < sizeof block) {
            proto_samples_pack_header(seq, samples * 1000, PER_FRAME, AXES, payload);
            for (int i = 0; i < PER_FRAME * AXES; i++)
                proto_put_u16(payload + PROTO_SAMPLES_HDR + 2 * i, (uint16_t)(int16_t)((seq * 7 + (uint32_t)i * 13) & 0x3fff));
            bl += proto_frame_encode(PROTO_SAMPLES, payload, PROTO_SAMPLES_HDR + 2u * PER_FRAME * AXES, block + bl,
                                     sizeof block - bl);
            seq++;
            samples += PER_FRAME;
        }
        if (write_all(m, block, bl))
            break;
    }
    printf("%llu\n", (unsigned long long)samples);
    unlink(argv[1]);
    return 0;
}
