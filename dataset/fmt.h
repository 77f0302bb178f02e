/* SPDX-License-Identifier: MIT */
/* fmt.h -- numbers as text that read back exactly. */
#ifndef IMULAB_FMT_H
#define IMULAB_FMT_H

#include <stddef.h>

/* The shortest of %.6g..%.9g that strtof() turns back into exactly v (v finite). Returns length. */
int fmt_float(char *buf, size_t cap, float v);
/* The shortest of %.15g..%.17g that strtod() turns back into exactly v (v finite). */
int fmt_double(char *buf, size_t cap, double v);

#endif
