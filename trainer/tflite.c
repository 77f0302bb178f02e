/* SPDX-License-Identifier: MIT */
/* tflite.c -- a model's int8 network as a TensorFlow Lite flatbuffer (schema "TFL3").
 *
 * The flatbuffer is written top-down in one pass: a table is written (its vtable just before it,
 * then the table: the signed offset to the vtable and the inline fields, largest first), then its
 * children after it, each offset field patched with (child - field) once the child is placed. This
 * keeps every uoffset positive as the format requires, and needs no builder library. Alignment:
 * tables and vectors on 4 bytes, int64 vector elements on 8, buffer data on 16.
 *
 * Schema facts used (tensorflow/lite/schema/schema.fbs): Model {0 version, 1 operator_codes,
 * 2 subgraphs, 3 description, 4 buffers}; OperatorCode {0 deprecated_builtin_code (byte),
 * 1 custom_code, 2 version, 3 builtin_code (int)} -- both codes written, older readers (Arm NN 20.08)
 * read field 0 only; SubGraph {0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name}; Tensor {0 shape,
 * 1 type, 2 buffer, 3 name, 4 quantization}; QuantizationParameters {2 scale, 3 zero_point (long),
 * 6 quantized_dimension}; Operator {0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type,
 * 4 builtin_options}; Buffer {0 data}; buffer 0 is the empty sentinel. TensorType INT8 9, INT32 2.
 * BuiltinOperator AVERAGE_POOL_2D 1, CONV_2D 3, FULLY_CONNECTED 9, MAX_POOL_2D 17, RESHAPE 22.
 * BuiltinOptions Conv2DOptions 1, Pool2DOptions 5, FullyConnectedOptions 8, ReshapeOptions 17.
 * Conv2DOptions {0 padding (SAME 0, VALID 1), 1 stride_w, 2 stride_h, 3 fused_activation_function
 * (NONE 0, RELU 1), 4-5 dilations}; Pool2DOptions {0 padding, 1 stride_w, 2 stride_h,
 * 3 filter_width, 4 filter_height, 5 fused_activation_function}; FullyConnectedOptions {0 fused
 * activation}; ReshapeOptions {0 new_shape}.
 *
 * The graph: input int8 [1, n0] -> per layer a dense int8 layer with per-channel symmetric int8
 * weights (quantized_dimension 0, zero points 0), an int32 bias of scale s_in * s_w[j] and zero
 * point 0, output int8 with the layer's activation scale and zero point; ReLU fused on hidden layers
 * (TFLite clamps at the output zero point, as nn.c does). The weights are the unblocked row-major
 * weights and the unfolded biases: TFLite applies the input zero point itself. A TFLite integer
 * kernel computes exactly what nn.c computes (same QuantizeMultiplier of s_in * s_w / s_out in
 * double, same rounding).
 *
 * A conv front end (convnet.c) comes first: input int8 [1, len, ch] time-major, RESHAPE to
 * [1, 1, len, ch], per layer CONV_2D (1 x k, SAME, its stride, ReLU) and MAX_POOL_2D (1 x p,
 * stride p), then AVERAGE_POOL_2D over the whole length for global average pooling; the dense
 * layers read its [1, 1, 1, ch] output. TFLite's SAME padding (pad_before = total / 2, the input
 * zero point outside) and its integer pools (max; sum / count rounded half away from zero) are
 * portable/conv.c's.
 */
#include "tflite.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tr_conv.h"
#include "trainer.h"

enum { TT_INT32 = 2, TT_INT8 = 9 };
enum { OP_AVERAGE_POOL_2D = 1, OP_CONV_2D = 3, OP_FULLY_CONNECTED = 9, OP_MAX_POOL_2D = 17, OP_RESHAPE = 22 };
enum { OPT_NONE = 0, OPT_CONV2D = 1, OPT_POOL2D = 5, OPT_FC = 8, OPT_RESHAPE = 17 };

/* ---- a top-down flatbuffer writer ---- */

struct fbw {
    uint8_t *b;
    size_t n, cap;
    int oom;
};

static void fb_reserve(struct fbw *w, size_t more)
{
    if (w->oom || w->n + more <= w->cap) return;
    size_t nc = w->cap ? w->cap : 4096;
    while (nc < w->n + more) nc *= 2;
    uint8_t *p = realloc(w->b, nc);
    if (!p) { w->oom = 1; return; }
    w->b = p;
    w->cap = nc;
}

static void fb_bytes(struct fbw *w, const void *p, size_t n)
{
    fb_reserve(w, n);
    if (w->oom) return;
    if (p) memcpy(w->b + w->n, p, n);
    else memset(w->b + w->n, 0, n);
    w->n += n;
}

/* Zero bytes until (n + extra) is a multiple of align. */
static void fb_pad(struct fbw *w, size_t align, size_t extra)
{
    while ((w->n + extra) % align) fb_bytes(w, NULL, 1);
}

static void fb_set32(struct fbw *w, size_t at, uint32_t v)
{
    if (w->oom) return;
    for (int i = 0; i < 4; i++) w->b[at + i] = (uint8_t)(v >> (8 * i));
}

static void fb_u32(struct fbw *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fb_bytes(w, b, 4);
}

/* Point the offset field at `at` to the object at `target` (which must come after it). */
static void fb_patch(struct fbw *w, size_t at, size_t target)
{
    if (w->oom) return;
    if (target <= at) { w->oom = 1; return; } /* an invariant of the top-down order */
    fb_set32(w, at, (uint32_t)(target - at));
}

struct fb_field {
    int id, size, is_off;
    uint32_t val;
    size_t at; /* where it was written */
};
struct fb_table {
    int n;
    struct fb_field f[8];
};

static void tab_scalar(struct fb_table *t, int id, int size, uint32_t v)
{
    t->f[t->n++] = (struct fb_field){id, size, 0, v, 0};
}
static void tab_off(struct fb_table *t, int id) { t->f[t->n++] = (struct fb_field){id, 4, 1, 0, 0}; }

/* Where the offset field id of a written table is. */
static size_t tab_at(const struct fb_table *t, int id)
{
    for (int i = 0; i < t->n; i++)
        if (t->f[i].id == id) return t->f[i].at;
    return 0;
}

/* Write the vtable and the table; returns the table's position. Fields: 4-byte ones first. */
static size_t fb_table(struct fbw *w, struct fb_table *t)
{
    int nf = 0;
    for (int i = 0; i < t->n; i++)
        if (t->f[i].id + 1 > nf) nf = t->f[i].id + 1;
    uint16_t vt[2 + 16] = {0};
    size_t off = 4;
    for (int pass = 4; pass >= 1; pass /= 2)
        for (int i = 0; i < t->n; i++)
            if (t->f[i].size == pass) {
                off = (off + (size_t)pass - 1) / (size_t)pass * (size_t)pass;
                vt[2 + t->f[i].id] = (uint16_t)off;
                off += (size_t)pass;
            }
    size_t tsize = (off + 3) & ~(size_t)3;
    vt[0] = (uint16_t)(4 + 2 * nf);
    vt[1] = (uint16_t)tsize;
    fb_pad(w, 4, vt[0]); /* the table after the vtable starts on 4 bytes */
    size_t vpos = w->n;
    for (int i = 0; i < 2 + nf; i++) {
        uint8_t b[2] = {(uint8_t)vt[i], (uint8_t)(vt[i] >> 8)};
        fb_bytes(w, b, 2);
    }
    size_t tpos = w->n;
    fb_bytes(w, NULL, tsize);
    if (w->oom) return 0;
    fb_set32(w, tpos, (uint32_t)(tpos - vpos)); /* vtable = table - soffset */
    for (int i = 0; i < t->n; i++) {
        struct fb_field *f = &t->f[i];
        f->at = tpos + vt[2 + f->id];
        for (int k = 0; k < f->size; k++) w->b[f->at + (size_t)k] = (uint8_t)(f->val >> (8 * k));
    }
    return tpos;
}

/* A vector of scalars (little-endian already in memory order); returns its position. */
static size_t fb_vec(struct fbw *w, const void *data, uint32_t count, size_t elem, size_t align)
{
    fb_pad(w, align < 4 ? 4 : align, 4);
    size_t pos = w->n;
    fb_u32(w, count);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = (const uint8_t *)data + i * elem;
        uint8_t b[8];
        /* write little-endian whatever the host's order */
        uint64_t v = 0;
        if (elem == 1) v = e[0];
        else if (elem == 4) { uint32_t x; memcpy(&x, e, 4); v = x; }
        else { memcpy(&v, e, 8); }
        for (size_t k = 0; k < elem; k++) b[k] = (uint8_t)(v >> (8 * k));
        fb_bytes(w, b, elem);
    }
    return pos;
}

static size_t fb_vec_i32(struct fbw *w, const int32_t *v, uint32_t n) { return fb_vec(w, v, n, 4, 4); }

/* A vector of count offsets to be patched: returns its position (element i at pos + 4 + 4 i). */
static size_t fb_vec_offsets(struct fbw *w, uint32_t count)
{
    fb_pad(w, 4, 0);
    size_t pos = w->n;
    fb_u32(w, count);
    fb_bytes(w, NULL, 4u * count);
    return pos;
}

static size_t fb_string(struct fbw *w, const char *s)
{
    fb_pad(w, 4, 0);
    size_t pos = w->n;
    fb_u32(w, (uint32_t)strlen(s));
    fb_bytes(w, s, strlen(s) + 1);
    return pos;
}

/* ---- the graph ---- */

struct tensor {
    char name[48];
    int type;
    int32_t shape[4];
    int rank;
    uint32_t buffer;      /* 0: no data */
    int nq;               /* quantization values (0: none) */
    float *scale;
    int64_t *zp;
};
struct buffer {
    const void *data;
    size_t len;
};
struct op {
    int code; /* index into the graph's op code table */
    int32_t in[3], out[1];
    int nin;
    int act;  /* fused activation */
    int32_t new_shape[4];
    int new_rank;
    int padding;             /* CONV_2D and pools: SAME 0, VALID 1 */
    int stride_w, filter_w;  /* CONV_2D: stride; pools: stride and filter width (heights 1) */
};

#define MAX_T 64
#define MAX_B 48
#define MAX_O 32
#define MAX_CODES 8
#define MAX_SHAPES 32 /* int32 values of the RESHAPE shape buffers */

struct graph {
    struct tensor t[MAX_T];
    int nt;
    struct buffer b[MAX_B];
    int nb;
    struct op o[MAX_O];
    int no;
    int codes[MAX_CODES], ncodes;
    int32_t shapes[MAX_SHAPES]; /* the data of the shape tensors (the buffers point here) */
    int nshapes;
    int input, output;
};

static int add_buffer(struct graph *g, const void *data, size_t len)
{
    assert(g->nb < MAX_B);
    g->b[g->nb] = (struct buffer){data, len};
    return g->nb++;
}

static int add_tensor(struct graph *g, const char *name, int type, const int32_t *shape, int rank, int buffer)
{
    assert(g->nt < MAX_T && rank <= 4);
    struct tensor *t = &g->t[g->nt];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->type = type;
    memcpy(t->shape, shape, sizeof(int32_t) * (size_t)rank);
    t->rank = rank;
    t->buffer = (uint32_t)buffer;
    return g->nt++;
}

/* Per-tensor quantization of tensor i. */
static int quant1(struct graph *g, int i, float scale, int zp)
{
    struct tensor *t = &g->t[i];
    t->nq = 1;
    t->scale = malloc(sizeof(float));
    t->zp = malloc(sizeof(int64_t));
    if (!t->scale || !t->zp) return -1;
    t->scale[0] = scale;
    t->zp[0] = zp;
    return 0;
}

/* Per-channel symmetric quantization of tensor i (weights: scale[j]; a bias: s_in * scale[j]),
 * zero points 0, along dimension 0. */
static int quant_channels(struct graph *g, int i, const float *scale, int n, double s_in)
{
    struct tensor *t = &g->t[i];
    t->nq = n;
    t->scale = malloc(sizeof(float) * (size_t)n);
    t->zp = calloc((size_t)n, sizeof(int64_t));
    if (!t->scale || !t->zp) return -1;
    for (int j = 0; j < n; j++) t->scale[j] = s_in > 0 ? (float)(s_in * (double)scale[j]) : scale[j];
    return 0;
}

static void graph_free(struct graph *g)
{
    for (int i = 0; i < g->nt; i++) { free(g->t[i].scale); free(g->t[i].zp); }
}

/* The version each operator is written with: the lowest that runs int8 per-channel weights. */
static int op_version(int code)
{
    switch (code) {
    case OP_CONV_2D: return 3;
    case OP_FULLY_CONNECTED: return 4;
    case OP_MAX_POOL_2D:
    case OP_AVERAGE_POOL_2D: return 2;
    default: return 1;
    }
}

/* The index of builtin operator code in the op code table (added on first use). */
static int code_index(struct graph *g, int code)
{
    for (int i = 0; i < g->ncodes; i++)
        if (g->codes[i] == code) return i;
    assert(g->ncodes < MAX_CODES);
    g->codes[g->ncodes] = code;
    return g->ncodes++;
}

static struct op *add_op(struct graph *g, int code, int in0, int in1, int in2, int nin, int out)
{
    assert(g->no < MAX_O);
    struct op *o = &g->o[g->no++];
    memset(o, 0, sizeof *o);
    o->code = code_index(g, code);
    o->in[0] = in0; o->in[1] = in1; o->in[2] = in2;
    o->nin = nin;
    o->out[0] = out;
    o->padding = 1;
    o->stride_w = o->filter_w = 1;
    return o;
}

/* A RESHAPE of tensor x to shape (a new int8 tensor with the given quantization); returns it. */
static int add_reshape(struct graph *g, int x, const char *name, const int32_t *shape, int rank, float s, int zp)
{
    assert(g->nshapes + rank <= MAX_SHAPES);
    int32_t *sv = g->shapes + g->nshapes;
    memcpy(sv, shape, sizeof(int32_t) * (size_t)rank);
    g->nshapes += rank;
    char nm[48];
    snprintf(nm, sizeof nm, "%s_shape", name);
    int32_t r = rank;
    int st = add_tensor(g, nm, TT_INT32, &r, 1, add_buffer(g, sv, sizeof(int32_t) * (size_t)rank));
    int y = add_tensor(g, name, TT_INT8, shape, rank, 0);
    if (quant1(g, y, s, zp)) return -1;
    struct op *o = add_op(g, OP_RESHAPE, x, st, 0, 2, y);
    memcpy(o->new_shape, shape, sizeof(int32_t) * (size_t)rank);
    o->new_rank = rank;
    return y;
}

/* The conv front end (convnet.c): input int8 [1, len, ch] (time-major, as
 * imu_conv_quantize_input writes it, without padding rows), a RESHAPE to NHWC [1, 1, len, ch],
 * per layer a CONV_2D (1 x k filter, SAME, stride_w, ReLU) and its MAX_POOL_2D (1 x pool, stride
 * pool, VALID), then global average pooling as an AVERAGE_POOL_2D over the whole length (VALID).
 * Returns the [1, 1, 1, channels] tensor, or -1. */
static int build_conv(const struct tr_model *m, struct graph *g)
{
    const struct tr_conv *c = m->conv;
    int32_t s3[3] = {1, c->len, c->ch}, s4[4] = {1, 1, c->len, c->ch};
    g->input = add_tensor(g, "features", TT_INT8, s3, 3, 0);
    if (quant1(g, g->input, c->in_scale, c->in_zp)) return -1;
    int x = add_reshape(g, g->input, "features_nhwc", s4, 4, c->in_scale, c->in_zp);
    if (x < 0) return -1;
    double s_in = c->in_scale;
    for (int i = 0; i < c->n; i++) {
        const struct tr_conv_layer *l = &c->l[i];
        char nm[48];
        int wb = add_buffer(g, l->qw, (size_t)l->ch_out * l->k * l->ch_in);
        int bb = add_buffer(g, l->bias, sizeof(int32_t) * (size_t)l->ch_out);
        int32_t ws[4] = {l->ch_out, 1, l->k, l->ch_in}, no = l->ch_out;
        snprintf(nm, sizeof nm, "conv%d_weights", i);
        int wt = add_tensor(g, nm, TT_INT8, ws, 4, wb);
        snprintf(nm, sizeof nm, "conv%d_bias", i);
        int bt = add_tensor(g, nm, TT_INT32, &no, 1, bb);
        if (quant_channels(g, wt, l->w_scale, l->ch_out, 0) || quant_channels(g, bt, l->w_scale, l->ch_out, s_in))
            return -1;
        int32_t os[4] = {1, 1, l->len_out, l->ch_out};
        snprintf(nm, sizeof nm, "conv%d_out", i);
        int y = add_tensor(g, nm, TT_INT8, os, 4, 0);
        if (quant1(g, y, l->out_scale, l->out_zp)) return -1;
        struct op *o = add_op(g, OP_CONV_2D, x, wt, bt, 3, y);
        o->act = 1; /* ReLU: the output clamped at its zero point, as the conv op's act_min */
        o->padding = 0; /* SAME: pad_before = total / 2, as tr_conv_shapes */
        o->stride_w = l->stride;
        x = y;
        if (l->pool > 1) {
            int32_t ps[4] = {1, 1, l->pool_len, l->ch_out};
            snprintf(nm, sizeof nm, "pool%d_out", i);
            y = add_tensor(g, nm, TT_INT8, ps, 4, 0);
            if (quant1(g, y, l->out_scale, l->out_zp)) return -1;
            o = add_op(g, OP_MAX_POOL_2D, x, 0, 0, 1, y);
            o->stride_w = o->filter_w = l->pool;
            x = y;
        }
        s_in = l->out_scale;
    }
    const struct tr_conv_layer *last = &c->l[c->n - 1];
    int32_t gs[4] = {1, 1, 1, last->ch_out};
    int y = add_tensor(g, "global_average", TT_INT8, gs, 4, 0);
    if (quant1(g, y, last->out_scale, last->out_zp)) return -1;
    struct op *o = add_op(g, OP_AVERAGE_POOL_2D, x, 0, 0, 1, y);
    o->filter_w = last->pool_len;
    return y;
}

static int build_graph(const struct tr_model *m, enum tr_tflite_op kind, struct graph *g)
{
    memset(g, 0, sizeof *g);
    add_buffer(g, NULL, 0); /* the sentinel */
    (void)code_index(g, OP_RESHAPE); /* op code 0, as files without a front end have always had it */
    int n0 = m->sizes[0], nl = m->sizes[m->n_layers];
    int x;
    if (m->conv) {
        /* the dense layers' input is the front end's output (same scale and zero point) */
        x = build_conv(m, g);
        if (x < 0) return -1;
        if (kind == TR_TFLITE_FC) {
            int32_t s2[2] = {1, n0};
            x = add_reshape(g, x, "conv_features", s2, 2, m->act_scale[0], m->act_zp[0]);
            if (x < 0) return -1;
        }
    } else {
        int32_t s2[2] = {1, n0};
        g->input = x = add_tensor(g, "features", TT_INT8, s2, 2, 0);
        if (quant1(g, g->input, m->act_scale[0], m->act_zp[0])) return -1;
        if (kind == TR_TFLITE_CONV) {
            int32_t s4[4] = {1, 1, 1, n0};
            x = add_reshape(g, x, "features_nhwc", s4, 4, m->act_scale[0], m->act_zp[0]);
            if (x < 0) return -1;
        }
    }
    for (int k = 0; k < m->n_layers; k++) {
        const struct tr_qlayer *L = &m->q[k];
        char nm[48];
        int wb = add_buffer(g, L->w, (size_t)L->n_in * L->n_out);
        int bb = add_buffer(g, L->bias, sizeof(int32_t) * (size_t)L->n_out);
        int32_t ws4[4] = {L->n_out, 1, 1, L->n_in}, ws2[2] = {L->n_out, L->n_in};
        snprintf(nm, sizeof nm, "dense%d_weights", k);
        int wt = kind == TR_TFLITE_CONV ? add_tensor(g, nm, TT_INT8, ws4, 4, wb) : add_tensor(g, nm, TT_INT8, ws2, 2, wb);
        snprintf(nm, sizeof nm, "dense%d_bias", k);
        int32_t no = L->n_out;
        int bt = add_tensor(g, nm, TT_INT32, &no, 1, bb);
        if (quant_channels(g, wt, L->w_scale, L->n_out, 0) ||
            quant_channels(g, bt, L->w_scale, L->n_out, (double)m->act_scale[k]))
            return -1;
        int32_t os4[4] = {1, 1, 1, L->n_out}, os2[2] = {1, L->n_out};
        int last = k == m->n_layers - 1;
        snprintf(nm, sizeof nm, last && kind == TR_TFLITE_FC ? "scores" : "dense%d_out", k);
        int y = kind == TR_TFLITE_CONV ? add_tensor(g, nm, TT_INT8, os4, 4, 0) : add_tensor(g, nm, TT_INT8, os2, 2, 0);
        if (quant1(g, y, m->act_scale[k + 1], m->act_zp[k + 1])) return -1;
        struct op *o = add_op(g, kind == TR_TFLITE_CONV ? OP_CONV_2D : OP_FULLY_CONNECTED, x, wt, bt, 3, y);
        o->act = last ? 0 : 1;
        x = y;
    }
    if (kind == TR_TFLITE_CONV) {
        int32_t so[2] = {1, nl};
        x = add_reshape(g, x, "scores", so, 2, m->act_scale[m->n_layers], m->act_zp[m->n_layers]);
        if (x < 0) return -1;
    }
    g->output = x;
    return 0;
}

/* Serialize the graph. */
static void write_model(struct fbw *w, const struct tr_model *m, const struct graph *g)
{
    fb_u32(w, 0);            /* root offset, patched below */
    fb_bytes(w, "TFL3", 4);  /* file identifier */
    struct fb_table t = {0};
    tab_scalar(&t, 0, 4, 3); /* schema version */
    tab_off(&t, 1);
    tab_off(&t, 2);
    tab_off(&t, 3);
    tab_off(&t, 4);
    size_t model = fb_table(w, &t);
    fb_patch(w, 0, model);
    struct fb_table mt = t;

    /* operator_codes */
    size_t v = fb_vec_offsets(w, (uint32_t)g->ncodes);
    fb_patch(w, tab_at(&mt, 1), v);
    for (int i = 0; i < g->ncodes; i++) {
        struct fb_table oc = {0};
        tab_scalar(&oc, 0, 1, (uint32_t)g->codes[i]);
        tab_scalar(&oc, 2, 4, (uint32_t)op_version(g->codes[i]));
        tab_scalar(&oc, 3, 4, (uint32_t)g->codes[i]);
        fb_patch(w, v + 4 + 4 * (size_t)i, fb_table(w, &oc));
    }

    /* subgraphs: one */
    v = fb_vec_offsets(w, 1);
    fb_patch(w, tab_at(&mt, 2), v);
    struct fb_table sg = {0};
    for (int id = 0; id < 5; id++) tab_off(&sg, id);
    fb_patch(w, v + 4, fb_table(w, &sg));
    size_t tv = fb_vec_offsets(w, (uint32_t)g->nt);
    fb_patch(w, tab_at(&sg, 0), tv);
    for (int i = 0; i < g->nt; i++) {
        const struct tensor *ts = &g->t[i];
        struct fb_table tt = {0};
        tab_off(&tt, 0);
        tab_scalar(&tt, 1, 1, (uint32_t)ts->type);
        tab_scalar(&tt, 2, 4, ts->buffer);
        tab_off(&tt, 3);
        if (ts->nq) tab_off(&tt, 4);
        fb_patch(w, tv + 4 + 4 * (size_t)i, fb_table(w, &tt));
        fb_patch(w, tab_at(&tt, 0), fb_vec_i32(w, ts->shape, (uint32_t)ts->rank));
        fb_patch(w, tab_at(&tt, 3), fb_string(w, ts->name));
        if (ts->nq) {
            struct fb_table q = {0};
            tab_off(&q, 2);
            tab_off(&q, 3);
            tab_scalar(&q, 6, 4, 0); /* quantized_dimension: the output channel */
            fb_patch(w, tab_at(&tt, 4), fb_table(w, &q));
            fb_patch(w, tab_at(&q, 2), fb_vec(w, ts->scale, (uint32_t)ts->nq, 4, 4));
            fb_patch(w, tab_at(&q, 3), fb_vec(w, ts->zp, (uint32_t)ts->nq, 8, 8));
        }
    }
    int32_t io = g->input;
    fb_patch(w, tab_at(&sg, 1), fb_vec_i32(w, &io, 1));
    io = g->output;
    fb_patch(w, tab_at(&sg, 2), fb_vec_i32(w, &io, 1));
    size_t ov = fb_vec_offsets(w, (uint32_t)g->no);
    fb_patch(w, tab_at(&sg, 3), ov);
    for (int i = 0; i < g->no; i++) {
        const struct op *o = &g->o[i];
        int code = g->codes[o->code];
        int opt = code == OP_RESHAPE ? OPT_RESHAPE : code == OP_CONV_2D ? OPT_CONV2D : code == OP_FULLY_CONNECTED ? OPT_FC
                                                                                                                : OPT_POOL2D;
        struct fb_table ot = {0};
        tab_scalar(&ot, 0, 4, (uint32_t)o->code);
        tab_off(&ot, 1);
        tab_off(&ot, 2);
        tab_scalar(&ot, 3, 1, (uint32_t)opt);
        tab_off(&ot, 4);
        fb_patch(w, ov + 4 + 4 * (size_t)i, fb_table(w, &ot));
        fb_patch(w, tab_at(&ot, 1), fb_vec_i32(w, o->in, (uint32_t)o->nin));
        fb_patch(w, tab_at(&ot, 2), fb_vec_i32(w, o->out, 1));
        struct fb_table opts = {0};
        if (code == OP_RESHAPE) {
            tab_off(&opts, 0);
        } else if (code == OP_CONV_2D) {
            tab_scalar(&opts, 0, 1, (uint32_t)o->padding);
            tab_scalar(&opts, 1, 4, (uint32_t)o->stride_w);
            tab_scalar(&opts, 2, 4, 1);
            tab_scalar(&opts, 3, 1, (uint32_t)o->act);
            tab_scalar(&opts, 4, 4, 1); /* dilations */
            tab_scalar(&opts, 5, 4, 1);
        } else if (opt == OPT_POOL2D) {
            tab_scalar(&opts, 0, 1, (uint32_t)o->padding);
            tab_scalar(&opts, 1, 4, (uint32_t)o->stride_w);
            tab_scalar(&opts, 2, 4, 1);
            tab_scalar(&opts, 3, 4, (uint32_t)o->filter_w);
            tab_scalar(&opts, 4, 4, 1);
            tab_scalar(&opts, 5, 1, 0); /* no fused activation */
        } else {
            tab_scalar(&opts, 0, 1, (uint32_t)o->act);
        }
        fb_patch(w, tab_at(&ot, 4), fb_table(w, &opts));
        if (code == OP_RESHAPE) fb_patch(w, tab_at(&opts, 0), fb_vec_i32(w, o->new_shape, (uint32_t)o->new_rank));
    }
    fb_patch(w, tab_at(&sg, 4), fb_string(w, "main"));

    char desc[160];
    snprintf(desc, sizeof desc, "imulab model %08x: int8 network on the quantized features (imulab export-model)",
             m->hash);
    fb_patch(w, tab_at(&mt, 3), fb_string(w, desc));

    /* buffers */
    size_t bv = fb_vec_offsets(w, (uint32_t)g->nb);
    fb_patch(w, tab_at(&mt, 4), bv);
    size_t bt[MAX_B];
    struct fb_table btab[MAX_B];
    for (int i = 0; i < g->nb; i++) {
        memset(&btab[i], 0, sizeof btab[i]);
        if (g->b[i].len) tab_off(&btab[i], 0);
        bt[i] = fb_table(w, &btab[i]);
        fb_patch(w, bv + 4 + 4 * (size_t)i, bt[i]);
    }
    for (int i = 0; i < g->nb; i++)
        if (g->b[i].len) fb_patch(w, tab_at(&btab[i], 0), fb_vec(w, g->b[i].data, (uint32_t)g->b[i].len, 1, 16));
}

/* Why the model cannot be written as this graph, or NULL: the dense layers read the front end's
 * output tensor (one scale and zero point), every op's shape within the writer's tables. */
static const char *cannot_write(const struct tr_model *m)
{
    if (m->n_layers < 1 || m->n_layers > TR_MAX_HIDDEN + 1) return "no dense layers or too many";
    if (!m->conv) return NULL;
    const struct tr_conv *c = m->conv;
    const struct tr_conv_layer *last = &c->l[c->n - 1];
    if (c->n < 1 || c->n > TR_MAX_CONV || !c->l[0].qw) return "the conv front end has no int8 layers";
    if (m->sizes[0] != last->ch_out || m->act_scale[0] != last->out_scale || m->act_zp[0] != last->out_zp)
        return "the dense layers' input is not the conv front end's output (scale, zero point or width)";
    return NULL;
}

int tr_tflite_bytes(const struct tr_model *m, enum tr_tflite_op op, unsigned char **out, size_t *len)
{
    struct graph *g = malloc(sizeof *g);
    struct fbw w = {0};
    *out = NULL;
    *len = 0;
    if (!g || cannot_write(m)) { free(g); return -1; }
    int rc = build_graph(m, op, g);
    if (!rc) write_model(&w, m, g);
    graph_free(g);
    free(g);
    if (rc || w.oom) { free(w.b); return -1; }
    *out = w.b;
    *len = w.n;
    return 0;
}

int tr_write_tflite(const struct tr_model *m, const char *path, enum tr_tflite_op op, char *err, size_t errlen)
{
    unsigned char *b;
    size_t n;
    const char *why = cannot_write(m);
    if (why) {
        snprintf(err, errlen, "cannot write the model as TFLite: %s", why);
        return -1;
    }
    if (tr_tflite_bytes(m, op, &b, &n)) {
        snprintf(err, errlen, "cannot build the TFLite flatbuffer (out of memory)");
        return -1;
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(b, 1, n, f) == n;
    if (f && fclose(f)) ok = 0;
    free(b);
    if (!ok) { snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno)); return -1; }
    return 0;
}
