#!/bin/bash
# SPDX-License-Identifier: MIT
# Text lines over 256 bytes (issue 16): they used to be dropped uncounted, the port stuck in
# "detecting" with nothing logged. Now each is counted (long_lines, bad_lines), named in the
# detection report (status text_problem and the log) and, in text mode, logged as rejected.
. "$(dirname "$0")/lib.sh"

socat pty,raw,echo=0,link="$T/dev" pty,raw,echo=0,link="$T/host" 2>>"$T/socat.err" &
track $!
wait_for 5 test -e "$T/dev" || fail "socat pty pair"
wait_for 5 test -e "$T/host" || fail "socat pty pair"
start_daemon host ctl
exec 3>"$T/dev"
long=$(printf '1.5,%.0s' $(seq 100))1.5   # 401 bytes of numbers
printf 'cut\n' >&3                        # the first line after opening is dropped as cut
for i in 1 2 3 4 5; do printf '%s\r\n' "$long" >&3; done
long_lines() { [ "$(jget "$(ctl ctl status)" long_lines)" = "$1" ]; }
wait_for 5 long_lines 5 || fail "5 long lines not counted: $(ctl ctl status)"
st=$(ctl ctl status)
[ "$(jget "$st" bad_lines)" -ge 5 ] || fail "long lines not in bad_lines: $st"
[ "$(jget "$st" mode)" = detecting ] || fail "mode: $st"
wait_for 6 grep -q "not recognised as data-forwarder text; first: a line over 256 bytes" "$T/d.log" \
    || fail "no log line names the long lines"
case "$(ctl ctl status)" in *'"text_problem":"'*"over 256 bytes"*) ;; *) fail "status text_problem: $(ctl ctl status)" ;; esac
# good lines take it to text mode; long lines then are rejected and logged
for i in $(seq 40); do printf '%d,2,3\r\n' "$i" >&3; sleep 0.02; done
wait_for 5 connected ctl || fail "good lines did not connect: $(ctl ctl status)"
printf '%s\r\n' "$long" >&3
wait_for 5 long_lines 6 || fail "a long line in text mode not counted: $(ctl ctl status)"
wait_for 5 grep -q "rejected text line .*: over 256 bytes" "$T/d.log" || fail "long line in text mode not logged"
alive "$D_PID" || fail "daemon died"
pass "long text lines: counted, reported while detecting, logged in text mode"
