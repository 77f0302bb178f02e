/* SPDX-License-Identifier: MIT */
/* board_synth.c -- what the emulated boards (QEMU netduinoplus2 and mps2-an500) share: the
 * deterministic synthetic IMU as their sensor, and no watchdog, LED or button to drive. Each
 * emulated board's own file sets its clocks and time base, then calls board_synth_init(). */
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
void board_tick(uint32_t now_ms, bool streaming)
{
    (void)now_ms;
    (void)streaming;
}
bool board_button_event(void) { return false; }
