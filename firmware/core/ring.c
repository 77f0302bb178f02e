/* SPDX-License-Identifier: MIT */
/* ring.c -- SPSC ring; see ring.h for the memory-ordering contract. */
#include "ring.h"

#include <string.h>

#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RLX(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

bool ring_init(struct ring *r, void *buf, uint32_t capacity, uint32_t elem)
{
    if (capacity == 0 || (capacity & (capacity - 1u)) || elem == 0 || !buf)
        return false;
    r->head = 0;
    r->tail = 0;
    r->mask = capacity - 1u;
    r->elem = elem;
    r->buf = buf;
    return true;
}

uint32_t ring_capacity(const struct ring *r) { return r->mask + 1u; }

uint32_t ring_used(const struct ring *r)
{
    uint32_t t = LOAD_ACQ(&r->tail);
    uint32_t h = LOAD_ACQ(&r->head);
    return h - t;
}

uint32_t ring_free(const struct ring *r) { return ring_capacity(r) - ring_used(r); }

/* Copy n elements between the ring slot at index pos and a linear buffer, handling wrap. */
static void copy_in(struct ring *r, uint32_t pos, const uint8_t *src, uint32_t n)
{
    uint32_t at = pos & r->mask;
    uint32_t first = ring_capacity(r) - at;
    if (first > n)
        first = n;
    memcpy(r->buf + at * r->elem, src, first * r->elem);
    if (n > first)
        memcpy(r->buf, src + first * r->elem, (n - first) * r->elem);
}

static void copy_out(const struct ring *r, uint32_t pos, uint8_t *dst, uint32_t n)
{
    uint32_t at = pos & r->mask;
    uint32_t first = ring_capacity(r) - at;
    if (first > n)
        first = n;
    memcpy(dst, r->buf + at * r->elem, first * r->elem);
    if (n > first)
        memcpy(dst + first * r->elem, r->buf, (n - first) * r->elem);
}

bool ring_push(struct ring *r, const void *src, uint32_t n)
{
    uint32_t h = LOAD_RLX(&r->head);
    uint32_t t = LOAD_ACQ(&r->tail);
    if (n > ring_capacity(r) - (h - t))
        return false;
    copy_in(r, h, src, n);
    STORE_REL(&r->head, h + n);
    return true;
}

void *ring_slot(struct ring *r, uint32_t k)
{
    return r->buf + ((LOAD_RLX(&r->head) + k) & r->mask) * r->elem;
}

void ring_commit(struct ring *r, uint32_t n)
{
    uint32_t h = LOAD_RLX(&r->head);
    STORE_REL(&r->head, h + n);
}

uint32_t ring_pop(struct ring *r, void *dst, uint32_t max)
{
    uint32_t t = LOAD_RLX(&r->tail);
    uint32_t h = LOAD_ACQ(&r->head);
    uint32_t n = h - t;
    if (n > max)
        n = max;
    if (n == 0)
        return 0;
    copy_out(r, t, dst, n);
    STORE_REL(&r->tail, t + n);
    return n;
}

const void *ring_peek(const struct ring *r)
{
    uint32_t t = LOAD_RLX(&r->tail);
    if (LOAD_ACQ(&r->head) == t)
        return NULL;
    return r->buf + (t & r->mask) * r->elem;
}

const void *ring_at(const struct ring *r, uint32_t k)
{
    uint32_t t = LOAD_RLX(&r->tail);
    if (k >= LOAD_ACQ(&r->head) - t)
        return NULL;
    return r->buf + ((t + k) & r->mask) * r->elem;
}

uint32_t ring_peek_span(const struct ring *r)
{
    uint32_t t = LOAD_RLX(&r->tail);
    uint32_t n = LOAD_ACQ(&r->head) - t;
    uint32_t to_end = ring_capacity(r) - (t & r->mask);
    return n < to_end ? n : to_end;
}

void ring_drop(struct ring *r, uint32_t n)
{
    uint32_t t = LOAD_RLX(&r->tail);
    uint32_t used = LOAD_ACQ(&r->head) - t;
    if (n > used)
        n = used;
    STORE_REL(&r->tail, t + n);
}

void ring_clear(struct ring *r)
{
    STORE_REL(&r->tail, LOAD_ACQ(&r->head));
}
