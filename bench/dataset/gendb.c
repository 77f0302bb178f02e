/* SPDX-License-Identifier: MIT */
/* gendb.c -- builds a database of N recordings for the stats benchmark.
 * usage: bench_dataset_gendb DB [N] [SAMPLES]
 * Recordings: 6 labels, 3 int16 axes at 100 Hz, SAMPLES samples each (default 200), categories
 * about 70/20/10 training/testing/unassigned, 20 subjects, 2 devices, 1% in the trash. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help")) {
        fprintf(argc < 2 ? stderr : stdout, "usage: bench_dataset_gendb DB [N] [SAMPLES]\n");
        return argc < 2 ? 2 : 0;
    }
    long n = argc > 2 ? atol(argv[2]) : 10000, ns = argc > 3 ? atol(argv[3]) : 200;
    if (n < 1 || ns < 1 || ns > 100000) {
        fprintf(stderr, "bench_dataset_gendb: bad N or SAMPLES\n");
        return 2;
    }
    struct store *s;
    char err[512];
    remove(argv[1]);
    if (store_open(argv[1], &s, err, sizeof err)) {
        fprintf(stderr, "bench_dataset_gendb: %s\n", err);
        return 1;
    }
    static const char *labels[] = {"idle", "wave", "circle", "punch", "shake", "updown"};
    int16_t *v = malloc((size_t)ns * 3 * sizeof *v);
    int64_t dev[2];
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.board, sizeof d.board, "nucleo-f446re");
    snprintf(d.sensor, sizeof d.sensor, "mpu6050");
    snprintf(d.firmware, sizeof d.firmware, "1.0.0");
    snprintf(d.port, sizeof d.port, "/dev/ttyACM0");
    if (!v || store_begin(s) || store_device_upsert(s, &d, &dev[0]))
        goto fail;
    snprintf(d.port, sizeof d.port, "/dev/ttyACM1");
    if (store_device_upsert(s, &d, &dev[1]))
        goto fail;
    srand(7);
    for (long i = 0; i < n; i++) {
        struct store_recording r;
        memset(&r, 0, sizeof r);
        snprintf(r.label, sizeof r.label, "%s", labels[i % 6]);
        int c = rand() % 10;
        snprintf(r.category, sizeof r.category, "%s", c < 7 ? "training" : c < 9 ? "testing" : "unassigned");
        snprintf(r.subject, sizeof r.subject, "person%02ld", i % 20);
        r.device_id = dev[i % 2];
        r.started_at = 1.7e9 + (double)i * 10;
        r.sample_rate_hz = 100;
        r.format = STORE_I16;
        r.n_axes = 3;
        for (int a = 0; a < 3; a++) {
            snprintf(r.axes[a].name, sizeof r.axes[a].name, "acc%c", 'X' + a);
            snprintf(r.axes[a].unit, sizeof r.axes[a].unit, "g");
            r.axes[a].scale = 1.0 / 4096;
        }
        for (long k = 0; k < ns * 3; k++)
            v[k] = (int16_t)(4096 * sin(0.01 * (double)(k + i)) + rand() % 64);
        if (store_recording_create(s, &r, NULL) ||
            store_chunk_append(s, r.id, 0, 0, (uint32_t)ns, 3, STORE_I16, v, 0) ||
            store_recording_finish(s, r.id, r.started_at + (double)ns / 100))
            goto fail;
    }
    if (sqlite3_exec(store_db(s), "UPDATE recordings SET deleted_at=1.7e9 WHERE id % 100 = 0", NULL, NULL, NULL) !=
            SQLITE_OK ||
        store_commit(s))
        goto fail;
    store_close(s);
    free(v);
    printf("%ld recordings of %ld samples in %s\n", n, ns, argv[1]);
    return 0;
fail:
    fprintf(stderr, "bench_dataset_gendb: %s\n", store_errmsg(s));
    store_close(s);
    free(v);
    return 1;
}
