#!/bin/bash
# SPDX-License-Identifier: MIT
# export -> import round trips over both formats keep values, labels, categories, rates, axes,
# sample names and device names: a one-row recording, 16 kHz and 32 kHz, a single axis, labels
# with spaces, dots and non-ASCII characters. Duplicates are whole samples: the same values
# under another label are imported, a re-import of an export is all duplicates, each named.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/in"
# ej FILE INTERVAL_MS SENSORS VALUES [DEVICE_NAME]: an unsigned Edge Impulse JSON file
ej() {
  local dn=""
  [ -n "${5:-}" ] && dn="\"device_name\":\"$5\","
  printf '{"protected":{"ver":"v1","alg":"none","iat":1700000000},"signature":"%064d","payload":{%s"device_type":"XIAO","interval_ms":%s,"sensors":[%s],"values":[%s]}}' \
    0 "$dn" "$2" "$3" "$4" > "$T/in/$1"
}
S3='{"name":"accX","units":"m/s2"},{"name":"accY","units":"m/s2"},{"name":"accZ","units":"m/s2"}'
ej a.json 10 "$S3" '[1.5,-2.25,9.81],[1.25,-2,9.5],[0.1,0.2,0.3],[3.4e38,-1e-7,0],[7,8,9]' 'ac:87:a3:0a:2d:1b'
# the same values under another label: not a duplicate
ej e.json 10 "$S3" '[1.5,-2.25,9.81],[1.25,-2,9.5],[0.1,0.2,0.3],[3.4e38,-1e-7,0],[7,8,9]'
v16=$(seq -s, 0.5 1 39.5)
ej b.json 0.0625 '{"name":"audio","units":"wav"}' "$v16"
v32=$(for i in $(seq 1 30); do printf '[%d,-%d.5],' "$i" "$i"; done)
ej c.json 0.03125 '{"name":"x","units":"g"},{"name":"y","units":"g"}' "${v32%,}"
ej d.json 20 "$S3" '[0.5,0.25,-0.125]'
cat > "$T/in/info.labels" <<'EOF'
{"version":1,"files":[
 {"path":"a.json","name":"wave s.1","category":"training","label":{"type":"label","label":"wave hello"}},
 {"path":"e.json","name":"other.1","category":"training","label":{"type":"label","label":"other"}},
 {"path":"b.json","name":"kw.16k","category":"testing","label":{"type":"label","label":"v1.2.3"}},
 {"path":"c.json","name":"ünï.32k","category":"split","label":{"type":"label","label":"ünïcödé 日本"}},
 {"path":"d.json","name":"one.row","category":"training","label":{"type":"label","label":"one"}}]}
EOF
expect 0 im import "$T/in"
out_has "imported 5 recordings (81 samples) from 5 files"
# rows: label|category|samples|rate|axes|hash|name
rows() {
  sqlite3 "$1" "SELECT label, category, sample_count, sample_rate_hz, n_axes,
    (SELECT group_concat(name||':'||unit) FROM (SELECT name, unit FROM axes WHERE recording_id=r.id ORDER BY idx)),
    content_hash, coalesce(name,'') FROM recordings r ORDER BY label, name"
}
rows "$DB" > "$T/orig"
grep -qF "v1.2.3|testing|40|16000.0|1|audio:wav|" "$T/orig" || fail "16 kHz single axis: $(cat "$T/orig")"
grep -qF "ünïcödé 日本|unassigned|30|32000.0|2|x:g,y:g|" "$T/orig" || fail "32 kHz: $(cat "$T/orig")"
grep -qF "one|training|1|50.0|3|" "$T/orig" || fail "one row: $(cat "$T/orig")"
[ "$(grep -c '|5|100.0|3|' "$T/orig")" = 2 ] || fail "equal values, different labels: both imported? $(cat "$T/orig")"
expect 0 im list --json
[ "$(json '[0].name')" = "wave s.1" ] || fail "list --json name: $(head -c 300 "$T/out")"
for fmt in ei-json csv; do
  DB=$T/a.db expect 0 im export --format $fmt --out "$T/ex-$fmt"
  DB=$T/$fmt.db expect 0 im import "$T/ex-$fmt"
  out_has "imported 5 recordings (81 samples)"
  rows "$T/$fmt.db" > "$T/back-$fmt"
  if [ $fmt = csv ]; then
    # CSV has no units: compare without them
    sed 's/:[^,|]*\([,|]\)/\1/g' "$T/orig" > "$T/orig-nounits"
    sed 's/:[^,|]*\([,|]\)/\1/g' "$T/back-$fmt" > "$T/back-nounits"
    diff "$T/orig-nounits" "$T/back-nounits" || fail "csv round trip differs (above)"
  else
    diff "$T/orig" "$T/back-$fmt" || fail "$fmt round trip differs (above)"
  fi
done
# what the files hold: device_name kept, one sensor flat, 16 kHz timestamps exact
f=$(ls "$T/ex-ei-json"/wave\ hello.*.json)
grep -qF '"device_name":"ac:87:a3:0a:2d:1b"' "$f" || fail "export drops device_name: $(head -c 300 "$f")"
[ "$(sqlite3 "$T/ei-json.db" "SELECT count(*) FROM devices WHERE port='ac:87:a3:0a:2d:1b' AND board='XIAO'")" = 1 ] ||
  fail "device_name lost in the JSON round trip"
f=$(ls "$T/ex-ei-json"/v1_2_3.*.json)
grep -qF '"values":[0.5,1.5,2.5,' "$f" || fail "single-axis values are not flat: $(head -c 400 "$f")"
f=$(ls "$T/ex-csv"/v1_2_3.*.csv)
sed -n 3p "$f" | grep -qx '0.0625,1.5' || fail "16 kHz CSV timestamp: $(sed -n 3p "$f")"
sed -n 41p "$f" | grep -qx '2.4375,39.5' || fail "16 kHz CSV timestamp: $(sed -n 41p "$f")"
# a 16 kHz CSV from elsewhere keeps 16000 Hz; a one-row CSV alone needs its interval
mkdir "$T/c16"; { echo timestamp,mic; for i in $(seq 0 99); do echo "$(echo "$i * 0.0625" | bc -l | sed 's/^\./0./'),$i"; done; } > "$T/c16/kw.1.csv"
DB=$T/c16.db expect 0 im import "$T/c16"
[ "$(sqlite3 "$T/c16.db" "SELECT sample_rate_hz FROM recordings")" = 16000.0 ] || fail "16 kHz CSV rate"
mkdir "$T/one"; cp "$T/ex-csv"/one.*.csv "$T/one/"
DB=$T/one.db expect 1 im import "$T/one"; err_has "single row cannot tell the sample rate"
# re-importing an export: every file a duplicate, each named with the recording it duplicates
expect 0 im import "$T/ex-ei-json"
out_has "imported 0 recordings (0 samples) from 5 files; skipped: 5 duplicates"
out_has ": duplicate of recording 1 ($T/in/a.json, name wave s.1): same values"
out_has "label 'wave hello' and category training"
[ "$(count 'SELECT count(*) FROM recordings')" = 5 ] || fail "duplicates added"
expect 0 im import --keep-duplicates "$T/ex-csv"
out_has "imported 5 recordings"
[ "$(count 'SELECT count(*) FROM recordings')" = 10 ] || fail "--keep-duplicates"
echo ok
