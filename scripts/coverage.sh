#!/bin/bash
# SPDX-License-Identifier: MIT
# scripts/coverage.sh -- line and branch coverage of the host code by the test suite
# (docs/testing.md).
#
#   scripts/coverage.sh [CTEST_ARGS...]      e.g. scripts/coverage.sh -R '^trainer_'
#
# Builds the host programs with gcc --coverage (-O0, no sanitizers) in $COVERAGE_DIR (default
# build-cov), runs ctest there (all tests, or those CTEST_ARGS select), then prints line and
# branch coverage per folder with gcovr (Debian package gcovr, not needed by the build or the
# tests) and writes an HTML report to $COVERAGE_DIR/coverage/index.html. Branches that gcc adds
# for unreachable code are left out (--exclude-unreachable-branches). Firmware-only files
# (firmware/hw, the startup code) run on QEMU, not on the host, so they are not counted; the
# portable code they share with the host is (portable/, firmware/core).
set -eu
cd "$(dirname "$0")/.."
SRC=$PWD
B=${COVERAGE_DIR:-build-cov}
JOBS=${JOBS:-2}
command -v gcovr >/dev/null || { echo "coverage.sh: gcovr not found (apt-get install gcovr)" >&2; exit 2; }
# -fprofile-update=atomic: the trainer's search fits in several threads, and racing counter updates
# gave gcov inconsistent arcs (negative branch counts that gcovr refuses: "branch 1 taken -638")
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="--coverage -fprofile-update=atomic" -DCMAKE_EXE_LINKER_FLAGS="--coverage" \
    -DIMULAB_REQUIRE_ALL_TESTS="${IMULAB_REQUIRE_ALL_TESTS:-ON}" >/dev/null
cmake --build "$B" -j"$JOBS" >/dev/null
find "$B" -name '*.gcda' -delete
ctest --test-dir "$B" -j"$JOBS" --timeout 600 "$@" | tail -n 3 || echo "(some tests failed: coverage of what ran)"

# the data files are searched in $B only: another coverage build in the tree (build-cov-*) holds
# other versions of the sources, and gcovr's default search (the whole root) merges them
G=(gcovr -r "$SRC" --object-directory "$B" --exclude-unreachable-branches --exclude-throw-branches
   --exclude "$SRC/tests/" --exclude "$SRC/bench/" --exclude "$SRC/fuzz/" --exclude "$SRC/build.*")
echo
printf '%-16s %22s %22s\n' folder lines branches
for d in portable trainer store daemon dataset serial tui tools firmware/core; do
    # the text report goes to a file of the build: gcovr replaces its output file, and `-o /dev/null`
    # turned /dev/null into a regular file for the whole machine
    s=$("${G[@]}" --filter "$SRC/$d/" --print-summary -o "$B/coverage-$(echo "$d" | tr / -).txt" "$B" 2>/dev/null)
    l=$(printf '%s\n' "$s" | sed -n 's/^lines: *\([0-9.]*%\) (\(.*\))/\1 (\2)/p')
    b=$(printf '%s\n' "$s" | sed -n 's/^branches: *\([0-9.]*%\) (\(.*\))/\1 (\2)/p')
    printf '%-16s %22s %22s\n' "$d/" "$l" "$b"
done
mkdir -p "$B/coverage"
"${G[@]}" --html-details "$B/coverage/index.html" --print-summary "$B" | sed -n 's/^/all: /p'
echo "per-file report: $B/coverage/index.html"
