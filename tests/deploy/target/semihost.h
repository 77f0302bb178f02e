/* SPDX-License-Identifier: MIT */
/* semihost.h -- the ARM semihosting calls of tests/deploy/target (see startup.c). */
#ifndef SEMIHOST_H
#define SEMIHOST_H
#include <stdint.h>
int sh_open(const char *path);                  /* a host file for reading, or -1 */
int sh_read(int fd, void *buf, uint32_t n);     /* bytes read */
void sh_puts(const char *s);
void sh_exit(int status) __attribute__((noreturn));
#endif
