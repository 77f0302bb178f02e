#!/bin/bash
# SPDX-License-Identifier: MIT
# Idle connections cannot lock everyone out (issue 16, defect 3). With --idle-timeout 2:
#   - while 32 clients hold every slot, `imulab status` fails with "too many clients" (never a
#     broken pipe);
#   - the idle clients are closed after the timeout and `imulab status` works again;
#   - a subscriber that reads its events is not idle and keeps them coming past the timeout.
. "$(dirname "$0")/lib.sh"
CTLFLOOD=${CTLFLOOD:?CTLFLOOD must point at the ctlflood helper}

start_sim tty --rate 100
start_daemon tty ctl --idle-timeout 2
wait_for 5 connected ctl || fail "daemon never connected"
# a reading subscriber for 5 s
(printf 'subscribe\n'; sleep 5) | socat -t 1 - "UNIX-CONNECT:$T/ctl" >"$T/sub.out" &
track $!
wait_for 5 grep -q subscribed "$T/sub.out" || fail "subscribe got no answer"
"$CTLFLOOD" "$T/ctl" idle 31 8 >"$T/idle.out" &
IDLE_PID=$!
track $IDLE_PID
sleep 0.5
for i in 1 2 3 4 5; do
    out=$("$BIN/imulab" --socket "$T/ctl" status 2>&1) && fail "status with every slot taken succeeded: $out"
    case "$out" in
    *"too many clients"*) ;;
    *) fail "try $i: a client over the limit was told '$out', not 'too many clients'" ;;
    esac
done
# the idle ones go after 2 s; the subscriber stays
wait_for 6 "$BIN/imulab" --socket "$T/ctl" status >/dev/null || fail "status still refused after the idle timeout"
st=$(ctl ctl status)
[ "$(jget "$st" clients_timed_out)" -ge 31 ] || fail "idle clients not counted as timed out: $st"
[ "$(jget "$st" clients_turned_away)" -ge 5 ] || fail "turned-away clients not counted: $st"
wait "$IDLE_PID"
grep -q "closed_by_daemon=31" "$T/idle.out" || fail "the daemon did not close the 31 idle clients: $(cat "$T/idle.out")"
sleep 5
events=$(grep -c '"event":"status"' "$T/sub.out")
[ "$events" -ge 8 ] || fail "a reading subscriber got only $events status events in 5 s (closed as idle?)"
alive "$D_PID" || fail "daemon died"
pass "idle clients: 'too many clients' while full, 31 idle clients closed after 2 s, subscriber kept ($events status events)"
