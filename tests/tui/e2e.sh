#!/bin/bash
# SPDX-License-Identifier: MIT
# End to end with the real imulabd fed data-forwarder lines at 100 Hz through a pty pair:
# daemon absent then started (the TUI connects by itself), a label added, a timed 2 s recording,
# its count up on screen and in the database with the right label and about 200 samples; the
# daemon restarted under the TUI, which reconnects.
. "$(dirname "$0")/tuilib.sh" "$1"
for p in imulabd imulab; do [ -x $BIN/$p ] || { echo "SKIP: $BIN/$p not built"; exit 77; }; done
command -v socat >/dev/null || { echo "SKIP: socat missing"; exit 77; }
socat pty,raw,echo=0,link=$T/dev pty,raw,echo=0,link=$T/host 2>/dev/null & PIDS+=($!)
for _ in $(seq 50); do [ -e $T/dev ] && [ -e $T/host ] && break; sleep 0.1; done
[ -x "$HELPERS/feed_lines" ] || fail "$HELPERS/feed_lines not built"
"$HELPERS/feed_lines" $T/host 2>/dev/null & PIDS+=($!)
start_daemon() {
    $BIN/imulabd --port $T/dev --db $T/t.db --socket $T/s --axes accX,accY,accZ >>$T/d.log 2>&1 &
    D=$!; PIDS+=($D)
}
start_tui LANG=C.UTF-8 -- --socket $T/s
wait_screen "imulabd is not running at $T/s" 3
start_daemon
wait_screen "connected to imulabd at $T/s" 5
wait_screen "\| connected" 10
keys n; typed "flick"; keys Enter
wait_screen "1 flick +new" 2
sleep 1
keys r
wait_screen "GET READY" 2
wait_screen "saved recording #1: [0-9]+ samples" 10
wait_screen "1 flick +1 +[12]\.[0-9]" 3
n=$(sqlite3 $T/t.db "select sample_count from recordings where label='flick'")
[ -n "$n" ] && [ "$n" -ge 180 ] && [ "$n" -le 220 ] || fail "flick recording holds '$n' samples, not about 200"
cat=$(sqlite3 $T/t.db "select category from recordings where label='flick'")
[ "$cat" = training ] || fail "category $cat"
# the daemon goes away and comes back
kill -TERM $D; wait $D
wait_screen "imulabd is not running" 5
start_daemon
wait_screen "connected to imulabd at $T/s" 5
wait_screen "1 flick +1 " 5
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
echo "e2e: ok ($n samples)"
