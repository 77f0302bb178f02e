/* SPDX-License-Identifier: MIT */
/* link.c -- frame transmit into the UART ring, command frame receive. */
#include "link.h"

#include <string.h>

void link_init(struct link *l, struct ring *tx)
{
    memset(l, 0, sizeof *l);
    l->tx = tx;
}

bool link_send(struct link *l, uint8_t type, const void *payload, size_t len)
{
    if (len > LINK_MAX_PAYLOAD) {
        l->tx_dropped++;
        return false;
    }
    if (payload && payload != l->body + 2)
        memmove(l->body + 2, payload, len);
    l->body[0] = PROTO_VERSION;
    l->body[1] = type;
    proto_put_u32(l->body + 2 + len, proto_crc32(0, l->body, 2 + len));
    size_t n = proto_cobs_encode(l->body, len + 6u, l->enc, sizeof l->enc - 1u);
    if (n == 0) {
        l->tx_dropped++;
        return false;
    }
    l->enc[n++] = 0;
    if (!ring_push(l->tx, l->enc, (uint32_t)n)) {
        l->tx_dropped++;
        return false;
    }
    l->tx_frames++;
    return true;
}

bool link_rx_byte(struct link *l, uint8_t byte, struct proto_frame *f)
{
    if (byte != 0) {
        if (l->rx_discard)
            return false;
        if (l->rx_len >= sizeof l->rx) {
            l->rx_discard = true; /* longer than any command: skip to the next delimiter */
            l->rx_errors++;
            l->rx_len = 0;
            return false;
        }
        l->rx[l->rx_len++] = byte;
        return false;
    }
    size_t len = l->rx_len;
    l->rx_len = 0;
    if (l->rx_discard) {
        l->rx_discard = false;
        return false;
    }
    if (len == 0)
        return false; /* empty run between delimiters */
    int n = proto_cobs_decode(l->rx, len, l->rx, sizeof l->rx);
    if (n < 6 || proto_crc32(0, l->rx, (size_t)n - 4u) != proto_get_u32(l->rx + n - 4) ||
        l->rx[0] != PROTO_VERSION) {
        l->rx_errors++;
        return false;
    }
    f->version = l->rx[0];
    f->type = l->rx[1];
    f->payload = l->rx + 2;
    f->len = (uint16_t)(n - 6);
    l->rx_frames++;
    return true;
}
