#!/bin/bash
# SPDX-License-Identifier: MIT
# A non-UTF-8 locale with NO_COLOR: ASCII only on screen, still usable.
. "$(dirname "$0")/tuilib.sh" "$1"
fake_daemon $T/s good
start_tui LANG=C LC_ALL=C NO_COLOR=1 -- --socket $T/s
wait_screen "Last recordings" 5
wait_screen "\*accX" 3
keys n; typed "ascii"; keys Enter; wait_screen "1 ascii" 2
sleep 0.5
screen | LC_ALL=C grep -q '[^ -~]' && fail "non-ASCII on screen in the C locale"
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
echo "ascii: ok"
