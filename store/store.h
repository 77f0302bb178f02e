/* SPDX-License-Identifier: MIT */
/* store.h -- the imulab SQLite database: schema, migrations, recordings and their samples.
 *
 * One file holds every recording. Samples live in chunks (BLOBs of little-endian int16 with a
 * per-axis scale, or float32 for text and imported input), ordered by chunk sequence, so an
 * hour at 1 kHz x 6 axes is a few thousand rows. docs/schema.md documents the tables.
 *
 * Errors are carried as text with context in the store (store_errmsg) and every function
 * returns 0 on success, -1 on failure. Nothing here prints.
 */
#ifndef IMULAB_STORE_H
#define IMULAB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define STORE_SCHEMA_VERSION 4
#define STORE_MAX_AXES 16
#define STORE_LABEL_MAX 64   /* bytes, UTF-8 */
#define STORE_NAME_MAX 32    /* axis names */
#define STORE_UNIT_MAX 16
#define STORE_SAMPLE_NAME_MAX 128 /* bytes: a recording's sample name (imports) */

enum store_format { STORE_I16 = 0, STORE_F32 = 1 };

struct store_axis {
    char name[STORE_NAME_MAX + 1];
    char unit[STORE_UNIT_MAX + 1];
    double scale; /* physical = raw * scale (1.0 for float32 recordings) */
};

struct store_device {
    char board[33];
    char sensor[33];
    char firmware[33];
    char port[256];
    uint32_t model_hash;
};

/* A recording's metadata, as stored in the recordings and axes tables. */
struct store_recording {
    int64_t id;
    char label[STORE_LABEL_MAX + 1];
    char category[12];                 /* training, testing, unassigned */
    char subject[STORE_LABEL_MAX + 1]; /* empty when unknown */
    int64_t device_id;                 /* 0 when none */
    double started_at, ended_at;       /* unix seconds; ended_at 0 while open */
    double sample_rate_hz;
    enum store_format format;
    int n_axes;
    struct store_axis axes[STORE_MAX_AXES];
    int64_t sample_count;
    int64_t gap_count;
    int64_t missing_samples;
    char source[256];
    char content_hash[17];             /* 16 hex digits, empty while open */
    char notes[256];
    double deleted_at;                 /* 0 unless in the trash */
    char name[STORE_SAMPLE_NAME_MAX + 1]; /* sample name from an import's info.labels; empty when none */
};

struct store;

/* Open (creating and migrating) a database. WAL mode, busy timeout, foreign keys on. */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
/* Open an existing database read-only (no creation, no migration). */
int store_open_readonly(const char *path, struct store **out, char *err, size_t errlen);
/* Open for writing a database that must already exist and be imulab's (an older schema is
 * migrated); creates nothing and changes nothing in a file that is not. */
int store_open_existing(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);
const char *store_errmsg(const struct store *s);
/* The schema version of the open file (STORE_SCHEMA_VERSION, or older for a read-only open). */
int store_schema_version(const struct store *s);
sqlite3 *store_db(struct store *s);

/* Transactions (BEGIN IMMEDIATE so that several writers queue on the busy timeout). */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* Checks used by every writer. Labels: 1..64 bytes of valid UTF-8, no control characters. */
int store_label_valid(const char *label, char *why, size_t whylen);
int store_category_valid(const char *category);

/* Insert or refresh a device row; returns its id in *id. */
int store_device_upsert(struct store *s, const struct store_device *d, int64_t *id);

/* Create a recording (ended_at NULL, sample_count 0). r->id is set. owner names the writer
 * (for crash recovery): NULL for imports. */
int store_recording_create(struct store *s, struct store_recording *r, const char *owner);
/* Append one chunk of n samples (n*n_axes values, int16 or float32 by the recording's format,
 * in host order: the store converts to little-endian). first_sample is the index of its first
 * sample within the recording; device_t_us the device time of it (0 if unknown). */
int store_chunk_append(struct store *s, int64_t rec_id, int64_t seq, int64_t first_sample, uint32_t n,
                       int n_axes, enum store_format fmt, const void *values, int64_t device_t_us);
/* Record a sequence gap at sample index at_sample. */
int store_gap_add(struct store *s, int64_t rec_id, int64_t at_sample, int64_t missing_frames, int64_t missing_samples);
/* Update the running counts of an open recording (called once per committed batch). */
int store_recording_progress(struct store *s, int64_t rec_id, int64_t sample_count, int64_t gap_count,
                             int64_t missing_samples);
/* Close a recording: ended_at, counts, content hash; clears the owner. */
int store_recording_finish(struct store *s, int64_t rec_id, double ended_at);
/* Close recordings left open by a writer that died (owner matches prefix and is not alive).
 * Returns the number closed in *n. */
int store_recover_open(struct store *s, const char *owner_prefix, int *n);

/* Is an open recording (ended_at 0) still being written by a live process? 0 for a closed
 * recording or an orphan whose writer died (its committed samples are final). */
int store_recording_writer_alive(struct store *s, int64_t id);

/* Read a recording's metadata. Returns -1 with "no recording N" if absent. */
int store_recording_get(struct store *s, int64_t id, struct store_recording *r);
/* Read all samples as physical float values (n_samples * n_axes, interleaved) into a
 * malloc'd array owned by the caller. */
int store_recording_samples(struct store *s, int64_t id, float **values, int64_t *n_samples);
/* The same for a recording whose description r was already read (store_recording_get or
 * store_recording_foreach: id, format, axes and their scales, sample_count): one query with a
 * statement prepared once per store, for readers that go through many recordings. */
int store_recording_samples_of(struct store *s, const struct store_recording *r, float **values, int64_t *n_samples);
/* Content hash of a sample block: 64-bit FNV-1a over the little-endian float32 physical
 * values, as 16 hex digits (the same for int16 and float32 storage of the same values). */
void store_hash_values(const float *values, int64_t n_values, char out[17]);

/* Iterate over recordings (not in the trash unless with_deleted), ordered by id, optionally
 * filtered by label and category (NULL for any). cb returns non-zero to stop. */
typedef int (*store_recording_cb)(const struct store_recording *r, void *arg);
int store_recording_foreach(struct store *s, const char *label, const char *category, int with_deleted,
                            store_recording_cb cb, void *arg);

/* Now as unix seconds with microseconds. */
double store_now(void);

#endif
