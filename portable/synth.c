/* SPDX-License-Identifier: MIT */
/* synth.c -- deterministic synthetic IMU (see synth.h).
 *
 * Each gesture is a few sinusoids of one phase accumulator (uint32, one period = 2^32), in
 * physical fixed-point units (milli-g, milli-dps), plus uniform noise from a xorshift32 PRNG,
 * converted to raw counts for the configured ranges with rounded integer division. The sine
 * is a 65-entry quarter-wave Q15 table with linear interpolation (error < 1e-4).
 */
#include "synth.h"

#include <stddef.h>

static const int16_t quarter_sin[65] = {
    0, 804, 1608, 2410, 3212, 4011, 4808, 5602, 6393, 7179, 7962, 8739, 9512,
    10278, 11039, 11793, 12539, 13279, 14010, 14732, 15446, 16151, 16846, 17530, 18204,
    18868, 19519, 20159, 20787, 21403, 22005, 22594, 23170, 23731, 24279, 24811, 25329,
    25832, 26319, 26790, 27245, 27683, 28105, 28510, 28898, 29268, 29621, 29956, 30273,
    30571, 30852, 31113, 31356, 31580, 31785, 31971, 32137, 32285, 32412, 32521, 32609,
    32678, 32728, 32757, 32767,
};

/* Nominal frequency of each gesture in mHz (idle: slow phase only used for nothing). */
static const uint32_t gesture_mhz[SYNTH_N_GESTURES] = {250, 2000, 1000, 1500};
static const char *const gesture_names[SYNTH_N_GESTURES] = {"idle", "wave", "circle", "updown"};

int32_t synth_sin_q15(uint32_t phase)
{
    uint32_t quadrant = phase >> 30;
    uint32_t p = phase & 0x3FFFFFFFu;
    if (quadrant & 1u)
        p = 0x40000000u - p; /* 1..2^30 */
    uint32_t i = p >> 24;    /* 0..64 */
    int32_t v;
    if (i >= 64) {
        v = quarter_sin[64];
    } else {
        int32_t frac = (int32_t)((p >> 8) & 0xFFFFu);
        int32_t a = quarter_sin[i], b = quarter_sin[i + 1];
        v = a + (int32_t)(((b - a) * frac) / 65536);
    }
    return (quadrant & 2u) ? -v : v;
}

static uint32_t rnd(struct synth *s)
{
    uint32_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s->rng = x;
    return x;
}

/* Uniform integer in [-a, a]. */
static int32_t noise(struct synth *s, int32_t a)
{
    return (int32_t)(rnd(s) % (uint32_t)(2 * a + 1)) - a;
}

/* Rounded n/d for d > 0. */
static int32_t div_round(int32_t n, int32_t d)
{
    return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

static int16_t clamp16(int32_t v)
{
    return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

/* Gyro sensitivity in tenths of LSB per dps (MPU6050 datasheet). */
static int32_t gyro_tenth_lsb(uint16_t dps)
{
    switch (dps) {
    case 250: return 1310;
    case 500: return 655;
    case 1000: return 328;
    case 2000: return 164;
    default: return 0;
    }
}

static int accel_ok(uint8_t g) { return g == 2 || g == 4 || g == 8 || g == 16; }

/* Draw the next repetition's amplitude and frequency. */
static void new_repetition(struct synth *s)
{
    int32_t u = (int32_t)(rnd(s) % 201u) - 100; /* -100..100 */
    s->step = (uint32_t)((int64_t)s->base_step + (int64_t)s->base_step / 1000 * u);
    s->amp_q8 = 256 + (int32_t)(rnd(s) % 77u) - 38; /* 218..294, +-15 % */
}

static void update_step(struct synth *s)
{
    s->base_step = (uint32_t)(((uint64_t)gesture_mhz[s->gesture] << 32) / ((uint64_t)s->rate_hz * 1000u));
    new_repetition(s);
}

void synth_init(struct synth *s, uint32_t seed)
{
    s->rng = seed * 2654435761u + 0x9E3779B9u;
    if (s->rng == 0)
        s->rng = 1;
    s->phase = 0;
    s->rate_hz = 100;
    s->accel_g = 8;
    s->gyro_dps = 1000;
    s->gesture = SYNTH_IDLE;
    update_step(s);
}

int synth_configure(struct synth *s, uint16_t rate_hz, uint8_t accel_g, uint16_t gyro_dps)
{
    if (rate_hz == 0 || !accel_ok(accel_g) || gyro_tenth_lsb(gyro_dps) == 0)
        return -1;
    s->rate_hz = rate_hz;
    s->accel_g = accel_g;
    s->gyro_dps = gyro_dps;
    update_step(s);
    return 0;
}

int synth_set_gesture(struct synth *s, uint8_t gesture)
{
    if (gesture >= SYNTH_N_GESTURES)
        return -1;
    s->gesture = gesture;
    s->phase = 0;
    update_step(s);
    return 0;
}

/* Q15 sine times amplitude, scaled by this repetition's amplitude factor. */
static int32_t wave_of(const struct synth *s, int32_t amp, uint32_t phase)
{
    int64_t v = (int64_t)(amp * s->amp_q8 / 256) * synth_sin_q15(phase); /* |v| < 2^33 */
    return (int32_t)(v >= 0 ? (v + 16384) / 32768 : -((-v + 16384) / 32768));
}

void synth_next(struct synth *s, int16_t out[SYNTH_AXES])
{
    int32_t mg[3] = {0, 0, 1000}; /* accel in milli-g */
    int32_t md[3] = {0, 0, 0};    /* gyro in milli-dps */
    const uint32_t ph = s->phase, quarter = 0x40000000u;

    switch (s->gesture) {
    case SYNTH_WAVE:
        mg[0] = wave_of(s, 900, ph);
        mg[2] += wave_of(s, 150, 2u * ph);
        md[1] = wave_of(s, 20000, ph);
        md[2] = wave_of(s, 180000, ph + quarter);
        break;
    case SYNTH_CIRCLE:
        mg[0] = wave_of(s, 700, ph + quarter);
        mg[1] = wave_of(s, 700, ph);
        md[0] = wave_of(s, -60000, ph);
        md[1] = wave_of(s, 60000, ph + quarter);
        md[2] = 30000;
        break;
    case SYNTH_UPDOWN:
        mg[0] = wave_of(s, 100, 2u * ph);
        mg[2] += wave_of(s, 900, ph);
        md[0] = wave_of(s, 40000, ph + quarter);
        break;
    default: /* idle: a slight slow sway */
        mg[0] = wave_of(s, 20, ph);
        break;
    }

    uint32_t next = ph + s->step;
    if (next < ph)
        new_repetition(s);
    s->phase = next;

    const int32_t acc_lsb = 32768 / s->accel_g; /* per g */
    const int32_t gyr_tenth = gyro_tenth_lsb(s->gyro_dps);
    for (unsigned a = 0; a < 3; a++) {
        int32_t g = mg[a] + noise(s, 12);
        int32_t d = md[a] + noise(s, 400);
        out[a] = clamp16(div_round(g * acc_lsb, 1000));
        out[3 + a] = clamp16(div_round(d * gyr_tenth, 10000));
    }
}

const char *synth_gesture_name(uint8_t gesture)
{
    return gesture < SYNTH_N_GESTURES ? gesture_names[gesture] : NULL;
}

int synth_gesture_from_name(const char *name)
{
    for (int g = 0; g < (int)SYNTH_N_GESTURES; g++) {
        const char *a = gesture_names[g], *b = name;
        while (*a && *a == *b)
            a++, b++;
        if (*a == 0 && *b == 0)
            return g;
    }
    return -1;
}

float synth_accel_scale(uint8_t accel_g)
{
    return accel_ok(accel_g) ? (float)accel_g / 32768.0f : 0.0f;
}

float synth_gyro_scale(uint16_t gyro_dps)
{
    int32_t t = gyro_tenth_lsb(gyro_dps);
    return t ? 10.0f / (float)t : 0.0f;
}
