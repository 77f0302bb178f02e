/* SPDX-License-Identifier: MIT */
/* link.h -- frames over the serial line: encode into the transmit ring (whole frames or none)
 * and collect received bytes into command frames.
 *
 * Transmit: the payload is built in place (link_payload()) and CRC'd with the portable/proto.c
 * primitives, then COBS-encoded straight into the byte ring the UART drains (the same bytes as
 * proto_cobs_encode, no second buffer of the frame's size: RAM the classifier's budget needs) and
 * published at once with its delimiter. If the ring has no room for the longest encoding of the
 * frame it is dropped and counted; a frame is never split.
 *
 * Receive: bytes up to each 0x00 are collected in a small buffer (host commands are short); an
 * over-long run is skipped to the next delimiter; COBS, length, CRC and version are checked as
 * in proto_decode_push. Noise between frames costs at most the frame it hit.
 */
#ifndef FW_LINK_H
#define FW_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "ring.h"

#ifndef LINK_MAX_PAYLOAD
#define LINK_MAX_PAYLOAD 320u
#endif
#ifndef LINK_RX_MAX
#define LINK_RX_MAX 64u
#endif
#define LINK_BODY_MAX (2u + LINK_MAX_PAYLOAD + 4u)

struct link {
    struct ring *tx;
    uint32_t tx_frames;   /* frames queued */
    uint32_t tx_dropped;  /* frames refused for lack of room */
    uint32_t rx_frames;   /* good frames received */
    uint32_t rx_errors;   /* COBS/CRC/length/version errors and over-long runs */
    uint16_t rx_len;
    bool rx_discard;
    uint8_t rx[LINK_RX_MAX];
    uint8_t body[LINK_BODY_MAX];
};

void link_init(struct link *l, struct ring *tx);
/* Where to build a payload of up to LINK_MAX_PAYLOAD bytes for link_send(l, type, NULL, len). */
static inline uint8_t *link_payload(struct link *l) { return l->body + 2; }
/* Queue one frame; payload may be link_payload(l) or NULL (= already there). */
bool link_send(struct link *l, uint8_t type, const void *payload, size_t len);
/* COBS-encode a whole frame body (version, type, payload, CRC: len bytes) and its delimiter
 * into the free space of the byte ring r (link_encoded_max(len - 6) bytes must be free: the
 * caller checks) and publish it; returns the bytes written. The fault handler uses it too. */
uint32_t link_encode_into(struct ring *r, const uint8_t *body, size_t len);
/* Bytes a frame of len payload bytes can take at most, encoded. */
static inline size_t link_encoded_max(size_t len) { return len + 6u + (len + 6u) / 254u + 2u; }
/* Feed one received byte; returns true and fills *f when a valid frame completed.
 * f->payload points into l->rx and stays valid until the next call. */
bool link_rx_byte(struct link *l, uint8_t byte, struct proto_frame *f);

#endif
