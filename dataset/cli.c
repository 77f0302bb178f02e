/* SPDX-License-Identifier: MIT */
/* cli.c -- shared helpers of the imulab commands (see cli.h). */
#include "cli.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "store.h"

void cli_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    assert(cap >= 5);
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < cap; p++) {
        if (*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = 0;
}

void cli_vmessage(FILE *f, const char *fmt, va_list ap)
{
    char msg[4096], shown[4 * sizeof msg + 1];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    cli_escape(msg, shown, sizeof shown);
    fputs(shown, f);
    if (n >= (int)sizeof msg)
        fputs("...", f);
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("imulab: ", stderr);
    va_start(ap, fmt);
    cli_vmessage(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "imulab %s: ", cmd);
    va_start(ap, fmt);
    cli_vmessage(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see imulab %s --help)\n", cmd);
    return CLI_USAGE;
}

/* mkdir -p of the directory part of path. */
static int make_parent(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = 0;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(dir, 0755) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(dir, 0755) && errno != EEXIST)
        return -1;
    return 0;
}

struct store *cli_open_store(const struct cli *cli, int writable)
{
    struct store *s = NULL;
    char err[600];
    struct stat st;
    if (writable != CLI_STORE_CREATE && stat(cli->db_path, &st) && errno == ENOENT) {
        /* reading or editing: a mistyped --db must not create anything */
        cli_error("%s: no database there (give the right --db FILE or IMULAB_DB)", cli->db_path);
        return NULL;
    }
    if (writable == CLI_STORE_EDIT || (writable == CLI_STORE_CREATE && stat(cli->db_path, &st) == 0)) {
        /* an existing file must be imulab's: another program's database gets no tables */
        if (store_open_existing(cli->db_path, &s, err, sizeof err)) {
            cli_error("%s", err);
            return NULL;
        }
    } else if (writable) {
        if (make_parent(cli->db_path)) {
            cli_error("%s: cannot create its directory: %s", cli->db_path, strerror(errno));
            return NULL;
        }
        if (store_open(cli->db_path, &s, err, sizeof err)) {
            cli_error("%s", err);
            return NULL;
        }
    } else if (store_open_readonly(cli->db_path, &s, err, sizeof err)) {
        cli_error("%s", err);
        return NULL;
    }
    return s;
}

struct store *cli_open_store_ro(const struct cli *cli, int *missing)
{
    struct stat st;
    *missing = 0;
    if (stat(cli->db_path, &st) && errno == ENOENT) {
        *missing = 1;
        return NULL;
    }
    return cli_open_store(cli, 0);
}

int cli_parse_id(const char *s, long long *id)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0)
        return -1;
    *id = v;
    return 0;
}

int cli_parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    if (!*s)
        return -1;
    double d = strtod(s, &end);
    if (errno || *end || !isfinite(d))
        return -1;
    *v = d;
    return 0;
}

int cli_parse_range(const char *cmd, const char *opt, const char *s, double lo, double hi, double *v)
{
    if (cli_parse_double(s, v) || *v < lo || *v > hi)
        return cli_usage(cmd, "%s must be a number from %g to %g, not '%.40s'", opt, lo, hi, s);
    return 0;
}

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void cli_json_num(FILE *f, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        fprintf(f, "%.0f", v);
        return;
    }
    fmt_double(buf, sizeof buf, v);
    fputs(buf, f);
}

void cli_getopt_begin(void)
{
    optind = 0; /* glibc: full re-initialisation */
    opterr = 0;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    char spec[128];
    /* leading ':' makes a missing argument ':' rather than '?' */
    snprintf(spec, sizeof spec, ":%s", shortopts);
    int c = getopt_long(argc, argv, spec, longopts, NULL);
    if (c == ':') {
        cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
        return '?';
    }
    if (c == '?') {
        const char *bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
        if (optopt)
            cli_usage(cmd, "unknown option '-%c'", optopt);
        else
            cli_usage(cmd, "unknown option '%s'", bad);
        return '?';
    }
    return c;
}

int cli_finish_output(int status)
{
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "imulab: writing the output: %s\n", strerror(errno));
        return CLI_FAIL;
    }
    return status;
}
