/* SPDX-License-Identifier: MIT */
/* test_quant -- post-training int8 quantization (trainer/quant.c) against the TFLite int8 scheme
 * it promises (docs/model.md, portable/nn.h), checked by the properties the scheme defines rather
 * than by recomputing the code's own formulas:
 *
 *  1. QuantizeMultiplier: M = mult * 2^(shift-31), mult in [2^30, 2^31), the mantissa rounded to
 *     nearest: |mult * 2^(shift-31) - M| <= half a unit of mult (a truncated mantissa breaks it).
 *  2. Activation ranges: scale = (hi - lo) / 255 with the range widened to hold 0, the zero point
 *     an integer with real 0 exactly representable, q = -128 and q = 127 dequantize to the ends
 *     of the range within one step (a zero point of the wrong sign does not).
 *  3. A trained model: weights symmetric per output channel (the largest at +-127, each within
 *     half a step of its float value), biases within half a step at scale s_in * s_w, the
 *     zero-point fold, every layer's multiplier within half a unit of s_in * s_w / s_out,
 *     ReLU layers clamped at their zero point and the last layer at [-128, 127], the input
 *     quantization folding the feature normalization, and int8 within a point of float.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trainer.h"
#include "trainer_int.h"

static uint64_t rs = 88172645463325252ull;
static double urand(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (double)(rs >> 11) / 9007199254740992.0;
}

/* |mult * 2^(shift-31) - M| within half a unit of the 31-bit mantissa (exact in double). */
static int multiplier_ok(double M, int32_t mult, int8_t shift)
{
    if (mult < (1 << 30))
        return 0;
    double unit = ldexp(1.0, shift - 31);
    return fabs((double)mult * unit - M) <= 0.5 * unit;
}

static void test_multiplier(void)
{
    int32_t mult;
    int8_t shift;
    /* 0.3 = 0.6 * 2^-1; 0.6 * 2^31 = 1288490188.8: rounded 1288490189, truncated ...188 */
    tr_quantize_multiplier(0.3, &mult, &shift);
    CHECK_EQ(mult, 1288490189);
    CHECK_EQ(shift, -1);
    tr_quantize_multiplier(1.0, &mult, &shift);
    CHECK(mult == (1 << 30) && shift == 1);
    /* a mantissa that rounds up to 2^31 moves to the next power of two */
    tr_quantize_multiplier(1.0 - ldexp(1.0, -34), &mult, &shift);
    CHECK_MSG(mult == (1 << 30) && shift == 1, "mult %d shift %d", mult, shift);
    tr_quantize_multiplier(0.0, &mult, &shift);
    CHECK(mult == 0 && shift == 0);
    tr_quantize_multiplier(-1.0, &mult, &shift);
    CHECK(mult == 0 && shift == 0);
    int bad = 0, rounded_up = 0;
    for (int i = 0; i < 20000; i++) {
        double M = ldexp(0.5 + 0.5 * urand(), (int)(urand() * 50) - 40); /* 2^-41 .. 2^9 */
        tr_quantize_multiplier(M, &mult, &shift);
        if (M < ldexp(1.0, -32))
            continue; /* below what a shift of -31 represents: 0 is allowed */
        if (!multiplier_ok(M, mult, shift)) {
            if (bad++ < 5)
                CHECK_MSG(0, "M = %.17g: mult %d shift %d is not within half a unit", M, mult, shift);
        }
        rounded_up += (double)mult * ldexp(1.0, shift - 31) > M;
    }
    CHECK_MSG(bad == 0, "%d of 20000 multipliers not rounded to nearest", bad);
    CHECK_MSG(rounded_up > 5000, "only %d multipliers rounded up: truncation?", rounded_up);
}

static void test_range(void)
{
    const double r[][2] = {{-1, 1}, {-3.7, 0.2}, {0, 5}, {0.5, 2}, {-2, -0.5}, {-1e-3, 9}, {-100, 1e-4}, {-0.25, 7.1}};
    for (unsigned i = 0; i < sizeof r / sizeof r[0]; i++) {
        float s;
        int zp;
        tr_range_qparams(r[i][0], r[i][1], &s, &zp);
        double lo = r[i][0] < 0 ? r[i][0] : 0, hi = r[i][1] > 0 ? r[i][1] : 0;
        CHECK_MSG(fabs(s - (hi - lo) / 255.0) <= 1e-6 * (hi - lo), "range %g..%g: scale %g", lo, hi, s);
        CHECK_MSG(zp >= -128 && zp <= 127, "range %g..%g: zero point %d", lo, hi, zp);
        /* the ends of the int8 range land on the ends of the real range (within a step) */
        CHECK_MSG(fabs(s * (-128 - zp) - lo) <= 1.0001 * s, "range %g..%g: q=-128 is %g", lo, hi, s * (-128 - zp));
        CHECK_MSG(fabs(s * (127 - zp) - hi) <= 1.0001 * s, "range %g..%g: q=127 is %g", lo, hi, s * (127 - zp));
    }
}

static float *wave(int n, int na, float freq, float amp, float off)
{
    float *v = malloc(sizeof(float) * (size_t)n * na);
    for (int t = 0; t < n; t++)
        for (int a = 0; a < na; a++)
            v[t * na + a] = off + amp * sinf(freq * (float)t + (float)a) + 0.05f * (float)((t * 7 + a * 3) % 11 - 5);
    return v;
}

static void test_model(void)
{
    enum { NR = 12 };
    struct tr_recording r[NR];
    const char *ax[3] = {"x", "y", "z"}, *labels[3] = {"slow", "fast", "still"};
    memset(r, 0, sizeof r);
    for (int i = 0; i < NR; i++) {
        int l = i % 3;
        r[i].label = labels[l];
        r[i].category = i < 9 ? TR_TRAINING : TR_TESTING;
        r[i].rate_hz = 100;
        r[i].n_axes = 3;
        for (int a = 0; a < 3; a++)
            r[i].axes[a] = ax[a];
        r[i].n_samples = 600;
        r[i].values = wave(600, 3, l == 0 ? 0.1f : l == 1 ? 0.7f : 0.0f, l == 2 ? 0.05f : 1.0f + 0.1f * (float)i,
                           0.3f * (float)(i % 4));
    }
    struct tr_dataset ds = {NR, r};
    struct tr_options o;
    tr_options_default(&o);
    o.qat_epochs = 0; /* post-training quantization only: what this test checks */
    struct tr_model m;
    char err[256];
    REQUIRE(tr_train(&ds, &o, &m, err, sizeof err) == 0);
    const int L = m.n_layers;
    for (int k = 0; k <= L; k++) {
        CHECK_MSG(m.act_zp[k] >= -128 && m.act_zp[k] <= 127, "tensor %d zero point %d", k, m.act_zp[k]);
        CHECK(m.act_scale[k] > 0);
    }
    int bad_w = 0, bad_b = 0, bad_m = 0, bad_fold = 0;
    for (int k = 0; k < L; k++) {
        const struct tr_qlayer *q = &m.q[k];
        const int ni = q->n_in, no = q->n_out;
        for (int o2 = 0; o2 < no; o2++) {
            const float *w = m.W[k] + (size_t)o2 * ni;
            const double sw = q->w_scale[o2];
            int maxq = 0;
            int32_t wsum = 0;
            for (int i = 0; i < ni; i++) {
                int v = q->w[(size_t)o2 * ni + i];
                bad_w += v < -127 || v > 127 || fabs(v * sw - w[i]) > 0.5 * sw * (1 + 1e-6);
                if (abs(v) > maxq) maxq = abs(v);
                wsum += v;
            }
            float mx = 0;
            for (int i = 0; i < ni; i++)
                if (fabsf(w[i]) > mx) mx = fabsf(w[i]);
            if (fabs(mx / 127.0 - sw) < 1e-6 * sw)
                CHECK_MSG(maxq == 127, "layer %d channel %d: largest weight %d, not 127", k, o2, maxq);
            const double bs = (double)m.act_scale[k] * sw;
            bad_b += fabs(q->bias[o2] * bs - m.B[k][o2]) > 0.5 * bs * (1 + 1e-6);
            bad_fold += (int64_t)q->bias_folded[o2] != (int64_t)q->bias[o2] - (int64_t)m.act_zp[k] * wsum;
            bad_m += !multiplier_ok(bs / m.act_scale[k + 1], q->mult[o2], q->shift[o2]);
        }
        const struct imu_nn_layer *l = &m.nnl[k];
        CHECK_EQ(l->zp_out, m.act_zp[k + 1]);
        CHECK_EQ(l->act_max, 127);
        if (k < L - 1)
            CHECK_MSG(l->act_min == m.act_zp[k + 1], "hidden layer %d: ReLU clamp %d, zero point %d", k, l->act_min,
                      m.act_zp[k + 1]);
        else
            CHECK_MSG(l->act_min == -128, "output layer: clamp at %d, not -128", l->act_min);
    }
    CHECK_MSG(bad_w == 0, "%d weights not within half a step of their float value", bad_w);
    CHECK_MSG(bad_b == 0, "%d biases not within half a step", bad_b);
    CHECK_MSG(bad_fold == 0, "%d folded biases differ from bias - zp_in * sum(w)", bad_fold);
    CHECK_MSG(bad_m == 0, "%d requantization multipliers not rounded to nearest", bad_m);
    /* input quantization: q = round((f - mean) / std / s_in) + zp_in, saturated */
    struct tr_windows te;
    REQUIRE(tr_make_windows(&m, &ds, TR_TESTING, &te, err, sizeof err) == 0);
    int bad_in = 0;
    for (int w = 0; w < te.n; w++) {
        int8_t qi[1024 + 4];
        const float *f = te.x + (size_t)w * te.n_feat;
        imu_nn_quantize_input(&m.nn, f, qi);
        for (int i = 0; i < m.n_feat; i++) {
            double want = ((double)f[i] - m.feat_mean[i]) / m.feat_std[i] / m.act_scale[0] + m.act_zp[0];
            want = want < -128 ? -128 : want > 127 ? 127 : want;
            bad_in += fabs(qi[i] - want) > 0.5 + 1e-3;
        }
    }
    CHECK_MSG(bad_in == 0, "%d quantized inputs off by more than half a step", bad_in);
    /* the accuracy promise: int8 within about a point of float */
    CHECK_MSG(m.acc_int8 >= m.acc_float - 0.01, "int8 %.4f against float %.4f", m.acc_int8, m.acc_float);
    printf("model: %d layers, float %.4f, int8 %.4f on %d testing windows\n", L, m.acc_float, m.acc_int8, te.n);
    tr_windows_free(&te);
    tr_model_free(&m);
    for (int i = 0; i < NR; i++)
        free((void *)r[i].values);
}

int main(void)
{
    test_multiplier();
    test_range();
    test_model();
    return check_report("test_quant");
}
