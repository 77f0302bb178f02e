/* SPDX-License-Identifier: MIT */
/* nn.h -- int8 dense-network inference, shared by the host (eval, validation) and the firmware.
 *
 * Arithmetic: the TensorFlow Lite int8 scheme. Activations are asymmetric per-tensor int8
 * (real = scale * (q - zero_point)), weights symmetric per output channel int8, biases int32 with
 * scale = input_scale * weight_scale[j]. Each output is
 *     acc = bias[j] + sum_i (x[i] - zp_in) * w[j][i]
 *     y   = clamp(zp_out + MultiplyByQuantizedMultiplier(acc, mult[j], shift[j]), act_min, act_max)
 * with MultiplyByQuantizedMultiplier = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(
 * acc << max(shift,0), mult), max(-shift,0)) as in TFLite; a left shift saturates to int32.
 * ReLU is act_min = zp_out; the last layer has act_min -128, act_max 127.
 *
 * Layout (made by the exporter): the zero-point term is folded into the bias,
 * bias_folded[j] = bias[j] - zp_in * sum_i w[j][i], so the inner loop is a plain dot product.
 * Rows have n_in rounded up to a multiple of 4 (zero weights). Rows are stored in blocks of 4:
 * for block b and input group g, the 16 bytes are w[4b+0][4g..4g+3], w[4b+1][4g..4g+3],
 * w[4b+2][..], w[4b+3][..]; the n_out % 4 leftover rows follow, row after row. On a Cortex-M
 * with the DSP extension each word of 4 weights feeds two SMLAD dual 16-bit multiply-accumulates
 * after SXTB16; elsewhere a plain C loop computes the same integers (bit-exact by construction:
 * integer sums do not depend on the order).
 *
 * The weights should be word-aligned (the exporter declares them aligned(4)): the Cortex-M4 path
 * then loads the 4 words of a block and input group with one LDM and takes two groups per pass;
 * weights at another address are computed row by row (same results, slower).
 *
 * Requantization is inlined per output (one SMLAL, TFLite's rounding, layer fields hoisted) and
 * bit-exact with imu_nn_mbqm, which handles the rare cases (left shifts, odd multipliers).
 *
 * Buffers: inputs are read 4 bytes at a time, so every activation buffer must hold the layer's
 * n_in rounded up to 4 (IMU_NN_PAD4); the padding bytes may hold anything.
 */
#ifndef IMULAB_NN_H
#define IMULAB_NN_H

#include <stdint.h>

#define IMU_NN_PAD4(n) (((n) + 3u) & ~3u)
#define IMU_NN_MAX_LAYERS 4

struct imu_conv_net;

struct imu_nn_layer {
    uint16_t n_in, n_out;
    const int8_t *w;       /* n_out * IMU_NN_PAD4(n_in) bytes in the blocked layout */
    const int32_t *bias;   /* n_out, zero-point term folded in */
    const int32_t *mult;   /* n_out, Q31 multipliers in [2^30, 2^31) (or 0) */
    const int8_t *shift;   /* n_out, TFLite convention: > 0 left, < 0 right */
    int16_t zp_out, act_min, act_max;
};

struct imu_nn_model {
    uint16_t n_layers, n_in, n_out;
    uint16_t max_width;        /* largest IMU_NN_PAD4(width) over input and all layers */
    const struct imu_nn_layer *layers;
    /* input quantization: q[i] = round_half_away(clamp(f[i] * in_mul[i] + in_add[i], -128, 127))
     * -- the feature normalization (mean, standard deviation) folded with the input scale */
    const float *in_mul, *in_add;
    float in_scale, out_scale; /* real = scale * (q - zp) */
    int16_t in_zp, out_zp;
    /* a 1-D convolutional front end (conv.h) between the input and the layers, or NULL: then
     * n_in is the feature count, in_mul/in_add/in_scale/in_zp are unused (the front end has its
     * own), the first layer's input is the front end's output, and max_width covers its tensors */
    const struct imu_conv_net *conv;
};

/* One dense layer: in has IMU_NN_PAD4(n_in) bytes, out receives n_out bytes. */
void imu_nn_dense(const struct imu_nn_layer *l, const int8_t *in, int8_t *out);

/* The same layer at n positions (a conv layer, conv.h): position t reads in + t * in_step and
 * writes out + t * out_step; the same integers as n calls of imu_nn_dense, with the blocks of 4
 * rows outermost and the requantization inlined. Only for layers imu_nn_dense_n_fits accepts
 * (the conv op's flag, set by the exporter): word-aligned weights, n_out a multiple of 4, ReLU
 * (act_min = zp_out, act_max = 127), right shifts 0..31. */
void imu_nn_dense_n(const struct imu_nn_layer *l, const int8_t *in, unsigned in_step, int8_t *out, unsigned out_step,
                    unsigned n);
/* 1 when imu_nn_dense_n may run the layer. */
int imu_nn_dense_n_fits(const struct imu_nn_layer *l);

/* Quantize a float feature vector to the network's int8 input (n_in bytes, padding zeroed up to
 * IMU_NN_PAD4(n_in)); with a conv front end, its input tensor (conv.h). */
void imu_nn_quantize_input(const struct imu_nn_model *m, const float *f, int8_t *q);

/* Run all layers (after the conv front end, if any). buf_a holds the int8 input (IMU_NN_PAD4(n_in) bytes); buf_a and buf_b must both
 * hold max_width bytes. Returns the buffer holding the n_out int8 outputs (buf_a or buf_b). */
int8_t *imu_nn_run(const struct imu_nn_model *m, int8_t *buf_a, int8_t *buf_b);

/* Index of the largest output (the first one on ties). */
int imu_nn_argmax(const int8_t *y, int n);

/* TFLite requantization helpers, exposed for tests and the exporter. */
int32_t imu_nn_mbqm(int32_t x, int32_t mult, int shift);

#endif
