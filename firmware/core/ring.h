/* SPDX-License-Identifier: MIT */
/* ring.h -- lock-free single-producer single-consumer ring of fixed-size elements.
 *
 * One context (an interrupt handler) pushes, one other context (the main loop) pops. head is
 * written only by the producer, tail only by the consumer; both are free-running 32-bit
 * counters and the capacity is a power of two, so used = head - tail even across wrap-around.
 * The producer publishes an element with a release store of head after copying it in; the
 * consumer reads head with an acquire load before copying out, and releases tail after. On
 * the single-core Cortex-M4 the barriers compile to DMB; on the host (unit tests with two
 * threads) they are real acquire/release fences.
 *
 * Push and pop move whole groups of elements or nothing, so a byte ring holding encoded frames
 * never holds half a frame.
 */
#ifndef FW_RING_H
#define FW_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
    uint32_t head;      /* producer-owned: elements ever pushed */
    uint32_t tail;      /* consumer-owned: elements ever popped */
    uint32_t mask;      /* capacity - 1 */
    uint32_t elem;      /* element size in bytes */
    uint8_t *buf;       /* capacity * elem bytes */
};

/* capacity must be a power of two (returns false otherwise). */
bool ring_init(struct ring *r, void *buf, uint32_t capacity, uint32_t elem);
uint32_t ring_capacity(const struct ring *r);
uint32_t ring_used(const struct ring *r);   /* safe from either side */
uint32_t ring_free(const struct ring *r);   /* safe from either side */
/* Producer: copy n elements in, all or nothing. */
bool ring_push(struct ring *r, const void *src, uint32_t n);
/* Producer: the k-th free element past the last pushed one (k < ring_free), to fill in place
 * before ring_commit publishes it; the consumer cannot see it until then. */
void *ring_slot(struct ring *r, uint32_t k);
/* Producer: publish the n elements filled through ring_slot (n <= ring_free). */
void ring_commit(struct ring *r, uint32_t n);
/* Consumer: copy up to max elements out; returns how many. */
uint32_t ring_pop(struct ring *r, void *dst, uint32_t max);
/* Consumer: pointer to the oldest element, or NULL when empty (valid until ring_drop). */
const void *ring_peek(const struct ring *r);
/* Consumer: the k-th oldest element (0 = ring_peek), or NULL past the end. */
const void *ring_at(const struct ring *r, uint32_t k);
/* Consumer: contiguous elements readable at ring_peek() without wrapping. */
uint32_t ring_peek_span(const struct ring *r);
void ring_drop(struct ring *r, uint32_t n);
/* Consumer: discard everything currently readable. */
void ring_clear(struct ring *r);

#endif
