#!/bin/bash
# SPDX-License-Identifier: MIT
# b. Dropped frames, bit flips and garbage between frames: every stored row still matches the
# simulator's log in order, each missing run is a row of the gaps table at the right sample
# index with the right size, status counts CRC errors and gaps, and the daemon keeps running.
. "$(dirname "$0")/lib.sh"

start_sim tty --rate 500 --per-frame 10 --gesture circle --drop-every 7 --flip-every 11 --garbage-every 5 \
    --seed 7 --log "$T/sim.log"
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected: $(ctl ctl status)"
record_for ctl 2 faulty
st=$(ctl ctl status)
stop_sim
check_log "$T/sim.log"

gaps=$(kv gaps)
# 100 frames in 2 s: ~14 drops and ~9 corrupted frames (some coincide), each a gap
[ "$gaps" -ge 10 ] || fail "only $gaps gaps recorded for ~20 lost frames"
[ "$(jget "$STOP_REPLY" gaps)" = "$gaps" ] || fail "stop reply gaps $(jget "$STOP_REPLY" gaps), table $gaps"
meta=$(sql "SELECT gap_count, missing_samples, sample_count FROM recordings WHERE id=$REC_ID")
[ "$meta" = "$gaps|$(kv missing)|$(kv rows)" ] || fail "recording row $meta, check $CHECK"
crc=$(jget "$st" crc_errors)
sg=$(jget "$st" gaps)
[ "$crc" -gt 0 ] || fail "status crc_errors=$crc"
[ "$sg" -ge "$gaps" ] || fail "status gaps=$sg < $gaps in the recording"
[ "$(jget "$st" missing_samples)" -gt 0 ] || fail "status missing_samples: $st"
alive "$D_PID" || fail "daemon died"
[ "$(jget "$(ctl ctl ping)" pong)" = true ] || fail "daemon does not answer after the faults"
pass "faults: $(kv rows) rows, $gaps gaps ($(kv missing) samples), $crc CRC errors"
