#!/bin/bash
# SPDX-License-Identifier: MIT
# gen_ei writes Edge Impulse JSON as json.dump would: the fields the dataset tests rely on,
# 50..149 rows of 3 values in [-2, 2] with at most 4 decimals, info.labels for categories, the
# same files again for the same directory and other values for another one.
# $1: the test tools directory.
set -u
TOOLS=$1
T=$(mktemp -d /tmp/imulab-gen-ei-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
j() { "$TOOLS/jget" "$@"; }

"$TOOLS/gen_ei" "$T/a/b" wave:2:training idle:1:testing tap:1 || fail "gen_ei exit $?"
[ "$(cd "$T/a/b" && echo *)" = "idle.f3.json info.labels tap.f4.json wave.f1.json wave.f2.json" ] \
  || fail "files: $(ls "$T/a/b")"
n=0
for f in wave.f1 wave.f2 idle.f3 tap.f4; do
  n=$((n + 1))
  p=$T/a/b/$f.json
  j -f "$p" -e ".protected == {\"ver\": \"v1\", \"alg\": \"none\", \"iat\": $((1700000000 + n))}" \
    '.signature == "0000000000000000000000000000000000000000000000000000000000000000"' \
    '.payload|keys == ["device_type", "interval_ms", "sensors", "values"]' \
    '.payload.device_type == "TEST"' '.payload.interval_ms == 10' \
    '.payload.sensors == [{"name": "accX", "units": "g"}, {"name": "accY", "units": "g"}, {"name": "accZ", "units": "g"}]' \
    '(.payload.values[]|length == 3)|all' || fail "$f: fields"
  rows=$(j -f "$p" '.payload.values|length')
  [ "$rows" -ge 50 ] && [ "$rows" -le 149 ] || fail "$f: $rows rows"
  j -f "$p" .payload.values | tr -d '[]' | tr , '\n' >"$T/v"
  [ "$(wc -l < "$T/v")" = $((3 * rows)) ] || fail "$f: values"
  grep -vqE '^-?[0-2]\.[0-9]{1,4}$' "$T/v" && fail "$f: a value not in x.xxxx form: $(grep -vE '^-?[0-2]\.[0-9]{1,4}$' "$T/v" | head -1)"
  awk '$1 < -2 || $1 > 2 { exit 1 }' "$T/v" || fail "$f: a value outside [-2, 2]"
  [ "$(sort -u "$T/v" | wc -l)" -gt $((rows * 2)) ] || fail "$f: values repeat"
  # laid out exactly as json.dump writes it
  cmp -s "$p" <(j -f "$p" -o) || fail "$f: not json.dump's layout"
done
[ "$(j -f "$T/a/b/wave.f1.json" -c)" != "$(j -f "$T/a/b/wave.f2.json" -c)" ] || fail "two files alike"
j -f "$T/a/b/info.labels" -e '. == {"version": 1, "files": [
  {"path": "wave.f1.json", "name": "wave.f1", "category": "training", "label": {"type": "label", "label": "wave"}},
  {"path": "wave.f2.json", "name": "wave.f2", "category": "training", "label": {"type": "label", "label": "wave"}},
  {"path": "idle.f3.json", "name": "idle.f3", "category": "testing", "label": {"type": "label", "label": "idle"}}]}' \
  || fail "info.labels: $(cat "$T/a/b/info.labels")"
cmp -s "$T/a/b/info.labels" <(j -f "$T/a/b/info.labels" -o) || fail "info.labels: not json.dump's layout"
# the same directory gives the same files however it is named, another one other values
cp -r "$T/a/b" "$T/first"
(cd "$T/a" && "$TOOLS/gen_ei" ./../a/b wave:2:training idle:1:testing tap:1) || fail "gen_ei again"
diff -r "$T/first" "$T/a/b" >/dev/null || fail "the same directory, other files"
"$TOOLS/gen_ei" "$T/c" wave:2:training idle:1:testing tap:1 || fail "gen_ei c"
cmp -s "$T/a/b/wave.f1.json" "$T/c/wave.f1.json" && fail "another directory, the same values"
cmp -s "$T/a/b/info.labels" "$T/c/info.labels" || fail "info.labels depends on the directory"
# no category: no info.labels
"$TOOLS/gen_ei" "$T/d" shake:1 && [ "$(cd "$T/d" && echo *)" = shake.f1.json ] || fail "no category"
"$TOOLS/gen_ei" 2>/dev/null; [ $? = 2 ] || fail "no arguments: not a usage error"
"$TOOLS/gen_ei" "$T/e" wave 2>/dev/null && fail "spec without a count accepted"
echo ok
