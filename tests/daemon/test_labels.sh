#!/bin/bash
# SPDX-License-Identifier: MIT
# The `labels` request answers per-label totals of the recordings not in the trash, the same as a
# scan of the recordings table, before and after recordings are made, relabelled, trashed and
# purged while the daemon runs (it reads label_totals, which triggers keep: docs/schema.md).
. "$(dirname "$0")/lib.sh"
"$BIN/bench_dataset_gendb" "$T/db.sqlite" 300 120 --labels 9 >/dev/null || fail "gendb"
start_sim tty --rate 100 --per-frame 10
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected"
# labels as "label recordings samples seconds(1 decimal)" lines, from the reply and from a scan
from_reply() {
    ctl ctl labels | sed 's/},{/}\n{/g' | sed -n 's/.*"label":"\([^"]*\)","recordings":\([0-9]*\),"samples":\([0-9]*\),"seconds":\([0-9.e+-]*\).*/\1 \2 \3 \4/p' |
        awk '{ printf "%s %d %d %.1f\n", $1, $2, $3, $4 }'
}
from_scan() {
    sql "SELECT label, count(*), sum(sample_count), sum(sample_count / sample_rate_hz) FROM recordings
         WHERE deleted_at IS NULL GROUP BY label ORDER BY label" | awk -F'|' '{ printf "%s %d %d %.1f\n", $1, $2, $3, $4 }'
}
same() {
    from_reply >"$T/a"; from_scan >"$T/b"
    [ -s "$T/b" ] || fail "$1: the scan found no labels"
    cmp -s "$T/a" "$T/b" || fail "$1: labels reply differs from the scan: $(diff "$T/a" "$T/b" | head -5 | tr '\n' ' ')"
}
same "generated database"
[ "$(wc -l <"$T/a")" = 9 ] || fail "want 9 labels, got $(wc -l <"$T/a")"
r=$(ctl ctl "record start brandnew")
[ "$(jget "$r" ok)" = true ] || fail "record start: $r"
has_samples() { [ "$(sql "SELECT sample_count FROM recordings WHERE label='brandnew'")" -gt 0 ]; }
wait_for 5 has_samples || fail "no samples stored"
same "while recording"
ctl ctl "record stop" >/dev/null
same "after a recording"
"$BIN/imulab" --db "$T/db.sqlite" relabel 1 2 3 brandnew >/dev/null || fail "relabel"
"$BIN/imulab" --db "$T/db.sqlite" rm 4 5 >/dev/null || fail "rm"
same "after relabel and rm"
"$BIN/imulab" --db "$T/db.sqlite" purge >/dev/null || fail "purge"
same "after purge"
pass "labels reply equals the scan of $(sql 'SELECT count(*) FROM recordings') recordings through recording, relabel, rm and purge"
