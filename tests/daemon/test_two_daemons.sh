#!/bin/bash
# SPDX-License-Identifier: MIT
# h. Two daemons on two ports write to one database file at the same time: both recordings are
# complete and exact, and the file passes integrity_check.
. "$(dirname "$0")/lib.sh"

start_sim tty1 --rate 1000 --per-frame 10 --seed 1 --log "$T/sim1.log"
S1=$SIM_PID
start_sim tty2 --rate 500 --per-frame 5 --seed 2 --gesture wave --log "$T/sim2.log"
S2=$SIM_PID
start_daemon tty1 ctl1
D1=$D_PID
start_daemon tty2 ctl2
D2=$D_PID
wait_for 5 connected ctl1 || fail "daemon 1 never connected"
wait_for 5 connected ctl2 || fail "daemon 2 never connected"
r1=$(ctl ctl1 "record start one subject=ann category=training")
r2=$(ctl ctl2 "record start two subject=bob category=testing")
id1=$(jget "$r1" recording_id)
id2=$(jget "$r2" recording_id)
[ -n "$id1" ] && [ -n "$id2" ] && [ "$id1" != "$id2" ] || fail "record start: $r1 / $r2"
sleep 2
s1=$(ctl ctl1 "record stop")
s2=$(ctl ctl2 "record stop")
stop_sim "$S1"
stop_sim "$S2"
[ "$(sql "PRAGMA integrity_check")" = ok ] || fail "integrity_check"
check_log "$T/sim1.log" "$id1"
[ "$(kv gaps)" = 0 ] && [ "$(kv hash)" = ok ] && [ "$(kv rows)" = "$(jget "$s1" samples)" ] || fail "daemon 1: $CHECK / $s1"
STOP_REPLY=$s1
rows_match_rate "$(kv rows)" 1000 || fail "daemon 1 stored $(kv rows) samples in $(jget "$s1" seconds) s at 1 kHz"
check_log "$T/sim2.log" "$id2"
[ "$(kv gaps)" = 0 ] && [ "$(kv hash)" = ok ] && [ "$(kv rows)" = "$(jget "$s2" samples)" ] || fail "daemon 2: $CHECK / $s2"
STOP_REPLY=$s2
rows_match_rate "$(kv rows)" 500 || fail "daemon 2 stored $(kv rows) samples in $(jget "$s2" seconds) s at 500 Hz"
meta=$(sql "SELECT group_concat(label || ':' || subject || ':' || category || ':' || (ended_at IS NOT NULL), ' ')
            FROM (SELECT * FROM recordings ORDER BY id)")
[ "$meta" = "one:ann:training:1 two:bob:testing:1" ] || fail "recordings: $meta"
grep -q "database.*fail\|locked" "$T/d.log" && fail "database errors logged"
alive "$D1" && alive "$D2" || fail "a daemon died"
pass "two daemons, one file: both recordings exact"
