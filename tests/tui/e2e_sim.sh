#!/bin/bash
# SPDX-License-Identifier: MIT
# End to end with the device simulator (binary frames, 6 axes, a CRC fault every 50 frames):
# the header names the board and counts CRC errors, the plot shows all six axes, and a timed
# 2 s recording lands in the database with about 200 samples.
. "$(dirname "$0")/tuilib.sh" "$1"
for p in imulabd imulab-sim; do [ -x $BIN/$p ] || { echo "SKIP: $BIN/$p not built"; exit 77; }; done
$BIN/imulab-sim --link $T/dev --gesture wave --flip-every 50 --quiet >$T/sim.out 2>&1 & PIDS+=($!)
for _ in $(seq 50); do [ -e $T/dev ] && break; sleep 0.1; done
$BIN/imulabd --port $T/dev --db $T/t.db --socket $T/s >$T/d.log 2>&1 & PIDS+=($!)
start_tui LANG=C.UTF-8 -- --socket $T/s
wait_screen "\| connected" 10
screen | head -1 | grep -qi "data forwarder\|device " && fail "no board name in the header"
wait_screen "CRC errors [1-9]" 10
[ "$(screen | sed -n 3p | grep -o ' [a-zA-Z]*[XYZ] ' | wc -l)" -ge 6 ] || fail "fewer than 6 axes in the legend"
keys n; typed "wave"; keys Enter; keys r
wait_screen "saved recording #1: [0-9]+ samples" 10
n=$(sqlite3 $T/t.db "select sample_count from recordings where label='wave'")
[ -n "$n" ] && [ "$n" -ge 180 ] && [ "$n" -le 220 ] || fail "wave recording holds '$n' samples"
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
echo "e2e_sim: ok ($n samples)"
