/* SPDX-License-Identifier: MIT */
/* link.c -- frame transmit into the UART ring, command frame receive. */
#include "link.h"

#include <assert.h>
#include <string.h>

void link_init(struct link *l, struct ring *tx)
{
    memset(l, 0, sizeof *l);
    l->tx = tx;
}

/* COBS-encode in[0..len) into the free space of the byte ring r, the code bytes patched in as
 * each block ends, exactly as proto_cobs_encode does (a full block that ends the input has no
 * successor), then the delimiter, and publish it; returns the bytes written. The caller checked
 * that link_encoded_max(len - 6) bytes are free. */
uint32_t link_encode_into(struct ring *r, const uint8_t *in, size_t len)
{
    uint8_t *buf = ring_slot(r, 0) - (r->head & r->mask); /* elements are bytes */
    const uint32_t m = r->mask, h = r->head;
    uint32_t code_at = h, o = h + 1u;
    uint8_t code = 1;
    for (size_t i = 0; i < len; i++) {
        const uint8_t b = in[i];
        if (b != 0) {
            buf[o++ & m] = b;
            if (++code != 0xFF || i + 1 == len)
                continue;
        }
        buf[code_at & m] = code; /* a zero, or a full block with more to come */
        code_at = o++;
        code = 1;
    }
    buf[code_at & m] = code;
    buf[o++ & m] = 0;
    ring_commit(r, o - h);
    return o - h;
}

bool link_send(struct link *l, uint8_t type, const void *payload, size_t len)
{
    if (len > LINK_MAX_PAYLOAD || ring_free(l->tx) < link_encoded_max(len)) {
        l->tx_dropped++;
        return false;
    }
    if (payload && payload != l->body + 2)
        memmove(l->body + 2, payload, len);
    l->body[0] = PROTO_VERSION;
    l->body[1] = type;
    proto_put_u32(l->body + 2 + len, proto_crc32(0, l->body, 2 + len));
    uint32_t n = link_encode_into(l->tx, l->body, len + 6u);
    assert(n <= link_encoded_max(len));
    (void)n;
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
