/* SPDX-License-Identifier: MIT */
/* deploy.h -- `imulab export-model`: a model as a self-contained C library, an Arduino library
 * (dataset/deploy.c) or a TFLite flatbuffer (trainer/tflite.c). */
#ifndef IMULAB_DEPLOY_H
#define IMULAB_DEPLOY_H

#include <stddef.h>

struct tr_model;

/* The portable sources as they were at build time (cmake/embed_sources.cmake): name relative to
 * portable/ (e.g. "nn.c", "deploy/imulab.c"), bytes, length. */
struct deploy_source {
    const char *name;
    const unsigned char *data;
    unsigned long len;
};
extern const struct deploy_source deploy_sources[];
extern const int deploy_n_sources;

enum deploy_format { DEPLOY_C, DEPLOY_ARDUINO };

/* Write the library for model m into the directory out (created if needed). Returns 0, or -1 with
 * a one-line reason naming the file in err. */
int deploy_write(const struct tr_model *m, const char *out, enum deploy_format fmt, char *err, size_t errlen);

/* Bytes of struct imulab_state for this model (the static RAM the library needs). */
long deploy_state_bytes(const struct tr_model *m);

#endif
