/* SPDX-License-Identifier: MIT */
/* startup.c -- vector table, reset handler (.data/.bss set-up, FPU enable) and fault handlers.
 *
 * Vector layout: ARMv7-M (PM0214 §2.3.4) then the STM32F4 interrupt positions (RM0390 §10.2,
 * table 38; RM0090 §12.2, table 61). Only the first 41 external interrupts are listed (up to
 * EXTI15_10 = 40); nothing above is ever enabled. The UART's interrupt is the board's
 * (BOARD_UART_IRQ, hw/regs.h: USART2 38 on the F4 and L4, USART3 39 on the H7, the CMSDK UART's
 * 0 and 1 on QEMU's mps2-an500).
 */
#include <stdbool.h>
#include <stdint.h>

#include "board.h"
#include "link.h"
#include "proto.h"
#include "regs.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _sstack, _estack;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void);
void PendSV_Handler(void);
void UART_IRQHandler(void);

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
    [16 + BOARD_UART_IRQ] = UART_IRQHandler,
#ifdef BOARD_UART_TX_IRQ
    [16 + BOARD_UART_TX_IRQ] = UART_IRQHandler,
#endif
};

#define STACK_PAINT 0xC0FFEE11u

/* Fill the stack below the current frame with a pattern; stack_used_bytes() finds its high-water
 * mark later (the lowest word that is no longer the pattern). */
static void __attribute__((noinline)) stack_paint(void)
{
    uint32_t *p = &_sstack, *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    while (p + 16 < sp) /* keep clear of this function's own frame */
        *p++ = STACK_PAINT;
}

uint32_t stack_used_bytes(void)
{
    const uint32_t *p = &_sstack;
    while (p < &_estack && *p == STACK_PAINT)
        p++;
    return (uint32_t)((uintptr_t)&_estack - (uintptr_t)p);
}

uint32_t stack_size_bytes(void) { return (uint32_t)((uintptr_t)&_estack - (uintptr_t)&_sstack); }

/* The fault handler's own stack: a fault from a full main stack (it sits at the bottom of SRAM,
 * so an overflow faults on the stacking) still gets its report out. */
__attribute__((used, aligned(8))) uint32_t fault_stack[32]; /* fault_report needs under 100 bytes */

void Reset_Handler(void)
{
    stack_paint();
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

/* Called on fault_stack with the exception stack frame (r0-r3, r12, lr, pc, xpsr) as the
 * faulting code's stack pointer; one outside the stack (an overflow: the frame could not be
 * stacked) is reported as such and not read. */
__attribute__((used, noreturn)) void fault_report(const uint32_t *frame)
{
    /* ERROR FAULT with a binary detail (docs/protocol.md; imulabd prints it): exception number,
     * pc, lr, CFSR, HFSR, sp -- pc and lr 0 when the frame is not on the stack. */
    static uint8_t body[2 + 2 + PROTO_FAULT_DETAIL_LEN + 4];
    static uint8_t enc[64]; /* a ring of bytes, written once from its start */
    _Static_assert(sizeof enc >= 1u + sizeof body + sizeof body / 254u + 2u, "the fault frame does not fit");
    bool on_stack = frame >= &_sstack && frame + 8 <= &_estack;
    uint32_t v[6] = { SCB_ICSR & 0x1FFu, on_stack ? frame[6] : 0, on_stack ? frame[5] : 0, SCB_CFSR, SCB_HFSR,
                      (uint32_t)(uintptr_t)frame };
    body[0] = PROTO_VERSION;
    body[1] = PROTO_ERROR;
    proto_put_u16(body + 2, PROTO_ERR_FAULT);
    for (unsigned i = 0; i < 6; i++)
        proto_put_u32(body + 4 + 4 * i, v[i]);
    size_t len = 4 + PROTO_FAULT_DETAIL_LEN;
    proto_put_u32(body + len, proto_crc32(0, body, len));
    struct ring r;
    ring_init(&r, enc, sizeof enc, 1);
    enc[0] = 0; /* ends whatever frame the fault interrupted */
    ring_commit(&r, 1);
    uint32_t n = link_encode_into(&r, body, len + 4);
    uart_write_blocking(enc, n + 1);
    for (;;)
        SCB_AIRCR = SCB_AIRCR_RESET; /* PM0214 §4.4.4 SYSRESETREQ */
}

/* The faulting stack pointer to r0, then onto fault_stack (never returns: it resets). */
__attribute__((naked)) void Fault_Handler(void)
{
    __asm volatile("tst lr, #4\n"
                   "ite eq\n"
                   "mrseq r0, msp\n"
                   "mrsne r0, psp\n"
                   "movw r1, #:lower16:fault_stack + 128\n"
                   "movt r1, #:upper16:fault_stack + 128\n"
                   "msr msp, r1\n"
                   "b fault_report\n");
}
