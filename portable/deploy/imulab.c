/* imulab.c -- the application interface of an exported model (see imulab.h): a ring of the last
 * window, a decision every stride, and the one-shot classification, on top of the portable feature
 * extractor and int8 network that the imulab host and the classifier firmware run.
 *
 * The stream path mirrors the classifier firmware: rows go into a ring of IMULAB_WINDOW_LEN rows;
 * when the ring is full and IMULAB_STRIDE_LEN rows arrived since the last decision, the ring is
 * rotated in place (three reversals) so that the oldest row comes first, and the plain window goes
 * through imu_features(), imu_nn_quantize_input() and imu_nn_run(). Nothing allocates.
 */
#include "imulab.h"

#include <string.h>

/* C89-style compile-time checks (this file must build as C99 on any target). */
typedef char imulab_check_state_bytes[sizeof(struct imulab_state) == IMULAB_STATE_BYTES ? 1 : -1];
typedef char imulab_check_classes[IMULAB_N_CLASSES >= 2 && IMULAB_N_CLASSES <= 127 ? 1 : -1];
typedef char imulab_check_stride[IMULAB_STRIDE_LEN >= 1 && IMULAB_WINDOW_LEN <= 65535 ? 1 : -1];

void imulab_init(struct imulab_state *s)
{
    memset(s, 0, sizeof *s);
}

/* Features and network on a plain window; fills scores and class_index of *r. */
static int run_window(struct imulab_state *s, const int16_t *window, struct imulab_result *r)
{
    imu_features(&imu_model_features, window, imu_model_input_scale, s->work, s->features);
    imu_nn_quantize_input(&imu_model_nn, s->features, s->nn_a);
    const int8_t *y = imu_nn_run(&imu_model_nn, s->nn_a, s->nn_b);
    memcpy(r->scores, y, IMULAB_N_CLASSES);
    r->class_index = (int16_t)imu_nn_argmax(y, IMULAB_N_CLASSES);
    return r->class_index;
}

/* Swap rows a and b of the ring. */
static void swap_rows(int16_t *ring, unsigned a, unsigned b)
{
    for (unsigned k = 0; k < IMULAB_N_AXES; k++) {
        int16_t t = ring[a * IMULAB_N_AXES + k];
        ring[a * IMULAB_N_AXES + k] = ring[b * IMULAB_N_AXES + k];
        ring[b * IMULAB_N_AXES + k] = t;
    }
}

/* Reverse the rows [a, b) of the ring. */
static void reverse_rows(int16_t *ring, unsigned a, unsigned b)
{
    while (a + 1u < b)
        swap_rows(ring, a++, --b);
}

int imulab_push(struct imulab_state *s, const int16_t *sample)
{
    unsigned slot;
    if (s->fill == IMULAB_WINDOW_LEN) {
        slot = s->head;
        s->head = (uint16_t)((s->head + 1u) % IMULAB_WINDOW_LEN);
    } else {
        slot = (s->head + s->fill) % IMULAB_WINDOW_LEN;
        s->fill++;
    }
    memcpy(&s->ring[slot * IMULAB_N_AXES], sample, sizeof(int16_t) * IMULAB_N_AXES);
    s->pushed++;
    if (s->since < IMULAB_STRIDE_LEN)
        s->since++;
    if (s->fill < IMULAB_WINDOW_LEN || (s->has_latest && s->since < IMULAB_STRIDE_LEN))
        return 0;
    /* the oldest row first: a plain window (three reversals, in place) */
    reverse_rows(s->ring, 0, s->head);
    reverse_rows(s->ring, s->head, IMULAB_WINDOW_LEN);
    reverse_rows(s->ring, 0, IMULAB_WINDOW_LEN);
    s->head = 0;
    s->since = 0;
    run_window(s, s->ring, &s->latest);
    s->latest.count++;
    s->latest.sample_index = s->pushed;
    s->has_latest = 1;
    return 1;
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

int imulab_classify(struct imulab_state *s, const int16_t *window, struct imulab_result *out)
{
    out->count = 0;
    out->sample_index = 0;
    return run_window(s, window, out);
}

void imulab_network_input(struct imulab_state *s, const int16_t *window, int8_t *input)
{
    imu_features(&imu_model_features, window, imu_model_input_scale, s->work, s->features);
    imu_nn_quantize_input(&imu_model_nn, s->features, s->nn_a);
    memcpy(input, s->nn_a, IMULAB_N_INPUTS);
}

const char *imulab_label(int class_index)
{
    return class_index >= 0 && class_index < IMULAB_N_CLASSES ? imu_model_labels[class_index] : "?";
}
