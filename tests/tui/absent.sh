#!/bin/bash
# SPDX-License-Identifier: MIT
# Daemon absent: the screen names the socket and how to start imulabd; when it appears the TUI
# connects by itself; when it goes away and comes back, it reconnects. Keys meanwhile only
# give messages.
. "$(dirname "$0")/tuilib.sh" "$1"
start_tui LANG=C.UTF-8 -- --socket $T/s
wait_screen "imulabd is not running at $T/s" 3
wait_screen "imulabd --port DEV --db FILE --socket $T/s" 1
keys n; typed lab; keys Enter; keys r
wait_screen "not connected to imulabd" 2
fake_daemon $T/s good
wait_screen "connected to imulabd at $T/s" 5
wait_screen "accX" 3
kill $FAKE; wait $FAKE 2>/dev/null
wait_screen "imulabd is not running" 5
fake_daemon $T/s good
wait_screen "connected to imulabd" 5
keys r; wait_screen "GET READY" 2; keys Escape; wait_screen "recording cancelled" 2
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
echo "absent: ok"
