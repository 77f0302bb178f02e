/* SPDX-License-Identifier: MIT */
/* fuzz_control.c -- libFuzzer target for imulabd's control socket (daemon/control.c).
 *
 * The daemon's real control code runs on a scratch socket and database (no device: the port
 * is never opened). Each input is sent by a fresh client (with a newline added), the daemon's
 * turns run until that client's replies stop coming, and every reply line must be a JSON
 * object with a boolean "ok" (or an event); the client then leaves. Checks beyond the
 * sanitizers: replies are well-formed, and the daemon holds no client afterwards.
 * Run with -close_fd_mask=3 (the daemon logs to stderr).
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"

static struct daemon D;
static char dir[256], sock_path[300], db_path[300];

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

/* One turn of main.c's loop, control part only, without sleeping. */
static void turn(void)
{
    struct pollfd fds[64];
    int n = control_pollfds(D.control, fds, 64);
    poll(fds, (nfds_t)n, 0);
    control_handle(D.control, fds, n);
    control_tick(D.control, mono_now());
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/fuzz-control.%d", (int)getpid());
    mkdir(dir, 0700);
    snprintf(sock_path, sizeof sock_path, "%s/ctl", dir);
    snprintf(db_path, sizeof db_path, "%s/db.sqlite", dir);
    char why[512];
    D.port_path = "/nonexistent-port";
    D.db_path = db_path;
    D.socket_path = sock_path;
    D.baud = 115200;
    D.idle_timeout_s = 60;
    CHECK(store_open(db_path, &D.store, why, sizeof why) == 0);
    D.control = control_open(&D, sock_path, why, sizeof why);
    CHECK(D.control != NULL);
    D.start_t = mono_now();
    ingest_reset(&D);
    return 0;
}

/* Check one reply line. */
static void check_line(const char *line)
{
    cJSON *j = cJSON_Parse(line);
    CHECK(j && cJSON_IsObject(j));
    CHECK(cJSON_IsBool(cJSON_GetObjectItem(j, "ok")) || cJSON_IsString(cJSON_GetObjectItem(j, "event")));
    cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    turn(); /* accept */
    /* send everything (the daemon reads in turns), then the final newline and a half-close */
    size_t off = 0;
    static char rbuf[1 << 20];
    size_t rlen = 0;
    int idle = 0;
    while (idle < 50) {
        if (off < size) {
            ssize_t w = send(fd, data + off, size - off, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w > 0)
                off += (size_t)w;
        } else if (off == size) {
            if (send(fd, "\n", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
                shutdown(fd, SHUT_WR);
                off++;
            }
        }
        turn();
        ssize_t r = recv(fd, rbuf + rlen, sizeof rbuf - 1 - rlen, MSG_DONTWAIT);
        if (r == 0)
            break; /* the daemon closed: done */
        if (r > 0) {
            rlen += (size_t)r;
            idle = 0;
        } else if (off > size) {
            idle++;
        }
        if (rlen > sizeof rbuf / 2) { /* check and drop complete lines */
            rbuf[rlen] = 0;
            char *nl = strrchr(rbuf, '\n');
            if (nl) {
                *nl = 0;
                for (char *l = strtok(rbuf, "\n"); l; l = strtok(NULL, "\n"))
                    check_line(l);
                size_t keep = rlen - (size_t)(nl + 1 - rbuf);
                memmove(rbuf, nl + 1, keep);
                rlen = keep;
            }
        }
    }
    rbuf[rlen] = 0;
    CHECK(rlen == 0 || rbuf[rlen - 1] == '\n');
    for (char *l = strtok(rbuf, "\n"); l; l = strtok(NULL, "\n"))
        check_line(l);
    close(fd);
    for (int i = 0; i < 5; i++)
        turn(); /* the daemon sees the hang-up and frees the client */
    return 0;
}
