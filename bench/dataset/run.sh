#!/bin/bash
# SPDX-License-Identifier: MIT
# Dataset benchmark: run.sh IMULAB GENDB. Prints the best of 5 runs of each figure.
set -eu
IMULAB=$1
GENDB=$2
HERE=$(cd "$(dirname "$0")" && pwd)
DS=${DS:-$HERE/../../../shared/data/ei-xiao-gestures}
[ -d "$DS" ] || DS=/work/shared/data/ei-xiao-gestures
T=$(mktemp -d /tmp/imulab-bench-dataset.XXXXXX)
trap 'rm -rf "$T"' EXIT
best() { # best CMD...: the lowest wall time of 5 runs, in ms
  local b=
  for _ in 1 2 3 4 5; do
    local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000 ))
    if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
  done
  printf '%d.%03d' $((b / 1000)) $((b % 1000))
}
if [ -d "$DS" ]; then
  files=$(find "$DS" -name '*.json' | wc -l)
  imp() { rm -f "$T/i.db"*; "$IMULAB" --db "$T/i.db" import "$DS"; }
  echo "import of $DS ($files files): $(best imp) ms (limit 1000 ms)"
else
  echo "import: no shared dataset at $DS, skipped"
fi
"$GENDB" "$T/s.db" 10000 200 >/dev/null
echo "stats on 10,000 recordings: $(best "$IMULAB" --db "$T/s.db" stats) ms (limit 100 ms)"
echo "stats --json on 10,000 recordings: $(best "$IMULAB" --db "$T/s.db" stats --json) ms"
echo "list --json on 10,000 recordings: $(best "$IMULAB" --db "$T/s.db" list --json) ms"
echo "windows on 10,000 recordings: $(best "$IMULAB" --db "$T/s.db" windows --window-ms 1000 --stride-ms 500) ms"
