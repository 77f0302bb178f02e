/* SPDX-License-Identifier: MIT */
/* gen.h -- the networks of bench/kernel, generated the same way on the device and on the host.
 *
 * A network is made layer by layer from an explicit seed (set at run time: nothing depends on
 * initialised data, which a NOLOAD .data section would leave at zero): random int8 weights in
 * [-127, 127], random int32 biases, per-channel Q31 multipliers in [2^30, 2^31), inputs in
 * [-128, 127]. Each channel's right shift is chosen from its accumulator on the reference's input
 * so that its output lands inside int8 about half the time (the rest at the ReLU floor or, for a
 * few, at the clamp), so the outputs carry information and a wrong kernel shows. The reference is
 * a plain row-major loop with 64-bit requantization arithmetic written out here (not nn.c's).
 * gen_checksum is FNV-1a over every byte the kernel reads (weights in the blocked layout, biases,
 * multipliers, shifts, layer parameters, input).
 */
#ifndef BENCH_KERNEL_GEN_H
#define BENCH_KERNEL_GEN_H

#include <stdint.h>

#include "nn.h"

#define GEN_MAXW 300
#define GEN_MAXL 3
#define GEN_MAXOUT 64

struct gen_shape {
    const char *name;
    int n;           /* widths, input first */
    int w[4];
    uint32_t cmsis_pc, cmsis_pt; /* CMSIS-NN instructions, per-channel and per-tensor (issue 15) */
};

extern const struct gen_shape gen_shapes[4];

struct gen_net {
    int n_layers;
    struct imu_nn_layer layers[GEN_MAXL];
    struct imu_nn_model model;
    int8_t input[GEN_MAXW + 4];                   /* IMU_NN_PAD4(n_in), padding zero */
    int8_t ref_out[GEN_MAXL][GEN_MAXOUT + 4];     /* the reference's output of every layer */
    uint32_t macs;
    uint32_t clamped, outputs;                    /* reference outputs at act_min or act_max */
};

/* Build network s of gen_shapes from seed; the caller's storage (static, big). */
void gen_network(struct gen_net *g, int s, uint32_t seed);

/* FNV-1a of everything the kernel reads for network g. */
uint32_t gen_checksum(const struct gen_net *g);

#endif
