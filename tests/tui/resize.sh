#!/bin/bash
# SPDX-License-Identifier: MIT
# Resizing redraws cleanly: bigger, smaller, too small, and back to 80x24.
. "$(dirname "$0")/tuilib.sh" "$1"
fake_daemon $T/s good
start_tui LANG=C.UTF-8 -- --socket $T/s
wait_screen "Last recordings" 5
keys n; typed wave; keys Enter
for size in "120 40" "60 16" "40 10" "200 60" "80 24"; do
    set -- $size
    tm resize-window -t $SESSION -x $1 -y $2
    sleep 0.5
    [ "$(screen | wc -l)" = "$2" ] || fail "pane is not $2 rows"
    if [ $1 -lt 60 ]; then
        wait_screen "terminal too small" 2
    else
        wait_screen "Labels" 2; wait_screen "1 wave" 2; wait_screen "q quit" 2
        # nothing drawn past the right edge or wrapped: the header is the first line
        screen | head -1 | grep -q "/dev/fake" || fail "header not on the first line at $size"
    fi
done
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
echo "resize: ok"
