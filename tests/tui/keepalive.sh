#!/bin/bash
# SPDX-License-Identifier: MIT
# The TUI's request connection survives imulabd's idle timeout (issue 16): with
# --idle-timeout 1.5 a free recording left running for 6 s with no key pressed is still
# stopped and saved by the TUI, and the daemon closed none of its clients (clients_timed_out),
# because the TUI pings every third of the timeout the daemon reports in its status.
. "$(dirname "$0")/tuilib.sh" "$1"
for p in imulabd imulab-sim; do [ -x $BIN/$p ] || { echo "SKIP: $BIN/$p not built"; exit 77; }; done
command -v socat >/dev/null || { echo "SKIP: socat missing"; exit 77; }
$BIN/imulab-sim --link $T/dev --rate 100 --quiet >$T/sim.out 2>&1 & PIDS+=($!)
for _ in $(seq 50); do [ -e $T/dev ] && break; sleep 0.1; done
$BIN/imulabd --port $T/dev --db $T/t.db --socket $T/s --idle-timeout 1.5 >$T/d.log 2>&1 & PIDS+=($!)
start_tui LANG=C.UTF-8 -- --socket $T/s
wait_screen "\| connected" 10
keys n; typed "hold"; keys Enter
keys Space
wait_screen "recording|REC" 5
sleep 6
no_screen "lost the connection"
keys Space
wait_screen "saved recording #1: [0-9]+ samples" 10
st=$(printf 'status\n' | socat -t 2 - UNIX-CONNECT:$T/s)
echo "$st" | grep -q '"clients_timed_out":0' || fail "the daemon closed a TUI connection as idle: $st"
n=$(sqlite3 $T/t.db "select sample_count from recordings where label='hold'")
[ -n "$n" ] && [ "$n" -ge 500 ] || fail "the 6 s recording holds '$n' samples"
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
echo "keepalive: ok ($n samples over an idle timeout of 1.5 s)"
