/* SPDX-License-Identifier: MIT */
/* recorder.c -- the open recording and its batched commits.
 *
 * Samples are stored only while a recording is open. They wait in an in-memory batch that
 * main.c commits every 100 ms as one chunk row plus the running counts, in one transaction:
 * kill -9 therefore loses at most the last ~100 ms (plus the time SQLite needs to commit),
 * and WAL mode never leaves a corrupt file. Binary input is stored as the device's int16
 * values with the HELLO scales; text input as float32.
 *
 * If a commit fails (disk full, database locked for too long, read-only file) the batch is
 * kept and retried on the next tick; the daemon keeps ingesting. Only when the backlog passes
 * RECORDER_MAX_BACKLOG samples is the oldest part dropped, logged and counted as a gap, so
 * memory stays bounded and the loss is visible in the recording.
 */
#include "daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMIT_INTERVAL_S 0.1
#define RECORDER_MAX_BACKLOG (1u << 22) /* samples kept while the database refuses writes */

/* Make room for n more pending samples. */
static int pending_reserve(struct recording *r, size_t n)
{
    size_t vsize = r->format == STORE_I16 ? 2 : 4;
    if (r->pending_n + n <= r->pending_cap)
        return 0;
    size_t cap = r->pending_cap ? r->pending_cap : 1024;
    while (cap < r->pending_n + n)
        cap *= 2;
    void *p = realloc(r->pending, cap * (size_t)r->n_axes * vsize);
    if (!p)
        return -1;
    r->pending = p;
    r->pending_cap = cap;
    return 0;
}

/* Open a recording with the device's current axes and rate. */
int recorder_start(struct daemon *d, const char *label, const char *subject, const char *category, char *why,
                   size_t whylen)
{
    struct recording *r = &d->rec;
    if (r->open) {
        snprintf(why, whylen, "already recording '%s' (recording %lld): stop it first", r->label, (long long)r->id);
        return -1;
    }
    if (!ingest_connected(d)) {
        snprintf(why, whylen, "no device connected on %s (%s): nothing would be recorded", d->port_path,
                 !d->port_open ? "port not open" : d->mode == MODE_DETECTING ? "no data recognised yet"
                                                 : "waiting for device info or the sample rate");
        return -1;
    }
    if (!store_label_valid(label, why, whylen))
        return -1;
    if (subject && *subject && !store_label_valid(subject, why, whylen)) {
        char tmp[160];
        snprintf(tmp, sizeof tmp, "subject: %s", why);
        snprintf(why, whylen, "%s", tmp);
        return -1;
    }
    if (!category)
        category = "unassigned";
    if (!store_category_valid(category)) {
        snprintf(why, whylen, "category '%.40s' is not training, testing or unassigned", category);
        return -1;
    }
    struct store_recording sr;
    memset(&sr, 0, sizeof sr);
    snprintf(sr.label, sizeof sr.label, "%s", label);
    snprintf(sr.category, sizeof sr.category, "%s", category);
    if (subject)
        snprintf(sr.subject, sizeof sr.subject, "%s", subject);
    sr.device_id = d->device_id;
    sr.started_at = store_now();
    sr.sample_rate_hz = d->dev.rate_hz;
    sr.format = d->mode == MODE_BINARY ? STORE_I16 : STORE_F32;
    sr.n_axes = d->dev.n_axes;
    for (int a = 0; a < sr.n_axes; a++) {
        snprintf(sr.axes[a].name, sizeof sr.axes[a].name, "%s", d->dev.axis_name[a]);
        snprintf(sr.axes[a].unit, sizeof sr.axes[a].unit, "%s", d->dev.axis_unit[a]);
        sr.axes[a].scale = d->dev.axis_scale[a];
    }
    snprintf(sr.source, sizeof sr.source, "%s:%s", d->mode == MODE_BINARY ? "device" : "data-forwarder",
             d->port_path);
    if (store_begin(d->store) || store_recording_create(d->store, &sr, d->owner) || store_commit(d->store)) {
        snprintf(why, whylen, "database: %s", store_errmsg(d->store));
        store_rollback(d->store);
        d->c.db_errors++;
        return -1;
    }
    free(r->pending);
    memset(r, 0, sizeof *r);
    r->open = true;
    r->id = sr.id;
    snprintf(r->label, sizeof r->label, "%s", label);
    snprintf(r->subject, sizeof r->subject, "%s", subject ? subject : "");
    snprintf(r->category, sizeof r->category, "%s", category);
    r->format = sr.format;
    r->n_axes = sr.n_axes;
    r->started_mono = mono_now();
    log_msg("recording %lld started: label '%s', %s, %d axes at %g Hz", (long long)r->id, label, category, r->n_axes,
            sr.sample_rate_hz);
    control_event_recording(d->control, "started", r->id, r->label);
    return 0;
}

/* Append int16 samples (little-endian bytes as received). */
void recorder_add_i16(struct daemon *d, const uint8_t *le, unsigned count, int n_axes, uint64_t t_us)
{
    struct recording *r = &d->rec;
    if (!r->open)
        return;
    if (r->format != STORE_I16 || n_axes != r->n_axes) {
        static double last;
        log_ratelimited(&last, "recording %lld: samples with %d axes/format differ from the recording's; dropped",
                        (long long)r->id, n_axes);
        return;
    }
    if (pending_reserve(r, count))
        return;
    if (r->pending_n == 0)
        r->pending_t_us = (int64_t)t_us;
    int16_t *dst = (int16_t *)r->pending + r->pending_n * (size_t)n_axes;
    for (unsigned i = 0; i < count * (unsigned)n_axes; i++)
        dst[i] = (int16_t)proto_get_u16(le + 2 * i);
    r->pending_n += count;
    r->total_samples += count;
}

/* Append float samples (text mode). */
void recorder_add_f32(struct daemon *d, const float *values, unsigned count, int n_axes)
{
    struct recording *r = &d->rec;
    if (!r->open)
        return;
    if (r->format != STORE_F32 || n_axes != r->n_axes)
        return;
    if (pending_reserve(r, count))
        return;
    memcpy((float *)r->pending + r->pending_n * (size_t)n_axes, values, (size_t)count * n_axes * sizeof(float));
    r->pending_n += count;
    r->total_samples += count;
}

/* A sequence gap at the current position. */
void recorder_gap(struct daemon *d, int64_t frames, int64_t samples)
{
    struct recording *r = &d->rec;
    if (!r->open)
        return;
    r->gaps++;
    r->missing_samples += samples;
    if (r->n_pending_gaps < (int)(sizeof r->pending_gaps / sizeof r->pending_gaps[0])) {
        r->pending_gaps[r->n_pending_gaps].at = r->total_samples;
        r->pending_gaps[r->n_pending_gaps].frames = frames;
        r->pending_gaps[r->n_pending_gaps].samples = samples;
        r->n_pending_gaps++;
    }
}

/* Drop the oldest part of a backlog the database would not take. */
static void backlog_trim(struct daemon *d)
{
    struct recording *r = &d->rec;
    if (r->pending_n <= RECORDER_MAX_BACKLOG)
        return;
    size_t drop = r->pending_n - RECORDER_MAX_BACKLOG / 2, vsize = r->format == STORE_I16 ? 2 : 4;
    size_t row = (size_t)r->n_axes * vsize;
    memmove(r->pending, (uint8_t *)r->pending + drop * row, (r->pending_n - drop) * row);
    r->pending_n -= drop;
    d->c.db_dropped_samples += drop;
    r->gaps++;
    r->missing_samples += (int64_t)drop;
    log_msg("recording %lld: database unavailable, dropped %zu samples (kept as a gap)", (long long)r->id, drop);
}

/* Commit the batch: chunk, gaps, counts, rate; one transaction. */
void recorder_commit(struct daemon *d, bool force)
{
    struct recording *r = &d->rec;
    double now = mono_now();
    if (!r->open || (!force && now - d->last_commit_t < COMMIT_INTERVAL_S))
        return;
    d->last_commit_t = now;
    if (r->pending_n == 0 && r->n_pending_gaps == 0 && !r->rate_dirty)
        return;
    struct store *s = d->store;
    int64_t first = r->committed_samples;
    if (store_begin(s))
        goto fail;
    if (r->pending_n &&
        store_chunk_append(s, r->id, r->chunk_seq, first, (uint32_t)r->pending_n, r->n_axes, r->format, r->pending,
                           r->pending_t_us))
        goto fail;
    for (int i = 0; i < r->n_pending_gaps; i++)
        if (store_gap_add(s, r->id, r->pending_gaps[i].at, r->pending_gaps[i].frames, r->pending_gaps[i].samples))
            goto fail;
    if (store_recording_progress(s, r->id, first + (int64_t)r->pending_n, r->gaps, r->missing_samples))
        goto fail;
    if (r->rate_dirty && d->dev.rate_hz > 0) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(store_db(s), "UPDATE recordings SET sample_rate_hz=? WHERE id=?", -1, &st, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_double(st, 1, d->dev.rate_hz);
            sqlite3_bind_int64(st, 2, r->id);
            sqlite3_step(st);
            sqlite3_finalize(st);
        }
    }
    if (store_commit(s))
        goto fail;
    r->rate_dirty = false;
    r->committed_samples = first + (int64_t)r->pending_n;
    if (r->pending_n)
        r->chunk_seq++;
    r->pending_n = 0;
    r->n_pending_gaps = 0;
    return;
fail:
    d->c.db_errors++;
    log_ratelimited(&d->last_db_error_log, "database %s: commit failed, will retry: %s", d->db_path,
                    store_errmsg(s));
    store_rollback(s);
    backlog_trim(d);
}

/* Close the recording: commit everything, finish it in the database. Returns 0, -1 when no
 * recording is open, or -2 when the database refused the last samples or the closing (why
 * says what): then the recording stays open, its samples stay buffered, and a later stop
 * (once the disk has room) closes it with nothing lost. */
int recorder_stop(struct daemon *d, int64_t *id, int64_t *samples, double *seconds, int64_t *gaps, char *why,
                  size_t whylen)
{
    struct recording *r = &d->rec;
    if (!r->open) {
        snprintf(why, whylen, "no recording is open");
        return -1;
    }
    for (int tries = 0; tries < 20 && (r->pending_n || r->n_pending_gaps || r->rate_dirty); tries++)
        recorder_commit(d, true);
    if (r->pending_n || r->n_pending_gaps) {
        snprintf(why, whylen,
                 "recording %lld: %zu samples could not be stored (database %s: %s); it stays open with its samples "
                 "kept: make room and send record stop again",
                 (long long)r->id, r->pending_n, d->db_path, store_errmsg(d->store));
        log_msg("%s", why);
        return -2;
    }
    double secs = mono_now() - r->started_mono;
    if (store_begin(d->store) || store_recording_finish(d->store, r->id, store_now()) || store_commit(d->store)) {
        d->c.db_errors++;
        snprintf(why, whylen,
                 "recording %lld: closing it failed (database %s: %s); it stays open: make room and send record "
                 "stop again",
                 (long long)r->id, d->db_path, store_errmsg(d->store));
        log_msg("%s", why);
        store_rollback(d->store);
        return -2;
    }
    *id = r->id;
    *samples = r->committed_samples;
    *seconds = secs;
    *gaps = r->gaps;
    log_msg("recording %lld stopped: label '%s', %lld samples, %.2f s, %lld gaps", (long long)r->id, r->label,
            (long long)r->committed_samples, secs, (long long)r->gaps);
    control_event_recording(d->control, "stopped", r->id, r->label);
    free(r->pending);
    memset(r, 0, sizeof *r);
    return 0;
}
