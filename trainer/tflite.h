/* SPDX-License-Identifier: MIT */
/* tflite.h -- the int8 network of a model as a TensorFlow Lite flatbuffer, written here (no
 * TensorFlow, no flatbuffers library). See trainer/tflite.c and docs/deploy.md. */
#ifndef IMULAB_TFLITE_H
#define IMULAB_TFLITE_H

#include <stddef.h>

struct tr_model;

enum tr_tflite_op {
    TR_TFLITE_CONV, /* each dense layer as a 1x1 CONV_2D, between a RESHAPE to [1,1,1,n] and back */
    TR_TFLITE_FC,   /* each dense layer as FULLY_CONNECTED with per-channel weights */
};

/* Write the model's int8 network to path. Input: int8 [1, n_features], the features quantized as
 * imu_nn_quantize_input() does (a conv front end's: [1, points, axes], time-major without the
 * padding rows); output: int8 [1, n_classes], the scores imulab computes.
 * Returns 0, or -1 with a one-line reason in err. */
int tr_write_tflite(const struct tr_model *m, const char *path, enum tr_tflite_op op, char *err, size_t errlen);

/* The same into memory: *out (malloc'd) and *len. */
int tr_tflite_bytes(const struct tr_model *m, enum tr_tflite_op op, unsigned char **out, size_t *len);

#endif
