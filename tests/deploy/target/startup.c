/* SPDX-License-Identifier: MIT */
/* startup.c -- a bare Cortex-M start for running the exported library under QEMU (tests/deploy/
 * target.sh): vector table, .data/.bss set-up, the FPU switched on when the build uses it, and the
 * ARM semihosting calls the test needs (open, read, write a string, exit with a status). */
#include <stdint.h>

#include "semihost.h"

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);

static int32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

int sh_open(const char *path)
{
    uint32_t len = 0;
    while (path[len]) len++;
    uint32_t a[3] = {(uint32_t)path, 1 /* "rb" */, len};
    return semihost(0x01, a);
}

int sh_read(int fd, void *buf, uint32_t n)
{
    uint32_t a[3] = {(uint32_t)fd, (uint32_t)buf, n};
    return (int)n - semihost(0x06, a); /* the call returns the bytes NOT read */
}

void sh_puts(const char *s) { semihost(0x04, s); }

void sh_exit(int status)
{
    uint32_t a[2] = {0x20026 /* ADP_Stopped_ApplicationExit */, (uint32_t)status};
    semihost(0x20, a); /* SYS_EXIT_EXTENDED */
    for (;;) {}
}

void reset_handler(void)
{
    uint32_t *s = &_sidata, *d = &_sdata;
    while (d < &_edata) *d++ = *s++;
    for (d = &_sbss; d < &_ebss;) *d++ = 0;
#if defined(__ARM_FP)
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10, CP11 full access */
    __asm__ volatile("dsb\n isb");
#endif
    sh_exit(main());
}

static void fault(void)
{
    sh_puts("target: fault\n");
    sh_exit(3);
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_estack, reset_handler, fault, fault, fault, fault, fault, 0, 0, 0, 0, fault, fault, 0, fault, fault,
};
