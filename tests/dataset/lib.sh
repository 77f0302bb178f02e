# SPDX-License-Identifier: MIT
# Shared by the dataset test scripts: $1 is the imulab binary, $2 the source tree, $3 the test
# tools directory (jget, gen_ei: tests/tools).
set -u
IMULAB=$1
SRC=$2
TOOLS=$3
DS=/work/shared/data/ei-xiao-gestures
[ -d "$DS" ] || DS=$SRC/../shared/data/ei-xiao-gestures
command -v sqlite3 >/dev/null || { echo "sqlite3 missing"; exit 77; }
[ -x "$TOOLS/jget" ] && [ -x "$TOOLS/gen_ei" ] || { echo "FAIL: no jget or gen_ei in $TOOLS"; exit 1; }
T=$(mktemp -d /tmp/imulab-dataset-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
DB=$T/a.db
fail() { echo "FAIL: $*"; exit 1; }
im() { "$IMULAB" --db "$DB" "$@"; }
# expect STATUS CMD...: run, check the exit status, keep stdout in $T/out and stderr in $T/err
expect() {
  local want=$1; shift
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  [ "$got" = "$want" ] || fail "$* -> exit $got (want $want): $(head -c 300 "$T/err")"
}
err_has() { grep -qF -- "$1" "$T/err" || fail "stderr lacks '$1': $(head -c 300 "$T/err")"; }
out_has() { grep -qF -- "$1" "$T/out" || fail "stdout lacks '$1': $(head -c 300 "$T/out")"; }
count() { sqlite3 "$DB" "$1"; }
# json QUERY...: the values of the JSON in $T/out, space separated (jget: strings as their text,
# numbers as written, lists compact: [1,3])
json() { "$TOOLS/jget" -f "$T/out" "$@"; }
# gen DIR LABEL:COUNT[:CATEGORY]...: small Edge Impulse JSON files (gen_ei)
gen() { "$TOOLS/gen_ei" "$@" || fail "gen_ei $*"; }
