/* SPDX-License-Identifier: MIT */
/* startup.c -- vector table, reset handler (.data/.bss set-up, FPU enable) and fault handlers.
 *
 * Vector layout: ARMv7-M (PM0214 §2.3.4) then the STM32F4 interrupt positions (RM0390 §10.2,
 * table 38; RM0090 §12.2, table 61). Only the first 41 external interrupts are listed (up to
 * EXTI15_10 = 40); nothing above is ever enabled.
 */
#include <stdint.h>

#include "board.h"
#include "proto.h"
#include "regs.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void);
void PendSV_Handler(void);
void USART2_IRQHandler(void);

typedef void (*vector_t)(void);

#define N_IRQ 41u
__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + N_IRQ] = {
    [0] = (vector_t)(uintptr_t)&_estack,
    [1] = Reset_Handler,
    [2] = Default_Handler,    /* NMI */
    [3] = Fault_Handler,      /* HardFault */
    [4] = Fault_Handler,      /* MemManage */
    [5] = Fault_Handler,      /* BusFault */
    [6] = Fault_Handler,      /* UsageFault */
    [11] = Default_Handler,   /* SVCall */
    [12] = Default_Handler,   /* DebugMon */
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 + USART2_IRQ] = USART2_IRQHandler,
};

void Reset_Handler(void)
{
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata)
        *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11: FPU full access (PM0214 §4.6.1) */
    dsb_isb();
    SCB_SHCSR |= SCB_SHCSR_FAULTS_EN; /* separate MemManage/Bus/Usage faults */
    main();
    for (;;)
        SCB_AIRCR = SCB_AIRCR_RESET;
}

/* Unused vectors (and anything unexpected) land in the fault path too: report, then reset. */
void Default_Handler(void) { Fault_Handler(); }

static char *hex32(char *p, uint32_t v)
{
    for (int i = 7; i >= 0; i--) {
        uint32_t d = (v >> (4 * i)) & 15u;
        *p++ = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    }
    return p;
}

static char *str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* Called with the exception stack frame (r0-r3, r12, lr, pc, xpsr). */
__attribute__((used, noreturn)) void fault_report(const uint32_t *frame)
{
    static uint8_t body[2 + 2 + 80 + 4]; /* version, type, code, text (66 chars), crc */
    static uint8_t enc[sizeof body + 4];
    char *t = (char *)body + 4;
    uint32_t icsr = SCB_ICSR;
    body[0] = PROTO_VERSION;
    body[1] = PROTO_ERROR;
    proto_put_u16(body + 2, PROTO_ERR_FAULT);
    t = str(t, "fault ");
    t = hex32(t, icsr & 0x1FFu); /* exception number */
    t = str(t, " pc=");
    t = hex32(t, frame[6]);
    t = str(t, " lr=");
    t = hex32(t, frame[5]);
    t = str(t, " cfsr=");
    t = hex32(t, SCB_CFSR);
    t = str(t, " hfsr=");
    t = hex32(t, SCB_HFSR);
    size_t len = (size_t)((uint8_t *)t - body);
    proto_put_u32(body + len, proto_crc32(0, body, len));
    size_t n = proto_cobs_encode(body, len + 4, enc + 1, sizeof enc - 2);
    enc[0] = 0; /* end whatever frame the fault interrupted */
    enc[n + 1] = 0;
    uart_write_blocking(enc, (uint32_t)n + 2);
    for (;;)
        SCB_AIRCR = SCB_AIRCR_RESET; /* PM0214 §4.4.4 SYSRESETREQ */
}

__attribute__((naked)) void Fault_Handler(void)
{
    __asm volatile("tst lr, #4\n"
                   "ite eq\n"
                   "mrseq r0, msp\n"
                   "mrsne r0, psp\n"
                   "b fault_report\n");
}
