/* SPDX-License-Identifier: MIT */
/* fuzz_import.c -- libFuzzer target for `imulab import` (dataset/cmd_import.c): Edge Impulse
 * JSON, CSV (with timestamps, or generic with --label-column) and info.labels files.
 *
 * Input byte 0 picks the kind; the rest is written to a file of that kind in a scratch
 * directory, and `imulab import --dry-run` runs on it against a scratch database (created once).
 * For info.labels, a valid data file the entries may name sits next to it. The command must
 * return 0 or 1 (a bad file is a clear error, never a crash); ASan and UBSan check the rest.
 * Run with -close_fd_mask=3: the command's messages are not the fuzzer's output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static char dir[256], db[300];

/* Write n bytes to path. */
static void write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (n && fwrite(d, 1, n, f) != n)
        abort();
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/fuzz-import.%d", (int)getpid());
    mkdir(dir, 0700);
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    /* a valid file for info.labels to name, and the database */
    char path[400];
    snprintf(path, sizeof path, "%s/wave.good.json", dir);
    const char *good = "{\"protected\":{\"ver\":\"v1\",\"alg\":\"none\"},\"signature\":\"0\",\"payload\":{"
                       "\"device_type\":\"x\",\"interval_ms\":10,\"sensors\":[{\"name\":\"x\",\"units\":\"g\"}],"
                       "\"values\":[[1],[2],[3]]}}";
    write_file(path, (const uint8_t *)good, strlen(good));
    struct cli cli = {.db_path = db, .socket_path = "/nonexistent"};
    char *args[] = {"import", path, NULL};
    if (cmd_import(&cli, 2, args) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *names[] = {"wave.f.json", "wave.f.csv", "info.labels", "rows.csv"};
    int kind = data[0] % 4;
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, names[kind]);
    write_file(path, data + 1, size - 1);
    struct cli cli = {.db_path = db, .socket_path = "/nonexistent"};
    char *args[8];
    int n = 0;
    args[n++] = "import";
    args[n++] = "--dry-run";
    if (kind == 3) {
        args[n++] = "--label-column";
        args[n++] = "label";
    }
    args[n++] = path;
    args[n] = NULL;
    int rc = cmd_import(&cli, n, args);
    if (rc != 0 && rc != 1)
        abort();
    unlink(path);
    return 0;
}
