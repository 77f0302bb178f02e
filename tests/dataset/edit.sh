#!/bin/bash
# SPDX-License-Identifier: MIT
# relabel, rm/restore/purge, trim, show, plot, windows: effects checked in the database.
. "$(dirname "$0")/lib.sh"
command -v xmllint >/dev/null || { echo "xmllint missing (libxml2-utils)"; exit 77; }
gen "$T/in" wave:3 idle:2
expect 0 im import "$T/in"
ids=$(count "SELECT group_concat(id,' ') FROM (SELECT id FROM recordings ORDER BY id)")
[ "$ids" = "1 2 3 4 5" ] || fail "ids $ids"
# relabel
expect 0 im relabel 1 2 "left swipe"
[ "$(count "SELECT count(*) FROM recordings WHERE label='left swipe'")" = 2 ] || fail "relabel"
before=$(sqlite3 "$DB" .dump | sha256sum)
expect 1 im relabel 1 99 other; err_has "no recording 99"
expect 2 im relabel 1 ""; err_has "label is empty"
expect 2 im relabel 1 "$(printf 'z%.0s' $(seq 65))"; err_has "over 64"
expect 2 im relabel 1 "$(printf 'a\377b')"; err_has "UTF-8"
[ "$(sqlite3 "$DB" .dump | sha256sum)" = "$before" ] || fail "a failed relabel changed the database"
# rm / restore / purge
expect 0 im rm 1 3
[ "$(count "SELECT count(*) FROM recordings WHERE deleted_at IS NOT NULL")" = 2 ] || fail "rm"
expect 0 im list --json; [ "$(json length)" = 3 ] || fail "list hides the trash"
expect 0 im list --deleted --json; [ "$(json '[].id')" = "[1,3]" ] || fail "list --deleted"
expect 0 im stats --json; [ "$(json .recordings .trash)" = "3 2" ] || fail "stats excludes the trash"
expect 1 im rm 2 1; err_has "recording 1 is in the trash"
[ "$(count "SELECT deleted_at IS NULL FROM recordings WHERE id=2")" = 1 ] || fail "a failed rm changed recording 2"
expect 1 im restore 2; err_has "not in the trash"
expect 0 im restore 3
expect 1 im relabel 1 x; err_has "in the trash"
expect 0 im purge
out_has "purged 1 recording"
[ "$(count "SELECT count(*) FROM recordings")" = 4 ] || fail "purge"
[ "$(count "SELECT count(*) FROM chunks WHERE recording_id=1")" = 0 ] || fail "purge left chunks"
[ "$(count "SELECT count(*) FROM axes WHERE recording_id=1")" = 0 ] || fail "purge left axes"
expect 0 im rm 4; expect 1 im purge 5; err_has "not in the trash"; expect 0 im purge 4
[ "$(count "SELECT count(*) FROM recordings")" = 3 ] || fail "purge ID"
# trim: recording 2 at 100 Hz
n=$(count "SELECT sample_count FROM recordings WHERE id=2")
first=$(count "SELECT hex(substr(data, 1+10*12, 12)) FROM chunks WHERE recording_id=2 AND seq=0")
expect 0 im trim 2 --start-ms 100 --end-ms 400
[ "$(count "SELECT sample_count FROM recordings WHERE id=2")" = 30 ] || fail "trim count"
[ "$(count "SELECT sum(n_samples) FROM chunks WHERE recording_id=2")" = 30 ] || fail "trim chunks"
[ "$(count "SELECT hex(substr(data, 1, 12)) FROM chunks WHERE recording_id=2 AND seq=0")" = "$first" ] \
  || fail "trim kept the wrong samples"
expect 1 im trim 2 --start-ms 5000; err_has "past its end"
expect 1 im trim 2 --end-ms 5000; err_has "past its end"
expect 2 im trim 2 --start-ms 300 --end-ms 200
expect 1 im trim 42 --start-ms 1; err_has "no recording 42"
[ "$(count "SELECT sample_count FROM recordings WHERE id=2")" = 30 ] || fail "failed trims changed it"
# trim a recording with gaps (as imulabd stores them: at_sample = index of the first stored sample
# after the gap): gaps before the kept range and at or after its end go, the others shift by the
# start; the recording's gap count and missing samples follow; the samples are the same as without
# gaps (the time of a stored sample is its index / rate, docs/dataset.md).
[ "$(count "SELECT sample_count >= 50 FROM recordings WHERE id=3")" = 1 ] || fail "recording 3 too short"
sqlite3 "$DB" "INSERT INTO gaps(recording_id, at_sample, missing_frames, missing_samples, detected_at) VALUES
  (3, 5, 1, 1, 0), (3, 10, 1, 2, 0), (3, 11, 1, 3, 0), (3, 39, 1, 4, 0), (3, 40, 1, 5, 0), (3, 45, 1, 6, 0);
  UPDATE recordings SET gap_count=6, missing_samples=21 WHERE id=3;
  INSERT INTO gaps(recording_id, at_sample, missing_frames, missing_samples, detected_at)
    SELECT id, 7, 1, 1, 0 FROM recordings WHERE id <> 3" || fail "gaps insert"
kept=$(count "SELECT hex(substr(data, 1 + 10*12, 30*12)) FROM chunks WHERE recording_id=3 AND seq=0")
expect 0 im trim 3 --start-ms 100 --end-ms 400
[ "$(count "SELECT group_concat(at_sample || ':' || missing_samples, ' ') FROM (SELECT * FROM gaps WHERE recording_id=3 ORDER BY at_sample)")" = "0:2 1:3 29:4" ] \
  || fail "gaps after trim: $(count "SELECT group_concat(at_sample || ':' || missing_samples, ' ') FROM gaps WHERE recording_id=3")"
[ "$(count "SELECT gap_count || ' ' || missing_samples || ' ' || sample_count FROM recordings WHERE id=3")" = "3 9 30" ] \
  || fail "counts after trim: $(count "SELECT gap_count, missing_samples, sample_count FROM recordings WHERE id=3")"
[ "$(count "SELECT hex(data) FROM chunks WHERE recording_id=3 AND seq=0")" = "$kept" ] || fail "trim with gaps kept the wrong samples"
expect 0 im show 3 --json; [ "$(json .gaps .missing_samples)" = "3 9" ] || fail "show after trim: $(cat "$T/out")"
[ "$(count "SELECT count(*) FROM gaps WHERE recording_id <> 3 AND at_sample <> 7")" = 0 ] || fail "trim moved another recording's gaps"
# show, plot
expect 0 im show 2; out_has "left swipe"; out_has "accX"
expect 0 im show 2 --json; [ "$(json .samples '.axes[1].name')" = "30 accY" ] || fail "show --json"
expect 1 im show 77; err_has "no recording 77"
expect 0 im plot 2 --out "$T/p.svg"
# well-formed XML (xmllint complains otherwise) with 3 polyline elements
[ "$(xmllint --xpath 'count(//*[name()="polyline"])' "$T/p.svg" 2>"$T/xml.err")" = 3 ] && [ ! -s "$T/xml.err" ] \
  || fail "plot: not an SVG with 3 lines: $(head -c 300 "$T/xml.err")"
expect 2 im plot 2 --out "$T/p.png"
expect 1 im plot 2 --out "$T/no/such/dir/p.svg"
# windows: 30 samples, 100 ms windows every 50 ms -> 1 + (30-10)/5 = 5; shorter than a window -> 1
expect 0 im windows --window-ms 100 --stride-ms 50 --label "left swipe" --json
[ "$(json '.labels["left swipe"].total')" = 5 ] || fail "windows: $(cat $T/out)"
expect 0 im windows --window-ms 1000 --label "left swipe" --json
[ "$(json '.labels["left swipe"].total')" = 1 ] || fail "windows zero-padded"
echo ok
