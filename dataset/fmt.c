/* SPDX-License-Identifier: MIT */
/* fmt.c -- round-trip number formatting (see fmt.h). */
#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fmt_float(char *buf, size_t cap, float v)
{
    int n = 0;
    for (int prec = 6; prec <= 9; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v)
            break;
    }
    return n;
}

int fmt_double(char *buf, size_t cap, double v)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return n;
}
