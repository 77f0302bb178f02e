/* SPDX-License-Identifier: MIT */
/* gendb.c -- builds a database of N recordings for the dataset benchmarks.
 * usage: bench_dataset_gendb DB [N] [SAMPLES] [--hours H] [--axes A] [--labels L] [--subjects S]
 *                            [--devices D]
 * Recordings: L labels (default 6), A int16 axes (default 3) at 100 Hz, SAMPLES samples each
 * (default 200), categories about 70/20/10 training/testing/unassigned, S subjects (20), D
 * devices (2), 1% in the trash. --hours H makes N = H hours / (SAMPLES / 100 Hz) recordings
 * (the scale benchmark: 6 axes, 6 s recordings, 12 labels, 30 subjects, 4 devices).
 * Each label is a different mix of frequencies per axis plus noise, so a model can learn them. */
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
    long n = 10000, ns = 200, n_axes = 3, n_labels = 6, n_subjects = 20, n_devices = 2;
    double hours = 0;
    int pos = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        long *opt = !strcmp(a, "--axes") ? &n_axes : !strcmp(a, "--labels") ? &n_labels
                  : !strcmp(a, "--subjects") ? &n_subjects : !strcmp(a, "--devices") ? &n_devices : NULL;
        if ((opt || !strcmp(a, "--hours")) && i + 1 >= argc) {
            fprintf(stderr, "bench_dataset_gendb: %s needs a value\n", a);
            return 2;
        }
        if (opt)
            *opt = atol(argv[++i]);
        else if (!strcmp(a, "--hours"))
            hours = atof(argv[++i]);
        else if (pos == 0 && a[0] != '-')
            n = atol(a), pos++;
        else if (pos == 1 && a[0] != '-')
            ns = atol(a), pos++;
        else {
            fprintf(stderr, "bench_dataset_gendb: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (hours > 0)
        n = (long)(hours * 3600.0 * 100.0 / (double)ns + 0.5);
    if (n < 1 || ns < 1 || ns > 100000 || n_axes < 1 || n_axes > STORE_MAX_AXES || n_labels < 1 || n_labels > 64 ||
        n_subjects < 1 || n_devices < 1 || n_devices > 64) {
        fprintf(stderr, "bench_dataset_gendb: bad N, SAMPLES, --axes (1..%d), --labels (1..64), --subjects or "
                        "--devices (1..64)\n", STORE_MAX_AXES);
        return 2;
    }
    struct store *s;
    char err[512];
    remove(argv[1]);
    if (store_open(argv[1], &s, err, sizeof err)) {
        fprintf(stderr, "bench_dataset_gendb: %s\n", err);
        return 1;
    }
    static const char *names[] = {"idle", "wave", "circle", "punch", "shake", "updown"};
    int16_t *v = malloc((size_t)ns * (size_t)n_axes * sizeof *v);
    int64_t dev[64];
    struct store_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.board, sizeof d.board, "nucleo-f446re");
    snprintf(d.sensor, sizeof d.sensor, "mpu6050");
    snprintf(d.firmware, sizeof d.firmware, "1.0.0");
    if (!v || store_begin(s))
        goto fail;
    for (long k = 0; k < n_devices; k++) {
        snprintf(d.port, sizeof d.port, "/dev/ttyACM%ld", k);
        if (store_device_upsert(s, &d, &dev[k]))
            goto fail;
    }
    srand(7);
    for (long i = 0; i < n; i++) {
        struct store_recording r;
        memset(&r, 0, sizeof r);
        long lab = i % n_labels;
        if (lab < 6)
            snprintf(r.label, sizeof r.label, "%s", names[lab]);
        else
            snprintf(r.label, sizeof r.label, "%s%ld", names[lab % 6], lab / 6);
        int c = rand() % 10;
        snprintf(r.category, sizeof r.category, "%s", c < 7 ? "training" : c < 9 ? "testing" : "unassigned");
        snprintf(r.subject, sizeof r.subject, "person%02ld", i % n_subjects);
        r.device_id = dev[i % n_devices];
        r.started_at = 1.7e9 + (double)i * 10;
        r.sample_rate_hz = 100;
        r.format = STORE_I16;
        r.n_axes = (int)n_axes;
        for (int a = 0; a < n_axes; a++) {
            snprintf(r.axes[a].name, sizeof r.axes[a].name, "%s%c", a < 3 ? "acc" : "gyr", 'X' + a % 3);
            snprintf(r.axes[a].unit, sizeof r.axes[a].unit, "%s", a < 3 ? "g" : "dps");
            r.axes[a].scale = 1.0 / 4096;
        }
        for (long t = 0; t < ns; t++)
            for (long a = 0; a < n_axes; a++) {
                double f = 0.002 * (double)(1 + (lab * 7 + a * 3) % 23);
                v[t * n_axes + a] = (int16_t)(4096 * sin(2 * M_PI * f * (double)(t + i)) + rand() % 256 - 128);
            }
        if (store_recording_create(s, &r, NULL) ||
            store_chunk_append(s, r.id, 0, 0, (uint32_t)ns, (int)n_axes, STORE_I16, v, 0) ||
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
