/* SPDX-License-Identifier: MIT */
/* Declarations only (FreeRTOS task API) for compiling examples/stm32_freertos.c (-fsyntax-only). */
typedef struct tskTaskControlBlock *TaskHandle_t;
typedef void (*TaskFunction_t)(void *);
BaseType_t xTaskCreate(TaskFunction_t pxTaskCode, const char *pcName, uint16_t usStackDepth, void *pvParameters,
                       UBaseType_t uxPriority, TaskHandle_t *pxCreatedTask);
