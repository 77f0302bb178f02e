/* SPDX-License-Identifier: MIT */
/* main.c -- imulab-tui: options, setup, and the one poll loop.
 *
 * The loop polls the terminal and both daemon connections (subscribe for events, request for
 * commands) with a timeout of at most one frame, then: drains keys, advances the recorder
 * clock, retries closed connections, and redraws when something changed or the frame timer
 * ran out (25 frames/s while there is something live to show). SIGINT/SIGTERM set a flag
 * that ends the loop the same way `q` does, so the terminal is always restored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "cmd.h"
#include "events.h"
#include "input.h"
#include "model.h"
#include "screen.h"
#include "term.h"

#define FRAME_MS 40
#define QUIT_GRACE_MS 3000

static struct app app;
static char socket_default[4096];
static bool stats;

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void app_msg(struct app *a, bool err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_err = err;
    a->msg_t = now_ms();
    a->dirty = true;
}

static void defaults(void)
{
    const char *e;
    if ((e = getenv("IMULAB_SOCKET")) && *e)
        snprintf(socket_default, sizeof socket_default, "%s", e);
    else if (geteuid() == 0)
        snprintf(socket_default, sizeof socket_default, "/run/imulab/imulabd.sock");
    else if ((e = getenv("XDG_RUNTIME_DIR")) && *e)
        snprintf(socket_default, sizeof socket_default, "%s/imulab.sock", e);
    else
        snprintf(socket_default, sizeof socket_default, "/tmp/imulab-%u.sock", (unsigned)geteuid());
}

static void usage(void)
{
    printf("usage: imulab-tui [--socket PATH] [--duration-ms N] [--countdown-ms N] [--model DIR]\n"
           "                  [--no-color] [--stats]\n"
           "\n"
           "The imulab recorder: live signal, labels, timed and free recordings, device health.\n"
           "It talks only to imulabd's control socket and reconnects when the daemon restarts.\n"
           "\n"
           "  --socket PATH     imulabd's control socket (now: %s)\n"
           "                    default: $IMULAB_SOCKET, else /run/imulab/imulabd.sock for root,\n"
           "                    else $XDG_RUNTIME_DIR/imulab.sock\n"
           "  --duration-ms N   length of a timed recording (r), 100..600000 (default 2000)\n"
           "  --countdown-ms N  countdown before a timed recording, 0..10000 (default 3000)\n"
           "  --model DIR       name the classifier's classes from DIR/model.json\n"
           "  --no-color        no colours (also when NO_COLOR is set)\n"
           "  --stats           on exit, print the frames drawn per second to stderr\n"
           "  --help            this text\n"
           "\n"
           "Keys: ? in the program lists them; q quits. See docs/tui.md.\n",
           socket_default);
}

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "imulab-tui: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (try --help)\n");
    return 2;
}

static bool parse_ms(const char *s, long lo, long hi, int64_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Returns -1 to go on, else the exit status. */
static int options(int argc, char **argv, bool *color)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage();
            return 0;
        } else if (strcmp(o, "--stats") == 0) {
            stats = true;
        } else if (strcmp(o, "--no-color") == 0) {
            *color = false;
        } else if (strcmp(o, "--socket") == 0 && has) {
            app.socket_path = argv[++i];
            if (!app.socket_path[0])
                return bad_usage("--socket needs a path%s", "");
        } else if (strcmp(o, "--model") == 0 && has) {
            char why[4200];
            if (model_load_names(&app, argv[++i], why, sizeof why)) {
                fprintf(stderr, "imulab-tui: --model: %s\n", why);
                return 2;
            }
        } else if (strcmp(o, "--duration-ms") == 0 && has) {
            if (!parse_ms(argv[++i], 100, 600000, &app.duration_ms))
                return bad_usage("--duration-ms wants 100..600000, not '%s'", argv[i]);
        } else if (strcmp(o, "--countdown-ms") == 0 && has) {
            if (!parse_ms(argv[++i], 0, 10000, &app.countdown_ms))
                return bad_usage("--countdown-ms wants 0..10000, not '%s'", argv[i]);
        } else if (o[0] == '-' && !has && (strcmp(o, "--socket") == 0 || strcmp(o, "--duration-ms") == 0 || strcmp(o, "--model") == 0
                                           || strcmp(o, "--countdown-ms") == 0)) {
            return bad_usage("%s needs a value", o);
        } else {
            return bad_usage("unknown argument '%s'", o);
        }
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return bad_usage("needs a terminal on stdin and stdout%s", "");
    return -1;
}

/* Clock-driven work: the recorder, a pending quit, reconnects. */
static void tick(struct app *a, int64_t now)
{
    cmd_tick(a, now);
    if (a->quit_t) {
        if (a->rec.st == REC_RUNNING)
            cmd_free_toggle(a);
        else if (a->rec.st == REC_IDLE || now - a->quit_t > QUIT_GRACE_MS)
            a->quit = true;
    }
    conn_tick(&a->sub, now);
    conn_tick(&a->req, now);
}

/* Something moves on screen without any input: the countdown, a recording, live data. */
static bool animated(const struct app *a, int64_t now)
{
    return a->rec.st != REC_IDLE || a->st.recording || now - a->last_samples < 500;
}

/* Until the next frame is due when there is something to draw; short while the recorder's
 * clock runs, so a timed recording ends within a few ms of its length. */
static int poll_timeout(const struct app *a, int64_t now, int64_t last_draw)
{
    int64_t wait = a->dirty ? FRAME_MS - (now - last_draw) : FRAME_MS;
    if (a->rec.st != REC_IDLE && wait > 10)
        wait = 10;
    return wait < 0 ? 0 : (int)wait;
}

static void loop(struct app *a)
{
    int64_t last_draw = 0;
    while (!a->quit && !term_signalled) {
        struct pollfd p[3] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = a->sub.fd, .events = conn_events(&a->sub)},
            {.fd = a->req.fd, .events = conn_events(&a->req)},
        };
        if (poll(p, 3, poll_timeout(a, now_ms(), last_draw)) < 0 && errno != EINTR)
            break;
        int64_t now = now_ms();
        if (p[1].revents)
            conn_handle(&a->sub, p[1].revents, now);
        if (p[2].revents)
            conn_handle(&a->req, p[2].revents, now);
        input_drain(a);
        tick(a, now);
        if (animated(a, now) || now - last_draw >= 1000)
            a->dirty = true;
        if (a->dirty && now - last_draw >= FRAME_MS) {
            screen_draw(a);
            last_draw = now;
        }
    }
}

int main(int argc, char **argv)
{
    bool color = true;
    defaults();
    app.socket_path = socket_default;
    app.duration_ms = 2000;
    app.countdown_ms = 3000;
    app.labels.sel = -1;
    int rc = options(argc, argv, &color);
    if (rc >= 0)
        return rc;
    app.utf8 = term_locale();
    term_signals();
    app.color = term_start(color);
    conn_init(&app.sub, app.socket_path, "subscribe", ev_sub_line, ev_sub_state, &app);
    conn_init(&app.req, app.socket_path, "request", ev_req_line, ev_req_state, &app);
    app.dirty = true;
    int64_t t_start = now_ms();
    loop(&app);
    double secs = (double)(now_ms() - t_start) / 1000.0;
    if (app.rec.st == REC_RUNNING && app.req.state == CONN_UP) {
        conn_send(&app.req, "record stop"); /* best effort on a signal */
        conn_handle(&app.req, POLLOUT, now_ms());
    }
    term_end();
    conn_free(&app.sub);
    conn_free(&app.req);
    labels_free(&app.labels);
    if (stats)
        fprintf(stderr, "imulab-tui: %ld frames in %.1f s = %.1f frames/s\n", app.frames_drawn, secs,
                secs > 0 ? (double)app.frames_drawn / secs : 0.0);
    if (term_signalled)
        fprintf(stderr, "imulab-tui: stopped by signal %d\n", (int)term_signalled);
    return term_signalled ? 128 + (int)term_signalled : 0;
}
