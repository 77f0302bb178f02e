#!/bin/bash
# SPDX-License-Identifier: MIT
# CSV imports: Edge Impulse CSV (timestamp column, rate from its steps) and generic CSV.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/c"
printf 'timestamp,accX,accY\n0,0.5,1\n20,0.25,-1\n40,0.125,2\n60,0.001,3\n' > "$T/c/tap.1.csv"
expect 0 im import "$T/c/tap.1.csv"
[ "$(count "SELECT label||' '||sample_count||' '||sample_rate_hz||' '||n_axes FROM recordings")" = "tap 4 50.0 2" ] \
  || fail "EI CSV: $(count 'SELECT * FROM recordings')"
expect 0 im export --format csv --out "$T/e"
diff <(cat "$T/c/tap.1.csv") "$T/e/tap.1.csv" || fail "CSV export differs from the input"
# generic CSV: chosen columns, a fixed rate, labels from a column (runs become recordings)
printf 'gx,ax,ay,who\n9,1,2,up\n9,3,4,up\n9,5,6,down\n9,7,8,down\n9,9,10,down\n9,1,1,up\n' > "$T/g.csv"
DB=$T/g.db
expect 0 im import --columns ax,ay --rate-hz 50 --label-column who --subject ann "$T/g.csv"
[ "$(count "SELECT group_concat(label||':'||sample_count, ' ') FROM (SELECT * FROM recordings ORDER BY id)")" = "up:2 down:3 up:1" ] \
  || fail "label runs: $(count 'SELECT label, sample_count FROM recordings')"
[ "$(count "SELECT DISTINCT subject FROM recordings")" = ann ] || fail "subject"
[ "$(count "SELECT group_concat(name) FROM (SELECT name FROM axes WHERE recording_id=2 ORDER BY idx)")" = "ax,ay" ] || fail "axes"
expect 1 im import --columns ax,nope --rate-hz 50 "$T/g.csv"; err_has "no column 'nope'"
expect 1 im import --columns ax "$T/g.csv"; err_has "give --rate-hz"
expect 2 im import --label a --label-column who "$T/g.csv"
# a UTF-8 byte order mark and CRLF line ends are fine
printf '\xef\xbb\xbftimestamp,x\r\n0,1\r\n10,2\r\n' > "$T/bom.1.csv"
DB=$T/bom.db
expect 0 im import "$T/bom.1.csv"
[ "$(count "SELECT sample_count||' '||sample_rate_hz FROM recordings")" = "2 100.0" ] || fail "BOM/CRLF CSV"
echo ok
