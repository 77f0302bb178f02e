/* SPDX-License-Identifier: MIT */
/* board_synth.c -- what the emulated boards (QEMU netduinoplus2 and mps2-an500) share: the
 * deterministic synthetic IMU as their sensor, and no watchdog, LED or button to drive. Each
 * emulated board's own file sets its clocks and time base, then calls board_synth_init().
 * Tests of the button's action build the image with IMULAB_SYNTH_BUTTON_MS (firmware CMake option
 * of that name): the board then presses its button once, that many milliseconds after boot. */
#include "board.h"
#include "synth_imu.h"

#ifndef IMULAB_SYNTH_SEED
#define IMULAB_SYNTH_SEED 0x1A2B3C4Du
#endif

static struct synth_imu synth;
static struct sensor_ops sensor;

/* The synthetic IMU, seeded, as the board's sensor. */
void board_synth_init(void)
{
    synth_imu_init(&synth, IMULAB_SYNTH_SEED);
    sensor = synth_sensor_ops_template;
    sensor.ctx = &synth;
}

const struct sensor_ops *board_sensor(void) { return &sensor; }
void board_watchdog_start(void) {}
void board_watchdog_kick(void) {}
#ifndef IMULAB_SYNTH_BUTTON_MS
#define IMULAB_SYNTH_BUTTON_MS 0u /* never */
#endif
static volatile bool button_event, button_pressed;

void board_tick(uint32_t now_ms, bool streaming)
{
    (void)streaming;
#if IMULAB_SYNTH_BUTTON_MS
    if (!button_pressed && now_ms >= IMULAB_SYNTH_BUTTON_MS) {
        button_pressed = true;
        button_event = true;
    }
#else
    (void)now_ms;
#endif
}

bool board_button_event(void)
{
    if (!button_event)
        return false;
    button_event = false;
    return true;
}
