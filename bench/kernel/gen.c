/* SPDX-License-Identifier: MIT */
/* gen.c -- see gen.h. No libc beyond what a bare-metal image has (no allocation, no printf). */
#include "gen.h"

const struct gen_shape gen_shapes[4] = {
    { "6->16->4", 3, { 6, 16, 4 }, 1864, 1706 },
    { "33->20->10->4", 4, { 33, 20, 10, 4 }, 4246, 3989 },
    { "150->32->16->4", 4, { 150, 32, 16, 4 }, 13798, 13382 },
    { "300->64->32->8", 4, { 300, 64, 32, 8 }, 46860, 46034 },
};

static uint32_t rng;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static int8_t wrow[GEN_MAXL][GEN_MAXOUT * GEN_MAXW];          /* row-major, for the reference */
static int8_t wblk[GEN_MAXL][GEN_MAXOUT * (GEN_MAXW + 4)];    /* the kernel's blocked layout */
static int32_t bias[GEN_MAXL][GEN_MAXOUT], mult[GEN_MAXL][GEN_MAXOUT];
static int8_t shift[GEN_MAXL][GEN_MAXOUT];

/* TFLite MultiplyByQuantizedMultiplier for shift <= 0, written out in 64 bits. */
static int32_t ref_requant(int32_t acc, int32_t m, int shift_right)
{
    int64_t ab = (int64_t)acc * m;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
    int64_t hi = (ab + nudge) / (INT64_C(1) << 31);
    if (shift_right == 0) return (int32_t)hi;
    int64_t mask = (INT64_C(1) << shift_right) - 1, rem = hi & mask;
    int64_t th = (mask >> 1) + (hi < 0);
    return (int32_t)((hi >> shift_right) + (rem > th));
}

/* Row j's accumulator on the input x (row-major weights). */
static int32_t ref_acc(int k, int n_in, int j, const int8_t *x)
{
    int32_t acc = bias[k][j];
    for (int i = 0; i < n_in; i++) acc += (int32_t)wrow[k][j * n_in + i] * x[i];
    return acc;
}

/* Right shift putting |acc| * m / 2^31 at 25..48, randomised by one step (12..96). */
static int pick_shift(int32_t acc, int32_t m)
{
    int64_t v = ((int64_t)acc * m) >> 31;
    if (v < 0) v = -v;
    int e = 0;
    while (e < 31 && (v >> e) > 48) e++;
    e += (int)(rnd() % 3u) - 1;
    return e < 0 ? 0 : e > 31 ? 31 : e;
}

static void make_layer(struct gen_net *g, int k, int n_in, int n_out, const int8_t *x, int last)
{
    const int pin = (int)IMU_NN_PAD4((unsigned)n_in);
    for (int j = 0; j < n_out; j++)
        for (int i = 0; i < n_in; i++)
            wrow[k][j * n_in + i] = (int8_t)((int)(rnd() % 255u) - 127);
    /* blocks of 4 rows: per input group q the 16 bytes w[4b+r][4q..4q+3]; leftover rows after */
    int o = 0;
    for (int b = 0; b < n_out / 4; b++)
        for (int q = 0; q < pin / 4; q++)
            for (int r = 0; r < 4; r++)
                for (int t = 0; t < 4; t++)
                    wblk[k][o++] = 4 * q + t < n_in ? wrow[k][(4 * b + r) * n_in + 4 * q + t] : 0;
    for (int j = n_out / 4 * 4; j < n_out; j++)
        for (int i = 0; i < pin; i++)
            wblk[k][o++] = i < n_in ? wrow[k][j * n_in + i] : 0;
    int zp = (int)(rnd() % 41u) - 20;
    int act_min = last ? -128 : zp; /* ReLU on hidden layers */
    for (int j = 0; j < n_out; j++) {
        bias[k][j] = (int32_t)(rnd() % 40001u) - 20000;
        mult[k][j] = (int32_t)(0x40000000u + rnd() % 0x40000000u);
        int e = pick_shift(ref_acc(k, n_in, j, x), mult[k][j]);
        shift[k][j] = (int8_t)-e;
        int32_t y = zp + ref_requant(ref_acc(k, n_in, j, x), mult[k][j], e);
        if (y <= act_min || y >= 127) g->clamped++;
        g->outputs++;
        y = y < act_min ? act_min : y > 127 ? 127 : y;
        g->ref_out[k][j] = (int8_t)y;
    }
    for (int j = n_out; j < (int)IMU_NN_PAD4((unsigned)n_out); j++) g->ref_out[k][j] = 0;
    g->layers[k] = (struct imu_nn_layer){ (uint16_t)n_in, (uint16_t)n_out, wblk[k], bias[k], mult[k], shift[k],
                                          (int16_t)zp, (int16_t)act_min, 127 };
    g->macs += (uint32_t)(n_in * n_out);
}

void gen_network(struct gen_net *g, int s, uint32_t seed)
{
    const struct gen_shape *sh = &gen_shapes[s];
    rng = seed ? seed : 1u;
    g->n_layers = sh->n - 1;
    g->macs = g->clamped = g->outputs = 0;
    for (int i = 0; i < (int)IMU_NN_PAD4((unsigned)sh->w[0]); i++)
        g->input[i] = i < sh->w[0] ? (int8_t)((int)(rnd() % 256u) - 128) : 0;
    uint16_t maxw = 0;
    for (int k = 0; k < sh->n; k++)
        if (IMU_NN_PAD4((unsigned)sh->w[k]) > maxw) maxw = (uint16_t)IMU_NN_PAD4((unsigned)sh->w[k]);
    for (int k = 0; k < g->n_layers; k++)
        make_layer(g, k, sh->w[k], sh->w[k + 1], k == 0 ? g->input : g->ref_out[k - 1], k == g->n_layers - 1);
    g->model = (struct imu_nn_model){ .n_layers = (uint16_t)g->n_layers, .n_in = (uint16_t)sh->w[0],
                                      .n_out = (uint16_t)sh->w[sh->n - 1], .max_width = maxw, .layers = g->layers };
}

static uint32_t fnv(uint32_t h, const void *p, unsigned n)
{
    const uint8_t *b = p;
    while (n--) { h ^= *b++; h *= 16777619u; }
    return h;
}

uint32_t gen_checksum(const struct gen_net *g)
{
    uint32_t h = 2166136261u;
    h = fnv(h, g->input, IMU_NN_PAD4(g->model.n_in));
    for (int k = 0; k < g->n_layers; k++) {
        const struct imu_nn_layer *l = &g->layers[k];
        uint16_t hdr[5] = { l->n_in, l->n_out, (uint16_t)l->zp_out, (uint16_t)l->act_min, (uint16_t)l->act_max };
        h = fnv(h, hdr, sizeof hdr);
        h = fnv(h, l->w, (unsigned)l->n_out * IMU_NN_PAD4(l->n_in));
        h = fnv(h, l->bias, 4u * l->n_out);
        h = fnv(h, l->mult, 4u * l->n_out);
        h = fnv(h, l->shift, l->n_out);
    }
    return h;
}
