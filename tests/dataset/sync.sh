#!/bin/bash
# SPDX-License-Identifier: MIT
# imulab sync against a real PostgreSQL server started here (initdb + pg_ctl in a temporary
# directory, as a non-root user, Unix socket only): stations that imported different recordings
# end with the same dataset, edits (relabel, rm, trim) travel with the later edit winning, purges
# reach everyone, a third sync moves nothing, an interrupted sync leaves both sides consistent and
# the next run completes it, a newer server schema and a stopped server are refused.
. "$(dirname "$0")/lib.sh"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] || { echo "SKIP: PostgreSQL server (initdb, pg_ctl) missing"; exit 77; }
command -v psql >/dev/null || { echo "SKIP: psql missing"; exit 77; }

# PostgreSQL refuses to run as root: use the postgres (or nobody) account then.
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  u=postgres; id "$u" >/dev/null 2>&1 || u=nobody
  RUNAS=(runuser -u "$u" --)
  chmod 755 "$T"
fi
mkdir -p "$T/pg" "$T/sock" "$T/log"
[ ${#RUNAS[@]} = 0 ] || chown "$u" "$T/pg" "$T/sock" "$T/log"
PORT=5432
"${RUNAS[@]}" "$PGBIN/initdb" -D "$T/pg" -U lab --auth=trust -E UTF8 >"$T/initdb.log" 2>&1 || fail "initdb: $(tail -3 "$T/initdb.log")"
pg_start() {
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/pg" -l "$T/log/pg.log" -w -t 60 \
    -o "-c listen_addresses='' -k $T/sock -p $PORT -c fsync=off" start >/dev/null || fail "pg_ctl start: $(tail -3 "$T/log/pg.log")"
}
pg_stop() { "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$T/pg" -m fast -w stop >/dev/null 2>&1; }
trap 'pg_stop; rm -rf "$T"' EXIT
pg_start
PSQL=(psql -X -q -A -t -h "$T/sock" -p "$PORT" -U lab)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE lab" || fail "createdb"
CONN="postgresql:///lab?host=$T/sock&port=$PORT&user=lab"
q() { "${PSQL[@]}" -d lab -c "$1"; }

A=$T/a.db B=$T/b.db C=$T/c.db
sync_json() { # DB -> the JSON counts in $T/out
  expect 0 "$IMULAB" --db "$1" sync --remote "$CONN" --json
}
counts() { json .pushed .pulled .updated; }
want_counts() { # DB "PUSHED PULLED UPDATED"
  sync_json "$1"; local got; got=$(counts)
  [ "$got" = "$2" ] || fail "sync of $(basename "$1"): pushed/pulled/updated $got, want $2"
}
# everything a station holds, by uid: metadata (with the device), axes, gaps and every chunk's bytes
dump() {
  sqlite3 "$1" "SELECT uid, label, category, coalesce(subject,''), started_at, ended_at, sample_rate_hz, format,
                       n_axes, sample_count, gap_count, missing_samples, content_hash, coalesce(deleted_at,''),
                       updated_at, coalesce(name,''),
                       coalesce((SELECT board || '/' || sensor || '/' || firmware || '/' || port FROM devices d
                                 WHERE d.id = recordings.device_id), 'no device') FROM recordings ORDER BY uid;
                SELECT r.uid, a.idx, a.name, a.unit, a.scale FROM axes a JOIN recordings r ON r.id=a.recording_id
                  ORDER BY r.uid, a.idx;
                SELECT r.uid, c.seq, c.first_sample, c.n_samples, c.device_t_us, hex(c.data) FROM chunks c
                  JOIN recordings r ON r.id=c.recording_id ORDER BY r.uid, c.seq;
                SELECT r.uid, g.at_sample, g.missing_frames, g.missing_samples FROM gaps g
                  JOIN recordings r ON r.id=g.recording_id ORDER BY r.uid, g.at_sample;"
}
same() { # DB DB: identical datasets
  dump "$1" >"$T/d1"; dump "$2" >"$T/d2"
  cmp -s "$T/d1" "$T/d2" || fail "$(basename "$1") and $(basename "$2") differ: $(diff "$T/d1" "$T/d2" | head -c 400)"
}
# the server is consistent: every recording has all its samples and axes
server_consistent() {
  local bad
  bad=$(q "SELECT r.uid FROM recordings r LEFT JOIN (SELECT uid, sum(n_samples) n FROM chunks GROUP BY uid) c
           ON c.uid=r.uid WHERE coalesce(c.n,0) <> r.sample_count
           OR (SELECT count(*) FROM axes a WHERE a.uid=r.uid) <> r.n_axes")
  [ -z "$bad" ] || fail "server recordings with missing samples or axes: $bad"
}
local_consistent() {
  local bad
  bad=$(sqlite3 "$1" "SELECT r.id FROM recordings r WHERE r.sample_count <> (SELECT coalesce(sum(n_samples),0)
           FROM chunks c WHERE c.recording_id=r.id) OR r.n_axes <> (SELECT count(*) FROM axes a WHERE a.recording_id=r.id)")
  [ -z "$bad" ] || fail "$(basename "$1"): recordings with missing samples or axes: $bad"
}

# -- usage and connection errors: nothing printed of the credentials, nothing changed
expect 2 "$IMULAB" --db "$A" sync
err_has "--remote CONNINFO is required"
expect 2 "$IMULAB" --db "$A" sync --remote "host=/x port=notanumber= =="
err_has "--remote"
expect 1 "$IMULAB" --db "$A" sync --remote "postgresql:///lab?host=$T/nosuchdir&user=lab&password=hunter2secret"
err_has "cannot connect"
grep -q hunter2secret "$T/err" "$T/out" && fail "the password was printed"

# -- two stations with different recordings (subjects on A)
gen "$T/ga" walk:3:training wave:2:testing
gen "$T/gb" idle:2:training wave:1:testing
expect 0 "$IMULAB" --db "$A" import "$T/ga"
expect 0 "$IMULAB" --db "$B" import "$T/gb"
sqlite3 "$A" "UPDATE recordings SET subject='ana' WHERE id IN (1,2)"
# A pushes 5 (and sets the server up), B pushes 3 and pulls 5, A pulls 3; then nothing moves
want_counts "$A" "5 0 0"
err_has "set up the imulab schema"
want_counts "$B" "3 5 0"
want_counts "$A" "0 3 0"
want_counts "$B" "0 0 0"
want_counts "$A" "0 0 0"
same "$A" "$B"
[ "$(q 'SELECT count(*) FROM recordings')" = 8 ] || fail "server holds $(q 'SELECT count(*) FROM recordings') recordings, want 8"
[ "$(sqlite3 "$B" "SELECT count(*) FROM recordings WHERE subject='ana'")" = 2 ] || fail "subjects did not travel"
server_consistent

# -- a relabel on A reaches B; a third sync moves nothing
uid=$(sqlite3 "$A" "SELECT uid FROM recordings WHERE id=1")
expect 0 "$IMULAB" --db "$A" relabel 1 jump
want_counts "$A" "0 0 1"
want_counts "$B" "0 0 1"
[ "$(sqlite3 "$B" "SELECT label FROM recordings WHERE uid='$uid'")" = jump ] || fail "relabel did not reach B"
want_counts "$A" "0 0 0"
want_counts "$B" "0 0 0"
same "$A" "$B"

# -- trash and restore on B, a trim on A (samples change), a category change
bid=$(sqlite3 "$B" "SELECT id FROM recordings WHERE uid='$uid'")
expect 0 "$IMULAB" --db "$B" rm "$bid"
uid2=$(sqlite3 "$A" "SELECT uid FROM recordings WHERE id=2")
expect 0 "$IMULAB" --db "$A" trim 2 --end-ms 300
want_counts "$B" "0 0 1"
want_counts "$A" "0 0 2"
want_counts "$B" "0 0 1"
same "$A" "$B"
[ -n "$(sqlite3 "$A" "SELECT deleted_at FROM recordings WHERE uid='$uid'")" ] || fail "rm did not reach A"
[ "$(sqlite3 "$B" "SELECT sample_count FROM recordings WHERE uid='$uid2'")" = 30 ] || fail "trim did not reach B"
expect 0 "$IMULAB" --db "$A" restore 1
want_counts "$A" "0 0 1"
want_counts "$B" "0 0 1"
[ -z "$(sqlite3 "$B" "SELECT deleted_at FROM recordings WHERE uid='$uid'")" ] || fail "restore did not reach B"

# -- the later of two edits wins, on both stations
expect 0 "$IMULAB" --db "$A" relabel 3 early
sleep 0.05
bid3=$(sqlite3 "$B" "SELECT id FROM recordings WHERE uid=(SELECT uid FROM recordings WHERE id=3)" 2>/dev/null)
uid3=$(sqlite3 "$A" "SELECT uid FROM recordings WHERE id=3")
bid3=$(sqlite3 "$B" "SELECT id FROM recordings WHERE uid='$uid3'")
expect 0 "$IMULAB" --db "$B" relabel "$bid3" late
want_counts "$A" "0 0 1"
want_counts "$B" "0 0 1"
want_counts "$A" "0 0 1"
[ "$(sqlite3 "$A" "SELECT label FROM recordings WHERE uid='$uid3'")" = late ] || fail "the later edit lost on A"
same "$A" "$B"

# -- a purge on A removes the recording everywhere
uid4=$(sqlite3 "$A" "SELECT uid FROM recordings WHERE id=4")
expect 0 "$IMULAB" --db "$A" rm 4
expect 0 "$IMULAB" --db "$A" purge 4
want_counts "$A" "0 0 1"
want_counts "$B" "0 0 1"
[ "$(sqlite3 "$B" "SELECT count(*) FROM recordings WHERE uid='$uid4'")" = 0 ] || fail "purge did not reach B"
[ "$(q "SELECT count(*) FROM recordings WHERE uid='$uid4'")" = 0 ] || fail "purge did not reach the server"
want_counts "$A" "0 0 0"
want_counts "$B" "0 0 0"
same "$A" "$B"

# -- an interrupted pull (as by kill -9 after 2 recordings) leaves C consistent; the next run completes
IMULAB_SYNC_FAIL_AFTER=2 "$IMULAB" --db "$C" sync --remote "$CONN" >"$T/out" 2>"$T/err"
[ $? = 137 ] || fail "the interrupted sync did not die as asked"
[ "$(sqlite3 "$C" "SELECT count(*) FROM recordings")" = 2 ] || fail "after the interruption C holds $(sqlite3 "$C" "SELECT count(*) FROM recordings"), want 2"
local_consistent "$C"
want_counts "$C" "0 5 0"
same "$A" "$C"
# -- an interrupted push leaves the server consistent; the next run completes it
gen "$T/gc" tap:3:training
expect 0 "$IMULAB" --db "$C" import "$T/gc"
IMULAB_SYNC_FAIL_AFTER=1 "$IMULAB" --db "$C" sync --remote "$CONN" >"$T/out" 2>"$T/err"
[ $? = 137 ] || fail "the interrupted push did not die as asked"
[ "$(q 'SELECT count(*) FROM recordings')" = 8 ] || fail "after the interrupted push the server holds $(q 'SELECT count(*) FROM recordings'), want 8"
server_consistent
want_counts "$C" "2 0 0"
want_counts "$A" "0 3 0"
same "$A" "$C"

# -- a newer server schema is refused, and nothing changes
q "UPDATE imulab_meta SET value='99' WHERE key='schema_version'"
expect 0 "$IMULAB" --db "$A" relabel 1 walk
dump "$A" >"$T/before"
expect 1 "$IMULAB" --db "$A" sync --remote "$CONN"
err_has "schema version 99, newer than this imulab's"
dump "$A" >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a refused sync changed the station"
q "UPDATE imulab_meta SET value='1' WHERE key='schema_version'"
# -- a database with other tables is not taken over
"${PSQL[@]}" -d postgres -c "CREATE DATABASE other" || fail "createdb other"
"${PSQL[@]}" -d other -c "CREATE TABLE recordings(x int)" || fail "create table"
expect 1 "$IMULAB" --db "$A" sync --remote "postgresql:///other?host=$T/sock&port=$PORT&user=lab"
err_has "not an imulab database"

# -- a stopped server: an error, the station unchanged; later the sync completes
pg_stop
expect 1 "$IMULAB" --db "$A" sync --remote "$CONN"
err_has "cannot connect"
dump "$A" >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a failed sync changed the station"
pg_start
want_counts "$A" "0 0 1"
echo "sync: ok"
