/* SPDX-License-Identifier: MIT */
/* check.h -- a tiny assertion helper for the plain-C unit tests: CHECK keeps going and counts
 * failures (main returns check_report()), REQUIRE stops the test program. */
#ifndef IMULAB_TEST_CHECK_H
#define IMULAB_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static unsigned check_failures, check_count;

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            check_failures++;                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)
#define CHECK(cond) CHECK_MSG(cond, "%s", "")
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        unsigned before_ = check_failures;                                                         \
        CHECK(cond); /* evaluated once: cond may have side effects */                              \
        if (check_failures != before_)                                                             \
            exit(1);                                                                               \
    } while (0)

static inline int check_report(const char *name)
{
    fprintf(stderr, "%s: %u checks, %u failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
