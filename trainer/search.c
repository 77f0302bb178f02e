/* SPDX-License-Identifier: MIT */
/* search.c -- automatic configuration: k-fold cross-validation on the training recordings over
 * the input handling, the network and the training options, within the device budgets.
 *
 * Folds. The training recordings are split into k folds (tr_search_folds): grouped by subject
 * when the recordings name subjects, so a fold's people are never seen by the fits that are
 * scored on it, else recording by recording, stratified by label. A candidate is fitted k times,
 * each time on the windows (with their augmented copies) of the other folds, and scored on the
 * plain windows of the held-out fold; the score is the pooled accuracy over all held-out windows,
 * the mean of float and int8 (post-training quantization: what the device runs).
 *
 * Candidates. A coordinate search in stages, each varying one group of options around the best
 * configuration so far (search_stages): 1 window length, 2 feature groups with FFT length and raw
 * points, 3 hidden layers (gesture mode: 3b conv front ends, convnet.c, next to the MLP),
 * 4 epochs and L2, 5 augmentation, 6 seeds. Stages 1-4 run with
 * augmentation (2 copies, amplitude +-15%, rotations up to 45 degrees, time shifts) unless the user
 * gave augmentation options: their scores then say how a configuration holds up on variations of
 * the training people, and stage 5 keeps the most regular level within noise of the best. Stages 1 and 2 give each
 * input the largest network of a ladder that fits the budget; options the user fixed (pins) are
 * not varied. Every candidate's device cost is predicted (cost.c) before anything is trained:
 * one over budget is recorded as skipped and never fitted, so it can never win.
 *
 * Speed and determinism. The features of an input configuration are computed once (all training
 * recordings, plain and augmented) and shared by its candidates and folds. The fits of a stage
 * (candidate x fold) run on a pool of threads; each writes only its own result slot, and every
 * fit is deterministic for its options, so the outcome does not depend on the number of threads
 * or their timing. The winner is the highest score; ties go to the cheaper model (instructions),
 * then to the earlier candidate. */
#include "trainer_int.h"
#include "tr_conv.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

void tr_search_options_default(struct tr_search_options *so)
{
    memset(so, 0, sizeof *so);
    so->folds = 5;
    so->threads = 0;
    so->n_seeds = 4;
    so->max_hours = 5;
    tr_budget_default(&so->budget);
}

/* ---- folds ---- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

struct group { uint64_t key; int n, first; const char *label; };

static int cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->n != y->n) return y->n - x->n;          /* largest first */
    return x->key < y->key ? -1 : x->key > y->key;
}

int tr_search_folds(const struct tr_dataset *ds, int k, unsigned seed, int *fold, int *n_groups, int *by_subject)
{
    const int n = ds->n;
    int n_train = 0, with_subject = 0;
    for (int i = 0; i < n; i++) {
        fold[i] = -1;
        if (ds->rec[i].category != TR_TRAINING) continue;
        n_train++;
        with_subject += ds->rec[i].subject && ds->rec[i].subject[0];
    }
    *by_subject = with_subject > 0;
    int *gid = malloc(sizeof(int) * (size_t)(n ? n : 1));
    struct group *g = calloc((size_t)(n ? n : 1), sizeof *g);
    if (!gid || !g) { free(gid); free(g); return -1; }
    int ng = 0;
    /* groups: one per subject (recordings without a subject: one each) */
    for (int i = 0; i < n; i++) {
        gid[i] = -1;
        const struct tr_recording *r = &ds->rec[i];
        if (r->category != TR_TRAINING) continue;
        int subj = r->subject && r->subject[0], found = -1;
        if (subj)
            for (int j = 0; j < i && found < 0; j++)
                if (gid[j] >= 0 && ds->rec[j].subject && strcmp(ds->rec[j].subject, r->subject) == 0) found = gid[j];
        if (found >= 0) { gid[i] = found; g[found].n++; continue; }
        gid[i] = ng;
        g[ng].key = mix((subj ? str_hash(r->subject) : (uint64_t)i * 0x9e3779b97f4a7c15ull) ^ mix(seed + 1));
        g[ng].n = 1;
        g[ng].first = i;
        g[ng].label = r->label;
        ng++;
    }
    *n_groups = ng;
    if (ng < 2 && *by_subject && n_train >= 2) {
        /* one subject only: folds of recordings (the score then says nothing about new people) */
        free(gid);
        free(g);
        struct tr_recording *copy = malloc(sizeof *copy * (size_t)n);
        if (!copy) return -1;
        memcpy(copy, ds->rec, sizeof *copy * (size_t)n);
        for (int i = 0; i < n; i++) copy[i].subject = NULL;
        struct tr_dataset d2 = {n, copy};
        int by = 0, r = tr_search_folds(&d2, k, seed, fold, n_groups, &by);
        free(copy);
        *by_subject = 0;
        return r;
    }
    if (ng < 2) { free(gid); free(g); return -1; }
    if (k > ng) k = ng;
    int *gfold = malloc(sizeof(int) * (size_t)ng), *size = calloc((size_t)k, sizeof(int));
    int *order = malloc(sizeof(int) * (size_t)ng);
    if (!gfold || !size || !order) { free(gid); free(g); free(gfold); free(size); free(order); return -1; }
    if (*by_subject) {
        /* whole subjects, largest first, each to the fold with the fewest recordings so far */
        struct group *s = malloc(sizeof *s * (size_t)ng);
        if (!s) { free(gid); free(g); free(gfold); free(size); free(order); return -1; }
        memcpy(s, g, sizeof *s * (size_t)ng);
        for (int j = 0; j < ng; j++) s[j].first = j; /* remember the group index */
        qsort(s, (size_t)ng, sizeof *s, cmp_group);
        for (int j = 0; j < ng; j++) {
            int best = 0;
            for (int f = 1; f < k; f++) if (size[f] < size[best]) best = f;
            gfold[s[j].first] = best;
            size[best] += s[j].n;
        }
        free(s);
    } else {
        /* recordings stratified by label: each label's recordings in a seeded order, dealt out
         * round-robin, continuing where the previous label stopped */
        int deal = 0;
        char *done = calloc((size_t)ng, 1);
        if (!done) { free(gid); free(g); free(gfold); free(size); free(order); return -1; }
        for (int j = 0; j < ng; j++) {
            if (done[j]) continue;
            int m = 0;
            for (int t = j; t < ng; t++)
                if (!done[t] && strcmp(g[t].label, g[j].label) == 0) { order[m++] = t; done[t] = 1; }
            /* sort by key (insertion sort: few recordings per label) */
            for (int a = 1; a < m; a++)
                for (int b = a; b > 0 && g[order[b]].key < g[order[b - 1]].key; b--) {
                    int t = order[b]; order[b] = order[b - 1]; order[b - 1] = t;
                }
            for (int a = 0; a < m; a++) gfold[order[a]] = deal++ % k;
        }
        free(done);
    }
    for (int i = 0; i < n; i++) if (gid[i] >= 0) fold[i] = gfold[gid[i]];
    /* folds that came out empty (k > groups of some kind) are closed up */
    int used[64] = {0}, remap[64], nk = 0;
    for (int i = 0; i < n; i++) if (fold[i] >= 0 && fold[i] < 64) used[fold[i]] = 1;
    for (int f = 0; f < k && f < 64; f++) remap[f] = used[f] ? nk++ : -1;
    for (int i = 0; i < n; i++) if (fold[i] >= 0) fold[i] = remap[fold[i]];
    free(gid); free(g); free(gfold); free(size); free(order);
    return nk;
}

/* ---- inputs: a configuration's features, computed once ---- */

struct input {
    struct tr_options o;     /* the options the windows depend on */
    struct tr_model setup;   /* tr_setup_model: labels, scales, feature configuration */
    int setup_ok;
    struct tr_windows plain, aug;
    int windows_ok;
    char err[256];
};

/* 1 when both have the same conv front end (or none). */
static int same_conv(const struct tr_options *a, const struct tr_options *b)
{
    if (a->n_conv != b->n_conv) return 0;
    for (int i = 0; i < a->n_conv; i++)
        if (a->conv[i].ch != b->conv[i].ch || a->conv[i].k != b->conv[i].k || a->conv[i].pool != b->conv[i].pool ||
            a->conv[i].stride != b->conv[i].stride)
            return 0;
    return 1;
}

static int same_input(const struct tr_options *a, const struct tr_options *b)
{
    int aug_a = a->aug_copies > 0, aug_b = b->aug_copies > 0;
    if (!same_conv(a, b)) return 0; /* the features (every raw point) and the set-up's shapes */
    if (aug_a != aug_b) return 0;
    if (aug_a && (a->aug_copies != b->aug_copies || a->aug_scale != b->aug_scale ||
                  a->aug_rotate_deg != b->aug_rotate_deg || a->aug_shift_ms != b->aug_shift_ms || a->seed != b->seed ||
                  a->aug_warp != b->aug_warp))
        return 0;
    if (a->mode != b->mode || a->feat_auto != b->feat_auto || a->n_sub != b->n_sub) return 0;
    if (a->mode == TR_MODE_GESTURE &&
        (a->gesture_points != b->gesture_points || a->gesture_max_ms != b->gesture_max_ms ||
         a->gesture_min_ms != b->gesture_min_ms || a->gesture_hold_ms != b->gesture_hold_ms ||
         a->gesture_buf != b->gesture_buf || a->seg_on != b->seg_on || a->seg_off != b->seg_off ||
         a->gesture_trim != b->gesture_trim))
        return 0;
    if (a->mode != TR_MODE_GESTURE && (a->window_ms != b->window_ms || a->stride_ms != b->stride_ms)) return 0;
    return a->feat_flags == b->feat_flags &&
           a->fft_len == b->fft_len && a->raw_points == b->raw_points && a->filter == b->filter &&
           a->filter_hz == b->filter_hz && a->filter_order == b->filter_order;
}

static int same_config(const struct tr_options *a, const struct tr_options *b)
{
    if (!same_input(a, b) || a->n_hidden != b->n_hidden || a->epochs != b->epochs || a->l2 != b->l2 ||
        a->seed != b->seed || a->aug_noise != b->aug_noise || a->lr != b->lr || a->batch != b->batch)
        return 0;
    for (int k = 0; k < a->n_hidden; k++) if (a->hidden[k] != b->hidden[k]) return 0;
    return 1;
}

/* ---- the search state ---- */

struct job { int entry, fold; };
/* failed: the candidate cannot be scored (e.g. a fold without a class); oom: out of memory, which
 * ends the search with an error rather than dropping the candidate without a word */
struct result { int n_val, ok_float, ok_int8, n_rec, ok_rec, failed, oom; };

struct ctx {
    const struct tr_dataset *ds;
    const struct tr_search_options *so;
    struct tr_search *res;
    int *fold;                 /* per recording */
    int n_folds;
    struct input *in;          /* cache */
    int n_in, cap_in;
    int *entry_input;          /* per entry: index into in, -1 over budget / invalid */
    int cap_entry_input;
    char *evaluated;           /* per entry */
    /* current stage's jobs */
    struct job *jobs;
    struct result *out;
    int n_jobs, next_job, done_jobs, total_fits_planned;
    pthread_mutex_t lock;
    int stage;
    int pick;                  /* the current configuration: the last stage's pick */
    int oom;                   /* a fit or a feature computation ran out of memory */
    int n_train_recs;
    double t0;
    struct tr_setup_cache setup_cache; /* the training samples are read once for every setup */
};

static void desc_of(const struct tr_options *o, char *buf, size_t len)
{
    char where[48];
    if (o->mode == TR_MODE_GESTURE) snprintf(where, sizeof where, "gesture %d pts buf %d", o->gesture_points, o->gesture_buf);
    else snprintf(where, sizeof where, "win %d/%d", o->window_ms, o->stride_ms);
    char hid[48] = "none";
    int p = 0;
    for (int k = 0; k < o->n_hidden; k++) p += snprintf(hid + p, sizeof hid - (size_t)p, "%s%d", k ? "," : "", o->hidden[k]);
    char feats[64] = "";
    int q = 0;
    if (o->feat_flags & IMU_FEAT_STATS) q += snprintf(feats + q, sizeof feats - (size_t)q, "stats");
    if (o->feat_flags & IMU_FEAT_SPECTRAL) q += snprintf(feats + q, sizeof feats - (size_t)q, "%sspectral%d", q ? "+" : "", o->fft_len);
    if (o->feat_flags & IMU_FEAT_SUBSTATS) q += snprintf(feats + q, sizeof feats - (size_t)q, "%ssubstats%d", q ? "+" : "", o->n_sub);
    if (o->feat_flags & IMU_FEAT_RAW) q += snprintf(feats + q, sizeof feats - (size_t)q, "%sraw%d", q ? "+" : "", o->raw_points);
    if (o->feat_flags & IMU_FEAT_DERIV) q += snprintf(feats + q, sizeof feats - (size_t)q, "%sderiv", q ? "+" : "");
    if (o->feat_auto) q += snprintf(feats + q, sizeof feats - (size_t)q, "%sauto", q ? "+" : "");
    char aug[48] = "";
    if (o->aug_copies > 0)
        snprintf(aug, sizeof aug, o->aug_warp > 0 ? " aug %dx(s%.2g,r%.3g,t%d,w%.2g)" : " aug %dx(s%.2g,r%.3g,t%d)",
                 o->aug_copies, (double)o->aug_scale, (double)o->aug_rotate_deg, o->aug_shift_ms, (double)o->aug_warp);
    if (o->n_conv > 0) { /* a conv front end: its layers instead of the feature groups */
        q = snprintf(feats, sizeof feats, "conv");
        for (int i = 0; i < o->n_conv && q < (int)sizeof feats - 16; i++)
            q += snprintf(feats + q, sizeof feats - (size_t)q, "%s%d:%d:%d", i ? "," : " ", o->conv[i].ch, o->conv[i].k,
                          o->conv[i].pool);
    }
    snprintf(buf, len, "%s %s hidden %s ep %d l2 %.3g%s seed %u", where, feats, hid,
             o->epochs, (double)o->l2, aug, o->seed);
}

static struct input *get_input(struct ctx *c, const struct tr_options *o, int *idx)
{
    for (int i = 0; i < c->n_in; i++)
        if (same_input(&c->in[i].o, o)) { *idx = i; return &c->in[i]; }
    if (c->n_in == c->cap_in) {
        int nc = c->cap_in ? 2 * c->cap_in : 16;
        struct input *p = realloc(c->in, sizeof *p * (size_t)nc);
        if (!p) { c->oom = 1; return NULL; }
        c->in = p;
        c->cap_in = nc;
    }
    struct input *in = &c->in[c->n_in];
    memset(in, 0, sizeof *in);
    in->o = *o;
    errno = 0;
    in->setup_ok = tr_setup_model_cached(c->ds, o, &in->setup, 1, &c->setup_cache, in->err, sizeof in->err) == 0;
    if (!in->setup_ok && errno == ENOMEM) c->oom = 1;
    *idx = c->n_in++;
    return in;
}

static int compute_windows(struct ctx *c, struct input *in)
{
    (void)c;
    if (in->windows_ok) return 0;
    if (tr_make_windows(&in->setup, c->ds, TR_TRAINING, &in->plain, in->err, sizeof in->err)) return -1;
    if (in->o.aug_copies > 0) {
        if (tr_make_windows_aug(&in->setup, c->ds, TR_TRAINING, &in->o, &in->aug, in->err, sizeof in->err)) return -1;
    }
    in->windows_ok = 1;
    return 0;
}

/* Add a candidate (or find it among those already there). Returns its index, -1 on no memory. */
static int add_entry(struct ctx *c, const struct tr_options *o, int stage)
{
    struct tr_search *r = c->res;
    for (int i = 0; i < r->n; i++)
        if (same_config(&r->e[i].o, o)) return i;
    if (r->n == r->cap) {
        int nc = r->cap ? 2 * r->cap : 64;
        struct tr_search_entry *p = realloc(r->e, sizeof *p * (size_t)nc);
        int *q = realloc(c->entry_input, sizeof(int) * (size_t)nc);
        if (q) c->entry_input = q;
        char *ev = realloc(c->evaluated, (size_t)nc);
        if (ev) c->evaluated = ev;
        if (p) r->e = p;
        if (!p || !q || !ev) return -1;
        r->cap = nc;
    }
    struct tr_search_entry *e = &r->e[r->n];
    memset(e, 0, sizeof *e);
    e->o = *o;
    e->stage = stage;
    e->score = -1;
    desc_of(o, e->desc, sizeof e->desc);
    int ii;
    struct input *in = get_input(c, o, &ii);
    if (!in) return -1;
    c->entry_input[r->n] = -1;
    c->evaluated[r->n] = 0;
    if (in->setup_ok) {
        tr_cost_predict(&in->setup, o->n_hidden, o->hidden, &e->cost);
        tr_cost_add_anomaly(&in->setup, o->n_hidden, o->hidden, o, &e->cost);
        e->n_feat = in->setup.n_feat;
        if (tr_cost_fits(&e->cost, &c->so->budget)) c->entry_input[r->n] = ii;
        else r->n_over_budget++;
    }
    return r->n++;
}

/* The largest network of the ladder that fits the budget with this input (or the base's when
 * the hidden layers are pinned). Returns 0, or -1 when none fits. */
static int fit_ladder(struct ctx *c, struct tr_options *o)
{
    static const int ladder[][3] = {{20, 10, 0}, {16, 8, 0}, {12, 6, 0}, {16, 0, 0}, {8, 0, 0}};
    /* gesture mode: a smaller gesture buffer (the gesture is decimated sooner) when RAM is short */
    int bufs[4] = {o->gesture_buf, 192, 128, 96}, nb = o->mode == TR_MODE_GESTURE ? 4 : 1;
    for (int bi = 0; bi < nb; bi++) {
        if (bi > 0 && (bufs[bi] >= bufs[0] || bufs[bi] < o->gesture_points)) continue;
        struct tr_options t = *o;
        t.gesture_buf = bufs[bi];
        int ii;
        struct input *in = get_input(c, &t, &ii);
        if (!in || !in->setup_ok) return -1;
        if (c->so->pins & TR_PIN_HIDDEN) {
            struct tr_cost cost;
            tr_cost_predict(&in->setup, t.n_hidden, t.hidden, &cost);
            tr_cost_add_anomaly(&in->setup, t.n_hidden, t.hidden, &t, &cost);
            if (tr_cost_fits(&cost, &c->so->budget) || nb == 1) { *o = t; return 0; }
            continue;
        }
        for (size_t l = 0; l < sizeof ladder / sizeof ladder[0]; l++) {
            struct tr_cost cost;
            int n = ladder[l][1] ? 2 : 1;
            tr_cost_predict(&in->setup, n, ladder[l], &cost);
            tr_cost_add_anomaly(&in->setup, n, ladder[l], &t, &cost);
            if (tr_cost_fits(&cost, &c->so->budget)) {
                t.n_hidden = n;
                t.hidden[0] = ladder[l][0];
                t.hidden[1] = ladder[l][1];
                *o = t;
                return 0;
            }
        }
    }
    return -1;
}

/* The smaller feature sets a stage falls back to, largest first, when none of its candidates
 * fits the budget with the current features (many axes, a small board): the stage then compares
 * its candidates all with the first of these that lets one fit, instead of being skipped. */
static const struct small_feat { int gesture, fft, raw, sub; } SMALL_FEATS[] = {
    {1, 0, 16, 4}, {1, 0, 8, 4}, {1, 0, 0, 4}, {1, 0, 8, 0}, {1, 0, 0, 0},
    {0, 16, 0, 0}, {0, 0, 8, 0}, {0, 0, 4, 0}, {0, 0, 0, 0},
};
#define N_SMALL_FEATS ((int)(sizeof SMALL_FEATS / sizeof SMALL_FEATS[0]))

/* o with the k-th fallback feature set (stats, and the set's spectral, raw and sub-segment
 * groups); returns 0, or -1 when the set is not for o's mode or the features are given. */
static int small_features(const struct ctx *c, struct tr_options *o, int k)
{
    const struct small_feat *f = &SMALL_FEATS[k];
    if (c->so->pins & (TR_PIN_FEATURES | TR_PIN_RAW | TR_PIN_FFT)) return -1;
    if (f->gesture != (o->mode == TR_MODE_GESTURE)) return -1;
    o->feat_auto = 0;
    o->feat_flags = IMU_FEAT_STATS | (f->fft ? IMU_FEAT_SPECTRAL : 0) | (f->raw ? IMU_FEAT_RAW : 0) |
                    (f->sub ? IMU_FEAT_SUBSTATS : 0) | (o->feat_flags & IMU_FEAT_HANN);
    if (f->fft) o->fft_len = f->fft;
    if (f->raw) o->raw_points = f->raw;
    if (f->sub) o->n_sub = f->sub;
    return 0;
}


/* ---- one fit: candidate x fold ---- */

static void subset(const struct tr_windows *w, const int *fold, int f, int keep_fold, struct tr_windows *s)
{
    memset(s, 0, sizeof *s);
    s->n_feat = w->n_feat;
    int n = 0;
    for (int r = 0; r < w->n; r++) n += (fold[w->rec[r]] == f) == keep_fold;
    s->x = malloc(sizeof(float) * (size_t)(n ? n : 1) * (size_t)w->n_feat);
    s->y = malloc(sizeof(int) * (size_t)(n ? n : 1));
    s->rec = malloc(sizeof(int) * (size_t)(n ? n : 1));
    if (!s->x || !s->y || !s->rec) { tr_windows_free(s); s->n = -1; return; }
    for (int r = 0; r < w->n; r++) {
        if ((fold[w->rec[r]] == f) != keep_fold) continue;
        memcpy(s->x + (size_t)s->n * w->n_feat, w->x + (size_t)r * w->n_feat, sizeof(float) * (size_t)w->n_feat);
        s->y[s->n] = w->y[r];
        s->rec[s->n] = w->rec[r];
        s->n++;
    }
}

static void run_fit(struct ctx *c, const struct job *j, struct result *out)
{
    const struct tr_search_entry *e = &c->res->e[j->entry];
    struct input *in = &c->in[c->entry_input[j->entry]];
    memset(out, 0, sizeof *out);
    struct tr_windows tr, va;
    subset(in->o.aug_copies > 0 ? &in->aug : &in->plain, c->fold, j->fold, 0, &tr);
    subset(&in->plain, c->fold, j->fold, 1, &va);
    struct tr_model m = in->setup; /* shallow: labels and axes are the input's */
    for (int k = 0; k <= TR_MAX_HIDDEN; k++) { m.W[k] = m.B[k] = NULL; memset(&m.q[k], 0, sizeof m.q[k]); }
    m.feat_mean = m.feat_std = m.in_mul = m.in_add = NULL;
    m.curve_loss = m.curve_train_acc = m.curve_val_acc = NULL;
    m.search_json = NULL;
    struct tr_conv cv; /* the conv front end's shapes, this fit's own weights */
    if (m.conv) {
        tr_conv_copy_shapes(&cv, in->setup.conv);
        m.conv = &cv;
    }
    struct tr_options o = e->o;
    o.verbose = 0;
    o.progress_out = NULL;
    o.val_frac = 0;
    o.patience = 0;
    o.seed = e->o.seed + 7919u * (unsigned)j->fold; /* every fold its own draw */
    errno = 0; /* a failed allocation leaves ENOMEM (thread-local) */
    if (tr.n <= 0 || va.n <= 0 || tr_fit(&m, &o, &tr) || tr_quantize(&m, &tr)) {
        out->failed = 1;
        out->oom = tr.n < 0 || va.n < 0 || errno == ENOMEM;
    } else {
        int *votes = calloc((size_t)c->ds->n * (size_t)m.n_labels, sizeof(int));
        out->oom = !votes;
        for (int r = 0; r < va.n; r++) {
            const float *f = va.x + (size_t)r * va.n_feat;
            out->ok_float += tr_predict_float(&m, f, NULL) == va.y[r];
            int p8 = tr_predict_int8(&m, f, NULL);
            out->ok_int8 += p8 == va.y[r];
            if (votes) votes[(size_t)va.rec[r] * m.n_labels + p8]++;
        }
        out->n_val = va.n;
        if (votes) {
            for (int i = 0; i < c->ds->n; i++) {
                if (c->fold[i] != j->fold) continue;
                int best = 0, tot = 0;
                for (int l = 0; l < m.n_labels; l++) {
                    tot += votes[(size_t)i * m.n_labels + l];
                    if (votes[(size_t)i * m.n_labels + l] > votes[(size_t)i * m.n_labels + best]) best = l;
                }
                if (!tot) continue;
                out->n_rec++;
                out->ok_rec += strcmp(m.labels[best], c->ds->rec[i].label) == 0;
            }
            free(votes);
        }
    }
    tr_model_free_fit(&m);
    tr_windows_free(&tr);
    tr_windows_free(&va);
}

static void draw_progress(struct ctx *c)
{
    const struct tr_search_options *so = c->so;
    if (!so->verbose || !so->progress_out || !so->progress_bar) return;
    int total = c->total_fits_planned > c->res->n_fits ? c->total_fits_planned : c->res->n_fits;
    int w = 30, fill = total ? c->res->n_fits * w / total : 0;
    fprintf(so->progress_out, "\r[");
    for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', so->progress_out);
    fprintf(so->progress_out, "] search stage %d, %d fits, %.1f s", c->stage, c->res->n_fits, tr_now() - c->t0);
    fflush(so->progress_out);
}

static void *worker(void *arg)
{
    struct ctx *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        int j = c->next_job < c->n_jobs ? c->next_job++ : -1;
        pthread_mutex_unlock(&c->lock);
        if (j < 0) return NULL;
        run_fit(c, &c->jobs[j], &c->out[j]);
        pthread_mutex_lock(&c->lock);
        c->done_jobs++;
        c->res->n_fits++;
        draw_progress(c);
        pthread_mutex_unlock(&c->lock);
    }
}

static double score_of(const struct tr_search_entry *e) { return 0.5 * (e->cv_float + e->cv_int8); }

/* The training recordings (those with a fold) that have no example in w. */
static int recordings_without_examples(const struct ctx *c, const struct tr_windows *w)
{
    char *seen = calloc((size_t)(c->ds->n ? c->ds->n : 1), 1);
    if (!seen) return 0;
    for (int i = 0; i < w->n; i++) seen[w->rec[i]] = 1;
    int missing = 0;
    for (int i = 0; i < c->ds->n; i++) missing += c->fold[i] >= 0 && !seen[i];
    free(seen);
    return missing;
}

/* Run c->jobs on the threads and fold their results into the entries (in job order: independent
 * of the threads). */
static void run_jobs(struct ctx *c)
{
    struct tr_search *r = c->res;
    c->next_job = c->done_jobs = 0;
    int nt = r->threads < c->n_jobs ? r->threads : c->n_jobs;
    pthread_t th[16];
    int started = 0;
    for (int t = 1; t < nt && t < 16; t++)
        if (pthread_create(&th[started], NULL, worker, c) == 0) started++;
    worker(c);
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    for (int t = 0; t < c->n_jobs; t += c->n_folds) {
        int e = c->jobs[t].entry;
        struct tr_search_entry *en = &r->e[e];
        long nv = 0, of = 0, o8 = 0, nr = 0, orr = 0;
        double s = 0, s2 = 0;
        int failed = 0;
        for (int f = 0; f < c->n_folds; f++) {
            const struct result *q = &c->out[t + f];
            failed |= q->failed;
            c->oom |= q->oom;
            nv += q->n_val; of += q->ok_float; o8 += q->ok_int8; nr += q->n_rec; orr += q->ok_rec;
            double a = q->n_val ? (double)q->ok_float / q->n_val : 0;
            s += a; s2 += a * a;
        }
        c->evaluated[e] = 1;
        /* held-out recordings that gave no example (gesture mode: the segmenter found no gesture
         * in a long recording) count as one miss each, so that the modes compare on the same
         * recordings: an idle class whose recordings give no gesture cannot score by absence */
        const int missing = recordings_without_examples(c, &c->in[c->entry_input[e]].plain);
        nv += missing;
        nr += missing;
        if (failed || nv == 0) { en->score = -1; continue; }
        en->cv_float = (double)of / nv;
        en->cv_int8 = (double)o8 / nv;
        en->cv_recordings = nr ? (double)orr / nr : 0;
        double mu = s / c->n_folds, var = s2 / c->n_folds - mu * mu;
        en->fold_sd = var > 0 ? sqrt(var) : 0;
        en->score = score_of(en);
    }
}

/* Train and score every candidate of the list that is within budget and not scored yet. The
 * candidates go input configuration by input configuration: its windows are computed, its
 * candidates' fits run, and its windows are released unless the current pick uses them (a later
 * stage computes them again if it needs them), so memory holds the features of one or two inputs
 * whatever the number of candidates (issue 19: 100 h of data). Every fit depends only on its
 * input and options: the scores are those of computing every input at once. */
static int evaluate(struct ctx *c, const int *idx, int n)
{
    if (c->oom) return -1;
    int *todo = malloc(sizeof(int) * (size_t)(n ? n : 1)), nt = 0;
    if (!todo) return -1;
    for (int i = 0; i < n; i++) {
        int e = idx[i], dup = 0;
        if (e < 0 || c->evaluated[e] || c->entry_input[e] < 0) continue;
        for (int t = 0; t < nt; t++) dup |= todo[t] == e;
        if (!dup) todo[nt++] = e;
    }
    free(c->jobs);
    free(c->out);
    c->jobs = malloc(sizeof *c->jobs * (size_t)(nt ? nt : 1) * (size_t)c->n_folds);
    c->out = calloc((size_t)(nt ? nt : 1) * (size_t)c->n_folds, sizeof *c->out);
    if (!c->jobs || !c->out) { free(todo); return -1; }
    for (int t = 0; t < nt; t++) {
        const int ii = c->entry_input[todo[t]];
        if (ii < 0 || c->evaluated[todo[t]]) continue; /* done with an earlier one of its input */
        struct input *in = &c->in[ii];
        errno = 0;
        int ok = compute_windows(c, in) == 0;
        if (!ok && errno == ENOMEM) c->oom = 1;
        c->n_jobs = 0;
        for (int u = t; u < nt; u++) {
            const int e = todo[u];
            if (c->entry_input[e] != ii) continue;
            if (!ok) { c->entry_input[e] = -1; continue; } /* e.g. too few windows: not a candidate */
            for (int f = 0; f < c->n_folds; f++) c->jobs[c->n_jobs++] = (struct job){e, f};
        }
        if (c->n_jobs) run_jobs(c);
        if (c->oom) { free(todo); return -1; }
        if (c->pick < 0 || c->entry_input[c->pick] != ii) {
            tr_windows_free(&in->plain);
            tr_windows_free(&in->aug);
            in->windows_ok = 0;
        }
    }
    free(todo);
    return 0;
}

static void stage_line(struct ctx *c, const char *what, int n)
{
    const struct tr_search_options *so = c->so;
    if (!so->verbose || !so->progress_out) return;
    int b = c->pick;
    if (so->progress_bar) { draw_progress(c); return; }
    fprintf(so->progress_out, "search stage %d (%s): %d candidates, %d fits so far, %.1f s; pick %.4f %s\n",
            c->stage, what, n, c->res->n_fits, tr_now() - c->t0, b >= 0 ? c->res->e[b].score : 0,
            b >= 0 ? c->res->e[b].desc : "-");
    fflush(so->progress_out);
}

/* The median length of the training recordings in ms. */
static int median_recording_ms(const struct tr_dataset *ds)
{
    int n = 0;
    double *len = malloc(sizeof(double) * (size_t)(ds->n ? ds->n : 1));
    if (!len) return 0;
    for (int i = 0; i < ds->n; i++)
        if (ds->rec[i].category == TR_TRAINING && ds->rec[i].rate_hz > 0)
            len[n++] = 1000.0 * ds->rec[i].n_samples / ds->rec[i].rate_hz;
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && len[b] < len[b - 1]; b--) { double t = len[b]; len[b] = len[b - 1]; len[b - 1] = t; }
    int med = n ? (int)len[n / 2] : 0;
    free(len);
    return med;
}

/* The pick of a stage: the first candidate of the list (the current configuration comes first,
 * then the variants in the order of preference) whose score is within one standard error of the
 * stage's best. The standard error counts recordings, not windows (the windows of a recording are
 * not independent): sqrt(p (1 - p) / recordings). With best_of, simply the highest score. */
static int stage_pick(struct ctx *c, const int *idx, int n, int best_of)
{
    const struct tr_search *r = c->res;
    int b = -1;
    for (int i = 0; i < n; i++) {
        int e = idx[i];
        if (e < 0 || !c->evaluated[e] || c->entry_input[e] < 0 || r->e[e].score < 0) continue;
        if (b < 0 || r->e[e].score > r->e[b].score + 1e-12) b = e;
    }
    if (b < 0 || best_of) return b;
    double p = r->e[b].score, se = sqrt(p * (1 - p) / (c->n_train_recs > 0 ? c->n_train_recs : 1));
    for (int i = 0; i < n; i++) {
        int e = idx[i];
        if (e < 0 || !c->evaluated[e] || c->entry_input[e] < 0 || r->e[e].score < 0) continue;
        if (r->e[e].score >= p - se - 1e-12) return e;
    }
    return b;
}

/* Run one stage: the candidates the generator added, then report. cur becomes the stage's pick. */
static int run_stage(struct ctx *c, const char *what, const int *idx, int n, struct tr_options *cur, int best_of)
{
    if (evaluate(c, idx, n)) return -1;
    int b = stage_pick(c, idx, n, best_of);
    if (b >= 0) {
        *cur = c->res->e[b].o;
        c->pick = b;
    }
    stage_line(c, what, n);
    return 0;
}

#define MAXC 64

/* The augmentation levels of the search, from the most regular to none: copies of each training
 * recording scaled by up to +-scale, rotated by up to rot degrees (3 axes) and shifted by up to a
 * quarter window (gesture mode: each end trimmed by up to that). */
static const struct aug_level { int copies; float scale, rot; int shift_div; } AUG_LEVELS[] = {
    {4, 0.15f, 45, 4}, {2, 0.15f, 45, 4}, {2, 0.1f, 10, 0}, {0, 0, 0, 0}};
#define AUG_SEARCH_START 1 /* the level stages 1-4 run with */

static void set_aug(const struct ctx *c, struct tr_options *o, int level)
{
    const struct aug_level *a = &AUG_LEVELS[level];
    o->aug_copies = a->copies;
    o->aug_scale = a->scale;
    o->aug_rotate_deg = c->ds->rec[0].n_axes == 3 ? a->rot : 0;
    o->aug_shift_ms = a->shift_div ? o->window_ms / a->shift_div : 0;
}

static int search_stages(struct ctx *c, const struct tr_options *base)
{
    const struct tr_search_options *so = c->so;
    const unsigned pins = so->pins;
    const int quick = so->quick;
    int idx[MAXC], n;
    struct tr_options cur = *base;
    const double rate = c->ds->rec[0].rate_hz;
    for (int i = 0; i < c->ds->n; i++)
        if (c->ds->rec[i].category == TR_TRAINING) { (void)rate; break; }

    /* augmentation from the start (unless given): stages 1-4 compare candidates on fits that saw
     * varied amplitude, orientation and timing, as new people will bring; stage 5 may drop it */
    const int aug_search = !(pins & TR_PIN_AUG);

    /* stage 0: the mode, unless given. The recording lengths suggest one (tr_setup_model: the
     * median training recording against the longest gesture); both modes' starting configurations
     * are scored, the suggested one first, and the other wins only by more than one standard
     * error -- recordings of one gesture each that are long, or short clips of an activity, are
     * not left to the lengths alone. */
    if (cur.mode == TR_MODE_AUTO) {
        int ii;
        struct input *in = get_input(c, &cur, &ii);
        if (!in) return -1;
        if (in->setup_ok) {
            const int prior = in->setup.mode, other = prior == TR_MODE_GESTURE ? TR_MODE_CONTINUOUS : TR_MODE_GESTURE;
            const double med = tr_median_ms(c->ds, TR_TRAINING);
            char len_reason[sizeof in->setup.mode_reason]; /* in moves when the cache grows */
            snprintf(len_reason, sizeof len_reason, "%s", in->setup.mode_reason);
            c->stage = 0;
            n = 0;
            int cand[2] = {-1, -1};
            for (int k = 0; k < 2; k++) {
                struct tr_options o = cur;
                o.mode = k ? other : prior;
                if (aug_search) set_aug(c, &o, AUG_SEARCH_START);
                int fits = fit_ladder(c, &o) == 0;
                for (int f = 0; !fits && f < N_SMALL_FEATS; f++) { /* the mode's largest inputs that fit */
                    struct tr_options t = o;
                    if (small_features(c, &t, f) == 0 && fit_ladder(c, &t) == 0) { o = t; fits = 1; }
                }
                if (!fits) continue;
                int e = add_entry(c, &o, 0);
                if (e < 0) return -1;
                idx[n++] = cand[k] = e;
            }
            if (run_stage(c, "mode", idx, n, &cur, 0)) return -1;
            if (c->pick < 0) cur.mode = prior;
            const char *name[2] = {"continuous", "gesture"};
            double sp = cand[0] >= 0 ? c->res->e[cand[0]].score : -1, sq = cand[1] >= 0 ? c->res->e[cand[1]].score : -1;
            const int chosen = cur.mode == TR_MODE_GESTURE;
            if (sp >= 0 && sq >= 0)
                snprintf(c->res->mode_reason, sizeof c->res->mode_reason,
                         "%s: cross-validation %.4f, %s %.4f (median training recording %.0f ms, suggesting %s)",
                         name[chosen], chosen == (prior == TR_MODE_GESTURE) ? sp : sq,
                         name[!chosen], chosen == (prior == TR_MODE_GESTURE) ? sq : sp, med,
                         name[prior == TR_MODE_GESTURE]);
            else
                snprintf(c->res->mode_reason, sizeof c->res->mode_reason, "%s: %s (%s could not be scored)",
                         name[chosen], len_reason, name[!chosen]);
            if (so->verbose && so->progress_out && !so->progress_bar)
                fprintf(so->progress_out, "search: mode %s\n", c->res->mode_reason);
        }
    }
    const int gesture = cur.mode == TR_MODE_GESTURE;
    if (aug_search) set_aug(c, &cur, AUG_SEARCH_START);

    /* stage 1: window length and stride (continuous), points per gesture (gesture) */
    c->stage = 1;
    n = 0;
    /* the candidates all with the current features; if none fits, all with the first smaller
     * feature set that lets one fit (stage 2 chooses the features anew) */
    if (gesture) {
        static const int pts[] = {64, 32, 48, 96, 128};
        int np = quick ? 2 : 5;
        for (int f = -1; n == 0 && f < N_SMALL_FEATS; f++) {
            struct tr_options fo = cur;
            if (f >= 0 && small_features(c, &fo, f)) continue;
            for (int i = -1; i < (pins & TR_PIN_POINTS ? 0 : np); i++) {
                struct tr_options o = fo;
                if (i >= 0) {
                    if (pts[i] == base->gesture_points) continue;
                    o.gesture_points = pts[i];
                }
                if (fit_ladder(c, &o)) continue;
                int e = add_entry(c, &o, 1);
                if (e < 0) return -1;
                idx[n++] = e;
            }
        }
        if (run_stage(c, "points per gesture", idx, n, &cur, 0)) return -1;
    } else {
        static const int wins[] = {1000, 750, 500, 1500, 2000, 3000};
        static const int wins_quick[] = {1000, 500};
        const int *w = quick ? wins_quick : wins;
        int nw = quick ? 2 : 6;
        int med = median_recording_ms(c->ds);
        for (int f = -1; n == 0 && f < N_SMALL_FEATS; f++) {
            struct tr_options fo = cur;
            if (f >= 0 && small_features(c, &fo, f)) continue;
            for (int i = -1; i < (pins & TR_PIN_WINDOW ? 0 : nw); i++) {
                struct tr_options o = fo; /* i = -1: the given window */
                if (i >= 0) {
                    if (w[i] == base->window_ms) continue;
                    if (med > 0 && w[i] > med) continue; /* longer than most recordings */
                    o.window_ms = w[i];
                    o.stride_ms = w[i] / 2;
                    if (aug_search) set_aug(c, &o, AUG_SEARCH_START); /* the shift follows the window */
                }
                if (fit_ladder(c, &o)) continue;
                int e = add_entry(c, &o, 1);
                if (e < 0) return -1;
                idx[n++] = e;
            }
        }
        if (run_stage(c, "window", idx, n, &cur, 0)) return -1;
    }

    /* stage 2: feature groups, FFT length, raw points, sub-segments */
    c->stage = 2;
    n = 0;
    if (c->pick >= 0) idx[n++] = c->pick; /* the current configuration first */
    if (!(pins & TR_PIN_FEATURES) || !(pins & TR_PIN_FFT) || !(pins & TR_PIN_RAW)) {
        const int S = IMU_FEAT_STATS, P = IMU_FEAT_SPECTRAL, R = IMU_FEAT_RAW, D = IMU_FEAT_DERIV,
                  U = IMU_FEAT_SUBSTATS, H = cur.feat_flags & IMU_FEAT_HANN;
        struct fset { int flags, fft, raw, sub; };
        static const struct fset cont[] = {
            {S | P | R, 16, 8, 0}, {S | P | R, 16, 16, 0}, {S | P | R, 16, 32, 0}, {S | P | R, 32, 8, 0},
            {S | P | R, 32, 16, 0}, {S | P, 16, 0, 0}, {S | P, 32, 0, 0}, {S | P, 64, 0, 0}, {S | R, 0, 8, 0},
            {S | R, 0, 16, 0}, {S | R, 0, 32, 0}, {P | R, 16, 8, 0}, {P | R, 16, 16, 0}, {S | P | R, 64, 8, 0},
            {S | R, 0, 4, 0}, {S, 0, 0, 0},
        };
        static const struct fset cont_quick[] = {{S | P | R, 16, 8, 0}, {S | P, 16, 0, 0}, {S | R, 0, 16, 0}};
        const struct fset gest[] = {
            {S | U | R, 0, 32, 4}, {S | P | R, 16, 32, 0}, {S | R, 0, 32, 0}, {S | U | R, 0, 16, 4},
            {S | U | R | D, 0, 32, 4}, {S | P | U | R, 16, 16, 4}, {S | U | R, 0, 32, 8}, {S | R | D, 0, 32, 0},
            {S | U | R | D, 0, 16, 4}, {R | D, 0, 32, 0}, {S | U | R, 0, 64, 4},
            /* small inputs, for many axes or classes under the budgets */
            {S | U | R, 0, 8, 4}, {S | U, 0, 0, 4}, {S | R, 0, 8, 0}, {S | U, 0, 0, 8},
        };
        static const struct fset gest_quick[] = {{S | U | R, 0, 32, 4}, {S | P | R, 16, 32, 0}, {S | R, 0, 16, 0}};
        const struct fset *fs = gesture ? (quick ? gest_quick : gest) : (quick ? cont_quick : cont);
        int nfs = gesture ? (quick ? 3 : (int)(sizeof gest / sizeof gest[0]))
                          : (quick ? 3 : (int)(sizeof cont / sizeof cont[0]));
        for (int i = 0; i < nfs; i++) {
            struct tr_options o = cur;
            o.feat_auto = 0;
            if (!(pins & TR_PIN_FEATURES)) {
                o.feat_flags = fs[i].flags | H;
                if (fs[i].sub) o.n_sub = fs[i].sub;
            }
            if (fs[i].fft && !(pins & TR_PIN_FFT)) o.fft_len = fs[i].fft;
            if (fs[i].raw && !(pins & TR_PIN_RAW)) o.raw_points = fs[i].raw;
            const int wl = gesture ? o.gesture_points : tr_ms_to_samples(o.window_ms, rate);
            if ((o.feat_flags & IMU_FEAT_SPECTRAL) && wl < o.fft_len && !(pins & TR_PIN_FFT))
                continue; /* an FFT longer than the window */
            if ((o.feat_flags & IMU_FEAT_RAW) && o.raw_points > wl) continue;
            if (fit_ladder(c, &o)) continue;
            int e = add_entry(c, &o, 2);
            if (e < 0) return -1;
            idx[n++] = e;
        }
        if (run_stage(c, "features", idx, n, &cur, 0)) return -1;
    }

    /* stage 3: hidden layers */
    c->stage = 3;
    n = 0;
    if (c->pick >= 0) idx[n++] = c->pick; /* the current configuration first */
    if (!(pins & TR_PIN_HIDDEN)) {
        static const int hs[][3] = {{8, 0, 0}, {16, 0, 0}, {24, 0, 0}, {32, 0, 0}, {12, 6, 0}, {16, 8, 0},
                                    {20, 10, 0}, {24, 12, 0}, {32, 16, 0}, {0, 0, 0}};
        static const int quick_hs[] = {0, 8}; /* (8) and (32,16) */
        int nh = quick ? 2 : (int)(sizeof hs / sizeof hs[0]);
        for (int ii = 0; ii < nh; ii++) {
            int i = quick ? quick_hs[ii] : ii;
            struct tr_options o = cur;
            o.n_hidden = hs[i][0] == 0 ? 0 : hs[i][1] == 0 ? 1 : 2;
            for (int k = 0; k < 3; k++) o.hidden[k] = hs[i][k];
            int e = add_entry(c, &o, 3);
            if (e < 0) return -1;
            idx[n++] = e;
        }
        if (run_stage(c, "network", idx, n, &cur, 0)) return -1;
    }

    /* stage 3b (gesture mode): conv front ends next to the MLP picked so far, with the augmentation
     * they need (issue 21: 8 points better with it on multi-person gestures); the stage's rule
     * keeps the MLP unless a conv beats it by more than the noise */
    if (gesture && base->n_conv == 0 && !(pins & (TR_PIN_FEATURES | TR_PIN_HIDDEN))) {
        n = 0;
        if (c->pick >= 0) idx[n++] = c->pick;
        static const struct { int pts; const char *spec; } cs[] = {
            {24, "8:7:2,16:7:2"}, {32, "8:7:2,16:7:2"}, {24, "8:5:2,16:5"}, {32, "8:7:2,16:7:2,16:5"},
            {24, "8:7:2,16:7:2,16:5"}, {32, "6:5:2,12:5:2"},
        };
        const int ncs = quick ? 1 : (int)(sizeof cs / sizeof cs[0]);
        for (int i = 0; i < ncs; i++) {
            struct tr_options o = cur;
            char why[160];
            if (pins & TR_PIN_POINTS) o.gesture_points = cur.gesture_points;
            else o.gesture_points = cs[i].pts;
            if (tr_parse_conv(cs[i].spec, &o, why, sizeof why)) continue;
            o.n_hidden = 0;
            if (!(pins & TR_PIN_EPOCHS)) o.epochs = 60;
            if (!(pins & TR_PIN_AUG)) {
                o.aug_copies = 2;
                o.aug_scale = 0.1f;
                o.aug_rotate_deg = c->ds->rec[0].n_axes == 3 ? 10 : 0;
                o.aug_shift_ms = 0;
            }
            int e = add_entry(c, &o, 3);
            if (e < 0) return -1;
            idx[n++] = e;
        }
        if (n > 1 && run_stage(c, "conv front ends", idx, n, &cur, 0)) return -1;
    }

    /* stage 4: epochs and L2 */
    c->stage = 4;
    n = 0;
    if (c->pick >= 0) idx[n++] = c->pick; /* the current configuration first */
    if (!quick && (pins & (TR_PIN_EPOCHS | TR_PIN_L2)) != (TR_PIN_EPOCHS | TR_PIN_L2)) {
        static const int eps[] = {40, 80};
        static const float l2s[] = {1e-3f, 3e-3f, 1e-2f};
        for (int a = 0; a < 2; a++)
            for (int l = 0; l < 3; l++) {
                struct tr_options o = cur;
                if (!(pins & TR_PIN_EPOCHS)) o.epochs = eps[a];
                if (!(pins & TR_PIN_L2)) o.l2 = l2s[l];
                int e = add_entry(c, &o, 4);
                if (e < 0) return -1;
                idx[n++] = e;
            }
        if (run_stage(c, "epochs and L2", idx, n, &cur, 0)) return -1;
    }

    /* stage 5: augmentation. Stages 1-4 ran with AUG_SEARCH_START; the candidates go from the most
     * regular (the strongest augmentation) to none, and the pick is the first within one standard
     * error of the best: when cross-validation cannot tell them apart (the usual case once the
     * folds are all but solved), the one that has seen the most variation of amplitude, device
     * orientation and timing wins -- the one-standard-error rule with "most regular" for
     * "simplest". New people hold the device at angles the training people did not: rotations of
     * up to 45 degrees stand for that. */
    c->stage = 5;
    n = 0;
    if (aug_search) {
        const int nl = (int)(sizeof AUG_LEVELS / sizeof AUG_LEVELS[0]);
        for (int i = 0; i < nl; i++) {
            if (quick && i != 0 && i != nl - 1 && i != AUG_SEARCH_START) continue;
            struct tr_options o = cur;
            set_aug(c, &o, i);
            int e = add_entry(c, &o, 5); /* the current configuration is one of them: found again */
            if (e < 0) return -1;
            idx[n++] = e;
        }
        if (run_stage(c, "augmentation", idx, n, &cur, 0)) return -1;
    }

    /* stage 6: seeds, the best of several */
    c->stage = 6;
    n = 0;
    if (!(pins & TR_PIN_SEED) || 1) {
        for (int s = 0; s < so->n_seeds && n < MAXC; s++) {
            struct tr_options o = cur;
            o.seed = base->seed + (unsigned)s;
            int e = add_entry(c, &o, 6);
            if (e < 0) return -1;
            idx[n++] = e;
        }
        if (run_stage(c, "seeds", idx, n, &cur, 1)) return -1;
    }
    return 0;
}

/* ---- the search's sample of a large dataset ---- */

struct sample_key { const char *label; uint64_t order; int i; double s; };

static int cmp_sample_key(const void *a, const void *b)
{
    const struct sample_key *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    if (c) return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* When the training recordings last over max_s seconds, the search scores candidates on a sample
 * of them (memory and time bounded by the sample, not the data: issue 19): each label keeps the
 * same share of its duration (at least one recording), its recordings taken in an order fixed by
 * the seed. *view is then the kept training recordings and every other one, in their order (a
 * copy of their descriptions sharing their samples). Returns the number of training recordings
 * kept (0: all are, no view), -1 when out of memory. */
static int search_sample(const struct tr_dataset *ds, double max_s, unsigned seed, struct tr_dataset *view)
{
    view->n = 0;
    view->rec = NULL;
    int n = 0;
    double total = 0;
    for (int i = 0; i < ds->n; i++)
        if (ds->rec[i].category == TR_TRAINING && ds->rec[i].rate_hz > 0) {
            n++;
            total += ds->rec[i].n_samples / ds->rec[i].rate_hz;
        }
    if (max_s <= 0 || total <= max_s) return 0;
    struct sample_key *k = malloc(sizeof *k * (size_t)n);
    char *keep = calloc((size_t)ds->n, 1);
    if (!k || !keep) { free(k); free(keep); return -1; }
    int m = 0;
    for (int i = 0; i < ds->n; i++) {
        if (ds->rec[i].category != TR_TRAINING) keep[i] = 1;
        else if (ds->rec[i].rate_hz > 0)
            k[m++] = (struct sample_key){ds->rec[i].label, mix(((uint64_t)seed << 32) ^ (uint64_t)i), i,
                                          ds->rec[i].n_samples / ds->rec[i].rate_hz};
    }
    qsort(k, (size_t)m, sizeof *k, cmp_sample_key);
    const double share = max_s / total;
    int kept = 0;
    for (int a = 0, b; a < m; a = b) {
        double label_s = 0, taken = 0;
        for (b = a; b < m && !strcmp(k[b].label, k[a].label); b++) label_s += k[b].s;
        for (int j = a; j < b && (j == a || taken < share * label_s); j++) {
            keep[k[j].i] = 1;
            taken += k[j].s;
            kept++;
        }
    }
    free(k);
    int nv = 0;
    for (int i = 0; i < ds->n; i++) nv += keep[i];
    struct tr_recording *v = malloc(sizeof *v * (size_t)nv);
    if (!v) { free(keep); return -1; }
    nv = 0;
    for (int i = 0; i < ds->n; i++)
        if (keep[i]) v[nv++] = ds->rec[i];
    free(keep);
    view->n = nv;
    view->rec = v;
    return kept;
}

int tr_search_run(const struct tr_dataset *ds, const struct tr_options *base, const struct tr_search_options *so,
                  struct tr_search *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    res->best = -1;
    if (tr_check_dataset(ds, 0, err, errlen)) return -1;
    struct tr_dataset sample; /* the search's sample of a large dataset (search_sample) */
    for (int i = 0; i < ds->n; i++) res->n_train += ds->rec[i].category == TR_TRAINING;
    res->n_sampled = search_sample(ds, so->max_hours * 3600.0, base->seed, &sample);
    if (res->n_sampled < 0) { snprintf(err, errlen, "out of memory"); return -1; }
    struct tr_recording *view = (struct tr_recording *)sample.rec; /* ours: freed at the end */
    if (view) {
        ds = &sample;
    } else {
        res->n_sampled = res->n_train;
    }
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.ds = ds;
    c.so = so;
    c.res = res;
    c.t0 = tr_now();
    c.pick = -1;
    for (int i = 0; i < ds->n; i++) c.n_train_recs += ds->rec[i].category == TR_TRAINING;
    int rc = -1;
    c.fold = malloc(sizeof(int) * (size_t)ds->n);
    if (!c.fold) { snprintf(err, errlen, "out of memory"); free(view); return -1; }
    c.n_folds = tr_search_folds(ds, so->folds > 1 ? so->folds : 5, base->seed, c.fold, &res->n_groups, &res->by_subject);
    if (c.n_folds < 2) {
        snprintf(err, errlen, "cross-validation needs at least 2 training %s (have %d)",
                 res->by_subject ? "subjects or recordings" : "recordings", res->n_groups);
        free(c.fold);
        free(view);
        return -1;
    }
    res->n_folds = c.n_folds;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    res->threads = so->threads > 0 ? so->threads : (int)(cpus > 0 ? (cpus > 8 ? 8 : cpus) : 1);
    if (res->threads > 16) res->threads = 16;
    tr_fit_kernels_init();
    pthread_mutex_init(&c.lock, NULL);
    c.total_fits_planned = (so->quick ? 16 : 47) * c.n_folds;
    if (so->verbose && so->progress_out && !so->progress_bar)
        fprintf(so->progress_out, "search: %d-fold cross-validation by %s (%d %s), %d threads\n", c.n_folds,
                res->by_subject ? "subject" : "recording", res->n_groups, res->by_subject ? "groups" : "recordings",
                res->threads);
    if (view && so->verbose && so->progress_out && !so->progress_bar)
        fprintf(so->progress_out, "search: scored on %d of the %d training recordings (%.3g h, a sample per label; "
                "the final fit takes all)\n", res->n_sampled, res->n_train, so->max_hours);
    if (search_stages(&c, base)) {
        snprintf(err, errlen, "out of memory during the search");
        goto out;
    }
    if (so->verbose && so->progress_out && so->progress_bar) fputc('\n', so->progress_out);
    res->best = c.pick;
    if (res->best < 0) {
        if (res->n_over_budget > 0 && res->n_over_budget >= res->n) {
            /* name the candidate closest to the budgets, so the user sees what is too big */
            int near = -1;
            double near_x = 0;
            for (int i = 0; i < res->n; i++) {
                const struct tr_cost *k = &res->e[i].cost;
                double x = fmax(fmax((double)k->flash / so->budget.flash, (double)k->ram / so->budget.ram),
                                (double)k->instructions / so->budget.instructions);
                if (near < 0 || x < near_x) near = i, near_x = x;
            }
            const struct tr_search_entry *n = &res->e[near];
            snprintf(err, errlen,
                     "no configuration fits the device budgets (flash %d B, RAM %d B, %d instructions); the "
                     "nearest, %s, needs flash %d B, RAM %d B, %d instructions%s: raise --budget-flash, "
                     "--budget-ram or --budget-instructions for a bigger board (--board), or give smaller options",
                     so->budget.flash, so->budget.ram, so->budget.instructions, n->desc, n->cost.flash, n->cost.ram,
                     n->cost.instructions,
                     n->o.mode == TR_MODE_GESTURE ? " (gesture mode keeps a whole gesture of raw samples: "
                                                    "--gesture-max-ms sets its longest)" : "");
        } else
            snprintf(err, errlen, "no configuration could be trained (%s)", c.n_in ? c.in[0].err : "no input");
        goto out;
    }
    rc = 0;
out:
    res->seconds = tr_now() - c.t0;
    for (int i = 0; i < c.n_in; i++) {
        tr_windows_free(&c.in[i].plain);
        tr_windows_free(&c.in[i].aug);
        tr_model_free(&c.in[i].setup);
    }
    /* entries that were never trained (over budget, failed) keep score -1 */
    for (int i = 0; i < res->n; i++)
        if (!c.evaluated[i] || c.entry_input[i] < 0) res->e[i].score = -1;
    free(c.in);
    free(c.entry_input);
    free(c.evaluated);
    free(c.jobs);
    free(c.out);
    free(c.fold);
    free(view);
    pthread_mutex_destroy(&c.lock);
    return rc;
}

void tr_search_free(struct tr_search *res)
{
    free(res->e);
    memset(res, 0, sizeof *res);
}

/* entries with a score, best first */
static int *ranking(const struct tr_search *r, int *n_out)
{
    int *ix = malloc(sizeof(int) * (size_t)(r->n ? r->n : 1)), n = 0;
    if (!ix) { *n_out = 0; return NULL; }
    for (int i = 0; i < r->n; i++) if (r->e[i].score >= 0) ix[n++] = i;
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0; b--) {
            const struct tr_search_entry *x = &r->e[ix[b]], *y = &r->e[ix[b - 1]];
            int better = x->score > y->score + 1e-12 ||
                         (fabs(x->score - y->score) <= 1e-12 && x->cost.instructions < y->cost.instructions);
            if (!better) break;
            int t = ix[b]; ix[b] = ix[b - 1]; ix[b - 1] = t;
        }
    *n_out = n;
    return ix;
}

static cJSON *entry_json(const struct tr_search_entry *e)
{
    cJSON *j = cJSON_CreateObject();
    const struct tr_options *o = &e->o;
    cJSON_AddNumberToObject(j, "score", e->score);
    cJSON_AddNumberToObject(j, "cv_accuracy", e->cv_float);
    cJSON_AddNumberToObject(j, "cv_accuracy_int8", e->cv_int8);
    cJSON_AddNumberToObject(j, "cv_accuracy_recordings", e->cv_recordings);
    cJSON_AddNumberToObject(j, "fold_sd", e->fold_sd);
    cJSON_AddNumberToObject(j, "stage", e->stage);
    cJSON_AddStringToObject(j, "description", e->desc);
    cJSON *op = cJSON_AddObjectToObject(j, "options");
    cJSON_AddStringToObject(op, "mode", o->mode == TR_MODE_GESTURE ? "gesture" : "continuous");
    if (o->mode == TR_MODE_GESTURE) {
        cJSON_AddNumberToObject(op, "gesture_points", o->gesture_points);
        cJSON_AddNumberToObject(op, "gesture_buf", o->gesture_buf);
    } else {
        cJSON_AddNumberToObject(op, "window_ms", o->window_ms);
        cJSON_AddNumberToObject(op, "stride_ms", o->stride_ms);
    }
    cJSON *fe = cJSON_AddArrayToObject(op, "features");
    if (o->feat_flags & IMU_FEAT_STATS) cJSON_AddItemToArray(fe, cJSON_CreateString("stats"));
    if (o->feat_flags & IMU_FEAT_SPECTRAL) cJSON_AddItemToArray(fe, cJSON_CreateString("spectral"));
    if (o->feat_flags & IMU_FEAT_RAW) cJSON_AddItemToArray(fe, cJSON_CreateString("raw"));
    if (o->feat_flags & IMU_FEAT_DERIV) cJSON_AddItemToArray(fe, cJSON_CreateString("deriv"));
    if (o->feat_flags & IMU_FEAT_SUBSTATS) cJSON_AddItemToArray(fe, cJSON_CreateString("substats"));
    cJSON_AddNumberToObject(op, "sub_segments", o->n_sub);
    if (o->n_conv > 0) { /* [[channels, kernel, pool, stride], ...] */
        cJSON *cv = cJSON_AddArrayToObject(op, "conv");
        for (int i = 0; i < o->n_conv; i++) {
            const int v[4] = {o->conv[i].ch, o->conv[i].k, o->conv[i].pool, o->conv[i].stride};
            cJSON_AddItemToArray(cv, cJSON_CreateIntArray(v, 4));
        }
    }
    cJSON_AddNumberToObject(op, "fft_len", o->fft_len);
    cJSON_AddNumberToObject(op, "raw_points", o->raw_points);
    cJSON *h = cJSON_AddArrayToObject(op, "hidden");
    for (int k = 0; k < o->n_hidden; k++) cJSON_AddItemToArray(h, cJSON_CreateNumber(o->hidden[k]));
    cJSON_AddNumberToObject(op, "epochs", o->epochs);
    cJSON_AddNumberToObject(op, "l2", o->l2);
    cJSON_AddNumberToObject(op, "aug_copies", o->aug_copies);
    cJSON_AddNumberToObject(op, "aug_scale", o->aug_scale);
    cJSON_AddNumberToObject(op, "aug_rotate_deg", o->aug_rotate_deg);
    cJSON_AddNumberToObject(op, "aug_shift_ms", o->aug_shift_ms);
    cJSON_AddNumberToObject(op, "aug_warp", o->aug_warp);
    cJSON_AddNumberToObject(op, "seed", o->seed);
    cJSON *c = cJSON_AddObjectToObject(j, "device_cost");
    cJSON_AddNumberToObject(c, "flash_bytes", e->cost.flash);
    cJSON_AddNumberToObject(c, "ram_bytes", e->cost.ram);
    cJSON_AddNumberToObject(c, "instructions", e->cost.instructions);
    cJSON_AddNumberToObject(j, "features", e->n_feat);
    return j;
}

char *tr_search_json(const struct tr_search *r, int top)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "folds", r->n_folds);
    cJSON_AddStringToObject(j, "grouped_by", r->by_subject ? "subject" : "recording");
    cJSON_AddNumberToObject(j, "groups", r->n_groups);
    if (r->n_sampled < r->n_train) { /* scored on a sample (max_hours) */
        cJSON_AddNumberToObject(j, "training_recordings", r->n_train);
        cJSON_AddNumberToObject(j, "scored_on_recordings", r->n_sampled);
    }
    cJSON_AddNumberToObject(j, "candidates", r->n);
    cJSON_AddNumberToObject(j, "over_budget", r->n_over_budget);
    cJSON_AddNumberToObject(j, "fits", r->n_fits);
    cJSON_AddNumberToObject(j, "threads", r->threads);
    cJSON_AddNumberToObject(j, "seconds", r->seconds);
    if (r->mode_reason[0]) cJSON_AddStringToObject(j, "mode_reason", r->mode_reason);
    cJSON_AddStringToObject(j, "score", "(cv_accuracy + cv_accuracy_int8) / 2, pooled over the held-out windows");
    int n;
    int *ix = ranking(r, &n);
    cJSON *lb = cJSON_AddArrayToObject(j, "leaderboard");
    for (int i = 0; i < n && i < top; i++) cJSON_AddItemToArray(lb, entry_json(&r->e[ix[i]]));
    if (r->best >= 0) cJSON_AddItemToObject(j, "chosen", entry_json(&r->e[r->best]));
    free(ix);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

void tr_search_print(const struct tr_search *r, int top, FILE *f)
{
    int n;
    int *ix = ranking(r, &n);
    fprintf(f, "search: %d candidates (%d over the device budget, not trained), %d fits, %d-fold by %s, "
               "%d threads, %.1f s\n",
            r->n, r->n_over_budget, r->n_fits, r->n_folds, r->by_subject ? "subject" : "recording", r->threads,
            r->seconds);
    fprintf(f, "%4s %7s %7s %7s %6s %6s %6s %7s  %s\n", "rank", "cv", "cv-int8", "cv-rec", "sd", "flash", "RAM",
            "insn", "configuration");
    for (int i = 0; i < n && i < top; i++) {
        const struct tr_search_entry *e = &r->e[ix[i]];
        fprintf(f, "%4d %7.4f %7.4f %7.4f %6.3f %6d %6d %7d  %s%s\n", i + 1, e->cv_float, e->cv_int8,
                e->cv_recordings, e->fold_sd, e->cost.flash, e->cost.ram, e->cost.instructions, e->desc,
                ix[i] == r->best ? "  <- chosen" : "");
    }
    free(ix);
}
