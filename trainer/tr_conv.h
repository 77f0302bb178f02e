/* SPDX-License-Identifier: MIT */
/* tr_conv.h -- the trainer's conv front end (conv.c), internal to the trainer: the float layers
 * it learns, their int8 form, and the portable view (portable/conv.h) the int8 kernel runs. */
#ifndef IMULAB_TR_CONV_H
#define IMULAB_TR_CONV_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "../portable/conv.h"
#include "trainer_int.h"

#define TR_CONV_MAX_BUF 16384 /* bytes of each int8 activation buffer on the host */

/* One conv layer ("same" padding, ReLU) with its optional max pool. */
struct tr_conv_layer {
    int ch_in, ch_out, k, stride, pad, len_in, len_out, pool, pool_len;
    float *W, *B;              /* float: W[o][k][c] (TFLite's [O][1][K][C]), B[o] */
    int8_t *qw, *qw_blocked;   /* int8: qw[o][k * ch_in]; the kernel's blocked layout (nn.h) */
    float *w_scale;            /* per output channel */
    int32_t *bias, *bias_folded, *mult;
    int8_t *shift;
    float out_scale;           /* the conv's output after ReLU (= after the pool) */
    int out_zp;
};

struct tr_conv {
    int n, len, ch;            /* layers; input: len points x ch axes */
    struct tr_conv_layer l[TR_MAX_CONV];
    float in_scale;            /* the int8 input tensor (standardized features) */
    int in_zp;
    float in_mul_c[TR_MAX_AXES], in_add_c[TR_MAX_AXES];
    struct imu_conv_op ops[IMU_CONV_MAX_OPS];
    struct imu_conv_net net;
};

/* Shapes from the options for input len x ch (data.c after the feature set-up): 0, or -1 with a
 * message. */
int tr_conv_setup(struct tr_model *m, const struct tr_options *o, char *err, size_t errlen);
/* The layers' shapes from their (ch_out, k, stride, pool) and the input (also the loader's). */
int tr_conv_shapes(struct tr_conv *c, char *why, size_t len);
void tr_conv_free(struct tr_model *m);
/* dst = the shapes of src, without weights (a fit of its own, e.g. a search fold). */
void tr_conv_copy_shapes(struct tr_conv *dst, const struct tr_conv *src);
void tr_conv_free_fit(struct tr_conv *c);
/* Float training of front end and dense head together (mlp.c's tr_fit calls it). */
int tr_conv_fit(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw);
int tr_conv_predict_float(const struct tr_model *m, const float *f, float *probs);
/* Post-training int8 quantization of the whole network (tr_quantize_auto calls it). */
int tr_conv_quantize(struct tr_model *m, const struct tr_windows *tw);
/* Quantization-aware fine-tuning of a post-training quantized model (tr_quantize_auto calls it):
 * epochs of training with the int8 rounding simulated in the forward pass (weights per output
 * channel, the input, every conv output, the global average and the hidden dense tensors on their
 * grids; straight-through gradients), the epoch chosen on the validation part (0: the starting
 * point); then the int8 model is quantized from the chosen weights, the float model is kept.
 * Sets qat_best_epoch and qat_seconds. 0, or -1. */
int tr_conv_fit_qat(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw, int epochs);
/* Tests: the share of windows on which the fake-quantized forward pass of the fine-tuning (the
 * model's float weights rounded, its int8 grids) picks the class the int8 network picks; the
 * plain float network's share in *float_agree. */
double tr_conv_qat_agreement(const struct tr_model *m, const struct tr_windows *tw, double *float_agree);
/* The portable view (m->nn.conv, max_width); tr_build_nn calls it. 0, -1 out of memory. */
int tr_conv_build(struct tr_model *m);
uint32_t tr_conv_hash(const struct tr_model *m, uint32_t h);
/* model.json's "conv" object, and back (every field checked); model.c's part. */
cJSON *tr_conv_json(const struct tr_model *m);
int tr_conv_load(struct tr_model *m, const cJSON *j, char *why, size_t len);
int tr_conv_check(const struct tr_model *m, char *why, size_t len);
void tr_conv_write_c(const struct tr_model *m, FILE *f);
/* Tests: random parameters (from seed) and a random example through m's shapes (m->conv,
 * n_layers, sizes set); the largest relative difference between the back-propagated gradient and
 * central differences over a sample of the parameters (*n_checked of them). */
/* Device cost of the front end (cost.c): instructions of input quantization, conv layers and
 * pools; bytes of constant data; the largest activation buffer. */
void tr_conv_cost(const struct tr_model *m, double *insn, int *consts, int *widest);
double tr_conv_feature_instructions(const struct tr_model *m);
double tr_conv_grad_check(struct tr_model *m, unsigned seed, int *n_checked);

#endif
