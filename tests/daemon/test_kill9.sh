#!/bin/bash
# SPDX-License-Identifier: MIT
# d. kill -9 during a 1 kHz recording: the file passes PRAGMA integrity_check, the stored rows are
# a contiguous run of what the simulator sent ending at most 250 ms (250 samples) before the
# kill, and a restarted imulabd closes the orphaned recording (ended_at, note, hash).
. "$(dirname "$0")/lib.sh"

start_sim tty --rate 1000 --per-frame 10 --gesture updown --log "$T/sim.log"
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected: $(ctl ctl status)"
r=$(ctl ctl "record start crash")
[ "$(jget "$r" ok)" = true ] || fail "record start: $r"
REC_ID=$(jget "$r" recording_id)
sleep 1.3
kill -9 "$D_PID"
kill -TERM "$SIM_PID" # the simulator's log then ends at the kill
wait "$D_PID" 2>/dev/null
wait "$SIM_PID" 2>/dev/null

ic=$(sql "PRAGMA integrity_check")
[ "$ic" = ok ] || fail "integrity_check: $ic"
[ "$(sql "SELECT ended_at IS NULL FROM recordings WHERE id=$REC_ID")" = 1 ] || fail "recording closed by a killed daemon?"
check_log "$T/sim.log"
lost=$(($(kv log_last_n) - $(kv last_n)))
[ "$(kv rows)" -ge 1000 ] || fail "only $(kv rows) rows after 1.3 s at 1 kHz"
[ "$lost" -le 250 ] || fail "the last $lost samples sent before the kill are missing (limit 250 = 250 ms)"
echo "lost at kill: $lost samples"

# restart: the orphan is closed at start-up
start_daemon tty ctl
row=$(sql "SELECT ended_at IS NOT NULL, owner IS NULL, notes LIKE '%stopped unexpectedly%', sample_count
           FROM recordings WHERE id=$REC_ID")
[ "$row" = "1|1|1|$(kv rows)" ] || fail "orphan after restart: $row"
grep -q "closed 1 recording" "$T/d.log" || fail "no log line about the orphan"
check_log "$T/sim.log"
[ "$(kv hash)" = ok ] || fail "orphan's content hash: $CHECK"
[ "$(sql "PRAGMA integrity_check")" = ok ] || fail "integrity after restart"
pass "kill -9: $(kv rows) rows kept, $lost ms lost, orphan closed"
