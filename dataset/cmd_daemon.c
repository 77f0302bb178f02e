/* SPDX-License-Identifier: MIT */
/* cmd_daemon.c -- the commands that talk to a running imulabd: record, status, device.
 *
 * Each command opens the control socket, sends one request line (docs/control.md), reads
 * the one-line JSON reply with a timeout, and prints it for people or, with --json, as it
 * is. Arguments that may contain spaces or quotes (labels, subjects) are sent as JSON string
 * literals, so any valid label survives the trip.
 */
#include "cli.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define REPLY_TIMEOUT_S 5

/* Append s to buf as a JSON string literal. */
static void append_quoted(char *buf, size_t cap, const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *q = j ? cJSON_PrintUnformatted(j) : NULL;
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s", q ? q : "\"\"");
    free(q);
    cJSON_Delete(j);
}

/* Send one request, return the parsed reply (caller frees) or NULL after printing why. */
static cJSON *daemon_request(const struct cli *cli, const char *request)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(cli->socket_path) >= sizeof sa.sun_path) {
        cli_error("--socket %s: path too long", cli->socket_path);
        return NULL;
    }
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", cli->socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        cli_error("cannot reach imulabd at %s: %s (is it running? start it with: imulabd --port DEV --db FILE "
                  "--socket %s)",
                  cli->socket_path, strerror(errno), cli->socket_path);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    size_t len = strlen(request);
    if (send(fd, request, len, MSG_NOSIGNAL) != (ssize_t)len || send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
        /* the daemon may have answered and closed first (too many clients): read its reason */
        int err = errno;
        char why[512];
        ssize_t r = recv(fd, why, sizeof why - 1, MSG_DONTWAIT);
        close(fd);
        if (r > 0) {
            why[r] = 0;
            cJSON *j = cJSON_Parse(why);
            cJSON *e = j ? cJSON_GetObjectItem(j, "error") : NULL;
            if (cJSON_IsString(e)) {
                cli_error("imulabd at %s: %s", cli->socket_path, e->valuestring);
                cJSON_Delete(j);
                return NULL;
            }
            cJSON_Delete(j);
        }
        cli_error("writing to imulabd at %s: %s", cli->socket_path, strerror(err));
        return NULL;
    }
    char *reply = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *p = realloc(reply, cap);
            if (!p) {
                free(reply);
                close(fd);
                cli_error("out of memory");
                return NULL;
            }
            reply = p;
        }
        ssize_t r = recv(fd, reply + n, cap - n - 1, 0);
        if (r <= 0) {
            cli_error("imulabd at %s %s", cli->socket_path,
                      r == 0 ? "closed the connection without a reply"
                             : errno == EAGAIN ? "did not reply within 5 s" : strerror(errno));
            free(reply);
            close(fd);
            return NULL;
        }
        n += (size_t)r;
        if (memchr(reply + n - r, '\n', (size_t)r))
            break;
    }
    close(fd);
    reply[n] = 0;
    cJSON *j = cJSON_Parse(reply);
    if (!j || !cJSON_IsObject(j) || !cJSON_IsBool(cJSON_GetObjectItem(j, "ok"))) {
        cli_error("imulabd at %s sent a malformed reply: %.80s", cli->socket_path, reply);
        cJSON_Delete(j);
        free(reply);
        return NULL;
    }
    free(reply);
    if (!cJSON_IsTrue(cJSON_GetObjectItem(j, "ok"))) {
        cJSON *e = cJSON_GetObjectItem(j, "error");
        cli_error("%s", cJSON_IsString(e) ? e->valuestring : "imulabd refused the request");
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static double num(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Print a reply object without its "ok" member, as one JSON line. */
static void print_json(cJSON *j)
{
    cJSON_DeleteItemFromObject(j, "ok");
    char *s = cJSON_PrintUnformatted(j);
    if (s)
        printf("%s\n", s);
    free(s);
}

static void record_usage(FILE *f)
{
    fprintf(f, "usage: imulab record start LABEL [--subject S] [--category training|testing|unassigned] [--json]\n"
               "       imulab record stop [--json]\n"
               "Opens or closes a recording in the running imulabd (see --socket).\n");
}

/* imulab record start|stop */
int cmd_record(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"subject", required_argument, 0, 's'},
                                         {"category", required_argument, 0, 'c'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *subject = NULL, *category = NULL;
    int json = 0, o;
    cli_getopt_begin();
    while ((o = cli_getopt("record", argc, argv, "", opts)) != -1) {
        switch (o) {
        case 's': subject = optarg; break;
        case 'c': category = optarg; break;
        case 'j': json = 1; break;
        case 'h': record_usage(stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
    }
    int rest = argc - optind;
    char req[1024] = "";
    if (rest == 2 && !strcmp(argv[optind], "start")) {
        /* checked here too, so a long label is named as such (it would not fit the request) */
        char why[160];
        if (!store_label_valid(argv[optind + 1], why, sizeof why))
            return cli_usage("record", "%s", why);
        if (subject && *subject && !store_label_valid(subject, why, sizeof why))
            return cli_usage("record", "--subject: %s", why);
        if (category && !store_category_valid(category))
            return cli_usage("record", "--category must be training, testing or unassigned, not '%.40s'", category);
        snprintf(req, sizeof req, "record start ");
        append_quoted(req, sizeof req, argv[optind + 1]);
        if (subject) {
            strncat(req, " subject=", sizeof req - strlen(req) - 1);
            append_quoted(req, sizeof req, subject);
        }
        if (category) {
            strncat(req, " category=", sizeof req - strlen(req) - 1);
            append_quoted(req, sizeof req, category);
        }
    } else if (rest == 1 && !strcmp(argv[optind], "stop")) {
        if (subject || category)
            return cli_usage("record", "--subject and --category go with start");
        snprintf(req, sizeof req, "record stop");
    } else {
        return cli_usage("record", "want 'start LABEL' or 'stop'");
    }
    cJSON *j = daemon_request(cli, req);
    if (!j)
        return CLI_FAIL;
    if (json)
        print_json(j);
    else if (!strcmp(argv[optind], "start"))
        printf("recording %.0f started: %s\n", num(j, "recording_id"), str(j, "label") ? str(j, "label") : "");
    else
        printf("recording %.0f stopped: %s, %.0f samples, %.2f s, %.0f gaps\n", num(j, "recording_id"),
               str(j, "label") ? str(j, "label") : "", num(j, "samples"), num(j, "seconds"), num(j, "gaps"));
    cJSON_Delete(j);
    return cli_finish_output(CLI_OK);
}

/* imulab status [--json] */
int cmd_status(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, o;
    cli_getopt_begin();
    while ((o = cli_getopt("status", argc, argv, "", opts)) != -1) {
        if (o == 'j')
            json = 1;
        else if (o == 'h') {
            printf("usage: imulab status [--json]\nThe running imulabd's state: device, rate, recording, counters.\n");
            return CLI_OK;
        } else
            return CLI_USAGE;
    }
    if (optind != argc)
        return cli_usage("status", "unexpected argument '%s'", argv[optind]);
    cJSON *j = daemon_request(cli, "status");
    if (!j)
        return CLI_FAIL;
    if (json) {
        print_json(j);
    } else {
        cJSON *dev = cJSON_GetObjectItem(j, "device");
        printf("port        %s (%s, %s)\n", str(j, "port") ? str(j, "port") : "?",
               cJSON_IsTrue(cJSON_GetObjectItem(j, "connected")) ? "connected" : "not connected",
               str(j, "mode") ? str(j, "mode") : "?");
        if (cJSON_IsObject(dev))
            printf("device      %s, firmware %s, sensor %s\n", str(dev, "board"), str(dev, "firmware"),
                   str(dev, "sensor"));
        printf("rate        %g Hz\n", num(j, "sample_rate_hz"));
        if (cJSON_IsTrue(cJSON_GetObjectItem(j, "recording")))
            printf("recording   %s (id %.0f), %.0f samples, %.1f s\n", str(j, "label"), num(j, "recording_id"),
                   num(j, "recording_samples"), num(j, "recording_seconds"));
        else
            printf("recording   no\n");
        printf("frames      %.0f (%.1f/s), %.0f bytes\n", num(j, "frames"), num(j, "frames_per_s"), num(j, "bytes"));
        printf("errors      %.0f CRC, %.0f framing, %.0f gaps (%.0f samples), %.0f bad text lines\n",
               num(j, "crc_errors"), num(j, "framing_errors"), num(j, "gaps"), num(j, "missing_samples"),
               num(j, "bad_lines"));
        if (str(j, "text_problem"))
            printf("text        %s\n", str(j, "text_problem"));
        cJSON *cls = cJSON_GetObjectItem(j, "classification");
        if (cJSON_IsObject(cls))
            printf("class       %.0f (%.0f instructions)\n", num(cls, "class"), num(cls, "instructions"));
        printf("database    %s (%.0f errors)\n", str(j, "db") ? str(j, "db") : "?", num(j, "db_errors"));
    }
    cJSON_Delete(j);
    return cli_finish_output(CLI_OK);
}

/* imulab device start|stop|info|ping|rate HZ|ranges G DPS|gesture NAME */
int cmd_device(const struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: imulab device start|stop|info|ping|rate HZ|ranges ACCEL_G GYRO_DPS|gesture NAME|N|baud N|learn N\n"
                   "Sends a command to the device through the running imulabd and waits for its answer.\n"
                   "imulab device learn N --port DEV talks to the port itself (imulab device learn --help).\n");
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "learn")) /* straight to the port with --port (and for its help) */
        for (int i = 2; i < argc; i++)
            if (!strncmp(argv[i], "--port", 6) || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
                return cmd_device_learn(cli, argc - 1, argv + 1);
    char req[512] = "device";
    for (int i = 1; i < argc; i++) {
        strncat(req, " ", sizeof req - strlen(req) - 1);
        append_quoted(req, sizeof req, argv[i]);
    }
    cJSON *j = daemon_request(cli, req);
    if (!j)
        return CLI_FAIL;
    printf("device: %s acknowledged\n", argv[1]);
    cJSON_Delete(j);
    return cli_finish_output(CLI_OK);
}
