/* SPDX-License-Identifier: MIT */
/* frame.c -- writes one encoded command frame (portable/proto.c) to stdout, for duty.sh to send
 * to the emulated board: `frame start|stop TOKEN`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "start") && strcmp(argv[1], "stop"))) {
        fprintf(stderr, "usage: frame start|stop TOKEN\n");
        return 2;
    }
    uint8_t payload[2], out[64];
    proto_put_u16(payload, (uint16_t)strtoul(argv[2], NULL, 0));
    size_t n = proto_frame_encode(strcmp(argv[1], "stop") ? PROTO_CMD_START : PROTO_CMD_STOP, payload, 2, out,
                                  sizeof out);
    return n && fwrite(out, 1, n, stdout) == n ? 0 : 1;
}
