/* SPDX-License-Identifier: MIT */
/* test_ring.c -- SPSC ring: capacity rules, wrap-around, all-or-nothing push, peek/at/drop, and
 * a two-thread producer/consumer stress run (ordering and no loss under ASan/UBSan); the link's
 * COBS encoder that writes frames straight into the ring (link_encode_into) against
 * proto_cobs_encode at every wrap position, and link_send's room check. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "link.h"
#include "proto.h"
#include "ring.h"

static void basics(void)
{
    uint8_t buf[16];
    struct ring r;
    CHECK(!ring_init(&r, buf, 12, 1)); /* not a power of two */
    CHECK(!ring_init(&r, buf, 0, 1));
    CHECK(ring_init(&r, buf, 16, 1));
    CHECK_EQ(ring_used(&r), 0);
    CHECK_EQ(ring_free(&r), 16);
    CHECK(ring_peek(&r) == NULL);
    uint8_t in[20], out[20];
    for (int i = 0; i < 20; i++)
        in[i] = (uint8_t)(i + 1);
    CHECK(!ring_push(&r, in, 17)); /* more than capacity: nothing */
    CHECK_EQ(ring_used(&r), 0);
    CHECK(ring_push(&r, in, 10));
    CHECK(!ring_push(&r, in, 7)); /* 6 free: all or nothing */
    CHECK_EQ(ring_used(&r), 10);
    CHECK_EQ(ring_pop(&r, out, 4), 4);
    CHECK(memcmp(out, in, 4) == 0);
    /* wrap: head at 10, tail at 4, push 10 more -> wraps past the end */
    CHECK(ring_push(&r, in + 10, 10));
    CHECK_EQ(ring_used(&r), 16);
    CHECK_EQ(ring_free(&r), 0);
    CHECK_EQ(ring_peek_span(&r), 12); /* 4..15 contiguous */
    CHECK_EQ(*(const uint8_t *)ring_at(&r, 6), 11);
    CHECK(ring_at(&r, 16) == NULL);
    CHECK_EQ(ring_pop(&r, out, 20), 16);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(out[i], i + 5);
    CHECK(ring_push(&r, in, 3));
    ring_drop(&r, 2);
    CHECK_EQ(*(const uint8_t *)ring_peek(&r), 3);
    ring_drop(&r, 100); /* clamps */
    CHECK_EQ(ring_used(&r), 0);
    CHECK(ring_push(&r, in, 5));
    ring_clear(&r);
    CHECK_EQ(ring_used(&r), 0);
}

static void counters_wrap(void)
{
    /* head/tail are free-running; start near UINT32_MAX to cross the 2^32 wrap. */
    struct { uint32_t a, b; } buf[8], e = { 0, 0 }, o;
    struct ring r;
    CHECK(ring_init(&r, buf, 8, sizeof buf[0]));
    r.head = r.tail = UINT32_MAX - 3u;
    for (uint32_t i = 0; i < 100; i++) {
        e.a = i;
        e.b = ~i;
        CHECK(ring_push(&r, &e, 1));
        CHECK_EQ(ring_used(&r), 1);
        CHECK_EQ(ring_pop(&r, &o, 1), 1);
        CHECK_EQ(o.a, i);
        CHECK_EQ(o.b, ~i);
    }
}

#define N_ITEMS 2000000u
struct item { uint32_t seq, check; };
static struct item sbuf[64];
static struct ring sring;
static uint64_t push_fail;

static void *producer(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < N_ITEMS;) {
        struct item it[3];
        uint32_t n = 1 + i % 3;
        if (i + n > N_ITEMS)
            n = N_ITEMS - i;
        for (uint32_t k = 0; k < n; k++) {
            it[k].seq = i + k;
            it[k].check = (i + k) * 2654435761u;
        }
        if (ring_push(&sring, it, n)) {
            i += n;
        } else {
            push_fail++;
            sched_yield(); /* full: let the consumer run (on a busy machine both may share one core) */
        }
    }
    return NULL;
}

static void threaded(void)
{
    CHECK(ring_init(&sring, sbuf, 64, sizeof sbuf[0]));
    pthread_t t;
    pthread_create(&t, NULL, producer, NULL);
    uint32_t want = 0;
    int bad = 0;
    while (want < N_ITEMS) {
        struct item out[5];
        uint32_t n = ring_pop(&sring, out, 5);
        if (n == 0)
            sched_yield(); /* empty: let the producer run */
        for (uint32_t k = 0; k < n; k++) {
            if (out[k].seq != want || out[k].check != want * 2654435761u)
                bad++;
            want++;
        }
    }
    pthread_join(t, NULL);
    CHECK_EQ(bad, 0);
    CHECK_EQ(ring_used(&sring), 0);
}

/* Bodies with zeros, runs of 253-255 non-zero bytes (the 254-byte block rule) and random bytes,
 * encoded into a 1 KB ring at 300 different head positions (wrapping inside the frame) and read
 * back: exactly proto_cobs_encode's bytes and the delimiter. */
static void encode_into(void)
{
    static uint8_t rbuf[1024], body[700], ref[800], got[800];
    uint32_t seed = 12345;
    for (int round = 0; round < 300; round++) {
        size_t len = 1 + (size_t)(round * 37) % sizeof body;
        /* the edges of the 254-byte rule: blocks of exactly 254 non-zero bytes ending the input */
        static const size_t edge[] = {254, 255, 253, 508, 509, 6, 260};
        if (round < (int)(sizeof edge / sizeof edge[0])) len = edge[round];
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            uint8_t b = (uint8_t)(seed >> 16);
            if (round % 3 == 0) b = b ? b : 1;                  /* no zero at all: long blocks */
            if (round % 3 == 1 && (seed >> 8) % 5 == 0) b = 0;  /* many zeros */
            body[i] = b;
        }
        if (round % 7 == 0 && len > 260) memset(body + 1, 0xAA, 254 + (size_t)(round % 3)); /* 254-256 run */
        if (round < (int)(sizeof edge / sizeof edge[0])) { /* non-zero to the end, one zero at 0 for 255 and 509 */
            memset(body, 0x42, len);
            if (len % 254 == 1) body[0] = 0;
        }
        if (round % 11 == 0) body[len - 1] = 0;                                            /* ends in a zero */
        size_t n = proto_cobs_encode(body, len, ref, sizeof ref);
        CHECK_MSG(n > 0, "round %d: reference encode failed", round);
        ref[n++] = 0;
        struct ring r;
        ring_init(&r, rbuf, sizeof rbuf, 1);
        const uint32_t start = (uint32_t)round * 181u;
        r.head = r.tail = start; /* the frame starts anywhere, wraps anywhere */
        memset(rbuf, 0x5A, sizeof rbuf);
        uint32_t w = link_encode_into(&r, body, len);
        CHECK_MSG(w == n, "round %d (len %zu, head %u): %u bytes written, proto_cobs_encode %zu", round, len, start, w, n);
        CHECK_MSG(ring_used(&r) == n, "round %d: %u bytes published, want %zu", round, ring_used(&r), n);
        CHECK_MSG(w <= link_encoded_max(len - 6 > len ? 0 : len - 6) || len < 6, "round %d: more than link_encoded_max", round);
        uint32_t got_n = ring_pop(&r, got, sizeof got);
        CHECK_MSG(got_n == n && memcmp(got, ref, n) == 0, "round %d (len %zu, head %u): ring bytes differ from proto_cobs_encode",
              round, len, start);
    }
}

/* link_send queues a frame only when the longest encoding of its payload fits, whole. */
static void link_room(void)
{
    static uint8_t tbuf[256];
    struct ring tx;
    struct link l;
    ring_init(&tx, tbuf, sizeof tbuf, 1);
    link_init(&l, &tx);
    uint8_t payload[200];
    memset(payload, 0x11, sizeof payload);
    CHECK_MSG(link_send(&l, PROTO_LOG, payload, sizeof payload), "a 200-byte frame into an empty 256-byte ring");
    CHECK_MSG(ring_used(&tx) == link_encoded_max(200) - 1u || ring_used(&tx) <= link_encoded_max(200),
          "%u bytes queued for 200 payload bytes", ring_used(&tx));
    const uint32_t used = ring_used(&tx);
    CHECK_MSG(!link_send(&l, PROTO_LOG, payload, sizeof payload) && l.tx_dropped == 1 && ring_used(&tx) == used,
          "a second frame that does not fit is dropped whole (dropped %u, used %u)", l.tx_dropped, ring_used(&tx));
    CHECK_MSG(!link_send(&l, PROTO_LOG, payload, LINK_MAX_PAYLOAD + 1u) && l.tx_dropped == 2,
          "a payload over LINK_MAX_PAYLOAD is refused");
    /* decode what was queued: one frame, type and payload intact */
    uint8_t enc[300], dec[300];
    uint32_t n = ring_pop(&tx, enc, sizeof enc);
    CHECK_MSG(n >= 2 && enc[n - 1] == 0, "the frame ends with its delimiter");
    int d = proto_cobs_decode(enc, n - 1, dec, sizeof dec);
    CHECK_MSG(d == 206 && dec[0] == PROTO_VERSION && dec[1] == PROTO_LOG && memcmp(dec + 2, payload, 200) == 0 &&
              proto_get_u32(dec + 202) == proto_crc32(0, dec, 202),
          "the queued frame decodes to version, type, payload and CRC (%d bytes)", d);
}

int main(void)
{
    basics();
    encode_into();
    link_room();
    counters_wrap();
    threaded();
    return check_report("test_ring");
}
