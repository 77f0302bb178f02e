/* SPDX-License-Identifier: MIT */
/* time.c -- SysTick millisecond time base (PM0214 §4.5) and the PendSV sensor context. */
#include <stdbool.h>

#include "app.h"
#include "board.h"
#include "platform.h"
#include "regs.h"

uint32_t g_hclk_hz = 16000000u;
uint32_t g_pclk1_hz = 16000000u;
static volatile uint32_t ms_now;
static uint32_t ticks;
/* Boards whose SysTick can lose periods (QEMU, when the host does not schedule the vCPU for a
 * millisecond or more, merges pending SysTick interrupts) supply a free-running microsecond
 * counter; time is then read from it and SysTick only paces the sensor context. */
static uint64_t us_base;
static uint32_t us_last;

static uint64_t counter_us(void)
{
    uint32_t s = irq_save();
    uint32_t c = board_us_counter();
    if (c < us_last)
        us_base += 1ull << 32;
    us_last = c;
    uint64_t t = us_base + c;
    irq_restore(s);
    return t;
}
void (*time_pendsv_hook)(uint32_t now_ms);
volatile bool g_streaming_hint;
volatile uint8_t g_led_class = LED_HEARTBEAT;

void time_init(void)
{
    SYST_CSR = 0;
    SYST_RVR = g_hclk_hz / 1000u - 1u;
    SYST_CVR = 0;
    /* Priorities (upper 4 bits used): USART2 0x40 > SysTick 0x80 > PendSV 0xF0 (sensor). */
    SCB_SHPR3 = (SCB_SHPR3 & 0x0000FFFFu) | (0x80u << 24) | (0xF0u << 16);
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

void SysTick_Handler(void)
{
    uint32_t now = board_has_us_counter ? (uint32_t)(counter_us() / 1000u) : ms_now + 1u;
    ms_now = now;
    board_tick(now, g_streaming_hint);
    if (++ticks % board_poll_ms == 0)
        SCB_ICSR = SCB_ICSR_PENDSVSET;
}

void PendSV_Handler(void)
{
    if (time_pendsv_hook)
        time_pendsv_hook(ms_now);
}

uint32_t platform_now_ms(void) { return ms_now; }

uint64_t platform_now_us(void)
{
    if (board_has_us_counter)
        return counter_us();
    uint32_t s = irq_save();
    uint32_t ms = ms_now;
    uint32_t v = SYST_CVR;
    if (SCB_ICSR & (1u << 26)) { /* PENDSTSET: wrapped, handler not run yet */
        v = SYST_CVR;
        ms++;
    }
    irq_restore(s);
    uint32_t reload = SYST_RVR + 1u;
    uint32_t sub = (reload - 1u - v) / (reload / 1000u);
    if (sub > 999u)
        sub = 999u;
    return (uint64_t)ms * 1000u + sub;
}

uint32_t platform_irq_save(void) { return irq_save(); }
uint32_t platform_stack_used(void) { return stack_used_bytes(); }
uint32_t platform_stack_size(void) { return stack_size_bytes(); }
void platform_irq_restore(uint32_t saved) { irq_restore(saved); }

void delay_us(uint32_t us)
{
    uint32_t reload = SYST_RVR + 1u;
    uint32_t need = us * (g_hclk_hz / 1000000u), waited = 0, last = SYST_CVR;
    while (waited < need) {
        uint32_t v = SYST_CVR;
        waited += (last >= v) ? last - v : last + reload - v; /* counts down, wraps to reload-1 */
        last = v;
    }
}

void delay_ms(uint32_t ms)
{
    uint32_t start = ms_now;
    while (ms_now - start < ms)
        ;
}
