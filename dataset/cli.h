/* cli.h -- what every `imulab` command gets: the global options, and a few shared helpers. */
#ifndef IMULAB_CLI_H
#define IMULAB_CLI_H

#include <stdio.h>

struct store;

struct cli {
    const char *db_path;     /* --db, $IMULAB_DB, or the default */
    const char *socket_path; /* --socket, $IMULAB_SOCKET, or the default */
};

/* Each command: argv[0] is the command name. Returns the process exit status. */
int cmd_record(const struct cli *cli, int argc, char **argv);
int cmd_status(const struct cli *cli, int argc, char **argv);
int cmd_list(const struct cli *cli, int argc, char **argv);
int cmd_stats(const struct cli *cli, int argc, char **argv);

/* Open the database for writing (creating it) or reading; prints "imulab: <reason>" on failure. */
struct store *cli_open_store(const struct cli *cli, int writable);

/* Print "imulab: " + message + newline to stderr; returns 1 (the usage-error exit status is 2). */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
