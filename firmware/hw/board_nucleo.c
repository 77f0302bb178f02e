/* SPDX-License-Identifier: MIT */
/* board_nucleo.c -- Nucleo-F446RE: 180 MHz, USART2 on the ST-Link VCP, LED PA5, user button PC13
 * (active low), the IMU on I2C1 (PB8/PB9), independent watchdog. */
#include "app.h"
#include "board.h"
#include "mpu6050.h"
#include "regs.h"

#ifndef IMULAB_MPU_ADDR
#define IMULAB_MPU_ADDR MPU_ADDR_AD0_LOW /* -DIMULAB_MPU_ADDR=0x69 with AD0 high */
#endif
#ifndef IMULAB_BAUD
#define IMULAB_BAUD 115200u
#endif

const char board_name[] = "nucleo-f446re";
const uint32_t board_poll_ms = 4;
const uint32_t board_baud = IMULAB_BAUD;
const bool board_has_us_counter = false; /* SysTick never loses a tick on the real part */
uint32_t board_us_counter(void) { return 0; }

int clock_init_f446(void);
void i2c1_init(void);
extern const struct i2c_bus i2c1_bus;

#ifdef BOARD_SENSOR_PROBE
/* The streamer: whichever of the MPU-6050 family, BMI160 or LIS3DH answers (core/imu_probe.c). */
#include "imu_probe.h"
static struct imu_probe probe;
#else
/* The classifier (flash budget): the MPU-6050 family only, at IMULAB_MPU_ADDR. */
static struct mpu6050 mpu;
#endif
static struct sensor_ops sensor;
static volatile bool button_event;

bool board_init(void)
{
    int clk = clock_init_f446();
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOA | RCC_AHB1ENR_GPIOB | RCC_AHB1ENR_GPIOC;
    (void)RCC_AHB1ENR;
    GPIO_MODER(GPIOA_BASE) = (GPIO_MODER(GPIOA_BASE) & ~(3u << 10)) | (1u << 10); /* PA5 out */
    GPIO_MODER(GPIOC_BASE) &= ~(3u << 26);                                         /* PC13 in */
    time_init();
    uart_init(g_pclk1_hz, IMULAB_BAUD);
    i2c1_init();
#ifdef BOARD_SENSOR_PROBE
    imu_probe_bind(&probe, &i2c1_bus, &sensor);
#else
    mpu6050_bind(&mpu, &i2c1_bus, IMULAB_MPU_ADDR);
    sensor = mpu6050_sensor_ops_template;
    sensor.ctx = &mpu;
    sensor.name = mpu.name; /* "MPU6500 0x70": what init read */
#endif
    /* Only a core left at 16 MHz is an error (ERROR CLOCK): HSI through the PLL still makes
     * 180 MHz and every baud rate and I2C timing here; it is the normal case before rev C.2. */
    return clk != 2;
}

const struct sensor_ops *board_sensor(void) { return &sensor; }

/* LSI ~32 kHz / 32 = 1 kHz, reload 1500: about 1.5 s (RM0390 §19.3). */
void board_watchdog_start(void)
{
    IWDG_KR = IWDG_KEY_START;
    IWDG_KR = IWDG_KEY_UNLOCK;
    IWDG_PR = 3u;
    IWDG_RLR = 1500u;
    IWDG_KR = IWDG_KEY_RELOAD;
}

void board_watchdog_kick(void) { IWDG_KR = IWDG_KEY_RELOAD; }

void board_tick(uint32_t now_ms, bool streaming)
{
    static uint8_t stable = 1, count;
    uint8_t level = (uint8_t)((GPIO_IDR(GPIOC_BASE) >> 13) & 1u);
    if (level != stable) {
        if (++count >= 20) { /* 20 ms debounce */
            stable = level;
            count = 0;
            if (level == 0)
                button_event = true;
        }
    } else {
        count = 0;
    }
    /* Heartbeat: 2 Hz blink while streaming, a short flash every second when stopped; the
     * classifier's decision instead once it has one (core/app.h, led_class_on). */
    bool on = streaming ? (now_ms % 500u) < 250u : (now_ms % 1000u) < 50u;
    if (g_led_class != LED_HEARTBEAT)
        on = led_class_on(g_led_class, now_ms);
    GPIO_BSRR(GPIOA_BASE) = on ? (1u << 5) : (1u << 21);
}

bool board_button_event(void)
{
    if (!button_event)
        return false;
    button_event = false;
    return true;
}
