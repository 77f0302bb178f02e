/* SPDX-License-Identifier: MIT */
/* fuzz_proto.c -- libFuzzer target for the wire protocol decoder (portable/proto.c).
 *
 * Feeds the input byte by byte to proto_decode_push and checks the decoder's invariants (its
 * buffer length stays bounded, delivered frames lie inside its buffer, counters add up); every
 * frame that decodes goes through the typed parser of its type, all sample values are read,
 * and the frame is re-encoded and decoded again to the same content. The input is also run
 * through proto_cobs_decode directly and through a COBS encode/decode round trip.
 */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

#define ASSERT(c)                                                                                  \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static volatile int sink;

static void check_frame(const struct proto_decoder *d, const struct proto_frame *f)
{
    ASSERT(f->version == PROTO_VERSION);
    ASSERT(f->len <= PROTO_MAX_PAYLOAD);
    ASSERT(f->payload >= d->buf && f->payload + f->len <= d->buf + sizeof d->buf);

    switch (f->type) {
    case PROTO_HELLO: {
        struct proto_hello h;
        if (proto_hello_parse(f->payload, f->len, &h) == 0) {
            ASSERT(h.n_axes >= 1 && h.n_axes <= PROTO_MAX_AXES);
            ASSERT(strlen(h.board) <= PROTO_ID_LEN && strlen(h.sensor) <= PROTO_ID_LEN);
            for (unsigned a = 0; a < h.n_axes; a++)
                ASSERT(strlen(h.axis_name[a]) <= PROTO_NAME_LEN && strlen(h.axis_unit[a]) <= PROTO_NAME_LEN);
            uint8_t re[PROTO_MAX_PAYLOAD];
            size_t n = proto_hello_pack(&h, re, sizeof re);
            ASSERT(n == PROTO_HELLO_FIXED + (size_t)h.n_axes * PROTO_HELLO_AXIS && n <= f->len);
        }
        break;
    }
    case PROTO_SAMPLES: {
        struct proto_samples s;
        if (proto_samples_parse(f->payload, f->len, &s) == 0) {
            ASSERT(s.n_axes >= 1 && s.n_axes <= PROTO_MAX_AXES && s.count >= 1);
            ASSERT(PROTO_SAMPLES_HDR + (size_t)s.count * s.n_axes * 2u == f->len);
            int acc = 0;
            for (unsigned i = 0; i < s.count; i++)
                for (unsigned a = 0; a < s.n_axes; a++)
                    acc += proto_samples_value(&s, i, a);
            sink = acc;
        }
        break;
    }
    case PROTO_CLASSIFICATION: {
        struct proto_classification c;
        if (proto_classification_parse(f->payload, f->len, &c) == 0) {
            ASSERT(c.n_classes >= 1 && c.n_classes <= PROTO_MAX_CLASSES && c.class_index < c.n_classes);
            uint8_t re[PROTO_MAX_PAYLOAD];
            ASSERT(proto_classification_pack(&c, re, sizeof re) == f->len);
            ASSERT(memcmp(re, f->payload, 19) == 0 && memcmp(re + 20, f->payload + 20, f->len - 20u) == 0);
            ASSERT(!(c.flags & PROTO_CLS_UNKNOWN) || (c.flags & PROTO_CLS_ANOMALY));
        }
        break;
    }
    case PROTO_EVENT: {
        struct proto_event e;
        if (proto_event_parse(f->payload, f->len, &e) == 0) {
            ASSERT(f->len == PROTO_EVENT_LEN && e.class_index != e.previous);
            uint8_t re[PROTO_EVENT_LEN];
            ASSERT(proto_event_pack(&e, re, sizeof re) == PROTO_EVENT_LEN);
            ASSERT(memcmp(re, f->payload, 19) == 0);
        }
        break;
    }
    case PROTO_VALIDATE_RESULT: {
        struct proto_validate_result r;
        if (proto_validate_result_parse(f->payload, f->len, &r) == 0) {
            size_t base = PROTO_VALIDATE_RESULT_HDR + 4u * (size_t)r.n_features + r.n_classes;
            ASSERT(r.class_index < r.n_classes && f->len == base + (r.has_decision ? PROTO_VALIDATE_DECISION_LEN : 0) +
                                                          (r.has_anomaly ? PROTO_VALIDATE_ANOMALY_LEN : 0));
            ASSERT(!r.has_decision || r.event <= 1);
            ASSERT(!r.has_anomaly || r.unknown <= 1);
            if (r.n_features <= PROTO_MAX_VALIDATE_FEATURES) { /* packing it again gives the same bytes */
                static float ft[PROTO_MAX_VALIDATE_FEATURES];
                for (unsigned i = 0; i < r.n_features; i++) {
                    uint32_t bits = proto_validate_feature_bits(&r, i);
                    memcpy(&ft[i], &bits, 4);
                }
                uint8_t re[PROTO_MAX_PAYLOAD];
                ASSERT(proto_validate_result_pack(&r, ft, re, sizeof re) == f->len && memcmp(re, f->payload, f->len) == 0);
            }
        }
        break;
    }
    default:
        break;
    }

    /* re-encode and decode: the same frame comes out */
    uint8_t payload[PROTO_MAX_PAYLOAD];
    memcpy(payload, f->payload, f->len);
    uint16_t len = f->len;
    uint8_t type = f->type;
    static uint8_t wire[PROTO_MAX_ENCODED + 1];
    size_t n = proto_frame_encode(type, payload, len, wire, sizeof wire);
    ASSERT(n > 0 && n <= sizeof wire && wire[n - 1] == 0 && memchr(wire, 0, n - 1) == NULL);
    static struct proto_decoder d2;
    proto_decoder_init(&d2);
    int got = 0;
    for (size_t i = 0; i < n; i++) {
        struct proto_frame f2;
        int r = proto_decode_push(&d2, wire[i], &f2);
        if (r == PROTO_FRAME) {
            ASSERT(f2.type == type && f2.len == len && memcmp(f2.payload, payload, len) == 0);
            got++;
        } else {
            ASSERT(r == PROTO_NEED_MORE);
        }
    }
    ASSERT(got == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct proto_decoder d;
    proto_decoder_init(&d);
    uint32_t frames = 0, errors = 0;
    for (size_t i = 0; i < size; i++) {
        struct proto_frame f;
        int r = proto_decode_push(&d, data[i], &f);
        ASSERT(d.len <= sizeof d.buf);
        ASSERT(r >= PROTO_ERR_VERSION && r <= PROTO_FRAME);
        if (r == PROTO_FRAME) {
            frames++;
            check_frame(&d, &f);
        } else if (r < 0) {
            errors++;
        }
    }
    ASSERT(d.frames == frames && d.bytes == size);
    ASSERT(d.crc_errors + d.framing_errors == errors);

    /* COBS directly: decode never writes past cap; encode/decode round trip */
    static uint8_t out[4096], enc[4200];
    size_t cap = size < sizeof out ? size : sizeof out;
    int n = proto_cobs_decode(data, size, out, cap);
    ASSERT(n >= -1 && n <= (int)cap);
    if (size <= 3000) {
        size_t e = proto_cobs_encode(data, size, enc, sizeof enc);
        ASSERT(e > 0 && e <= size + size / 254 + 1 && memchr(enc, 0, e) == NULL);
        n = proto_cobs_decode(enc, e, out, sizeof out);
        ASSERT(n == (int)size && memcmp(out, data, size) == 0);
    }
    return 0;
}
