/* SPDX-License-Identifier: MIT */
/* check.c -- every value of a loaded model against its range, naming the field.
 *
 * model.json comes from outside (a user may edit it, a file may be corrupt), and its numbers
 * drive loops, allocations, shifts and int32 accumulators: a stride of 3e9 hangs evaluation, a
 * shift of 100 or a bias next to INT32_MAX is undefined behaviour in the int8 kernel, a zero
 * standard deviation divides by zero. tr_load() converts with range checks; this file then
 * checks what the values mean, with the field named as model.json spells it.
 */
#include "trainer_int.h"
#include "tr_conv.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_FLOAT_PARAM 1e6  /* float weights and biases: training with L2 stays far below */
#define MAX_NORM 1e9         /* normalization means and spreads, input offsets */

/* Write the message; returns -1. */
static int refuse(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* All n values finite with |v| <= max (and > 0 when positive is set); else name the first. */
static int check_floats(const float *v, int n, double max, int positive, const char *field, char *why, size_t len)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]) || fabs(v[i]) > max || (positive && !(v[i] > 0)))
            return refuse(why, len, "%s[%d] is %g: want a finite number%s of magnitude at most %g", field, i, v[i],
                          positive ? " above 0" : "", max);
    return 0;
}

/* Names, labels: 1..64 bytes, printable (they go into C sources and messages). */
static int check_name(const char *s, const char *field, int i, char *why, size_t len)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return refuse(why, len, "%s[%d] is %zu bytes: want 1 to 64", field, i, n);
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
            return refuse(why, len, "%s[%d] has a control character at byte %zu", field, i, k);
    return 0;
}

/* The feature extractor's configuration. */
static int check_features(const struct tr_model *m, char *why, size_t len)
{
    const struct imu_feat_config *c = &m->feat;
    if ((c->flags & IMU_FEAT_SPECTRAL) &&
        (c->fft_len < 8 || c->fft_len > IMU_FEAT_MAX_FFT || (c->fft_len & (c->fft_len - 1)) || c->fft_len > c->window_len))
        return refuse(why, len, "features.fft_len is %u: want a power of two from 8 to %d, at most window_len (%d)",
                      c->fft_len, IMU_FEAT_MAX_FFT, m->window_len);
    if ((c->flags & IMU_FEAT_RAW) && (c->raw_points < 2 || c->raw_points > 256))
        return refuse(why, len, "features.raw_points is %u: want 2 to 256", c->raw_points);
    if (!isfinite(c->raw_scale) || fabsf(c->raw_scale) > MAX_NORM)
        return refuse(why, len, "features.raw_scale is %g: want a finite number", c->raw_scale);
    if (!isfinite(c->log_floor) || !(c->log_floor > 0) || c->log_floor > 1)
        return refuse(why, len, "features.log_floor is %g: want a number above 0, at most 1", c->log_floor);
    for (int s = 0; s < c->n_sections; s++) {
        char field[48];
        snprintf(field, sizeof field, "features.filter_sos[%d]", s);
        if (check_floats(c->sos[s], 5, 1e3, 0, field, why, len))
            return -1;
    }
    return 0;
}

/* One int8 layer: scales, requantization multipliers and shifts, biases that cannot overflow. */
static int check_qlayer(const struct tr_qlayer *L, int k, char *why, size_t len)
{
    char field[64];
    snprintf(field, sizeof field, "quantization.layers[%d].weight_scale", k);
    if (check_floats(L->w_scale, L->n_out, MAX_NORM, 1, field, why, len))
        return -1;
    /* the accumulator starts at the bias and adds at most n_in products of two int8 values
     * (rows padded to a multiple of 4): the bias must leave room for them in an int32 */
    int64_t room = INT32_MAX - (int64_t)((L->n_in + 3) / 4 * 4) * 128 * 128;
    for (int j = 0; j < L->n_out; j++) {
        if (L->mult[j] != 0 && L->mult[j] < (1 << 30))
            return refuse(why, len, "quantization.layers[%d].multiplier[%d] is %d: want 0 or 2^30 to 2^31-1", k, j,
                          (int)L->mult[j]);
        if (L->shift[j] < -31 || L->shift[j] > 30)
            return refuse(why, len, "quantization.layers[%d].shift[%d] is %d: want -31 to 30", k, j, L->shift[j]);
        if (L->bias_folded[j] > room || L->bias_folded[j] < -room)
            return refuse(why, len, "quantization.layers[%d].bias_folded[%d] is %d: want -%lld to %lld (the int32 "
                          "accumulator must hold it plus %d products)", k, j, (int)L->bias_folded[j], (long long)room,
                          (long long)room, L->n_in);
        if (L->bias[j] > room || L->bias[j] < -room)
            return refuse(why, len, "quantization.layers[%d].bias[%d] is %d: want -%lld to %lld", k, j,
                          (int)L->bias[j], (long long)room, (long long)room);
    }
    return 0;
}

int tr_model_check(const struct tr_model *m, char *why, size_t len)
{
    for (int i = 0; i < m->n_labels; i++)
        if (check_name(m->labels[i], "labels", i, why, len))
            return -1;
    for (int a = 0; a < m->n_axes; a++)
        if (check_name(m->axes[a], "axes", a, why, len))
            return -1;
    if (!(m->rate_hz > 0 && m->rate_hz <= 100000))
        return refuse(why, len, "sample_rate_hz is %g: want above 0, at most 100000", m->rate_hz);
    if (m->mode == TR_MODE_GESTURE ? m->stride_len != 0 : (m->stride_len < 1 || m->stride_len > m->window_len))
        return refuse(why, len, "stride_len is %d: want 1 to window_len (%d), 0 in gesture mode", m->stride_len,
                      m->window_len);
    if (check_floats(m->in_scale, m->n_axes, MAX_NORM, 1, "input_scale", why, len) || check_features(m, why, len))
        return -1;
    if (check_floats(m->feat_mean, m->n_feat, MAX_NORM, 0, "normalization.mean", why, len) ||
        check_floats(m->feat_std, m->n_feat, MAX_NORM, 1, "normalization.std", why, len))
        return -1;
    for (int k = 0; k < m->n_layers; k++) {
        char field[64];
        snprintf(field, sizeof field, "network.float_layers[%d].weights", k);
        if (check_floats(m->W[k], m->sizes[k] * m->sizes[k + 1], MAX_FLOAT_PARAM, 0, field, why, len))
            return -1;
        snprintf(field, sizeof field, "network.float_layers[%d].bias", k);
        if (check_floats(m->B[k], m->sizes[k + 1], MAX_FLOAT_PARAM, 0, field, why, len))
            return -1;
    }
    if (check_floats(m->act_scale, m->n_layers + 1, MAX_NORM, 1, "quantization.activation_scale", why, len))
        return -1;
    for (int k = 0; k <= m->n_layers; k++)
        if (m->act_zp[k] < -128 || m->act_zp[k] > 127)
            return refuse(why, len, "quantization.activation_zero_point[%d] is %d: want -128 to 127", k, m->act_zp[k]);
    if (check_floats(m->in_mul, m->n_feat, MAX_NORM, 0, "quantization.input_mul", why, len) ||
        check_floats(m->in_add, m->n_feat, MAX_NORM, 0, "quantization.input_add", why, len))
        return -1;
    for (int k = 0; k < m->n_layers; k++)
        if (check_qlayer(&m->q[k], k, why, len))
            return -1;
    if (m->conv && tr_conv_check(m, why, len)) return -1;
    return 0;
}
