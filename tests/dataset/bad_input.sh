#!/bin/bash
# SPDX-License-Identifier: MIT
# Every bad input: a message naming the file and the line or field, exit 1, database unchanged.
. "$(dirname "$0")/lib.sh"
G=$T/good
gen "$G" wave:2
expect 0 im import "$G/wave.f1.json"
before=$(sqlite3 "$DB" .dump | sha256sum)
mk() { rm -rf "$T/case"; mkdir -p "$T/case"; cp "$G/wave.f2.json" "$T/case/"; }
# bad NAME EXPECTED-TEXT [import options]: $T/case holds a good file and the bad one
bad() {
  local name=$1 text=$2; shift 2
  expect 1 im import "$@" "$T/case"
  err_has "$name"
  err_has "$text"
  err_has "nothing imported"
  [ "$(sqlite3 "$DB" .dump | sha256sum)" = "$before" ] || fail "$name: the database changed"
}
edit() { # edit FILE [-s PATH=JSON | -d PATH]...: wave.f1.json so edited, laid out as json.dump does
  local f=$1; shift
  "$TOOLS/jget" -f "$G/wave.f1.json" "$@" -o >"$T/case/$f" || fail "edit $f $*"
}
mk; head -c 300 "$G/wave.f1.json" > "$T/case/wave.cut.json"; bad wave.cut.json "truncated"
mk; printf '{"payload": {]}' > "$T/case/wave.x.json"; bad wave.x.json "line 1, column"
mk; printf '{\n"payload":\n  {"interval_ms": 10,\n  "values": [[1,2,3]], oops}\n}' > "$T/case/wave.l.json"; bad wave.l.json "line 4"
mk; edit wave.noint.json -d .payload.interval_ms; bad wave.noint.json "payload.interval_ms: missing"
mk; edit wave.negint.json -s .payload.interval_ms=-5; bad wave.negint.json "payload.interval_ms: must be a positive"
mk; edit wave.strint.json -s '.payload.interval_ms="10"'; bad wave.strint.json "payload.interval_ms"
mk; edit wave.rows.json -s '.payload.values[7]=[1,2]'; bad wave.rows.json "payload.values[7]: 2 values, but payload.sensors lists 3"
mk; edit wave.str.json -s '.payload.values[3][1]="x"'; bad wave.str.json "payload.values[3][1]: not a number"
mk; edit wave.nan.json -s '.payload.values[3][1]=NaN'; bad wave.nan.json "not valid JSON"
mk; edit wave.inf.json; sed -i 's/\[\[[^,]*,/[[1e999,/' "$T/case/wave.inf.json"; bad wave.inf.json "payload.values[0][0]: inf is not a finite"
mk; edit wave.big.json -s '.payload.values[2][2]=1e39'; bad wave.big.json "payload.values[2][2]"
mk; edit wave.nosens.json -d .payload.sensors; bad wave.nosens.json "payload.sensors: missing"
mk; edit wave.novals.json -s '.payload.values=[]'; bad wave.novals.json "payload.values: no samples"
mk; edit wave.alg.json -s '.protected.alg="RS256"'; bad wave.alg.json "protected.alg"
mk; : > "$T/case/wave.empty.json"; bad wave.empty.json "empty file"
mk; truncate -s 101M "$T/case/wave.huge.json"; bad wave.huge.json "over the 100 MB limit"
mk; edit "$(printf 'x%.0s' $(seq 65)).json"; bad "$(printf 'x%.0s' $(seq 65)).json" "over 64"
# labels from info.labels: empty, not UTF-8, too long, bad category
labels() { printf '%s' "$1" > "$T/case/info.labels"; }
mk; labels '{"version":1,"files":[{"path":"wave.f2.json","category":"training","label":{"type":"label","label":""}}]}'
bad info.labels "files[0].label.label: label is empty"
mk; printf '{"version":1,"files":[{"path":"wave.f2.json","category":"training","label":{"type":"label","label":"a\xffb"}}]}' > "$T/case/info.labels"
bad info.labels "not valid UTF-8"
mk; labels "{\"version\":1,\"files\":[{\"path\":\"wave.f2.json\",\"category\":\"training\",\"label\":{\"type\":\"label\",\"label\":\"$(printf 'y%.0s' $(seq 65))\"}}]}"
bad info.labels "over 64"
mk; labels '{"version":1,"files":[{"path":"wave.f2.json","category":"holdout","label":{"type":"label","label":"w"}}]}'
bad info.labels "files[0].category: 'holdout' is not training, testing, validation, split or unassigned"
mk; labels '{"version":1,"files":[{"path":"nothere.json","category":"training","label":{"type":"label","label":"w"}}]}'
bad info.labels "nothere.json: No such file or directory (give --skip-missing to import the other files)"
# CSV
csv() { printf "$2" > "$T/case/$1"; }
mk; csv wave.back.csv 'timestamp,x,y\n0,1,2\n10,1,2\n20,1,2\n15,1,2\n'; bad wave.back.csv "line 5: timestamp 15 goes backwards"
mk; csv wave.cols.csv 'timestamp,x,y\n0,1,2\n10,1\n'; bad wave.cols.csv "line 3: 2 values, but the header has 3 columns"
mk; csv wave.nan.csv 'timestamp,x,y\n0,1,2\n10,nan,2\n'; bad wave.nan.csv "line 3: column 'x': 'nan' is not a finite"
mk; csv wave.inf.csv 'timestamp,x,y\n0,1,2\n10,1,-inf\n'; bad wave.inf.csv "line 3: column 'y'"
mk; csv wave.txt.csv 'timestamp,x,y\n0,1,2\n10,1,abc\n'; bad wave.txt.csv "'abc' is not a number"
mk; csv wave.nots.csv 'x,y\n1,2\n'; bad wave.nots.csv "not 'timestamp'"
mk; csv wave.one.csv 'timestamp,x\n0,1\n'; bad wave.one.csv "cannot tell the sample rate"
mk; csv wave.hdr.csv 'timestamp,x\n'; bad wave.hdr.csv "no data rows"
# several bad files: each is named
mk; : > "$T/case/wave.e1.json"; : > "$T/case/wave.e2.csv"
expect 1 im import "$T/case"; err_has wave.e1.json; err_has wave.e2.csv; err_has "2 bad files"
# a path that does not exist, a file of another kind
expect 1 im import "$T/nope"; err_has "$T/nope"
echo hi > "$T/x.txt"; expect 1 im import "$T/x.txt"; err_has "not a .json, .csv or info.labels"
[ "$(sqlite3 "$DB" .dump | sha256sum)" = "$before" ] || fail "the database changed"
echo ok
