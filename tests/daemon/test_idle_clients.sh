#!/bin/bash
# SPDX-License-Identifier: MIT
# Idle connections cannot lock everyone out (issue 16, defect 3). With --idle-timeout 3:
#   - while 32 clients hold every slot, `imulab status` fails with "too many clients" (never a
#     broken pipe);
#   - the idle clients are closed after the timeout (3 s) and `imulab status` works again;
#   - a subscriber that reads its events is not idle and keeps them coming past the timeout.
. "$(dirname "$0")/lib.sh"
CTLFLOOD=${CTLFLOOD:?CTLFLOOD must point at the ctlflood helper}

start_sim tty --rate 100
start_daemon tty ctl --idle-timeout 3
wait_for 5 connected ctl || fail "daemon never connected"
# a reading subscriber for 6 s
(printf 'subscribe\n'; sleep 6) | socat -t 1 - "UNIX-CONNECT:$T/ctl" >"$T/sub.out" &
SUB_PID=$!
track $SUB_PID
wait_for 5 grep -q subscribed "$T/sub.out" || fail "subscribe got no answer"
"$CTLFLOOD" "$T/ctl" idle 31 9 >"$T/idle.out" &
IDLE_PID=$!
track $IDLE_PID
sleep 0.5
# until the daemon closes the first idle client (its log says so before the slot is free),
# every other client is told "too many clients"
told=0
for i in 1 2 3 4 5; do
    if out=$("$BIN/imulab" --socket "$T/ctl" status 2>&1); then
        grep -q "closing a client that sent nothing" "$T/d.log" || fail "status with every slot taken succeeded: $out"
        break
    fi
    case "$out" in
    *"too many clients"*) told=$((told + 1)) ;;
    *) fail "try $i: a client over the limit was told '$out', not 'too many clients'" ;;
    esac
done
[ "$told" -ge 1 ] || fail "no client was told 'too many clients'"
# the idle ones go after the timeout; the subscriber stays
wait_for 8 "$BIN/imulab" --socket "$T/ctl" status >/dev/null || fail "status still refused after the idle timeout"
timed_out() { [ "$(jget "$(ctl ctl status)" clients_timed_out)" -ge 31 ]; }
wait_for 5 timed_out || fail "idle clients not counted as timed out: $(ctl ctl status)"
st=$(ctl ctl status)
[ "$(jget "$st" clients_turned_away)" -ge "$told" ] || fail "turned-away clients not counted: $st"
wait "$IDLE_PID"
grep -q "closed_by_daemon=31" "$T/idle.out" || fail "the daemon did not close the 31 idle clients: $(cat "$T/idle.out")"
wait "$SUB_PID"
events=$(grep -c '"event":"status"' "$T/sub.out")
# two a second: more than 8 means it outlived the 3 s timeout by far
[ "$events" -ge 8 ] || fail "a reading subscriber got only $events status events in 6 s (closed as idle after 3 s?)"
alive "$D_PID" || fail "daemon died"
pass "idle clients: 'too many clients' while full ($told tries), 31 idle clients closed after 3 s, subscriber kept ($events status events)"
