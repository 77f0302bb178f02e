/* SPDX-License-Identifier: MIT */
/* test_synth_imu.c -- the emulated board's sensor: exact pacing (rate * elapsed time, no drift),
 * determinism for a seed, bounded bursts after stalls. */
#include <string.h>

#include "check.h"
#include "proto.h"
#include "synth_imu.h"

int main(void)
{
    struct synth_imu a, b;
    int16_t va[64][6], vb[64][6];
    synth_imu_init(&a, 7);
    synth_imu_init(&b, 7);
    struct sensor_ops ops = synth_sensor_ops_template;
    ops.ctx = &a;
    CHECK(ops.rate_ok(ops.ctx, 50) && ops.rate_ok(ops.ctx, 333) && ops.rate_ok(ops.ctx, 1000));
    CHECK(!ops.rate_ok(ops.ctx, 49) && !ops.rate_ok(ops.ctx, 1001));
    CHECK_EQ(ops.configure(&a, 333, 8, 1000, 0), 0);
    CHECK(ops.configure(&a, 333, 3, 1000, 0) < 0);
    CHECK_EQ(ops.configure(&a, 333, 8, 1000, 0), 0);
    long total = 0;
    for (uint32_t ms = 1; ms <= 3000; ms++)
        total += ops.read(&a, ms, va, 64);
    CHECK_EQ(total, 999); /* 333 Hz * 3 s */

    /* same seed, same calls -> same samples, independent of how reads are batched */
    synth_imu_init(&a, 7);
    synth_imu_init(&b, 7);
    ops.configure(&a, 100, 8, 1000, 0);
    ops.configure(&b, 100, 8, 1000, 0);
    CHECK_EQ(ops.set_gesture(&a, 2), 0);
    CHECK_EQ(ops.set_gesture(&b, 2), 0);
    CHECK(ops.set_gesture(&a, 200) < 0);
    int na = 0, nb = 0;
    for (uint32_t ms = 1; ms <= 500; ms++)
        na += ops.read(&a, ms, va + (na < 50 ? na : 0), na < 50 ? 50 - na : 0);
    nb = ops.read(&b, 500, vb, 50);
    CHECK_EQ(na, 50);
    CHECK_EQ(nb, 50);
    CHECK(memcmp(va, vb, sizeof(int16_t) * 6 * 50) == 0);

    /* a long stall resumes with at most one second of samples, not an unbounded burst */
    int n = ops.read(&a, 100000, va, 64);
    CHECK(n <= 64);
    return check_report("test_synth_imu");
}
