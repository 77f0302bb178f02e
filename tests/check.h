/* SPDX-License-Identifier: MIT */
/* check.h -- the one assertion header of the plain-C unit tests.
 *
 * CHECK(cond) and CHECK_MSG(cond, fmt, ...) count a failure and keep going, printing
 * file:line, the condition and the message; CHECK_EQ(a, b) prints both integer values.
 * REQUIRE(cond) stops the test program at once (for preconditions whose failure would make
 * the rest meaningless). main() ends with `return check_report("name");`, which prints the
 * number of checks and failures and returns the exit status (0 or 1). A test that cannot run
 * (a tool or data missing) returns CHECK_SKIP (77), which ctest reports as skipped through the
 * test's SKIP_RETURN_CODE property, after printing the reason.
 */
#ifndef IMULAB_TEST_CHECK_H
#define IMULAB_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK_SKIP 77

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
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        CHECK_MSG(a_ == b_, "%s = %lld, %s = %lld", #a, a_, #b, b_);                               \
    } while (0)
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        unsigned before_ = check_failures;                                                         \
        CHECK(cond); /* evaluated once: cond may have side effects */                              \
        if (check_failures != before_)                                                             \
            exit(1);                                                                               \
    } while (0)

/* Print the totals; the exit status of the test program. */
static inline int check_report(const char *name)
{
    fprintf(stderr, "%s: %u checks, %u failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
