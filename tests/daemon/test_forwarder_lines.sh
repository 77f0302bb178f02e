#!/bin/bash
# SPDX-License-Identifier: MIT
# Data-forwarder line variants that Edge Impulse's forwarder accepts are recorded at the right
# rate with every value: a trailing comma ("x,y,z,"), a trailing TAB ("x\ty\tz\t", as a Zephyr
# sketch writes), and spaces only ("x y z"). And a port that sends lines none of which is
# recognised gets a report (count, the first offending line escaped, why) in the log and in
# `imulab status`, and the lines count as bad_lines.
. "$(dirname "$0")/lib.sh"

# variant NAME SIM-ARGS...: 100 Hz, 3 values, recorded for 1.5 s and checked sample for sample
variant() {
    local name=$1 st rate
    shift
    rm -f "$T/tty" "$T/ctl"
    start_sim tty --text --text-axes 3 --rate 100 --log "$T/$name.log" "$@"
    start_daemon tty ctl --axes x,y,z
    wait_for 5 connected ctl || fail "$name: never connected: $(ctl ctl status)"
    record_for ctl 1.5 "$name"
    st=$(ctl ctl status)
    stop_sim
    check_log "$T/$name.log"
    rows=$(kv rows)
    rows_match_rate "$rows" 100 || fail "$name: $rows rows for $(jget "$STOP_REPLY" seconds) s at 100 Hz"
    rate=$(jget "$st" sample_rate_hz)
    awk -v r="$rate" 'BEGIN { exit !(r >= 98 && r <= 102) }' || fail "$name: measured rate $rate Hz, true 100"
    [ "$(jget "$st" bad_lines)" = 0 ] || fail "$name: bad lines in a clean stream: $st"
    [ "$(sql "SELECT n_axes FROM recordings WHERE id=$REC_ID")" = 3 ] || fail "$name: not 3 axes"
    kill -TERM "$D_PID"
    wait "$D_PID" || fail "$name: daemon exit status $? on SIGTERM"
    echo "$name: $rows rows, rate $rate Hz"
}

variant trailing-comma --text-trailing
variant trailing-tab --text-tab --text-trailing
variant spaces --text-space

# --- lines that are not data-forwarder text: reported, counted, visible in status
socat pty,raw,echo=0,link="$T/junk_dev" pty,raw,echo=0,link="$T/junk_host" 2>>"$T/socat.err" &
track $!
wait_for 5 test -e "$T/junk_dev" || fail "socat pty pair"
wait_for 5 test -e "$T/junk_host" || fail "socat pty pair"
(
    exec 3>"$T/junk_dev"
    while :; do
        printf 'Accel: 1.5,2,3\r\n' >&3
        sleep 0.05
    done
) &
track $!
start_daemon junk_host ctl_junk
wait_for 8 sh -c "printf 'status\n' | socat -t 3 - UNIX-CONNECT:$T/ctl_junk | grep -q 'not recognised'" ||
    fail "no report of unrecognised lines: $(ctl ctl_junk status)"
st=$(ctl ctl_junk status)
[ "$(jget "$st" mode)" = detecting ] || fail "junk lines left detecting: $st"
printf '%s' "$st" | grep -q 'first: \\"Accel: 1.5,2,3\\": not a number at byte 0' ||
    fail "the report does not show the line and why: $st"
bad=$(jget "$st" bad_lines)
[ "$bad" -ge 10 ] || fail "bad_lines=$bad after seconds of junk lines: $st"
grep -q 'not recognised as data-forwarder text; first: "Accel: 1.5,2,3": not a number at byte 0' "$T/d.log" ||
    fail "the report is not in the daemon log"
human=$("$BIN/imulab" --socket "$T/ctl_junk" status) || fail "imulab status failed"
printf '%s\n' "$human" | grep -q '^text .*not recognised' || fail "imulab status does not show the report: $human"
# --- lines over 256 bytes while detecting: reported too (they were dropped without a word)
socat pty,raw,echo=0,link="$T/long_dev" pty,raw,echo=0,link="$T/long_host" 2>>"$T/socat.err" &
track $!
wait_for 5 test -e "$T/long_dev" || fail "socat pty pair"
wait_for 5 test -e "$T/long_host" || fail "socat pty pair"
long=$(printf '1,%.0s' $(seq 150))
(
    exec 3>"$T/long_dev"
    while :; do
        printf '%s1\r\n' "$long" >&3
        sleep 0.05
    done
) &
track $!
start_daemon long_host ctl_long
wait_for 8 sh -c "printf 'status\n' | socat -t 3 - UNIX-CONNECT:$T/ctl_long | grep -q 'line over 256 bytes'" ||
    fail "no report of over-long lines: $(ctl ctl_long status)"
pass "forwarder line variants recorded at 100 Hz; unrecognised lines reported ($bad bad lines)"
