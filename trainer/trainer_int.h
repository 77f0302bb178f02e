/* SPDX-License-Identifier: MIT */
/* trainer_int.h -- internals shared by the trainer's source files. */
#ifndef IMULAB_TRAINER_INT_H
#define IMULAB_TRAINER_INT_H

#include "trainer.h"

float tr_rand_uniform(uint64_t *s);               /* [0, 1) */
float tr_rand_normal(uint64_t *s);
uint32_t tr_rand_u32(uint64_t *s);
void tr_random_rotation(uint64_t *s, float max_deg, float R[9]);
int tr_make_windows_aug(const struct tr_model *m, const struct tr_dataset *ds, int category,
                        const struct tr_options *aug, struct tr_windows *w, char *err, size_t errlen);

/* quant.c: free what tr_fit and tr_quantize allocated (not labels, axes, search) */
void tr_model_free_fit(struct tr_model *m);
/* mlp.c: decide the training kernels before threads train side by side */
void tr_fit_kernels_init(void);

/* detmath.c: deterministic replacements for libm's exp, log, sin, cos, tan */
float tr_expf(float x);
double tr_log(double x);
double tr_sin(double x);
double tr_cos(double x);
double tr_tan(double x);

/* quant.c */
void tr_quantize_multiplier(double M, int32_t *mult, int8_t *shift);
void tr_range_qparams(double lo, double hi, float *scale, int *zp);
int tr_calibrate_input(const struct tr_model *m, const struct tr_windows *cw, double *lo, double *hi);
/* What setting up a model reads from every training sample and that does not depend on the
 * options: the largest absolute value, and the segmenter's idle and spread levels for a given
 * segmenter configuration and input scale. The search and tr_train set up many models from one
 * dataset and read the samples for these once (issue 19: samples are read on demand). Zero it
 * before the first use; valid for one dataset whose samples do not change. */
struct tr_setup_cache {
    int have_maxabs;
    double maxabs;
    int have_levels;
    struct imu_seg_config seg;
    float in_scale[TR_MAX_AXES];
    float p10, p90;
};
/* tr_setup_model_ex with a cache (NULL: none). */
int tr_setup_model_cached(const struct tr_dataset *ds, const struct tr_options *o, struct tr_model *m, int need_testing,
                          struct tr_setup_cache *cache, char *err, size_t errlen);

/* mlp.c: the validation part of the training windows (is_val[r]); returns its size or -1 */
/* mlp.c: the training kernels: -1 picks again (AVX-512F, else AVX2 where the CPU has it, else
 * portable; the default), or forces one of these (the portable ones when the CPU lacks it).
 * Returns the choice. Same results with every choice (tests/trainer/test_qat checks it). */
enum {
    TR_KERNELS_PORTABLE = 0,   /* 4-float vectors (SSE2, NEON) or scalar */
    TR_KERNELS_AVX2 = 1,       /* 8-float vectors */
    TR_KERNELS_16_ON_AVX2 = 2, /* the 16-float source built for AVX2: for tests on CPUs without AVX-512 */
    TR_KERNELS_AVX512 = 3,     /* 16-float vectors, AVX-512F */
};
int tr_fit_kernels(int force);
int tr_validation_part(const struct tr_windows *tw, const struct tr_options *o, int n_labels, char *is_val);

/* Quantization-aware fine-tuning of the float model m for epochs epochs on tw (training part
 * and validation part as tr_fit splits them): weights fake-quantized per output channel
 * (symmetric int8), input and hidden activations per tensor (asymmetric int8) with the
 * straight-through estimator. Writes the tuned weights to Wq/Bq (the model's layout) and the
 * activation ranges for tr_quantize_with to lo/hi[0..n_layers]; m's float weights stay. */
int tr_fit_qat(struct tr_model *m, const struct tr_options *o, const struct tr_windows *tw, int epochs,
               float **Wq, float **Bq, double *lo, double *hi);

/* anomaly.c: the anomaly model in model.json / model.c / model.h and the hash (no-ops for a model
 * without one, so older models keep their files and hash) */
struct cJSON;
uint32_t tr_anomaly_hash(uint32_t h, const struct tr_anomaly_model *a);
struct cJSON *tr_anomaly_json(const struct tr_anomaly_model *a);
/* m's network must be loaded (sizes, n_feat); j NULL: no anomaly model. -1 names the field. */
int tr_anomaly_from_json(struct tr_model *m, const struct cJSON *j, char *field, size_t flen);
void tr_anomaly_write_h(FILE *f, const struct tr_model *m);
void tr_anomaly_write_c(FILE *f, const struct tr_model *m);

#endif
