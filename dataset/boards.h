/* SPDX-License-Identifier: MIT */
/* boards.h -- the boards imulab builds firmware for (firmware/CMakeLists.txt's table, docs/boards.md):
 * memory budgets, core clock, the programmer's target and what the sensor gives. */
#ifndef IMULAB_BOARDS_H
#define IMULAB_BOARDS_H

struct board_info {
    const char *name;
    const char *openocd_target; /* target/<this>.cfg; NULL for the emulated board */
    long flash_budget, ram_budget; /* bytes the classifier image may take */
    double clock_hz;            /* core clock */
    int accel_only;             /* the sensor has no gyroscope (the Discovery's LIS3DSH) */
    int fixed_rates;            /* 1: 1000/n Hz (MPU-6050), 2: 50 or 100 Hz (LIS3DSH), 0: any 50..1000 */
};

/* The board called name, or NULL. */
const struct board_info *board_find(const char *name);
/* "a, b or c": the known names, for messages. */
const char *board_names(void);

#endif
