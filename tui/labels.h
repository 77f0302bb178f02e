/* SPDX-License-Identifier: MIT */
/* labels.h -- the label panel's list: the daemon's labels plus ones added locally with `n`.
 *
 * A label typed by the user exists only here until something is recorded under it; when the
 * daemon's `labels` reply arrives, its entries replace the daemon-side ones and local entries
 * it now knows stop being local. The selection follows the label's name across refreshes.
 */
#ifndef IMULAB_TUI_LABELS_H
#define IMULAB_TUI_LABELS_H

#include <stdbool.h>
#include <stddef.h>

struct label_entry {
    char name[65];
    long recordings, samples;
    double seconds;
    bool local;
};

struct labels {
    struct label_entry *v;
    int n, cap, sel; /* sel = -1 when empty */
};

void labels_free(struct labels *l);
int labels_find(const struct labels *l, const char *name);
/* Adds a local label (or finds it) and selects it; returns its index or -1 on no memory. */
int labels_add_local(struct labels *l, const char *name);
/* Starts a daemon refresh: drops daemon entries, keeps local ones; then upsert each entry. */
void labels_begin_refresh(struct labels *l, char *keep_sel, size_t n);
void labels_upsert(struct labels *l, const char *name, long recs, long samples, double secs);
void labels_end_refresh(struct labels *l, const char *keep_sel);
const char *labels_selected(const struct labels *l);
void labels_select(struct labels *l, int i);

/* Checks a label as the daemon does: 1..64 bytes of valid UTF-8, no control characters.
 * Returns NULL when valid, else the reason ("is empty", ...). */
const char *label_invalid(const char *s);

#endif
