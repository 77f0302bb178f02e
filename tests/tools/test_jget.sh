#!/bin/bash
# SPDX-License-Identifier: MIT
# jget prints, compares and rewrites JSON the way Python's json module and print() do.
# $1: the test tools directory.
set -u
J=$1/jget
T=$(mktemp -d /tmp/imulab-jget-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# is JSON EXPECTED ARGS...: jget ARGS on JSON prints EXPECTED
is() {
  local json=$1 want=$2; shift 2
  local got
  got=$(printf '%s' "$json" | "$J" "$@") || fail "jget $* on $json: exit $?"
  [ "$got" = "$want" ] || fail "jget $* on $json: '$got', want '$want'"
}
# status STATUS JSON ARGS...: jget ARGS on JSON exits with STATUS
status() {
  local want=$1 json=$2; shift 2
  printf '%s' "$json" | "$J" "$@" >/dev/null 2>&1
  local got=$?
  [ "$got" = "$want" ] || fail "jget $* on $json: exit $got, want $want"
}

# numbers print as Python prints them: ints as written, floats as repr
is '{"a": 100, "b": 100.0, "c": 1e2, "d": -0, "e": 0.1, "f": 1E+16, "g": 0.00001, "h": 123456789012345678901234567890}' \
   '100 100.0 100.0 0 0.1 1e+16 1e-05 123456789012345678901234567890' .a .b .c .d .e .f .g .h
is '[5.9604644775390625e-08, 1e15, 0.0001, -2.5e-300, 1e999, NaN]' '5.960464477539063e-08 1000000000000000.0 0.0001 -2.5e-300 inf nan' \
   '[0]' '[1]' '[2]' '[3]' '[4]' '[-1]'
# strings as their text, the rest as compact JSON
is '{"s": "h\u00e9 \"x\"", "l": ["a", 1, 2.0, null, true, {"k": []}]}' 'hé "x" ["a",1,2.0,null,true,{"k":[]}]' .s .l
is '{"left swipe": {"total": 5}}' 5 '.["left swipe"].total'
is '{"left swipe": {"total": 5}}' 5 '["left swipe"]["total"]'
# length, [] for each, keys, sort, unique, all, ( )
is '[{"id": 3, "l": "b"}, {"id": 1, "l": "a"}, {"id": 2, "l": "b"}]' '3 [3,1,2] ["b","a","b"] ["a","b"] [1,2,3]' \
   length '[].id' '[].l' '([].l)|unique' '([].id)|sort'
is '{"s": "h\u00e9", "o": {"b": 1, "a": 2}}' '2 2 ["b","a"] ["a","b"]' '.s|length' '.o|length' '.o|keys' '.o|keys|sort'
is '[[1, 2, 3], [4, 5, 6]]' 'true [3,3]' '(.[]|length == 3)|all' '[]|length'
is '[[1, 2, 3], [4, 5]]' 'false' '(.[]|length == 3)|all'
is '[1, 1.5, "a", null, true, false, [], {}]' '["int","float","string","null","true","false","array","object"]' '[]|type'
is '[]' 'true []' 'all' '([].x)|unique'
is '[true, 1, 1.0, 3, 0.5]' '[0.5,true,1,1.0,3] [0.5,true,3]' sort unique
# == and != as in Python
is '{"a": 1, "b": 1.0, "c": true, "d": "1", "o": {"x": 1, "y": [1, 2]}}' 'true true true false true true false true' \
   '.a == 1.0' '.b == 1' '.c == 1' '.d == 1' '.d != 1' '.o == {"y": [1, 2.0], "x": 1}' '.o == {"y": [2, 1], "x": 1}' \
   '.o.y == [1,2]'
is '{"n": NaN}' 'false true' '.n == NaN' '.n != NaN'
# <, <=, >, >=, sum, values
is '{"w": 450, "a": 0.93, "i": 0, "c": {"x": {"n": 200}, "y": {"n": 250}}, "n": NaN, "s": "b", "t": true}' \
   'true true false true 450 false false true true true [{"n":200},{"n":250}]' \
   '.w > 400' '.a >= 0.92' '.i > 0' '.i <= 50000' '(.c|values|[].n)|sum' '.n < 1' '.n >= 1' '.s < "c"' \
   '.s>="b"' '.t < 2' '.c|values'
is '[true, 0.5, 1]' 2.5 sum
is '[1, 2, 3]' 6 sum
is '[]' 0 sum
status 1 '{"s": "b"}' '.s < 1'
status 1 '["a"]' sum
# -e: every result truthy by Python's rules
for v in 0 0.0 '""' '[]' '{}' null false; do status 1 "{\"v\": $v}" -e .v; done
for v in 1 -0.5 '"x"' '[0]' '{"a": null}' true; do status 0 "{\"v\": $v}" -e .v; done
status 1 '{"a": 1, "b": 0}' -e .a .b
# errors: missing key, wrong type, index out of range (1); bad queries and usage (2)
status 1 '{"a": 1}' .b
status 1 '[1]' .a
status 1 '{"a": 1}' '[0]'
status 1 '[1, 2]' '[2]'
status 1 '{"a": 1}' '.a|length'
status 1 '[1, "a"]' sort
status 2 '{}' '.a |'
status 2 '{}' 'bogus'
status 2 '{}'
# input: what json.load refuses
for bad in '' '[1,]' '01' '1.' '[1] x' "{'a': 1}" '"\x"' '[1 2]' 'nan' $'"\x01"' $'\xef\xbb\xbf[1]' $'"\xff"' $'"\xed\xa0\x80"'; do
  status 1 "$bad" .
done
is '{"a": 1, "a": 2, "b": 3}' '{"a":2,"b":3}' .
# dumps: json.dump's default layout (-o) and the compact one (-c), ASCII only, no newline
is '{"a":[1,2.50,{"b":null}],"s":"\u00e9\ud83d\ude00\u007f\/","n":-Infinity}' \
   '{"a": [1, 2.5, {"b": null}], "s": "\u00e9\ud83d\ude00\u007f/", "n": -Infinity}' -o
is '{"a": [1, 2.50, {"b": null}], "e": {}, "l": []}' '{"a":[1,2.5,{"b":null}],"e":{},"l":[]}' -c
printf '[1]' | "$J" -c > "$T/o"; [ "$(wc -c < "$T/o")" = 3 ] || fail "-c adds a newline"
# edits: -s replaces in place or appends, -d removes; then -o, -c or queries
D='{"p": {"i": 10, "v": [[1, 2], [3, 4]]}, "z": 0}'
is "$D" '{"p": {"v": [[1, 2], [3, 4]]}, "z": 0}' -d .p.i -o
is "$D" '{"p": {"i": "10", "v": [[1, 2], [3, 4]]}, "z": 0}' -s '.p.i="10"' -o
is "$D" '{"p": {"i": 10, "v": [[1, NaN], [3, 4]]}, "z": 0, "new": [1]}' -s '.p.v[0][1]=NaN' -s '.new=[1]' -o
is "$D" '{"p": {"i": 10, "v": [[1, 2], [1e+39, 2]]}, "z": 0}' -s '.p.v[-1]=[1e39, 2]' -o
is "$D" '{"p": {"i": 10, "v": []}, "z": 0}' -s '.p.v=[]' -o
is "$D" '[[1,2]]' -d '.p.v[1]' .p.v
status 1 "$D" -s '.p.v[2]=1' -o
status 1 "$D" -d '.p.x' -o
status 1 "$D" -s '.q.x=1' -o
status 2 "$D" -s '.p.v[]=1' -o
status 2 "$D" -s '.p.i' -o
echo ok
