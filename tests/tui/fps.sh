#!/bin/bash
# SPDX-License-Identifier: MIT
# With live samples flowing the screen is redrawn at 20 frames/s or more (--stats reports it).
. "$(dirname "$0")/tuilib.sh" "$1"
fake_daemon $T/s good
start_tui LANG=C.UTF-8 -- --socket $T/s --stats
wait_screen "accX" 5
sleep 3
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
fps=$(sed -n 's/.* = \([0-9.]*\) frames\/s/\1/p' $T/tui.err)
[ -n "$fps" ] || fail "no --stats line"
awk -v f="$fps" 'BEGIN { exit !(f >= 20) }' || fail "only $fps frames/s"
echo "fps: ok ($fps frames/s)"
