/* SPDX-License-Identifier: MIT */
/* nn_small.c -- portable/nn.c as the firmware builds it for size (IMU_NN_SMALL: what -Os selects:
 * one requantization copy with the rare shifts inline), with the SMLAD path modelled in C, under
 * other names, for test_nn_exact. */
#define IMU_NN_EMULATE_DSP 1
#define IMU_NN_SMALL 1
#define imu_nn_dense imu_nn_dense_small
#define imu_nn_quantize_input imu_nn_quantize_input_small
#define imu_nn_run imu_nn_run_small
#define imu_nn_argmax imu_nn_argmax_small
#define imu_nn_mbqm imu_nn_mbqm_small
#define imu_nn_dense_n imu_nn_dense_n_small
#define imu_nn_dense_n_fits imu_nn_dense_n_fits_small
#include "../../portable/nn.c"
