/* SPDX-License-Identifier: MIT */
/* killat -- kill -9 imulabd at a chosen moment after one of its commits (test helper).
 *
 *   killat WAL PHASE_MS DAEMON_PID SIM_PID [SKIP]
 *
 * Watches the database's write-ahead log with inotify: every commit of the daemon appends to it,
 * so a burst of IN_MODIFY events is a commit, and its last event is when the commit ended (a
 * burst ends after 5 ms without writes). After SKIP commits (default 3: the recording is under
 * way), at the end of the next one it waits PHASE_MS, then stops the simulator (SIGSTOP, so that
 * its log ends where the daemon's input ends) and kills the daemon (SIGKILL), within microseconds.
 * Prints "phase_ms=<achieved> commits=<seen> interval_ms=<mean between the commits seen>".
 * Waiting is on events: it gives up (exit 1) only if no commit comes for 10 s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wait up to timeout_ms for inotify events; drain them. Returns 1 if any came, 0 if none. */
static int events(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno != EINTR) {
        perror("killat: poll");
        exit(1);
    }
    if (r <= 0)
        return 0;
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    return 1;
}

/* The end of the next commit: a first write, then writes until 5 ms of quiet. Its time. */
static double next_commit(int fd)
{
    if (!events(fd, 10000)) {
        fprintf(stderr, "killat: no commit within 10 s\n");
        exit(1);
    }
    double end = now_ms();
    while (events(fd, 5))
        end = now_ms();
    return end;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: killat WAL PHASE_MS DAEMON_PID SIM_PID [SKIP]\n");
        return 2;
    }
    const double phase = atof(argv[2]);
    const pid_t daemon = (pid_t)atol(argv[3]), sim = (pid_t)atol(argv[4]);
    const int skip = argc > 5 ? atoi(argv[5]) : 3;
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0 || inotify_add_watch(fd, argv[1], IN_MODIFY) < 0) {
        fprintf(stderr, "killat: cannot watch %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    double first = 0, end = 0;
    for (int k = 0; k <= skip; k++) {
        end = next_commit(fd);
        if (k == 0)
            first = end;
    }
    struct timespec at;
    double target = end + phase;
    at.tv_sec = (time_t)(target / 1e3);
    at.tv_nsec = (long)((target - at.tv_sec * 1e3) * 1e6);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
    }
    if (kill(sim, SIGSTOP) || kill(daemon, SIGKILL)) {
        perror("killat: kill");
        return 1;
    }
    printf("phase_ms=%.1f commits=%d interval_ms=%.1f\n", now_ms() - end, skip + 1,
           skip ? (end - first) / skip : 0.0);
    return 0;
}
