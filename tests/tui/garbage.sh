#!/bin/bash
# SPDX-License-Identifier: MIT
# A daemon that answers with garbage: messages on the status line, no crash, q still quits.
. "$(dirname "$0")/tuilib.sh" "$1"
fake_daemon $T/s garbage
start_tui LANG=C.UTF-8 -- --socket $T/s --countdown-ms 0
wait_screen "garbage" 5
for k in n; do keys $k; typed "g1"; keys Enter; done
for k in r ' ' x u t 1 2 Up Down; do keys "$k"; sleep 0.2; done
sleep 2
tm has-session -t $SESSION 2>/dev/null || fail "tmux session gone"
[ -s $T/rc ] && fail "imulab-tui ended early with status $(cat $T/rc)"
wait_screen "imulabd sent|unreadable|over-long" 2
keys Escape; keys q
[ "$(wait_exit 5)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
echo "garbage: ok"
