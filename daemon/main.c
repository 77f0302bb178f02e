/* SPDX-License-Identifier: MIT */
/* main.c -- imulabd: options, start-up, signals and the poll loop.
 *
 * Start-up either succeeds completely (database open and migrated, control socket bound) or
 * exits 1 with a one-line reason. The serial port is different: a port that does not exist
 * yet is waited for, and a port that goes away is reopened with a backoff from 0.1 s up to
 * 2 s, so imulabd can be started before the board is plugged in and survives unplugs.
 * SIGHUP reopens the port at once; SIGTERM and SIGINT close the open recording, commit,
 * remove the socket and exit 0.
 *
 * The loop polls the port, the control socket and its clients with a 20 ms timeout (none
 * while control requests wait for their turn: control.c serves a bounded share per turn); the
 * timers (batch commits every 100 ms, live events every 50 ms, status events, watchdog)
 * run after every wake-up. Under systemd, sd_notify reports READY, a STATUS line and the
 * watchdog keep-alive.
 */
#include "daemon.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#else
static int sd_notify(int unset, const char *s) { (void)unset; (void)s; return 0; }
static int sd_notifyf(int unset, const char *fmt, ...) { (void)unset; (void)fmt; return 0; }
static int sd_watchdog_enabled(int unset, uint64_t *usec) { (void)unset; (void)usec; return 0; }
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: imulabd --port DEV --db FILE --socket PATH [--baud N] [--axes NAME,NAME,...]\n"
            "\n"
            "Reads IMU samples from a serial port (imulab binary frames or Edge Impulse\n"
            "data-forwarder text, detected automatically) and stores every sample recorded under\n"
            "a label in the SQLite database FILE. Clients (imulab, imulab-tui) control it through\n"
            "the Unix socket PATH (protocol: docs/control.md).\n"
            "\n"
            "  --port DEV      serial device or pseudo-terminal; waited for if absent, reopened\n"
            "                  after an unplug and on SIGHUP\n"
            "  --db FILE       SQLite database (created if missing)\n"
            "  --socket PATH   control socket (created mode 0660, removed on exit)\n"
            "  --baud N        9600..921600 (default 115200)\n"
            "  --axes A,B,...  names of the text-mode columns (default axis0, axis1, ...)\n"
            "  --idle-timeout S  close control clients silent for S seconds, 0.1..86400 or 0 for\n"
            "                  never (default 60)\n"
            "  --help          this text\n");
}

/* Parse --axes into d->cli_axes. */
static int parse_axes(struct daemon *d, const char *arg)
{
    const char *p = arg;
    d->n_cli_axes = 0;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len > STORE_NAME_MAX || d->n_cli_axes >= DAEMON_MAX_AXES)
            return -1;
        for (size_t i = 0; i < len; i++)
            if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
                  p[i] == '_' || p[i] == '-' || p[i] == '.'))
                return -1;
        memcpy(d->cli_axes[d->n_cli_axes], p, len);
        d->cli_axes[d->n_cli_axes][len] = 0;
        d->n_cli_axes++;
        if (!e)
            break;
        p = e + 1;
        if (!*p)
            return -1;
    }
    return d->n_cli_axes ? 0 : -1;
}

/* Try to open the port if it is time to. */
static void port_try_open(struct daemon *d, double now)
{
    char why[512];
    bool busy;
    static char last_why[512];
    if (d->port_open || now < d->port_retry_at)
        return;
    d->port = port_open(d->port_path, d->baud, why, sizeof why, &busy);
    if (!d->port && busy && !d->ever_opened) {
        /* at start-up a port held by someone else is a configuration error, not a wait */
        fprintf(stderr, "imulabd: %s\n", why);
        d->exit_code = 1;
        d->stop = true;
        return;
    }
    if (!d->port) {
        if (strcmp(why, last_why)) {
            log_msg("waiting for the port: %s", why);
            snprintf(last_why, sizeof last_why, "%s", why);
        }
        d->port_backoff = d->port_backoff ? d->port_backoff * 2 : 0.1;
        if (d->port_backoff > 2.0)
            d->port_backoff = 2.0;
        d->port_retry_at = now + d->port_backoff;
        return;
    }
    last_why[0] = 0;
    d->ever_opened = true;
    d->port_open = true;
    d->port_backoff = 0;
    ingest_reset(d);
    log_msg("port %s open at %d baud", d->port_path, d->baud);
    sd_notifyf(0, "STATUS=port %s open, detecting", d->port_path);
}

/* The port hung up or failed: close it, keep the recording open (samples resume on reconnect). */
static void port_lost(struct daemon *d, const char *why)
{
    log_msg("port %s lost (%s); reconnecting", d->port_path, why);
    recorder_commit(d, true);
    port_close(d->port);
    d->port = NULL;
    d->port_open = false;
    d->port_retry_at = mono_now() + 0.1;
    d->port_backoff = 0.1;
}

/* Read everything available from the port. */
static void port_service(struct daemon *d, short revents)
{
    uint8_t buf[65536];
    if (!d->port_open)
        return;
    for (int i = 0; i < 64; i++) {
        long n = port_read(d->port, buf, sizeof buf);
        if (n < 0) {
            port_lost(d, "hang-up");
            return;
        }
        if (n == 0)
            break;
        ingest_bytes(d, buf, (size_t)n);
    }
    if (revents & (POLLHUP | POLLERR)) {
        /* A pty whose other side is closed reports POLLHUP with nothing left to read. */
        long n = port_read(d->port, buf, sizeof buf);
        if (n <= 0)
            port_lost(d, "hang-up");
        else
            ingest_bytes(d, buf, (size_t)n);
    }
}

/* Handle a pending signal from the signalfd. */
static void handle_signal(struct daemon *d, int sfd)
{
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            log_msg("signal %d: shutting down", (int)si.ssi_signo);
            d->stop = true;
        } else if (si.ssi_signo == SIGHUP) {
            d->hup = true;
        }
    }
}

int main(int argc, char **argv)
{
    static struct daemon daemon;
    struct daemon *d = &daemon;
    static const struct option opts[] = {
        {"port", required_argument, 0, 'p'}, {"db", required_argument, 0, 'd'},
        {"socket", required_argument, 0, 's'}, {"baud", required_argument, 0, 'b'},
        {"axes", required_argument, 0, 'a'}, {"idle-timeout", required_argument, 0, 'i'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int o;
    d->baud = 115200;
    d->idle_timeout_s = 60;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'p': d->port_path = optarg; break;
        case 'd': d->db_path = optarg; break;
        case 's': d->socket_path = optarg; break;
        case 'b': {
            char *end;
            long b = strtol(optarg, &end, 10);
            if (*end || !port_baud_valid((int)b)) {
                fprintf(stderr, "imulabd: --baud %s: not one of 9600 19200 38400 57600 115200 230400 460800 921600\n",
                        optarg);
                return 2;
            }
            d->baud = (int)b;
            break;
        }
        case 'a':
            if (parse_axes(d, optarg)) {
                fprintf(stderr, "imulabd: --axes %s: want 1..%d comma-separated names of [A-Za-z0-9_.-], each at most "
                                "%d bytes\n", optarg, DAEMON_MAX_AXES, STORE_NAME_MAX);
                return 2;
            }
            break;
        case 'i': {
            char *end;
            double t = strtod(optarg, &end);
            if (end == optarg || *end || !(t == 0 || (t >= 0.1 && t <= 86400))) {
                fprintf(stderr, "imulabd: --idle-timeout %s: want seconds from 0.1 to 86400, or 0 for never\n",
                        optarg);
                return 2;
            }
            d->idle_timeout_s = t;
            break;
        }
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "imulabd: unknown or incomplete option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "imulabd: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (!d->port_path || !d->db_path || !d->socket_path) {
        fprintf(stderr, "imulabd: --port, --db and --socket are required (see --help)\n");
        return 2;
    }

    char why[512];
    if (store_open(d->db_path, &d->store, why, sizeof why)) {
        fprintf(stderr, "imulabd: %s\n", why);
        return 1;
    }
    sqlite3_busy_timeout(store_db(d->store), 200); /* never stall ingestion long on a busy file */
    snprintf(d->owner, sizeof d->owner, "imulabd:%ld:%s", (long)getpid(), d->port_path);
    int closed = 0;
    if (store_recover_open(d->store, NULL, &closed) == 0 && closed)
        log_msg("closed %d recording(s) left open by a daemon that stopped unexpectedly", closed);
    d->control = control_open(d, d->socket_path, why, sizeof why);
    if (!d->control) {
        fprintf(stderr, "imulabd: %s\n", why);
        store_close(d->store);
        return 1;
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

    d->start_t = mono_now();
    d->fps_t = d->start_t;
    ingest_reset(d);
    uint64_t wd_usec = 0;
    bool watchdog = sd_watchdog_enabled(0, &wd_usec) > 0;
    double last_wd = 0, last_status = 0;
    port_try_open(d, mono_now()); /* a port held by another process is refused here, in one line */
    if (d->stop) {
        control_close(d->control);
        store_close(d->store);
        return d->exit_code;
    }
    log_msg("listening on %s, database %s, port %s", d->socket_path, d->db_path, d->port_path);
    sd_notifyf(0, "READY=1\nSTATUS=waiting for %s", d->port_path);

    while (!d->stop) {
        struct pollfd fds[64];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
        int port_idx = -1;
        if (d->port_open) {
            port_idx = n;
            fds[n++] = (struct pollfd){.fd = port_fd(d->port), .events = POLLIN};
        }
        int ctl_start = n;
        n += control_pollfds(d->control, fds + n, (int)(sizeof fds / sizeof fds[0]) - n);
        /* requests left over from the last turn's budget are served without sleeping */
        int rc = poll(fds, (nfds_t)n, control_busy(d->control) ? 0 : 20);
        if (rc < 0 && errno != EINTR) {
            log_msg("poll: %s", strerror(errno));
            break;
        }
        if (fds[0].revents)
            handle_signal(d, sfd);
        if (port_idx >= 0 && fds[port_idx].revents)
            port_service(d, fds[port_idx].revents);
        control_handle(d->control, fds + ctl_start, n - ctl_start);
        double now = mono_now();
        if (d->hup) {
            d->hup = false;
            log_msg("SIGHUP: reopening %s", d->port_path);
            if (d->port_open)
                port_lost(d, "SIGHUP");
            d->port_retry_at = 0;
        }
        port_try_open(d, now);
        ingest_tick(d, now);
        recorder_commit(d, false);
        control_tick(d->control, now);
        if (watchdog && now - last_wd >= wd_usec / 2e6) {
            sd_notify(0, "WATCHDOG=1");
            last_wd = now;
        }
        if (now - last_status >= 2.0) {
            last_status = now;
            sd_notifyf(0, "STATUS=%s %s, %.0f Hz, %llu frames, %llu CRC errors, %llu gaps%s%s", d->port_path,
                       ingest_connected(d) ? "connected" : "waiting", d->dev.rate_hz,
                       (unsigned long long)d->c.frames, (unsigned long long)d->c.crc_errors,
                       (unsigned long long)d->c.gaps, d->rec.open ? ", recording " : "",
                       d->rec.open ? d->rec.label : "");
        }
    }

    sd_notify(0, "STOPPING=1");
    if (d->rec.open && d->port_open)
        port_service(d, 0); /* what the device sent before the signal belongs to the recording */
    if (d->rec.open) {
        int64_t id, samples, gaps;
        double secs;
        char why[512];
        if (recorder_stop(d, &id, &samples, &secs, &gaps, why, sizeof why))
            d->exit_code = 1; /* logged; the next start closes the recording with what it holds */
    }
    control_close(d->control);
    if (d->port_open)
        port_close(d->port);
    store_close(d->store);
    log_msg("stopped");
    return d->exit_code;
}
