#!/bin/bash
# SPDX-License-Identifier: MIT
# f. SIGTERM during a 1 kHz recording: exit status 0, socket removed, recording closed with
# every sample received committed (the run ends within a few frames of what was sent).
. "$(dirname "$0")/lib.sh"

start_sim tty --rate 1000 --per-frame 10 --log "$T/sim.log"
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected: $(ctl ctl status)"
r=$(ctl ctl "record start term")
[ "$(jget "$r" ok)" = true ] || fail "record start: $r"
REC_ID=$(jget "$r" recording_id)
sleep 1.05 # not a multiple of the 100 ms commit interval: samples are pending
kill -TERM "$D_PID"
wait "$D_PID"
rc=$?
stop_sim
[ "$rc" = 0 ] || fail "exit status $rc on SIGTERM"
[ ! -e "$T/ctl" ] || fail "socket left behind"
row=$(sql "SELECT ended_at IS NOT NULL, owner IS NULL, coalesce(notes,'') FROM recordings WHERE id=$REC_ID")
[ "$row" = "1|1|" ] || fail "recording after SIGTERM: $row"
check_log "$T/sim.log"
[ "$(kv hash)" = ok ] || fail "hash: $CHECK"
logged=$(sed -n "s/.*recording $REC_ID stopped: .*', \([0-9]*\) samples.*/\1/p" "$T/d.log")
[ "$logged" = "$(kv rows)" ] || fail "daemon logged $logged samples at stop, DB has $(kv rows)"
tail_lost=$(($(kv log_last_n) - $(kv last_n)))
[ "$tail_lost" -le 150 ] || fail "$tail_lost samples sent before SIGTERM are not in the DB"
[ "$(sql "PRAGMA integrity_check")" = ok ] || fail "integrity"
pass "SIGTERM: exit 0, $(kv rows) rows committed, run ends $tail_lost samples before the sim's last"
