/* SPDX-License-Identifier: MIT */
/* evaluate.c -- honest evaluation: recording-level votes, confused pairs, and warnings about
 * set-ups whose accuracy figures mislead (windows longer than the recordings, FFTs longer than
 * the window, too few examples or people). */
#include "trainer_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The vote of one recording's windows rows[0..n): most argmax wins, ties by summed int8 scores. */
static int vote(const struct tr_model *m, const struct tr_windows *w, const int *rows, int n)
{
    int votes[TR_MAX_LABELS] = {0};
    long sums[TR_MAX_LABELS] = {0};
    int8_t y[TR_MAX_LABELS];
    for (int k = 0; k < n; k++) {
        int p = tr_predict_int8(m, w->x + (size_t)rows[k] * w->n_feat, y);
        votes[p]++;
        for (int l = 0; l < m->n_labels; l++) sums[l] += y[l];
    }
    int best = 0;
    for (int l = 1; l < m->n_labels; l++)
        if (votes[l] > votes[best] || (votes[l] == votes[best] && sums[l] > sums[best])) best = l;
    return best;
}

double tr_evaluate_recordings(const struct tr_model *m, const struct tr_windows *w, int *conf, int *n_units)
{
    const int nl = m->n_labels;
    if (conf) memset(conf, 0, sizeof(int) * (size_t)nl * nl);
    int units = 0, ok = 0;
    int *rows = malloc(sizeof(int) * (size_t)(w->n > 0 ? w->n : 1));
    if (!rows) { if (n_units) *n_units = 0; return 0; }
    for (int r = 0; r < w->n;) {
        int n = 0, e = r;
        if (m->mode == TR_MODE_GESTURE) rows[n++] = e++;
        else
            while (e < w->n && w->rec[e] == w->rec[r]) rows[n++] = e++; /* windows of a recording are adjacent */
        int p = vote(m, w, rows, n);
        ok += p == w->y[r];
        if (conf) conf[w->y[r] * nl + p]++;
        units++;
        r = e;
    }
    free(rows);
    if (n_units) *n_units = units;
    return units ? (double)ok / units : 0;
}

int tr_recordings_without_examples(const struct tr_dataset *ds, const struct tr_windows *w, int category)
{
    char *seen = calloc((size_t)(ds->n > 0 ? ds->n : 1), 1);
    if (!seen) return 0;
    for (int r = 0; r < w->n; r++)
        if (w->rec[r] >= 0 && w->rec[r] < ds->n) seen[w->rec[r]] = 1;
    int n = 0;
    for (int i = 0; i < ds->n; i++) n += ds->rec[i].category == category && !seen[i];
    free(seen);
    return n;
}

int tr_confused_pairs(const int *conf, int nl, int *truth, int *pred, int *count, int max)
{
    int n = 0;
    for (int k = 0; k < max; k++) {
        int bt = -1, bp = -1, bc = 0;
        for (int t = 0; t < nl; t++)
            for (int p = 0; p < nl; p++) {
                if (t == p || conf[t * nl + p] <= bc) continue;
                int taken = 0;
                for (int j = 0; j < n; j++) taken |= truth[j] == t && pred[j] == p;
                if (!taken) { bt = t; bp = p; bc = conf[t * nl + p]; }
            }
        if (bc == 0) break;
        truth[n] = bt; pred[n] = bp; count[n] = bc;
        n++;
    }
    return n;
}

/* Append a warning line (counting those past max). */
static void warn(char (*out)[TR_WARN_LEN], int max, int *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void warn(char (*out)[TR_WARN_LEN], int max, int *n, const char *fmt, ...)
{
    if (*n < max) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out[*n], TR_WARN_LEN, fmt, ap);
        va_end(ap);
    }
    (*n)++;
}

int tr_warnings(const struct tr_model *m, const struct tr_dataset *ds, const struct tr_windows *tw,
                char (*out)[TR_WARN_LEN], int max)
{
    int n = 0;
    if (m->mode != TR_MODE_GESTURE) {
        int total = 0, shorter = 0;
        for (int i = 0; i < ds->n; i++) {
            const struct tr_recording *r = &ds->rec[i];
            if (r->category != TR_TRAINING && r->category != TR_TESTING) continue;
            total++;
            shorter += r->n_samples < m->window_len;
        }
        if (total > 0 && 2 * shorter > total)
            warn(out, max, &n, "windows of %d ms (%d samples) are longer than %d of the %d recordings (median %.0f ms): "
                 "they are zero-padded; try --mode gesture or shorter windows", m->window_ms, m->window_len, shorter,
                 total, tr_median_ms(ds, TR_TRAINING));
    }
    if ((m->feat.flags & IMU_FEAT_SPECTRAL) && m->feat.fft_len > m->feat.window_len) {
        int fit = 8;
        while (fit * 2 <= m->feat.window_len) fit *= 2;
        warn(out, max, &n, "the FFT of %d points is longer than the %s of %d samples: its bins see zero padding; "
             "use %s--fft-len %d", m->feat.fft_len, m->mode == TR_MODE_GESTURE ? "resampled gesture" : "window",
             m->feat.window_len, m->feat.window_len < 8 ? "longer windows or no spectral features, not " : "", fit);
    }
    int cnt[TR_MAX_LABELS] = {0}, have = 0;
    for (int l = 0; l < m->n_labels; l++) have += m->train_examples[l];
    if (tw) {
        int last = -1;
        for (int r = 0; r < tw->n; r++) {
            /* examples: gestures in gesture mode, recordings in continuous mode */
            if (m->mode == TR_MODE_GESTURE || tw->rec[r] != last) cnt[tw->y[r]]++;
            last = tw->rec[r];
        }
    } else if (have > 0) {
        for (int l = 0; l < m->n_labels; l++) cnt[l] = m->train_examples[l];
    } else {
        for (int i = 0; i < ds->n; i++) {
            int l = ds->rec[i].category == TR_TRAINING ? tr_label_index(m, ds->rec[i].label) : -1;
            if (l >= 0) cnt[l]++;
        }
    }
    for (int l = 0; l < m->n_labels; l++)
        if (cnt[l] < TR_MIN_EXAMPLES)
            warn(out, max, &n, "class '%s' has only %d training %s (fewer than %d): its accuracy is a guess",
                 m->labels[l], cnt[l], m->mode == TR_MODE_GESTURE ? "gestures" : "recordings", TR_MIN_EXAMPLES);
    if (m->n_test_skipped > 0)
        warn(out, max, &n, "%d testing recording%s gave no %s and %s not counted in the accuracies",
             m->n_test_skipped, m->n_test_skipped == 1 ? "" : "s",
             m->mode == TR_MODE_GESTURE ? "gesture (the segmenter found no motion)" : "window",
             m->n_test_skipped == 1 ? "is" : "are");
    const char *subj = NULL;
    int n_subj = 0;
    for (int i = 0; i < ds->n && n_subj < 2; i++) {
        const char *s = ds->rec[i].subject;
        if (ds->rec[i].category != TR_TRAINING && ds->rec[i].category != TR_TESTING) continue;
        if (!s || !*s) continue;
        if (!subj) { subj = s; n_subj = 1; }
        else if (strcmp(s, subj)) n_subj = 2;
    }
    if (n_subj == 0)
        warn(out, max, &n, "no subject is recorded (import --subject): the testing recordings may come from the "
             "people of the training ones, so accuracy on new people is unknown");
    else if (n_subj == 1)
        warn(out, max, &n, "one subject only (%s): accuracy on other people is unknown", subj);
    return n;
}
