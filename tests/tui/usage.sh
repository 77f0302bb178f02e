#!/bin/bash
# SPDX-License-Identifier: MIT
# imulab-tui --help exits 0; bad usage exits non-zero with one line naming the problem.
. "$(dirname "$0")/tuilib.sh" "$1"
$BIN/imulab-tui --help >$T/out 2>&1 || fail "--help exited non-zero"
grep -q -- "--socket" $T/out || fail "--help does not describe --socket"
for args in "--bogus" "--duration-ms" "--duration-ms 5" "--duration-ms abc" "--countdown-ms 99999" "extra"; do
    $BIN/imulab-tui $args >$T/out 2>&1 </dev/null && fail "'$args' was accepted"
    [ "$(wc -l <$T/out)" = 1 ] || fail "'$args' printed $(wc -l <$T/out) lines: $(cat $T/out)"
done
$BIN/imulab-tui --socket /nonexistent </dev/null >$T/out 2>&1 && fail "ran without a terminal"
grep -q "terminal" $T/out || fail "no reason given without a terminal: $(cat $T/out)"
echo "usage: ok"
