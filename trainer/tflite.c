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
 * BuiltinOperator CONV_2D 3, FULLY_CONNECTED 9, RESHAPE 22. BuiltinOptions Conv2DOptions 1,
 * FullyConnectedOptions 8, ReshapeOptions 17. Conv2DOptions {0 padding (VALID 1), 1 stride_w,
 * 2 stride_h, 3 fused_activation_function (NONE 0, RELU 1)}; FullyConnectedOptions {0 fused
 * activation}; ReshapeOptions {0 new_shape}.
 *
 * The graph: input int8 [1, n0] -> per layer a dense int8 layer with per-channel symmetric int8
 * weights (quantized_dimension 0, zero points 0), an int32 bias of scale s_in * s_w[j] and zero
 * point 0, output int8 with the layer's activation scale and zero point; ReLU fused on hidden layers
 * (TFLite clamps at the output zero point, as nn.c does). The weights are the unblocked row-major
 * weights and the unfolded biases: TFLite applies the input zero point itself. A TFLite integer
 * kernel computes exactly what nn.c computes (same QuantizeMultiplier of s_in * s_w / s_out in
 * double, same rounding).
 */
#include "tflite.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainer.h"

enum { TT_INT32 = 2, TT_INT8 = 9 };
enum { OP_CONV_2D = 3, OP_FULLY_CONNECTED = 9, OP_RESHAPE = 22 };
enum { OPT_NONE = 0, OPT_CONV2D = 1, OPT_FC = 8, OPT_RESHAPE = 17 };

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
    int code; /* index into the op code table */
    int32_t in[3], out[1];
    int nin;
    int act;  /* fused activation */
    int32_t new_shape[4];
    int new_rank;
};

#define MAX_T 32
#define MAX_B 24
#define MAX_O 16

struct graph {
    struct tensor t[MAX_T];
    int nt;
    struct buffer b[MAX_B];
    int nb;
    struct op o[MAX_O];
    int no;
    int input, output;
};

static int add_buffer(struct graph *g, const void *data, size_t len)
{
    g->b[g->nb] = (struct buffer){data, len};
    return g->nb++;
}

static int add_tensor(struct graph *g, const char *name, int type, const int32_t *shape, int rank, int buffer)
{
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

static void graph_free(struct graph *g)
{
    for (int i = 0; i < g->nt; i++) { free(g->t[i].scale); free(g->t[i].zp); }
}

/* The op codes used, in this order: RESHAPE, CONV_2D or FULLY_CONNECTED. */
static const int op_codes[2][2] = {{OP_RESHAPE, OP_CONV_2D}, {OP_RESHAPE, OP_FULLY_CONNECTED}};
static const int op_versions[2][2] = {{1, 3}, {1, 4}};

static int build_graph(const struct tr_model *m, enum tr_tflite_op kind, struct graph *g, int32_t *shapes)
{
    memset(g, 0, sizeof *g);
    add_buffer(g, NULL, 0); /* the sentinel */
    int n0 = m->sizes[0], nl = m->sizes[m->n_layers];
    int32_t s2[2] = {1, n0};
    g->input = add_tensor(g, "features", TT_INT8, s2, 2, 0);
    if (quant1(g, g->input, m->act_scale[0], m->act_zp[0])) return -1;
    int x = g->input;
    if (kind == TR_TFLITE_CONV) {
        /* shapes[0..3]: {1,1,1,n0}; shapes[4..5]: {1, n_classes} */
        shapes[0] = shapes[1] = shapes[2] = 1;
        shapes[3] = n0;
        int sb = add_buffer(g, shapes, 16);
        int32_t one = 4;
        int st = add_tensor(g, "shape_in", TT_INT32, &one, 1, sb);
        int32_t s4[4] = {1, 1, 1, n0};
        int x4 = add_tensor(g, "features_nhwc", TT_INT8, s4, 4, 0);
        if (quant1(g, x4, m->act_scale[0], m->act_zp[0])) return -1;
        g->o[g->no++] = (struct op){0, {x, st, 0}, {x4}, 2, 0, {1, 1, 1, n0}, 4};
        x = x4;
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
        struct tensor *W = &g->t[wt], *B = &g->t[bt];
        W->nq = B->nq = L->n_out;
        W->scale = malloc(sizeof(float) * (size_t)L->n_out);
        W->zp = calloc((size_t)L->n_out, sizeof(int64_t));
        B->scale = malloc(sizeof(float) * (size_t)L->n_out);
        B->zp = calloc((size_t)L->n_out, sizeof(int64_t));
        if (!W->scale || !W->zp || !B->scale || !B->zp) return -1;
        for (int j = 0; j < L->n_out; j++) {
            W->scale[j] = L->w_scale[j];
            B->scale[j] = (float)((double)m->act_scale[k] * (double)L->w_scale[j]);
        }
        int32_t os4[4] = {1, 1, 1, L->n_out}, os2[2] = {1, L->n_out};
        int last = k == m->n_layers - 1;
        snprintf(nm, sizeof nm, last && kind == TR_TFLITE_FC ? "scores" : "dense%d_out", k);
        int y = kind == TR_TFLITE_CONV ? add_tensor(g, nm, TT_INT8, os4, 4, 0) : add_tensor(g, nm, TT_INT8, os2, 2, 0);
        if (quant1(g, y, m->act_scale[k + 1], m->act_zp[k + 1])) return -1;
        g->o[g->no++] = (struct op){1, {x, wt, bt}, {y}, 3, last ? 0 : 1, {0}, 0};
        x = y;
    }
    if (kind == TR_TFLITE_CONV) {
        shapes[4] = 1;
        shapes[5] = nl;
        int sb = add_buffer(g, shapes + 4, 8);
        int32_t two = 2, so[2] = {1, nl};
        int st = add_tensor(g, "shape_out", TT_INT32, &two, 1, sb);
        int y = add_tensor(g, "scores", TT_INT8, so, 2, 0);
        if (quant1(g, y, m->act_scale[m->n_layers], m->act_zp[m->n_layers])) return -1;
        g->o[g->no++] = (struct op){0, {x, st, 0}, {y}, 2, 0, {1, nl}, 2};
        x = y;
    }
    g->output = x;
    return 0;
}

/* Serialize the graph. */
static void write_model(struct fbw *w, const struct tr_model *m, enum tr_tflite_op kind, const struct graph *g)
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
    size_t v = fb_vec_offsets(w, 2);
    fb_patch(w, tab_at(&mt, 1), v);
    for (int i = 0; i < 2; i++) {
        struct fb_table oc = {0};
        tab_scalar(&oc, 0, 1, (uint32_t)op_codes[kind][i]);
        tab_scalar(&oc, 2, 4, (uint32_t)op_versions[kind][i]);
        tab_scalar(&oc, 3, 4, (uint32_t)op_codes[kind][i]);
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
        int code = op_codes[kind][o->code];
        int opt = code == OP_RESHAPE ? OPT_RESHAPE : code == OP_CONV_2D ? OPT_CONV2D : OPT_FC;
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
            tab_scalar(&opts, 0, 1, 1); /* VALID */
            tab_scalar(&opts, 1, 4, 1);
            tab_scalar(&opts, 2, 4, 1);
            tab_scalar(&opts, 3, 1, (uint32_t)o->act);
            tab_scalar(&opts, 4, 4, 1); /* dilations */
            tab_scalar(&opts, 5, 4, 1);
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

int tr_tflite_bytes(const struct tr_model *m, enum tr_tflite_op op, unsigned char **out, size_t *len)
{
    struct graph g;
    int32_t shapes[8];
    struct fbw w = {0};
    *out = NULL;
    *len = 0;
    if (m->conv) return -1; /* conv front ends: not written yet (tr_write_tflite says so) */
    if (m->n_layers < 1 || 2 + 3 * m->n_layers + 4 > MAX_T || 3 + 2 * m->n_layers > MAX_B) return -1;
    int rc = build_graph(m, op, &g, shapes);
    if (!rc) write_model(&w, m, op, &g);
    graph_free(&g);
    if (rc || w.oom) { free(w.b); return -1; }
    *out = w.b;
    *len = w.n;
    return 0;
}

int tr_write_tflite(const struct tr_model *m, const char *path, enum tr_tflite_op op, char *err, size_t errlen)
{
    unsigned char *b;
    size_t n;
    if (m->conv) {
        snprintf(err, errlen, "the .tflite export of a model with a conv front end (--conv) is not implemented: "
                 "--format c and arduino run it");
        return -1;
    }
    if (tr_tflite_bytes(m, op, &b, &n)) {
        snprintf(err, errlen, "cannot build the TFLite flatbuffer (out of memory or too many layers)");
        return -1;
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(b, 1, n, f) == n;
    if (f && fclose(f)) ok = 0;
    free(b);
    if (!ok) { snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno)); return -1; }
    return 0;
}
