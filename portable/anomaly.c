/* SPDX-License-Identifier: MIT */
/* anomaly.c -- see anomaly.h. Integer arithmetic only; no allocation. */
#include "anomaly.h"
#include "conv.h"

#include <assert.h>

#include "nn.h"

/* Weighted squared distance of x to one centroid; stops early (same result) once above best. */
static uint32_t distance(const int8_t *x, const int8_t *c, const uint8_t *w, unsigned n, uint32_t best)
{
    uint32_t s = 0;
    for (unsigned i = 0; i < n; i++) {
        int32_t d = (int32_t)x[i] - c[i];
        uint32_t t = (uint32_t)(d * d) * (w ? w[i] : 1u); /* at most 255^2 * 255 */
        s = s > UINT32_MAX - t ? UINT32_MAX : s + t;
        if (s > best) break;
    }
    return s;
}

uint32_t imu_anomaly_score(const struct imu_anomaly *a, const int8_t *x)
{
    assert(a->n_centroids > 0 && a->n_dim > 0);
    uint32_t best = UINT32_MAX;
    for (unsigned k = 0; k < a->n_centroids; k++) {
        const unsigned off = k * a->n_dim;
        const uint32_t b = a->bias ? a->bias[k] : 0u;
        if (b >= best) continue;
        uint32_t s = distance(x, a->centroids + off, a->weights ? a->weights + off : 0, a->n_dim, best - b);
        s = s > UINT32_MAX - b ? UINT32_MAX : s + b;
        if (s < best) best = s;
    }
    return best;
}

int8_t *imu_anomaly_run(const struct imu_nn_model *m, const struct imu_anomaly *a, int8_t *buf_a, int8_t *buf_b,
                        uint32_t *score)
{
    int8_t *in = buf_a, *out = buf_b;
    if (a->layer == 0) *score = imu_anomaly_score(a, in);
    if (m->conv) { /* the front end before the dense layers, as imu_nn_run */
        in = m->conv->run(m->conv, buf_a, buf_b);
        out = in == buf_a ? buf_b : buf_a;
    }
    for (unsigned k = 0; k < m->n_layers; k++) {
        imu_nn_dense(&m->layers[k], in, out);
        int8_t *t = in; in = out; out = t;
        if (a->layer == k + 1) *score = imu_anomaly_score(a, in);
    }
    return in;
}

void imu_anomaly_learn_init(struct imu_anomaly_learn *l, uint16_t n_dim, int32_t *sum, uint32_t *sum2,
                            int8_t *centroid, uint8_t *weight)
{
    l->n_dim = n_dim;
    l->n = 0;
    l->sum = sum;
    l->sum2 = sum2;
    l->centroid = centroid;
    l->weight = weight;
    for (unsigned i = 0; i < n_dim; i++) {
        sum[i] = 0;
        sum2[i] = 0;
        centroid[i] = 0;
        weight[i] = 1;
    }
}

void imu_anomaly_learn_add(struct imu_anomaly_learn *l, const int8_t *x)
{
    if (l->n >= (1u << 18)) return; /* the sums would overflow: later windows are ignored */
    for (unsigned i = 0; i < l->n_dim; i++) {
        l->sum[i] += x[i];
        l->sum2[i] += (uint32_t)((int32_t)x[i] * x[i]);
    }
    l->n++;
}

/* Round-half-away division of a signed sum by a positive count. */
static int32_t div_round(int32_t a, uint32_t n)
{
    const int32_t h = (int32_t)(n / 2u);
    return a >= 0 ? (a + h) / (int32_t)n : -((-a + h) / (int32_t)n);
}

/* The variance of dimension i in units of 1/16 LSB^2: 16 * (sum2 - sum^2/n) / n, floored at 16
 * (1 LSB^2, the quantization step). */
static uint32_t learn_var16(const struct imu_anomaly_learn *l, unsigned i)
{
    int64_t s = l->sum[i];
    int64_t ss = (int64_t)l->sum2[i] * l->n - s * s; /* n^2 * variance, >= 0 */
    uint64_t v = (uint64_t)(ss < 0 ? 0 : ss) * 16u / ((uint64_t)l->n * l->n);
    if (v < 16) v = 16;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int imu_anomaly_learn_fit(struct imu_anomaly_learn *l)
{
    if (l->n == 0) return -1;
    /* weight = 255 * var16_min / var16, at least 1; two passes over the sums (no array of
     * variances: the device's stack is small) */
    uint32_t vmin = UINT32_MAX;
    const unsigned nd = l->n_dim <= IMU_ANOMALY_MAX_DIM ? l->n_dim : IMU_ANOMALY_MAX_DIM;
    for (unsigned i = 0; i < nd; i++) {
        int32_t m = div_round(l->sum[i], l->n);
        if (m > 127) m = 127;
        if (m < -128) m = -128;
        l->centroid[i] = (int8_t)m;
        const uint32_t v = learn_var16(l, i);
        if (v < vmin) vmin = v;
    }
    for (unsigned i = 0; i < nd; i++) {
        const uint32_t v = learn_var16(l, i);
        uint32_t w = (uint32_t)((255ull * vmin + v / 2) / v);
        l->weight[i] = (uint8_t)(w < 1 ? 1 : w > 255 ? 255 : w);
    }
    return 0;
}
