/* SPDX-License-Identifier: MIT */
/* test_check -- tr_model_check (trainer/check.c): every range check of a loaded model refuses its
 * bad value with a message naming the model.json field (and the element), and accepts the values
 * at the edges of its range. model.json comes from outside; its numbers drive loops, shifts and
 * int32 accumulators (docs/model.md), so each check is a promise: a field out of range never
 * reaches the kernels.
 *
 * The model is a small trained one (continuous mode, a low-pass filter, spectral and raw
 * features, one hidden layer); each case changes one value of it, checks the refusal and its
 * message, and puts the value back (the untouched model passes before and after every case).
 * Then the same for a gesture-mode model (stride 0) and the int8 layer's edges. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trainer.h"

static char why[512];

/* The model is refused, the message contains each of the texts (NULL ends the list). */
#define REFUSED(m, ...) refused_(m, __FILE__, __LINE__, (const char *[]){__VA_ARGS__, NULL})
static void refused_(const struct tr_model *m, const char *file, int line, const char **texts)
{
    why[0] = 0;
    int rc = tr_model_check(m, why, sizeof why);
    CHECK_MSG(rc == -1, "%s:%d: accepted (want a refusal naming '%s')", file, line, texts[0]);
    for (int i = 0; texts[i]; i++)
        CHECK_MSG(strstr(why, texts[i]) != NULL, "%s:%d: message '%s' lacks '%s'", file, line, why, texts[i]);
}

#define ACCEPTED(m, what)                                                                                              \
    do {                                                                                                               \
        why[0] = 0;                                                                                                    \
        CHECK_MSG(tr_model_check(m, why, sizeof why) == 0, "%s: refused: %s", what, why);                             \
    } while (0)

/* Set *p to v, check the refusal names the texts, restore *p. */
#define BAD(m, p, v, ...)                                                                                              \
    do {                                                                                                               \
        __typeof__(*(p)) keep_ = *(p);                                                                                 \
        *(p) = (v);                                                                                                    \
        REFUSED(m, __VA_ARGS__);                                                                                       \
        *(p) = keep_;                                                                                                  \
    } while (0)
#define GOOD(m, p, v)                                                                                                  \
    do {                                                                                                               \
        __typeof__(*(p)) keep_ = *(p);                                                                                 \
        *(p) = (v);                                                                                                    \
        ACCEPTED(m, #p " = " #v);                                                                                      \
        *(p) = keep_;                                                                                                  \
    } while (0)

static float *wave(int n, int na, float freq)
{
    float *v = malloc(sizeof(float) * (size_t)n * (size_t)na);
    for (int t = 0; t < n; t++)
        for (int a = 0; a < na; a++)
            v[t * na + a] = sinf(freq * (float)t + (float)a) + 0.03f * (float)((t * 5 + a) % 7);
    return v;
}

static int train(struct tr_model *m, int mode, struct tr_recording *r, int n)
{
    struct tr_dataset ds = {n, r};
    struct tr_options o;
    tr_options_default(&o);
    o.mode = mode;
    o.n_hidden = 1;
    o.hidden[0] = 4;
    o.epochs = 2;
    o.qat_epochs = 0;
    o.anomaly = TR_ANOM_NONE;
    if (mode == TR_MODE_CONTINUOUS) {
        o.feat_auto = 0;
        o.feat_flags = IMU_FEAT_STATS | IMU_FEAT_SPECTRAL | IMU_FEAT_RAW | IMU_FEAT_HANN;
        o.fft_len = 8;
        o.raw_points = 4;
        o.filter = 1;
        o.filter_hz = 10;
    }
    char err[256];
    int rc = tr_train(&ds, &o, m, err, sizeof err);
    CHECK_MSG(rc == 0, "train: %s", err);
    return rc;
}

/* Names: 1 to 64 printable bytes. */
static void names(struct tr_model *m)
{
    char *keep = m->labels[1];
    char long_name[70];
    memset(long_name, 'n', 65);
    long_name[65] = 0;
    m->labels[1] = "";
    REFUSED(m, "labels[1] is 0 bytes", "1 to 64");
    m->labels[1] = long_name;
    REFUSED(m, "labels[1] is 65 bytes");
    long_name[64] = 0;
    ACCEPTED(m, "a label of 64 bytes");
    m->labels[1] = "ab\x1b" "c";
    REFUSED(m, "labels[1] has a control character at byte 2");
    m->labels[1] = "ab\x7f";
    REFUSED(m, "labels[1] has a control character at byte 2");
    m->labels[1] = "caf\xc3\xa9"; /* UTF-8 is not a control character */
    ACCEPTED(m, "a UTF-8 label");
    m->labels[1] = keep;
    keep = m->axes[2];
    m->axes[2] = "z\n";
    REFUSED(m, "axes[2] has a control character at byte 1");
    m->axes[2] = "";
    REFUSED(m, "axes[2] is 0 bytes");
    m->axes[2] = keep;
}

/* Rate, stride, input scales, features, normalization, the float network. */
static void description(struct tr_model *m)
{
    BAD(m, &m->rate_hz, 0.0, "sample_rate_hz is 0", "above 0, at most 100000");
    BAD(m, &m->rate_hz, -5.0, "sample_rate_hz is -5");
    BAD(m, &m->rate_hz, 100001.0, "sample_rate_hz is 100001");
    BAD(m, &m->rate_hz, NAN, "sample_rate_hz is nan");
    GOOD(m, &m->rate_hz, 100000.0);
    BAD(m, &m->stride_len, 0, "stride_len is 0", "want 1 to window_len");
    BAD(m, &m->stride_len, m->window_len + 1, "stride_len is", "0 in gesture mode");
    GOOD(m, &m->stride_len, m->window_len);
    GOOD(m, &m->stride_len, 1);
    BAD(m, &m->in_scale[1], 0.0f, "input_scale[1] is 0", "above 0");
    BAD(m, &m->in_scale[0], -1.0f, "input_scale[0] is -1");
    BAD(m, &m->in_scale[2], INFINITY, "input_scale[2] is inf");
    BAD(m, &m->in_scale[2], 2e9f, "input_scale[2] is 2e+09", "at most 1e+09");
    /* spectral: a power of two from 8 to the window */
    BAD(m, &m->feat.fft_len, 4, "features.fft_len is 4", "power of two from 8");
    BAD(m, &m->feat.fft_len, 12, "features.fft_len is 12");
    BAD(m, &m->feat.fft_len, IMU_FEAT_MAX_FFT * 2, "features.fft_len is");
    BAD(m, &m->feat.fft_len, 64, "features.fft_len is 64", "at most window_len"); /* window of 50 */
    GOOD(m, &m->feat.fft_len, 32);
    unsigned flags = m->feat.flags;
    m->feat.flags &= ~IMU_FEAT_SPECTRAL;
    GOOD(m, &m->feat.fft_len, 12); /* no spectral features: the FFT length is not used */
    m->feat.flags = flags;
    BAD(m, &m->feat.raw_points, 1, "features.raw_points is 1", "2 to 256");
    BAD(m, &m->feat.raw_points, 257, "features.raw_points is 257");
    GOOD(m, &m->feat.raw_points, 2);
    BAD(m, &m->feat.raw_scale, NAN, "features.raw_scale is nan");
    BAD(m, &m->feat.raw_scale, 2e9f, "features.raw_scale is 2e+09");
    BAD(m, &m->feat.log_floor, 0.0f, "features.log_floor is 0", "above 0, at most 1");
    BAD(m, &m->feat.log_floor, 1.5f, "features.log_floor is 1.5");
    BAD(m, &m->feat.log_floor, NAN, "features.log_floor is nan");
    GOOD(m, &m->feat.log_floor, 1.0f);
    REQUIRE(m->feat.n_sections >= 1);
    BAD(m, &m->feat.sos[0][3], 2000.0f, "features.filter_sos[0][3] is 2000");
    BAD(m, &m->feat.sos[m->feat.n_sections - 1][4], NAN, "features.filter_sos[", "][4] is nan");
    BAD(m, &m->feat_mean[3], NAN, "normalization.mean[3] is nan");
    BAD(m, &m->feat_mean[0], -2e9f, "normalization.mean[0] is -2e+09");
    GOOD(m, &m->feat_mean[0], -1e9f);
    BAD(m, &m->feat_std[2], 0.0f, "normalization.std[2] is 0", "above 0");
    BAD(m, &m->W[0][5], 2e6f, "network.float_layers[0].weights[5] is 2e+06", "at most 1e+06");
    BAD(m, &m->W[1][0], INFINITY, "network.float_layers[1].weights[0] is inf");
    BAD(m, &m->B[1][1], NAN, "network.float_layers[1].bias[1] is nan");
    GOOD(m, &m->B[1][1], -1e6f);
}

/* The int8 network: activation scales and zero points, the input transform, every layer's
 * weight scales, multipliers, shifts and biases (the int32 accumulator's room). */
static void quantization(struct tr_model *m)
{
    BAD(m, &m->act_scale[2], 0.0f, "quantization.activation_scale[2] is 0");
    BAD(m, &m->act_zp[1], 128, "quantization.activation_zero_point[1] is 128", "-128 to 127");
    BAD(m, &m->act_zp[0], -129, "quantization.activation_zero_point[0] is -129");
    GOOD(m, &m->act_zp[0], -128);
    GOOD(m, &m->act_zp[2], 127);
    BAD(m, &m->in_mul[1], NAN, "quantization.input_mul[1] is nan");
    BAD(m, &m->in_add[2], -INFINITY, "quantization.input_add[2] is -inf");
    struct tr_qlayer *q = &m->q[1];
    BAD(m, &q->w_scale[1], -0.5f, "quantization.layers[1].weight_scale[1] is -0.5");
    BAD(m, &q->mult[0], 5, "quantization.layers[1].multiplier[0] is 5", "0 or 2^30 to 2^31-1");
    BAD(m, &q->mult[1], (1 << 30) - 1, "quantization.layers[1].multiplier[1] is 1073741823");
    BAD(m, &q->mult[1], -(1 << 30), "quantization.layers[1].multiplier[1] is -1073741824");
    GOOD(m, &q->mult[1], 0);
    GOOD(m, &q->mult[1], 1 << 30);
    GOOD(m, &q->mult[1], INT32_MAX);
    BAD(m, &q->shift[0], 31, "quantization.layers[1].shift[0] is 31", "-31 to 30");
    BAD(m, &q->shift[0], -32, "quantization.layers[1].shift[0] is -32");
    GOOD(m, &q->shift[0], -31);
    GOOD(m, &q->shift[0], 30);
    /* the accumulator's room: INT32_MAX - (n_in padded to 4) * 128 * 128 */
    const int32_t room = (int32_t)(INT32_MAX - (int64_t)((q->n_in + 3) / 4 * 4) * 128 * 128);
    BAD(m, &q->bias_folded[1], room + 1, "quantization.layers[1].bias_folded[1] is", "the int32 accumulator");
    BAD(m, &q->bias_folded[1], -room - 1, "quantization.layers[1].bias_folded[1] is");
    GOOD(m, &q->bias_folded[1], room);
    GOOD(m, &q->bias_folded[1], -room);
    BAD(m, &q->bias[0], room + 1, "quantization.layers[1].bias[0] is");
    BAD(m, &q->bias[0], INT32_MIN, "quantization.layers[1].bias[0] is -2147483648");
    GOOD(m, &q->bias[0], -room);
    q = &m->q[0];
    BAD(m, &q->w_scale[q->n_out - 1], NAN, "quantization.layers[0].weight_scale[3] is nan");
    BAD(m, &q->shift[q->n_out - 1], 100, "quantization.layers[0].shift[3] is 100");
}

/* Gesture mode: no stride (0), anything else is refused. */
static void gesture(struct tr_model *m)
{
    CHECK_EQ(m->mode, TR_MODE_GESTURE);
    ACCEPTED(m, "the gesture model");
    BAD(m, &m->stride_len, 1, "stride_len is 1", "0 in gesture mode");
    BAD(m, &m->stride_len, -1, "stride_len is -1");
}

int main(void)
{
    enum { N = 8 };
    struct tr_recording r[N];
    const char *ax[3] = {"x", "y", "z"};
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        r[i].label = i % 2 ? "b" : "a";
        r[i].category = i < 6 ? TR_TRAINING : TR_TESTING;
        r[i].rate_hz = 50;
        r[i].n_axes = 3;
        for (int a = 0; a < 3; a++)
            r[i].axes[a] = ax[a];
        r[i].n_samples = 200;
        r[i].values = wave(200, 3, i % 2 ? 0.5f : 0.1f);
    }
    struct tr_model m;
    if (train(&m, TR_MODE_CONTINUOUS, r, N) == 0) {
        REQUIRE(m.n_layers == 2 && m.window_len == 50 && m.n_labels == 2);
        ACCEPTED(&m, "the trained model");
        names(&m);
        description(&m);
        quantization(&m);
        ACCEPTED(&m, "the trained model after every case (each value restored)");
        tr_model_free(&m);
    }
    if (train(&m, TR_MODE_GESTURE, r, N) == 0) {
        gesture(&m);
        tr_model_free(&m);
    }
    for (int i = 0; i < N; i++)
        free((void *)r[i].values);
    return check_report("test_check");
}
