/* SPDX-License-Identifier: MIT */
/* Declarations only (Zephyr device API) for compiling examples/zephyr_main.c (-fsyntax-only). */
#include <stdbool.h>
struct device { const char *name; };
extern const struct device zephyr_accel0;
#define DT_ALIAS(a) zephyr_##a
#define DEVICE_DT_GET(node) (&node)
bool device_is_ready(const struct device *dev);
