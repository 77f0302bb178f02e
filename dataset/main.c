/* SPDX-License-Identifier: MIT */
/* main.c -- `imulab`: global options, default paths and the command table.
 *
 * imulab [--db FILE] [--socket PATH] COMMAND [ARGS...]
 * Exit status: 0 success, 1 failure (with a message naming what failed), 2 bad usage.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*cmd_fn)(const struct cli *, int, char **);

struct command {
    const char *name;
    cmd_fn fn;
    const char *summary;
};

/* Every command, in the order --help lists them (all are linked in: no optional commands). */
static const struct command *commands(size_t *n)
{
    static const struct command table[] = {
        {"record", cmd_record, "start or stop a recording in the running daemon"},
        {"status", cmd_status, "the daemon's state"},
        {"device", cmd_device, "send a command to the device through the daemon"},
        {"list", cmd_list, "list recordings"},
        {"stats", cmd_stats, "recordings, samples and seconds per label, category and device"},
        {"show", cmd_show, "a recording's metadata and a terminal plot"},
        {"plot", cmd_plot, "plot a recording to an SVG file"},
        {"relabel", cmd_relabel, "change the label of recordings"},
        {"rm", cmd_rm, "move recordings to the trash"},
        {"restore", cmd_restore, "bring recordings back from the trash"},
        {"purge", cmd_purge, "delete the recordings in the trash for good"},
        {"trim", cmd_trim, "cut a recording to a time range"},
        {"split", cmd_split, "assign unassigned recordings to training or testing"},
        {"windows", cmd_windows, "count the windows per label and category"},
        {"import", cmd_import, "import Edge Impulse JSON/CSV files, info.labels and directories"},
        {"export", cmd_export, "export recordings in Edge Impulse formats"},
        {"export-model", cmd_export_model, "a model as a C library, an Arduino library or a .tflite file"},
        {"sync", cmd_sync, "bring this database together with the lab's PostgreSQL database"},
        {"train", cmd_train, "train a model"},
        {"eval", cmd_eval, "evaluate a model on the testing recordings"},
        {"segments", cmd_segments, "show where gesture mode's motion segmenter cuts a recording"},
        {"validate", cmd_validate, "run the testing windows on the device"},
        {"flash", cmd_flash, "build and program the classifier firmware"},
    };
    *n = sizeof table / sizeof table[0];
    return table;
}

static char db_default[4096], socket_default[4096];

static void defaults(void)
{
    const char *e;
    if ((e = getenv("IMULAB_DB")) && *e)
        snprintf(db_default, sizeof db_default, "%s", e);
    else if (geteuid() == 0)
        snprintf(db_default, sizeof db_default, "/var/lib/imulab/imulab.db");
    else if ((e = getenv("XDG_DATA_HOME")) && *e)
        snprintf(db_default, sizeof db_default, "%s/imulab/imulab.db", e);
    else
        snprintf(db_default, sizeof db_default, "%s/.local/share/imulab/imulab.db",
                 getenv("HOME") ? getenv("HOME") : ".");
    if ((e = getenv("IMULAB_SOCKET")) && *e)
        snprintf(socket_default, sizeof socket_default, "%s", e);
    else if (geteuid() == 0)
        snprintf(socket_default, sizeof socket_default, "/run/imulab/imulabd.sock");
    else if ((e = getenv("XDG_RUNTIME_DIR")) && *e)
        snprintf(socket_default, sizeof socket_default, "%s/imulab.sock", e);
    else
        snprintf(socket_default, sizeof socket_default, "/tmp/imulab-%u.sock", (unsigned)geteuid());
}

static void usage(FILE *f)
{
    size_t n;
    const struct command *t = commands(&n);
    fprintf(f,
            "usage: imulab [--db FILE] [--socket PATH] COMMAND [ARGS...]\n"
            "\n"
            "Looks after a motion dataset: recordings in one SQLite database, made by imulabd.\n"
            "\n"
            "Global options (before the command):\n"
            "  --db FILE      the database (now: %s)\n"
            "                 default: $IMULAB_DB, else /var/lib/imulab/imulab.db for root,\n"
            "                 else $XDG_DATA_HOME/imulab/imulab.db (~/.local/share/imulab/imulab.db)\n"
            "  --socket PATH  the daemon's control socket (now: %s)\n"
            "                 default: $IMULAB_SOCKET, else /run/imulab/imulabd.sock for root,\n"
            "                 else $XDG_RUNTIME_DIR/imulab.sock\n"
            "  --help         this text; `imulab COMMAND --help` describes a command\n"
            "  --version      the version\n"
            "\nCommands:\n",
            db_default, socket_default);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %-12s %s\n", t[i].name, t[i].summary);
    fprintf(f, "\nExit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
    struct cli cli;
    defaults();
    cli.db_path = db_default;
    cli.socket_path = socket_default;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--version")) {
            printf("imulab 0.1.0\n");
            return CLI_OK;
        } else if (!strcmp(a, "--db") || !strcmp(a, "--socket")) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                fprintf(stderr, "imulab: %s needs a value (see imulab --help)\n", a);
                return CLI_USAGE;
            }
            if (a[2] == 'd')
                cli.db_path = argv[++i];
            else
                cli.socket_path = argv[++i];
        } else if (!strncmp(a, "--db=", 5) && a[5]) {
            cli.db_path = a + 5;
        } else if (!strncmp(a, "--socket=", 9) && a[9]) {
            cli.socket_path = a + 9;
        } else {
            fprintf(stderr, "imulab: unknown global option '%s' (see imulab --help)\n", a);
            return CLI_USAGE;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "imulab: no command given (see imulab --help)\n");
        return CLI_USAGE;
    }
    size_t n;
    const struct command *t = commands(&n);
    for (size_t k = 0; k < n; k++) {
        if (strcmp(argv[i], t[k].name))
            continue;
        return cli_finish_output(t[k].fn(&cli, argc - i, argv + i));
    }
    fprintf(stderr, "imulab: unknown command '%s' (see imulab --help)\n", argv[i]);
    return CLI_USAGE;
}
