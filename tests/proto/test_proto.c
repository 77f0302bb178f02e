/* SPDX-License-Identifier: MIT */
/* test_proto.c -- unit tests of the wire protocol codec (portable/proto.c).
 *
 * CRC check value, COBS vectors, round trips of every message type, every single-bit flip and
 * every truncation of several frames (including a maximum-size one) detected, resync after
 * garbage, bounded handling of absurd lengths, and the typed parsers' refusals.
 */
#include "check.h"
#include "proto.h"

#include <stdint.h>
#include <string.h>

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* ---- helpers ------------------------------------------------------------------------------- */

struct wire {
    uint8_t b[PROTO_MAX_ENCODED + 1];
    size_t n;
    uint8_t type;
    uint8_t payload[PROTO_MAX_PAYLOAD];
    size_t len;
};

static void make_wire(struct wire *w, uint8_t type, const void *payload, size_t len)
{
    w->type = type;
    w->len = len;
    if (len)
        memcpy(w->payload, payload, len);
    w->n = proto_frame_encode(type, payload, len, w->b, sizeof w->b);
    REQUIRE(w->n > 0);
}

/* Frames delivered while feeding bytes, copied out of the decoder. */
struct got {
    unsigned n;
    struct { uint8_t type; size_t len; uint8_t payload[PROTO_MAX_PAYLOAD]; } f[8];
};

static void feed(struct proto_decoder *d, const uint8_t *b, size_t n, struct got *g)
{
    for (size_t i = 0; i < n; i++) {
        struct proto_frame f;
        int r = proto_decode_push(d, b[i], &f);
        if (r == PROTO_FRAME) {
            if (g->n < 8) {
                g->f[g->n].type = f.type;
                g->f[g->n].len = f.len;
                memcpy(g->f[g->n].payload, f.payload, f.len);
            }
            g->n++;
        }
        CHECK(d->len <= sizeof d->buf);
    }
}

static bool same(const struct got *g, unsigned i, const struct wire *w)
{
    return i < g->n && i < 8 && g->f[i].type == w->type && g->f[i].len == w->len &&
           memcmp(g->f[i].payload, w->payload, w->len) == 0;
}

/* ---- CRC ----------------------------------------------------------------------------------- */

static void test_crc(void)
{
    CHECK(proto_crc32(0, "123456789", 9) == 0xCBF43926u);
    CHECK(proto_crc32(0, "", 0) == 0);
    /* incremental in any split */
    for (size_t k = 0; k <= 9; k++)
        CHECK(proto_crc32(proto_crc32(0, "123456789", k), "123456789" + k, 9 - k) == 0xCBF43926u);
    /* known values: zlib crc32 of "a" and of 32 zero bytes */
    static const uint8_t zeros[32];
    CHECK(proto_crc32(0, "a", 1) == 0xE8B7BE43u);
    CHECK(proto_crc32(0, zeros, 32) == 0x190A55ADu);
}

/* ---- COBS ---------------------------------------------------------------------------------- */

struct cobs_vec {
    uint8_t in[300];
    size_t in_len;
    uint8_t out[300];
    size_t out_len;
};

/* The examples of the Wikipedia COBS article (Cheshire and Baker's scheme). */
static void cobs_vectors(struct cobs_vec *v, int *count)
{
    int k = 0;
#define VEC(I, O)                                                                                  \
    do {                                                                                           \
        static const uint8_t i_[] = I, o_[] = O;                                                  \
        memcpy(v[k].in, i_, sizeof i_);                                                            \
        v[k].in_len = sizeof i_;                                                                   \
        memcpy(v[k].out, o_, sizeof o_);                                                           \
        v[k].out_len = sizeof o_;                                                                  \
        k++;                                                                                       \
    } while (0)
#define L(...) {__VA_ARGS__}
    VEC(L(0x00), L(0x01, 0x01));
    VEC(L(0x00, 0x00), L(0x01, 0x01, 0x01));
    VEC(L(0x00, 0x11, 0x00), L(0x01, 0x02, 0x11, 0x01));
    VEC(L(0x11, 0x22, 0x00, 0x33), L(0x03, 0x11, 0x22, 0x02, 0x33));
    VEC(L(0x11, 0x22, 0x33, 0x44), L(0x05, 0x11, 0x22, 0x33, 0x44));
    VEC(L(0x11, 0x00, 0x00, 0x00), L(0x02, 0x11, 0x01, 0x01, 0x01));
#undef VEC
#undef L
    /* 01 02 ... FE (254 bytes) -> FF 01 ... FE */
    v[k].in_len = 254;
    for (int i = 0; i < 254; i++)
        v[k].in[i] = (uint8_t)(i + 1);
    v[k].out[0] = 0xFF;
    memcpy(v[k].out + 1, v[k].in, 254);
    v[k].out_len = 255;
    k++;
    /* 00 01 02 ... FE (255 bytes) -> 01 FF 01 ... FE */
    v[k].in_len = 255;
    v[k].in[0] = 0;
    for (int i = 0; i < 254; i++)
        v[k].in[1 + i] = (uint8_t)(i + 1);
    v[k].out[0] = 0x01;
    v[k].out[1] = 0xFF;
    memcpy(v[k].out + 2, v[k].in + 1, 254);
    v[k].out_len = 256;
    k++;
    /* 01 02 ... FF (255 bytes) -> FF 01 ... FE 02 FF */
    v[k].in_len = 255;
    for (int i = 0; i < 255; i++)
        v[k].in[i] = (uint8_t)(i + 1);
    v[k].out[0] = 0xFF;
    memcpy(v[k].out + 1, v[k].in, 254);
    v[k].out[255] = 0x02;
    v[k].out[256] = 0xFF;
    v[k].out_len = 257;
    k++;
    /* 02 03 ... FF 00 (255 bytes) -> FF 02 ... FF 01 01 */
    v[k].in_len = 255;
    for (int i = 0; i < 254; i++)
        v[k].in[i] = (uint8_t)(i + 2);
    v[k].in[254] = 0;
    v[k].out[0] = 0xFF;
    memcpy(v[k].out + 1, v[k].in, 254);
    v[k].out[255] = 0x01;
    v[k].out[256] = 0x01;
    v[k].out_len = 257;
    k++;
    /* 03 04 ... FF 00 01 (255 bytes) -> FE 03 ... FF 02 01 */
    v[k].in_len = 255;
    for (int i = 0; i < 253; i++)
        v[k].in[i] = (uint8_t)(i + 3);
    v[k].in[253] = 0;
    v[k].in[254] = 1;
    v[k].out[0] = 0xFE;
    memcpy(v[k].out + 1, v[k].in, 253);
    v[k].out[254] = 0x02;
    v[k].out[255] = 0x01;
    v[k].out_len = 256;
    k++;
    *count = k;
}

static void test_cobs(void)
{
    static struct cobs_vec v[16];
    int n;
    cobs_vectors(v, &n);
    for (int k = 0; k < n; k++) {
        uint8_t enc[400], dec[400];
        size_t e = proto_cobs_encode(v[k].in, v[k].in_len, enc, sizeof enc);
        /* The canonical encoding; an encoder may also end a run of exactly 254 non-zero bytes at
         * the end of the input with an extra empty block (0x01), which decodes the same. */
        bool canonical = e == v[k].out_len && memcmp(enc, v[k].out, e) == 0;
        CHECK_MSG(canonical, "COBS vector %d: encoded %zu bytes, expected %zu", k, e, v[k].out_len);
        CHECK(memchr(enc, 0, e) == NULL);
        int d = proto_cobs_decode(v[k].out, v[k].out_len, dec, sizeof dec);
        CHECK_MSG(d == (int)v[k].in_len && memcmp(dec, v[k].in, v[k].in_len) == 0, "COBS vector %d decode", k);
        d = proto_cobs_decode(enc, e, dec, sizeof dec);
        CHECK_MSG(d == (int)v[k].in_len && memcmp(dec, v[k].in, v[k].in_len) == 0, "COBS vector %d round trip", k);
        /* in place */
        memcpy(dec, v[k].out, v[k].out_len);
        d = proto_cobs_decode(dec, v[k].out_len, dec, sizeof dec);
        CHECK_MSG(d == (int)v[k].in_len && memcmp(dec, v[k].in, v[k].in_len) == 0, "COBS vector %d in place", k);
        /* every too-small output buffer is refused without writing past it */
        for (size_t cap = 0; cap < v[k].out_len; cap++) {
            uint8_t *small = malloc(cap ? cap : 1);
            CHECK_MSG(proto_cobs_encode(v[k].in, v[k].in_len, small, cap) == 0, "vector %d cap %zu", k, cap);
            free(small);
        }
        for (size_t cap = 0; cap < v[k].in_len; cap++) {
            uint8_t *small = malloc(cap ? cap : 1);
            CHECK_MSG(proto_cobs_decode(v[k].out, v[k].out_len, small, cap) == -1, "vector %d dcap %zu", k, cap);
            free(small);
        }
    }
    /* empty input encodes as a single 0x01 and decodes back to nothing */
    uint8_t enc[4], dec[4];
    CHECK(proto_cobs_encode(enc, 0, enc, sizeof enc) == 1 && enc[0] == 1);
    CHECK(proto_cobs_decode(enc, 1, dec, sizeof dec) == 0);
    /* malformed: a zero byte, a code running past the end */
    static const uint8_t z[] = {0x03, 0x11, 0x00}, past[] = {0x05, 0x11, 0x22};
    CHECK(proto_cobs_decode(z, sizeof z, dec, sizeof dec) == -1);
    CHECK(proto_cobs_decode(past, sizeof past, dec, sizeof dec) == -1);
    /* random round trips */
    for (int it = 0; it < 2000; it++) {
        uint8_t in[1100], e2[1200], d2[1100];
        size_t len = rnd() % sizeof in;
        unsigned zeros = rnd() % 4;
        for (size_t i = 0; i < len; i++)
            in[i] = zeros == 0 ? (uint8_t)(1 + rnd() % 255) : (rnd() % (zeros * 8) == 0 ? 0 : (uint8_t)rnd());
        size_t e = proto_cobs_encode(in, len, e2, sizeof e2);
        CHECK(e > 0 && e <= len + len / 254 + 1);
        CHECK(memchr(e2, 0, e) == NULL);
        CHECK(proto_cobs_decode(e2, e, d2, sizeof d2) == (int)len && memcmp(d2, in, len) == 0);
    }
}

/* ---- frames -------------------------------------------------------------------------------- */

static void fill_hello(struct proto_hello *h, unsigned axes)
{
    memset(h, 0, sizeof *h);
    h->proto_version = PROTO_VERSION;
    h->fw_major = 1;
    h->fw_minor = 2;
    h->fw_patch = 3;
    strcpy(h->board, "nucleo-f446re"); /* 13 characters */
    strcpy(h->sensor, "mpu6050-16chars!");  /* exactly 16: not terminated on the wire */
    h->sample_rate_hz = 1000;
    h->accel_range_g = 8;
    h->gyro_range_dps = 2000;
    h->flags = PROTO_FLAG_STREAMING | PROTO_FLAG_SYNTHETIC;
    h->baud = 921600;
    h->model_hash = 0xDEADBEEFu;
    h->samples_per_frame = 10;
    h->n_axes = (uint8_t)axes;
    for (unsigned a = 0; a < axes; a++) {
        snprintf(h->axis_name[a], sizeof h->axis_name[a], "%s%u", a == 8 ? "abcdefg" : "ax", a);
        strcpy(h->axis_unit[a], a % 2 ? "dps" : "m/s2");
        h->axis_scale[a] = 1.0f / (float)(a + 3);
    }
}

/* A maximum SAMPLES payload: 504 values of random data (exactly PROTO_MAX_PAYLOAD bytes). */
static size_t max_samples(uint8_t *p)
{
    size_t n = proto_samples_pack_header(0xFFFFFFFEu, 0x0123456789ABCDEFull, 84, 6, p);
    for (unsigned i = 0; i < 84 * 6; i++)
        proto_put_u16(p + n + 2 * i, (uint16_t)rnd());
    return n + 84 * 6 * 2;
}

static void test_round_trips(void)
{
    struct wire w;
    uint8_t p[PROTO_MAX_PAYLOAD];

    /* HELLO for every axis count */
    for (unsigned axes = 1; axes <= PROTO_MAX_AXES; axes++) {
        struct proto_hello h, h2;
        fill_hello(&h, axes);
        size_t n = proto_hello_pack(&h, p, sizeof p);
        CHECK(n == PROTO_HELLO_FIXED + axes * PROTO_HELLO_AXIS);
        make_wire(&w, PROTO_HELLO, p, n);
        struct proto_decoder d;
        struct got g = {0};
        proto_decoder_init(&d);
        feed(&d, w.b, w.n, &g);
        REQUIRE(g.n == 1 && same(&g, 0, &w));
        CHECK(proto_hello_parse(g.f[0].payload, g.f[0].len, &h2) == 0);
        CHECK(h2.proto_version == h.proto_version && h2.fw_major == 1 && h2.fw_minor == 2 && h2.fw_patch == 3);
        CHECK(strcmp(h2.board, h.board) == 0 && strcmp(h2.sensor, h.sensor) == 0);
        CHECK(h2.sample_rate_hz == 1000 && h2.accel_range_g == 8 && h2.gyro_range_dps == 2000);
        CHECK(h2.flags == h.flags && h2.baud == 921600 && h2.model_hash == 0xDEADBEEFu);
        CHECK(h2.samples_per_frame == 10 && h2.n_axes == axes);
        for (unsigned a = 0; a < axes; a++) {
            CHECK(strcmp(h2.axis_name[a], h.axis_name[a]) == 0);
            CHECK(strcmp(h2.axis_unit[a], h.axis_unit[a]) == 0);
            CHECK(h2.axis_scale[a] == h.axis_scale[a]);
        }
        CHECK(d.frames == 1 && d.crc_errors == 0 && d.framing_errors == 0 && d.bytes == w.n);
    }

    /* SAMPLES of every size up to the maximum, values checked one by one */
    for (unsigned axes = 1; axes <= PROTO_MAX_AXES; axes++) {
        for (unsigned count = 1; count * axes <= PROTO_MAX_SAMPLE_VALUES; count += 1 + count / 4) {
            int16_t vals[PROTO_MAX_SAMPLE_VALUES];
            size_t n = proto_samples_pack_header(count * 7u, 1000000ull * count, (uint16_t)count, (uint8_t)axes, p);
            for (unsigned i = 0; i < count * axes; i++) {
                vals[i] = (int16_t)rnd();
                proto_put_u16(p + n + 2 * i, (uint16_t)vals[i]);
            }
            n += 2u * count * axes;
            make_wire(&w, PROTO_SAMPLES, p, n);
            struct proto_decoder d;
            struct got g = {0};
            proto_decoder_init(&d);
            feed(&d, w.b, w.n, &g);
            REQUIRE(g.n == 1 && same(&g, 0, &w));
            struct proto_samples s;
            REQUIRE(proto_samples_parse(g.f[0].payload, g.f[0].len, &s) == 0);
            CHECK(s.seq == count * 7u && s.t_us == 1000000ull * count && s.count == count && s.n_axes == axes);
            for (unsigned i = 0; i < count; i++)
                for (unsigned a = 0; a < axes; a++)
                    CHECK(proto_samples_value(&s, i, a) == vals[i * axes + a]);
        }
    }
    /* the maximum SAMPLES frame fits the bounds exactly */
    size_t n = max_samples(p);
    CHECK(n == PROTO_MAX_PAYLOAD);
    make_wire(&w, PROTO_SAMPLES, p, n);
    CHECK(w.n <= PROTO_MAX_ENCODED + 1);
    /* one byte more is refused */
    {
        uint8_t big[PROTO_MAX_PAYLOAD + 1] = {0}, out[PROTO_MAX_ENCODED + 64];
        CHECK(proto_frame_encode(PROTO_LOG, big, sizeof big, out, sizeof out) == 0);
    }
    /* a frame of all-zero maximum payload (maximum COBS expansion the other way) */
    memset(p, 0, PROTO_MAX_PAYLOAD);
    make_wire(&w, PROTO_LOG, p, PROTO_MAX_PAYLOAD);
    /* a payload without zeros: maximum COBS overhead */
    memset(p, 0xA5, PROTO_MAX_PAYLOAD);
    make_wire(&w, PROTO_LOG, p, PROTO_MAX_PAYLOAD);
    CHECK(w.n <= PROTO_MAX_ENCODED + 1);

    /* CLASSIFICATION for every class count */
    for (unsigned nc = 1; nc <= PROTO_MAX_CLASSES; nc++) {
        struct proto_classification c = {.seq = 77, .t_us = 123456789012ull, .instructions = 4000000000u,
                                          .class_index = (uint8_t)(nc - 1), .n_classes = (uint8_t)nc}, c2;
        for (unsigned i = 0; i < nc && i < PROTO_MAX_CLASSES; i++)
            c.scores[i] = (int8_t)(i * 37 - 128);
        size_t cn = proto_classification_pack(&c, p, sizeof p);
        CHECK(cn == PROTO_CLASSIFICATION_HDR + nc);
        make_wire(&w, PROTO_CLASSIFICATION, p, cn);
        struct proto_decoder d;
        struct got g = {0};
        proto_decoder_init(&d);
        feed(&d, w.b, w.n, &g);
        REQUIRE(g.n == 1 && same(&g, 0, &w));
        CHECK(proto_classification_parse(g.f[0].payload, g.f[0].len, &c2) == 0);
        CHECK(c2.seq == 77 && c2.t_us == 123456789012ull && c2.instructions == 4000000000u);
        CHECK(c2.class_index == nc - 1 && c2.n_classes == nc && memcmp(c2.scores, c.scores, nc) == 0);
    }

    /* every other type, with representative payloads, all through one decoder in one stream */
    struct { uint8_t type; uint8_t payload[64]; size_t len; } msgs[] = {
        {PROTO_LOG, {PROTO_LOG_WARN, 'h', 'i'}, 3},
        {PROTO_ERROR, {PROTO_ERR_I2C_NACK, 0, 'n', 'a', 'c', 'k'}, 6},
        {PROTO_ACK, {0x34, 0x12, PROTO_CMD_PING}, PROTO_ACK_LEN},
        {PROTO_NAK, {0x35, 0x12, PROTO_CMD_SET_RATE, PROTO_NAK_BAD_VALUE, 'r', 'a', 't', 'e'}, 8},
        {PROTO_STATS, {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0}, PROTO_STATS_LEN},
        {PROTO_VALIDATE_RESULT, {1, 2, 3, 0, 0, 4}, 6},
        {PROTO_CMD_START, {1, 0}, 2},
        {PROTO_CMD_STOP, {2, 0}, 2},
        {PROTO_CMD_SET_RATE, {3, 0, 0xE8, 0x03}, 4},
        {PROTO_CMD_SET_RANGES, {4, 0, 8, 0xD0, 0x07}, 5},
        {PROTO_CMD_PING, {5, 0}, 2},
        {PROTO_CMD_INFO, {6, 0}, 2},
        {PROTO_CMD_SET_GESTURE, {7, 0, 2}, 3},
        {PROTO_CMD_VALIDATE, {8, 0, 0, 0, 0, 0, 0, 0}, 8},
        {PROTO_CMD_STATS, {9, 0}, 2},
        {0x7F, {0}, 0}, /* an unknown type with an empty payload still frames */
    };
    struct proto_decoder d;
    proto_decoder_init(&d);
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        struct got g = {0};
        make_wire(&w, msgs[i].type, msgs[i].payload, msgs[i].len);
        feed(&d, w.b, w.n, &g);
        CHECK_MSG(g.n == 1 && same(&g, 0, &w), "type 0x%02x", msgs[i].type);
    }
    CHECK(d.frames == sizeof msgs / sizeof msgs[0] && d.crc_errors == 0 && d.framing_errors == 0);

    /* every too-small output buffer for a frame is refused without writing past it */
    make_wire(&w, PROTO_CMD_PING, "\x05\x00", 2);
    for (size_t cap = 0; cap < w.n; cap++) {
        uint8_t *small = malloc(cap ? cap : 1);
        CHECK_MSG(proto_frame_encode(PROTO_CMD_PING, "\x05\x00", 2, small, cap) == 0, "cap %zu", cap);
        free(small);
    }
    uint8_t *exact = malloc(w.n);
    CHECK(proto_frame_encode(PROTO_CMD_PING, "\x05\x00", 2, exact, w.n) == w.n && memcmp(exact, w.b, w.n) == 0);
    free(exact);
}

/* ---- corruption ---------------------------------------------------------------------------- */

/* The frames attacked below: small, medium, and the maximum, with and without zeros. */
static void corruption_frames(struct wire *w, int *count)
{
    uint8_t p[PROTO_MAX_PAYLOAD];
    int k = 0;
    make_wire(&w[k++], PROTO_CMD_PING, "\x01\x00", 2);
    make_wire(&w[k++], PROTO_ACK, "\x01\x00\x85", 3);
    make_wire(&w[k++], PROTO_CMD_STOP, NULL, 0);
    struct proto_hello h;
    fill_hello(&h, 6);
    make_wire(&w[k++], PROTO_HELLO, p, proto_hello_pack(&h, p, sizeof p));
    size_t n = proto_samples_pack_header(5, 50000, 10, 6, p);
    for (unsigned i = 0; i < 60; i++)
        proto_put_u16(p + n + 2 * i, (uint16_t)(i * 300));
    make_wire(&w[k++], PROTO_SAMPLES, p, n + 120);
    make_wire(&w[k++], PROTO_SAMPLES, p, max_samples(p));
    memset(p, 0x5A, sizeof p);
    make_wire(&w[k++], PROTO_LOG, p, PROTO_MAX_PAYLOAD);
    memset(p, 0, sizeof p);
    make_wire(&w[k++], PROTO_LOG, p, PROTO_MAX_PAYLOAD);
    *count = k;
}

static void test_bit_flips(void)
{
    static struct wire w[8];
    static struct wire next, after;
    int nw;
    corruption_frames(w, &nw);
    make_wire(&next, PROTO_CMD_PING, "\x99\x00", 2);
    make_wire(&after, PROTO_CMD_INFO, "\x9A\x00", 2);
    unsigned long flips = 0, lost_next = 0;
    for (int k = 0; k < nw; k++) {
        for (size_t byte = 0; byte < w[k].n; byte++) {
            for (unsigned bit = 0; bit < 8; bit++) {
                uint8_t buf[PROTO_MAX_ENCODED + 1];
                struct proto_decoder d;
                struct got g = {0};
                memcpy(buf, w[k].b, w[k].n);
                buf[byte] ^= (uint8_t)(1u << bit);
                proto_decoder_init(&d);
                feed(&d, buf, w[k].n, &g);
                feed(&d, next.b, next.n, &g);
                feed(&d, after.b, after.n, &g);
                flips++;
                /* the flipped frame is never delivered, and nothing else is invented */
                bool ok = true;
                for (unsigned i = 0; i < g.n && i < 8; i++)
                    if (!same(&g, i, &next) && !same(&g, i, &after))
                        ok = false;
                CHECK_MSG(ok && g.n <= 2, "frame %d byte %zu bit %u: wrong frame delivered", k, byte, bit);
                /* the frame after the next delimiter decodes: a flipped delimiter merges the
                 * corrupted frame with the next one, every other flip costs only itself */
                bool delimiter = byte == w[k].n - 1;
                if (delimiter) {
                    CHECK_MSG(g.n >= 1 && same(&g, g.n - 1, &after), "frame %d delimiter bit %u", k, bit);
                    lost_next += g.n == 1;
                } else {
                    CHECK_MSG(g.n == 2 && same(&g, 0, &next) && same(&g, 1, &after), "frame %d byte %zu bit %u: next frame lost",
                              k, byte, bit);
                }
                CHECK(d.crc_errors + d.framing_errors >= 1);
            }
        }
    }
    fprintf(stderr, "bit flips: %lu tried, all detected (%lu delimiter flips also cost the next frame)\n", flips,
            lost_next);
}

static void test_truncations(void)
{
    static struct wire w[8];
    static struct wire next, after;
    int nw;
    corruption_frames(w, &nw);
    make_wire(&next, PROTO_CMD_PING, "\x99\x00", 2);
    make_wire(&after, PROTO_CMD_INFO, "\x9A\x00", 2);
    for (int k = 0; k < nw; k++) {
        for (size_t cut = 1; cut < w[k].n - 1; cut++) {
            /* the line drops mid-frame and comes back: a delimiter ends the stub */
            struct proto_decoder d;
            struct got g = {0};
            static const uint8_t zero = 0;
            proto_decoder_init(&d);
            feed(&d, w[k].b, cut, &g);
            feed(&d, &zero, 1, &g);
            feed(&d, next.b, next.n, &g);
            CHECK_MSG(g.n == 1 && same(&g, 0, &next), "frame %d cut at %zu", k, cut);
            CHECK(d.crc_errors + d.framing_errors == 1);
            /* without a delimiter the stub swallows the next frame, never more */
            struct got g2 = {0};
            proto_decoder_init(&d);
            feed(&d, w[k].b, cut, &g2);
            feed(&d, next.b, next.n, &g2);
            feed(&d, after.b, after.n, &g2);
            CHECK_MSG(g2.n == 1 && same(&g2, 0, &after), "frame %d cut at %zu, no delimiter", k, cut);
        }
        /* the body cut short by whole bytes before COBS: decodes as short or bad CRC */
        for (size_t len = 0; len < 6 + w[k].len; len++) {
            uint8_t body[PROTO_MAX_BODY], enc[PROTO_MAX_ENCODED + 1];
            body[0] = PROTO_VERSION;
            body[1] = w[k].type;
            memcpy(body + 2, w[k].payload, w[k].len);
            proto_put_u32(body + 2 + w[k].len, proto_crc32(0, body, 2 + w[k].len));
            size_t e = proto_cobs_encode(body, len, enc, sizeof enc - 1);
            REQUIRE(e > 0);
            enc[e++] = 0;
            struct proto_decoder d;
            struct got g = {0};
            proto_decoder_init(&d);
            feed(&d, enc, e, &g);
            CHECK_MSG(g.n == 0, "frame %d body cut to %zu delivered", k, len);
        }
    }
}

static void test_garbage(void)
{
    struct wire good, good2;
    uint8_t p[PROTO_MAX_PAYLOAD];
    make_wire(&good, PROTO_SAMPLES, p, max_samples(p));
    make_wire(&good2, PROTO_CMD_PING, "\x42\x00", 2);
    struct proto_decoder d;
    proto_decoder_init(&d);
    for (int it = 0; it < 3000; it++) {
        uint8_t junk[4096];
        size_t n = rnd() % (it % 10 == 0 ? sizeof junk : 64);
        unsigned mode = rnd() % 3; /* no zeros, some zeros, many zeros */
        for (size_t i = 0; i < n; i++) {
            junk[i] = (uint8_t)rnd();
            if (mode == 0 && junk[i] == 0)
                junk[i] = 1;
            if (mode == 2 && rnd() % 4 == 0)
                junk[i] = 0;
        }
        struct got g = {0};
        feed(&d, junk, n, &g);
        CHECK_MSG(g.n == 0, "garbage delivered a frame");
        feed(&d, good.b, good.n, &g);
        feed(&d, good2.b, good2.n, &g);
        /* good is lost only when the garbage ended without a delimiter; good2 always decodes */
        bool glued = n > 0 && junk[n - 1] != 0;
        if (glued)
            CHECK_MSG(g.n >= 1 && same(&g, g.n - 1, &good2) && (g.n == 1 || same(&g, 0, &good)), "it %d", it);
        else
            CHECK_MSG(g.n == 2 && same(&g, 0, &good) && same(&g, 1, &good2), "it %d", it);
    }
    /* a leading delimiter before each frame makes even glued garbage cost nothing */
    struct got g = {0};
    uint8_t junk[100];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(1 + rnd() % 255);
    static const uint8_t zero = 0;
    feed(&d, junk, sizeof junk, &g);
    feed(&d, &zero, 1, &g);
    feed(&d, good.b, good.n, &g);
    CHECK(g.n == 1 && same(&g, 0, &good));
}

/* Absurd lengths: runs longer than any frame, bodies longer than PROTO_MAX_BODY. */
static void test_oversize(void)
{
    struct proto_decoder d;
    struct wire good;
    make_wire(&good, PROTO_CMD_PING, "\x07\x00", 2);
    proto_decoder_init(&d);
    int oversize = 0;
    for (unsigned i = 0; i < 200000; i++) {
        struct proto_frame f;
        int r = proto_decode_push(&d, (uint8_t)(1 + i % 255), &f);
        CHECK(r != PROTO_FRAME);
        oversize += r == PROTO_ERR_OVERSIZE;
        CHECK(d.len <= sizeof d.buf);
    }
    CHECK(oversize == 1); /* reported once, then discarded quietly to the next delimiter */
    struct got g = {0};
    static const uint8_t zero = 0;
    feed(&d, &zero, 1, &g);
    feed(&d, good.b, good.n, &g);
    CHECK(g.n == 1 && same(&g, 0, &good));
    CHECK(d.resyncs == 1);
    /* exactly PROTO_MAX_ENCODED bytes of a run are accepted by the buffer, one more is not */
    proto_decoder_init(&d);
    for (unsigned i = 0; i < PROTO_MAX_ENCODED; i++) {
        struct proto_frame f;
        CHECK(proto_decode_push(&d, 0x33, &f) == PROTO_NEED_MORE);
    }
    struct proto_frame f;
    CHECK(proto_decode_push(&d, 0x33, &f) == PROTO_ERR_OVERSIZE);
    /* bodies over PROTO_MAX_BODY with a valid CRC (zeros keep the COBS form within the buffer) */
    for (size_t blen = PROTO_MAX_BODY + 1; blen <= PROTO_MAX_BODY + 4; blen++) {
        uint8_t body[PROTO_MAX_BODY + 8] = {0}, enc[PROTO_MAX_ENCODED + 16];
        body[0] = PROTO_VERSION;
        body[1] = PROTO_LOG;
        proto_put_u32(body + blen - 4, proto_crc32(0, body, blen - 4));
        size_t e = proto_cobs_encode(body, blen, enc, sizeof enc);
        REQUIRE(e > 0);
        CHECK(e <= PROTO_MAX_ENCODED); /* would fit the buffer: the body check must catch it */
        proto_decoder_init(&d);
        int last = 0;
        for (size_t i = 0; i < e; i++)
            last = proto_decode_push(&d, enc[i], &f);
        last = proto_decode_push(&d, 0, &f);
        CHECK_MSG(last == PROTO_ERR_OVERSIZE, "body of %zu bytes: status %d", blen, last);
    }
    /* a valid CRC with an unknown version is refused */
    {
        uint8_t body[8] = {2, PROTO_CMD_PING, 1, 0}, enc[16];
        proto_put_u32(body + 4, proto_crc32(0, body, 4));
        size_t e = proto_cobs_encode(body, 8, enc, sizeof enc);
        proto_decoder_init(&d);
        int last = 0;
        for (size_t i = 0; i < e; i++)
            last = proto_decode_push(&d, enc[i], &f);
        last = proto_decode_push(&d, 0, &f);
        CHECK(last == PROTO_ERR_VERSION && d.framing_errors == 1);
    }
    /* runs of delimiters are ignored silently */
    proto_decoder_init(&d);
    for (int i = 0; i < 100; i++)
        CHECK(proto_decode_push(&d, 0, &f) == PROTO_NEED_MORE);
    CHECK(d.framing_errors == 0 && d.crc_errors == 0);
}

/* Feed one body (COBS-encoded here, with its delimiter) to a fresh decoder; return the last status. */
static int push_body(struct proto_decoder *d, const uint8_t *body, size_t blen, struct proto_frame *f)
{
    uint8_t enc[PROTO_MAX_ENCODED + 16];
    size_t e = proto_cobs_encode(body, blen, enc, sizeof enc);
    REQUIRE(e > 0);
    proto_decoder_init(d);
    int last = PROTO_NEED_MORE;
    for (size_t i = 0; i < e; i++)
        last = proto_decode_push(d, enc[i], f);
    CHECK(last == PROTO_NEED_MORE);
    return proto_decode_push(d, 0, f);
}

/* The length rules of docs/protocol.md 1.3 at their edges: a body of 1 to 5 bytes is "short"
 * even when its last 4 bytes are a valid CRC of what precedes them (so no payload length can
 * wrap below zero); 6 bytes is the smallest frame (empty payload); every length up to 1030 is
 * delivered with payload length = body length - 6. */
static void test_length_edges(void)
{
    struct proto_decoder d;
    struct proto_frame f;
    for (size_t blen = 1; blen < 6; blen++) {
        uint8_t body[8] = {PROTO_VERSION, PROTO_LOG, 0, 0, 0, 0, 0, 0};
        if (blen >= 4)
            proto_put_u32(body + blen - 4, proto_crc32(0, body, blen - 4));
        memset(&f, 0, sizeof f);
        int r = push_body(&d, body, blen, &f);
        CHECK_MSG(r == PROTO_ERR_SHORT, "body of %zu bytes (valid CRC when >= 4): status %d, len %u", blen, r,
                  (unsigned)f.len);
        CHECK_MSG(d.framing_errors == 1 && d.crc_errors == 0 && d.frames == 0, "body of %zu bytes counted as %lu/%lu/%lu",
                  blen, (unsigned long)d.framing_errors, (unsigned long)d.crc_errors, (unsigned long)d.frames);
    }
    static uint8_t body[PROTO_MAX_BODY];
    for (size_t blen = 6; blen <= PROTO_MAX_BODY; blen += blen < 40 ? 1 : 97) {
        for (size_t i = 2; i < blen - 4; i++)
            body[i] = (uint8_t)(i * 7 + blen);
        body[0] = PROTO_VERSION;
        body[1] = PROTO_LOG;
        proto_put_u32(body + blen - 4, proto_crc32(0, body, blen - 4));
        int r = push_body(&d, body, blen, &f);
        CHECK_MSG(r == PROTO_FRAME && f.len == blen - 6 && f.type == PROTO_LOG &&
                      memcmp(f.payload, body + 2, blen - 6) == 0,
                  "body of %zu bytes: status %d, payload length %u", blen, r, (unsigned)f.len);
        CHECK(d.frames == 1 && d.framing_errors == 0);
    }
    /* the largest body exactly */
    size_t blen = PROTO_MAX_BODY;
    proto_put_u32(body + blen - 4, proto_crc32(0, body, blen - 4));
    CHECK(push_body(&d, body, blen, &f) == PROTO_FRAME && f.len == PROTO_MAX_PAYLOAD);
    /* one bit of the CRC off at the smallest size: a CRC error, not a frame */
    uint8_t small[6] = {PROTO_VERSION, PROTO_LOG};
    proto_put_u32(small + 2, proto_crc32(0, small, 2) ^ 1u);
    CHECK(push_body(&d, small, 6, &f) == PROTO_ERR_CRC && d.crc_errors == 1 && d.framing_errors == 0);
}

/* ---- typed parsers ------------------------------------------------------------------------- */

static void test_typed_refusals(void)
{
    uint8_t p[PROTO_MAX_PAYLOAD];
    struct proto_hello h;
    fill_hello(&h, 6);
    size_t n = proto_hello_pack(&h, p, sizeof p);
    for (size_t len = 0; len < n; len++)
        CHECK_MSG(proto_hello_parse(p, len, &h) == -1, "HELLO of %zu bytes", len);
    CHECK(proto_hello_parse(p, n, &h) == 0);
    p[51] = 0;
    CHECK(proto_hello_parse(p, n, &h) == -1);
    p[51] = PROTO_MAX_AXES + 1;
    CHECK(proto_hello_parse(p, sizeof p, &h) == -1);
    p[51] = 7; /* more axes than the payload holds */
    CHECK(proto_hello_parse(p, n, &h) == -1);
    fill_hello(&h, 6);
    h.n_axes = PROTO_MAX_AXES + 1;
    CHECK(proto_hello_pack(&h, p, sizeof p) == 0);
    h.n_axes = 6;
    CHECK(proto_hello_pack(&h, p, PROTO_HELLO_FIXED + 6 * PROTO_HELLO_AXIS - 1) == 0);

    struct proto_samples s;
    n = proto_samples_pack_header(1, 2, 10, 6, p);
    memset(p + n, 0x11, 120);
    CHECK(proto_samples_parse(p, n + 120, &s) == 0);
    for (size_t len = 0; len < n + 120; len++)
        CHECK_MSG(proto_samples_parse(p, len, &s) == -1, "SAMPLES of %zu bytes", len);
    CHECK(proto_samples_parse(p, n + 121, &s) == -1);
    CHECK(proto_samples_parse(p, n + 122, &s) == -1);
    proto_samples_pack_header(1, 2, 0, 6, p);
    CHECK(proto_samples_parse(p, n, &s) == -1); /* count 0 */
    proto_samples_pack_header(1, 2, 20, 0, p);
    CHECK(proto_samples_parse(p, n, &s) == -1); /* no axes */
    proto_samples_pack_header(1, 2, 1, PROTO_MAX_AXES + 1, p);
    CHECK(proto_samples_parse(p, n + 2 * (PROTO_MAX_AXES + 1), &s) == -1);
    proto_samples_pack_header(1, 2, 0xFFFF, PROTO_MAX_AXES, p);
    CHECK(proto_samples_parse(p, PROTO_MAX_PAYLOAD, &s) == -1); /* count the payload cannot hold */

    struct proto_classification c = {.class_index = 1, .n_classes = 4, .scores = {1, 2, 3, 4}};
    n = proto_classification_pack(&c, p, sizeof p);
    CHECK(n == PROTO_CLASSIFICATION_HDR + 4);
    for (size_t len = 0; len < n; len++)
        CHECK(proto_classification_parse(p, len, &c) == -1);
    CHECK(proto_classification_parse(p, n + 1, &c) == -1);
    CHECK(proto_classification_parse(p, n, &c) == 0);
    p[16] = 4; /* class index out of range */
    CHECK(proto_classification_parse(p, n, &c) == -1);
    p[16] = 0;
    p[17] = 0;
    CHECK(proto_classification_parse(p, PROTO_CLASSIFICATION_HDR, &c) == -1);
    p[17] = PROTO_MAX_CLASSES + 1;
    CHECK(proto_classification_parse(p, PROTO_CLASSIFICATION_HDR + PROTO_MAX_CLASSES + 1, &c) == -1);
    c.n_classes = PROTO_MAX_CLASSES + 1;
    CHECK(proto_classification_pack(&c, p, sizeof p) == 0);
    c.n_classes = 4;
    CHECK(proto_classification_pack(&c, p, PROTO_CLASSIFICATION_HDR + 3) == 0);
}

/* ---- little-endian helpers ----------------------------------------------------------------- */

static void test_le(void)
{
    uint8_t b[8];
    proto_put_u16(b, 0x1234);
    CHECK(b[0] == 0x34 && b[1] == 0x12 && proto_get_u16(b) == 0x1234);
    proto_put_u32(b, 0x89ABCDEFu);
    CHECK(b[0] == 0xEF && b[3] == 0x89 && proto_get_u32(b) == 0x89ABCDEFu);
    proto_put_u64(b, 0x0102030405060708ull);
    CHECK(b[0] == 0x08 && b[7] == 0x01 && proto_get_u64(b) == 0x0102030405060708ull);
}

int main(void)
{
    test_crc();
    test_cobs();
    test_le();
    test_round_trips();
    test_bit_flips();
    test_truncations();
    test_garbage();
    test_oversize();
    test_length_edges();
    test_typed_refusals();
    return check_report("test_proto");
}
