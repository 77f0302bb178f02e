#!/bin/bash
# SPDX-License-Identifier: MIT
# d. kill -9 during a 1 kHz recording, five times at different moments after a commit (killat
# watches the write-ahead log, so each kill lands at a chosen phase of the commit cycle, whatever
# the load; 95 ms is just before the next commit is due, the worst case of a correct daemon).
# README promises a commit every 100 ms, kill -9 losing at most the last batch. After each kill:
# the file passes PRAGMA integrity_check, the stored rows are a contiguous run of what the
# simulator sent, ending at most LIMIT samples before the kill, where LIMIT = 100 (the 100 ms
# batch at 1 kHz) + 3 frames of 10 samples: the commit is due at the first loop pass after
# 100 ms (a frame arrives every 10 ms, so within one frame), the frame on the line when the
# simulator is stopped, and the frame it may queue as it is resumed to exit. A daemon that commits
# every 200-300 ms loses 160-250 samples at the 160, 190 or 250 ms phases. The batches stored
# (chunks) hold a median of at most LIMIT samples too.
# The next daemon closes the orphaned recording (ended_at, note, hash).
. "$(dirname "$0")/lib.sh"
KILLAT=${KILLAT:?KILLAT must point at the killat helper}
LIMIT=130
k=0
ids=()
for phase in 30 95 160 190 250; do
    k=$((k + 1))
    start_sim tty$k --rate 1000 --per-frame 10 --gesture updown --log "$T/sim$k.log"
    start_daemon tty$k ctl
    wait_for 5 connected ctl || fail "daemon never connected: $(ctl ctl status)"
    if [ $k -gt 1 ]; then
        prev=${ids[$((k - 2))]}
        [ "$(sql "SELECT ended_at IS NOT NULL FROM recordings WHERE id=$prev")" = 1 ] || fail "orphan $prev not closed at start-up"
    fi
    r=$(ctl ctl "record start crash$k")
    [ "$(jget "$r" ok)" = true ] || fail "record start: $r"
    REC_ID=$(jget "$r" recording_id)
    ids+=("$REC_ID")
    at=$("$KILLAT" "$T/db.sqlite-wal" "$phase" "$D_PID" "$SIM_PID" 5) || fail "killat: $at"
    kill -TERM "$SIM_PID"
    kill -CONT "$SIM_PID" # the simulator's log then ends at the kill
    wait "$D_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
    ic=$(sql "PRAGMA integrity_check")
    [ "$ic" = ok ] || fail "integrity_check after kill $k: $ic"
    [ "$(sql "SELECT ended_at IS NULL FROM recordings WHERE id=$REC_ID")" = 1 ] || fail "recording closed by a killed daemon?"
    check_log "$T/sim$k.log"
    lost=$(($(kv log_last_n) - $(kv last_n)))
    echo "kill $k ($at): $(kv rows) rows stored, $lost samples lost"
    [ "$lost" -le $LIMIT ] || fail "kill $k ($at): the last $lost samples sent before the kill are missing (limit $LIMIT: the 100 ms batch + 3 frames)"
    med=$(sql "SELECT n_samples FROM chunks WHERE recording_id=$REC_ID ORDER BY n_samples
               LIMIT 1 OFFSET (SELECT count(*) / 2 FROM chunks WHERE recording_id=$REC_ID)")
    [ "$med" -le $LIMIT ] || fail "kill $k: the median batch holds $med samples (more than 100 ms at 1 kHz)"
done

# restart: the last orphan is closed at start-up; every orphan's content is intact
start_sim tty9 --rate 1000
start_daemon tty9 ctl
grep -q "closed 1 recording" "$T/d.log" || fail "no log line about the orphan"
k=0
for id in "${ids[@]}"; do
    k=$((k + 1))
    row=$(sql "SELECT ended_at IS NOT NULL, owner IS NULL, notes LIKE '%stopped unexpectedly%' FROM recordings WHERE id=$id")
    [ "$row" = "1|1|1" ] || fail "orphan $id after restart: $row"
    check_log "$T/sim$k.log" "$id"
    [ "$(kv hash)" = ok ] || fail "orphan $id's content hash: $CHECK"
    [ "$(sql "SELECT sample_count FROM recordings WHERE id=$id")" = "$(kv rows)" ] || fail "orphan $id's sample count"
done
[ "$(sql "PRAGMA integrity_check")" = ok ] || fail "integrity after restart"
pass "kill -9 five times at 30/95/160/190/250 ms after a commit: at most $LIMIT samples lost each time, orphans closed"
