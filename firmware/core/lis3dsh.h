/* SPDX-License-Identifier: MIT */
/* lis3dsh.h -- the STM32F4 Discovery's on-board accelerometer over SPI: the LIS3DSH (board revision
 * MB997C and later), or the LIS302DL of older revisions, told apart by WHO_AM_I (0x0F: 0x3F or 0x3B).
 *
 * Registers: LIS3DSH datasheet DocID022405 §8 (CTRL_REG4 0x20: ODR[7:4], BDU, Zen/Yen/Xen;
 * CTRL_REG3 0x23 STRT soft reset; CTRL_REG5 0x24 FSCALE[5:3]; CTRL_REG6 0x25 ADD_INC; STATUS 0x27
 * ZYXDA; OUT_X_L..OUT_Z_H 0x28-0x2D; sensitivity 0.06/0.12/0.24/0.73 mg/digit at 2/4/8/16 g);
 * LIS302DL datasheet DocID14151 §7 (CTRL_REG1 0x20: DR, PD, FS, Zen/Yen/Xen; STATUS 0x27; OUT_X
 * 0x29, OUT_Y 0x2B, OUT_Z 0x2D, 8 bits, 18 mg/digit at ±2.3 g, 72 mg/digit at ±9.2 g). SPI: the
 * first byte is the register with bit 7 = read (the LIS302DL: bit 6 = address increment).
 *
 * A 3-axis sensor: the gyro axes read 0. Samples are converted to the MPU-6050's scale at the
 * configured range (32768 LSB = full scale), so the host and the classifier see the same units
 * from every board (HELLO scale kind MPU). Polled: one sample per data-ready, at 50 or 100 Hz.
 */
#ifndef FW_LIS3DSH_H
#define FW_LIS3DSH_H

#include <stddef.h>
#include <stdint.h>

#include "imu.h"

/* Full-duplex SPI transfer of n bytes with chip select held low; 0 or a negative error. */
struct spi_dev {
    int (*xfer)(void *ctx, const uint8_t *tx, uint8_t *rx, size_t n);
    void *ctx;
};

#define LIS3DSH_WHO_AM_I 0x0Fu
#define LIS3DSH_ID 0x3Fu
#define LIS302DL_ID 0x3Bu
#define LIS3DSH_CTRL_REG4 0x20u
#define LIS3DSH_CTRL_REG3 0x23u
#define LIS3DSH_CTRL_REG5 0x24u
#define LIS3DSH_CTRL_REG6 0x25u
#define LIS3DSH_STATUS 0x27u
#define LIS3DSH_OUT_X_L 0x28u
#define LIS302DL_CTRL_REG1 0x20u
#define LIS302DL_OUT_X 0x29u

enum lis_kind { LIS_NONE = 0, LIS_3DSH, LIS_302DL };

struct lis3dsh {
    const struct spi_dev *spi;
    enum lis_kind kind;
    uint8_t step;
    uint16_t rate_hz;
    uint8_t accel_g;
    char name[17];
};

void lis3dsh_bind(struct lis3dsh *d, const struct spi_dev *spi, struct sensor_ops *ops);

#endif
