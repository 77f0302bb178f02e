/* SPDX-License-Identifier: MIT */
/* Declarations only (Zephyr sensor API) for compiling examples/zephyr_main.c (-fsyntax-only). */
#include <stdint.h>
struct sensor_value { int32_t val1, val2; };
enum sensor_channel { SENSOR_CHAN_ACCEL_XYZ = 3 };
int sensor_sample_fetch(const struct device *dev);
int sensor_channel_get(const struct device *dev, enum sensor_channel chan, struct sensor_value *val);
double sensor_value_to_double(const struct sensor_value *val);
