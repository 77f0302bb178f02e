#!/bin/bash
# SPDX-License-Identifier: MIT
# a. Binary frames at 200 Hz, ~2 s recorded: the database holds exactly a contiguous run of what
# the simulator sent, with the HELLO's axes, units and scales, no gaps, closed and hashed.
. "$(dirname "$0")/lib.sh"

start_sim tty --rate 200 --per-frame 10 --gesture wave --log "$T/sim.log"
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected: $(ctl ctl status)"
record_for ctl 2 wave
stop_sim
check_log "$T/sim.log"

rows=$(kv rows)
[ "$(kv gaps)" = 0 ] || fail "gaps in a clean stream: $CHECK"
rows_match_rate "$rows" 200 || fail "$rows samples for ~2 s at 200 Hz"
[ "$(jget "$STOP_REPLY" samples)" = "$rows" ] || fail "stop reply says $(jget "$STOP_REPLY" samples), DB has $rows"
[ "$(kv hash)" = ok ] || fail "content hash not verified: $CHECK"

meta=$(sql "SELECT label, format, n_axes, sample_rate_hz, gap_count, missing_samples, sample_count,
                   ended_at IS NOT NULL AND ended_at > started_at, length(content_hash), owner IS NULL
            FROM recordings WHERE id=$REC_ID")
[ "$meta" = "wave|i16|6|200.0|0|0|$rows|1|16|1" ] || fail "recording row: $meta"
axes=$(sql "SELECT group_concat(name || ':' || unit, ' ') FROM (SELECT * FROM axes WHERE recording_id=$REC_ID ORDER BY idx)")
[ "$axes" = "accX:g accY:g accZ:g gyrX:dps gyrY:dps gyrZ:dps" ] || fail "axes: $axes"
[ "$(sql 'SELECT count(*) FROM gaps')" = 0 ] || fail "gaps table not empty"
# the plain dump agrees with the check (first row = the log row at first_n)
first=$("$DBDUMP" "$T/db.sqlite" "$REC_ID" | head -n 1)
want=$(grep -v '^#' "$T/sim.log" | awk -F, -v n="$(kv first_n)" '$3 == n { print $4","$5","$6","$7","$8","$9 }')
[ "$first" = "$want" ] || fail "dbdump first row '$first', log '$want'"
alive "$D_PID" || fail "daemon died"
pass "binary exact: $rows samples, run from n=$(kv first_n)"
