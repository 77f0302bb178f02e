/* SPDX-License-Identifier: MIT */
/* cmd_learn.c -- `imulab device learn N --port DEV`: the anomaly-only mode's on-device learning.
 *
 * Sends CMD_LEARN n_windows (portable/proto.h) straight to the classifier firmware on DEV (a serial
 * port or QEMU's pseudo-terminal; without --port, `imulab device learn N` goes through imulabd,
 * cmd_daemon.c), waits for its ACK or NAK, then follows the learning: each CLASSIFICATION frame is
 * one live window (N for the mean and variance, N more for the threshold), printed as progress,
 * and the device's LOG "learn: threshold T" ends it. N 0 makes the device forget what it learned.
 * Every wait has a deadline (--timeout-ms without a frame from the device). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "devport.h"

static const char learn_help[] =
    "usage: imulab device learn N --port DEV [--watch K] [--baud B] [--timeout-ms MS]\n"
    "       imulab device learn --watch K --port DEV\n"
    "The classifier firmware (built with -DIMULAB_LEARN=ON) learns what normal operation looks like\n"
    "from the next N windows (2 to 10000; their first hidden layer's activations: one diagonal\n"
    "Gaussian), sets its threshold from N windows more, and from then on marks the windows above it\n"
    "unknown in CLASSIFICATION. N 0 forgets the learned model. Prints progress and the threshold.\n"
    "  --port DEV       the device's serial port (without it: through the running imulabd)\n"
    "  --watch K        then print the next K windows' anomaly score and unknown flag, and a count\n"
    "                   of the unknown ones (without N: only that)\n"
    "  --baud B         serial speed (default 115200; ignored by pseudo-terminals)\n"
    "  --timeout-ms MS  give up after MS without a frame from the device (default 5000)\n";

struct lopts {
    const char *port;
    long n, watch;
    int timeout_ms;
    unsigned baud;
};

/* Options into *o. Returns -1 to go on, or the exit status (--help, a usage error). */
static int learn_options(int argc, char **argv, struct lopts *o)
{
    static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                         {"baud", required_argument, NULL, 'b'},
                                         {"timeout-ms", required_argument, NULL, 't'},
                                         {"watch", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    double timeout_ms = 5000, baud = 115200, n = -1, watch = 0;
    int c;
    memset(o, 0, sizeof *o);
    cli_getopt_begin();
    while ((c = cli_getopt("device learn", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': fputs(learn_help, stdout); return CLI_OK;
        case 'p': o->port = optarg; break;
        case 'w':
            if (cli_parse_range("device learn", "--watch", optarg, 1, 1e6, &watch))
                return CLI_USAGE;
            break;
        case 't':
            if (cli_parse_range("device learn", "--timeout-ms", optarg, 10, 600000, &timeout_ms))
                return CLI_USAGE;
            break;
        case 'b':
            if (cli_parse_range("device learn", "--baud", optarg, 1200, 4000000, &baud))
                return CLI_USAGE;
            break;
        default: return CLI_USAGE;
        }
    }
    o->watch = (long)watch;
    o->n = -1;
    if (optind == argc && o->watch > 0)
        goto done;
    if (optind + 1 != argc)
        return cli_usage("device learn", "want one argument N (windows to learn from, 0 to forget)");
    if (cli_parse_range("device learn", "N", argv[optind], 0, PROTO_LEARN_MAX, &n))
        return CLI_USAGE;
    if (n != (long)n || n == 1)
        return cli_usage("device learn", "N '%s': 0 (forget), or a whole number from %u to %u", argv[optind],
                         PROTO_LEARN_MIN, PROTO_LEARN_MAX);
    o->n = (long)n;
done:
    o->timeout_ms = (int)timeout_ms;
    o->baud = (unsigned)baud;
    return -1;
}

/* Wait for the ACK or NAK of token. Returns 0 on ACK, -1 (message printed) otherwise. */
static int learn_wait_ack(struct devport *p, const char *port, int token, int timeout_ms)
{
    struct proto_frame f;
    double deadline = devport_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - devport_now_ms());
        int r = left > 0 ? devport_read_frame(p, left, &f) : 0;
        if (r < 0)
            return cli_error("device learn: %s failed while waiting for the answer", port), -1;
        if (r == 0)
            return cli_error("device learn: no answer from %s in %d ms (not a classifier firmware?)", port,
                             timeout_ms), -1;
        if (f.len < 2 || proto_get_u16(f.payload) != token)
            continue;
        if (f.type == PROTO_ACK)
            return 0;
        if (f.type == PROTO_NAK && f.len >= PROTO_NAK_HDR) {
            int n = (int)f.len - (int)PROTO_NAK_HDR;
            return cli_error("device learn: %s refused (reason %u): %.*s", port, f.payload[3], n,
                             (const char *)f.payload + PROTO_NAK_HDR), -1;
        }
    }
}

/* Follow the learning until the device's "learn: threshold T". Returns 0, or -1 (message printed). */
static int learn_follow(struct devport *p, const struct lopts *o)
{
    static const char done[] = "learn: threshold ";
    const long total = 2 * o->n;
    long windows = 0, step = total / 10 > 0 ? total / 10 : 1;
    struct proto_frame f;
    for (;;) {
        int r = devport_read_frame(p, o->timeout_ms, &f);
        if (r < 0)
            return cli_error("device learn: %s failed after %ld windows", o->port, windows), -1;
        if (r == 0)
            return cli_error("device learn: no frame from %s in %d ms after %ld of %ld windows", o->port,
                             o->timeout_ms, windows, total), -1;
        if (f.type == PROTO_CLASSIFICATION && windows < total && ++windows % step == 0)
            printf("learn: %ld of %ld windows (%s)\n", windows, total, windows <= o->n ? "mean and variance" : "threshold");
        if (f.type == PROTO_LOG && f.len > sizeof done && !memcmp(f.payload + 1, done, sizeof done - 1)) {
            printf("learned: %ld windows, threshold %.*s\n", o->n, (int)(f.len - sizeof done),
                   (const char *)f.payload + sizeof done);
            return 0;
        }
    }
}

/* Print the next o->watch windows' anomaly score and unknown flag, then how many were unknown;
 * the device's "learn: ..." LOG lines on the way as "device: learn: ...". Returns 0, or -1
 * (message printed). */
static int learn_watch(struct devport *p, const struct lopts *o)
{
    long seen = 0, unknown = 0;
    struct proto_frame f;
    while (seen < o->watch) {
        int r = devport_read_frame(p, o->timeout_ms, &f);
        if (r <= 0)
            return cli_error("device learn: %s after %ld of %ld watched windows", r < 0 ? "port failed" : "no frame",
                             seen, o->watch), -1;
        if (f.type == PROTO_LOG && f.len > 7 && !memcmp(f.payload + 1, "learn: ", 7)) {
            /* the learner's steps (a learning the user button started shows here) */
            printf("device: %.*s\n", (int)f.len - 1, (const char *)f.payload + 1);
            continue;
        }
        struct proto_classification c;
        if (f.type != PROTO_CLASSIFICATION || proto_classification_parse(f.payload, f.len, &c))
            continue;
        seen++;
        if (!(c.flags & PROTO_CLS_ANOMALY)) {
            printf("window %u: class %u, no anomaly score\n", (unsigned)c.seq, c.class_index);
            continue;
        }
        unknown += (c.flags & PROTO_CLS_UNKNOWN) != 0;
        printf("window %u: class %u, anomaly %u%s\n", (unsigned)c.seq, c.class_index, (unsigned)c.anomaly,
               (c.flags & PROTO_CLS_UNKNOWN) ? " unknown" : "");
    }
    printf("watched: %ld windows, %ld unknown\n", seen, unknown);
    return 0;
}

/* imulab device learn N --port DEV */
int cmd_device_learn(const struct cli *cli, int argc, char **argv)
{
    (void)cli;
    struct lopts o;
    int rc = learn_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.port)
        return cli_usage("device learn", "--port DEV is required here");
    struct devport p = {.fd = -1};
    char err[512] = "";
    if (devport_open(&p, o.port, o.baud, err, sizeof err))
        return cli_error("device learn: %s", err);
    uint8_t body[2];
    proto_put_u16(body, (uint16_t)(o.n > 0 ? o.n : 0));
    int token = o.n >= 0 ? devport_command(&p, PROTO_CMD_LEARN, body, sizeof body) : 0;
    rc = CLI_FAIL;
    if (o.n < 0)
        rc = CLI_OK; /* watch only */
    else if (token < 0)
        cli_error("device learn: writing to %s failed", o.port);
    else if (learn_wait_ack(&p, o.port, token, o.timeout_ms) == 0) {
        if (o.n == 0) {
            printf("learn: the device forgot its learned model\n");
            rc = CLI_OK;
        } else {
            printf("learn: %ld windows of normal operation, then %ld for the threshold\n", o.n, o.n);
            fflush(stdout);
            rc = learn_follow(&p, &o) == 0 ? CLI_OK : CLI_FAIL;
        }
    }
    if (rc == CLI_OK && o.watch > 0)
        rc = learn_watch(&p, &o) == 0 ? CLI_OK : CLI_FAIL;
    devport_close(&p);
    return rc == CLI_OK ? cli_finish_output(CLI_OK) : rc;
}
