/* SPDX-License-Identifier: MIT */
/* seq.S -- a known instruction sequence for test_m4cycles.sh: its cycles counted by hand from the
 * Cortex-M4 timings m4cycles.py applies (zero wait states, P = 2). */
    .syntax unified
    .thumb
    .section .isr_vector, "a"
    .word 0x20020000
    .word Reset_Handler + 1

    .text
    .type Reset_Handler, %function
    .global Reset_Handler
Reset_Handler:
    ldr r2, =0x20000000
    bl seq_start
    movs r0, #0x18            /* SYS_EXIT, ADP_Stopped_ApplicationExit */
    ldr r1, =0x20026
    bkpt 0xab
1:  b 1b

    .type seq_start, %function
seq_start:
    movs r0, #0               /* 1 */
    ldr r1, [r2]              /* 2: r2 not written just before */
    ldr r3, [r2, #4]          /* 1: pipelined after a load */
    str r3, [r2, #8]          /* 1: store with an immediate offset */
    adds r2, r2, #4           /* 1 */
    ldr r4, [r2]              /* 3: 2, +1 for the address computed just before */
    ldmia r2!, {r4, r5, r6, r7} /* 5: 1 + 4 */
    smlad r0, r4, r5, r0      /* 1 */
    mov r8, #3                /* 1 */
2:  subs r8, r8, #1           /* 1 x 3 */
    bne 2b                    /* 3 + 3 taken, 1 not taken */
    sdiv r0, r0, r5           /* 12 (the worst case) */
    b seq_end                 /* 3 */
    .type seq_end, %function
seq_end:
    bx lr
    .ltorg
