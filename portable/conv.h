/* SPDX-License-Identifier: MIT */
/* conv.h -- the int8 1-D convolutional front end of a model: conv1d, ReLU, max / average pooling,
 * global average pooling, in front of the dense layers of nn.h. Shared by host and firmware; no
 * allocation.
 *
 * Tensors are time-major ("channel last", as TFLite's NHWC with H = 1): element (t, c) of a
 * len x ch tensor is at t * ch + c. The input is the model's feature vector, which for a conv
 * model is the raw group alone with raw_points = the window length: channel-major f[c * len + t]
 * (imu_features), quantized per channel like the dense input (imu_conv_quantize_input).
 *
 * conv1d: y[t][o] = requant(bias[o] + sum_{k, c} x[t * stride + k - pad][c] * w[o][k][c]) with the
 * per-channel int8 weights, int32 bias and Q31 multipliers of nn.h; ReLU is act_min = zp_out. A
 * conv is a dense layer over the K x C contiguous elements of the input patch of each output
 * position, so it runs on the SMLAD kernel of nn.c: w is that layer's blocked layout with n_in =
 * K * C. With `blocks` set (the exporter sets it when imu_nn_dense_n_fits) imu_nn_dense_n runs all
 * positions with the blocks of 4 output channels outermost and the requantization inlined (about
 * 20% fewer instructions per gesture); otherwise imu_nn_dense runs once per position. Padding
 * ("same" padding, TFLite's pad_before = (total padding) / 2) is real rows of the input's zero
 * point written around the tensor, so the zero-point fold of the bias holds at the edges too.
 *
 * Pooling works on the int8 values with the input's scale and zero point (TFLite): max pooling
 * is exact; average pooling and global average pooling divide the sum by the count rounding half
 * away from zero (TFLite's integer AVERAGE_POOL_2D). Pools are "valid" (no padding).
 *
 * Buffers: the two activation buffers of imu_nn_run (max_width bytes each) hold every tensor with
 * its padding rows plus 3 bytes (the kernel reads inputs 4 at a time; the extra bytes meet zero
 * weights). imu_nn_quantize_input and imu_nn_run call the front end through the function
 * pointers below, so a firmware whose model has no conv front end links none of this code.
 */
#ifndef IMULAB_CONV_H
#define IMULAB_CONV_H

#include <stdint.h>

#include "nn.h"

#define IMU_CONV_MAX_OPS 8

enum imu_conv_kind { IMU_CONV_CONV = 1, IMU_CONV_MAXPOOL = 2, IMU_CONV_AVGPOOL = 3, IMU_CONV_GAP = 4 };

struct imu_conv_op {
    uint8_t kind;         /* enum imu_conv_kind */
    uint8_t k;            /* kernel or pool size (GAP: len_in) */
    uint8_t stride;       /* GAP: 1 */
    uint8_t pad;          /* conv: zero-point rows before the input ("same"); 0 for "valid" */
    uint16_t len_in, ch_in, len_out, ch_out;
    struct imu_nn_layer fc; /* conv: n_in = k * ch_in, n_out = ch_out, in nn.h's layout */
    int16_t zp_in;        /* the input's zero point (conv: the value of the padding rows) */
    uint8_t blocks;       /* conv: 1 when imu_nn_dense_n runs it (imu_nn_dense_n_fits: positions
                           * inside the blocks of 4 rows); 0: imu_nn_dense position by position */
};

struct imu_conv_net {
    uint16_t n_ops, len, ch;  /* input: len points x ch channels */
    const struct imu_conv_op *ops;
    /* input quantization per channel: q = round_half_away(clamp(f * in_mul[c] + in_add[c])) */
    const float *in_mul, *in_add;
    int16_t in_zp;
    /* imu_conv_quantize_input and imu_conv_run (set by the model; nn.c calls them) */
    void (*quantize)(const struct imu_conv_net *c, const float *f, int8_t *q);
    int8_t *(*run)(const struct imu_conv_net *c, int8_t *buf_a, int8_t *buf_b);
};

/* Rows of zero-point padding after the input of a conv op (what the last output position reads
 * past len_in). */
unsigned imu_conv_pad_after(const struct imu_conv_op *op);

/* Bytes an activation buffer needs for the input of op i (its padding rows included, + 3), or
 * for the quantized input when i == -1 (the first op's padding). */
unsigned imu_conv_buf_bytes(const struct imu_conv_net *c, int i);

/* The feature vector f (channel-major, ch x len) to the int8 input tensor, time-major with the
 * first op's padding rows, in q. */
void imu_conv_quantize_input(const struct imu_conv_net *c, const float *f, int8_t *q);

/* Run the ops; buf_a holds the quantized input. Returns the buffer holding the output (the last
 * op's len_out x ch_out int8 values: after GAP, ch_out values). */
int8_t *imu_conv_run(const struct imu_conv_net *c, int8_t *buf_a, int8_t *buf_b);

/* Shape check of a front end (host: a model read from outside): 0, or -1 with a reason. */
int imu_conv_check(const struct imu_conv_net *c, const char **why);

#endif
