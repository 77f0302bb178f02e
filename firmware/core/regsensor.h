/* SPDX-License-Identifier: MIT */
/* regsensor.h -- the LIS3DH and BMI160 drivers, behind the same sensor interface as the MPU-6050
 * (imu.h), over the same i2c_bus.
 *
 * Both drain the sensor's own FIFO one sample per transfer (a failed transfer is never retried:
 * it may have popped part of a sample, so the FIFO is reset and the caller told samples were lost,
 * as for the MPU-6050), detect overflow, and set up in non-blocking init steps.
 *
 * LIS3DH (ST, datasheet DocID17530 rev. 2, §8): 3-axis accelerometer at 0x18/0x19, WHO_AM_I
 * (0x0F) = 0x33. High-resolution mode (12-bit, left-justified in 16 bits: CTRL_REG4 HR), block data
 * update, ODR 50/100/200/400 Hz (CTRL_REG1), 32-sample FIFO in stream mode (CTRL_REG5 FIFO_EN,
 * FIFO_CTRL_REG FM = 10), FIFO_SRC_REG: OVRN_FIFO bit 6, FSS[4:0] unread samples. Multi-byte reads
 * set bit 7 of the register address (auto-increment). The gyroscope axes read 0.
 *
 * BMI160 (Bosch, datasheet BST-BMI160-DS000 rev. 1.0, §2.11, §2.5): 6-axis at 0x68/0x69, CHIP_ID
 * (0x00) = 0xD1. CMD (0x7E): 0xB6 soft reset, 0x11 accelerometer normal mode (up to 3.8 ms),
 * 0x15 gyroscope normal mode (up to 80 ms), 0xB0 FIFO flush. ACC_CONF 0x40 / GYR_CONF 0x42:
 * ODR code 7..11 = 50..800 Hz (100 * 2^(code - 8)), bandwidth "normal" (2 << 4); ACC_RANGE 0x41:
 * 3/5/8/12 = 2/4/8/16 g; GYR_RANGE 0x43: 3/2/1/0 = 250/500/1000/2000 dps. FIFO (1024 bytes)
 * headerless with gyroscope and accelerometer (FIFO_CONFIG_1 0x47 = 0xC0): 12-byte frames, gyro
 * XYZ then accel XYZ, little-endian; FIFO_LENGTH 0x22/0x23 (11 bits, bytes), FIFO_DATA 0x24.
 */
#ifndef FW_REGSENSOR_H
#define FW_REGSENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "i2c_bus.h"
#include "imu.h"

#define LIS3DH_ADDR_SA0_LOW 0x18u
#define LIS3DH_ADDR_SA0_HIGH 0x19u
#define LIS3DH_WHO_AM_I 0x0Fu
#define LIS3DH_ID 0x33u
#define LIS3DH_CTRL_REG1 0x20u
#define LIS3DH_CTRL_REG4 0x23u
#define LIS3DH_CTRL_REG5 0x24u
#define LIS3DH_OUT_X_L 0x28u
#define LIS3DH_FIFO_CTRL 0x2Eu
#define LIS3DH_FIFO_SRC 0x2Fu
#define LIS3DH_AUTO_INC 0x80u
#define LIS3DH_FIFO_OVRN 0x40u

#define BMI160_ADDR_SDO_LOW 0x68u
#define BMI160_ADDR_SDO_HIGH 0x69u
#define BMI160_CHIP_ID 0x00u
#define BMI160_ID 0xD1u
#define BMI160_FIFO_LENGTH 0x22u
#define BMI160_FIFO_DATA 0x24u
#define BMI160_ACC_CONF 0x40u
#define BMI160_ACC_RANGE 0x41u
#define BMI160_GYR_CONF 0x42u
#define BMI160_GYR_RANGE 0x43u
#define BMI160_FIFO_CONFIG_1 0x47u
#define BMI160_CMD 0x7Eu
#define BMI160_CMD_SOFT_RESET 0xB6u
#define BMI160_CMD_ACC_NORMAL 0x11u
#define BMI160_CMD_GYR_NORMAL 0x15u
#define BMI160_CMD_FIFO_FLUSH 0xB0u
#define BMI160_FIFO_SIZE 1024u
#define BMI160_FRAME 12u

enum regsensor_kind { REGSENSOR_LIS3DH, REGSENSOR_BMI160 };

struct regsensor {
    const struct i2c_bus *bus;
    uint8_t addr;
    uint8_t kind;              /* enum regsensor_kind */
    uint8_t init_state;
    bool ready;
    uint32_t i2c_errors, fifo_overflows, fifo_resets;
};

void regsensor_bind(struct regsensor *d, const struct i2c_bus *bus, uint8_t addr, enum regsensor_kind kind);
/* One init step: 0 when done, > 0 = call again after that many ms, or -PROTO_ERR_*. */
int regsensor_init_step(struct regsensor *d);
bool regsensor_rate_ok(const struct regsensor *d, uint16_t rate_hz);
/* Rate, ranges, FIFO (reset). 0 or -PROTO_ERR_*. */
int regsensor_configure(struct regsensor *d, uint16_t rate_hz, uint8_t accel_g, uint16_t gyro_dps);
/* Up to max samples from the FIFO: the count, or -PROTO_ERR_FIFO_OVERFLOW / _FIFO_RESET (FIFO
 * reset, samples lost) or another -PROTO_ERR_*. */
int regsensor_read(struct regsensor *d, int16_t (*out)[IMU_AXES], int max);

/* sensor_ops adapters: ctx is the struct regsensor (names "LIS3DH", "BMI160"). */
extern const struct sensor_ops lis3dh_sensor_ops_template;
extern const struct sensor_ops bmi160_sensor_ops_template;

#endif
