#!/bin/bash
# SPDX-License-Identifier: MIT
# Against the fake daemon: add a label, timed 2 s recording after the 3-2-1 countdown, the count
# goes up; category/subject reach the request; delete asks and u undoes; free recording with space.
. "$(dirname "$0")/tuilib.sh" "$1"
fake_daemon $T/s good
start_tui LANG=C.UTF-8 -- --socket $T/s
wait_screen "connected" 5
keys n; typed flick; keys Enter
wait_screen "1 flick +new" 2
keys r
wait_screen "GET READY +3" 2
wait_screen "GET READY +1" 3
wait_screen "RECORDING" 2
wait_screen "saved recording #1: (19[0-9]|20[0-9]|21[0-9]) samples" 5
wait_screen "1 flick +1 +2\.0" 2
grep -q '^record start "flick" category=training$' $T/s.log || fail "wrong request: $(cat $T/s.log)"
# category, subject, a second label chosen with the digit key
keys t; wait_screen "category testing"
keys s; typed "Ann B"; keys Enter; wait_screen "subject +Ann B"
keys n; typed "left swipe"; keys Enter; wait_screen "2 left swipe"
keys 1; keys ' '; wait_screen "RECORDING" 3; sleep 0.5; keys ' '
wait_screen "saved recording #2" 3
grep -q '^record start "flick" category=testing subject="Ann B"$' $T/s.log || fail "wrong request: $(cat $T/s.log)"
wait_screen "flick +2 " 2
# delete the last recording (asks first), then undo
keys x; wait_screen "Delete recording #2" 2; keys n; wait_screen "kept the recording" 2
keys x; keys y; wait_screen "moved recording #2 to the trash" 2
wait_screen "flick +1 +2\.0" 2
keys u; wait_screen "restored recording #2" 2
wait_screen "flick +2 " 2
keys '?'; wait_screen "imulab-tui keys" 2; keys z; sleep 0.3; no_screen "imulab-tui keys"
# q during a free recording stops it first
keys ' '; wait_screen "RECORDING" 3; keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
tail -1 $T/s.log | grep -q "^stopped flick" || fail "q did not stop the recording: $(tail -1 $T/s.log)"
check_stderr
echo "record_fake: ok"
