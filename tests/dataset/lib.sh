# Shared by the dataset test scripts: $1 is the imulab binary, $2 the source tree.
set -u
IMULAB=$1
SRC=$2
DS=/work/shared/data/ei-xiao-gestures
[ -d "$DS" ] || DS=$SRC/../shared/data/ei-xiao-gestures
PY=/usr/bin/python3
command -v sqlite3 >/dev/null || { echo "sqlite3 missing"; exit 77; }
[ -x $PY ] || { echo "python3 missing"; exit 77; }
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
# json EXPR: evaluate a Python expression on the JSON in $T/out (bound to j)
json() { $PY -c "import json,sys; j=json.load(open('$T/out')); print($1)"; }
