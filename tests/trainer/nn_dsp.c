/* SPDX-License-Identifier: MIT */
/* nn_dsp.c -- portable/nn.c compiled with the SMLAD/SXTB16 path modelled in C, under other names,
 * so test_nn checks the very loop the Cortex-M4 runs. */
#define IMU_NN_EMULATE_DSP 1
#define imu_nn_dense imu_nn_dense_dsp
#define imu_nn_quantize_input imu_nn_quantize_input_dsp
#define imu_nn_run imu_nn_run_dsp
#define imu_nn_argmax imu_nn_argmax_dsp
#define imu_nn_mbqm imu_nn_mbqm_dsp
#define imu_nn_dense_n imu_nn_dense_n_dsp
#define imu_nn_dense_n_fits imu_nn_dense_n_fits_dsp
#include "../../portable/nn.c"
