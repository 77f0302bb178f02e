/* SPDX-License-Identifier: MIT */
/* Declarations only (Zephyr kernel API, v3.x) for compiling examples/zephyr_main.c (-fsyntax-only). */
#include <stdint.h>
#include <stddef.h>
typedef struct { int64_t ticks; } k_timeout_t;
struct k_msgq { void *p; };
#define K_MSGQ_DEFINE(name, size, max, align) struct k_msgq name
#define K_NO_WAIT ((k_timeout_t){0})
#define K_FOREVER ((k_timeout_t){-1})
#define K_TIMEOUT_ABS_TICKS(t) ((k_timeout_t){-(t) - 2})
#define K_THREAD_DEFINE(name, stack, entry, p1, p2, p3, prio, options, delay) \
    const int name = sizeof(&entry)
int k_msgq_put(struct k_msgq *q, const void *data, k_timeout_t timeout);
int k_msgq_get(struct k_msgq *q, void *data, k_timeout_t timeout);
int64_t k_uptime_ticks(void);
uint64_t k_us_to_ticks_ceil64(uint64_t us);
int32_t k_sleep(k_timeout_t timeout);
