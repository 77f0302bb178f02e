#!/bin/bash
# SPDX-License-Identifier: MIT
# c. Edge Impulse data-forwarder text: float rows equal the values sent (strtof of the text),
# junk lines are counted as bad_lines, the measured rate is within 2% of the true one, a cut
# first line and TAB separators are handled, and a 1 Hz stream (written from here through a
# socat pty pair) gets a rate after a few seconds.
. "$(dirname "$0")/lib.sh"

# --- the slow stream runs in the background while the fast ones are tested
socat pty,raw,echo=0,link="$T/slow_dev" pty,raw,echo=0,link="$T/slow_host" 2>>"$T/socat.err" &
track $!
wait_for 5 test -e "$T/slow_dev" || fail "socat pty pair"
wait_for 5 test -e "$T/slow_host" || fail "socat pty pair"
(
    exec 3>"$T/slow_dev"
    i=0
    t0=$(date +%s.%N)
    while :; do
        printf '%d.5,-%d.25,7\r\n' "$i" "$i" >&3
        i=$((i + 1))
        # paced on absolute times, so a slow wake-up does not stretch the period
        sleep "$(awk -v t0="$t0" -v i="$i" -v now="$(date +%s.%N)" 'BEGIN { d = t0 + i - now; print (d > 0 ? d : 0) }')"
    done
) &
track $!
slow_t0=$(date +%s.%N)
DB="$T/slow.sqlite" start_daemon slow_host ctl_slow --axes a,b,c
SLOW_PID=$D_PID

# --- 100 Hz, 6 values, the first line cut, a junk line every 20 lines
start_sim tty --text --text-cut-first --rate 100 --garbage-every 20 --log "$T/sim.log"
start_daemon tty ctl --axes ax,ay,az,gx,gy,gz
wait_for 5 connected ctl || fail "text stream never connected: $(ctl ctl status)"
st=$(ctl ctl status)
[ "$(jget "$st" mode)" = text ] || fail "mode: $st"
record_for ctl 2 text
st=$(ctl ctl status)
stop_sim
check_log "$T/sim.log"
rows=$(kv rows)
rows_match_rate "$rows" 100 || fail "$rows rows for ~2 s at 100 Hz"
[ "$(kv gaps)" = 0 ] || fail "gaps in text mode: $CHECK"
bad=$(jget "$st" bad_lines)
[ "$bad" -ge 5 ] || fail "bad_lines=$bad for a junk line every 20 lines over >2 s: $st"
rate=$(jget "$st" sample_rate_hz)
awk -v r="$rate" 'BEGIN { exit !(r >= 98 && r <= 102) }' || fail "measured rate $rate Hz, true 100"
meta=$(sql "SELECT format, n_axes, sample_rate_hz BETWEEN 98 AND 102, sample_count FROM recordings WHERE id=$REC_ID")
[ "$meta" = "f32|6|1|$rows" ] || fail "recording row: $meta"
axes=$(sql "SELECT group_concat(name, ',') FROM (SELECT name FROM axes WHERE recording_id=$REC_ID ORDER BY idx)")
[ "$axes" = "ax,ay,az,gx,gy,gz" ] || fail "axes $axes"
kill -TERM "$D_PID"
wait "$D_PID" || fail "daemon exit status $? on SIGTERM"
echo "100 Hz: $rows rows, rate $rate, $bad bad lines"

# --- 250 Hz, 3 TAB-separated values
rm -f "$T/tty"
start_sim tty --text --text-tab --text-axes 3 --rate 250 --log "$T/sim3.log"
start_daemon tty ctl --axes x,y,z
wait_for 5 connected ctl || fail "TAB stream never connected: $(ctl ctl status)"
record_for ctl 1.5 tab
st=$(ctl ctl status)
stop_sim
check_log "$T/sim3.log"
rate=$(jget "$st" sample_rate_hz)
awk -v r="$rate" 'BEGIN { exit !(r >= 245 && r <= 255) }' || fail "measured rate $rate Hz, true 250"
[ "$(jget "$st" bad_lines)" = 0 ] || fail "bad lines in a clean TAB stream: $st"
meta=$(sql "SELECT n_axes, sample_count FROM recordings WHERE id=$REC_ID")
[ "$meta" = "3|$(kv rows)" ] || fail "recording row: $meta"
echo "250 Hz TAB: $(kv rows) rows, rate $rate"

# --- the slow stream: a rate of 1 Hz within about 5 s of its start
wait_for 8 sh -c "printf 'status\n' | socat -t 3 - UNIX-CONNECT:$T/ctl_slow | grep -q '\"connected\":true'" ||
    fail "1 Hz stream got no rate: $(ctl ctl_slow status)"
took=$(awk -v a="$slow_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
st=$(ctl ctl_slow status)
rate=$(jget "$st" sample_rate_hz)
# the first figure comes from 3 lines (2 s): one line delayed by a busy machine moves it by a few %
awk -v r="$rate" 'BEGIN { exit !(r >= 0.9 && r <= 1.1) }' || fail "slow rate $rate Hz, true 1"
r=$(ctl ctl_slow "record start slow")
[ "$(jget "$r" ok)" = true ] || fail "record start on the slow stream: $r"
SLOW_ID=$(jget "$r" recording_id)
# waits for the daemon to hold two lines of the recording (an event), not for a time
slow_samples() { [ "$(jget "$(ctl ctl_slow status)" recording_samples)" -ge "$1" ] 2>/dev/null; }
wait_for 10 slow_samples 2 || fail "the slow recording got no 2 lines in 10 s: $(ctl ctl_slow status)"
r=$(ctl ctl_slow "record stop")
n=$(jget "$r" samples)
[ "$n" -ge 2 ] && [ "$n" -le 3 ] || fail "slow recording stopped after 2 lines holds $n samples: $r"
# the rows are consecutive lines as written: i.5,-i.25,7
rows=$("$DBDUMP" "$T/slow.sqlite" "$SLOW_ID") || fail "dbdump slow: $rows"
[ "$(printf '%s\n' "$rows" | wc -l)" = "$n" ] || fail "slow recording: $n samples reported, rows: $rows"
printf '%s\n' "$rows" | awk -F, 'NR == 1 { i = $1 - 0.5 }
    { if ($1 != i + 0.5 || $2 != -(i + 0.25) || $3 != 7) bad = 1; i++ } END { exit bad }' ||
    fail "slow recording rows are not consecutive lines i.5,-i.25,7: $rows"
alive "$SLOW_PID" || fail "slow daemon died"
pass "text mode; 1 Hz stream measured at $rate Hz after ${took} s"
