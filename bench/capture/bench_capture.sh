#!/bin/bash
# SPDX-License-Identifier: MIT
# bench_capture.sh -- imulabd capture-path benchmark (docs/benchmarks.md, section "capture").
#
#   bench_capture.sh BIN_DIR [SECONDS_THROUGHPUT] [SECONDS_REALTIME]
#
# 1. Ingest throughput: imulab-sim --max-speed (84 samples x 6 axes per frame, as fast as the
#    daemon reads the pty) into a recording; samples per second committed to SQLite = the rows
#    in the database (recordings.sample_count, checked against the chunks) over the recording's
#    duration (ended_at - started_at). Target >= 500,000 samples/s.
# 2. Real-time load: 1 kHz x 6 axes, 10 samples per frame, recording open. imulabd's CPU share
#    from /proc/PID/stat utime+stime over a window (default 10 s) and its peak RSS (VmHWM).
#    Targets <= 2% of one core and <= 10 MB.
# Prints the figures and PASS/MISS per target; exit status 0 unless something failed to run.
set -u
BIN=${1:?usage: bench_capture.sh BIN_DIR [SECONDS_THROUGHPUT] [SECONDS_REALTIME]}
TP_S=${2:-3}
RT_S=${3:-10}
T=$(mktemp -d /tmp/imulab-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
die() { echo "bench_capture: $*" >&2; exit 1; }
ctl() { printf '%s\n' "$2" | socat -t 5 - "UNIX-CONNECT:$T/$1"; }
jget() { printf '%s' "$1" | sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | head -n 1 | tr -d '"'; }
wait_connected() {
    for _ in $(seq 100); do
        [ "$(jget "$(ctl "$1" status 2>/dev/null)" connected)" = true ] && return 0
        sleep 0.05
    done
    return 1
}
start() { # NAME SIM-ARGS...: a simulator and a daemon on their own pty, socket and database
    local name=$1
    shift
    "$BIN/imulab-sim" --quiet --link "$T/$name.tty" "$@" 2>>"$T/sim.err" &
    PIDS+=($!)
    SIM=$!
    for _ in $(seq 100); do [ -e "$T/$name.tty" ] && break; sleep 0.05; done
    "$BIN/imulabd" --port "$T/$name.tty" --db "$T/$name.sqlite" --socket "$T/$name.ctl" 2>>"$T/$name.log" &
    PIDS+=($!)
    DPID=$!
    wait_connected "$name.ctl" || die "$name: daemon never connected (see $T/$name.log)"
}
tick=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

echo "imulabd capture benchmark ($(nproc) CPUs, $(uname -r), $(sqlite3 --version | cut -d' ' -f1) sqlite3 CLI)"

# --- 1. throughput
start tp --max-speed --per-frame 84 --rate 1000
r=$(ctl tp.ctl "record start bench")
id=$(jget "$r" recording_id)
[ -n "$id" ] || die "record start: $r"
c0=$(cpu_ticks "$DPID")
sleep "$TP_S"
r=$(ctl tp.ctl "record stop")
c1=$(cpu_ticks "$DPID")
[ "$(jget "$r" ok)" = true ] || die "record stop: $r"
row=$(sqlite3 "$T/tp.sqlite" "SELECT sample_count, ended_at - started_at,
        (SELECT sum(n_samples) FROM chunks WHERE recording_id=$id), (SELECT count(*) FROM chunks WHERE recording_id=$id),
        gap_count FROM recordings WHERE id=$id")
IFS='|' read -r n secs n_chunks chunks gaps <<<"$row"
[ "$n" = "$n_chunks" ] || die "sample_count $n but chunks hold $n_chunks"
rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
cpu_tp=$(awk -v a="$c0" -v b="$c1" -v t="$tick" -v s="$secs" 'BEGIN { printf "%.0f", 100 * (b - a) / t / s }')
dbsize=$(du -k "$T/tp.sqlite" "$T/tp.sqlite-wal" 2>/dev/null | awk '{ s += $1 } END { print s }')
echo "throughput: $n samples (6 axes) committed in $(printf '%.2f' "$secs") s = $rate samples/s" \
    "($chunks chunks, $gaps gaps, daemon CPU ${cpu_tp}% of one core, db+wal ${dbsize} KiB)"
awk -v r="$rate" 'BEGIN { exit !(r >= 500000) }' && echo "  target >= 500000 samples/s: PASS" ||
    echo "  target >= 500000 samples/s: MISS"
kill -TERM "$DPID" "$SIM" 2>/dev/null
wait "$DPID" 2>/dev/null

# --- 1b. the same with a feeder that does not back off (capture_feed: blocking pty writes),
# to measure the daemon rather than the simulator's pacing
"$BIN/capture_feed" "$T/fd.tty" $((TP_S + 4)) >"$T/feed.out" 2>>"$T/sim.err" &
PIDS+=($!)
FEED=$!
for _ in $(seq 100); do [ -e "$T/fd.tty" ] && break; sleep 0.05; done
"$BIN/imulabd" --port "$T/fd.tty" --db "$T/fd.sqlite" --socket "$T/fd.ctl" 2>>"$T/fd.log" &
PIDS+=($!)
DPID=$!
wait_connected fd.ctl || die "feeder: daemon never connected (see $T/fd.log)"
r=$(ctl fd.ctl "record start bench")
id=$(jget "$r" recording_id)
c0=$(cpu_ticks "$DPID")
sleep "$TP_S"
r=$(ctl fd.ctl "record stop")
c1=$(cpu_ticks "$DPID")
row=$(sqlite3 "$T/fd.sqlite" "SELECT sample_count, ended_at - started_at, gap_count FROM recordings WHERE id=$id")
IFS='|' read -r n secs gaps <<<"$row"
rate2=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
cpu_fd=$(awk -v a="$c0" -v b="$c1" -v t="$tick" -v s="$secs" 'BEGIN { printf "%.0f", 100 * (b - a) / t / s }')
echo "throughput (capture_feed, no back-off): $n samples in $(printf '%.2f' "$secs") s = $rate2 samples/s" \
    "($gaps gaps, daemon CPU ${cpu_fd}% of one core)"
awk -v r="$rate2" 'BEGIN { exit !(r >= 500000) }' && echo "  target >= 500000 samples/s: PASS" ||
    echo "  target >= 500000 samples/s: MISS"
# the daemon's own cost, which the load of the machine does not change much: samples per second of
# its CPU time (utime + stime in clock ticks, so +-1 tick over the run)
awk -v n="$n" -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN { d = (b - a) / t;
    if (d > 0) printf "daemon capacity (capture_feed run): %.0f samples per CPU-second of imulabd (%d samples in %.2f s of its CPU time, +-%.0f%%)\n", n / d, n, d, 100 / (b - a) }'
kill -TERM "$DPID" "$FEED" 2>/dev/null
wait "$DPID" 2>/dev/null

# --- 2. real time, 1 kHz x 6 axes
start rt --rate 1000 --per-frame 10
r=$(ctl rt.ctl "record start realtime")
[ "$(jget "$r" ok)" = true ] || die "record start: $r"
sleep 1
c0=$(cpu_ticks "$DPID")
t0=$(date +%s.%N)
sleep "$RT_S"
c1=$(cpu_ticks "$DPID")
t1=$(date +%s.%N)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$DPID/status")
r=$(ctl rt.ctl "record stop")
samples=$(jget "$r" samples)
cpu=$(awk -v a="$c0" -v b="$c1" -v t="$tick" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", 100 * (b - a) / t / (t1 - t0) }')
echo "real time 1 kHz x 6 axes: CPU $cpu% of one core over $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s" \
    "($((c1 - c0)) ticks of 1/$tick s), peak RSS (VmHWM) $hwm KiB, $samples samples recorded"
awk -v c="$cpu" 'BEGIN { exit !(c <= 2.0) }' && echo "  target <= 2% of one core: PASS" || echo "  target <= 2% of one core: MISS"
[ "$hwm" -le 10240 ] && echo "  target <= 10 MB peak RSS: PASS" || echo "  target <= 10 MB peak RSS: MISS"
if [ -n "${BENCH_PERF:-}" ] && perf stat -e instructions true >/dev/null 2>&1; then
    echo "perf (5 s of the real-time load):"
    perf stat -e task-clock,context-switches,instructions -p "$DPID" -- sleep 5 2>&1 | grep -E "task-clock|context|instructions"
fi
kill -TERM "$DPID" "$SIM" 2>/dev/null
wait "$DPID" 2>/dev/null
exit 0
