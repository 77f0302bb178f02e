#!/bin/bash
# SPDX-License-Identifier: MIT
# scale.sh -- wall time and peak RSS of every dataset command at 1, 10 and 100 hours of data
# (docs/benchmarks.md, section "scale").
#
#   scale.sh BIN_DIR [HOURS...]        (default: 1 10 100)
#
# For each size, bench_dataset_gendb writes a database of 6 s recordings (6 int16 axes at 100 Hz,
# 12 labels, 30 subjects, 4 devices, 70/20/10 training/testing/unassigned): 1 h is 600
# recordings and 360,000 samples, 100 h is 60,000 recordings and 36 M samples. Each command runs
# once under GNU time (/usr/bin/time, Debian package "time"); its wall time and peak RSS (maxrss)
# are printed as one table row. train uses fixed options (--window-ms 1000 --stride-ms 500
# --hidden 20,10 --epochs 10) so that every size does the same work per window; `train (defaults)`
# runs what a user gets without options, at the sizes listed in DEFAULTS_HOURS (default: 1 10).
# FILES_HOURS (default: every size) lists the sizes at which export and import run (one file per
# recording: the slowest rows); at the others their rows say "not run".
set -u
BIN=${1:?usage: scale.sh BIN_DIR [HOURS...]}
shift
HOURS=${*:-1 10 100}
DEFAULTS_HOURS=${DEFAULTS_HOURS:-1 10}
FILES_HOURS=${FILES_HOURS:-$HOURS}
[ -x /usr/bin/time ] || { echo "scale.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
T=$(mktemp -d /tmp/imulab-scale.XXXXXX)
trap 'rm -rf "$T"' EXIT
row() { # NAME CMD...: one table row "| NAME | wall s | peak RSS MB |"
  local name=$1; shift
  if /usr/bin/time -f "%e %M" -o "$T/time" "$@" >"$T/out" 2>"$T/err"; then
    read -r wall kb <"$T/time"
    printf '| %-22s | %9.2f | %9.1f |\n' "$name" "$wall" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
  else
    printf '| %-22s | failed: %s |\n' "$name" "$(grep -v '^Command exited' "$T/err" | tail -n 1 | cut -c1-80)"
  fi
}
echo "imulab dataset commands at scale ($(nproc) CPUs, $(uname -r))"
for h in $HOURS; do
  db=$T/h$h.db
  rm -f "$db"*
  g0=$(date +%s.%N)
  "$BIN/bench_dataset_gendb" "$db" 1 600 --hours "$h" --axes 6 --labels 12 --subjects 30 --devices 4 >/dev/null ||
    { echo "gendb failed for $h h"; continue; }
  g1=$(date +%s.%N)
  size=$(du -m "$db" | cut -f1)
  echo
  echo "### $h h: $(sqlite3 "$db" 'SELECT count(*), sum(sample_count) FROM recordings' | tr '|' ' ' |
       awk '{ printf "%d recordings, %d samples", $1, $2 }'), ${size} MB file (generated in $(awk -v a="$g0" -v b="$g1" 'BEGIN { printf "%.0f", b - a }') s)"
  echo
  echo "| command                | wall s    | peak MB   |"
  echo "|---|---:|---:|"
  im=("$BIN/imulab" --db "$db")
  row "stats --json" "${im[@]}" stats --json
  row "list --json" "${im[@]}" list --json
  row "windows" "${im[@]}" windows --window-ms 1000 --stride-ms 500
  cp "$db" "$T/split.db"
  row "split" "$BIN/imulab" --db "$T/split.db" split --reassign --by-subject
  rm -f "$T/split.db"*
  files=0
  for f in $FILES_HOURS; do [ "$f" = "$h" ] && files=1; done
  if [ $files = 1 ]; then
    rm -rf "$T/csv" "$T/json"
    row "export --format csv" "${im[@]}" export --format csv --out "$T/csv"
    row "export --format ei-json" "${im[@]}" export --format ei-json --out "$T/json"
    rm -rf "$T/csv"
    rm -f "$T/imp.db"*
    row "import (ei-json export)" "$BIN/imulab" --db "$T/imp.db" import "$T/json"
    rm -rf "$T/json" "$T/imp.db"*
  else
    for name in "export --format csv" "export --format ei-json" "import (ei-json export)"; do
      printf '| %-22s | not run (FILES_HOURS) | |\n' "$name"
    done
  fi
  rm -rf "$T/model"
  row "train (fixed options)" "${im[@]}" train --out "$T/model" --window-ms 1000 --stride-ms 500 --hidden 20,10 --epochs 10
  row "eval" "${im[@]}" eval --model "$T/model" --json
  for d in $DEFAULTS_HOURS; do
    if [ "$d" = "$h" ]; then
      rm -rf "$T/model2"
      row "train (defaults)" "${im[@]}" train --out "$T/model2"
    fi
  done
  rm -f "$db"*
done
