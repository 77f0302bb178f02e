/* board_qemu.c -- QEMU netduinoplus2 (STM32F405): no RCC, I2C, GPIO or IWDG emulation. The core
 * clock is fixed at 168 MHz (QEMU's SysTick counts the processor clock at that rate), USART2 is
 * QEMU's second -serial, and the sensor is the deterministic synthetic IMU. */
#include "board.h"
#include "regs.h"
#include "synth_imu.h"

#ifndef IMULAB_BAUD
#define IMULAB_BAUD 115200u
#endif
#ifndef IMULAB_SYNTH_SEED
#define IMULAB_SYNTH_SEED 0x1A2B3C4Du
#endif

const char board_name[] = "qemu-netduino2";
const uint32_t board_poll_ms = 1;
const uint32_t board_baud = IMULAB_BAUD;

static struct synth_imu synth;
static struct sensor_ops sensor;

bool board_init(void)
{
    g_hclk_hz = 168000000u;
    g_pclk1_hz = 42000000u;
    time_init();
    uart_init(g_pclk1_hz, IMULAB_BAUD);
    synth_imu_init(&synth, IMULAB_SYNTH_SEED);
    sensor = synth_sensor_ops_template;
    sensor.ctx = &synth;
    return true;
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
