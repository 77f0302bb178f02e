/* SPDX-License-Identifier: MIT */
/* test_ring.c -- SPSC ring: capacity rules, wrap-around, all-or-nothing push, peek/at/drop, and
 * a two-thread producer/consumer stress run (ordering and no loss under ASan/UBSan). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
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
        if (ring_push(&sring, it, n))
            i += n;
        else
            push_fail++;
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

int main(void)
{
    basics();
    counters_wrap();
    threaded();
    return check_report("test_ring");
}
