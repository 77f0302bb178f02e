/* SPDX-License-Identifier: MIT */
/* cli.h -- what every `imulab` command gets: the global options, and a few shared helpers. */
#ifndef IMULAB_CLI_H
#define IMULAB_CLI_H

#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>

struct store;

struct cli {
    const char *db_path;     /* --db, $IMULAB_DB, or the default */
    const char *socket_path; /* --socket, $IMULAB_SOCKET, or the default */
};

/* Each command: argv[0] is the command name. Returns the process exit status. */
int cmd_record(const struct cli *cli, int argc, char **argv);
int cmd_status(const struct cli *cli, int argc, char **argv);
int cmd_device(const struct cli *cli, int argc, char **argv);
/* `imulab device learn N --port DEV` (cmd_learn.c): argv[0] is "learn". */
int cmd_device_learn(const struct cli *cli, int argc, char **argv);
int cmd_list(const struct cli *cli, int argc, char **argv);
int cmd_stats(const struct cli *cli, int argc, char **argv);
int cmd_show(const struct cli *cli, int argc, char **argv);
int cmd_plot(const struct cli *cli, int argc, char **argv);
int cmd_relabel(const struct cli *cli, int argc, char **argv);
int cmd_rm(const struct cli *cli, int argc, char **argv);
int cmd_restore(const struct cli *cli, int argc, char **argv);
int cmd_purge(const struct cli *cli, int argc, char **argv);
int cmd_trim(const struct cli *cli, int argc, char **argv);
int cmd_split(const struct cli *cli, int argc, char **argv);
int cmd_windows(const struct cli *cli, int argc, char **argv);
int cmd_import(const struct cli *cli, int argc, char **argv);
int cmd_export(const struct cli *cli, int argc, char **argv);
int cmd_export_model(const struct cli *cli, int argc, char **argv);
int cmd_sync(const struct cli *cli, int argc, char **argv);
int cmd_train(const struct cli *cli, int argc, char **argv);
int cmd_eval(const struct cli *cli, int argc, char **argv);
int cmd_validate(const struct cli *cli, int argc, char **argv);
int cmd_flash(const struct cli *cli, int argc, char **argv);
int cmd_segments(const struct cli *cli, int argc, char **argv);
/* cmd_train.c (weak in cmd_show.c): the gesture segmenter's cuts of a recording for `plot
 * --segments` (model_dir NULL: set up from the training recordings); count or -1 (reported). */
int cli_plot_segments(const struct cli *cli, const char *model_dir, int n_axes, const float *v, int64_t n,
                      uint32_t *starts, uint32_t *lens, int *kept, int max);

/* Open the database for reading (CLI_STORE_READ), for editing an existing imulab database
 * (CLI_STORE_EDIT: a missing file or another program's database is refused, nothing is
 * created) or for writing, creating it if missing (CLI_STORE_CREATE, import); prints
 * "imulab: <reason>" on failure. */
#define CLI_STORE_READ 0
#define CLI_STORE_CREATE 1
#define CLI_STORE_EDIT 2
struct store *cli_open_store(const struct cli *cli, int writable);

/* Print "imulab: " + message + newline to stderr; returns 1 (the usage-error exit status is 2). */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy s to out with control characters shown as \xNN (messages stay one line and cannot
 * drive the terminal); cut to fit cap (at least 5). */
void cli_escape(const char *s, char *out, size_t cap);
/* Format a message and write it escaped so (up to 4 KiB, then "..."). */
void cli_vmessage(FILE *f, const char *fmt, va_list ap);

/* Exit statuses. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* Print "imulab <cmd>: " + message + " (see imulab <cmd> --help)" to stderr; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a recording id (a positive integer); returns 0 if valid. */
int cli_parse_id(const char *s, long long *id);
/* Parse a finite number; returns 0 if valid. */
int cli_parse_double(const char *s, double *v);
/* Parse option opt of cmd as a number in [lo, hi]; 0, or CLI_USAGE after a message naming the
 * range. */
int cli_parse_range(const char *cmd, const char *opt, const char *s, double lo, double hi, double *v);

/* Options: getopt_long with our own messages. Call cli_getopt_begin() once per command, then
 * cli_getopt() until it returns -1. '?' means a usage error was printed (return CLI_USAGE);
 * 'h' is --help (every command maps --help to 'h'). */
struct option;
void cli_getopt_begin(void);
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts);
extern char *optarg;
extern int optind;

/* Open read-only for listings: a database that does not exist yet reads as empty (returns NULL
 * with *missing set, no message). */
struct store *cli_open_store_ro(const struct cli *cli, int *missing);

/* JSON output helpers: a string literal with escapes, and a finite double (null if not finite). */
void cli_json_str(FILE *f, const char *s);
void cli_json_num(FILE *f, double v);

/* Flush stdout and turn a write error into a message; returns status unchanged or CLI_FAIL. */
int cli_finish_output(int status);

#endif
