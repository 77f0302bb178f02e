/* SPDX-License-Identifier: MIT */
/* Declarations only (FreeRTOS kernel API) for compiling examples/stm32_freertos.c (-fsyntax-only). */
#include <stdint.h>
#include <stddef.h>
typedef long BaseType_t;
typedef unsigned long UBaseType_t;
typedef uint32_t TickType_t;
#define pdFALSE ((BaseType_t)0)
#define pdTRUE ((BaseType_t)1)
#define pdPASS pdTRUE
#define portMAX_DELAY ((TickType_t)0xffffffffUL)
#define tskIDLE_PRIORITY ((UBaseType_t)0U)
void vPortYield(void);
#define portYIELD_FROM_ISR(x) do { if (x) vPortYield(); } while (0)
