#!/bin/bash
# SPDX-License-Identifier: MIT
# Nightly-style fuzzing: every libFuzzer target for SECONDS (default 300) from its seeds, one
# after the other; prints each target's run count and exits 1 if any found a crash (the input
# is kept in build/fuzz/nightly-NAME/ as crash-* with the report in NAME.log).
#
#   scripts/fuzz-nightly.sh [SECONDS] [BUILD_DIR]     (FUZZ_TARGETS="import model" picks targets)
# Needs a build with the fuzzers (cmake -DIMULAB_FUZZ=ON, the default, and clang).
set -u
cd "$(dirname "$0")/.."
secs=${1:-300}
build=$(cd "${2:-build}" && pwd) || exit 2
bin=$build/bin
fz=$build/fuzz
[ -x "$bin/fuzz_import" ] || { echo "fuzz-nightly: no fuzzers in $bin (build with clang and IMULAB_FUZZ=ON)" >&2; exit 2; }
fail=0
for t in ${FUZZ_TARGETS:-proto textline eilabels import control model}; do
    out=$fz/nightly-$t
    rm -rf "$out"
    mkdir -p "$out/corpus"
    case $t in
    proto) seeds=$fz/seeds-proto ;;
    textline) seeds=$fz/seeds-text ;;
    eilabels) seeds=$fz/seeds-labels ;;
    *) seeds=$fz/seeds-$t
       bash fuzz/seeds.sh "$t" "$seeds" "$bin/imulab" "$build/tests/bin/gen_ei" || { echo "$t: seeds failed"; fail=1; continue; } ;;
    esac
    (cd "$out" && "$bin/fuzz_$t" -max_total_time="$secs" -max_len=65536 -close_fd_mask=3 \
        -print_final_stats=1 corpus "$seeds" >"$t.log" 2>&1)
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
    crashes=$(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null | wc -l)
    echo "fuzz_$t: ${runs:-?} inputs in $secs s, $crashes crashes (exit $rc)"
    [ "$rc" = 0 ] && [ "$crashes" = 0 ] || fail=1
done
exit $fail
