/* SPDX-License-Identifier: MIT */
/* Declarations only (FreeRTOS queue API) for compiling examples/stm32_freertos.c (-fsyntax-only). */
typedef struct QueueDefinition *QueueHandle_t;
typedef struct xSTATIC_QUEUE { void *p[8]; } StaticQueue_t;
QueueHandle_t xQueueCreateStatic(UBaseType_t uxQueueLength, UBaseType_t uxItemSize, uint8_t *pucQueueStorage,
                                 StaticQueue_t *pxQueueBuffer);
BaseType_t xQueueSendFromISR(QueueHandle_t xQueue, const void *pvItemToQueue, BaseType_t *pxHigherPriorityTaskWoken);
BaseType_t xQueueReceive(QueueHandle_t xQueue, void *pvBuffer, TickType_t xTicksToWait);
