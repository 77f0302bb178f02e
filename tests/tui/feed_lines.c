/* SPDX-License-Identifier: MIT */
/* feed_lines -- data-forwarder lines at 100 Hz into a file (the host side of a pty pair), for
 * imulab-tui's end-to-end test.
 *
 *   feed_lines PATH
 *
 * Line i is "%.3f,%.3f,%.3f\r\n" of sin(i/10), cos(i/7), (i mod 50)/50, written at t0 + i/100 s
 * on the monotonic clock (absolute pacing: a late line is written at once, the rate does not
 * drift). Runs until killed or a write fails (exit 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RATE_HZ 100

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: feed_lines PATH\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "feed_lines: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned long i = 0;; i++) {
        struct timespec at = t0;
        at.tv_sec += (time_t)(i / RATE_HZ);
        at.tv_nsec += (long)(i % RATE_HZ) * (1000000000L / RATE_HZ);
        if (at.tv_nsec >= 1000000000L) {
            at.tv_sec++;
            at.tv_nsec -= 1000000000L;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
            ;
        char line[96];
        int n = snprintf(line, sizeof line, "%.3f,%.3f,%.3f\r\n", sin((double)i / 10),
                         cos((double)i / 7), (double)(i % 50) / 50);
        for (int off = 0; off < n;) {
            ssize_t w = write(fd, line + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                fprintf(stderr, "feed_lines: %s: %s\n", argv[1], w < 0 ? strerror(errno) : "short write");
                return 1;
            }
            off += (int)w;
        }
    }
}
