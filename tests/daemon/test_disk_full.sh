#!/bin/bash
# SPDX-License-Identifier: MIT
# A full disk during a 1 kHz recording: commits fail with a log line naming the database and
# the reason, the daemon keeps running and answering, what was committed stays committed,
# `record stop` answers an error (not ok) and keeps the recording open with its samples until
# there is room (the tmpfs grows), then closes it with no sample lost,
# SIGTERM still exits 0, and the file passes PRAGMA integrity_check. Needs root for a small
# tmpfs; skipped (77) elsewhere.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/tiny"
if ! mount -t tmpfs -o size=600k tmpfs "$T/tiny" 2>/dev/null; then
    echo "skip: cannot mount a tmpfs here"
    PASSED=1
    exit 77
fi
trap 'cleanup; umount "$T/tiny" 2>/dev/null; [ "$PASSED" = 1 ] && rm -rf "$T"' EXIT
DB=$T/tiny/full.db
start_sim tty --rate 1000 --per-frame 10
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected"
r=$(ctl ctl "record start full")
[ "$(jget "$r" ok)" = true ] || fail "record start: $r"
# 600 KiB hold a few seconds of 1 kHz x 6 axes: wait until the disk is full and commits fail
wait_for 20 grep -q "commit failed, will retry: database or disk is full" "$T/d.log" \
    || fail "no commit failure logged on a full disk: $(tail -3 "$T/d.log")"
sleep 1
alive "$D_PID" || fail "imulabd died on a full disk"
st=$(ctl ctl status)
[ "$(jget "$st" recording)" = true ] || fail "status after disk full: $st"
errs=$(jget "$st" db_errors)
[ "$errs" -gt 0 ] || fail "db_errors not counted: $st"
# issue 16: stop on a full disk must not answer ok while samples are not stored; the recording
# stays open with its samples, and a stop once there is room closes it with everything
r=$(ctl ctl "record stop")
[ "$(jget "$r" ok)" = false ] || fail "record stop on a full disk answered: $r"
case "$r" in *"could not be stored"*"full"*) ;; *) fail "record stop error does not say why: $r" ;; esac
st=$(ctl ctl status)
[ "$(jget "$st" recording)" = true ] || fail "the recording was dropped after a failed stop: $st"
mount -o remount,size=8m "$T/tiny" || fail "cannot grow the tmpfs"
r=$(ctl ctl "record stop")
[ "$(jget "$r" ok)" = true ] || fail "record stop once the disk has room: $r"
stopped=$(jget "$r" samples)
[ "$(sql "SELECT ended_at IS NOT NULL FROM recordings")" = 1 ] || fail "recording still open in the database"
[ "$(sql "SELECT sample_count FROM recordings")" = "$stopped" ] || fail "stop reply says $stopped samples, DB $(sql "SELECT sample_count FROM recordings")"
[ "$(sql "SELECT missing_samples FROM recordings")" = 0 ] || fail "samples were dropped: $(sql "SELECT gap_count, missing_samples FROM recordings")"
kill -TERM "$D_PID"
wait "$D_PID"
rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after a full disk"
[ "$(sql "PRAGMA integrity_check")" = ok ] || fail "integrity after a full disk"
n=$(sql "SELECT sample_count FROM recordings")
chunks=$(sql "SELECT coalesce(sum(n_samples),0) FROM chunks")
[ "$n" -gt 0 ] && [ "$n" = "$chunks" ] || fail "recording holds $n samples, chunks $chunks"
pass "disk full: $errs failed commits logged, daemon kept running, $n samples kept, integrity ok"
