/* SPDX-License-Identifier: MIT */
/* Declarations only (from the STM32Cube HAL documentation) of what examples/stm32_freertos.c uses:
 * tests/deploy/export_c.sh compiles the README's examples against them (-fsyntax-only) so that
 * they keep matching the library's interface. Not an implementation. */
#include <stdint.h>
typedef struct TIM_HandleTypeDef TIM_HandleTypeDef;
void HAL_TIM_PeriodElapsedCallback(TIM_HandleTypeDef *htim);
