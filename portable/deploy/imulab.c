/* SPDX-License-Identifier: MIT */
/* imulab.c -- the application interface of an exported model (see imulab.h), on the portable
 * pieces the imulab classifier firmware runs:
 *   portable/live.c     rate conversion, the window ring (rotated in place into a plain window when
 *                       one is due) and the decision logic;
 *   portable/segment.c  (gesture models) the motion segmenter, the gesture buffer, the resampler;
 *   imu_features(), imu_nn_quantize_input(), imu_nn_run()  the features and the int8 network.
 * The user's samples are already in the model's axis order: the live path's axis map is the
 * identity. In gesture mode the live path runs with a 2-row window and stride 1, so each converted
 * sample comes out of it and goes to the segmenter -- the first one after a start included (the
 * host's imu_seg_find sees every sample of a recording too). Nothing allocates.
 */
#include "imulab.h"

#include <string.h>

/* C89-style compile-time checks (this file must build as C99 on any target). */
typedef char imulab_check_state_bytes[sizeof(struct imulab_state) <= IMULAB_STATE_BYTES ? 1 : -1];
typedef char imulab_check_axes[IMULAB_N_AXES >= 1 && IMULAB_N_AXES <= LIVE_MAX_AXES ? 1 : -1];
typedef char imulab_check_classes[IMULAB_N_CLASSES >= 1 && IMULAB_N_CLASSES <= 32 ? 1 : -1]; /* 1: anomaly-only */

/* The model rate as the live path counts it (whole hertz, as the firmware). */
static uint32_t model_hz(void) { return (uint32_t)(IMULAB_RATE_HZ + 0.5f); }

int imulab_init_rate(struct imulab_state *s, uint32_t sensor_hz)
{
    struct live_cfg cfg;
    memset(s, 0, sizeof *s);
    memset(&cfg, 0, sizeof cfg);
    cfg.n_axes = IMULAB_N_AXES;
    for (unsigned m = 0; m < IMULAB_N_AXES; m++)
        cfg.axis_map[m] = (uint8_t)m;
#if IMULAB_GESTURE_MODE
    cfg.window_len = 2;
    cfg.stride_len = 1;
    imu_gbuf_init(&s->gbuf, s->gstore, IMULAB_N_AXES, IMU_MODEL_GESTURE_BUF);
#else
    cfg.window_len = IMULAB_WINDOW_LEN;
    cfg.stride_len = IMULAB_STRIDE_LEN;
#endif
    cfg.in_hz = sensor_hz;
    cfg.out_hz = model_hz();
    cfg.decision.n_classes = IMULAB_N_CLASSES;
    cfg.decision.min_margin = IMU_MODEL_DECISION_MIN_MARGIN;
    cfg.decision.smooth_n = IMU_MODEL_DECISION_SMOOTH;
    cfg.decision.min_interval = IMU_MODEL_DECISION_MIN_INTERVAL;
    if (live_cfg_check(&cfg))
        return -1;
    live_init(&s->live, &cfg, s->ring);
    return 0;
}

void imulab_init(struct imulab_state *s)
{
    (void)imulab_init_rate(s, model_hz());
}

/* Features and network on a plain window; fills scores and class_index of *r. */
static int run_window(struct imulab_state *s, const int16_t *window, struct imulab_result *r)
{
    imu_features(&imu_model_features, window, imu_model_input_scale, s->work, s->features);
    imu_nn_quantize_input(&imu_model_nn, s->features, s->nn_a);
#if IMULAB_HAS_ANOMALY
    const int8_t *y = imu_anomaly_run(&imu_model_nn, &imu_model_anomaly, s->nn_a, s->nn_b, &r->anomaly);
    r->unknown = r->anomaly > imu_model_anomaly.threshold;
#else
    const int8_t *y = imu_nn_run(&imu_model_nn, s->nn_a, s->nn_b);
    r->anomaly = 0;
    r->unknown = 0;
#endif
    memcpy(r->scores, y, IMULAB_N_CLASSES);
    r->class_index = (int16_t)imu_nn_argmax(y, IMULAB_N_CLASSES);
    return r->class_index;
}

/* An inference of the stream on window (start, length in model-rate samples), then the decision. */
static void stream_inference(struct imulab_state *s, const int16_t *window, uint32_t start, uint32_t length)
{
    struct imulab_result *r = &s->latest;
    run_window(s, window, r);
    r->count++;
    r->sample_index = s->live.n_out;
    r->start = start;
    r->length = length;
    struct live_event ev;
    r->event = !r->unknown && live_decide_now(&s->live, r->scores, &ev) ? 1 : 0; /* unknowns are not decided */
    r->decision = s->live.dec.current;
    s->has_latest = 1;
}

#if IMULAB_GESTURE_MODE
/* The gesture buffer resampled into the window (zeros when it is empty). */
static void gesture_window(struct imulab_state *s)
{
    uint16_t n = imu_gbuf_finish(&s->gbuf);
    if (n == 0)
        memset(s->window, 0, sizeof s->window);
    else
        imu_resample_i16(s->gstore, n, IMULAB_N_AXES, s->window, IMULAB_WINDOW_LEN);
}

/* One model-rate sample through the segmenter; returns 1 when it ended a gesture (classified). */
static int gesture_sample(struct imulab_state *s, const int16_t *x)
{
    uint32_t start = 0, len = 0;
    if (!s->seg_ready) {
        imu_seg_init(&s->seg, &imu_model_segment, imu_model_input_scale);
        imu_gbuf_reset(&s->gbuf);
        s->seg_ready = 1;
    }
    int ev = imu_seg_push(&s->seg, x, &start, &len);
    if (ev == IMU_SEG_ONSET)
        imu_gbuf_reset(&s->gbuf);
    if (s->seg.active || ev == IMU_SEG_END || ev == IMU_SEG_DROPPED)
        imu_gbuf_push(&s->gbuf, x);
    if (ev != IMU_SEG_END)
        return 0;
    gesture_window(s);
    stream_inference(s, s->window, start, len);
    return 1;
}
#endif

int imulab_push(struct imulab_state *s, const int16_t *sample)
{
    int16_t in[LIVE_SENSOR_AXES] = {0};
    int n = 0;
    memcpy(in, sample, sizeof(int16_t) * IMULAB_N_AXES);
#if IMULAB_GESTURE_MODE
    live_put(&s->live, in);
    const int16_t *x;
    while ((x = live_next_sample(&s->live)) != NULL) /* every sample, the first after a start too */
        n += gesture_sample(s, x);
#else
    live_put(&s->live, in);
    while (live_next(&s->live)) {
        const int16_t *w = live_window(&s->live);
        stream_inference(s, w, s->live.n_out - IMULAB_WINDOW_LEN, IMULAB_WINDOW_LEN);
        n++;
    }
#endif
    return n;
}

void imulab_quantize(const float *v, int16_t *q, uint32_t n_samples)
{
    for (uint32_t t = 0; t < n_samples; t++)
        for (unsigned a = 0; a < IMULAB_N_AXES; a++) {
            float r = v[t * IMULAB_N_AXES + a] / imu_model_input_scale[a];
            int32_t x;
            if (!(r == r)) x = 0;
            else if (r >= 32767.0f) x = 32767;
            else if (r <= -32768.0f) x = -32768;
            else x = (int32_t)(r >= 0.0f ? r + 0.5f : r - 0.5f);
            q[t * IMULAB_N_AXES + a] = (int16_t)x;
        }
}

int imulab_push_float(struct imulab_state *s, const float *sample)
{
    int16_t q[IMULAB_N_AXES];
    imulab_quantize(sample, q, 1);
    return imulab_push(s, q);
}

int imulab_latest(const struct imulab_state *s, struct imulab_result *out)
{
    if (!s->has_latest)
        return 0;
    *out = s->latest;
    return 1;
}

/* The plain window of n buffered samples, as imulab cuts it (in the state's buffers in gesture
 * mode), or NULL when n is too short. */
static const int16_t *example_window(struct imulab_state *s, const int16_t *samples, uint32_t n)
{
#if IMULAB_GESTURE_MODE
    struct imu_gbuf g; /* on the stream's storage: its gesture in progress is lost */
    imu_gbuf_init(&g, s->gstore, IMULAB_N_AXES, IMU_MODEL_GESTURE_BUF);
    for (uint32_t t = 0; t < n; t++)
        imu_gbuf_push(&g, samples + t * IMULAB_N_AXES);
    uint16_t k = imu_gbuf_finish(&g);
    if (k == 0)
        memset(s->window, 0, sizeof s->window);
    else
        imu_resample_i16(s->gstore, k, IMULAB_N_AXES, s->window, IMULAB_WINDOW_LEN);
    live_restart(&s->live); /* the stream starts again (a new gesture, a new segmenter) */
    s->seg_ready = 0;
    return s->window;
#else
    (void)s;
    return n >= IMULAB_WINDOW_LEN ? samples : NULL;
#endif
}

int imulab_classify(struct imulab_state *s, const int16_t *samples, uint32_t n, struct imulab_result *out)
{
    memset(out, 0, sizeof *out);
    const int16_t *w = example_window(s, samples, n);
    if (!w)
        return -1;
    run_window(s, w, out);
    out->length = n;
    out->decision = (uint8_t)out->class_index;
    return out->class_index;
}

void imulab_network_input(struct imulab_state *s, const int16_t *samples, uint32_t n, int8_t *input)
{
    const int16_t *w = example_window(s, samples, n);
    if (!w) {
        memset(input, 0, IMULAB_N_INPUTS);
        return;
    }
    imu_features(&imu_model_features, w, imu_model_input_scale, s->work, s->features);
    imu_nn_quantize_input(&imu_model_nn, s->features, s->nn_a);
    const int8_t *q = s->nn_a;
    const struct imu_conv_net *c = imu_model_nn.conv;
    if (c && c->ops[0].kind == IMU_CONV_CONV) /* a conv front end's tensor follows its padding rows */
        q += (size_t)c->ops[0].pad * c->ch;
    memcpy(input, q, IMULAB_N_INPUTS);
}

const char *imulab_label(int class_index)
{
    if (class_index == IMULAB_UNCERTAIN)
        return "uncertain";
    return class_index >= 0 && class_index < IMULAB_N_CLASSES ? imu_model_labels[class_index] : "?";
}
