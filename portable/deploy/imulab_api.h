/* SPDX-License-Identifier: MIT */
/* ---- The application interface ------------------------------------------------------------
 *
 * Everything an application calls. State lives in one caller-owned struct imulab_state (a static
 * or a task's variable: at most IMULAB_STATE_BYTES bytes, stated below); nothing is allocated and
 * nothing is global except the constant model. One state serves one stream of samples; calls on one
 * state must not run concurrently (push from one task; a sensor interrupt should only queue samples).
 *
 *   static struct imulab_state st;
 *   imulab_init(&st);                         // samples at the model's rate (imulab_init_rate: others)
 *   for each sample (IMULAB_N_AXES values, in the order of imulab_axes[]):
 *       if (imulab_push(&st, raw))            // int16 in the model's scales (imulab_input_scale)
 *           ... imulab_latest(&st, &r): r.decision, r.event, r.class_index, r.scores[] ...
 *   or  imulab_push_float(&st, values)        // physical units (those of the training data)
 *   or, for samples you buffered yourself:
 *       imulab_classify(&st, samples, n, &r); // a window (or in gesture mode a whole gesture)
 *
 * The same path as the imulab classifier firmware (portable/live.c, portable/segment.c):
 *   - continuous models (IMULAB_GESTURE_MODE 0): an inference when the first IMULAB_WINDOW_LEN
 *     samples are in and then every IMULAB_STRIDE_LEN samples, on the last IMULAB_WINDOW_LEN: the
 *     windows `imulab eval` cuts from a recording that starts with the first pushed sample;
 *   - gesture models (IMULAB_GESTURE_MODE 1): the motion segmenter finds each gesture; at its end
 *     the gesture (kept in a buffer of IMU_MODEL_GESTURE_BUF samples, halved when longer) is
 *     resampled to IMULAB_WINDOW_LEN points and classified: one inference per gesture;
 *   - then the model's decision logic (a confidence margin giving "uncertain", a majority over the
 *     last inferences, a minimum interval between events): r.decision, and r.event when it changes.
 * The scores are the network's int8 outputs, byte for byte those `imulab eval` computes.
 * Models with an anomaly model (IMULAB_HAS_ANOMALY 1) also give r.anomaly, the integer score of
 * portable/anomaly.h, and r.unknown (score above the model's threshold: "none of the known
 * classes"; the decision logic skips such windows, as the firmware does). An anomaly-only model
 * (one class, imulab train --normal) is only that: r.unknown says "not normal operation".
 */
#ifndef IMULAB_API_H
#define IMULAB_API_H

#ifndef IMU_MODEL_MODE_GESTURE /* models written before gesture mode */
#define IMU_MODEL_MODE_GESTURE 0
#endif
#ifndef IMU_MODEL_DECISION_MIN_MARGIN /* models written before the decision logic: every inference decides */
#define IMU_MODEL_DECISION_MIN_MARGIN 0
#define IMU_MODEL_DECISION_SMOOTH 1
#define IMU_MODEL_DECISION_MIN_INTERVAL 0
#endif

#define IMULAB_N_AXES IMU_MODEL_N_AXES
#define IMULAB_N_CLASSES IMU_MODEL_N_CLASSES
#define IMULAB_WINDOW_LEN IMU_MODEL_WINDOW_LEN  /* gesture mode: the points a gesture is resampled to */
#define IMULAB_STRIDE_LEN IMU_MODEL_STRIDE_LEN
#define IMULAB_RATE_HZ IMU_MODEL_RATE_HZ
#define IMULAB_MODEL_HASH IMU_MODEL_HASH
#define IMULAB_GESTURE_MODE IMU_MODEL_MODE_GESTURE
#define IMULAB_UNCERTAIN LIVE_UNCERTAIN          /* r.decision when no class is confident enough */
#ifdef IMU_MODEL_ANOMALY
#define IMULAB_HAS_ANOMALY IMU_MODEL_ANOMALY
#else
#define IMULAB_HAS_ANOMALY 0                     /* models written before anomaly detection */
#endif

#define imulab_labels imu_model_labels           /* const char *const [IMULAB_N_CLASSES] */
#define imulab_axes imu_model_axes               /* const char *const [IMULAB_N_AXES] */
#define imulab_input_scale imu_model_input_scale /* const float [IMULAB_N_AXES]: units per LSB */

/* One inference and the decision after it. */
struct imulab_result {
    uint32_t count;        /* inferences on this state so far (this one included; 0: imulab_classify) */
    uint32_t sample_index; /* samples at the model rate when it was taken (the example ends just before) */
    uint32_t start, length; /* the example: model-rate sample index and length (a window, or a gesture) */
    int16_t class_index;   /* the first largest score */
    uint8_t decision;      /* after the decision logic: a class index, or IMULAB_UNCERTAIN */
    uint8_t event;         /* 1: the decision changed with this inference (the firmware's EVENT) */
    int8_t scores[IMULAB_N_CLASSES]; /* int8 network outputs; real = IMULAB_SCORE_SCALE *
                                      * (score - IMULAB_SCORE_ZERO_POINT), logits before softmax */
    uint32_t anomaly;      /* IMULAB_HAS_ANOMALY: the anomaly score (0 without an anomaly model) */
    uint8_t unknown;       /* 1: anomaly above the model's threshold (not decided) */
};

#define IMULAB_SCORE_SCALE (imu_model_nn.out_scale)
#define IMULAB_SCORE_ZERO_POINT (imu_model_nn.out_zp)

/* The caller-owned state. */
struct imulab_state {
    float work[IMU_MODEL_FEAT_WORK_LEN];          /* feature workspace */
    float features[IMU_MODEL_N_FEATURES];         /* the last example's features */
    struct live live;                             /* rate conversion, window ring, decision logic */
#if IMU_MODEL_MODE_GESTURE
    struct imu_seg_state seg;                     /* the motion segmenter */
    struct imu_gbuf gbuf;                         /* the gesture buffer */
    int16_t gstore[IMU_MODEL_GESTURE_BUF * IMU_MODEL_N_AXES];
    int16_t ring[2 * IMU_MODEL_N_AXES];           /* the live path passes samples one by one */
    int16_t window[IMU_MODEL_WINDOW_LEN * IMU_MODEL_N_AXES]; /* the resampled gesture */
#else
    int16_t ring[IMU_MODEL_WINDOW_LEN * IMU_MODEL_N_AXES]; /* the last window, a ring of rows */
#endif
    int8_t nn_a[IMU_MODEL_NN_BUF_LEN], nn_b[IMU_MODEL_NN_BUF_LEN]; /* activations */
    struct imulab_result latest;
    uint8_t has_latest, seg_ready;
};

/* Start (or restart) a stream of samples at the model's rate: forgets the samples, the gesture
 * in progress and the decisions. */
void imulab_init(struct imulab_state *s);

/* The same for samples at sensor_hz (converted to the model's rate by linear interpolation in
 * integers, as the firmware does). Returns 0, or -1 when the rate cannot be converted (the model
 * rate must be at most 3 x sensor_hz; rates up to 2000 Hz). */
int imulab_init_rate(struct imulab_state *s, uint32_t sensor_hz);

/* Push one sample: IMULAB_N_AXES raw int16 values in the model's scales (physical value =
 * raw * imulab_input_scale[axis]). Returns the number of inferences it caused (0 or 1; up to 3
 * when the sensor is slower than the model), the last one in imulab_latest(). */
int imulab_push(struct imulab_state *s, const int16_t *sample);

/* Push one sample in physical units (the training data's: e.g. g, deg/s). It is converted with
 * imulab_quantize() exactly as the host converts float recordings. Returns as imulab_push(). */
int imulab_push_float(struct imulab_state *s, const float *sample);

/* The latest inference and decision: copies it to *out and returns 1, or returns 0 if none yet. */
int imulab_latest(const struct imulab_state *s, struct imulab_result *out);

/* Classify n buffered samples (interleaved: samples[t * IMULAB_N_AXES + axis]) as imulab does:
 *   continuous: the window of the first IMULAB_WINDOW_LEN samples (n must be at least that: pad a
 *   shorter recording with zeros, as imulab does); the stream is left as it was;
 *   gesture: the n samples are one gesture (gesture buffer, resampled to IMULAB_WINDOW_LEN points);
 *   this shares the stream's gesture buffer, so the stream starts again (a gesture in progress is
 *   dropped; decisions are kept).
 * No decision logic (r.decision is the class, r.event 0). Returns the class index, or -1 when n is
 * too short. */
int imulab_classify(struct imulab_state *s, const int16_t *samples, uint32_t n, struct imulab_result *out);

/* The network's int8 input for n buffered samples (as imulab_classify takes them): the features
 * quantized, IMULAB_N_INPUTS bytes -- the input tensor of this model's .tflite (imulab
 * export-model --format tflite), to run the network with TensorFlow Lite Micro instead. With a
 * conv front end (IMU_MODEL_CONV) it is the [1, points, axes] tensor, time-major. */
#define IMULAB_N_INPUTS IMU_MODEL_N_FEATURES
void imulab_network_input(struct imulab_state *s, const int16_t *samples, uint32_t n, int8_t *input);

/* Physical values to the model's int16: round(v / imulab_input_scale[axis]) half away from zero,
 * saturated, NaN -> 0. v and q hold n_samples * IMULAB_N_AXES values, interleaved. */
void imulab_quantize(const float *v, int16_t *q, uint32_t n_samples);

/* The label of a class index ("uncertain" for IMULAB_UNCERTAIN, "?" when out of range). */
const char *imulab_label(int class_index);

#endif
