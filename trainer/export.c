/* SPDX-License-Identifier: MIT */
/* export.c -- MODEL_DIR/model.c, model.h (for the firmware) and model.json (everything the host
 * needs to run the float and int8 model again, plus configuration and metrics). */
#include "trainer_int.h"
#include "tr_conv.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static cJSON *farr(const float *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
    return a;
}
static cJSON *iarr32(const int32_t *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
    return a;
}
static cJSON *iarr8(const int8_t *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
    return a;
}

static int weights_bytes(const struct tr_model *m)
{
    int b = 0;
    for (int k = 0; k < m->n_layers; k++)
        b += (int)IMU_NN_PAD4((unsigned)m->q[k].n_in) * m->q[k].n_out + 9 * m->q[k].n_out;
    return b + 8 * m->n_feat;
}

static cJSON *model_json(const struct tr_model *m)
{
    cJSON *j = cJSON_CreateObject();
    char hash[16];
    snprintf(hash, sizeof hash, "%08x", m->hash);
    cJSON_AddStringToObject(j, "format", "imulab-model");
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddStringToObject(j, "hash", hash);
    cJSON *l = cJSON_AddArrayToObject(j, "labels");
    for (int i = 0; i < m->n_labels; i++) cJSON_AddItemToArray(l, cJSON_CreateString(m->labels[i]));
    cJSON *ax = cJSON_AddArrayToObject(j, "axes");
    for (int i = 0; i < m->n_axes; i++) cJSON_AddItemToArray(ax, cJSON_CreateString(m->axes[i]));
    /* 17 digits: cJSON prints 15 when they compare equal within an epsilon, which lost the last
     * bits of a measured rate (104.279468976858...) and with them the hash */
    char rate[40];
    snprintf(rate, sizeof rate, "%.17g", m->rate_hz);
    cJSON_AddItemToObject(j, "sample_rate_hz", cJSON_CreateRaw(rate));
    cJSON_AddStringToObject(j, "mode", m->mode == TR_MODE_GESTURE ? "gesture" : "continuous");
    if (m->mode_reason[0]) cJSON_AddStringToObject(j, "mode_reason", m->mode_reason);
    if (m->mode == TR_MODE_GESTURE) {
        cJSON *g = cJSON_AddObjectToObject(j, "gesture");
        cJSON_AddNumberToObject(g, "points", m->window_len);
        cJSON_AddNumberToObject(g, "buffer", m->gesture_buf);
        cJSON_AddBoolToObject(g, "trim", m->gesture_trim != 0);
        cJSON *sg = cJSON_AddObjectToObject(g, "segmenter");
        cJSON_AddNumberToObject(sg, "hold", m->seg.hold);
        cJSON_AddNumberToObject(sg, "min_len", m->seg.min_len);
        cJSON_AddNumberToObject(sg, "max_len", m->seg.max_len);
        cJSON_AddNumberToObject(sg, "base_rate", (double)m->seg.base_rate);
        cJSON_AddNumberToObject(sg, "smooth", (double)m->seg.smooth);
        cJSON_AddNumberToObject(sg, "idle_rate", (double)m->seg.idle_rate);
        cJSON_AddNumberToObject(sg, "on_level", (double)m->seg.on_level);
        cJSON_AddNumberToObject(sg, "off_level", (double)m->seg.off_level);
        cJSON_AddNumberToObject(sg, "idle_init", (double)m->seg.idle_init);
    }
    cJSON_AddNumberToObject(j, "window_ms", m->window_ms);
    cJSON_AddNumberToObject(j, "stride_ms", m->stride_ms);
    cJSON_AddNumberToObject(j, "window_len", m->window_len);
    cJSON_AddNumberToObject(j, "stride_len", m->stride_len);
    cJSON_AddItemToObject(j, "input_scale", farr(m->in_scale, m->n_axes));
    cJSON *f = cJSON_AddObjectToObject(j, "features");
    cJSON_AddNumberToObject(f, "count", m->n_feat);
    cJSON_AddBoolToObject(f, "stats", (m->feat.flags & IMU_FEAT_STATS) != 0);
    cJSON_AddBoolToObject(f, "spectral", (m->feat.flags & IMU_FEAT_SPECTRAL) != 0);
    cJSON_AddBoolToObject(f, "raw", (m->feat.flags & IMU_FEAT_RAW) != 0);
    cJSON_AddBoolToObject(f, "hann", (m->feat.flags & IMU_FEAT_HANN) != 0);
    cJSON_AddBoolToObject(f, "deriv", (m->feat.flags & IMU_FEAT_DERIV) != 0);
    cJSON_AddBoolToObject(f, "substats", (m->feat.flags & IMU_FEAT_SUBSTATS) != 0);
    cJSON_AddNumberToObject(f, "n_sub", m->feat.n_sub);
    cJSON_AddNumberToObject(f, "flags", m->feat.flags);
    cJSON_AddNumberToObject(f, "fft_len", m->feat.fft_len);
    cJSON_AddNumberToObject(f, "raw_points", m->feat.raw_points);
    cJSON_AddNumberToObject(f, "raw_scale", (double)m->feat.raw_scale);
    cJSON_AddNumberToObject(f, "log_floor", (double)m->feat.log_floor);
    cJSON *sos = cJSON_AddArrayToObject(f, "filter_sos");
    for (int s = 0; s < m->feat.n_sections; s++) cJSON_AddItemToArray(sos, farr(m->feat.sos[s], 5));
    cJSON *nm = cJSON_AddObjectToObject(j, "normalization");
    cJSON_AddItemToObject(nm, "mean", farr(m->feat_mean, m->n_feat));
    cJSON_AddItemToObject(nm, "std", farr(m->feat_std, m->n_feat));
    cJSON *net = cJSON_AddObjectToObject(j, "network");
    cJSON *sz = cJSON_AddArrayToObject(net, "sizes");
    for (int k = 0; k <= m->n_layers; k++) cJSON_AddItemToArray(sz, cJSON_CreateNumber(m->sizes[k]));
    cJSON *fl = cJSON_AddArrayToObject(net, "float_layers");
    for (int k = 0; k < m->n_layers; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "weights", farr(m->W[k], m->sizes[k] * m->sizes[k + 1]));
        cJSON_AddItemToObject(o, "bias", farr(m->B[k], m->sizes[k + 1]));
        cJSON_AddItemToArray(fl, o);
    }
    if (m->conv) cJSON_AddItemToObject(j, "conv", tr_conv_json(m)); /* the front end, float and int8 */
    cJSON *q = cJSON_AddObjectToObject(j, "quantization");
    cJSON_AddStringToObject(q, "scheme", "tflite-int8: asymmetric per-tensor activations, symmetric per-channel weights, int32 bias");
    cJSON_AddItemToObject(q, "activation_scale", farr(m->act_scale, m->n_layers + 1));
    cJSON *zp = cJSON_AddArrayToObject(q, "activation_zero_point");
    for (int k = 0; k <= m->n_layers; k++) cJSON_AddItemToArray(zp, cJSON_CreateNumber(m->act_zp[k]));
    cJSON_AddItemToObject(q, "input_mul", farr(m->in_mul, m->n_feat));
    cJSON_AddItemToObject(q, "input_add", farr(m->in_add, m->n_feat));
    cJSON *ql = cJSON_AddArrayToObject(q, "layers");
    for (int k = 0; k < m->n_layers; k++) {
        const struct tr_qlayer *L = &m->q[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "weights", iarr8(L->w, L->n_in * L->n_out));
        cJSON_AddItemToObject(o, "weight_scale", farr(L->w_scale, L->n_out));
        cJSON_AddItemToObject(o, "bias", iarr32(L->bias, L->n_out));
        cJSON_AddItemToObject(o, "bias_folded", iarr32(L->bias_folded, L->n_out));
        cJSON_AddItemToObject(o, "multiplier", iarr32(L->mult, L->n_out));
        cJSON_AddItemToObject(o, "shift", iarr8(L->shift, L->n_out));
        cJSON_AddItemToArray(ql, o);
    }
    cJSON *t = cJSON_AddObjectToObject(j, "training");
    cJSON_AddNumberToObject(t, "seed", m->seed);
    cJSON *opt = cJSON_Parse(m->options_json[0] ? m->options_json : "{}");
    cJSON_AddItemToObject(t, "options", opt ? opt : cJSON_CreateObject());
    cJSON_AddNumberToObject(t, "train_windows", m->n_train);
    cJSON_AddNumberToObject(t, "test_windows", m->n_test);
    cJSON_AddNumberToObject(t, "epochs", m->n_epochs);
    cJSON_AddNumberToObject(t, "best_epoch", m->best_epoch);
    cJSON_AddNumberToObject(t, "seconds", m->train_seconds);
    cJSON *qa = cJSON_AddObjectToObject(t, "quantization_aware");
    cJSON_AddNumberToObject(qa, "epochs", m->qat_epochs);
    if (m->qat_epochs > 0 || m->cmp_windows > 0) {
        cJSON_AddStringToObject(qa, "started", m->qat_epochs == 0 ? "no" : m->qat_auto ? "auto" : "option");
        cJSON_AddStringToObject(qa, "int8_from", m->qat_kept ? "fine-tuned" : "post-training");
        cJSON_AddNumberToObject(qa, "best_epoch", m->qat_best_epoch);
        cJSON_AddNumberToObject(qa, "seconds", m->qat_seconds);
        cJSON_AddStringToObject(qa, "compared_on", m->qat_probe ? "probe" : m->cmp_is_val ? "validation" : "training");
        cJSON_AddNumberToObject(qa, "compared_windows", m->cmp_windows);
        cJSON_AddNumberToObject(qa, "accuracy_float", m->cmp_float);
        cJSON_AddNumberToObject(qa, "accuracy_int8_post_training", m->cmp_int8_ptq);
        if (m->qat_epochs > 0) cJSON_AddNumberToObject(qa, "accuracy_int8_fine_tuned", m->cmp_int8_qat);
    }
    cJSON *c = cJSON_AddObjectToObject(t, "curves");
    cJSON_AddItemToObject(c, "loss", farr(m->curve_loss, m->n_epochs));
    cJSON_AddItemToObject(c, "train_accuracy", farr(m->curve_train_acc, m->n_epochs));
    cJSON_AddItemToObject(c, "val_accuracy", farr(m->curve_val_acc, m->n_epochs));
    cJSON *dc = cJSON_AddObjectToObject(j, "decision"); /* the device's post-processing (live.h) */
    cJSON_AddNumberToObject(dc, "min_confidence", (double)m->dec_min_confidence);
    cJSON_AddNumberToObject(dc, "min_margin", m->dec_min_margin);
    cJSON_AddNumberToObject(dc, "smooth", m->dec_smooth_n);
    cJSON_AddNumberToObject(dc, "min_interval_ms", m->dec_min_interval_ms);
    cJSON_AddNumberToObject(dc, "min_interval", m->dec_min_interval);
    cJSON *mt = cJSON_AddObjectToObject(j, "metrics");
    cJSON_AddNumberToObject(mt, "accuracy", m->acc_float);
    cJSON_AddNumberToObject(mt, "accuracy_int8", m->acc_int8);
    cJSON_AddNumberToObject(mt, "accuracy_recordings", m->acc_rec);
    cJSON_AddNumberToObject(mt, "recordings", m->n_rec_units);
    cJSON *te = cJSON_AddArrayToObject(t, "train_examples");
    for (int l = 0; l < m->n_labels; l++) cJSON_AddItemToArray(te, cJSON_CreateNumber(m->train_examples[l]));
    cJSON *mem = cJSON_AddObjectToObject(j, "memory");
    cJSON_AddNumberToObject(mem, "weights_bytes", weights_bytes(m));
    cJSON_AddNumberToObject(mem, "feature_work_bytes", 4 * imu_features_work_len(&m->feat));
    cJSON_AddNumberToObject(mem, "activation_bytes", 2 * m->nn.max_width);
    /* the device cost model's prediction (cost.c) */
    struct tr_cost cost;
    int hid[TR_MAX_HIDDEN];
    for (int k = 0; k + 1 < m->n_layers && k < TR_MAX_HIDDEN; k++) hid[k] = m->sizes[k + 1];
    tr_cost_predict(m, m->n_layers - 1, hid, &cost);
    tr_cost_add_model_anomaly(m, &cost);
    cJSON *cst = cJSON_AddObjectToObject(j, "device_cost");
    cJSON_AddNumberToObject(cst, "flash_bytes", cost.flash);
    cJSON_AddNumberToObject(cst, "ram_bytes", cost.ram);
    cJSON_AddNumberToObject(cst, "instructions", cost.instructions);
    cJSON_AddNumberToObject(cst, "instructions_features", cost.instr_features);
    cJSON_AddNumberToObject(cst, "instructions_network", cost.instr_network);
    if (m->anom.method != TR_ANOM_NONE) cJSON_AddItemToObject(j, "anomaly", tr_anomaly_json(&m->anom));
    if (m->device_learn) cJSON_AddTrueToObject(j, "device_learn"); /* model.h IMU_MODEL_LEARN */
    if (m->search_json) {
        cJSON *sj = cJSON_Parse(m->search_json);
        if (sj) cJSON_AddItemToObject(t, "search", sj);
    }
    return j;
}

/* A float literal that reads back as the same float: "%.9g" plus a '.0' where needed, then 'f'. */
static const char *flit(float x, char *buf)
{
    snprintf(buf, 48, "%.9g", (double)x);
    if (!strpbrk(buf, ".eni")) strcat(buf, ".0");
    strcat(buf, "f");
    return buf;
}

static void c_floats(FILE *f, const char *decl, const float *v, int n)
{
    char b[48];
    fprintf(f, "%s = {", decl);
    for (int i = 0; i < n; i++) fprintf(f, "%s%s", i == 0 ? "\n    " : i % 8 ? ", " : ",\n    ", flit(v[i], b));
    fprintf(f, "\n};\n");
}
static void c_i32(FILE *f, const char *decl, const int32_t *v, int n)
{
    fprintf(f, "%s = {", decl);
    for (int i = 0; i < n; i++) {
        if (v[i] == INT32_MIN) fprintf(f, "%s(-2147483647 - 1)", i == 0 ? "\n    " : i % 8 ? ", " : ",\n    ");
        else fprintf(f, "%s%ld", i == 0 ? "\n    " : i % 8 ? ", " : ",\n    ", (long)v[i]);
    }
    fprintf(f, "\n};\n");
}
static void c_i8(FILE *f, const char *decl, const int8_t *v, int n)
{
    fprintf(f, "%s = {", decl);
    for (int i = 0; i < n; i++) fprintf(f, "%s%d", i == 0 ? "\n    " : i % 16 ? ", " : ",\n    ", v[i]);
    fprintf(f, "\n};\n");
}
static void c_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 32 || ch >= 127) fprintf(f, "\\%03o", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

static int write_h(const struct tr_model *m, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "/* model.h -- generated by imulab train; do not edit. Model %08x. */\n", m->hash);
    fprintf(f, "#ifndef IMULAB_MODEL_H\n#define IMULAB_MODEL_H\n\n#include \"imu_features.h\"\n#include \"nn.h\"\n\n");
    fprintf(f, "#define IMU_MODEL_HASH 0x%08xu\n", m->hash);
    fprintf(f, "#define IMU_MODEL_N_AXES %d\n", m->n_axes);
    char rate[48];
    snprintf(rate, sizeof rate, "%.9g", m->rate_hz);
    if (!strpbrk(rate, ".en")) strcat(rate, ".0");
    fprintf(f, "#define IMU_MODEL_RATE_HZ %sf\n", rate);
    fprintf(f, "#define IMU_MODEL_WINDOW_LEN %d   /* samples per axis (%d ms) */\n", m->window_len, m->window_ms);
    fprintf(f, "#define IMU_MODEL_STRIDE_LEN %d   /* samples between windows (%d ms) */\n", m->stride_len, m->stride_ms);
    fprintf(f, "#define IMU_MODEL_MODE_GESTURE %d  /* 1: one classification per gesture (segment.h) */\n",
            m->mode == TR_MODE_GESTURE);
    if (m->mode == TR_MODE_GESTURE)
        fprintf(f, "#define IMU_MODEL_GESTURE_BUF %d  /* samples of the gesture buffer */\n", m->gesture_buf);
    fprintf(f, "#define IMU_MODEL_N_FEATURES %d\n", m->n_feat);
    fprintf(f, "#define IMU_MODEL_N_CLASSES %d\n", m->n_labels);
    fprintf(f, "#define IMU_MODEL_FEAT_WORK_LEN %d  /* floats of feature workspace */\n", imu_features_work_len(&m->feat));
    fprintf(f, "#define IMU_MODEL_NN_BUF_LEN %d     /* bytes of each of the two activation buffers */\n", m->nn.max_width);
    fprintf(f, "#define IMU_MODEL_NN_L1_WIDTH %d    /* outputs of the first dense layer (on-device learning) */\n",
            m->nn.layers[0].n_out);
    fprintf(f, "#define IMU_MODEL_NN_LAYERS %d      /* dense layers (1: on-device learning on the input) */\n",
            m->nn.n_layers);
    if (m->device_learn) /* imulab train --device-learn: the classifier firmware learns on the device */
        fprintf(f, "#define IMU_MODEL_LEARN 1\n");
    if (m->conv) fprintf(f, "#define IMU_MODEL_CONV %d          /* conv layers in front of the dense ones (conv.h) */\n", m->conv->n);
    fprintf(f, "#define IMU_MODEL_WEIGHTS_BYTES %d\n", weights_bytes(m));
    fprintf(f, "/* decision logic (portable/live.h): confidence %.3g as an int8 score margin, majority over\n"
               " * the last N inferences, minimum interval between events in samples (%d ms) */\n",
            (double)m->dec_min_confidence, m->dec_min_interval_ms);
    fprintf(f, "#define IMU_MODEL_DECISION_MIN_MARGIN %d\n", m->dec_min_margin);
    fprintf(f, "#define IMU_MODEL_DECISION_SMOOTH %d\n", m->dec_smooth_n);
    fprintf(f, "#define IMU_MODEL_DECISION_MIN_INTERVAL %d\n", m->dec_min_interval);
    tr_anomaly_write_h(f, m);
    if (m->feat.flags & IMU_FEAT_SPECTRAL) /* the FFT's cosines the model uses: a smaller table */
        fprintf(f, "#define IMU_MODEL_COS_LEN %u\nextern const float imu_model_cos[IMU_MODEL_COS_LEN];\n",
                m->feat.fft_len);
    fprintf(f, "#define IMU_MODEL_AXES \"");
    for (int a = 0; a < m->n_axes; a++) fprintf(f, "%s%s", a ? "," : "", m->axes[a]);
    fprintf(f, "\"\n\n");
    fprintf(f, "/* physical units per int16 LSB of each axis: the scale the host used for its windows */\n");
    fprintf(f, "extern const float imu_model_input_scale[IMU_MODEL_N_AXES];\n");
    fprintf(f, "extern const char *const imu_model_labels[IMU_MODEL_N_CLASSES];\n");
    fprintf(f, "extern const char *const imu_model_axes[IMU_MODEL_N_AXES];\n");
    fprintf(f, "extern const struct imu_feat_config imu_model_features;\n");
    fprintf(f, "extern const struct imu_nn_model imu_model_nn;\n");
    if (m->mode == TR_MODE_GESTURE)
        fprintf(f, "/* gesture mode: the motion segmenter for the live stream */\n"
                   "#include \"segment.h\"\nextern const struct imu_seg_config imu_model_segment;\n");
    fprintf(f, "\n#endif\n");
    return fclose(f);
}

static int write_c(const struct tr_model *m, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    char d[128];
    fprintf(f, "/* model.c -- generated by imulab train; do not edit. Model %08x, labels:", m->hash);
    for (int i = 0; i < m->n_labels; i++) fprintf(f, " %s", m->labels[i]);
    fprintf(f, ".\n * Float test accuracy %.4f, int8 %.4f. */\n#include \"model.h\"\n%s\n", m->acc_float, m->acc_int8,
            m->conv ? "#include \"conv.h\"\n" : "");
    c_floats(f, "const float imu_model_input_scale[IMU_MODEL_N_AXES]", m->in_scale, m->n_axes);
    fprintf(f, "const char *const imu_model_labels[IMU_MODEL_N_CLASSES] = {");
    for (int i = 0; i < m->n_labels; i++) { fprintf(f, i ? ", " : ""); c_str(f, m->labels[i]); }
    fprintf(f, "};\nconst char *const imu_model_axes[IMU_MODEL_N_AXES] = {");
    for (int i = 0; i < m->n_axes; i++) { fprintf(f, i ? ", " : ""); c_str(f, m->axes[i]); }
    fprintf(f, "};\n\n");
    const struct imu_feat_config *c = &m->feat;
    fprintf(f, "const struct imu_feat_config imu_model_features = {\n");
    fprintf(f, "    .n_axes = %u, .window_len = %u, .flags = %u, .fft_len = %u, .raw_points = %u,\n",
            c->n_axes, c->window_len, c->flags, c->fft_len, c->raw_points);
    char b1[48], b2[48];
    fprintf(f, "    .n_sections = %u, .n_sub = %u, .raw_scale = %s, .log_floor = %s,\n", c->n_sections,
            c->n_sub, flit(c->raw_scale, b1), flit(c->log_floor, b2));
    fprintf(f, "    .sos = {");
    for (int s = 0; s < IMU_FEAT_MAX_SECTIONS; s++) {
        fprintf(f, "%s{", s ? ", " : "");
        for (int k = 0; k < 5; k++) fprintf(f, "%s%s", k ? ", " : "", flit(c->sos[s][k], b1));
        fprintf(f, "}");
    }
    fprintf(f, "},\n};\n\n");
    if (m->mode == TR_MODE_GESTURE) {
        const struct imu_seg_config *sg = &m->seg;
        char b3[48], b4[48], b5[48], b6[48];
        fprintf(f, "const struct imu_seg_config imu_model_segment = {\n");
        fprintf(f, "    .n_axes = %u, .hold = %u, .min_len = %u, .max_len = %u,\n", sg->n_axes, sg->hold,
                sg->min_len, sg->max_len);
        fprintf(f, "    .base_rate = %s, .smooth = %s, .idle_rate = %s, .on_level = %s, .off_level = %s,\n"
                   "    .idle_init = %s,\n};\n\n", flit(sg->base_rate, b6),
                flit(sg->smooth, b1), flit(sg->idle_rate, b2), flit(sg->on_level, b3), flit(sg->off_level, b4),
                flit(sg->idle_init, b5));
    }
    if (c->flags & IMU_FEAT_SPECTRAL) {
        float cs[IMU_FEAT_MAX_FFT];
        for (unsigned i = 0; i < c->fft_len; i++) cs[i] = imu_features_cos128(i * (128u / c->fft_len));
        c_floats(f, "const float imu_model_cos[IMU_MODEL_COS_LEN]", cs, c->fft_len);
    }
    if (!m->conv) { /* a conv front end quantizes its input per axis (conv_in_mul, conv_in_add) */
        c_floats(f, "static const float in_mul[IMU_MODEL_N_FEATURES]", m->in_mul, m->n_feat);
        c_floats(f, "static const float in_add[IMU_MODEL_N_FEATURES]", m->in_add, m->n_feat);
    }
    for (int k = 0; k < m->n_layers; k++) {
        const struct tr_qlayer *L = &m->q[k];
        fprintf(f, "\n/* layer %d: %d -> %d, weights in the blocked SMLAD layout of nn.h */\n", k, L->n_in, L->n_out);
        snprintf(d, sizeof d, "static const int8_t w%d[%u] __attribute__((aligned(4))) /* word loads (LDM) */", k, IMU_NN_PAD4((unsigned)L->n_in) * (unsigned)L->n_out);
        c_i8(f, d, L->w_blocked, (int)IMU_NN_PAD4((unsigned)L->n_in) * L->n_out);
        snprintf(d, sizeof d, "static const int32_t b%d[%d]", k, L->n_out);
        c_i32(f, d, L->bias_folded, L->n_out);
        snprintf(d, sizeof d, "static const int32_t m%d[%d]", k, L->n_out);
        c_i32(f, d, L->mult, L->n_out);
        snprintf(d, sizeof d, "static const int8_t s%d[%d]", k, L->n_out);
        c_i8(f, d, L->shift, L->n_out);
    }
    if (m->conv) tr_conv_write_c(m, f);
    fprintf(f, "\nstatic const struct imu_nn_layer layers[%d] = {\n", m->n_layers);
    for (int k = 0; k < m->n_layers; k++) {
        const struct imu_nn_layer *l = &m->nnl[k];
        fprintf(f, "    {%u, %u, w%d, b%d, m%d, s%d, %d, %d, %d},\n", l->n_in, l->n_out, k, k, k, k, l->zp_out,
                l->act_min, l->act_max);
    }
    fprintf(f, "};\n\nconst struct imu_nn_model imu_model_nn = {\n");
    fprintf(f, "    .n_layers = %u, .n_in = %u, .n_out = %u, .max_width = %u, .layers = layers,\n", m->nn.n_layers,
            m->nn.n_in, m->nn.n_out, m->nn.max_width);
    fprintf(f, "    .in_mul = %s, .in_add = %s, .in_scale = %s, .out_scale = %s,\n", m->conv ? "0" : "in_mul",
            m->conv ? "0" : "in_add",
            flit(m->nn.in_scale, b1), flit(m->nn.out_scale, b2));
    fprintf(f, "    .in_zp = %d, .out_zp = %d,%s\n};\n", m->nn.in_zp, m->nn.out_zp, m->conv ? " .conv = &imu_model_conv," : "");
    tr_anomaly_write_c(f, m);
    return fclose(f);
}

int tr_export(const struct tr_model *m, const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/model.h", dir);
    if (write_h(m, path)) goto fail;
    snprintf(path, sizeof path, "%s/model.c", dir);
    if (write_c(m, path)) goto fail;
    snprintf(path, sizeof path, "%s/model.json", dir);
    cJSON *j = model_json(m);
    char *txt = cJSON_Print(j);
    cJSON_Delete(j);
    FILE *f = fopen(path, "w");
    if (!f || !txt) { free(txt); if (f) fclose(f); goto fail; }
    fputs(txt, f);
    fputc('\n', f);
    free(txt);
    if (fclose(f)) goto fail;
    return 0;
fail:
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return -1;
}

/* ---- loading ----
 * model.json is outside input: every number is checked before it is converted (a double out of
 * an int's range is UB to convert), the field of the first problem is kept in load_field for the
 * message, and tr_model_check() then checks every value against its range. */

#define TR_MODEL_JSON_MAX (64L << 20)
static char load_field[96]; /* the field a helper below refused, for the message */

/* Note the refused field (a: the array or value, k: its key when a is NULL, i: element or -1). */
static int refuse(const cJSON *a, const char *k, int i)
{
    const char *name = a && a->string ? a->string : k ? k : "?";
    if (i >= 0)
        snprintf(load_field, sizeof load_field, "%.60s[%d]", name, i);
    else
        snprintf(load_field, sizeof load_field, "%.60s", name);
    return -1;
}
static int get_floats(const cJSON *a, float *out, int n)
{
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) return refuse(a, NULL, -1);
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        /* finite as a float too: 1e39 would become inf */
        if (!cJSON_IsNumber(e) || !(fabs(e->valuedouble) <= FLT_MAX)) return refuse(a, NULL, i);
        out[i++] = (float)e->valuedouble;
    }
    return 0;
}
static int get_i32(const cJSON *a, int32_t *out, int n)
{
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) return refuse(a, NULL, -1);
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || !(e->valuedouble >= INT32_MIN && e->valuedouble <= INT32_MAX) ||
            e->valuedouble != floor(e->valuedouble))
            return refuse(a, NULL, i);
        out[i++] = (int32_t)e->valuedouble;
    }
    return 0;
}
static int get_i8(const cJSON *a, int8_t *out, int n)
{
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) return refuse(a, NULL, -1);
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || !(e->valuedouble >= -128 && e->valuedouble <= 127) ||
            e->valuedouble != floor(e->valuedouble))
            return refuse(a, NULL, i);
        out[i++] = (int8_t)e->valuedouble;
    }
    return 0;
}
/* A finite number (integers, where an int is wanted, go through num_int). */
static int num(const cJSON *o, const char *k, double *v)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) return refuse(e, k, -1);
    *v = e->valuedouble;
    return 0;
}
/* An integer in [lo, hi], so that it converts to int safely. */
static int num_int(const cJSON *o, const char *k, int lo, int hi, int *v)
{
    double d;
    if (num(o, k, &d) || !(d >= lo && d <= hi) || d != floor(d)) return refuse(NULL, k, -1);
    *v = (int)d;
    return 0;
}

int tr_load(struct tr_model *m, const char *dir, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    snprintf(path, sizeof path, "%s/model.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno)); return -1; }
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > TR_MODEL_JSON_MAX) {
        /* a directory named model.json "opens" and has a size of 2^63 - 1 */
        snprintf(err, errlen, "%s: %s", path,
                 S_ISDIR(st.st_mode) ? "a directory, not a model file"
                 : S_ISREG(st.st_mode) ? "over 64 MiB, larger than any model" : "not a regular file");
        fclose(f);
        return -1;
    }
    long n = (long)st.st_size;
    char *txt = malloc((size_t)n + 1);
    if (!txt || fread(txt, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(txt); snprintf(err, errlen, "cannot read %s", path); return -1; }
    fclose(f);
    txt[n] = 0;
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    const char *why = "not an imulab model";
    char check_why[256];
    double v;
    load_field[0] = 0;
    if (!j) goto bad;
    const cJSON *fmt = cJSON_GetObjectItem(j, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "imulab-model")) goto bad;
    why = "bad labels/axes";
    const cJSON *e, *a = cJSON_GetObjectItem(j, "labels");
    /* one label: an anomaly-only model (anomaly_only.c), which must have an anomaly model (below) */
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 || cJSON_GetArraySize(a) > TR_MAX_LABELS) goto bad;
    cJSON_ArrayForEach(e, a) { if (!cJSON_IsString(e)) goto bad; m->labels[m->n_labels++] = strdup(e->valuestring); }
    a = cJSON_GetObjectItem(j, "axes");
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 || cJSON_GetArraySize(a) > TR_MAX_AXES) goto bad;
    cJSON_ArrayForEach(e, a) { if (!cJSON_IsString(e)) goto bad; m->axes[m->n_axes++] = strdup(e->valuestring); }
    why = "bad window configuration";
    if (num(j, "sample_rate_hz", &m->rate_hz)) goto bad;
    const cJSON *md = cJSON_GetObjectItem(j, "mode"), *mr = cJSON_GetObjectItem(j, "mode_reason");
    m->mode = TR_MODE_CONTINUOUS; /* models written before gesture mode have no "mode" */
    if (md) {
        if (!cJSON_IsString(md)) goto bad;
        if (!strcmp(md->valuestring, "gesture")) m->mode = TR_MODE_GESTURE;
        else if (strcmp(md->valuestring, "continuous")) { why = "bad mode (continuous or gesture)"; goto bad; }
    }
    if (cJSON_IsString(mr)) snprintf(m->mode_reason, sizeof m->mode_reason, "%s", mr->valuestring);
    if (m->mode == TR_MODE_GESTURE) {
        why = "bad gesture configuration";
        const cJSON *g = cJSON_GetObjectItem(j, "gesture"), *sg = cJSON_GetObjectItem(g, "segmenter");
        if (num(g, "buffer", &v) || v < 16 || v > 4096 || (int)v % 2) goto bad;
        m->gesture_buf = (int)v;
        const cJSON *tr = cJSON_GetObjectItem(g, "trim"); /* absent: whole recordings */
        if (tr && !cJSON_IsBool(tr)) goto bad;
        m->gesture_trim = cJSON_IsTrue(tr);
        struct imu_seg_config *c = &m->seg;
        c->n_axes = (uint16_t)m->n_axes;
        if (num(sg, "hold", &v) || v < 1 || v > 65535) goto bad;
        c->hold = (uint16_t)v;
        if (num(sg, "min_len", &v) || v < 0 || v > 65535) goto bad;
        c->min_len = (uint16_t)v;
        if (num(sg, "max_len", &v) || v < 2 || v > 65535) goto bad;
        c->max_len = (uint16_t)v;
        if (num(sg, "base_rate", &v)) goto bad;
        c->base_rate = (float)v;
        if (num(sg, "smooth", &v)) goto bad;
        c->smooth = (float)v;
        if (num(sg, "idle_rate", &v)) goto bad;
        c->idle_rate = (float)v;
        if (num(sg, "on_level", &v)) goto bad;
        c->on_level = (float)v;
        if (num(sg, "off_level", &v)) goto bad;
        c->off_level = (float)v;
        if (num(sg, "idle_init", &v)) goto bad;
        c->idle_init = (float)v;
        if (imu_seg_config_check(c)) goto bad;
        if (num(g, "points", &v) || v < 8 || v > IMU_RESAMPLE_MAX_POINTS) goto bad;
        m->window_len = (int)v; /* must equal window_len below */
        why = "bad window configuration";
    }
    const int gesture = m->mode == TR_MODE_GESTURE; /* window_ms, stride_ms, stride_len are 0 */
    if (num_int(j, "window_ms", gesture ? 0 : 1, 600000, &m->window_ms)) goto bad;
    if (num_int(j, "stride_ms", 0, 600000, &m->stride_ms)) goto bad;
    if (num(j, "window_len", &v) || v < 2 || v > 4096 || v != floor(v) || (gesture && (int)v != m->window_len)) {
        refuse(NULL, "window_len", -1); /* gesture mode: the resampled points */
        goto bad;
    }
    m->window_len = (int)v;
    if (num(j, "stride_len", &v) || v < (gesture ? 0 : 1) || v > m->window_len) { refuse(NULL, "stride_len", -1); goto bad; }
    m->stride_len = (int)v;
    if (get_floats(cJSON_GetObjectItem(j, "input_scale"), m->in_scale, m->n_axes)) goto bad;
    why = "bad feature configuration";
    const cJSON *fo = cJSON_GetObjectItem(j, "features");
    struct imu_feat_config *c = &m->feat;
    c->n_axes = (uint16_t)m->n_axes;
    c->window_len = (uint16_t)m->window_len;
    int iv;
    if (num_int(fo, "flags", 0, 65535, &iv)) goto bad;
    c->flags = (uint16_t)iv;
    if (num_int(fo, "fft_len", 0, 65535, &iv)) goto bad;
    c->fft_len = (uint16_t)iv;
    if (num_int(fo, "raw_points", 0, 65535, &iv)) goto bad;
    c->raw_points = (uint16_t)iv;
    if (num(fo, "raw_scale", &v)) goto bad;
    c->raw_scale = (float)v;
    if (num(fo, "log_floor", &v)) goto bad;
    c->log_floor = (float)v;
    if (!num(fo, "n_sub", &v)) {
        if (v < 0 || v > IMU_FEAT_MAX_SUB) goto bad;
        c->n_sub = (uint16_t)v;
    }
    a = cJSON_GetObjectItem(fo, "filter_sos");
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > IMU_FEAT_MAX_SECTIONS) goto bad;
    cJSON_ArrayForEach(e, a) { if (get_floats(e, c->sos[c->n_sections++], 5)) goto bad; }
    m->n_feat = imu_features_count(c);
    if (m->n_feat < 1 || num(fo, "count", &v) || v != m->n_feat) { refuse(NULL, "features.count", -1); goto bad; }
    why = "bad network";
    const cJSON *net = cJSON_GetObjectItem(j, "network");
    a = cJSON_GetObjectItem(net, "sizes");
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 2 || cJSON_GetArraySize(a) > TR_MAX_HIDDEN + 2) goto bad;
    m->n_layers = cJSON_GetArraySize(a) - 1;
    int k = 0;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || e->valuedouble < 1 || e->valuedouble > 1024) goto bad;
        m->sizes[k++] = (int)e->valuedouble;
    }
    const cJSON *cvj = cJSON_GetObjectItem(j, "conv"); /* a conv front end (convnet.c) */
    if (cvj && tr_conv_load(m, cvj, check_why, sizeof check_why)) { why = check_why; goto bad_checked; }
    if (m->sizes[0] != (m->conv ? m->conv->l[m->conv->n - 1].ch_out : m->n_feat) || m->sizes[m->n_layers] != m->n_labels)
        goto bad;
    const cJSON *nm = cJSON_GetObjectItem(j, "normalization");
    m->feat_mean = malloc(sizeof(float) * m->n_feat);
    m->feat_std = malloc(sizeof(float) * m->n_feat);
    if (!m->feat_mean || !m->feat_std) goto oom;
    if (get_floats(cJSON_GetObjectItem(nm, "mean"), m->feat_mean, m->n_feat) ||
        get_floats(cJSON_GetObjectItem(nm, "std"), m->feat_std, m->n_feat)) goto bad;
    const cJSON *fl = cJSON_GetObjectItem(net, "float_layers");
    if (cJSON_GetArraySize(fl) != m->n_layers) goto bad;
    for (k = 0; k < m->n_layers; k++) {
        const cJSON *lo = cJSON_GetArrayItem(fl, k);
        int ni = m->sizes[k], no = m->sizes[k + 1];
        m->W[k] = malloc(sizeof(float) * (size_t)ni * no);
        m->B[k] = malloc(sizeof(float) * no);
        if (!m->W[k] || !m->B[k]) goto oom;
        if (get_floats(cJSON_GetObjectItem(lo, "weights"), m->W[k], ni * no) ||
            get_floats(cJSON_GetObjectItem(lo, "bias"), m->B[k], no)) goto bad;
    }
    why = "bad quantization";
    const cJSON *q = cJSON_GetObjectItem(j, "quantization");
    if (get_floats(cJSON_GetObjectItem(q, "activation_scale"), m->act_scale, m->n_layers + 1)) goto bad;
    int32_t zp[TR_MAX_HIDDEN + 2];
    if (get_i32(cJSON_GetObjectItem(q, "activation_zero_point"), zp, m->n_layers + 1)) goto bad;
    for (k = 0; k <= m->n_layers; k++) m->act_zp[k] = zp[k];
    m->in_mul = malloc(sizeof(float) * m->n_feat);
    m->in_add = malloc(sizeof(float) * m->n_feat);
    if (!m->in_mul || !m->in_add) goto oom;
    if (get_floats(cJSON_GetObjectItem(q, "input_mul"), m->in_mul, m->n_feat) ||
        get_floats(cJSON_GetObjectItem(q, "input_add"), m->in_add, m->n_feat)) goto bad;
    const cJSON *ql = cJSON_GetObjectItem(q, "layers");
    if (cJSON_GetArraySize(ql) != m->n_layers) goto bad;
    for (k = 0; k < m->n_layers; k++) {
        const cJSON *lo = cJSON_GetArrayItem(ql, k);
        struct tr_qlayer *L = &m->q[k];
        int ni = m->sizes[k], no = m->sizes[k + 1];
        L->n_in = ni;
        L->n_out = no;
        L->w = malloc((size_t)ni * no);
        L->w_scale = malloc(sizeof(float) * no);
        L->bias = malloc(sizeof(int32_t) * no);
        L->bias_folded = malloc(sizeof(int32_t) * no);
        L->mult = malloc(sizeof(int32_t) * no);
        L->shift = malloc((size_t)no);
        if (!L->w || !L->w_scale || !L->bias || !L->bias_folded || !L->mult || !L->shift) goto oom;
        if (get_i8(cJSON_GetObjectItem(lo, "weights"), L->w, ni * no) ||
            get_floats(cJSON_GetObjectItem(lo, "weight_scale"), L->w_scale, no) ||
            get_i32(cJSON_GetObjectItem(lo, "bias"), L->bias, no) ||
            get_i32(cJSON_GetObjectItem(lo, "bias_folded"), L->bias_folded, no) ||
            get_i32(cJSON_GetObjectItem(lo, "multiplier"), L->mult, no) ||
            get_i8(cJSON_GetObjectItem(lo, "shift"), L->shift, no)) goto bad;
    }
    if (tr_build_nn(m)) goto oom;
    /* training info and metrics (optional) */
    const cJSON *t = cJSON_GetObjectItem(j, "training");
    if (!num(t, "seed", &v) && v >= 0 && v <= UINT32_MAX) m->seed = (unsigned)v;
    num_int(t, "train_windows", 0, INT32_MAX, &m->n_train);
    num_int(t, "test_windows", 0, INT32_MAX, &m->n_test);
    num_int(t, "best_epoch", 0, INT32_MAX, &m->best_epoch);
    if (!num(t, "seconds", &v)) m->train_seconds = v;
    if (!num(t, "epochs", &v) && v >= 0 && v < 1e6) {
        m->n_epochs = (int)v;
        const cJSON *cv = cJSON_GetObjectItem(t, "curves");
        int ne = m->n_epochs > 0 ? m->n_epochs : 1;
        m->curve_loss = calloc((size_t)ne, sizeof(float));
        m->curve_train_acc = calloc((size_t)ne, sizeof(float));
        m->curve_val_acc = calloc((size_t)ne, sizeof(float));
        if (!m->curve_loss || !m->curve_train_acc || !m->curve_val_acc) goto oom;
        if (get_floats(cJSON_GetObjectItem(cv, "loss"), m->curve_loss, m->n_epochs) ||
            get_floats(cJSON_GetObjectItem(cv, "train_accuracy"), m->curve_train_acc, m->n_epochs) ||
            get_floats(cJSON_GetObjectItem(cv, "val_accuracy"), m->curve_val_acc, m->n_epochs))
            m->n_epochs = 0;
    }
    const cJSON *qa = cJSON_GetObjectItem(t, "quantization_aware");
    if (!num(qa, "epochs", &v) && v >= 0 && v < 1e6) {
        m->qat_epochs = (int)v;
        const cJSON *st = cJSON_GetObjectItem(qa, "started"), *fr = cJSON_GetObjectItem(qa, "int8_from"),
                    *co = cJSON_GetObjectItem(qa, "compared_on");
        m->qat_auto = cJSON_IsString(st) && !strcmp(st->valuestring, "auto");
        m->qat_kept = cJSON_IsString(fr) && !strcmp(fr->valuestring, "fine-tuned");
        m->qat_probe = cJSON_IsString(co) && !strcmp(co->valuestring, "probe");
        m->cmp_is_val = m->qat_probe || (cJSON_IsString(co) && !strcmp(co->valuestring, "validation"));
        num_int(qa, "best_epoch", 0, INT32_MAX, &m->qat_best_epoch);
        num(qa, "seconds", &m->qat_seconds);
        num_int(qa, "compared_windows", 0, INT32_MAX, &m->cmp_windows);
        num(qa, "accuracy_float", &m->cmp_float);
        num(qa, "accuracy_int8_post_training", &m->cmp_int8_ptq);
        num(qa, "accuracy_int8_fine_tuned", &m->cmp_int8_qat);
    }
    why = "bad decision settings";
    m->dec_smooth_n = 1; /* models from before the decision logic: every inference decides */
    const cJSON *dc = cJSON_GetObjectItem(j, "decision");
    if (dc) {
        double a1, a2, a3, a4, a5;
        if (num(dc, "min_confidence", &a1) || num(dc, "min_margin", &a2) || num(dc, "smooth", &a3) ||
            num(dc, "min_interval_ms", &a4) || num(dc, "min_interval", &a5) || a2 < 0 || a2 > 255 ||
            a3 < 1 || a3 > 16 || a4 < 0 || a5 < 0 || a5 > 1e7)
            goto bad;
        m->dec_min_confidence = (float)a1;
        m->dec_min_margin = (int)a2;
        m->dec_smooth_n = (int)a3;
        m->dec_min_interval_ms = (int)a4;
        m->dec_min_interval = (int)a5;
    }
    const cJSON *mt = cJSON_GetObjectItem(j, "metrics");
    num(mt, "accuracy", &m->acc_float);
    num(mt, "accuracy_int8", &m->acc_int8);
    num(mt, "accuracy_recordings", &m->acc_rec);
    if (!num(mt, "recordings", &v)) m->n_rec_units = (int)v;
    const cJSON *tex = cJSON_GetObjectItem(t, "train_examples");
    if (cJSON_IsArray(tex) && cJSON_GetArraySize(tex) == m->n_labels) {
        int32_t cnt[TR_MAX_LABELS];
        if (!get_i32(tex, cnt, m->n_labels))
            for (int l = 0; l < m->n_labels; l++) m->train_examples[l] = cnt[l];
    }
    why = check_why;
    if (tr_model_check(m, check_why, sizeof check_why)) goto bad_checked;
    why = "bad anomaly model";
    if (tr_anomaly_from_json(m, cJSON_GetObjectItem(j, "anomaly"), load_field, sizeof load_field)) goto bad;
    m->device_learn = cJSON_IsTrue(cJSON_GetObjectItem(j, "device_learn"));
    why = "one label and no anomaly model (an anomaly-only model needs one)";
    if (m->n_labels == 1 && m->anom.method == TR_ANOM_NONE) goto bad_checked;
    why = "hash mismatch (model.json was edited or is corrupt)";
    load_field[0] = 0;
    const cJSON *h = cJSON_GetObjectItem(j, "hash");
    m->hash = tr_model_hash(m);
    char hs[16];
    snprintf(hs, sizeof hs, "%08x", m->hash);
    if (!cJSON_IsString(h) || strcmp(h->valuestring, hs)) goto bad;
    cJSON_Delete(j);
    return 0;
oom:
    why = "out of memory";
    goto bad_checked;
bad:
    if (load_field[0]) {
        snprintf(err, errlen, "%s: %s: field '%s' missing or out of range", path, why, load_field);
        goto out;
    }
bad_checked:
    snprintf(err, errlen, "%s: %s", path, why);
out:
    cJSON_Delete(j);
    tr_model_free(m);
    return -1;
}
