#!/bin/bash
# SPDX-License-Identifier: MIT
# Subjects (who was recorded) come in from info.labels metadata ({"metadata":{"subject":...}}, as
# Edge Impulse writes per-sample metadata), survive an export and import round trip in both
# formats, yield to --subject, and a bad metadata entry is named with the file and entry.
. "$(dirname "$0")/lib.sh"
gen "$T/in" wave:2:training idle:2:testing
# the generated info.labels, with a subject for three of the four files
sed -e 's/"name": "wave.f1"/&, "metadata": {"subject": "ana", "device": "watch"}/' \
    -e 's/"name": "wave.f2"/&, "metadata": {"subject": "bo"}/' \
    -e 's/"name": "idle.f3"/&, "metadata": {"subject": "ana ü"}/' "$T/in/info.labels" >"$T/l"
mv "$T/l" "$T/in/info.labels"
grep -q '"subject": "bo"' "$T/in/info.labels" || fail "test set-up: gen_ei's info.labels changed shape"
expect 0 im import "$T/in"
subjects() { sqlite3 "$1" "SELECT coalesce(name,''), coalesce(subject,'-') FROM recordings ORDER BY name"; }
want=$'idle.f3|ana ü\nidle.f4|-\nwave.f1|ana\nwave.f2|bo'
[ "$(subjects "$DB")" = "$want" ] || fail "subjects after import: $(subjects "$DB" | tr '\n' ' ')"
for fmt in ei-json csv; do
  expect 0 im export --format "$fmt" --out "$T/ex-$fmt"
  grep -q '"metadata":{"subject":"ana ü"}' "$T/ex-$fmt/info.labels" || fail "$fmt export: no subject metadata in info.labels"
  rm -f "$T/b.db"*
  expect 0 "$IMULAB" --db "$T/b.db" import "$T/ex-$fmt"
  [ "$(subjects "$T/b.db")" = "$want" ] || fail "subjects after a $fmt round trip: $(subjects "$T/b.db" | tr '\n' ' ')"
done
# --subject wins over the metadata
rm -f "$T/c.db"*
expect 0 "$IMULAB" --db "$T/c.db" import --subject zoe "$T/in"
[ "$(sqlite3 "$T/c.db" "SELECT group_concat(DISTINCT subject) FROM recordings")" = zoe ] || fail "--subject did not win"
# bad metadata: named, nothing imported
cp -r "$T/in" "$T/bad"
sed -i 's/"metadata": {"subject": "bo"}/"metadata": "bo"/' "$T/bad/info.labels"
rm -f "$T/d.db"*
expect 1 "$IMULAB" --db "$T/d.db" import "$T/bad"
err_has "metadata: not an object"
err_has "wave.f2"
cp -r "$T/in" "$T/bad2"
sed -i 's/"metadata": {"subject": "bo"}/"metadata": {"subject": 7}/' "$T/bad2/info.labels"
expect 1 "$IMULAB" --db "$T/d.db" import "$T/bad2"
err_has "metadata.subject: not a string"
[ "$(sqlite3 "$T/d.db" "SELECT count(*) FROM recordings" 2>/dev/null || echo 0)" = 0 ] || fail "a bad info.labels imported something"
# the shared multi-person data set: 23 subjects from its metadata
UJI=$(dirname "$DS")/uji-watch
if [ -d "$UJI" ]; then
  rm -f "$T/u.db"*
  expect 0 "$IMULAB" --db "$T/u.db" import "$UJI"
  [ "$(sqlite3 "$T/u.db" "SELECT count(DISTINCT subject), sum(subject IS NULL) FROM recordings")" = "23|0" ] ||
    fail "uji-watch: subjects $(sqlite3 "$T/u.db" "SELECT count(DISTINCT subject), sum(subject IS NULL) FROM recordings")"
fi
echo "subjects: ok"
