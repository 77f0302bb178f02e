/* SPDX-License-Identifier: MIT */
/* board_common.h -- the parts every real board file shares: the sensor binding (the streamer
 * probes every supported I2C sensor, the classifier carries the MPU-6050 family driver only), the
 * button debounce and the LED pattern (heartbeat or the classifier's decision). Included once, by
 * the one board file of an image. */
#ifndef FW_BOARD_COMMON_H
#define FW_BOARD_COMMON_H

#include "app.h"
#include "board.h"
#include "mpu6050.h"

#ifndef IMULAB_MPU_ADDR
#define IMULAB_MPU_ADDR MPU_ADDR_AD0_LOW /* -DIMULAB_MPU_ADDR=0x69 with AD0 high */
#endif
#ifndef IMULAB_BAUD
#define IMULAB_BAUD 115200u
#endif

extern const struct i2c_bus i2c1_bus;
void i2c1_init(void);

#ifdef BOARD_SENSOR_PROBE
#include "imu_probe.h"
static struct imu_probe probe;
#else
static struct mpu6050 mpu;
#endif
static struct sensor_ops sensor;
static volatile bool button_event;

/* The I2C sensor bound to i2c1_bus (ready for app_init). */
static void board_bind_i2c_sensor(void)
{
#ifdef BOARD_SENSOR_PROBE
    imu_probe_bind(&probe, &i2c1_bus, &sensor);
#else
    mpu6050_bind(&mpu, &i2c1_bus, IMULAB_MPU_ADDR);
    sensor = mpu6050_sensor_ops_template;
    sensor.ctx = &mpu;
    sensor.name = mpu.name;
#endif
}

/* One millisecond of the button (level: 1 = pressed) and the LED state to show. */
static bool board_common_tick(uint32_t now_ms, bool streaming, bool pressed)
{
    static bool stable;
    static uint8_t count;
    if (pressed != stable) {
        if (++count >= 20) { /* 20 ms debounce */
            stable = pressed;
            count = 0;
            if (pressed)
                button_event = true;
        }
    } else {
        count = 0;
    }
    bool on = streaming ? (now_ms % 500u) < 250u : (now_ms % 1000u) < 50u;
    if (g_led_class != LED_HEARTBEAT)
        on = led_class_on(g_led_class, now_ms);
    return on;
}

const struct sensor_ops *board_sensor(void) { return &sensor; }

bool board_button_event(void)
{
    if (!button_event)
        return false;
    button_event = false;
    return true;
}

#endif
