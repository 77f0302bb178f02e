/* SPDX-License-Identifier: MIT */
/* ctlflood.c -- hostile control-socket clients for the imulabd robustness tests.
 *
 *   ctlflood SOCKET MODE CLIENTS SECONDS [REQUEST]
 *
 * opens CLIENTS connections to SOCKET and for SECONDS (or until killed) behaves as MODE:
 *   flood   pipelines REQUEST (default "ping") as fast as the socket takes it and reads every
 *           reply as fast as it comes (the client that used to hold the daemon's loop);
 *   noread  pipelines REQUEST as fast as the socket takes it and never reads;
 *   idle    connects and sends nothing.
 * It then prints one line: "connected=N refused=N too_many=N replies=N requests=N closed_by_daemon=N"
 * (too_many: connections answered "too many clients"; closed_by_daemon: connections the daemon
 * closed, e.g. for idling). Exit 0, or 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 1024

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connect one non-blocking client; -1 when the daemon refused the connection. */
static int connect_one(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: ctlflood SOCKET flood|noread|idle CLIENTS SECONDS [REQUEST]\n");
        return 2;
    }
    const char *path = argv[1], *mode = argv[2];
    int n = atoi(argv[3]);
    double secs = atof(argv[4]);
    char req[512];
    snprintf(req, sizeof req, "%s\n", argc == 6 ? argv[5] : "ping");
    int reading = !strcmp(mode, "flood") || !strcmp(mode, "idle");
    int writing = !strcmp(mode, "flood") || !strcmp(mode, "noread");
    if ((!reading && !writing) || n < 1 || n > MAX_CONN || secs <= 0) {
        fprintf(stderr, "ctlflood: bad mode, client count (1..%d) or duration\n", MAX_CONN);
        return 2;
    }
    static struct pollfd fds[MAX_CONN];
    static size_t sent_off[MAX_CONN];
    long connected = 0, refused = 0, too_many = 0, replies = 0, requests = 0, closed = 0;
    for (int i = 0; i < n; i++) {
        int fd = connect_one(path);
        if (fd < 0) {
            refused++;
            fds[i].fd = -1;
            continue;
        }
        connected++;
        fds[i] = (struct pollfd){.fd = fd, .events = (short)((reading ? POLLIN : 0) | (writing ? POLLOUT : 0))};
    }
    size_t rlen = strlen(req);
    char big[65536];
    for (size_t i = 0; i + rlen <= sizeof big; i += rlen)
        memcpy(big + i, req, rlen);
    size_t big_len = sizeof big / rlen * rlen;
    double end = now_s() + secs;
    while (now_s() < end) {
        if (poll(fds, (nfds_t)n, 50) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            if (fds[i].fd < 0 || !fds[i].revents)
                continue;
            if (fds[i].revents & POLLIN) {
                char buf[65536];
                ssize_t r = recv(fds[i].fd, buf, sizeof buf, MSG_DONTWAIT);
                if (r > 0) {
                    for (ssize_t k = 0; k < r; k++)
                        replies += buf[k] == '\n';
                    if (memmem(buf, (size_t)r, "too many clients", 16))
                        too_many++;
                } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    close(fds[i].fd);
                    fds[i].fd = -1;
                    closed++;
                    continue;
                }
            }
            if (fds[i].revents & (POLLHUP | POLLERR) && !(fds[i].revents & POLLIN)) {
                close(fds[i].fd);
                fds[i].fd = -1;
                closed++;
                continue;
            }
            if (fds[i].revents & POLLOUT) {
                ssize_t w = send(fds[i].fd, big + sent_off[i], big_len - sent_off[i], MSG_NOSIGNAL | MSG_DONTWAIT);
                if (w > 0) {
                    sent_off[i] = (sent_off[i] + (size_t)w) % big_len;
                    requests += w / (ssize_t)rlen;
                } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                    close(fds[i].fd);
                    fds[i].fd = -1;
                    closed++;
                }
            }
        }
    }
    printf("connected=%ld refused=%ld too_many=%ld replies=%ld requests=%ld closed_by_daemon=%ld\n", connected,
           refused, too_many, replies, requests, closed);
    fflush(stdout);
    for (int i = 0; i < n; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    return 0;
}
