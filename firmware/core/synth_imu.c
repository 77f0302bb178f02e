/* SPDX-License-Identifier: MIT */
/* synth_imu.c -- time-paced sensor_ops adapter over portable/synth.c. */
#include "synth_imu.h"

#include <stdbool.h>

#include "proto.h"

void synth_imu_init(struct synth_imu *s, uint32_t seed)
{
    s->seed = seed;
    synth_init(&s->gen, seed);
    s->last_ms = 0;
    s->acc = 0;
}

int synth_imu_read(struct synth_imu *s, uint32_t now_ms, int16_t (*out)[IMU_AXES], int max)
{
    uint32_t dt = now_ms - s->last_ms;
    s->last_ms = now_ms;
    if (dt > 1000u)
        dt = 1000u; /* after a stall of more than a second, resume rather than burst */
    s->acc += dt * s->gen.rate_hz;
    int n = 0;
    while (n < max && s->acc >= 1000u) {
        s->acc -= 1000u;
        synth_next(&s->gen, out[n++]);
    }
    if (s->acc >= 1000u * 64u)
        s->acc = 0; /* the caller is not keeping up: drop the backlog */
    return n;
}

static int op_init(void *ctx, uint32_t now_ms)
{
    (void)ctx;
    (void)now_ms;
    return 0;
}

static bool op_rate_ok(void *ctx, uint16_t rate)
{
    (void)ctx;
    return rate >= 50 && rate <= 1000;
}

static int op_configure(void *ctx, uint16_t rate, uint8_t accel_g, uint16_t gyro_dps, uint32_t now_ms)
{
    struct synth_imu *s = ctx;
    if (synth_configure(&s->gen, rate, accel_g, gyro_dps) != 0)
        return -(int)PROTO_ERR_SENSOR_ABSENT;
    s->last_ms = now_ms;
    s->acc = 0;
    return 0;
}

static int op_read(void *ctx, uint32_t now_ms, int16_t (*out)[IMU_AXES], int max)
{
    return synth_imu_read(ctx, now_ms, out, max);
}

static int op_set_gesture(void *ctx, uint8_t g) { return synth_set_gesture(&((struct synth_imu *)ctx)->gen, g); }

const struct sensor_ops synth_sensor_ops_template = {
    .name = "synthetic",
    .flags = SENSOR_FLAG_SYNTHETIC,
    .init = op_init,
    .rate_ok = op_rate_ok,
    .configure = op_configure,
    .read = op_read,
    .set_gesture = op_set_gesture,
    .ctx = 0,
};
