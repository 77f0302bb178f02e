/* SPDX-License-Identifier: MIT */
/* cost.c -- what a model costs on the device: flash and RAM of the classifier firmware built
 * around it (classifier-nucleo-f446re, arm-none-eabi-size), and instructions per window (features,
 * input quantization, int8 network, argmax) on the Cortex-M4.
 *
 * The model is a sum of terms that follow the code: per sample and axis (conversion, mean and
 * moments), per filter section, per FFT frame (trivial and twiddled butterflies of the radix-2
 * transform, counted as portable/imu_features.c runs them; a measured figure for the 16-point
 * frames, which have their own path), per spectral bin (log10), per raw point;
 * per feature (input quantization), per block of 4 weight rows x 4 inputs (two SMLAD pairs), per
 * leftover row x 4 inputs, per output (requantization), per layer. The coefficients were fitted by
 * least squares on 27 shapes measured with tests/trainer/cost/run.sh (QEMU -icount; the firmware
 * counts 0.8% more: its own call overhead); flash is the firmware's code by feature group plus the
 * model's constant data byte for byte, RAM its buffers byte for byte, both fitted on 12 builds of
 * classifier-nucleo-f446re (with the live path of portable/live.c and its decision logic: the default model is 17,336 B).
 * Residuals on those shapes: instructions -3.5%..+6% (FFT 8 over-estimated by up to 22%), flash
 * -257..+274 bytes, RAM within 4 bytes. Gesture mode: the sub-segment stats, differences and the
 * resampler (21.5 instructions per point and axis) were measured the same way on 9 gesture
 * models; the gesture firmware's flash and RAM terms were fitted on 3 builds (RAM within 8 bytes). tr_cost_fits adds margins that cover the under-estimates;
 * tests/trainer/cost_qemu.sh checks the prediction against the board for a few shapes.
 * Firmware changes move the base figures: re-measure and refit (docs/model.md says how). */
#include "trainer_int.h"
#include "tr_conv.h"

#include <string.h>

#define FLASH_BASE 12592          /* firmware without feature groups and model data (refitted after the i12+i15 images; +8 B: validation flow control) */
#define FLASH_STATS 137
#define FLASH_SPECTRAL 1211
#define FLASH_RAW 100
#define FLASH_SUBSTATS 150        /* estimates: code of these groups (not measured alone) */
#define FLASH_DERIV 60
#define FLASH_GESTURE 1020        /* segmenter, gesture buffer, resampler and the firmware's glue,
                                   * fitted on 3 gesture builds (residuals -55..+84 bytes) */
#define FLASH_CONV 560           /* portable/conv.c (imu_conv_run, the input quantization) and the
                                   * conv branches of nn.c, fitted on 5 conv builds (-8..+4 bytes) */
#define RAM_CONV (-14)            /* fitted on the same builds (residuals -4..+4 bytes): 26, less the 40 B
                                   * the gesture term and the base gained in the merge of 10, 14, 21 */
#define RAM_BASE (5224 - 1536 + 49) /* firmware state, stack (1.5 KB) and receive buffers (128-byte command frames: -112 B);
                                     * the sample ring and the one frame buffer are terms of their own */
#define FLASH_MARGIN 272          /* bytes: the largest under-estimate seen (257) */
#define INSN_MARGIN 0.05          /* share: under-estimates up to 3.5%, firmware overhead 0.8% */

void tr_budget_default(struct tr_budget *b)
{
    b->flash = 16384;
    b->ram = 8192;
    b->instructions = 50000;
}

/* Samples per SAMPLES frame of the classifier built for a model of this rate (classifier.cmake:
 * the larger of the emulated board's rate and the Nucleo's MPU-6050 rate nearest the model's,
 * 1 kHz / k up to 500 Hz; app_spf_for_rate: a tenth of it, 1..25). */
static int cls_samples_per_frame(double rate_hz)
{
    const int r = (int)rate_hz;
    int best = 100, bestd = 100000;
    for (int k = 1; k <= 20; k++) {
        const int mr = 1000 / k, d = mr > r ? mr - r : r - mr;
        if (1000 % k == 0 && mr <= 500 && d < bestd) { best = mr; bestd = d; }
    }
    int spf = (best > r ? best : r) / 10;
    return spf < 1 ? 1 : spf > 25 ? 25 : spf;
}

/* Butterflies of the m-point transform: trivial ones (twiddle 1 or -i) and twiddled ones. */
static void fft_butterflies(unsigned m, double *trivial, double *twiddled)
{
    double t = m / 2, w = 0;
    for (unsigned len = 4; len <= m; len <<= 1) {
        t += 2.0 * (m / len);
        w += (double)(len / 2 - 2) * (m / len);
    }
    *trivial = t;
    *twiddled = w;
}

/* FFT frames of a window of n samples (hop fft_len/2, the last one zero-padded). */
static int fft_frames(unsigned n, unsigned nf)
{
    int f = 1;
    for (unsigned s = 0; s + nf < n; s += nf / 2) f++;
    return f;
}

double tr_cost_feature_instructions(const struct imu_feat_config *f)
{
    const double na = f->n_axes, n = f->window_len;
    /* per sample: scaling, sum and moments (always computed); the stats group's divisions and
     * square root; raw points: measured with tests/trainer/cost/run.sh on stats-only models of 52
     * and 104 samples and stats + raw 32 (the code of issue 15: scaling and sum in one pass) */
    double per_axis = 19.0 * n + 15.3 * n * f->n_sections;
    if (f->flags & IMU_FEAT_STATS) per_axis += 58.0;
    if (f->flags & IMU_FEAT_SPECTRAL) {
        const unsigned nf = f->fft_len, m = nf / 2;
        const int fr = fft_frames(f->window_len, nf);
        if (nf == 16) {
            /* the 16-point frame path (frame16 in imu_features.c): measured on the default model
             * (104 x 3 samples, 12 frames per axis: 16,542 instructions of features) */
            per_axis += fr * 228.4 + 65.91 * m;
        } else {
            /* the general radix-2 path, fitted before issue 15 together with a per-axis constant of
             * 482 that the measurements above put elsewhere: 424 of it stays here */
            double triv, twid;
            fft_butterflies(m, &triv, &twid);
            per_axis += fr * (21.43 * twid + 71.12 * triv) + 65.91 * m + 424.0;
        }
    }
    if (f->flags & IMU_FEAT_RAW) per_axis += 26.5 * f->raw_points;
    if (f->flags & IMU_FEAT_SUBSTATS) per_axis += 7.0 * n + 41.0 * f->n_sub;
    if (f->flags & IMU_FEAT_DERIV) per_axis += 8.0 * (f->raw_points - 1);
    return na * per_axis;
}

void tr_cost_predict(const struct tr_model *m, int n_hidden, const int *hidden, struct tr_cost *c)
{
    memset(c, 0, sizeof *c);
    int sizes[TR_MAX_HIDDEN + 2], L = n_hidden + 1;
    sizes[0] = m->conv ? m->conv->l[m->conv->n - 1].ch_out : m->n_feat;
    for (int k = 0; k < n_hidden; k++) sizes[k + 1] = hidden[k];
    sizes[L] = m->n_labels;
    /* input quantization and the int8 layers (portable/nn.c after the LDM kernel of issue 15),
     * fitted on 7 models measured with tests/trainer/cost/run.sh (residuals -0.7%..+0.9%) */
    double net = 23.65 * m->n_feat - 101.37;
    int consts = 8 * m->n_feat, widest = 0, outs = 0;
    if (m->conv) tr_conv_cost(m, &net, &consts, &widest); /* its input quantization and layers */
    for (int k = 0; k < L; k++) {
        const int pin = (int)IMU_NN_PAD4((unsigned)sizes[k]), no = sizes[k + 1];
        net += 1.332 * pin * no + 54.72 * no + 210.56;
        consts += pin * no + 8 * no + (int)IMU_NN_PAD4((unsigned)no) + 20;
        c->weights += pin * no;
        outs += no;
        if (pin > widest) widest = pin;
        if ((int)IMU_NN_PAD4((unsigned)no) > widest) widest = (int)IMU_NN_PAD4((unsigned)no);
    }
    (void)outs;
    const struct imu_feat_config *f = &m->feat;
    double resample = 0;
    if (m->mode == TR_MODE_GESTURE) resample = 21.5 * f->window_len * f->n_axes; /* imu_resample_i16 */
    c->instr_features = (int)((m->conv ? tr_conv_feature_instructions(m) : tr_cost_feature_instructions(f)) + resample + 0.5);
    c->instr_network = (int)(net + 0.5);
    c->instructions = c->instr_features + c->instr_network;
    c->flash = FLASH_BASE + consts;
    if (f->flags & IMU_FEAT_STATS) c->flash += FLASH_STATS;
    if (f->flags & IMU_FEAT_SPECTRAL) c->flash += FLASH_SPECTRAL;
    if (f->flags & IMU_FEAT_RAW) c->flash += FLASH_RAW;
    if (f->flags & IMU_FEAT_SUBSTATS) c->flash += FLASH_SUBSTATS;
    if (f->flags & IMU_FEAT_DERIV) c->flash += FLASH_DERIV;
    if (m->mode == TR_MODE_GESTURE) c->flash += FLASH_GESTURE;
    if (m->conv) c->flash += FLASH_CONV;
    /* the link's frame buffer and the sample ring, sized per model as classifier.cmake does */
    const int spf = cls_samples_per_frame(m->rate_hz);
    int payload = 14 + 4 * m->n_feat + m->n_labels + 9; /* + the decision and anomaly blocks */
    if (payload < 16 + 12 * spf) payload = 16 + 12 * spf; /* SAMPLES */
    if (payload < 184) payload = 184;                    /* HELLO */
    int ring = 16;
    while (ring < spf + 16) ring *= 2;
    c->ram = RAM_BASE + 2 * f->window_len * f->n_axes + 4 * imu_features_work_len(f) + 4 * m->n_feat +
             2 * widest + payload + 24 * ring;
    if (m->mode == TR_MODE_GESTURE) c->ram += 2 * m->gesture_buf * f->n_axes + 167; /* gesture buffer, segmenter (+36 B after the merge of issues 10, 14, 21: measured by cost_qemu g1; -45 B with the base refitted for the per-model link buffers) */
    if (m->conv) c->ram += RAM_CONV;
}

/* The anomaly model (portable/anomaly.c and its call in classifier_main.c): code estimated from
 * one pair of builds (ei-xiao-gestures without updown, 60-20-10-3, gauss 4 x 20: +488 B of flash,
 * +8 B of RAM on classifier-nucleo-f446re), data byte for byte, instructions per
 * centroid and value of the weighted distance loop (that build: +763 instructions per window
 * measured by imulab validate on QEMU, 42,720 -> 43,483; predicted 840). */
#define FLASH_ANOMALY_CODE 292
#define INSN_ANOMALY_PER_VALUE 9.0
#define INSN_ANOMALY_PER_CENTROID 30.0

int tr_anomaly_layer_for(const struct tr_options *o, int n_hidden)
{
    if (o->anomaly_layer >= 0) return o->anomaly_layer <= n_hidden ? o->anomaly_layer : n_hidden;
    return n_hidden > 0 ? 1 : 0;
}

void tr_cost_add_anomaly(const struct tr_model *m, int n_hidden, const int *hidden, const struct tr_options *o,
                         struct tr_cost *c)
{
    if (o->anomaly == TR_ANOM_NONE) return;
    const int method = o->anomaly < 0 ? TR_ANOM_GAUSS : o->anomaly;
    const int layer = tr_anomaly_layer_for(o, n_hidden);
    const int d = layer ? hidden[layer - 1] : m->n_feat, k = o->anomaly_k > 0 ? o->anomaly_k : m->n_labels;
    c->flash += FLASH_ANOMALY_CODE + k * d + 20 + (method == TR_ANOM_GAUSS ? k * d + 4 * k : 0);
    c->ram += 8; /* the score in the two transmit payloads */
    const int insn = (int)(INSN_ANOMALY_PER_VALUE * k * d + INSN_ANOMALY_PER_CENTROID * k + 0.5);
    c->instr_network += insn;
    c->instructions += insn;
}

void tr_cost_add_model_anomaly(const struct tr_model *m, struct tr_cost *c)
{
    if (m->anom.method == TR_ANOM_NONE) return;
    struct tr_options o;
    tr_options_default(&o);
    o.anomaly = m->anom.method;
    o.anomaly_k = m->anom.k;
    o.anomaly_layer = m->anom.layer;
    int hid[TR_MAX_HIDDEN] = {0};
    for (int k = 0; k + 1 < m->n_layers && k < TR_MAX_HIDDEN; k++) hid[k] = m->sizes[k + 1];
    tr_cost_add_anomaly(m, m->n_layers - 1, hid, &o, c);
}

int tr_cost_fits(const struct tr_cost *c, const struct tr_budget *b)
{
    return c->flash + FLASH_MARGIN <= b->flash && c->ram <= b->ram &&
           (double)c->instructions * (1.0 + INSN_MARGIN) <= (double)b->instructions;
}
