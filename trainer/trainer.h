/* SPDX-License-Identifier: MIT */
/* trainer.h -- the imulab host trainer: windows, features, a small dense network, int8
 * quantization, export and evaluation. Host-only (allocates); the per-window feature extraction
 * and the int8 inference are the portable code in portable/imu_features.c and portable/nn.c, the very
 * code the classifier firmware runs.
 *
 * Input path, identical on host and device: a window is int16 samples plus a per-axis scale
 * (physical = raw * scale). Float recordings (imported Edge Impulse data, in g) are quantized to
 * int16 with the model's input scale (tr_quantize_samples) before the features are computed.
 */
#ifndef IMULAB_TRAINER_H
#define IMULAB_TRAINER_H

#include <stdint.h>
#include <stdio.h>

#include "../portable/imu_features.h"
#include "../portable/anomaly.h"
#include "../portable/nn.h"
#include "../portable/segment.h"

#define TR_MAX_AXES IMU_FEAT_MAX_AXES
#define TR_MAX_HIDDEN 3
#define TR_MAX_LABELS 32
#define TR_QAT_AUTO_EPOCHS 20
#define TR_QAT_PROBE_FRAC 0.25f
#define TR_MAX_CONV 3

/* One conv layer of a conv front end (conv.c): ch output channels, kernel k, stride, "same"
 * padding, ReLU, then a max pool of size and stride pool (0 or 1: none). */
struct tr_conv_spec { int ch, k, pool, stride; };
struct tr_conv; /* conv.c */

enum tr_category { TR_TRAINING = 0, TR_TESTING = 1, TR_UNASSIGNED = 2 };

/* How examples are cut from recordings (docs/model.md, "Modes"):
 * - continuous: sliding windows of window_ms every stride_ms, one classification per window;
 * - gesture: one example per gesture. A recording no longer than gesture_max_ms is one gesture
 *   (used whole); a longer one is cut by the motion segmenter (portable/segment.c). Each gesture
 *   goes through the gesture buffer and is resampled to gesture_points samples per axis, and
 *   that fixed-length window goes to imu_features(). The device does the same on its live
 *   stream and sends one classification per detected gesture.
 * TR_MODE_AUTO picks gesture when the median training recording lasts at most gesture_max_ms. */
enum tr_mode { TR_MODE_AUTO = -1, TR_MODE_CONTINUOUS = 0, TR_MODE_GESTURE = 1 };

/* Samples on demand (train and eval at scale: memory bounded by one recording and the features,
 * not by the data). A recording whose values are NULL and that has a loader is read when the
 * trainer needs it, one at a time, from the one thread that calls the trainer (tr_recording_values):
 * load(load_ctx, load_id, ...) gets in *buf the previous buffer (NULL, or one it returned before,
 * which it may reuse or free) and leaves there a malloc'd array of the recording's
 * n_samples * n_axes values, the count it read in *n_samples, and returns 0, or -1 with a
 * one-line message in err. The recording's n_samples must already hold the count (the trainer
 * checks the two agree). */
typedef int (*tr_load_fn)(void *ctx, int64_t id, float **buf, int *n_samples, char *err, size_t errlen);

/* One recording, values in physical units, interleaved (values[t * n_axes + a]). */
struct tr_recording {
    const char *label;
    const char *subject;          /* who recorded it; NULL or "" when unknown */
    int category;                 /* enum tr_category */
    double rate_hz;
    int n_axes;
    const char *axes[TR_MAX_AXES];
    int n_samples;
    const float *values;
    /* for int16 recordings: the per-axis scale they were stored with (physical = raw * scale);
     * 0 for float recordings. When all training recordings share it, the model uses it as its
     * input scale, so the host sees exactly the raw values the device sees. */
    double native_scale[TR_MAX_AXES];
    /* NULL values: read through load (see tr_load_fn) */
    tr_load_fn load;
    void *load_ctx;
    int64_t load_id;
};

struct tr_dataset {
    int n;
    const struct tr_recording *rec;
};

/* A buffer for the samples of one recording (tr_recording_values). */
struct tr_samples {
    float *buf;
};
/* The values of recording i: in memory, or read through ds->load into s (valid until the next
 * call with s). They are checked finite and of the recording's length; NULL with a message in err
 * otherwise (or when loading fails). */
const float *tr_recording_values(const struct tr_dataset *ds, int i, struct tr_samples *s, char *err, size_t errlen);
void tr_samples_free(struct tr_samples *s);

/* Windows of one category with their feature vectors. */
struct tr_windows {
    int n, n_feat;
    float *x;        /* n * n_feat */
    int *y;          /* label index */
    int *rec;        /* index of the recording in the dataset */
    int *start, *len; /* the example's samples in its recording (len: window or gesture length) */
};

struct tr_options {
    /* mode (enum tr_mode, default TR_MODE_AUTO) and its parameters */
    int mode;
    int window_ms, stride_ms;   /* continuous: 1000, 500 */
    int gesture_points;         /* gesture: samples per axis after resampling, 64 (8..1024) */
    int gesture_max_ms;         /* gesture: longest gesture, 6000; longer recordings are segmented */
    int gesture_min_ms;         /* gesture: shorter segments are dropped, 250 */
    int gesture_hold_ms;        /* gesture: quiet time that ends a gesture, 200 */
    int gesture_buf;            /* gesture: samples the device buffers per gesture before
                                 * decimating by 2, 128 (even, 16..4096) */
    int gesture_trim;           /* gesture: 0 (default) a one-gesture recording is used whole; 1 cuts
                                 * it to the span the segmenter sees moving (first onset to last
                                 * end), closer to what the device cuts live, but it loses
                                 * gestures the segmenter misses (0.70 against 0.99 on
                                 * tests/trainer/gesture_gen data) */
    float seg_on, seg_off;      /* segmenter onset / offset above the idle level, as fractions of
                                 * the spread of the motion level in the training data (0.1, 0.04) */
    unsigned seed;              /* 1 */
    int n_hidden, hidden[TR_MAX_HIDDEN]; /* 2: 20,10 */
    int epochs;                 /* 40 (the maximum with early stopping) */
    int batch;                  /* 16 */
    float lr;                   /* Adam step, 0.005 */
    float l2;                   /* 3e-3 */
    int patience;               /* early stopping, epochs without improvement (default 5); 0 = off */
    float val_frac;             /* part of the training recordings held out for validation */
    int class_weights;          /* 1 = weight the loss by inverse label frequency */
    float aug_noise;            /* std of gaussian noise added to features (normalized units) */
    float aug_scale;            /* amplitude scaling +-, applied to raw windows (0 = off) */
    int aug_shift_ms;           /* time shift +- of extra windows (0 = off); gesture mode: each
                                 * end of an augmented gesture trimmed by up to this */
    float aug_rotate_deg;       /* small random rotations of the axis frame (0 = off) */
    int aug_copies;             /* augmented copies of each training window */
    int qat_epochs;             /* quantization-aware fine-tuning after float training: -1 (default)
                                 * automatic: TR_QAT_AUTO_EPOCHS epochs when post-training int8
                                 * loses more than 1 point against float on data the model was
                                 * not fitted on -- the validation part (val_frac), or without one
                                 * the held-out part of a probe fit (tr_train: the same options
                                 * with val_frac TR_QAT_PROBE_FRAC; the fine-tuning must also help
                                 * the probe there); 0 never; N > 0 always N */
    /* a 1-D convolutional front end (n_conv 0: none, the default): conv layers on the resampled
     * window (the raw group, every point), global average pooling, then the hidden layers */
    int n_conv;
    struct tr_conv_spec conv[TR_MAX_CONV];
    /* features */
    int feat_flags;             /* IMU_FEAT_*; stats, spectral, raw, hann by default */
    int feat_auto;              /* 1 (default): the mode chooses the groups: gesture mode uses
                                 * stats + substats (n_sub) + raw (8 points) (set 0 to use the
                                 * fields as they are; the CLI clears it for --features,
                                 * --raw-points, --sub-segments) */
    int fft_len;                /* 16 */
    int raw_points;             /* 8 (continuous and gesture with feat_auto) */
    int n_sub;                  /* sub-segments of IMU_FEAT_SUBSTATS, 4 */
    int filter;                 /* 0 none, 1 low-pass, 2 high-pass */
    float filter_hz;
    int filter_order;           /* 2 or 4 */
    /* decision logic on the device (portable/live.h), stored in the model */
    float min_confidence;       /* 0.6: below it (softmax of the two best scores) -> uncertain; 0 off */
    int smooth_n;               /* 3: majority over the last N inferences, 1..16 (gesture mode: 1) */
    int min_interval_ms;        /* 0: between two decision events at least */
    /* anomaly model beside the classifier (trainer/anomaly.c): method -1 (default) the
     * diagonal Gaussian when it fits the budgets, else none; TR_ANOM_* forces it */
    int anomaly;
    int anomaly_k;              /* centroids; 0 one per class; -1 (default) chosen with the layer
                                 * (tr_anomaly_choose; anomaly-only models: 4) */
    int anomaly_layer;          /* -1 (default): chosen (tr_anomaly_choose; the input without a
                                 * hidden layer) */
    float anomaly_far;          /* false-alarm rate the threshold is set for, 0.01 */
    /* output */
    int verbose;                /* progress per epoch to progress_out */
    FILE *progress_out;
    int progress_bar;           /* draw a bar (on a TTY) */
    /* augmentation, continued */
    float aug_warp;             /* time warp of the augmented copies' windows or gestures: pace
                                 * 1 +- aug_warp in 4 pieces (tr_aug_time_warp; 0 = off) */
    /* anomaly-only mode (machine monitoring, trainer/anomaly_only.c): 1 lets the training
     * recordings have one label (the normal one); tr_train_anomaly_only sets it */
    int anomaly_only;
    /* on-device learning (CMD_LEARN, the user button) in the classifier firmware: -1 (default) when
     * the firmware with it fits the budgets, 0 off, 1 on (trainer/cost.c tr_cost_add_learn) */
    int device_learn;
};

void tr_options_default(struct tr_options *o);
/* Parse "20,10" (or "" / "0" for none). Returns 0 or -1. */
int tr_parse_hidden(const char *s, struct tr_options *o);
/* Parse a conv front end "C:K[:P[:S]],..." (channels, kernel, max-pool size, stride; "" or "0"
 * for none) into o->n_conv / o->conv. Returns 0, or -1 with the reason in why. */
int tr_parse_conv(const char *s, struct tr_options *o, char *why, size_t len);

struct tr_qlayer {
    int n_in, n_out;
    int8_t *w;          /* n_out * n_in, row-major, symmetric per channel */
    int8_t *w_blocked;  /* kernel layout, see nn.h */
    float *w_scale;     /* n_out */
    int32_t *bias;      /* unfolded, scale in_scale * w_scale[j] */
    int32_t *bias_folded;
    int32_t *mult;
    int8_t *shift;
};

/* The anomaly model stored beside the classifier (trainer/anomaly.c, portable/anomaly.h):
 * centroids (and for the diagonal Gaussian, weights) in the network's int8 input space. */
enum tr_anomaly_method { TR_ANOM_NONE = 0, TR_ANOM_KMEANS = 1, TR_ANOM_GAUSS = 2 };
struct tr_anomaly_model {
    int method;                 /* enum tr_anomaly_method; TR_ANOM_NONE: no anomaly model */
    int layer;                  /* 0: the int8 network input; L: the output of dense layer L-1 */
    int n_dim, k;               /* dimensions of that vector, centroids */
    int8_t *centroids;          /* k * n_dim */
    uint8_t *weights;           /* k * n_dim (TR_ANOM_GAUSS) or NULL */
    uint32_t *bias;             /* k (TR_ANOM_GAUSS) or NULL */
    uint32_t threshold;         /* score > threshold: anomaly */
    float far;                  /* the false-alarm rate the threshold was set for */
    int cv_windows;             /* held-out training windows the threshold came from */
    double cv_far;              /* their share above the threshold */
    struct imu_anomaly view;    /* what portable/anomaly.c scores with */
};

struct tr_model {
    /* data description */
    int n_labels;
    char *labels[TR_MAX_LABELS];
    int n_axes;
    char *axes[TR_MAX_AXES];
    double rate_hz;
    int mode;                     /* TR_MODE_CONTINUOUS or TR_MODE_GESTURE (never AUTO) */
    char mode_reason[160];        /* why (printed by imulab train, stored in model.json) */
    int window_ms, stride_ms, window_len, stride_len; /* gesture mode: window_len = gesture_points,
                                                       * window_ms = stride_ms = stride_len = 0 */
    /* gesture mode: the device's gesture buffer (samples) and the segmenter; recordings longer
     * than seg.max_len samples are segmented, shorter ones are one gesture each */
    int gesture_buf;
    int gesture_trim;             /* one-gesture recordings cut to the segmenter's span (tr_examples) */
    struct imu_seg_config seg;
    float in_scale[TR_MAX_AXES];  /* physical units per int16 LSB */
    struct imu_feat_config feat;
    int n_feat;
    float *feat_mean, *feat_std;
    /* float network: layer k maps sizes[k] -> sizes[k+1], W[k] is [out][in] row-major */
    int n_layers;
    int sizes[TR_MAX_HIDDEN + 2];
    float *W[TR_MAX_HIDDEN + 1], *B[TR_MAX_HIDDEN + 1];
    /* int8 network */
    float act_scale[TR_MAX_HIDDEN + 2];
    int act_zp[TR_MAX_HIDDEN + 2];
    float *in_mul, *in_add;
    struct tr_qlayer q[TR_MAX_HIDDEN + 1];
    struct imu_nn_layer nnl[TR_MAX_HIDDEN + 1];
    struct imu_nn_model nn;
    /* quantization-aware fine-tuning (tr_quantize_auto); cmp_*: accuracies on the windows the
     * decision was taken on (the validation part, or all training windows without one) */
    int qat_epochs;             /* epochs run, 0 = none */
    int qat_auto;               /* 1: started automatically (post-training int8 lost > 1 point) */
    int qat_kept;               /* 1: the int8 model is the fine-tuned one */
    int qat_best_epoch;         /* chosen on the validation part (0: the starting point) */
    int qat_probe;              /* 1: decided on the held-out part of a probe fit (cmp_* are its) */
    double qat_seconds;
    int cmp_windows, cmp_is_val;
    double cmp_float, cmp_int8_ptq, cmp_int8_qat;
    /* metrics and history */
    unsigned seed;
    int n_train, n_test;
    double acc_float, acc_int8, val_acc_float;
    int train_examples[TR_MAX_LABELS]; /* training recordings (continuous) or gestures per label */
    double acc_rec;               /* int8, one vote per testing recording (per gesture in gesture mode) */
    int n_test_skipped;           /* testing recordings that gave no example (gesture mode: no gesture
                                   * found); tr_warnings names them; not in the accuracies */
    int n_rec_units;
    double train_seconds;
    int n_epochs, best_epoch;
    float *curve_loss, *curve_train_acc, *curve_val_acc;
    /* decision logic (tr_decision_setup): min_margin in int8 output units, min_interval in samples */
    float dec_min_confidence;
    int dec_min_margin, dec_smooth_n, dec_min_interval_ms, dec_min_interval;
    uint32_t hash;
    char options_json[1024];
    char *search_json;          /* the automatic configuration (tr_search_json), or NULL */
    struct tr_conv *conv;       /* the conv front end (conv.c), or NULL; the dense layers' input
                                 * (sizes[0]) is then its output channels */
    struct tr_anomaly_model anom; /* method TR_ANOM_NONE when the model has none */
    int device_learn;             /* 1: the classifier firmware learns an anomaly model on the device
                                   * (CMD_LEARN, the button; model.h IMU_MODEL_LEARN; not in the hash:
                                   * the scores do not change) */
};

/* The device's decision parameters from the options and the int8 output scale: a confidence P
 * between the two best classes is a logit margin of ln(P / (1 - P)), in output LSBs rounded up. */
void tr_decision_setup(struct tr_model *m, float min_confidence, int smooth_n, int min_interval_ms);

/* Window length in samples for a duration at a rate. */
int tr_ms_to_samples(int ms, double rate_hz);

/* Quantize float samples to int16: q = round_half_away(v / scale[axis]) saturated. */
void tr_quantize_samples(const float *v, int n_samples, int n_axes, const float *scale, int16_t *out);

/* Check the dataset for training: same axes and rate, labels, windows, finite values.
 * On a problem writes a one-line message to err and returns -1. labels receives the sorted label
 * names of the training recordings. */
int tr_check_dataset(const struct tr_dataset *ds, int need_testing, char *err, size_t errlen);

/* Index of label among the model's labels, or -1. */
int tr_label_index(const struct tr_model *m, const char *label);
/* The window starts of a recording of n_samples, window wl and stride sl samples, as training and
 * evaluation cut them (one window at 0 for a recording shorter than a window): writes up to max
 * of them to starts and returns how many there are. */
int tr_window_starts(int n_samples, int wl, int sl, int *starts, int max);
/* The int16 window of wl samples at start (zero-padded past the end of the recording). */
void tr_extract_window(const int16_t *q, int n_samples, int n_axes, int start, int wl, int16_t *win);

/* Median length in ms of the recordings of a category (0 if none). */
double tr_median_ms(const struct tr_dataset *ds, int category);

/* The examples of one recording whose int16 samples (quantized with the model's input scale) are
 * q: continuous mode, the window starts (len = window_len); gesture mode, a recording of at most
 * seg.max_len samples is one gesture (with gesture_trim: from the segmenter's first onset to its
 * last end, or whole when it sees no motion), a longer one gives the segments imu_seg_find() cuts. Writes up to max
 * starts/lens (either may be NULL when max is 0) and returns the count, -1 out of memory. */
int tr_examples(const struct tr_model *m, const int16_t *q, int n_samples, int *starts, int *lens, int max);

/* The window_len x n_axes int16 window imu_features() gets for the example [start, start+len):
 * continuous, the window (zero-padded past the end); gesture, the samples pushed through the
 * gesture buffer (gstore: gesture_buf * n_axes int16) and resampled to window_len points, as
 * the classifier firmware does. */
void tr_example_window(const struct tr_model *m, const int16_t *q, int n_samples, int start, int len,
                       int16_t *win, int16_t *gstore);

/* Cut windows of a category and compute their features with the model's configuration
 * (labels and feature config must be set). Labels not in the model give an error. */
int tr_make_windows(const struct tr_model *m, const struct tr_dataset *ds, int category,
                    struct tr_windows *w, char *err, size_t errlen);
void tr_windows_free(struct tr_windows *w);

/* Train: fills m completely (feature config, float net, int8 net, metrics on testing).
 * Returns 0, or -1 with a one-line message in err. */
/* Time warp of one window or resampled gesture (n samples of na interleaved int16 axes) into out
 * (n samples, not overlapping in): a random monotone piecewise-linear re-timing, pace 1 +- amount
 * (0 <= amount < 1) in 4 pieces, the first and last samples kept (trainer/augment.c). */
void tr_aug_time_warp(const int16_t *in, int n, int na, float amount, uint64_t *rng, int16_t *out);

int tr_train(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m,
             char *err, size_t errlen);

/* Lower-level pieces (the benchmark uses them to time training alone). */
int tr_setup_model(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m,
                   char *err, size_t errlen);
/* The same without requiring testing recordings for every label (need_testing 0): e.g. the
 * segmenter of `imulab segments` from the training data alone. */
int tr_setup_model_ex(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m, int need_testing,
                      char *err, size_t errlen);
int tr_fit(struct tr_model *m, const struct tr_options *o, const struct tr_windows *train);
int tr_quantize(struct tr_model *m, const struct tr_windows *calib);
/* int8 from given float weights (model layout) and activation ranges lo/hi[0..n_layers]. */
int tr_quantize_with(struct tr_model *m, float *const *W, float *const *B, const double *lo, const double *hi);
/* Post-training quantization, then quantization-aware fine-tuning as o->qat_epochs says
 * (progress and the decision on o->progress_out when verbose). The float weights stay those of
 * tr_fit; with QAT the int8 network comes from the fine-tuned copy. */
int tr_quantize_auto(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw);
int tr_build_nn(struct tr_model *m); /* the imu_nn_model view of the int8 arrays: 0, -1 out of memory */
uint32_t tr_model_hash(const struct tr_model *m);

/* Monotonic clock in seconds. */
double tr_now(void);

/* Inference on one feature vector. */
int tr_predict_float(const struct tr_model *m, const float *f, float *probs /* or NULL */);
int tr_predict_int8(const struct tr_model *m, const float *f, int8_t *out /* or NULL */);

/* Accuracy and confusion (n_labels x n_labels, row = true) over windows. */
double tr_evaluate(const struct tr_model *m, const struct tr_windows *w, int int8, int *confusion);

/* Recording-level accuracy of the int8 model: continuous mode, one vote per recording (the class
 * most of its windows get, ties to the larger sum of int8 scores, then the lower index); gesture
 * mode, one per gesture (each example is one). conf (n_labels^2, rows true) may be NULL;
 * *n_units receives the number of votes. */
double tr_evaluate_recordings(const struct tr_model *m, const struct tr_windows *w, int *conf, int *n_units);

/* Warnings about a model and its data that make accuracy figures misleading (docs/model.md):
 * windows longer than most recordings, an FFT longer than the window, fewer than
 * TR_MIN_EXAMPLES training examples of a class, one subject only (or none recorded), testing
 * recordings that gave no example (m->n_test_skipped). Writes up to
 * max lines of at most TR_WARN_LEN bytes; returns how many there are. tw: the training windows
 * (NULL: m->train_examples after tr_train, else the training recordings of ds). */
#define TR_MIN_EXAMPLES 10
#define TR_WARN_LEN 240
int tr_warnings(const struct tr_model *m, const struct tr_dataset *ds, const struct tr_windows *tw,
                char (*out)[TR_WARN_LEN], int max);

/* Recordings of a category with no example in w (gesture mode: the segmenter found no gesture). */
int tr_recordings_without_examples(const struct tr_dataset *ds, const struct tr_windows *w, int category);

/* The most confused pairs of a confusion matrix: up to max (true, predicted) pairs with the
 * largest off-diagonal counts, largest first; returns how many (count > 0). */
int tr_confused_pairs(const int *conf, int n_labels, int *truth, int *pred, int *count, int max);

/* Export model.c, model.h, model.json into dir (created if needed). */
int tr_export(const struct tr_model *m, const char *dir, char *err, size_t errlen);
/* Load model.json from dir: every field checked (tr_model_check) and the hash verified; an
 * error names the file and the field. */
int tr_load(struct tr_model *m, const char *dir, char *err, size_t errlen);
/* Every value of m within its range; else a message naming the model.json field, -1. */
int tr_model_check(const struct tr_model *m, char *why, size_t len);
void tr_model_free(struct tr_model *m);

/* ---- device cost (cost.c) ---- */

struct tr_budget {
    int flash;          /* bytes of flash of the classifier firmware (text + data), 16384 */
    int ram;            /* bytes of RAM (data + bss, stack included), 8192 */
    int instructions;   /* per window or gesture (features + network), 50000 */
};
struct tr_cost {
    int flash, ram, instructions;   /* predicted for the classifier firmware, see cost.c */
    int instr_features, instr_network;
    int weights;                    /* int8 weight bytes (rows padded to 4 inputs) */
};
void tr_budget_default(struct tr_budget *b);
/* Predicted cost of a model whose feature configuration, n_feat and labels are set (after
 * tr_setup_model), with these hidden layers. */
void tr_cost_predict(const struct tr_model *m, int n_hidden, const int *hidden, struct tr_cost *c);
double tr_cost_feature_instructions(const struct imu_feat_config *f);
/* Add the anomaly model the options ask for (o->anomaly not TR_ANOM_NONE; -1 counts as the
 * default method) to a prediction: its code, centroids (and weights), the score in the result
 * frames, and the instructions of the score (cost.c). */
void tr_cost_add_anomaly(const struct tr_model *m, int n_hidden, const int *hidden, const struct tr_options *o,
                         struct tr_cost *c);
/* On-device learning in the classifier firmware (o->device_learn 1 makes tr_cost_add_anomaly add
 * it too): its code, 10 bytes of RAM per value of the vector it learns on (the first hidden
 * layer's, or the network's input without one), the learned score per live window. with_anomaly:
 * the model has an anomaly model (shared code). */
void tr_cost_add_learn(const struct tr_model *m, int n_hidden, const int *hidden, int with_anomaly, struct tr_cost *c);
/* The same for the anomaly model a trained model has, and its on-device learning (none: nothing added). */
void tr_cost_add_model_anomaly(const struct tr_model *m, struct tr_cost *c);
/* The layer the anomaly score uses for these options and hidden layers. */
int tr_anomaly_layer_for(const struct tr_options *o, int n_hidden);
/* 1 when the cost is within the budget with the model's safety margins (cost.c). */
int tr_cost_fits(const struct tr_cost *c, const struct tr_budget *b);

/* ---- automatic configuration (search.c) ---- */

/* Options the user fixed: the search keeps them as given. */
enum tr_pin {
    TR_PIN_WINDOW = 1 << 0, TR_PIN_FEATURES = 1 << 1, TR_PIN_FFT = 1 << 2, TR_PIN_RAW = 1 << 3,
    TR_PIN_HIDDEN = 1 << 4, TR_PIN_EPOCHS = 1 << 5, TR_PIN_L2 = 1 << 6, TR_PIN_AUG = 1 << 7,
    TR_PIN_SEED = 1 << 8, TR_PIN_FILTER = 1 << 9, TR_PIN_MODE = 1 << 10, TR_PIN_POINTS = 1 << 11,
};

struct tr_search_options {
    int folds;                  /* k of the k-fold cross-validation, 5 (fewer with fewer groups) */
    int threads;                /* worker threads, 0 = the online CPUs (at most 8) */
    int quick;                  /* a smaller grid (tests) */
    int n_seeds;                /* seeds tried for the winner, 4 (quick: 2) */
    unsigned pins;              /* enum tr_pin */
    struct tr_budget budget;
    int verbose;                /* progress to progress_out */
    FILE *progress_out;
    int progress_bar;           /* a bar redrawn in place (TTY) rather than one line per stage */
    double max_hours;           /* score on at most this many hours of training recordings (a sample
                                   per label when there are more; the final fit takes all): 5, 0 = all */
};
void tr_search_options_default(struct tr_search_options *so);

struct tr_search_entry {
    struct tr_options o;        /* the full configuration */
    struct tr_cost cost;
    int n_feat;
    int stage;                  /* 1.. (see search.c) */
    double cv_float, cv_int8;   /* pooled accuracy over the held-out folds' windows */
    double cv_recordings;       /* int8, one vote per held-out recording */
    double fold_sd;             /* standard deviation of the per-fold float accuracies */
    double score;               /* what ranks: (cv_float + cv_int8) / 2 */
    char desc[200];
};

struct tr_search {
    int n, cap;
    struct tr_search_entry *e; /* every candidate evaluated, in order of evaluation */
    int best;                   /* index of the winner */
    int n_folds, n_groups, by_subject, n_fits, n_over_budget;
    int threads;
    double seconds;
    char mode_reason[160];      /* how stage 0 chose the mode (empty when it was given) */
    int n_train, n_sampled;     /* training recordings, and those the search scored on (max_hours) */
};

/* Fold of each recording of ds (fold[i], -1 for recordings not in training): k folds grouped by
 * subject when the training recordings name subjects (recordings without one are their own
 * group), else by recording, stratified by label; deterministic for seed. Returns the number of
 * folds used (<= k) and the number of groups in *n_groups, or -1 (fewer than 2 groups). */
int tr_search_folds(const struct tr_dataset *ds, int k, unsigned seed, int *fold, int *n_groups, int *by_subject);

/* Search the configuration by cross-validation on the training recordings: candidates that do
 * not fit so->budget are never trained. base holds the starting options (and the pinned ones);
 * the winner's options are res->e[res->best].o. Deterministic for base->seed. Running out of
 * memory ends the search with an error (a candidate is never dropped for it without a word). */
int tr_search_run(const struct tr_dataset *ds, const struct tr_options *base, const struct tr_search_options *so,
                  struct tr_search *res, char *err, size_t errlen);
void tr_search_free(struct tr_search *res);
/* The search as JSON (folds, grouping, time, the leaderboard's top `top` entries, the winner). */
char *tr_search_json(const struct tr_search *res, int top);
/* Print the leaderboard (top entries, best first). */
void tr_search_print(const struct tr_search *res, int top, FILE *f);

/* ---- anomaly detection (anomaly.c) ---- */

/* Fit an anomaly model on n int8 vectors of d values (no network: anomaly-only use, benchmarks);
 * the threshold is left 0 (the caller sets it). 0, or -1. */
int tr_anomaly_fit_vectors(struct tr_anomaly_model *a, const int8_t *X, int n, int d, int method, int k, unsigned seed);
/* The int8 vector of a feature vector at a layer of the network (0: its quantized input, L: the
 * output of dense layer L-1): what the anomaly score works on. Returns its length. */
int tr_anomaly_input(const struct tr_model *m, int layer, const float *f, int8_t *q);
/* Fit m->anom on the training windows tw (recordings of ds): method with k centroids (k-means
 * in the int8 space of the network layer `layer`; TR_ANOM_GAUSS adds per-centroid diagonal weights
 * and offsets, fitted by hard-assignment EM), the threshold the
 * (1 - far) quantile of the scores of held-out windows (folds folds by recording). 0 or -1. */
int tr_anomaly_fit(struct tr_model *m, const struct tr_windows *tw, const struct tr_dataset *ds, int method, int layer,
                   int k, float far, int folds, unsigned seed, char *err, size_t errlen);
/* The anomaly score of a feature vector (m->anom must be fitted). */
uint32_t tr_anomaly_score(const struct tr_model *m, const float *f);
/* Area under the ROC curve of scores of anomalies (pos) against normal windows (neg); ties 1/2. */
double tr_auc(const uint32_t *neg, int n_neg, const uint32_t *pos, int n_pos);
/* The view of m->anom for portable/anomaly.c. */
void tr_anomaly_build(struct tr_anomaly_model *a);
void tr_anomaly_free(struct tr_anomaly_model *a);
/* A copy of ds in which the testing recordings whose label no training recording has are
 * moved out of testing (category TR_UNASSIGNED), so tr_train and tr_make_windows see only known
 * labels; *copy (free it) holds the recordings. Returns how many were moved, -1 out of memory. */
int tr_dataset_known(const struct tr_dataset *ds, struct tr_dataset *known, struct tr_recording **copy);
/* The windows (y = -1) of the recordings of a category whose label is not one of m's: the
 * anomalies of an evaluation. w->n 0 when there are none. 0 or -1 with a message. */
int tr_unknown_windows(const struct tr_model *m, const struct tr_dataset *ds, int category, struct tr_windows *w,
                       char *err, size_t errlen);
/* The default anomaly model's space and centroids (anomaly_select.c): the candidates (the input or
 * the first hidden layer x 8, 4 or one centroid per class, in the order of their measured
 * left-out-class AUC; o->anomaly_layer / o->anomaly_k >= 0 pin them), each with its predicted
 * firmware cost and whether that fits b, in ch[0..*n_ch-1]. Returns the index of the choice: the
 * first that fits, else the cheapest, -1 without candidates. */
struct tr_anomaly_choice {
    int layer, k;          /* k 0: one centroid per class */
    struct tr_cost cost;   /* the classifier firmware with it */
    int fits;
};
int tr_anomaly_choose(const struct tr_model *m, const struct tr_options *o, const struct tr_budget *b,
                      struct tr_anomaly_choice *ch, int max_ch, int *n_ch);

/* ---- anomaly-only mode (anomaly_only.c) ---- */

/* The model of anomaly-only mode from the recordings of one training label (the normal operation):
 * features, standardization and a trivial network (features -> one output, zero weights), quantized
 * and evaluated like any model; no anomaly model yet (fit it with tr_anomaly_fit on layer 0).
 * 0, or -1 with a message (on failure m holds nothing). */
int tr_train_anomaly_only(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m, char *err,
                          size_t errlen);
/* A copy of ds in which the training recordings of labels other than `label` are testing ones:
 * anomalies for the evaluation of an anomaly-only model (its training sees only `label`); *copy
 * (free it) holds the recordings. Returns how many were moved, -1 out of memory. */
int tr_dataset_normal(const struct tr_dataset *ds, const char *label, struct tr_dataset *out, struct tr_recording **copy);

/* Method name ("kmeans", "gauss", "none") and back (-1 unknown). */
const char *tr_anomaly_method_name(int method);
int tr_anomaly_method_parse(const char *s);

/* SVG with the training curves and a confusion matrix. */
int tr_plot_svg(const struct tr_model *m, const int *confusion, const char *path);

#endif
