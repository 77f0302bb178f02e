#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile inputs to the imulab CLI (issue 16): each case failed before its fix.
#  - a directory with two self-symlinks imports in seconds and names the loop (defect 8);
#  - trim --start-ms 1e300: a usage error naming the range, no crash (defect 7);
#  - a recording with a 1e300 ms interval (hand-edited database): CSV export is a clear error,
#    ei-json export a valid file; an EI file with interval_ms 1e300 is refused (defect 6);
#  - read and edit commands on a missing --db create nothing, and another program's SQLite
#    file is refused untouched (defect 10);
#  - numeric options out of range name the range (defect 11);
#  - split on an empty database, import of an empty directory (qsort with a NULL base, which
#    UBSan reports, defect 13);
#  - CSV with equal timestamps under --label-column names the line; control characters in
#    file names are escaped in messages.
. "$(dirname "$0")/lib.sh"
gen "$T/in" wave:2 idle:1

# --- symbolic link loops: ln -s . a; ln -s . b
mkdir -p "$T/loop"
cp "$T/in/"*.json "$T/loop/"
ln -s . "$T/loop/a"
ln -s . "$T/loop/b"
start=$(date +%s)
expect 0 timeout 20 "$IMULAB" --db "$DB" import "$T/loop"
[ $(( $(date +%s) - start )) -le 10 ] || fail "a symlink loop took over 10 s to import"
out_has "a symbolic link loop back to $T/loop"
out_has "imported 3 recordings"
[ "$(count "SELECT count(*) FROM recordings")" = 3 ] || fail "loop import stored $(count "SELECT count(*) FROM recordings") recordings"

# --- trim with absurd numbers
expect 2 im trim 1 --start-ms 1e300; err_has "--start-ms must be a number from 0 to 1e+12"
expect 2 im trim 1 --end-ms 1e300; err_has "--end-ms must be a number from"
expect 1 im trim 1 --start-ms 999999999; err_has "at or past its end"

# --- 1e300 ms intervals
"$TOOLS/jget" -f "$T/in/wave.f1.json" -s .payload.interval_ms=1e300 -o >"$T/huge.json" || fail "jget"
expect 1 im import "$T/huge.json"; err_has "payload.interval_ms: must be a positive number of milliseconds from"
id=$(count "SELECT min(id) FROM recordings WHERE label='wave'")
sqlite3 "$DB" "UPDATE recordings SET sample_rate_hz=1e-297 WHERE id=$id" || fail "sqlite3"
expect 1 im export --format csv --out "$T/csv" --label wave
err_has "recording $id: a sample interval of 1e+300 ms puts its timestamps past 1e15 ms"
expect 0 im export --format ei-json --out "$T/json" --label wave
f=$(ls "$T/json"/wave.$id.json) || fail "no ei-json export of recording $id"
"$TOOLS/jget" -f "$f" .payload.interval_ms >"$T/iv" || fail "exported JSON unreadable"
grep -Eq "e\+(299|300)" "$T/iv" || fail "exported interval_ms: $(cat "$T/iv")"

# --- a mistyped --db creates nothing
cd "$T" || fail "cd"
for c in "relabel 1 x" "rm 1" "restore 1" "purge" "trim 1 --start-ms 10" "split --dry-run" "show 1" \
         "export --format csv --out $T/never"; do
    # shellcheck disable=SC2086
    expect 1 "$IMULAB" --db "$T/nodir/typo.db" $c
    err_has "no database there"
    [ -e "$T/nodir" ] && fail "'$c' with a missing --db created $T/nodir"
    [ -e "$T/never" ] && fail "'$c' created the export directory"
done
sqlite3 "$T/other.db" "CREATE TABLE t(a); INSERT INTO t VALUES (1);" || fail "sqlite3"
sum=$(sha256sum <"$T/other.db")
for c in "relabel 1 x" "rm 1" "purge" "split --dry-run" "show 1" "import $T/in"; do
    # shellcheck disable=SC2086
    expect 1 "$IMULAB" --db "$T/other.db" $c
    err_has "not an imulab database"
done
[ "$(sha256sum <"$T/other.db")" = "$sum" ] || fail "another program's database was changed"
[ "$(sqlite3 "$T/other.db" "PRAGMA journal_mode")" = delete ] || fail "another program's database was put in WAL mode"
[ -e "$T/other.db-wal" ] && fail "a WAL file was created next to another program's database"

# --- numeric options name their range
expect 2 im windows --window-ms 1e99; err_has "--window-ms must be a number from 1 to 600000"
expect 2 im windows --window-ms 100 --stride-ms 0; err_has "--stride-ms must be a number from 1 to 600000"
expect 2 im import --rate-hz 1e300 "$T/in"; err_has "--rate-hz must be a number from"
expect 2 "$IMULAB" train --out "$T/m" --epochs 0; err_has "--epochs must be from 1 to 100000"

# --- empty inputs: no qsort on NULL
mkdir -p "$T/empty"
expect 0 "$IMULAB" --db "$T/empty.db" import "$T/empty"
out_has "imported 0 recordings"
expect 0 "$IMULAB" --db "$T/empty.db" split --json
expect 1 "$IMULAB" --db "$T/empty.db" import "$T/does-not-exist"

# --- CSV with equal timestamps under --label-column
printf 'timestamp,label,x\n0,a,1\n0,a,2\n0,a,3\n10,b,4\n20,b,5\n' >"$T/eq.csv"
expect 1 im import --label-column label "$T/eq.csv"
err_has "line 2: the timestamps from here give a sample rate of inf Hz, outside"

# --- duplicates: the same numbers as other axes or another shape are other data
mkdir -p "$T/dup"
printf 'timestamp,x,y\n0,1,2\n10,3,4\n20,5,6\n' >"$T/dup/wave.a.csv"
printf 'timestamp,p,q\n0,1,2\n10,3,4\n20,5,6\n' >"$T/dup/wave.b.csv"
printf 'timestamp,x\n0,1\n10,2\n20,3\n30,4\n40,5\n50,6\n' >"$T/dup/wave.c.csv"
printf 'timestamp,x,y\n0,1,2\n10,3,4\n20,5,6\n' >"$T/dup/wave.d.csv"
expect 0 "$IMULAB" --db "$T/dup.db" import "$T/dup"
out_has "imported 3 recordings"
out_has "wave.d.csv: duplicate of recording"
[ "$(sqlite3 "$T/dup.db" "SELECT count(*) FROM recordings")" = 3 ] || fail "same values under other axes were skipped"

# --- an info.labels pointing outside its folder is refused unless --allow-outside
mkdir -p "$T/outside/ds" "$T/secret"
cp "$T/in/wave.f1.json" "$T/secret/wave.s.json"
printf '{"version":1,"files":[{"path":"../secret/wave.s.json","category":"training","label":{"type":"label","label":"wave"}}]}' \
    >"$T/outside/ds/info.labels"
expect 1 "$IMULAB" --db "$T/out.db" import "$T/outside/ds/info.labels"
err_has "files[0].path: '../secret/wave.s.json' is outside its folder"
printf '{"version":1,"files":[{"path":"%s","category":"training","label":{"type":"label","label":"wave"}}]}' \
    "$T/secret/wave.s.json" >"$T/outside/ds/info.labels"
expect 1 "$IMULAB" --db "$T/out.db" import "$T/outside/ds/info.labels"
err_has "is an absolute path"
expect 0 "$IMULAB" --db "$T/out.db" import --allow-outside "$T/outside/ds/info.labels"
out_has "imported 1 recording"

# --- a 10,000-column CSV is named with its real column count (the header was cut at 4 KiB)
{ printf 'timestamp'; for i in $(seq 9999); do printf ',c%d' "$i"; done; printf '\n'; } >"$T/wide.csv"
expect 1 im import "$T/wide.csv"; err_has "line 1: 10000 columns, at most 64"

# --- control characters in a file name are escaped
mkdir -p "$T/esc"
printf 'not json' >"$T/esc/wave.$(printf '\033')[31mred.json"
expect 1 im import "$T/esc"
grep -q "$(printf '\033')" "$T/err" && fail "a raw ESC byte reached the terminal: $(cat -v "$T/err")"
err_has 'wave.\x1b[31mred.json'
echo "PASS: hostile CLI inputs"
