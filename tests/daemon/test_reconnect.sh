#!/bin/bash
# SPDX-License-Identifier: MIT
# e. The device hangs up mid-frame and comes back on a new pty behind the same --link: imulabd
# reconnects by itself, reports connected again, and the open recording continues; the frames
# lost in the hang-up are a gap of the recording (at the right sample, of the right size).
. "$(dirname "$0")/lib.sh"

start_sim tty --rate 200 --per-frame 10 --hangup-after-ms 1500 --reopen --reopen-pause-ms 600 \
    --log "$T/sim.log"
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected: $(ctl ctl status)"
r=$(ctl ctl "record start reconnect")
[ "$(jget "$r" ok)" = true ] || fail "record start: $r"
REC_ID=$(jget "$r" recording_id)
# the hang-up: the port closes
wait_for 5 sh -c "! printf 'status\n' | socat -t 3 - UNIX-CONNECT:$T/ctl | grep -q '\"port_open\":true'" ||
    fail "daemon never noticed the hang-up: $(ctl ctl status)"
grep -q "lost" "$T/d.log" || fail "no log line about the lost port"
st=$(ctl ctl status)
[ "$(jget "$st" recording)" = true ] || fail "recording closed by the hang-up: $st"
# reconnects by itself
wait_for 6 connected ctl || fail "daemon did not reconnect: $(ctl ctl status)"
# the recording grows again: 100 more samples, 0.5 s at 200 Hz (an event, not a time)
n0=$(jget "$(ctl ctl status)" recording_samples)
grown() { [ "$(jget "$(ctl ctl status)" recording_samples)" -ge $((n0 + 100)) ] 2>/dev/null; }
wait_for 10 grown || fail "the recording does not grow after the reconnect: $(ctl ctl status)"
STOP_REPLY=$(ctl ctl "record stop")
[ "$(jget "$STOP_REPLY" ok)" = true ] || fail "record stop: $STOP_REPLY"
stop_sim
check_log "$T/sim.log"
grep -q "lost seq" "$T/sim.log" || fail "the simulator did not lose a frame in the hang-up"
[ "$(kv gaps)" -ge 1 ] || fail "frames lost in the hang-up but no gap: $CHECK"
# samples from after the reconnect are in the recording
after=$(grep -v '^#' "$T/sim.log" | awk -F, -v l="$(grep -m1 'lost seq.*mid-frame' "$T/sim.log" | sed 's/.* n=\([0-9]*\).*/\1/')" \
    '$3 > l' | wc -l)
[ "$after" -gt 50 ] || fail "only $after samples after the reconnect in the log"
[ "$(kv last_n)" -gt "$(grep -m1 'lost seq.*mid-frame' "$T/sim.log" | sed 's/.* n=\([0-9]*\).*/\1/')" ] ||
    fail "recording did not continue after the reconnect: $CHECK"
[ "$(jget "$STOP_REPLY" gaps)" = "$(kv gaps)" ] || fail "stop reply gaps: $STOP_REPLY"
pass "reconnect: $(kv rows) rows, $(kv gaps) gap(s) of $(kv missing) samples across the hang-up"
