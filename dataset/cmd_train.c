/* SPDX-License-Identifier: MIT */
/* cmd_train.c -- `imulab train` and `imulab eval`: the front end of the trainer library.
 *
 * The database stays open while they run: db_load reads every recording's description, and the
 * trainer reads a recording's samples when it needs them (db_samples, one recording at a time),
 * so memory holds one recording and the features, whatever the size of the data; eval reads the
 * samples of the testing recordings only. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anomaly_cli.h"
#include "cli.h"
#include "store.h"
#include "trainer.h"

#include "boards.h"
#define O_BOARD 1000 /* --board: outside enum train_opt below */
#include "trainer_int.h"
#include "../portable/conv.h"

/* Where a recording's samples are in the store: what store_recording_samples_of needs. */
struct db_source {
    int64_t id, sample_count;
    int format, n_axes;
};

struct db_data {
    struct tr_recording *rec;
    struct db_source *src;   /* per recording; tr_recording.load_id is the index */
    int n, cap;
    struct tr_dataset ds;
    struct store *store;  /* open (read-only) until db_free */
};

/* The trainer's loader (tr_load_fn): recording index's samples from the open store. */
static int db_samples(void *ctx, int64_t index, float **buf, int *n_samples, char *err, size_t errlen)
{
    struct db_data *d = ctx;
    const struct db_source *src = &d->src[index];
    const struct tr_recording *t = &d->rec[index];
    struct store_recording r;
    memset(&r, 0, sizeof r);
    r.id = src->id;
    r.format = src->format;
    r.sample_count = src->sample_count;
    if (src->n_axes > TR_MAX_AXES) {
        snprintf(err, errlen, "recording %lld has %d axes (1 to %d supported)", (long long)src->id, src->n_axes, TR_MAX_AXES);
        return -1;
    }
    r.n_axes = src->n_axes;
    for (int a = 0; a < src->n_axes; a++) r.axes[a].scale = t->native_scale[a];
    float *v = NULL;
    int64_t ns = 0;
    if (store_recording_samples_of(d->store, &r, &v, &ns)) {
        snprintf(err, errlen, "%s", store_errmsg(d->store));
        return -1;
    }
    free(*buf);
    *buf = v;
    *n_samples = ns > 100000000 ? -1 : (int)ns;
    return 0;
}

static int collect(const struct store_recording *r, void *arg)
{
    struct db_data *d = arg;
    int cat = strcmp(r->category, "training") == 0 ? TR_TRAINING
              : strcmp(r->category, "testing") == 0 ? TR_TESTING : TR_UNASSIGNED;
    if (cat == TR_UNASSIGNED || r->ended_at == 0) return 0;
    if (d->n == d->cap) {
        int nc = d->cap ? 2 * d->cap : 64;
        struct tr_recording *p = realloc(d->rec, sizeof *p * (size_t)nc);
        if (p) d->rec = p;
        struct db_source *q = realloc(d->src, sizeof *q * (size_t)nc);
        if (q) d->src = q;
        if (!p || !q) return 1;
        d->cap = nc;
    }
    struct tr_recording *t = &d->rec[d->n];
    memset(t, 0, sizeof *t);
    t->label = strdup(r->label);
    t->subject = strdup(r->subject);
    t->category = cat;
    t->rate_hz = r->sample_rate_hz;
    t->n_axes = r->n_axes > TR_MAX_AXES ? TR_MAX_AXES + 1 : r->n_axes;
    for (int a = 0; a < r->n_axes && a < TR_MAX_AXES; a++) {
        t->axes[a] = strdup(r->axes[a].name);
        t->native_scale[a] = r->format == STORE_I16 ? r->axes[a].scale : 0;
    }
    t->n_samples = r->sample_count > 100000000 ? 0 : (int)r->sample_count;
    t->values = NULL; /* read on demand (db_samples) */
    t->load = db_samples;
    t->load_ctx = d;
    t->load_id = d->n;
    d->src[d->n] = (struct db_source){r->id, r->sample_count, r->format, r->n_axes};
    d->n++;
    return 0;
}

static void db_free(struct db_data *d)
{
    for (int i = 0; i < d->n; i++) {
        free((void *)d->rec[i].label);
        free((void *)d->rec[i].subject);
        for (int a = 0; a < d->rec[i].n_axes && a < TR_MAX_AXES; a++) free((void *)d->rec[i].axes[a]);
    }
    free(d->rec);
    free(d->src);
    if (d->store) store_close(d->store);
    memset(d, 0, sizeof *d);
}

static int db_load(const struct cli *cli, struct db_data *d)
{
    memset(d, 0, sizeof *d);
    int missing = 0;
    struct store *s = cli_open_store_ro(cli, &missing);
    if (!s) {
        if (missing) return cli_error("the database %s has no recordings", cli->db_path), -1;
        return -1;
    }
    d->store = s;
    if (store_recording_foreach(s, NULL, NULL, 0, collect, d)) {
        cli_error("%s", store_errmsg(s));
        db_free(d);
        return -1;
    }
    d->ds.n = d->n;
    d->ds.rec = d->rec;
    return 0;
}

static const char train_help[] =
    "usage: imulab train --out MODEL_DIR [options]\n"
    "Train a dense network on the recordings of category training, evaluate it on testing, quantize\n"
    "it to int8 and write MODEL_DIR/model.c, model.h and model.json.\n"
    "Without model options (the options from --mode on, except --seed, --quiet and the decision\n"
    "options --min-confidence, --smooth, --min-interval-ms) the mode, window or points, features,\n"
    "network, epochs, L2, augmentation and seed are searched by k-fold cross-validation on the\n"
    "training recordings (folds grouped by subject when recordings have one), among the models\n"
    "that fit the device budgets; the winner is trained again on all training recordings.\n"
    "  --auto               search even with model options (those given are kept fixed)\n"
    "  --folds N            folds of the cross-validation (default 5)\n"
    "  --threads N          threads of the search (default: the CPUs, at most 8)\n"
    "  --budget-flash B     flash of the classifier firmware, bytes (default 16384)\n"
    "  --budget-ram B       RAM, bytes (default 8192)\n"
    "  --budget-instructions N  per window (default 50000)\n"
    "  --board B            the budgets of board B (nucleo-f446re, nucleo-l476rg, nucleo-h743zi, disco-f407vg:\n"
    "                       its flash and RAM, docs/boards.md; --budget-* still override), and the latency\n"
    "                       printed in cycles at its core clock\n"
    "  --search-quick       a smaller search (tests; also IMULAB_SEARCH_QUICK=1)\n"
    "  --json               print the result and the search's leaderboard as JSON (progress on stderr)\n"
    "  --mode M             continuous (sliding windows), gesture (one example per gesture) or auto\n"
    "                       (default: gesture when the median training recording lasts at most\n"
    "                       --gesture-max-ms, else continuous; --window-ms/--stride-ms imply\n"
    "                       continuous unless --mode gesture)\n"
    "  --window-ms N        continuous: window length (default 1000)\n"
    "  --stride-ms N        continuous: window stride (default 500)\n"
    "  --gesture-points N   gesture: samples per axis each gesture is resampled to (default 64)\n"
    "  --gesture-max-ms N   gesture: longest gesture (default 6000); longer recordings are cut by\n"
    "                       the motion segmenter, shorter ones are one gesture each\n"
    "  --gesture-min-ms N   gesture: shorter segments are dropped (default 250)\n"
    "  --gesture-hold-ms N  gesture: quiet time that ends a gesture (default 200)\n"
    "  --gesture-buf N      gesture: samples the device keeps per gesture before halving (default 128)\n"
    "  --gesture-trim       gesture: cut one-gesture recordings to the span the segmenter sees moving\n"
    "                       (first onset to last end, as the device cuts its live stream; default:\n"
    "                       used whole)\n"
    "  --seg-on X           gesture: onset level above idle, part of the motion-level spread (default 0.1)\n"
    "  --seg-off X          gesture: offset level above idle (default 0.04)\n"
    "  --seed N             random seed (default 1); the same seed gives the same model (and search)\n"
    "  --hidden LIST        hidden layer sizes, e.g. 20,10 (default), 32 or 0 for none (max 3)\n"
    "  --conv LIST          a 1-D convolutional front end on the window's points (raw, every point):\n"
    "                       layers CHANNELS:KERNEL[:POOL[:STRIDE]], e.g. 8:5:2,16:5 (ReLU, \"same\"\n"
    "                       padding, max pool POOL), then global average pooling and --hidden"
    "  --epochs N           training epochs (default 40)\n"
    "  --batch N            mini-batch size (default 16)\n"
    "  --lr X               Adam learning rate (default 0.005)\n"
    "  --l2 X               L2 weight penalty (default 0.003)\n"
    "  --val-frac X         hold out this part of the training recordings for validation (default 0)\n"
    "  --patience N         stop after N epochs without improvement, keeping the best weights (default 5; 0: off)\n"
    "  --no-class-weights   do not weight the loss by inverse label frequency\n"
    "  --features LIST      any of stats,spectral,raw (default stats,spectral,raw)\n"
    "  --fft-len N          FFT frame length, power of two 8..128 (default 16)\n"
    "  --no-hann            no Hann window on the FFT frames\n"
    "  --raw-points N       points per axis of the raw features (default 8)\n"
    "  --filter low|high    Butterworth filter before the spectral features\n"
    "  --filter-hz X        its cut-off frequency\n"
    "  --filter-order 2|4   its order (default 2)\n"
    "  --aug-copies N       augmented copies of each training recording (default 0)\n"
    "  --aug-scale X        random amplitude scaling +-X for the copies (e.g. 0.1)\n"
    "  --aug-rotate DEG     random rotation of the axis frame up to DEG degrees (3 axes)\n"
    "  --aug-shift-ms N     random time shift of the copies' windows up to N ms\n"
    "  --aug-noise X        gaussian noise on the normalized features while training\n"
    "  --aug-warp X         random time warp of the copies' windows or gestures: pace 1 +- X in\n"
    "                       4 pieces, first and last samples kept (0..0.5, e.g. 0.2)\n"
    "  --qat-epochs N       quantization-aware fine-tuning for N epochs after float training (0:\n"
    "                       never); by default it runs for 20 epochs when post-training int8 loses\n"
    "                       more than 1 point against float on the validation part (on the training\n"
    "                       windows without --val-frac), and the int8 model it gives is kept if it\n"
    "                       is no worse there\n"
    "  --min-confidence P   device decisions: below P (softmax of the two best classes, 0.5..0.99;\n"
    "                       0 = off) the decision is \"uncertain\" (default 0.6)\n"
    "  --smooth N           device decisions: majority over the last N inferences (1..16, default 3)\n"
    "  --min-interval-ms N  device decisions: at least N ms between two events (default 0)\n"
    "  --anomaly M          anomaly model beside the classifier: gauss (diagonal Gaussian mixture),\n"
    "                       kmeans or none (default: gauss when the firmware with it fits the budgets)\n"
    "  --anomaly-k N        its centroids (0: one per known class); by default chosen with the layer:\n"
    "                       8 on the network input when the firmware with it fits the budgets, else\n"
    "                       4 on the first hidden layer, ... (docs/model.md; anomaly-only: 4)\n"
    "  --anomaly-layer L    the vector it scores: 0 the network input, L the output of hidden layer L\n"
    "                       (default: chosen, above)\n"
    "  --anomaly-far P      false-alarm rate the threshold is set for, on held-out training windows\n"
    "                       (default 0.01)\n"
    "  --normal LABEL       anomaly-only mode (machine monitoring): train on LABEL's recordings only\n"
    "                       (features and the anomaly model on them, no classifier); every recording\n"
    "                       of another label is an anomaly of the evaluation. Also the mode when the\n"
    "                       training recordings have one label (imports without one: 'unlabeled')\n"
    "  --device-learn on|off|auto\n"
    "                       the classifier firmware learns normal operation on the device (imulab\n"
    "                       device learn N, the user button): auto (default) when it fits the budgets\n"
    "  --quiet              no per-epoch progress\n";

/* --features: a comma-separated list of groups (imu_features.h). */
static int parse_features(const char *s, struct tr_options *o)
{
    int fl = o->feat_flags & IMU_FEAT_HANN;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        if (!strcmp(t, "stats")) fl |= IMU_FEAT_STATS;
        else if (!strcmp(t, "spectral")) fl |= IMU_FEAT_SPECTRAL;
        else if (!strcmp(t, "raw")) fl |= IMU_FEAT_RAW;
        else if (!strcmp(t, "deriv")) fl |= IMU_FEAT_DERIV;
        else if (!strcmp(t, "substats")) fl |= IMU_FEAT_SUBSTATS;
        else return -1;
    }
    if (!(fl & (IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_RAW | IMU_FEAT_DERIV | IMU_FEAT_SUBSTATS))) return -1;
    o->feat_flags = fl;
    o->feat_auto = 0;
    return 0;
}

/* The range of the last parse_int/parse_float, for the message naming it. */
static double range_lo, range_hi;

static int parse_int(const char *s, int lo, int hi, int *v)
{
    range_lo = lo;
    range_hi = hi;
    char *end;
    long x = strtol(s, &end, 10);
    if (end == s || *end || x < lo || x > hi) return -1;
    *v = (int)x;
    return 0;
}

static int parse_float(const char *s, double lo, double hi, float *v)
{
    range_lo = lo;
    range_hi = hi;
    double x;
    if (cli_parse_double(s, &x) || x < lo || x > hi) return -1;
    *v = (float)x;
    return 0;
}

enum train_opt { O_WIN = 256, O_STRIDE, O_SEED, O_HID, O_EP, O_BATCH, O_LR, O_L2, O_VAL, O_PAT, O_NOCW, O_FEAT,
           O_FFT, O_NOHANN, O_RAW, O_FILT, O_FHZ, O_FORD, O_ACOP, O_ASC, O_AROT, O_ASH, O_ANO, O_AWARP, O_QAT, O_QUIET,
           O_AUTO, O_FOLDS, O_THREADS, O_BFLASH, O_BRAM, O_BINSN, O_QUICK, O_JSON,
           O_MODE, O_GPTS, O_GMAX, O_GMIN, O_GHOLD, O_GBUF, O_SON, O_SOFF, O_NSUB, O_MINC, O_SMOOTH, O_MINI, O_TRIM, O_CONV,
           O_ANOM, O_ANOM_K, O_ANOM_LAYER, O_ANOM_FAR, O_NORMAL, O_LEARN };

/* The search dimension an option fixes (0: a training option the search does not vary). */
static unsigned pin_of(int opt)
{
    switch (opt) {
    case O_WIN: return TR_PIN_WINDOW;
    case O_STRIDE: return TR_PIN_WINDOW;
    case O_HID: return TR_PIN_HIDDEN;
    case O_EP: return TR_PIN_EPOCHS;
    case O_L2: return TR_PIN_L2;
    case O_FEAT: return TR_PIN_FEATURES;
    case O_FFT: return TR_PIN_FFT;
    case O_RAW: return TR_PIN_RAW;
    case O_FILT: return TR_PIN_FILTER;
    case O_FHZ: return TR_PIN_FILTER;
    case O_FORD: return TR_PIN_FILTER;
    case O_ACOP: return TR_PIN_AUG;
    case O_ASC: return TR_PIN_AUG;
    case O_AROT: return TR_PIN_AUG;
    case O_ASH: return TR_PIN_AUG;
    case O_ANO: return TR_PIN_AUG;
    case O_AWARP: return TR_PIN_AUG;
    case O_MODE: return TR_PIN_MODE;
    case O_GPTS: return TR_PIN_POINTS;
    case O_NSUB: return TR_PIN_FEATURES;
    default: return 0;
    }
}

/* 1 when some training recording of ds has this label. */
static int has_training_label(const struct tr_dataset *ds, const char *label)
{
    for (int i = 0; i < ds->n; i++)
        if (ds->rec[i].category == TR_TRAINING && !strcmp(ds->rec[i].label, label)) return 1;
    return 0;
}

/* The number of labels the training recordings of ds have (counted up to 2). */
static int training_labels(const struct tr_dataset *ds)
{
    const char *first = NULL;
    for (int i = 0; i < ds->n; i++) {
        if (ds->rec[i].category != TR_TRAINING) continue;
        if (!first) first = ds->rec[i].label;
        else if (strcmp(first, ds->rec[i].label)) return 2;
    }
    return first ? 1 : 0;
}

/* The features the refit of a searched configuration holds at most (training windows and their
 * augmented copies, float32): 256 MB (IMULAB_REFIT_FEATURE_MB overrides it, for tests). */
#define REFIT_FEATURE_BYTES (256.0 * 1024 * 1024)

/* The bytes of the training windows' features for o: each recording's continuous windows (one
 * example per recording in gesture mode), times 1 + the augmented copies. */
static double refit_feature_bytes(const struct tr_dataset *ds, const struct tr_options *o, int n_feat)
{
    double windows = 0;
    for (int i = 0; i < ds->n; i++) {
        const struct tr_recording *r = &ds->rec[i];
        if (r->category != TR_TRAINING || !(r->rate_hz > 0)) continue;
        double ms = 1000.0 * r->n_samples / r->rate_hz;
        if (o->mode == TR_MODE_GESTURE) windows += 1;
        else if (o->window_ms > 0 && o->stride_ms > 0 && ms >= o->window_ms)
            windows += floor((ms - o->window_ms) / o->stride_ms) + 1;
    }
    return windows * (1.0 + o->aug_copies) * n_feat * (double)sizeof(float);
}

/* A searched configuration's augmented copies, fewer when the training windows' features would
 * take over REFIT_FEATURE_BYTES (a large dataset: it has the variety the copies add to a small
 * one); says so on out. The user's --aug-copies is kept (the caller does not call this). */
static void refit_copies(const struct tr_dataset *ds, struct tr_options *o, int n_feat, FILE *out)
{
    const int was = o->aug_copies;
    const char *env = getenv("IMULAB_REFIT_FEATURE_MB"); /* tests: a smaller limit */
    const double limit = env && atof(env) > 0 ? atof(env) * 1048576.0 : REFIT_FEATURE_BYTES;
    while (o->aug_copies > 0 && refit_feature_bytes(ds, o, n_feat) > limit) o->aug_copies--;
    if (o->aug_copies != was && out)
        fprintf(out, "augmented copies for the final fit: %d instead of %d (the training windows' features would "
                     "take %.3g MB, over %.3g MB)\n",
                o->aug_copies, was, refit_feature_bytes(ds, &(struct tr_options){.mode = o->mode, .window_ms = o->window_ms,
                                                                 .stride_ms = o->stride_ms, .aug_copies = was}, n_feat) / 1048576.0,
                limit / 1048576.0);
}

int cmd_train(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"board", required_argument, NULL, O_BOARD},
        {"out", required_argument, NULL, 'o'}, {"window-ms", required_argument, NULL, O_WIN},
        {"stride-ms", required_argument, NULL, O_STRIDE}, {"seed", required_argument, NULL, O_SEED},
        {"hidden", required_argument, NULL, O_HID}, {"epochs", required_argument, NULL, O_EP},
        {"batch", required_argument, NULL, O_BATCH}, {"lr", required_argument, NULL, O_LR},
        {"l2", required_argument, NULL, O_L2}, {"val-frac", required_argument, NULL, O_VAL},
        {"patience", required_argument, NULL, O_PAT}, {"no-class-weights", no_argument, NULL, O_NOCW},
        {"features", required_argument, NULL, O_FEAT}, {"fft-len", required_argument, NULL, O_FFT},
        {"no-hann", no_argument, NULL, O_NOHANN}, {"raw-points", required_argument, NULL, O_RAW},
        {"filter", required_argument, NULL, O_FILT}, {"filter-hz", required_argument, NULL, O_FHZ},
        {"filter-order", required_argument, NULL, O_FORD}, {"aug-copies", required_argument, NULL, O_ACOP},
        {"aug-scale", required_argument, NULL, O_ASC}, {"aug-rotate", required_argument, NULL, O_AROT},
        {"aug-shift-ms", required_argument, NULL, O_ASH}, {"aug-noise", required_argument, NULL, O_ANO},
        {"aug-warp", required_argument, NULL, O_AWARP},
        {"qat-epochs", required_argument, NULL, O_QAT}, {"conv", required_argument, NULL, O_CONV}, {"quiet", no_argument, NULL, O_QUIET},
        {"auto", no_argument, NULL, O_AUTO}, {"folds", required_argument, NULL, O_FOLDS},
        {"threads", required_argument, NULL, O_THREADS}, {"budget-flash", required_argument, NULL, O_BFLASH},
        {"budget-ram", required_argument, NULL, O_BRAM}, {"budget-instructions", required_argument, NULL, O_BINSN},
        {"search-quick", no_argument, NULL, O_QUICK}, {"json", no_argument, NULL, O_JSON},
        {"mode", required_argument, NULL, O_MODE}, {"gesture-points", required_argument, NULL, O_GPTS},
        {"gesture-max-ms", required_argument, NULL, O_GMAX}, {"gesture-min-ms", required_argument, NULL, O_GMIN},
        {"gesture-hold-ms", required_argument, NULL, O_GHOLD}, {"gesture-buf", required_argument, NULL, O_GBUF},
        {"seg-on", required_argument, NULL, O_SON}, {"seg-off", required_argument, NULL, O_SOFF},
        {"sub-segments", required_argument, NULL, O_NSUB}, {"gesture-trim", no_argument, NULL, O_TRIM}, {"min-confidence", required_argument, NULL, O_MINC},
        {"smooth", required_argument, NULL, O_SMOOTH}, {"min-interval-ms", required_argument, NULL, O_MINI},
        {"anomaly", required_argument, NULL, O_ANOM}, {"anomaly-k", required_argument, NULL, O_ANOM_K},
        {"anomaly-layer", required_argument, NULL, O_ANOM_LAYER}, {"anomaly-far", required_argument, NULL, O_ANOM_FAR},
        {"normal", required_argument, NULL, O_NORMAL}, {"device-learn", required_argument, NULL, O_LEARN},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct tr_options o;
    tr_options_default(&o);
    const char *out = NULL, *normal = NULL;
    int quiet = 0, c, v, force_auto = 0, model_opts = 0, json = 0, mode_set = 0, window_set = 0;
    struct tr_search_options so;
    tr_search_options_default(&so);
    const struct board_info *board = NULL;
    int bflash_set = 0, bram_set = 0;
    const char *qenv = getenv("IMULAB_SEARCH_QUICK");
    if (qenv && *qenv && strcmp(qenv, "0")) so.quick = 1;
    const char *cmd = "train";
#define BAD(what) return cli_usage(cmd, "bad " what " '%s'", optarg)
#define BAD_RANGE(what) return cli_usage(cmd, what " must be from %g to %g, not '%.40s'", range_lo, range_hi, optarg)
    cli_getopt_begin();
    while ((c = cli_getopt(cmd, argc, argv, "h", opts)) != -1) {
        switch (c) {
        case O_WIN: case O_STRIDE: case O_HID: case O_EP: case O_L2: case O_FEAT: case O_FFT: case O_RAW:
        case O_FILT: case O_FHZ: case O_FORD: case O_ACOP: case O_ASC: case O_AROT: case O_ASH: case O_ANO: case O_AWARP:
        case O_BATCH: case O_LR: case O_VAL: case O_PAT: case O_NOCW: case O_NOHANN: case O_QAT:
        case O_MODE: case O_GPTS: case O_GMAX: case O_GMIN: case O_GHOLD: case O_GBUF: case O_SON: case O_SOFF:
        case O_NSUB: case O_TRIM: case O_CONV:
            model_opts = 1;
            so.pins |= pin_of(c);
            break;
        default: break;
        }
        switch (c) {
        case 'h': fputs(train_help, stdout); return CLI_OK;
        case 'o': out = optarg; break;
        case O_BOARD:
            if (!(board = board_find(optarg)))
                return cli_usage(cmd, "unknown board '%.40s' (%s)", optarg, board_names());
            break;
        case O_AUTO: force_auto = 1; break;
        case O_FOLDS: if (parse_int(optarg, 2, 50, &so.folds)) BAD("--folds (2..50)"); break;
        case O_THREADS: if (parse_int(optarg, 1, 16, &so.threads)) BAD("--threads (1..16)"); break;
        case O_BFLASH: if (parse_int(optarg, 1, 1 << 30, &so.budget.flash)) BAD("--budget-flash"); bflash_set = 1; break;
        case O_BRAM: if (parse_int(optarg, 1, 1 << 30, &so.budget.ram)) BAD("--budget-ram"); bram_set = 1; break;
        case O_BINSN: if (parse_int(optarg, 1, 1 << 30, &so.budget.instructions)) BAD("--budget-instructions"); break;
        case O_QUICK: so.quick = 1; break;
        case O_JSON: json = 1; break;
        case O_WIN: if (parse_int(optarg, 10, 600000, &o.window_ms)) BAD_RANGE("--window-ms"); window_set = 1; break;
        case O_STRIDE: if (parse_int(optarg, 1, 600000, &o.stride_ms)) BAD_RANGE("--stride-ms"); window_set = 1; break;
        case O_MODE:
            if (!strcmp(optarg, "gesture")) o.mode = TR_MODE_GESTURE;
            else if (!strcmp(optarg, "continuous")) o.mode = TR_MODE_CONTINUOUS;
            else if (!strcmp(optarg, "auto")) o.mode = TR_MODE_AUTO;
            else BAD("--mode (gesture, continuous or auto)");
            mode_set = 1;
            break;
        case O_GPTS: if (parse_int(optarg, 8, IMU_RESAMPLE_MAX_POINTS, &o.gesture_points)) BAD_RANGE("--gesture-points"); break;
        case O_GMAX: if (parse_int(optarg, 50, 600000, &o.gesture_max_ms)) BAD_RANGE("--gesture-max-ms"); break;
        case O_GMIN: if (parse_int(optarg, 0, 600000, &o.gesture_min_ms)) BAD_RANGE("--gesture-min-ms"); break;
        case O_GHOLD: if (parse_int(optarg, 1, 600000, &o.gesture_hold_ms)) BAD_RANGE("--gesture-hold-ms"); break;
        case O_GBUF: if (parse_int(optarg, 16, 4096, &o.gesture_buf) || o.gesture_buf % 2) BAD("--gesture-buf (even, 16..4096)"); break;
        case O_TRIM: o.gesture_trim = 1; break;
        case O_SON: if (parse_float(optarg, 0, 100, &o.seg_on)) BAD_RANGE("--seg-on"); break;
        case O_SOFF: if (parse_float(optarg, 0, 100, &o.seg_off)) BAD_RANGE("--seg-off"); break;
        case O_NSUB: if (parse_int(optarg, 2, IMU_FEAT_MAX_SUB, &o.n_sub)) BAD_RANGE("--sub-segments"); o.feat_auto = 0; break;
        case O_SEED: if (parse_int(optarg, 0, 2147483647, &v)) BAD_RANGE("--seed"); o.seed = (unsigned)v; so.pins |= TR_PIN_SEED; break;
        case O_HID: if (tr_parse_hidden(optarg, &o)) BAD("--hidden (up to 3 sizes 1..512)"); break;
        case O_EP: if (parse_int(optarg, 1, 100000, &o.epochs)) BAD_RANGE("--epochs"); break;
        case O_BATCH: if (parse_int(optarg, 1, 65536, &o.batch)) BAD_RANGE("--batch"); break;
        case O_LR: if (parse_float(optarg, 1e-7, 10, &o.lr)) BAD_RANGE("--lr"); break;
        case O_L2: if (parse_float(optarg, 0, 10, &o.l2)) BAD_RANGE("--l2"); break;
        case O_VAL: if (parse_float(optarg, 0, 0.9, &o.val_frac)) BAD_RANGE("--val-frac"); break;
        case O_PAT: if (parse_int(optarg, 0, 100000, &o.patience)) BAD_RANGE("--patience"); break;
        case O_NOCW: o.class_weights = 0; break;
        case O_FEAT: if (parse_features(optarg, &o)) BAD("--features (stats,spectral,raw)"); break;
        case O_FFT: if (parse_int(optarg, 8, 128, &o.fft_len) || (o.fft_len & (o.fft_len - 1))) BAD("--fft-len (power of two 8..128)"); break;
        case O_NOHANN: o.feat_flags &= ~IMU_FEAT_HANN; break;
        case O_RAW: if (parse_int(optarg, 2, 256, &o.raw_points)) BAD_RANGE("--raw-points"); o.feat_auto = 0; break;
        case O_FILT:
            if (!strcmp(optarg, "low")) o.filter = 1;
            else if (!strcmp(optarg, "high")) o.filter = 2;
            else if (!strcmp(optarg, "none")) o.filter = 0;
            else BAD("--filter (low, high or none)");
            break;
        case O_FHZ: if (parse_float(optarg, 1e-6, 1e6, &o.filter_hz)) BAD_RANGE("--filter-hz"); break;
        case O_FORD: if (parse_int(optarg, 2, 4, &o.filter_order) || o.filter_order == 3) BAD("--filter-order (2 or 4)"); break;
        case O_ACOP: if (parse_int(optarg, 0, 20, &o.aug_copies)) BAD_RANGE("--aug-copies"); break;
        case O_MINC:
            if (parse_float(optarg, 0, 0.99, &o.min_confidence) || (o.min_confidence > 0 && o.min_confidence < 0.5f))
                BAD("--min-confidence (0, or 0.5..0.99)");
            break;
        case O_SMOOTH: if (parse_int(optarg, 1, 16, &o.smooth_n)) BAD_RANGE("--smooth"); break;
        case O_MINI: if (parse_int(optarg, 0, 600000, &o.min_interval_ms)) BAD_RANGE("--min-interval-ms"); break;
        case O_ANOM:
            if ((o.anomaly = tr_anomaly_method_parse(optarg)) < 0) BAD("--anomaly (gauss, kmeans or none)");
            break;
        case O_ANOM_K: if (parse_int(optarg, 0, 64, &o.anomaly_k)) BAD_RANGE("--anomaly-k"); break;
        case O_ANOM_LAYER: if (parse_int(optarg, 0, TR_MAX_HIDDEN, &o.anomaly_layer)) BAD_RANGE("--anomaly-layer"); break;
        case O_ANOM_FAR: if (parse_float(optarg, 0.0001, 0.5, &o.anomaly_far)) BAD_RANGE("--anomaly-far"); break;
        case O_NORMAL: normal = optarg; break;
        case O_LEARN:
            if (!strcmp(optarg, "on")) o.device_learn = 1;
            else if (!strcmp(optarg, "off")) o.device_learn = 0;
            else if (!strcmp(optarg, "auto")) o.device_learn = -1;
            else BAD("--device-learn (on, off or auto)");
            break;
        case O_ASC: if (parse_float(optarg, 0, 0.9, &o.aug_scale)) BAD_RANGE("--aug-scale"); break;
        case O_AROT: if (parse_float(optarg, 0, 90, &o.aug_rotate_deg)) BAD_RANGE("--aug-rotate"); break;
        case O_ASH: if (parse_int(optarg, 0, 100000, &o.aug_shift_ms)) BAD_RANGE("--aug-shift-ms"); break;
        case O_ANO: if (parse_float(optarg, 0, 10, &o.aug_noise)) BAD_RANGE("--aug-noise"); break;
        case O_AWARP: if (parse_float(optarg, 0, 0.5, &o.aug_warp)) BAD_RANGE("--aug-warp"); break;
        case O_QAT: if (parse_int(optarg, 0, 100000, &o.qat_epochs)) BAD_RANGE("--qat-epochs"); break;
        case O_CONV: {
            char why[160];
            if (tr_parse_conv(optarg, &o, why, sizeof why)) return cli_usage(cmd, "bad --conv %s", why);
            break;
        }
        case O_QUIET: quiet = 1; break;
        default: return CLI_USAGE;
        }
    }
#undef BAD
#undef BAD_RANGE
    if (board && !bflash_set) so.budget.flash = (int)board->flash_budget;
    if (board && !bram_set) so.budget.ram = (int)board->ram_budget;
    if (optind < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!out) return cli_usage(cmd, "--out MODEL_DIR is required");
    if (o.filter && !(o.filter_hz > 0)) return cli_usage(cmd, "--filter needs --filter-hz");
    if (o.stride_ms > o.window_ms) return cli_usage(cmd, "--stride-ms %d is longer than --window-ms %d", o.stride_ms, o.window_ms);
    if (window_set && !mode_set) o.mode = TR_MODE_CONTINUOUS;
    if (o.gesture_min_ms > o.gesture_max_ms) return cli_usage(cmd, "--gesture-min-ms %d is longer than --gesture-max-ms %d", o.gesture_min_ms, o.gesture_max_ms);
    if (o.seg_off > o.seg_on) return cli_usage(cmd, "--seg-off %g is above --seg-on %g", (double)o.seg_off, (double)o.seg_on);
    int search = force_auto || !model_opts;
    FILE *prog = json ? stderr : stdout;
    o.verbose = !quiet && !search;
    o.progress_out = prog;
    o.progress_bar = isatty(fileno(prog));
    so.verbose = !quiet;
    so.progress_out = prog;
    so.progress_bar = isatty(fileno(prog));
    struct db_data d;
    if (db_load(cli, &d)) return CLI_FAIL;
    /* anomaly-only mode (--normal LABEL, or one training label): the training recordings of the
     * other labels are not trained on; they are anomalies of the evaluation, as testing ones */
    struct tr_recording *normal_rec = NULL;
    if (normal) {
        if (!has_training_label(&d.ds, normal)) {
            db_free(&d);
            return cli_usage(cmd, "--normal %.64s: no training recordings of that label", normal);
        }
        struct tr_dataset nd;
        if (tr_dataset_normal(&d.ds, normal, &nd, &normal_rec) < 0) { db_free(&d); return cli_error("out of memory"); }
        d.ds = nd;
    }
    /* testing recordings of labels without training data are the anomalies of the evaluation */
    struct tr_dataset all = d.ds;
    struct tr_recording *known_rec = NULL;
    int n_unknown = tr_dataset_known(&all, &d.ds, &known_rec);
    if (n_unknown < 0) { free(normal_rec); db_free(&d); return cli_error("out of memory"); }
    const int anomaly_only = normal != NULL || training_labels(&d.ds) == 1;
    if (anomaly_only && (o.anomaly == TR_ANOM_NONE || force_auto)) {
        free(known_rec);
        free(normal_rec);
        db_free(&d);
        return cli_usage(cmd, "%s: the training recordings are of one label (%s), which is anomaly-only mode: an anomaly "
                         "model and no network to search", force_auto ? "--auto" : "--anomaly none",
                         normal ? normal : "see imulab stats");
    }
    if (anomaly_only && (o.n_conv > 0 || (so.pins & TR_PIN_HIDDEN))) {
        free(known_rec);
        free(normal_rec);
        db_free(&d);
        return cli_usage(cmd, "%s: anomaly-only mode (one training label) trains no network", o.n_conv > 0 ? "--conv" : "--hidden");
    }
    if (anomaly_only) search = 0;
    if (n_unknown < 0) { db_free(&d); return cli_error("out of memory"); }
    if (n_unknown == 0) { /* the copy is the same: one array of descriptions, not two (100 h: 40 MB) */
        free(known_rec);
        known_rec = NULL;
        d.ds = all;
    }
    struct tr_model m;
    char err[512] = "";
    double t0 = tr_now();
    struct tr_search sr;
    memset(&sr, 0, sizeof sr);
    if (search) {
        if (tr_check_dataset(&d.ds, 1, err, sizeof err)) {
            free(known_rec);
        free(normal_rec);
            db_free(&d);
            return cli_error("%s", err);
        }
        if (tr_search_run(&d.ds, &o, &so, &sr, err, sizeof err)) {
            tr_search_free(&sr);
            free(known_rec);
        free(normal_rec);
            db_free(&d);
            return cli_error("search: %s", err);
        }
        if (!json) tr_search_print(&sr, 10, stdout);
        struct tr_options w = sr.e[sr.best].o;
        if (!(so.pins & TR_PIN_AUG)) refit_copies(&d.ds, &w, sr.e[sr.best].n_feat, json ? NULL : stdout);
        /* the refit keeps the mode the search chose (stage 0 says how, below) */
        w.verbose = 0;
        w.progress_out = prog;
        w.progress_bar = 0;
        o = w;
    }
    if (anomaly_only ? tr_train_anomaly_only(&d.ds, &o, &m, err, sizeof err) : tr_train(&d.ds, &o, &m, err, sizeof err)) {
        tr_search_free(&sr);
        free(known_rec);
        free(normal_rec);
        db_free(&d);
        return cli_error("%s", err);
    }
    if (search) m.search_json = tr_search_json(&sr, 20);
    if (search && sr.mode_reason[0]) snprintf(m.mode_reason, sizeof m.mode_reason, "%s", sr.mode_reason);
    if (anom_train(&m, &d.ds, &o, &so.budget, json ? NULL : stdout, err, sizeof err)) {
        tr_model_free(&m);
        tr_search_free(&sr);
        free(known_rec);
        free(normal_rec);
        db_free(&d);
        return cli_error("%s", err);
    }
    anom_learn_decide(&m, &o, &so.budget, json ? NULL : stdout);
    struct anom_eval ae = {0};
    ae.auc = -1;
    if (m.anom.method != TR_ANOM_NONE) {
        struct tr_windows te;
        if (tr_make_windows(&m, &d.ds, TR_TESTING, &te, err, sizeof err) == 0) {
            if (anom_evaluate(&m, &all, &te, &ae, err, sizeof err)) ae.auc = -1;
            tr_windows_free(&te);
        }
    }
    snprintf(m.options_json, sizeof m.options_json,
             "{\"mode\":\"%s\",\"gesture_points\":%d,\"gesture_max_ms\":%d,\"gesture_min_ms\":%d,"
             "\"gesture_hold_ms\":%d,\"gesture_buf\":%d,\"gesture_trim\":%s,\"seg_on\":%g,\"seg_off\":%g,\"n_sub\":%d,\"feat_flags\":%d,"
             "\"window_ms\":%d,\"stride_ms\":%d,\"seed\":%u,\"epochs\":%d,\"batch\":%d,\"lr\":%g,\"l2\":%g,"
             "\"val_frac\":%g,\"patience\":%d,\"class_weights\":%s,\"fft_len\":%d,\"raw_points\":%d,"
             "\"filter\":%d,\"filter_hz\":%g,\"filter_order\":%d,\"aug_copies\":%d,\"aug_scale\":%g,"
             "\"aug_rotate_deg\":%g,\"aug_shift_ms\":%d,\"aug_noise\":%g,\"aug_warp\":%g,\"qat_epochs\":%d,\"hidden\":[%d,%d,%d],\"n_hidden\":%d,\"auto\":%s}",
             o.mode == TR_MODE_AUTO ? "auto" : o.mode == TR_MODE_GESTURE ? "gesture" : "continuous",
             o.gesture_points, o.gesture_max_ms, o.gesture_min_ms, o.gesture_hold_ms, o.gesture_buf,
             o.gesture_trim ? "true" : "false",
             (double)o.seg_on, (double)o.seg_off, o.n_sub, o.feat_flags,
             o.window_ms, o.stride_ms, o.seed, o.epochs, o.batch, (double)o.lr, (double)o.l2, (double)o.val_frac,
             o.patience, o.class_weights ? "true" : "false", o.fft_len, o.raw_points, o.filter, (double)o.filter_hz,
             o.filter_order, o.aug_copies, (double)o.aug_scale, (double)o.aug_rotate_deg, o.aug_shift_ms,
             (double)o.aug_noise, (double)o.aug_warp, o.qat_epochs, o.hidden[0], o.hidden[1], o.hidden[2], o.n_hidden,
             search ? "true" : "false");
    if (o.n_conv > 0) { /* the conv front end: "conv":[[channels,kernel,pool,stride],...] */
        char cs[160] = ",\"conv\":[";
        for (int i = 0; i < o.n_conv; i++)
            snprintf(cs + strlen(cs), sizeof cs - strlen(cs), "%s[%d,%d,%d,%d]", i ? "," : "", o.conv[i].ch,
                     o.conv[i].k, o.conv[i].pool, o.conv[i].stride);
        size_t ol = strlen(m.options_json);
        if (ol > 1 && ol + strlen(cs) + 3 < sizeof m.options_json)
            snprintf(m.options_json + ol - 1, sizeof m.options_json - ol + 1, "%s]}", cs);
    }
    double total = tr_now() - t0;
    if (tr_export(&m, out, err, sizeof err)) {
        tr_model_free(&m);
        tr_search_free(&sr);
        free(known_rec);
        free(normal_rec);
        anom_eval_free(&ae);
        db_free(&d);
        return cli_error("%s", err);
    }
    if (json) {
        printf("{\"model_hash\": \"%08x\", \"accuracy\": ", m.hash);
        cli_json_num(stdout, m.acc_float);
        printf(", \"accuracy_int8\": ");
        cli_json_num(stdout, m.acc_int8);
        printf(", \"device_learn\": %s", m.device_learn ? "true" : "false");
        if (anomaly_only) {
            printf(", \"anomaly_only\": true, \"normal_label\": ");
            cli_json_str(stdout, m.labels[0]);
        }
        if (m.anom.method != TR_ANOM_NONE) {
            printf(", \"anomaly\": \"%s\", \"anomaly_false_alarm_rate\": ", tr_anomaly_method_name(m.anom.method));
            cli_json_num(stdout, ae.false_alarm);
            if (ae.n_unknown > 0) {
                printf(", \"anomaly_auc\": ");
                cli_json_num(stdout, ae.auc);
                printf(", \"anomaly_detect_rate\": ");
                cli_json_num(stdout, ae.detect);
            }
        }
        printf(", \"auto\": %s, \"seconds\": %.3f, \"search\": %s}\n", search ? "true" : "false", total,
               m.search_json ? m.search_json : "null");
        anom_eval_free(&ae);
        tr_model_free(&m);
        tr_search_free(&sr);
        free(known_rec);
        free(normal_rec);
        db_free(&d);
        return cli_finish_output(CLI_OK);
    }
    if (search) {
        const struct tr_search_entry *b = &sr.e[sr.best];
        printf("chosen by %d-fold cross-validation (by %s): %s; cv accuracy %.4f float, %.4f int8; predicted "
               "device cost flash %d B, RAM %d B, %d instructions per window\n",
               sr.n_folds, sr.by_subject ? "subject" : "recording", b->desc, b->cv_float, b->cv_int8, b->cost.flash,
               b->cost.ram, b->cost.instructions);
    }
    int wb = 0;
    for (int k = 0; k < m.n_layers; k++) wb += (int)IMU_NN_PAD4((unsigned)m.q[k].n_in) * m.q[k].n_out;
    if (m.conv) /* the conv layers' weights too (model.h: IMU_MODEL_NN_BUF_LEN has their activations) */
        for (int i = 0; i < m.nn.conv->n_ops; i++)
            if (m.nn.conv->ops[i].kind == IMU_CONV_CONV)
                wb += (int)IMU_NN_PAD4((unsigned)m.nn.conv->ops[i].fc.n_in) * m.nn.conv->ops[i].fc.n_out;
    if (anomaly_only)
        printf("anomaly-only mode: trained on the recordings of '%s' (normal operation) only; a window scoring above "
               "the anomaly threshold is \"unknown\"; the recordings of other labels are the anomalies of the "
               "evaluation\n", m.labels[0]);
    else {
        printf("labels: ");
        for (int l = 0; l < m.n_labels; l++) printf("%s%s", l ? ", " : "", m.labels[l]);
        printf("\n");
    }
    printf("mode: %s\n", m.mode_reason);
    if (m.mode == TR_MODE_GESTURE)
        printf("gestures: %d training, %d testing (each resampled to %d points, %.4g Hz); %d features\n", m.n_train,
               m.n_test, m.window_len, m.rate_hz, m.n_feat);
    else
        printf("windows: %d training, %d testing (%d samples, stride %d, %.4g Hz); %d features\n", m.n_train,
               m.n_test, m.window_len, m.stride_len, m.rate_hz, m.n_feat);
    printf("network: ");
    if (m.conv && o.n_conv > 0) { /* the conv front end, then the dense layers after global average pooling */
        printf("conv %d points x %d axes", m.window_len, m.n_axes);
        for (int i = 0; i < o.n_conv; i++) {
            printf(" -> %d k%d", o.conv[i].ch, o.conv[i].k);
            if (o.conv[i].stride > 1) printf(" s%d", o.conv[i].stride);
            if (o.conv[i].pool > 1) printf(" pool %d", o.conv[i].pool);
        }
        printf(" -> global average ");
    }
    printf("%d", m.sizes[0]);
    for (int k = 1; k <= m.n_layers; k++) printf(" -> %d", m.sizes[k]);
    printf(", %d int8 weight bytes; trained in %.3f s (%d epochs), total %.3f s\n", wb, m.train_seconds,
           m.n_epochs, total);
    if (board) { /* the cost model counts Cortex-M4 instructions; one cycle each is assumed here */
        struct tr_cost bc;
        tr_cost_predict(&m, m.n_layers - 1, m.sizes + 1, &bc);
        printf("on the %s: predicted flash %d B (budget %d), RAM %d B (budget %d); latency %d instructions "
               "per window = about %d cycles at %.0f MHz = %.3f ms (one cycle per instruction assumed)\n",
               board->name, bc.flash, so.budget.flash, bc.ram, so.budget.ram, bc.instructions, bc.instructions,
               board->clock_hz / 1e6, bc.instructions / board->clock_hz * 1e3);
    }
    if (m.qat_epochs > 0)
        printf("quantization-aware fine-tuning (%s): %d epochs in %.3f s; on the %d %s windows int8 %.4f "
               "after it, %.4f post-training, float %.4f: int8 model from %s\n",
               m.qat_auto ? "automatic: post-training int8 lost more than 1 point" : "--qat-epochs",
               m.qat_epochs, m.qat_seconds, m.cmp_windows, m.qat_probe ? "held-out (probe fit)" : m.cmp_is_val ? "validation" : "training",
               m.cmp_int8_qat, m.cmp_int8_ptq, m.cmp_float,
               m.qat_kept ? "the fine-tuning" : "post-training quantization (fine-tuning did not help)");
    if (!anomaly_only) /* one class: every window is it */
        printf("test accuracy: float %.4f, int8 %.4f; int8 per %s %.4f (%d)\n", m.acc_float, m.acc_int8,
           m.mode == TR_MODE_GESTURE ? "gesture" : "recording (vote over its windows)", m.acc_rec, m.n_rec_units);
    {
        char warns[8][TR_WARN_LEN];
        int nw = tr_warnings(&m, &d.ds, NULL, warns, 8);
        for (int k = 0; k < nw && k < 8; k++) printf("warning: %s\n", warns[k]);
    }
    if (m.acc_float - m.acc_int8 > 0.01)
        printf("note: int8 loses %.1f points against float\n", 100 * (m.acc_float - m.acc_int8));
    if (n_unknown > 0 && m.anom.method == TR_ANOM_NONE)
        printf("%d testing recordings of labels without training data: not evaluated (no anomaly model)\n", n_unknown);
    if (m.anom.method != TR_ANOM_NONE) {
        if (ae.n_unknown > 0)
            printf("anomaly: ROC AUC %.4f on %d windows of unknown labels against %d of known ones; at the threshold "
                   "%.1f%% detected, %.1f%% false alarms\n", ae.auc, ae.n_unknown, ae.n_known, 100 * ae.detect,
                   100 * ae.false_alarm);
        else
            printf("anomaly: %.1f%% false alarms on the %d testing windows (no testing recordings of unknown labels)\n",
                   100 * ae.false_alarm, ae.n_known);
    }
    anom_eval_free(&ae);
    printf("model %08x written to %s\n", m.hash, out);
    tr_model_free(&m);
    tr_search_free(&sr);
    free(known_rec);
    free(normal_rec);
    db_free(&d);
    return cli_finish_output(CLI_OK);
}

static const char eval_help[] =
    "usage: imulab eval --model MODEL_DIR [--json] [--plot FILE.svg] [--dump-windows FILE]\n"
    "Evaluate a trained model (float and int8) on the testing recordings: accuracy, per-class\n"
    "precision, recall and F1, and the confusion matrix (rows: true label, columns: predicted).\n"
    "Also the int8 accuracy per recording (continuous mode: the vote of its windows) or per gesture\n"
    "(gesture mode), the most confused pairs, and warnings about set-ups that flatter the figures.\n"
    "  --json          {\"accuracy\", \"accuracy_int8\", \"labels\", \"confusion\", \"windows\", \"mode\",\n"
    "                  \"accuracy_recordings\", \"recordings\", \"confused\", \"warnings\", ...}\n"
    "  --plot FILE     write the training curves and the confusion matrix as SVG\n"
    "  --dump-windows FILE\n"
    "                  write every testing recording's samples (int16 as the model sees them, and\n"
    "                  the stored values) and every window's start and int8 scores, as text\n"
    "                  (docs/deploy.md: the exported library is checked against it)\n";

static void print_report(const struct tr_model *m, const int *conf, const char *title, double acc)
{
    int n = m->n_labels, w = 9;
    for (int l = 0; l < n; l++) if ((int)strlen(m->labels[l]) + 1 > w) w = (int)strlen(m->labels[l]) + 1;
    printf("%s: accuracy %.4f\n", title, acc);
    printf("  %-*s %9s %9s %9s %8s\n", w, "label", "precision", "recall", "f1", "windows");
    for (int l = 0; l < n; l++) {
        int tp = conf[l * n + l], row = 0, col = 0;
        for (int k = 0; k < n; k++) { row += conf[l * n + k]; col += conf[k * n + l]; }
        double p = col ? (double)tp / col : 0, r = row ? (double)tp / row : 0, f = p + r > 0 ? 2 * p * r / (p + r) : 0;
        printf("  %-*s %9.4f %9.4f %9.4f %8d\n", w, m->labels[l], p, r, f, row);
    }
    printf("  confusion (rows true, columns predicted):\n  %-*s", w, "");
    for (int k = 0; k < n; k++) printf(" %8.8s", m->labels[k]);
    printf("\n");
    for (int l = 0; l < n; l++) {
        printf("  %-*s", w, m->labels[l]);
        for (int k = 0; k < n; k++) printf(" %8d", conf[l * n + k]);
        printf("\n");
    }
}

static void json_conf(const int *conf, int n)
{
    printf("[");
    for (int l = 0; l < n; l++) {
        printf("%s[", l ? "," : "");
        for (int k = 0; k < n; k++) printf("%s%d", k ? "," : "", conf[l * n + k]);
        printf("]");
    }
    printf("]");
}

/* --dump-windows: the testing recordings and the examples exactly as evaluated (tr_make_windows:
 * windows, or gestures in gesture mode, with their features), with the int8 scores tr_evaluate saw:
 *   imulab-eval-windows 2 HASH MODE N_AXES WINDOW_LEN STRIDE_LEN N_CLASSES N_FEATURES N_WINDOWS N_RECORDINGS
 *   recording INDEX LABEL_INDEX N_SAMPLES      then one line per sample: N_AXES int16, N_AXES floats
 *   window RECORDING START LEN LABEL_INDEX SCORE... FEATURE... (the examples of each recording follow
 *   it; MODE is continuous or gesture; features as %.9g, which reads back to the same float) */
static int dump_windows(const struct tr_model *m, const struct db_data *d, const struct tr_windows *te, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return cli_error("cannot write %s: %m", path);
    int nrec = 0, w = 0, na = m->n_axes, rc = 0;
    for (int i = 0; i < d->n; i++) nrec += d->rec[i].category == TR_TESTING;
    fprintf(f, "imulab-eval-windows 2 %08x %s %d %d %d %d %d %d %d\n", m->hash,
            m->mode == TR_MODE_GESTURE ? "gesture" : "continuous", na, m->window_len, m->stride_len, m->n_labels,
            m->n_feat, te->n, nrec);
    int8_t y[TR_MAX_LABELS];
    struct tr_samples smp = {0};
    char err[512];
    for (int i = 0; i < d->n && !rc; i++) {
        const struct tr_recording *r = &d->rec[i];
        if (r->category != TR_TESTING) continue;
        int n = r->n_samples, li = -1;
        for (int l = 0; l < m->n_labels; l++) if (!strcmp(m->labels[l], r->label)) li = l;
        const float *values = tr_recording_values(&d->ds, i, &smp, err, sizeof err);
        if (!values) { rc = cli_error("%s", err); break; }
        int16_t *q = malloc(sizeof(int16_t) * (size_t)(n > 0 ? n : 1) * (size_t)na);
        if (!q) { rc = cli_error("out of memory"); break; }
        tr_quantize_samples(values, n, na, m->in_scale, q);
        fprintf(f, "recording %d %d %d\n", i, li, n);
        for (int t = 0; t < n; t++) {
            for (int a = 0; a < na; a++) fprintf(f, "%s%d", a ? " " : "", q[(size_t)t * na + a]);
            for (int a = 0; a < na; a++) fprintf(f, " %.9g", (double)values[(size_t)t * na + a]);
            fputc('\n', f);
        }
        for (; w < te->n && te->rec[w] == i; w++) {
            tr_predict_int8(m, te->x + (size_t)w * m->n_feat, y);
            fprintf(f, "window %d %d %d %d", i, te->start[w], te->len[w], te->y[w]);
            for (int c = 0; c < m->n_labels; c++) fprintf(f, " %d", y[c]);
            for (int k = 0; k < m->n_feat; k++) fprintf(f, " %.9g", (double)te->x[(size_t)w * m->n_feat + k]);
            fputc('\n', f);
        }
        free(q);
    }
    tr_samples_free(&smp);
    if (!rc && w != te->n) rc = cli_error("internal: %d windows dumped of %d", w, te->n);
    if (fclose(f) && !rc) rc = cli_error("cannot write %s: %m", path);
    return rc;
}

int cmd_eval(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"plot", required_argument, NULL, 'p'},
                                         {"dump-windows", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = NULL, *plot = NULL, *dump = NULL;
    int json = 0, c;
    cli_getopt_begin();
    while ((c = cli_getopt("eval", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': fputs(eval_help, stdout); return CLI_OK;
        case 'm': dir = optarg; break;
        case 'j': json = 1; break;
        case 'p': plot = optarg; break;
        case 'd': dump = optarg; break;
        default: return CLI_USAGE;
        }
    }
    if (optind < argc) return cli_usage("eval", "unexpected argument '%s'", argv[optind]);
    if (!dir) return cli_usage("eval", "--model MODEL_DIR is required");
    struct tr_model m;
    char err[512] = "";
    if (tr_load(&m, dir, err, sizeof err)) return cli_error("%s", err);
    struct db_data d;
    if (db_load(cli, &d)) { tr_model_free(&m); return CLI_FAIL; }
    int rc = CLI_FAIL;
    /* an anomaly-only model (one label): the training recordings of other labels are anomalies too */
    struct tr_recording *normal_rec = NULL;
    if (m.n_labels == 1) {
        struct tr_dataset nd;
        if (tr_dataset_normal(&d.ds, m.labels[0], &nd, &normal_rec) < 0) { tr_model_free(&m); db_free(&d); return cli_error("out of memory"); }
        d.ds = nd;
    }
    struct tr_windows te = {0};
    struct anom_eval ae = {0};
    struct tr_dataset all = d.ds;
    struct tr_recording *known_rec = NULL;
    int n_test = 0;
    for (int i = 0; i < d.n; i++) {
        const struct tr_recording *r = &d.ds.rec[i];
        if (r->category != TR_TESTING) continue;
        n_test++;
        if (r->n_axes != m.n_axes) { cli_error("recording of '%s' has %d axes, the model was trained for %d", r->label, r->n_axes, m.n_axes); goto out; }
        for (int a = 0; a < m.n_axes; a++)
            if (strcmp(r->axes[a], m.axes[a])) { cli_error("recording of '%s' has axis '%s' where the model has '%s'", r->label, r->axes[a], m.axes[a]); goto out; }
        if (fabs(r->rate_hz - m.rate_hz) > 0.01 * m.rate_hz) { cli_error("recording of '%s' is at %.4g Hz, the model was trained at %.4g Hz", r->label, r->rate_hz, m.rate_hz); goto out; }
        /* NaN or infinite values: tr_make_windows names the recording as it reads it */
    }
    if (n_test == 0) { cli_error("no testing recordings in %s (run imulab split)", cli->db_path); goto out; }
    int n_unknown_rec = 0;
    for (int i = 0; i < all.n; i++) n_unknown_rec += all.rec[i].category == TR_TESTING && tr_label_index(&m, all.rec[i].label) < 0;
    /* testing recordings whose label the model does not know: anomalies (not in the accuracies),
     * set aside in a copy of the descriptions (only when there are some: 100 h, 40 MB) */
    if (n_unknown_rec) {
        if (tr_dataset_known(&all, &d.ds, &known_rec) < 0) { cli_error("out of memory"); goto out; }
        for (int i = 0; i < all.n; i++) {
            const struct tr_recording *r = &all.rec[i];
            known_rec[i].category = r->category == TR_TESTING && tr_label_index(&m, r->label) < 0 ? TR_UNASSIGNED : r->category;
        }
    }
    if (tr_make_windows(&m, &d.ds, TR_TESTING, &te, err, sizeof err)) { cli_error("%s", err); goto out; }
    if (m.anom.method != TR_ANOM_NONE && anom_evaluate(&m, &all, &te, &ae, err, sizeof err)) { cli_error("%s", err); goto out; }
    int n = m.n_labels;
    int *cf = calloc((size_t)n * n, sizeof(int)), *c8 = calloc((size_t)n * n, sizeof(int));
    double acc = tr_evaluate(&m, &te, 0, cf), acc8 = tr_evaluate(&m, &te, 1, c8);
    int *crec = calloc((size_t)n * n, sizeof(int)), n_units = 0;
    double acc_rec = tr_evaluate_recordings(&m, &te, crec, &n_units);
    m.n_test_skipped = tr_recordings_without_examples(&d.ds, &te, TR_TESTING);
    int pt[5], pp[5], pc[5], np = tr_confused_pairs(c8, n, pt, pp, pc, 5);
    char warns[8][TR_WARN_LEN];
    int nw = tr_warnings(&m, &d.ds, NULL, warns, 8);
    if (nw > 8) nw = 8;
    const char *mode = m.mode == TR_MODE_GESTURE ? "gesture" : "continuous";
    if (json) {
        printf("{\"accuracy\": ");
        cli_json_num(stdout, acc);
        printf(", \"accuracy_int8\": ");
        cli_json_num(stdout, acc8);
        printf(", \"labels\": [");
        for (int l = 0; l < n; l++) { if (l) printf(", "); cli_json_str(stdout, m.labels[l]); }
        printf("], \"confusion\": ");
        json_conf(cf, n);
        printf(", \"confusion_int8\": ");
        json_conf(c8, n);
        printf(", \"windows\": %d, \"features\": %d, \"model_hash\": \"%08x\"", te.n, m.n_feat, m.hash);
        printf(", \"mode\": \"%s\", \"accuracy_recordings\": ", mode);
        cli_json_num(stdout, acc_rec);
        printf(", \"recordings\": %d, \"confusion_recordings\": ", n_units);
        json_conf(crec, n);
        printf(", \"confused\": [");
        for (int k = 0; k < np; k++) {
            printf("%s{\"true\": ", k ? ", " : "");
            cli_json_str(stdout, m.labels[pt[k]]);
            printf(", \"predicted\": ");
            cli_json_str(stdout, m.labels[pp[k]]);
            printf(", \"count\": %d}", pc[k]);
        }
        printf("], \"warnings\": [");
        for (int k = 0; k < nw; k++) { if (k) printf(", "); cli_json_str(stdout, warns[k]); }
        printf("]");
        printf(", \"unknown_recordings\": %d", n_unknown_rec);
        if (m.n_labels == 1) printf(", \"anomaly_only\": true");
        if (m.anom.method != TR_ANOM_NONE) {
            printf(", \"anomaly\": \"%s\", \"anomaly_threshold\": %u, \"anomaly_windows\": %d, \"anomaly_false_alarm_rate\": ",
                   tr_anomaly_method_name(m.anom.method), m.anom.threshold, ae.n_unknown);
            cli_json_num(stdout, ae.false_alarm);
            printf(", \"anomaly_auc\": ");
            if (ae.n_unknown) cli_json_num(stdout, ae.auc); else printf("null");
            printf(", \"anomaly_detect_rate\": ");
            if (ae.n_unknown) cli_json_num(stdout, ae.detect); else printf("null");
        }
        printf("}\n");
    } else {
        printf("model %08x (%s mode): %d testing %s, %d features\n", m.hash, mode, te.n,
               m.mode == TR_MODE_GESTURE ? "gestures" : "windows", m.n_feat);
        print_report(&m, cf, "float", acc);
        print_report(&m, c8, "int8", acc8);
        printf("int8 per %s: accuracy %.4f (%d)\n", m.mode == TR_MODE_GESTURE ? "gesture" : "recording (vote over its windows)",
               acc_rec, n_units);
        if (np) {
            printf("most confused (int8, true -> predicted):");
            for (int k = 0; k < np; k++) printf("%s %s -> %s (%d)", k ? "," : "", m.labels[pt[k]], m.labels[pp[k]], pc[k]);
            printf("\n");
        }
        for (int k = 0; k < nw; k++) printf("warning: %s\n", warns[k]);
        if (m.anom.method != TR_ANOM_NONE) {
            if (ae.n_unknown)
                printf("anomaly (%s, threshold %u): ROC AUC %.4f on %d windows of %d recordings of unknown labels "
                       "against %d known; at the threshold %.1f%% detected, %.1f%% false alarms\n",
                       tr_anomaly_method_name(m.anom.method), m.anom.threshold, ae.auc, ae.n_unknown, n_unknown_rec,
                       ae.n_known, 100 * ae.detect, 100 * ae.false_alarm);
            else
                printf("anomaly (%s, threshold %u): %.1f%% false alarms on the known labels (no testing recordings of "
                       "unknown labels)\n", tr_anomaly_method_name(m.anom.method), m.anom.threshold, 100 * ae.false_alarm);
        } else if (n_unknown_rec)
            printf("%d testing recordings of labels the model does not know: left out (the model has no anomaly model)\n",
                   n_unknown_rec);
    }
    rc = CLI_OK;
    if (plot && tr_plot_svg(&m, c8, plot)) rc = cli_error("cannot write %s", plot);
    if (plot && m.anom.method != TR_ANOM_NONE) {
        char ap[4096];
        size_t pl = strlen(plot);
        snprintf(ap, sizeof ap, "%.*s.anomaly.svg", (int)(pl > 4 && !strcmp(plot + pl - 4, ".svg") ? pl - 4 : pl), plot);
        if (anom_plot_svg(&m, &ae, ap)) rc = cli_error("cannot write %s", ap);
        else if (!json) printf("anomaly score histogram: %s\n", ap);
    }
    if (dump && dump_windows(&m, &d, &te, dump)) rc = CLI_FAIL;
    free(cf);
    free(c8);
    free(crec);
out:
    anom_eval_free(&ae);
    free(known_rec);
    free(normal_rec);
    tr_windows_free(&te);
    tr_model_free(&m);
    db_free(&d);
    return cli_finish_output(rc);
}

static const char segments_help[] =
    "usage: imulab segments ID [--model MODEL_DIR] [--json] [--width N]\n"
    "Show where gesture mode's motion segmenter (portable/segment.c, the code the classifier\n"
    "firmware runs on its live stream) cuts recording ID: onset and end of each gesture, and the\n"
    "segments it drops (shorter than the minimum) or cuts (longer than the maximum).\n"
    "  --model DIR   use the segmenter of this gesture-mode model (default: the one imulab train\n"
    "                --mode gesture would set up from the training recordings of the database)\n"
    "  --json        {\"id\", \"samples\", \"sample_rate_hz\", \"segments\": [{\"start\", \"length\",\n"
    "                \"start_s\", \"seconds\", \"kept\"}, ...]} (start/length in samples)\n"
    "  --width N     columns of the text strip (default 80; 0: none)\n";

/* The gesture-mode model whose segmenter `segments` and `plot --segments` use: dir's, or (NULL)
 * the one `train --mode gesture` would set up from the database's training recordings. */
static int segmenter_model(const struct cli *cli, const char *dir, struct tr_model *m)
{
    char err[512] = "";
    if (dir) {
        if (tr_load(m, dir, err, sizeof err)) return cli_error("%s", err), -1;
        if (m->mode != TR_MODE_GESTURE) {
            tr_model_free(m);
            return cli_error("%s is a continuous-mode model: it has no segmenter", dir), -1;
        }
        return 0;
    }
    struct db_data d;
    if (db_load(cli, &d)) return -1;
    struct tr_options o;
    tr_options_default(&o);
    o.mode = TR_MODE_GESTURE;
    int rc = tr_setup_model_ex(&d.ds, &o, m, 0, err, sizeof err);
    db_free(&d);
    if (rc) return cli_error("cannot set up the segmenter from the training recordings: %s", err), -1;
    return 0;
}

/* Run the model's segmenter over n samples v (physical units, m->n_axes interleaved, quantized
 * with the model's input scale as training does): up to max segments (kept: a gesture; else
 * dropped as too short). Returns the count, -1 out of memory. */
static int segments_of(const struct tr_model *m, const float *v, int64_t n, uint32_t *ss, uint32_t *sl, int *kept, int max)
{
    int16_t *q = malloc(sizeof(int16_t) * (size_t)(n > 0 ? n : 1) * (size_t)m->n_axes);
    if (!q) return -1;
    tr_quantize_samples(v, (int)n, m->n_axes, m->in_scale, q);
    struct imu_seg_state st;
    imu_seg_init(&st, &m->seg, m->in_scale);
    int ns = 0;
    for (int64_t t = 0; t < n; t++) {
        uint32_t a, l;
        int ev = imu_seg_push(&st, q + (size_t)t * m->n_axes, &a, &l);
        if ((ev == IMU_SEG_END || ev == IMU_SEG_DROPPED) && ns < max) {
            ss[ns] = a; sl[ns] = l; kept[ns] = ev == IMU_SEG_END; ns++;
        }
    }
    uint32_t a, l;
    int ev = imu_seg_finish(&st, &a, &l); /* one running when the recording stops */
    if ((ev == IMU_SEG_END || ev == IMU_SEG_DROPPED) && ns < max) {
        ss[ns] = a; sl[ns] = l; kept[ns] = ev == IMU_SEG_END; ns++;
    }
    free(q);
    return ns;
}

int cli_plot_segments(const struct cli *cli, const char *model_dir, int n_axes, const float *v, int64_t n,
                      uint32_t *starts, uint32_t *lens, int *kept, int max)
{
    struct tr_model m;
    if (segmenter_model(cli, model_dir, &m)) return -1;
    int ns = -1;
    if (m.n_axes != n_axes) cli_error("the recording has %d axes, the segmenter %d", n_axes, m.n_axes);
    else if ((ns = segments_of(&m, v, n, starts, lens, kept, max)) < 0) cli_error("out of memory");
    tr_model_free(&m);
    return ns;
}

/* `imulab segments ID`: the segmenter's cuts of one recording. */
int cmd_segments(const struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'}, {"json", no_argument, NULL, 'j'},
                                         {"width", required_argument, NULL, 'w'}, {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int json = 0, width = 80, c;
    cli_getopt_begin();
    while ((c = cli_getopt("segments", argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': fputs(segments_help, stdout); return CLI_OK;
        case 'm': dir = optarg; break;
        case 'j': json = 1; break;
        case 'w': if (parse_int(optarg, 0, 1000, &width)) return cli_usage("segments", "bad --width '%s' (0..1000)", optarg); break;
        default: return CLI_USAGE;
        }
    }
    if (argc - optind != 1) return cli_usage("segments", "want exactly one recording ID");
    long long id;
    if (cli_parse_id(argv[optind], &id)) return cli_usage("segments", "bad recording ID '%s'", argv[optind]);
    struct tr_model m;
    if (segmenter_model(cli, dir, &m)) return CLI_FAIL;
    int missing = 0, rc = CLI_FAIL;
    struct store *s = cli_open_store_ro(cli, &missing);
    struct store_recording r;
    float *v = NULL;
    int64_t n = 0;
    if (!s) { if (missing) cli_error("the database %s has no recordings", cli->db_path); goto out; }
    if (store_recording_get(s, id, &r)) { cli_error("no recording %lld in %s", id, cli->db_path); goto out; }
    if (r.n_axes != m.n_axes) { cli_error("recording %lld has %d axes, the segmenter %d", id, r.n_axes, m.n_axes); goto out; }
    if (store_recording_samples(s, id, &v, &n)) { cli_error("%s", store_errmsg(s)); goto out; }
    enum { MAXSEG = 4096 };
    static uint32_t ss[MAXSEG], sl[MAXSEG];
    static int kept[MAXSEG];
    int ns = segments_of(&m, v, n, ss, sl, kept, MAXSEG);
    if (ns < 0) { cli_error("out of memory"); goto out; }
    const double rate = r.sample_rate_hz > 0 ? r.sample_rate_hz : m.rate_hz;
    if (json) {
        printf("{\"id\": %lld, \"samples\": %lld, \"sample_rate_hz\": ", id, (long long)n);
        cli_json_num(stdout, rate);
        printf(", \"segments\": [");
        for (int k = 0; k < ns; k++) {
            printf("%s{\"start\": %u, \"length\": %u, \"start_s\": ", k ? ", " : "", ss[k], sl[k]);
            cli_json_num(stdout, ss[k] / rate);
            printf(", \"seconds\": ");
            cli_json_num(stdout, sl[k] / rate);
            printf(", \"kept\": %s}", kept[k] ? "true" : "false");
        }
        printf("]}\n");
    } else {
        int nk = 0;
        for (int k = 0; k < ns; k++) nk += kept[k];
        printf("recording %lld (%s): %lld samples, %.2f s at %.4g Hz; %d gesture%s", id, r.label, (long long)n, n / rate,
               rate, nk, nk == 1 ? "" : "s");
        if (ns > nk) printf(", %d dropped (shorter than %u samples)", ns - nk, m.seg.min_len);
        printf("\n");
        if (n <= m.seg.max_len && dir)
            printf("note: the recording is no longer than a gesture (%u samples): train and eval use it whole\n", m.seg.max_len);
        for (int k = 0; k < ns; k++)
            printf("  %3d  %8.3f s - %8.3f s  (%5u samples, %6.0f ms)%s%s\n", k + 1, ss[k] / rate, (ss[k] + sl[k]) / rate,
                   sl[k], 1000.0 * sl[k] / rate, kept[k] ? "" : "  dropped: too short",
                   kept[k] && sl[k] >= m.seg.max_len ? "  cut at the maximum length" : "");
        if (width > 0 && n > 0) {
            /* one column per n/width samples: '#' a kept gesture, 'x' a dropped one, '.' idle */
            printf("  |");
            for (int col = 0; col < width; col++) {
                int64_t t = (int64_t)((double)col * n / width);
                char ch = '.';
                for (int k = 0; k < ns; k++)
                    if (t >= ss[k] && t < (int64_t)ss[k] + sl[k]) ch = kept[k] ? '#' : 'x';
                putchar(ch);
            }
            printf("|\n");
        }
    }
    rc = CLI_OK;
out:
    free(v);
    if (s) store_close(s);
    tr_model_free(&m);
    return cli_finish_output(rc);
}
