#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole test suite: an ASan+UBSan build of the host programs (and the firmware images),
# then every ctest test (unit, fuzz for a bounded number of inputs, daemon against the
# simulator on a pty, QEMU end to end, the TUI in tmux).
set -eu
cd "$(dirname "$0")/.."
B=${BUILD_TEST:-build-test}
# IMULAB_REQUIRE_ALL_TESTS: the configure step fails, naming it, when a tool or the dataset a test
# needs is missing (so no test is skipped); IMULAB_REQUIRE_ALL_TESTS=OFF in the environment
# registers those tests as skipped instead (docs/testing.md).
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Asan -DIMULAB_REQUIRE_ALL_TESTS="${IMULAB_REQUIRE_ALL_TESTS:-ON}" >/dev/null
cmake --build "$B" -j2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$B" --output-on-failure -j2 --timeout 300
