/* SPDX-License-Identifier: MIT */
/* classifier_main.c -- the classifier image: sensor -> window ring -> features -> int8 inference
 * -> CLASSIFICATION frames, built around one exported model (model.c/model.h from imulab train).
 *
 * Same core as the streamer (app.c: commands, sensor context, SAMPLES framing), plus:
 *   - every sample the sensor context produces also goes through the live path (portable/live.c,
 *     which the host runs too): axis map, rate conversion to the model's rate, the window ring;
 *     each IMU_MODEL_STRIDE_LEN samples the window runs through imu_features() and imu_nn_run()
 *     (the portable code the host trainer uses), a CLASSIFICATION frame goes out, and the model's
 *     decision logic sends an EVENT when the decision changes (LD2 shows it);
 *   - CMD_START / CMD_STOP switch the raw SAMPLES frames only (the sensor keeps running for the
 *     classifier); raw samples are on at boot, as on the streamer; START restarts the live path;
 *   - SET_RATE: the model fixes the rate (this file answers it; the core is built APP_FIXED_RATE);
 *   - CMD_VALIDATE (proto.h): the host sends a window's raw int16 samples in chunks, the device
 *     answers VALIDATE_RESULT with its feature vector, its int8 scores and the instructions spent,
 *     and with PROTO_VALIDATE_DECIDE the decision logic's verdict over consecutive windows;
 *   - HELLO carries the model hash and PROTO_FLAG_CLASSIFIER.
 * Instructions: SysTick runs from the processor clock (CSR.CLKSOURCE = 1) with the 1 kHz reload of
 * the time base; features + inference run with SysTick and PendSV masked (BASEPRI), so the count is
 * the elapsed SysTick ticks, converted per board (QEMU -icount shift=0: 0.168 ticks per
 * instruction; on the Nucleo the figure is core cycles). Nothing allocates.
 */
#include <string.h>

#include "app.h"
#include "board.h"
#include "imu_features.h"
#include "live.h"
#include "model.h"
#include "nn.h"
#include "platform.h"
#include "regs.h"
#include "synth.h"

/* Ticks -> instructions: QEMU counts 168 ticks per 1000 instructions with -icount shift=0. */
#ifndef CLS_TICKS_NUM
#define CLS_TICKS_NUM 1u
#define CLS_TICKS_DEN 1u
#endif

/* Decision logic (model.h from imulab train; older models: every inference decides). */
#ifndef IMU_MODEL_DECISION_MIN_MARGIN
#define IMU_MODEL_DECISION_MIN_MARGIN 0
#define IMU_MODEL_DECISION_SMOOTH 1
#define IMU_MODEL_DECISION_MIN_INTERVAL 0
#endif

#ifndef IMU_MODEL_ANOMALY /* models written before anomaly detection */
#define IMU_MODEL_ANOMALY 0
#endif
#ifndef CLS_LEARN /* on-device learning (anomaly-only mode): the build option IMULAB_LEARN, or a model
                   * trained with imulab train --device-learn on (model.h) */
#ifdef IMU_MODEL_LEARN
#define CLS_LEARN IMU_MODEL_LEARN
#else
#define CLS_LEARN 0
#endif
#endif
#if IMU_MODEL_ANOMALY || CLS_LEARN
#include "anomaly.h"
static uint32_t anomaly_score;
#endif
#if CLS_LEARN
#include "conv.h"
/* Anomaly-only mode (CMD_LEARN n, or the user button: CLS_LEARN_WINDOWS or the last n): the next
 * n live windows' first hidden layer activations (the network's int8 input for a model without a
 * hidden layer, as anomaly-only models are) give one diagonal Gaussian (portable/anomaly.c's
 * imu_anomaly_learn_*, static storage: 10 bytes per value), the n windows after that its
 * threshold (their largest score times 3/2, plus 1); from then on the live windows' anomaly score
 * is the learned one and "unknown" means above its threshold. Validation windows keep the model's
 * own score (bit-exact with the host). */
#if defined(IMU_MODEL_NN_LAYERS) && IMU_MODEL_NN_LAYERS == 1
#define LEARN_LAYER 0
#define LEARN_DIM IMU_MODEL_NN_BUF_LEN /* at least the network's input */
#elif defined(IMU_MODEL_NN_L1_WIDTH)
#define LEARN_LAYER 1
#define LEARN_DIM IMU_MODEL_NN_L1_WIDTH
#else
#define LEARN_LAYER 1
#define LEARN_DIM IMU_MODEL_NN_BUF_LEN /* models written before: the widest layer bounds it */
#endif
#ifndef CLS_LEARN_WINDOWS /* windows the user button learns from (build option IMULAB_LEARN_WINDOWS) */
#define CLS_LEARN_WINDOWS 60u
#endif
static int32_t learn_sum[LEARN_DIM];
static uint32_t learn_sum2[LEARN_DIM];
static int8_t learn_centroid[LEARN_DIM];
static uint8_t learn_weight[LEARN_DIM];
static struct imu_anomaly_learn learner;
static struct imu_anomaly learned = { .n_centroids = 1, .layer = LEARN_LAYER, .centroids = learn_centroid, .weights = learn_weight };
enum learn_phase { LEARN_OFF, LEARN_SUMS, LEARN_THRESHOLD, LEARN_ON };
static enum learn_phase learn_phase;
static uint16_t learn_n, learn_count; /* windows per phase, windows of this phase so far */
static uint16_t learn_button_n = CLS_LEARN_WINDOWS; /* what the button learns from: the last CMD_LEARN n */
static uint32_t learn_max;            /* largest score of the threshold phase */
static uint32_t learn_score;          /* the learned score of the last live window */
#endif

/* The anomaly score rides along the network (portable/anomaly.c): a window scoring above the
 * threshold (the model's, or the learned one on the live path) is "unknown": flagged in
 * CLASSIFICATION and VALIDATE_RESULT, and the decision logic does not see it. */
static bool cls_unknown(bool live_window)
{
#if CLS_LEARN
    if (live_window && learn_phase == LEARN_ON)
        return anomaly_score > learned.threshold;
#endif
    (void)live_window;
#if IMU_MODEL_ANOMALY
    return anomaly_score > imu_model_anomaly.threshold;
#else
    return false;
#endif
}

#if IMU_MODEL_ANOMALY || CLS_LEARN
/* Whether a live CLASSIFICATION carries an anomaly score. */
static bool cls_has_anomaly(void)
{
#if CLS_LEARN
    if (learn_phase == LEARN_ON)
        return true;
#endif
    return IMU_MODEL_ANOMALY != 0;
}
#endif
#define CLS_UNKNOWN() cls_unknown(false)

#ifndef IMU_MODEL_MODE_GESTURE /* models written before gesture mode */
#define IMU_MODEL_MODE_GESTURE 0
#endif
#define NA IMU_MODEL_N_AXES
#define WL IMU_MODEL_WINDOW_LEN
#define VALIDATE_STALE_MS 3000u /* a half-received validation window is dropped after this */
/* No live classification this long after a validation exchange: the host streams the next
 * window's chunks right after each result, and a live inference in the main loop meanwhile would
 * let them overrun the UART receive ring (128 bytes). */
#define VALIDATE_QUIET_MS 1000u

_Static_assert(NA >= 1 && NA <= IMU_AXES, "the model has more axes than the sensor");
_Static_assert(WL >= 2 && (IMU_MODEL_MODE_GESTURE || IMU_MODEL_STRIDE_LEN >= 1) && IMU_MODEL_RATE_HZ >= 1.0f && IMU_MODEL_RATE_HZ <= LIVE_MAX_HZ,
               "the model's window, stride or rate is out of the live path's range");
_Static_assert(IMU_MODEL_DECISION_SMOOTH >= 1 && IMU_MODEL_DECISION_SMOOTH <= LIVE_MAX_SMOOTH &&
               IMU_MODEL_DECISION_MIN_MARGIN >= 0 && IMU_MODEL_DECISION_MIN_MARGIN <= 255,
               "the model's decision settings are out of range");
_Static_assert(IMU_MODEL_N_CLASSES <= PROTO_MAX_CLASSES, "too many classes");
/* Flow control (proto.h): one command frame in flight, at most PROTO_CMD_FRAME_MAX bytes, which the
 * UART ring holds whole while the main loop classifies, and the link buffer takes (no delimiters). */
_Static_assert(UART_RX_RING >= PROTO_CMD_FRAME_MAX, "the UART receive ring cannot hold a whole command frame");
_Static_assert(LINK_RX_MAX >= PROTO_CMD_FRAME_MAX - 2u, "the link cannot take a whole command frame");
_Static_assert(PROTO_VALIDATE_RESULT_HDR + 4 * IMU_MODEL_N_FEATURES + IMU_MODEL_N_CLASSES + PROTO_VALIDATE_DECISION_LEN <= LINK_MAX_PAYLOAD,
               "VALIDATE_RESULT does not fit a frame");

extern const uint32_t board_baud;
static struct app app;

/* The one window buffer (one row per time step): the live path's ring (portable/live.c) while
 * live samples come in, rotated in place to a plain window before an inference; validation windows
 * are written straight into it (live classification pauses meanwhile and starts a fresh window
 * afterwards). */
static int16_t win[WL][NA];
#if IMU_MODEL_MODE_GESTURE
/* Gesture mode: the live path only converts the rate (live_next_sample() gives every converted
 * sample, the first after a restart included; its 2-row window ring stays unused); each sample goes to the motion segmenter, and while a gesture runs
 * into the gesture buffer; at its end the buffer is resampled into win[] (WL points) and
 * classified: one CLASSIFICATION per gesture. Validation pushes its chunks through the same
 * buffer. */
#include "segment.h"
static int16_t live_ring[2][NA];
static int16_t gstore[IMU_MODEL_GESTURE_BUF][NA];
static struct imu_gbuf gbuf;
static struct imu_seg_state seg;
static bool seg_ready;
#endif
static struct live live;
/* The model's axes on the sensor's: classifier.cmake matches the names at build time (CLS_AXIS_MAP
 * lists the sensor axis of each model axis; undefined when one is missing: validation only). */
#ifdef CLS_AXIS_MAP
#define CLS_AXES_ON_SENSOR true
#else
#define CLS_AXIS_MAP 0
#define CLS_AXES_ON_SENSOR false
#endif
static struct live_cfg live_cfg = {
#if IMU_MODEL_MODE_GESTURE
    .n_axes = NA, .axis_map = { CLS_AXIS_MAP }, .window_len = 2, .stride_len = 1, /* every converted sample (gesture_sample) */
#else
    .n_axes = NA, .axis_map = { CLS_AXIS_MAP }, .window_len = WL, .stride_len = IMU_MODEL_STRIDE_LEN,
#endif
    .out_hz = (uint32_t)(IMU_MODEL_RATE_HZ + 0.5f),
    .decision = { .n_classes = IMU_MODEL_N_CLASSES, .min_margin = IMU_MODEL_DECISION_MIN_MARGIN,
                  .smooth_n = IMU_MODEL_DECISION_SMOOTH, .min_interval = IMU_MODEL_DECISION_MIN_INTERVAL },
};
static uint32_t live_pos, live_last_idx;
static uint8_t live_accel_g;   /* the ranges of the samples in the window (latched at a restart) */
static uint16_t live_gyro_dps;
static bool live_have_last;
static uint32_t event_seq;
static float feat_work[IMU_MODEL_FEAT_WORK_LEN];
static float feat[IMU_MODEL_N_FEATURES];
static int8_t nn_a[IMU_MODEL_NN_BUF_LEN], nn_b[IMU_MODEL_NN_BUF_LEN];
static bool live_ok, raw_on = true;
static uint32_t cls_seq;
/* validation: next expected sample offset (0 = no window in progress) */
static uint16_t v_next;
static uint8_t v_flags;               /* of the window in progress (PROTO_VALIDATE_DECIDE...) */
static struct live_validate_decider v_dec; /* the decision logic over validation windows */
static uint32_t v_last_ms;

static void sensor_context(uint32_t now_ms) { app_sensor_poll(&app, now_ms); }

/* Mask SysTick and PendSV (priority >= 0x80); the UART (0x40) keeps running. */
static inline uint32_t mask_time(void)
{
    uint32_t old;
    __asm volatile("mrs %0, basepri" : "=r"(old));
    uint32_t v = 0x80;
    __asm volatile("msr basepri, %0" ::"r"(v) : "memory");
    return old;
}
static inline void unmask_time(uint32_t old) { __asm volatile("msr basepri, %0" ::"r"(old) : "memory"); }

#if CLS_LEARN
/* One live window's vector x of layer LEARN_LAYER through the learner (or the learned score). */
static void learn_window(const int8_t *x)
{
    switch (learn_phase) {
    case LEARN_SUMS:
        imu_anomaly_learn_add(&learner, x);
        if (++learn_count == learn_n) {
            (void)imu_anomaly_learn_fit(&learner); /* learn_n >= PROTO_LEARN_MIN windows */
            learned.threshold = UINT32_MAX;
            learn_phase = LEARN_THRESHOLD;
            learn_count = 0;
            learn_max = 0;
        }
        break;
    case LEARN_THRESHOLD: {
        uint32_t s = imu_anomaly_score(&learned, x);
        learn_score = s;
        if (s > learn_max)
            learn_max = s;
        if (++learn_count == learn_n) {
            uint64_t t = (uint64_t)learn_max + learn_max / 2u + 1u;
            learned.threshold = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
            learn_phase = LEARN_ON;
        }
        break;
    }
    case LEARN_ON:
        learn_score = imu_anomaly_score(&learned, x);
        break;
    case LEARN_OFF:
        break;
    }
}

/* The network on nn_a (imu_nn_run's loop, conv front end included), with the model's anomaly
 * score and, for a live window, the learner on layer LEARN_LAYER's vector. */
static const int8_t *run_network(bool live_window)
{
    const struct imu_nn_model *m = &imu_model_nn;
    int8_t *in = nn_a, *out = nn_b;
    if (m->conv) {
        in = m->conv->run(m->conv, nn_a, nn_b);
        out = in == nn_a ? nn_b : nn_a;
    }
#if IMU_MODEL_ANOMALY
    if (imu_model_anomaly.layer == 0)
        anomaly_score = imu_anomaly_score(&imu_model_anomaly, in);
#endif
#if LEARN_LAYER == 0
    if (live_window)
        learn_window(in);
#endif
    for (unsigned k = 0; k < m->n_layers; k++) {
        imu_nn_dense(&m->layers[k], in, out);
        int8_t *t = in; in = out; out = t;
#if IMU_MODEL_ANOMALY
        if (imu_model_anomaly.layer == k + 1)
            anomaly_score = imu_anomaly_score(&imu_model_anomaly, in);
#endif
#if LEARN_LAYER == 1
        if (k == 0 && live_window)
            learn_window(in);
#endif
    }
    if (live_window && learn_phase == LEARN_ON) /* after the model's own score, whatever its layer */
        anomaly_score = learn_score;
    return in;
}

/* Start learning from the next n live windows (n 0: forget the learned model); the vector's
 * length, or 0 when the model has none to learn on. */
static uint16_t learn_start(uint16_t n)
{
#if LEARN_LAYER == 0
    const uint16_t dim = imu_model_nn.layers[0].n_in; /* the features, or a conv front end's output */
#else
    const uint16_t dim = imu_model_nn.n_layers >= 2 ? imu_model_nn.layers[0].n_out : 0u;
#endif
    if (dim == 0 || dim > LEARN_DIM)
        return 0;
    learn_phase = n ? LEARN_SUMS : LEARN_OFF;
    learn_n = n;
    learn_count = 0;
    learned.n_dim = dim;
    imu_anomaly_learn_init(&learner, learned.n_dim, learn_sum, learn_sum2, learn_centroid, learn_weight);
    return dim;
}

/* CMD_LEARN n_windows: start learning (n 0: forget the learned model). */
static void learn_command(struct app *a, uint16_t token, const struct proto_frame *f)
{
    if (f->len != PROTO_LEARN_LEN) {
        app_nak(a, token, f->type, PROTO_NAK_BAD_LENGTH, "want n_windows:u16");
        return;
    }
    const uint16_t n = proto_get_u16(f->payload + 2);
    if (n != 0 && (n < PROTO_LEARN_MIN || n > PROTO_LEARN_MAX)) {
        app_nak(a, token, f->type, PROTO_NAK_BAD_VALUE, "n_windows: 0, or 2 to 10000");
        return;
    }
    if (!learn_start(n)) {
        app_nak(a, token, f->type, PROTO_NAK_UNSUPPORTED, "no hidden layer to learn on");
        return;
    }
    if (n)
        learn_button_n = n;
    app_ack(a, token, f->type);
}

/* LOG the learner's steps once each (main loop: not inside an inference). */
static void learn_report(void)
{
    static enum learn_phase told;
    if (learn_phase == told)
        return;
    char text[48] = "learn: ";
    if (learn_phase == LEARN_SUMS)
        app_put_uint(text + 7, learn_n, " windows of normal operation");
    else if (learn_phase == LEARN_THRESHOLD)
        app_put_uint(text + 7, learn_n, " windows for the threshold");
    else if (learn_phase == LEARN_ON)
        app_put_uint(text + 17, learned.threshold, ""), memcpy(text + 7, "threshold ", 10);
    else
        memcpy(text + 7, "off", 4);
    if (app_send_log(&app, PROTO_LOG_INFO, text))
        told = learn_phase;
}
#else
static const int8_t *run_network(bool live_window)
{
    (void)live_window;
#if IMU_MODEL_ANOMALY
    return imu_anomaly_run(&imu_model_nn, &imu_model_anomaly, nn_a, nn_b, &anomaly_score);
#else
    return imu_nn_run(&imu_model_nn, nn_a, nn_b);
#endif
}
#endif

/* Features + inference on win[] (live_window: a live one, not a validation window); returns the
 * class, the scores in *y, the cost in *insn. */
static int classify(const float *scale, bool live_window, const int8_t **y, uint32_t *insn)
{
    uint32_t m = mask_time();
    uint32_t v0 = SYST_CVR;
#if IMU_MODEL_MODE_GESTURE
    uint16_t n = imu_gbuf_finish(&gbuf);
    if (n == 0) { /* nothing buffered: a window of zeros */
        memset(win, 0, sizeof win);
    } else {
        imu_resample_i16(&gstore[0][0], n, NA, &win[0][0], WL);
    }
#endif
    imu_features(&imu_model_features, &win[0][0], scale, feat_work, feat);
    imu_nn_quantize_input(&imu_model_nn, feat, nn_a);
    const int8_t *out = run_network(live_window);
    int cls = imu_nn_argmax(out, IMU_MODEL_N_CLASSES);
    uint32_t v1 = SYST_CVR;
    unmask_time(m);
    /* SysTick counts down from RVR to 0; one window takes far less than one period. */
    uint32_t reload = SYST_RVR + 1u;
    uint32_t ticks = v0 >= v1 ? v0 - v1 : v0 + reload - v1;
    *insn = (ticks * CLS_TICKS_DEN + CLS_TICKS_NUM / 2u) / CLS_TICKS_NUM; /* ticks < 2^22 */
    *y = out;
    return cls;
}

/* The live path restarts (a gap, validation): empty window; gesture mode drops the gesture in
 * progress and starts the segmenter again. */
static void live_reset(void)
{
    live_restart(&live);
#if IMU_MODEL_MODE_GESTURE
    seg_ready = false;
#endif
}

/* ---- validation ---------------------------------------------------------------------- */

static bool cmd_hook(struct app *a, uint16_t token, const struct proto_frame *f)
{
#if CLS_LEARN /* without: the core NAKs it (PROTO_NAK_UNKNOWN_COMMAND) */
    if (f->type == PROTO_CMD_LEARN) {
        learn_command(a, token, f);
        return true;
    }
#endif
    if (f->type != PROTO_CMD_VALIDATE)
        return false;
    struct proto_validate_chunk c;
    if (proto_validate_parse(f->payload, f->len, &c)) {
        app_nak(a, token, f->type, PROTO_NAK_BAD_LENGTH, "bad chunk");
        return true;
    }
    if (c.model_hash != IMU_MODEL_HASH) {
        app_nak(a, token, f->type, PROTO_NAK_MODEL_MISMATCH, "other model");
        return true;
    }
#if IMU_MODEL_MODE_GESTURE
    if (c.n_axes != NA) { /* a gesture of any length: it goes through the gesture buffer */
#else
    if (c.n_axes != NA || c.total != WL) {
#endif
        v_next = 0;
        app_nak(a, token, f->type, PROTO_NAK_BAD_VALUE, "bad shape");
        return true;
    }
    if (c.offset == 0) {
        v_next = 0;
        v_flags = c.flags;
        live_reset(); /* the buffer is the validation window's now */
#if IMU_MODEL_MODE_GESTURE
        imu_gbuf_reset(&gbuf);
#endif
    }
    if (c.offset != v_next) {
        v_next = 0;
        app_nak(a, token, f->type, PROTO_NAK_BAD_VALUE, "out of order");
        return true;
    }
#if IMU_MODEL_MODE_GESTURE
    for (uint32_t t = 0; t < c.count; t++) {
        int16_t x[NA];
        for (unsigned k = 0; k < NA; k++)
            x[k] = (int16_t)proto_get_u16(c.data + 2u * (t * NA + k));
        imu_gbuf_push(&gbuf, x);
    }
    const uint32_t total = c.total;
#else
    int16_t *dst = &win[c.offset][0];
    for (uint32_t i = 0; i < (uint32_t)c.count * NA; i++)
        dst[i] = (int16_t)proto_get_u16(c.data + 2u * i);
    const uint32_t total = WL;
#endif
    v_next = (uint16_t)(c.offset + c.count);
    v_last_ms = platform_now_ms();
    app_ack(a, token, f->type);
    if (v_next < total)
        return true;
    v_next = 0;
    uart_kick(); /* the ACK leaves before the measurement */
    v_last_ms = platform_now_ms();
    const int8_t *y;
    struct proto_validate_result r;
    r.token = token;
    r.model_hash = IMU_MODEL_HASH;
    r.class_index = (uint8_t)classify(imu_model_input_scale, false, &y, &r.instructions);
    r.n_classes = IMU_MODEL_N_CLASSES;
    r.n_features = IMU_MODEL_N_FEATURES;
    memcpy(r.scores, y, IMU_MODEL_N_CLASSES);
#if IMU_MODEL_ANOMALY
    r.has_anomaly = true;
    r.anomaly = anomaly_score;
    r.unknown = CLS_UNKNOWN();
#else
    r.has_anomaly = false;
#endif
    /* the decision logic over consecutive windows of a recording, as the live path runs it
     * (an unknown window is not decided; the clock runs on) */
    r.has_decision = (v_flags & PROTO_VALIDATE_DECIDE) != 0;
    if (r.has_decision) {
        struct live_event ev;
        /* an unknown window (anomaly score over the threshold) is not decided; the clock runs on */
        const int seq = (v_flags & PROTO_VALIDATE_SEQ) ? (int)(v_flags >> PROTO_VALIDATE_SEQ_SHIFT) : -1;
        r.event = live_validate_decide(&v_dec, &live_cfg.decision, (v_flags & PROTO_VALIDATE_DECIDE_RESET) != 0, seq,
                                       r.scores, IMU_MODEL_STRIDE_LEN, CLS_UNKNOWN(), &ev);
        r.decision = v_dec.d.current;
        r.votes = r.event ? ev.votes : 0;
        r.previous = r.event ? ev.previous : v_dec.d.current;
    }
    size_t n = proto_validate_result_pack(&r, feat, link_payload(&a->link), LINK_MAX_PAYLOAD);
    if (n)
        link_send(&a->link, PROTO_VALIDATE_RESULT, NULL, n);
    return true;
}

/* ---- live classification ------------------------------------------------------------- */

/* (Re)start the live path for the sensor's current rate: empty window, fresh decisions. */
static void live_begin(void)
{
#if IMU_MODEL_MODE_GESTURE
    seg_ready = false;
    imu_gbuf_init(&gbuf, &gstore[0][0], NA, IMU_MODEL_GESTURE_BUF);
#endif
    live_cfg.in_hz = app.cfg.rate_hz;
    /* the model's part of the configuration is checked at build time (below); the sensor's rate here */
    live_ok = live_ok && live_cfg.out_hz <= 3u * live_cfg.in_hz && live_cfg.in_hz <= LIVE_MAX_HZ;
#if IMU_MODEL_MODE_GESTURE
    if (live_ok)
        live_init(&live, &live_cfg, &live_ring[0][0]);
#else
    if (live_ok)
        live_init(&live, &live_cfg, &win[0][0]);
#endif
    cls_seq = 0;
    event_seq = 0;
}

/* Physical units per LSB of the model's axes at the window's sensor ranges. */
static void live_axis_scales(float *scale)
{
    float sensor_scale[LIVE_SENSOR_AXES];
    live_sensor_scales((enum live_sensor_kind)app.sensor->scale_kind, live_accel_g, live_gyro_dps, sensor_scale);
    live_scales(&live_cfg, sensor_scale, scale);
}

/* Classify the due window (gesture mode: the buffered gesture); send CLASSIFICATION, and EVENT
 * when the decision changes. */
static void live_run(uint64_t t_us)
{
    float scale[NA];
    live_axis_scales(scale);
#if !IMU_MODEL_MODE_GESTURE
    (void)live_window(&live);
#endif
    struct proto_classification c;
    const int8_t *y;
    c.seq = cls_seq++;
    c.t_us = t_us;
    c.class_index = (uint8_t)classify(scale, true, &y, &c.instructions);
    c.n_classes = IMU_MODEL_N_CLASSES;
    memcpy(c.scores, y, IMU_MODEL_N_CLASSES);
    const bool unknown = cls_unknown(true);
    c.flags = 0;
#if IMU_MODEL_ANOMALY || CLS_LEARN
    if (cls_has_anomaly()) {
        c.flags = (uint8_t)(PROTO_CLS_ANOMALY | (unknown ? PROTO_CLS_UNKNOWN : 0u));
        c.anomaly = anomaly_score;
    }
#endif
    size_t n = proto_classification_pack(&c, link_payload(&app.link), LINK_MAX_PAYLOAD);
    if (n)
        link_send(&app.link, PROTO_CLASSIFICATION, NULL, n);
    struct live_event ev;
    if (unknown || !live_decide_now(&live, c.scores, &ev)) /* the decision logic ignores unknowns */
        return;
    struct proto_event e = { .seq = event_seq++, .t_us = t_us, .cls_seq = c.seq,
                             .class_index = ev.class_index, .previous = ev.previous, .votes = ev.votes };
    g_led_class = ev.class_index;
    n = proto_event_pack(&e, link_payload(&app.link), LINK_MAX_PAYLOAD);
    if (n)
        link_send(&app.link, PROTO_EVENT, NULL, n);
}

#if IMU_MODEL_MODE_GESTURE
/* One converted sample through the segmenter; a finished gesture is classified. */
static void gesture_sample(const int16_t *x, uint64_t t_us)
{
    if (!seg_ready) { /* after a restart: the scales of the ranges now in force */
        float scale[NA];
        live_axis_scales(scale);
        imu_seg_init(&seg, &imu_model_segment, scale);
        imu_gbuf_reset(&gbuf);
        seg_ready = true;
    }
    int ev = imu_seg_push(&seg, x, NULL, NULL);
    if (ev == IMU_SEG_ONSET)
        imu_gbuf_reset(&gbuf);
    if (seg.active || ev == IMU_SEG_END || ev == IMU_SEG_DROPPED)
        imu_gbuf_push(&gbuf, x);
    if (ev == IMU_SEG_END)
        live_run(t_us);
}
#endif

/* Feed the samples the sensor context queued since the last call into the live path. */
static void live_feed(void)
{
    struct ring *r = &app.samples;
    uint32_t tail = r->tail, used = ring_used(r);
    if ((int32_t)(live_pos - tail) < 0) { /* dropped before we saw them */
        live_pos = tail;
        live_reset();
    }
    /* validation owns the buffer while it runs and shortly after */
    bool quiet = v_next != 0 || platform_now_ms() - v_last_ms <= VALIDATE_QUIET_MS;
    for (; live_pos != tail + used; live_pos++) {
        const struct imu_sample *s = ring_at(r, live_pos - tail);
        if (!live_have_last || s->idx != live_last_idx + 1u) {
            /* the sensor restarted (new ranges or rate, an error): new window, new scale */
            live_reset();
            live_accel_g = app.cfg.accel_g;
            live_gyro_dps = app.cfg.gyro_dps;
        }
        live_have_last = true;
        live_last_idx = s->idx;
        if (!live_ok || quiet) {
            live_reset();
            continue;
        }
        live_put(&live, s->v);
#if IMU_MODEL_MODE_GESTURE
        const int16_t *x;
        while ((x = live_next_sample(&live)) != NULL) /* every sample, the first after a restart too */
            gesture_sample(x, s->t_us);
#else
        while (live_next(&live))
            live_run(s->t_us);
#endif
    }
    if (!raw_on) {
        ring_drop(r, used);
        live_pos = r->tail;
    }
}

static void handle_byte(uint8_t b)
{
    struct proto_frame f;
    if (!link_rx_byte(&app.link, b, &f))
        return;
    /* START/STOP switch the raw SAMPLES only: the classifier needs the sensor running. START
     * also restarts the live path (window, decisions, sequence numbers), so the SAMPLES after its
     * ACK are exactly what the live path sees from then on: a host can replay them (docs/classifier.md). */
    if ((f.type == PROTO_CMD_START || f.type == PROTO_CMD_STOP) && f.len == 2) {
        raw_on = f.type == PROTO_CMD_START;
        if (raw_on) { /* live from the next sample: a validation's quiet period ends here too */
            v_next = 0;
            v_last_ms = platform_now_ms() - VALIDATE_QUIET_MS - 1u;
            live_begin();
        }
        app_ack(&app, proto_get_u16(f.payload), f.type);
        return;
    }
    /* The model fixes the sample rate: another is refused, the same acknowledged (ranges are fine:
     * the live path scales). The core leaves SET_RATE to us (APP_FIXED_RATE). */
    if (f.type == PROTO_CMD_SET_RATE && f.len >= 2) {
        uint16_t token = proto_get_u16(f.payload);
        if (f.len != 4) {
            app_nak(&app, token, f.type, PROTO_NAK_BAD_LENGTH, "bad length");
            return;
        }
        if (proto_get_u16(f.payload + 2) == app.cfg.rate_hz) {
            app_ack(&app, token, f.type);
            return;
        }
        char why[40] = "rate fixed by the model: ";
        app_put_uint(why + 25, app.cfg.rate_hz, " Hz");
        app_nak(&app, token, f.type, PROTO_NAK_BAD_VALUE, why);
        return;
    }
    app_handle_frame(&app, &f);
}

int main(void)
{
    bool clock_ok = board_init();
    bool wd_reset = (RCC_CSR & RCC_CSR_IWDGRSTF) != 0;
    RCC_CSR |= RCC_CSR_RMVF;
    struct app_info info = { .board = board_name, .baud = board_baud, .model_hash = IMU_MODEL_HASH,
                             .extra_flags = PROTO_FLAG_CLASSIFIER };
    app_init(&app, board_sensor(), &info, &uart_tx);
    app.cmd_hook = cmd_hook;
    /* run the sensor at the model's rate (nothing runs yet: no need to post the change) */
    app.cfg.rate_hz = CLS_SENSOR_RATE; /* the board's sensor rate closest to the model's (classifier.cmake) */
    app.spf = app_spf_for_rate(app.cfg.rate_hz);
    app.req = app.cfg;
    live_ok = CLS_AXES_ON_SENSOR;
    live_accel_g = app.cfg.accel_g;
    live_gyro_dps = app.cfg.gyro_dps;
    live_begin();
    live_validate_init(&v_dec);
    live_pos = app.samples.tail;
    g_streaming_hint = true;
    time_pendsv_hook = sensor_context;
    board_watchdog_start();

    app_send_hello(&app);
    if (!clock_ok)
        app_send_error(&app, PROTO_ERR_CLOCK, NULL);
    if (wd_reset)
        app_send_log(&app, PROTO_LOG_WARN, "reset by watchdog");
    if (!live_ok)
        app_send_log(&app, PROTO_LOG_WARN, "axes not on sensor");
    uint32_t last_hello = platform_now_ms();
    for (;;) {
        board_watchdog_kick();
        uint8_t b;
        while (uart_rx_pop(&b))
            handle_byte(b);
        if (board_button_event()) {
#if CLS_LEARN /* the button learns normal operation (CLS_LEARN_WINDOWS, or the last CMD_LEARN n) */
            (void)learn_start(learn_button_n);
#else
            raw_on = !raw_on;
#endif
        }
        if (v_next && platform_now_ms() - v_last_ms > VALIDATE_STALE_MS)
            v_next = 0;
        live_feed();
#if CLS_LEARN
        learn_report();
#endif
        app_poll(&app);
        if (app.link.rx_frames == 0 && platform_now_ms() - last_hello >= 2000u) {
            last_hello = platform_now_ms();
            app_send_hello(&app);
        }
        uart_kick();
        wfi();
    }
}
