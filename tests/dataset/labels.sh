#!/bin/bash
# SPDX-License-Identifier: MIT
# info.labels as Edge Impulse writes them: the NDJSON form of large exports, label types
# unlabeled and multi-label, category validation, and files listed but missing (--skip-missing).
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/p"
# ej FILE INTERVAL_MS N: a 2-axis Edge Impulse JSON file of N samples (values i, -i)
ej() {
  local v
  v=$(for i in $(seq 1 "$3"); do printf '[%d,-%d],' "$i" "$i"; done)
  printf '{"protected":{"ver":"v1","alg":"none"},"signature":"%064d","payload":{"device_type":"PHONE","interval_ms":%s,"sensors":[{"name":"x","units":"g"},{"name":"y","units":"g"}],"values":[%s]}}' \
    0 "$2" "${v%,}" > "$T/p/$1"
}
ej s1.json 10 20
ej s2.json 10 30
ej s3.json 10 40
ej s4.json 10 50
# NDJSON: a header line, then one entry per line
cat > "$T/p/info.labels" <<'EOF'
{"__ndjson":true,"version":1}
{"path":"s1.json","name":"s1","category":"training","label":{"type":"label","label":"walk"}}
{"path":"s2.json","name":"s2","category":"validation","label":{"type":"label","label":"run"}}

{"path":"s3.json","name":"s3","category":"testing","label":{"type":"unlabeled"}}
{"path":"s4.json","name":"s4","category":"training","label":{"type":"multi-label","labels":[{"label":"idle","startIndex":0,"endIndex":99},{"label":"jump","startIndex":100,"endIndex":349},{"label":"idle","startIndex":350,"endIndex":499}]}}
EOF
expect 0 im import "$T/p"
out_has "imported 6 recordings (140 samples) from 4 files; 3 recordings from multi-label segments; 1 unlabeled (label 'unlabeled'); 1 validation stored as training"
got=$(count "SELECT group_concat(label||':'||category||':'||sample_count||':'||name, ' ') FROM (SELECT * FROM recordings ORDER BY id)")
[ "$got" = "walk:training:20:s1 run:training:30:s2 unlabeled:testing:40:s3 idle:training:10:s4 jump:training:25:s4 idle:training:15:s4" ] ||
  fail "recordings: $got"
count "SELECT notes FROM recordings WHERE name='s2'" | grep -q "validation" || fail "validation not noted"
count "SELECT notes FROM recordings WHERE name='s3'" | grep -q "unlabeled" || fail "unlabeled not noted"
count "SELECT notes FROM recordings WHERE label='jump'" | grep -qF "segment 2 of 3 (100-349 ms)" || fail "segment not noted"
# the segments hold exactly their samples: jump is samples 10..34 (values 11..35)
hash_jump=$(count "SELECT content_hash FROM recordings WHERE label='jump'")
v=$(for i in $(seq 11 35); do printf '[%d,-%d],' "$i" "$i"; done)
mkdir "$T/j"
printf '{"protected":{"ver":"v1","alg":"none"},"signature":"%064d","payload":{"interval_ms":10,"sensors":[{"name":"x"},{"name":"y"}],"values":[%s]}}' 0 "${v%,}" > "$T/j/jump.x.json"
DB=$T/j.db expect 0 im import "$T/j"
[ "$(sqlite3 "$T/j.db" "SELECT content_hash FROM recordings")" = "$hash_jump" ] || fail "the jump segment holds other samples"
# a listed file that is missing: refused, naming the option; imported with --skip-missing
DB=$T/m.db
rm "$T/p/s2.json"
expect 1 im import "$T/p"
err_has "line 3.path: $T/p/s2.json: No such file or directory (give --skip-missing to import the other files)"
[ "$(count 'SELECT count(*) FROM recordings' 2>/dev/null || echo 0)" = 0 ] || fail "a failed import left recordings"
expect 0 im import --skip-missing "$T/p"
out_has "skipped $T/p/s2.json: listed in $T/p/info.labels (line 3) but missing"
out_has "imported 5 recordings (110 samples) from 3 files; skipped: 1 missing file (--skip-missing)"
# regression targets written as numbers are labels too
DB=$T/r.db
printf '{"version":1,"files":[{"path":"s1.json","label":{"type":"label","label":5.02}},{"path":"s3.json","label":0.1}]}' > "$T/p/info.labels"
expect 0 im import "$T/p"
[ "$(count "SELECT group_concat(label, ' ') FROM (SELECT label FROM recordings ORDER BY id)")" = "5.02 0.1 s4" ] ||
  fail "numeric labels: $(count "SELECT id, label, name FROM recordings") $(cat $T/out)"
# the JSON form too, and bad NDJSON lines are named by line
DB=$T/n.db
printf '{"__ndjson":true}\n{"path":"s1.json","label":"walk"}\n{"path":"s3.json","label":{"type":"bogus"}}\nnot json\n' > "$T/p/info.labels"
expect 1 im import "$T/p"
err_has "info.labels: line 3.label.type: 'bogus' is not label, unlabeled or multi-label (file s3.json)"
err_has "info.labels: line 4, column 1: not valid JSON"
printf '{"version":1,"files":[{"path":"s1.json","label":"walk"}]}\n{"x":1}\n' > "$T/p/info.labels"
expect 1 im import "$T/p"
err_has "line 2, column 1: more after the JSON document"
printf '{"version":1,"files":[{"path":"s4.json","label":{"type":"multi-label","labels":[{"label":"a","startIndex":0,"endIndex":200},{"label":"b","startIndex":150,"endIndex":300}]}}]}' > "$T/p/info.labels"
expect 1 im import "$T/p"
err_has "overlap"
printf '{"version":1,"files":[{"path":"s4.json","label":{"type":"multi-label","labels":[{"label":"a","startIndex":900,"endIndex":1000}]}}]}' > "$T/p/info.labels"
expect 1 im import "$T/p"
err_has "multi-label segment 0 (a, 900-1000 ms) holds no sample"
echo ok
