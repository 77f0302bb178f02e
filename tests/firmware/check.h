/* SPDX-License-Identifier: MIT */
/* check.h -- minimal assertions for the firmware host tests. */
#ifndef FW_CHECK_H
#define FW_CHECK_H
#include <stdio.h>
#include <stdlib.h>

static int check_failures;
#define CHECK(c)                                                                   \
    do {                                                                           \
        if (!(c)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            check_failures++;                                                      \
        }                                                                          \
    } while (0)
#define CHECK_EQ(a, b)                                                                          \
    do {                                                                                        \
        long long _a = (long long)(a), _b = (long long)(b);                                     \
        if (_a != _b) {                                                                         \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, \
                    _a, _b);                                                                    \
            check_failures++;                                                                   \
        }                                                                                       \
    } while (0)
#define CHECK_DONE(name)                                                \
    do {                                                                \
        if (check_failures) {                                           \
            fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures); \
            return 1;                                                   \
        }                                                               \
        printf("%s: ok\n", name);                                       \
        return 0;                                                       \
    } while (0)
#endif
