/* SPDX-License-Identifier: MIT */
/* log.c -- one line per event on stderr, prefixed with the program name. Under systemd the
 * journal adds timestamps; by hand, a monotonic uptime helps to read the sequence. */
#include "daemon.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/* Monotonic seconds. */
double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void vlog(const char *fmt, va_list ap)
{
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "imulabd: %s\n", line);
    fflush(stderr);
}

/* Log one line. */
void log_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

/* Log at most once per second per call site (the caller keeps *last). */
void log_ratelimited(double *last, const char *fmt, ...)
{
    double now = mono_now();
    if (now - *last < 1.0)
        return;
    *last = now;
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}
