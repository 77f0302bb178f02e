#!/bin/bash
# SPDX-License-Identifier: MIT
# SIGTERM and SIGINT end the TUI with the terminal restored (the shell's screen is back).
. "$(dirname "$0")/tuilib.sh" "$1"
fake_daemon $T/s good
for sig in TERM INT; do
    rm -f $T/rc
    SESSION=tui_$sig
    start_tui LANG=C.UTF-8 -- --socket $T/s
    wait_screen "Last recordings" 5
    pid=$(tui_pid) || fail "no imulab-tui process"
    kill -$sig $pid
    rc=$(wait_exit 3)
    [ "$rc" -ne 0 ] || fail "SIG$sig: exit status 0"
    sleep 0.2
    no_screen "Last recordings"
    [ "$(tm display -p -t $SESSION '#{alternate_on}')" = 0 ] || fail "SIG$sig: alternate screen still on"
    check_stderr
done
echo "signal: ok"
