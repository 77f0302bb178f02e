/* SPDX-License-Identifier: MIT */
/* bench/kernel/host.c -- the host side of run.sh: the same networks from the same seeds (gen.c),
 * printed as the device prints them (net ... checksum, out ... per layer from the reference), so
 * run.sh can compare the device's checksum and every layer's output byte for byte. Also runs
 * portable/nn.c on the host as a first check of the reference. */
#include <stdio.h>
#include <string.h>

#include "gen.h"

static struct gen_net net;

int main(void)
{
    int bad = 0;
    for (int s = 0; s < 4; s++) {
        gen_network(&net, s, 0x9e3779b9u * (uint32_t)(s + 1));
        int8_t a[GEN_MAXW + 4], b[GEN_MAXW + 4];
        memcpy(a, net.input, sizeof a);
        int8_t *y = imu_nn_run(&net.model, a, b);
        if (memcmp(y, net.ref_out[net.n_layers - 1], net.model.n_out)) {
            fprintf(stderr, "host: portable/nn.c differs from the reference on %s\n", gen_shapes[s].name);
            bad = 1;
        }
        for (int k = 0; k < net.n_layers; k++) {
            printf("out %d %d ", s, k);
            for (int j = 0; j < net.layers[k].n_out; j++) printf("%02x", (uint8_t)net.ref_out[k][j]);
            printf("\n");
        }
        printf("net %d checksum %08x macs %u clamped %u outputs %u\n", s, gen_checksum(&net), net.macs,
               net.clamped, net.outputs);
    }
    return bad;
}
