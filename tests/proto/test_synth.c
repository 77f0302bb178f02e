/* SPDX-License-Identifier: MIT */
/* test_synth.c -- the synthetic IMU (portable/synth.c): sine accuracy, determinism (with a golden
 * checksum, so host and firmware builds can be compared), physical plausibility, gestures that
 * differ, and argument checks. */
#include "check.h"
#include "synth.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

static uint32_t fnv(uint32_t h, const int16_t *v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        h ^= (uint16_t)v[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t run_hash(uint32_t seed, uint8_t gesture, uint16_t rate, unsigned n)
{
    struct synth s;
    synth_init(&s, seed);
    synth_configure(&s, rate, 8, 1000);
    synth_set_gesture(&s, gesture);
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < n; i++) {
        int16_t v[SYNTH_AXES];
        synth_next(&s, v);
        h = fnv(h, v, SYNTH_AXES);
    }
    return h;
}

int main(void)
{
    /* sine */
    double max_err = 0;
    for (uint64_t ph = 0; ph < (1ull << 32); ph += 0x10001u) {
        double want = 32767.0 * sin(2.0 * M_PI * (double)ph / 4294967296.0);
        double err = fabs(synth_sin_q15((uint32_t)ph) - want);
        if (err > max_err)
            max_err = err;
    }
    CHECK_MSG(max_err < 4.0, "max sine error %.2f LSB", max_err);
    CHECK(synth_sin_q15(0) == 0 && synth_sin_q15(0x40000000u) == 32767);
    CHECK(synth_sin_q15(0x80000000u) == 0 && synth_sin_q15(0xC0000000u) == -32767);

    /* determinism: same seed, same stream; other seed, other stream */
    for (uint8_t g = 0; g < SYNTH_N_GESTURES; g++) {
        CHECK(run_hash(7, g, 100, 5000) == run_hash(7, g, 100, 5000));
        CHECK(run_hash(7, g, 100, 5000) != run_hash(8, g, 100, 5000));
    }
    /* golden value: change it only on purpose (the emulated board produces the same stream) */
    uint32_t golden = run_hash(1, SYNTH_WAVE, 100, 1000);
    fprintf(stderr, "golden hash seed 1 wave 100 Hz 1000 samples: 0x%08X\n", golden);
    CHECK(golden == 0xA05BF627u);

    /* plausibility per gesture: mean accel magnitude near 1 g, values within range,
     * and each gesture's motion is where it should be */
    double var[SYNTH_N_GESTURES][SYNTH_AXES];
    for (uint8_t g = 0; g < SYNTH_N_GESTURES; g++) {
        struct synth s;
        synth_init(&s, 3);
        CHECK(synth_set_gesture(&s, g) == 0);
        double sum[SYNTH_AXES] = {0}, sq[SYNTH_AXES] = {0};
        const unsigned n = 2000;
        for (unsigned i = 0; i < n; i++) {
            int16_t v[SYNTH_AXES];
            synth_next(&s, v);
            for (unsigned a = 0; a < SYNTH_AXES; a++) {
                double x = v[a] * (a < 3 ? synth_accel_scale(8) : synth_gyro_scale(1000));
                sum[a] += x;
                sq[a] += x * x;
            }
        }
        for (unsigned a = 0; a < SYNTH_AXES; a++)
            var[g][a] = sq[a] / n - (sum[a] / n) * (sum[a] / n);
        CHECK_MSG(fabs(sum[2] / n - 1.0) < 0.05, "gesture %u mean accZ %.3f g", g, sum[2] / n);
        CHECK_MSG(fabs(sum[0] / n) < 0.1 && fabs(sum[1] / n) < 0.1, "gesture %u lateral mean", g);
    }
    CHECK(var[SYNTH_IDLE][0] < 0.001 && var[SYNTH_IDLE][5] < 1.0);
    CHECK(var[SYNTH_WAVE][0] > 0.2 && var[SYNTH_WAVE][5] > 1000);
    CHECK(var[SYNTH_CIRCLE][0] > 0.1 && var[SYNTH_CIRCLE][1] > 0.1 && var[SYNTH_CIRCLE][2] < 0.001);
    CHECK(var[SYNTH_UPDOWN][2] > 0.2 && var[SYNTH_UPDOWN][1] < 0.001);

    /* ranges: the same motion at +-2 g reads four times the counts of +-8 g (within noise) */
    {
        struct synth a, b;
        synth_init(&a, 9);
        synth_init(&b, 9);
        CHECK(synth_configure(&a, 100, 2, 250) == 0 && synth_configure(&b, 100, 8, 1000) == 0);
        int16_t va[SYNTH_AXES], vb[SYNTH_AXES];
        synth_next(&a, va);
        synth_next(&b, vb);
        CHECK(va[2] == 16384 + (va[2] - 16384) && abs(va[2] - 4 * vb[2]) <= 4);
        CHECK(abs(va[2] - 16384) < 300);
    }
    /* saturation instead of wrap-around at +-2 g with updown (peaks near 2 g) */
    {
        struct synth s;
        synth_init(&s, 4);
        synth_configure(&s, 1000, 2, 250);
        synth_set_gesture(&s, SYNTH_UPDOWN);
        int16_t prev = 0, v[SYNTH_AXES];
        bool wrapped = false;
        for (int i = 0; i < 5000; i++) {
            synth_next(&s, v);
            if (i && abs(v[2] - prev) > 20000)
                wrapped = true;
            prev = v[2];
        }
        CHECK(!wrapped);
    }

    /* argument checks */
    struct synth s;
    synth_init(&s, 0);
    CHECK(synth_configure(&s, 0, 8, 1000) == -1);
    CHECK(synth_configure(&s, 100, 3, 1000) == -1);
    CHECK(synth_configure(&s, 100, 8, 300) == -1);
    CHECK(synth_set_gesture(&s, SYNTH_N_GESTURES) == -1 && s.gesture == SYNTH_IDLE);
    CHECK(synth_accel_scale(8) == 1.0f / 4096.0f && synth_accel_scale(5) == 0.0f);
    CHECK(fabsf(synth_gyro_scale(250) - 1.0f / 131.0f) < 1e-7f && synth_gyro_scale(1) == 0.0f);
    CHECK(synth_gesture_from_name("circle") == SYNTH_CIRCLE && synth_gesture_from_name("circ") == -1);
    CHECK(synth_gesture_from_name("circles") == -1 && synth_gesture_from_name("") == -1);
    CHECK(strcmp(synth_gesture_name(SYNTH_UPDOWN), "updown") == 0 && synth_gesture_name(9) == NULL);
    return check_report("test_synth");
}
