/* SPDX-License-Identifier: MIT */
/* import_list.h -- the files `imulab import` will read, kept outside the process's memory.
 *
 * An import of N files needs, before the first one is parsed, the list of every file (to read
 * them in path order, each once) with what the info.labels files say about each (label,
 * category, name, subject, segments). Held in memory that is about 0.5 KB a file; here it lives
 * in a private scratch SQLite database (a temporary file SQLite deletes on close, its page cache
 * bounded), so the import's memory does not grow with the number of files: one file's entry is
 * loaded at a time. The directory walk sorts each directory's names there too.
 */
#ifndef IMULAB_IMPORT_LIST_H
#define IMULAB_IMPORT_LIST_H

#include <sys/types.h>

#include "eilabels.h"
#include "store.h"

/* A file to import, with what an info.labels says about it. */
struct file {
    char *path;     /* as found (for messages) */
    char *real;     /* realpath, for de-duplication and info.labels look-ups */
    int is_labels;  /* an info.labels file */
    int explicit_labels; /* an info.labels named on the command line: it adds the files it lists */
    char label[STORE_LABEL_MAX + 1];
    char category[12];
    char subject[STORE_LABEL_MAX + 1]; /* metadata.subject of its info.labels entry, or "" */
    int from_labels; /* label/category came from an info.labels */
    /* more from the info.labels entry */
    char name[STORE_SAMPLE_NAME_MAX + 1];
    enum eil_type type;
    struct eil_segment *segments; /* multi-label: owned */
    int n_segments;
    int validation;     /* category validation, stored as training */
    double interval_ms; /* CSV exported by imulab: its exact interval (0: none) */
};

struct import_list;

/* Open an empty list; NULL with the reason in err. */
struct import_list *ilist_open(char *err, size_t errlen);
void ilist_close(struct import_list *l);
/* The scratch database's last error. */
const char *ilist_errmsg(const struct import_list *l);

/* Add a file (real path unique: a second add of the same real path only adds the explicit flag).
 * Returns 0, or -1 on a database error. */
int ilist_add(struct import_list *l, const char *path, const char *real, int is_labels, int explicit_labels);
/* Is this real path listed? 1 yes, 0 no, -1 a database error. */
int ilist_has(struct import_list *l, const char *real);
/* Store what an info.labels says about the file f->real (label, category, subject, name, type,
 * segments, validation, interval; from_labels set). Returns 0 or -1. */
int ilist_set_labels(struct import_list *l, const struct file *f);
/* The next file of the kind (info.labels or not) after the real path `after` ("" for the first),
 * in real-path order, into *f (path, real and segments malloc'd: free with ilist_file_free).
 * Returns 1, 0 at the end, -1 on an error. */
int ilist_next(struct import_list *l, int is_labels, const char *after, struct file *f);
void ilist_file_free(struct file *f);

/* The names of one directory being walked, at nesting depth `depth`: cleared, added one by one,
 * then read back in name order (ilist_name_next after the previous name, "" for the first;
 * out holds NAME_MAX + 1 bytes). Each returns 0 / 1 (a name) as the others, -1 on an error. */
int ilist_names_clear(struct import_list *l, int depth);
int ilist_name_add(struct import_list *l, int depth, const char *name);
int ilist_name_next(struct import_list *l, int depth, const char *after, char *out, size_t outlen);

/* Directories walked: the path of the first one with this device and inode into out (1), or 0
 * when none; ilist_seen_add notes one. -1 on an error. */
int ilist_seen_find(struct import_list *l, dev_t dev, ino_t ino, char *out, size_t outlen);
int ilist_seen_add(struct import_list *l, dev_t dev, ino_t ino, const char *path);

#endif
