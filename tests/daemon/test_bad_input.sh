#!/bin/bash
# SPDX-License-Identifier: MIT
# g. Bad input: command-line errors, an unwritable database, a second daemon on the same socket
# or port, malformed control requests (each answered {"ok":false,"error":...} while the daemon
# stays up), and a subscriber that never reads while a 1 kHz stream runs.
. "$(dirname "$0")/lib.sh"
D=$BIN/imulabd

# --- command line
"$D" --help >"$T/help" 2>&1 || fail "--help exit $?"
grep -q "usage" "$T/help" || fail "--help prints no usage"
expect_exit() { # CODE ARGS...: the exit status and exactly one line on stderr
    local want=$1
    shift
    "$D" "$@" >/dev/null 2>"$T/err"
    local rc=$?
    [ "$rc" = "$want" ] || fail "imulabd $* exited $rc, want $want: $(cat "$T/err")"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "imulabd $*: want one line, got: $(cat "$T/err")"
}
expect_exit 2
expect_exit 2 --port "$T/x" --db "$T/x.db"
expect_exit 2 --bogus
expect_exit 2 --port "$T/x" --db "$T/x.db" --socket "$T/s" --baud 1234
expect_exit 2 --port "$T/x" --db "$T/x.db" --socket "$T/s" --axes "a,,b"
expect_exit 2 --port "$T/x" --db "$T/x.db" --socket
expect_exit 2 --port "$T/x" --db "$T/x.db" --socket "$T/s" extra
expect_exit 1 --port "$T/x" --db /nonexistent-dir/imulab.db --socket "$T/s"
grep -q "nonexistent-dir" "$T/err" || fail "unwritable db: reason does not name the file: $(cat "$T/err")"
echo "not a database, just text that is long enough to be looked at by sqlite" >"$T/junk.db"
expect_exit 1 --port "$T/x" --db "$T/junk.db" --socket "$T/s"
[ ! -e "$T/s" ] || fail "socket left behind by a failed start"

# --- a daemon with a device, then a second one on the same socket / the same port
start_sim tty --rate 1000 --per-frame 10
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected: $(ctl ctl status)"
# a subscriber that never reads (socat -u only writes to the socket), stuck from here on
mkfifo "$T/sub"
socat -u "OPEN:$T/sub" "UNIX-CONNECT:$T/ctl" &
track $!
exec 5<>"$T/sub"
printf 'subscribe\n' >&5
expect_exit 1 --port "$T/other" --db "$T/db2.sqlite" --socket "$T/ctl"
grep -q "another imulabd" "$T/err" || fail "same socket: $(cat "$T/err")"
# (the port is opened after start-up logged its "listening" line, so the reason is not the only line)
"$D" --port "$T/tty" --db "$T/db2.sqlite" --socket "$T/ctl2" >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 1 ] || fail "second daemon on the same port exited $rc: $(cat "$T/err")"
grep -q "in use" "$T/err" || fail "same port: $(cat "$T/err")"
[ ! -e "$T/ctl2" ] || fail "the refused daemon left its socket"
pong ctl || fail "first daemon hurt by the second's attempts"

# --- malformed requests: each gets ok:false with an error, the daemon stays up
bad() { # DESCRIPTION: request bytes on stdin
    local r
    r=$(socat -t 3 - "UNIX-CONNECT:$T/ctl" | head -n 1)
    case "$r" in
    '{"ok":false,"error":"'*) ;;
    *) fail "$1: reply '$r'" ;;
    esac
    pong ctl || fail "daemon down after $1"
    echo "  $1 -> $(jget "$r" error)"
    jget "$r" error >"$T/last_error"
}
printf 'frobnicate\n' | bad "unknown command"
printf 'record start "unterminated\n' | bad "unterminated quote"
head -c 10240 /dev/zero | tr '\0' a | { cat; printf '\n'; } | bad "10 KB line"
printf 'sta\0tus\n' | bad "NUL byte"
grep -q NUL "$T/last_error" || fail "a NUL byte is reported as: $(cat "$T/last_error")"
printf 'record start ""\n' | bad "empty label"
printf 'record start %s\n' "$(head -c 65 /dev/zero | tr '\0' L)" | bad "65-byte label"
printf 'record start "a\\u0001b"\n' | bad "control character in the label"
printf 'record start \001bell\n' | bad "raw control byte"
printf 'record start x category=bogus\n' | bad "bad category"
printf 'record stop\n' | bad "record stop with nothing open"
printf '\n' | bad "empty request"
r=$(ctl ctl "record start $(head -c 64 /dev/zero | tr '\0' L)")
[ "$(jget "$r" ok)" = true ] || fail "64-byte label refused: $r"
printf 'record start again\n' | bad "record start while recording"
# a long request followed by a good one on the same connection: the good one still works
r=$({ head -c 5000 /dev/zero | tr '\0' b; printf '\nping\n'; } | socat -t 3 - "UNIX-CONNECT:$T/ctl" | tail -n 1)
[ "$r" = '{"ok":true,"pong":true}' ] || fail "request after an oversized one: $r"

# --- the subscriber that never reads (subscribed above) while 1 kHz x 6 axes streams
# (times from the daemon's own uptime_s, so the latency of the status calls on a loaded
# machine does not count as slow ingestion)
st0=$(ctl ctl status)
sleep 3
st1=$(ctl ctl status)
n=$(awk -v a="$(jget "$st0" samples)" -v b="$(jget "$st1" samples)" -v t0="$(jget "$st0" uptime_s)" \
    -v t1="$(jget "$st1" uptime_s)" 'BEGIN { printf "%d", (b - a) / (t1 - t0) }')
[ "$n" -ge 950 ] || fail "ingestion slowed to $n samples/s with a stuck subscriber"
# its socket buffer (~200 KB) and its 256 KiB queue take ~5 s of events to fill
wait_for 5 sh -c "printf 'status\n' | socat -t 3 - UNIX-CONNECT:$T/ctl | grep -q '\"dropped_events\":[1-9]'" ||
    fail "no dropped_events with a stuck subscriber: $(ctl ctl status)"
drops=$(jget "$(ctl ctl status)" dropped_events)
r=$(ctl ctl "record stop")
[ "$(jget "$r" ok)" = true ] || fail "record stop: $r"
s=$(jget "$r" samples)
secs=$(jget "$r" seconds)
awk -v s="$s" -v t="$secs" 'BEGIN { exit !(s >= 0.97 * 1000 * t) }' || fail "recorded $s samples in $secs s at 1 kHz"
[ "$(jget "$(ctl ctl status)" gaps)" = 0 ] || fail "gaps while a subscriber was stuck"
pong ctl || fail "daemon down"
pass "bad input: $n samples/s with a stuck subscriber, $drops events dropped"
