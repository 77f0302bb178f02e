#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/trainer/auto_e2e.sh IMULAB GESTURE_GEN JGET -- the automatic configuration end to end:
# whole-gesture recordings by 4 synthetic people (gesture_gen), imported with --subject, split by
# subject; then `imulab train --out DIR` with no model options (the default path, with the smaller
# grid of IMULAB_SEARCH_QUICK=1 to stay in ctest time under ASan) must search by subject, print
# the leaderboard, refit, record the search in model.json and choose a model within the device
# budgets; the same seed gives the same model (1 or 2 threads); --json; --auto with a pinned
# option keeps it; model options without --auto do not search; bad search options are refused.
set -u
IM=$1 GEN=$2 JG=$3
T=$(mktemp -d /tmp/imulab-auto-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
im() { "$IM" --db "$T/a.db" "$@"; }
export IMULAB_SEARCH_QUICK=1

"$GEN" "$T/g" --people 4 --reps 4 --seed 5 >/dev/null || fail "gesture_gen"
for p in "$T"/g/p*; do im import --subject "$(basename "$p")" "$p" >/dev/null || fail "import $p"; done
im split --by-subject >/dev/null || fail "split --by-subject"

# The classifier firmware with the live path (portable/live.c) is 18.4 KB with the default
# continuous model, so a 6-class gesture model cannot fit 16 KB: with the default budget the search
# must either choose a model within it or say that nothing fits; the rest runs with room for one.
im train --out "$T/m0" >"$T/out0" 2>"$T/err0"
if [ $? = 0 ]; then
  "$JG" -f "$T/m0/model.json" -e '.device_cost.flash_bytes <= 16384' || fail "default budget: over 16 KB chosen"
else
  grep -q "no configuration fits the device budgets (flash 16384 B" "$T/err0" || fail "default budget: $(cat "$T/err0")"
fi
BUD="--budget-flash 20480"
# the default path: no model options
im train --out "$T/m1" $BUD >"$T/out1" 2>"$T/err1" || fail "train: $(tail -2 "$T/err1")"
grep -q "cross-validation by subject" "$T/out1" || fail "no 'by subject' in: $(head -3 "$T/out1")"
grep -q "^rank " "$T/out1" || fail "no leaderboard printed"
grep -q "<- chosen" "$T/out1" || fail "the leaderboard does not mark the choice"
grep -q "^chosen by .*-fold cross-validation (by subject)" "$T/out1" || fail "no 'chosen by' line"
J="$JG -f $T/m1/model.json"
$J -e '.training.options.auto == true' '.training.search.grouped_by == "subject"' \
   '.training.search.leaderboard|length > 0' '.training.search.fits > 0' '.training.search.folds >= 2' \
   '.training.search.chosen.cv_accuracy > 0' || fail "model.json search record: $($J -c | head -c 400)"
# the chosen model fits the budgets (as predicted) and is the one trained
$J -e '.device_cost.flash_bytes <= 20480' '.device_cost.ram_bytes <= 8192' '.device_cost.instructions <= 50000' \
  || fail "device cost over budget: $($J .device_cost)"
read -r ch_seed op_seed < <($J .training.search.chosen.options.seed .training.options.seed)
[ "$ch_seed" = "$op_seed" ] || fail "refit with seed $op_seed, search chose $ch_seed"
read -r ch_h op_h0 < <($J '.training.search.chosen.options.hidden|length' .training.options.n_hidden)
[ "$ch_h" = "$op_h0" ] || fail "refit with $op_h0 hidden layers, search chose $ch_h"

# deterministic: the same seed, 1 thread, --json
im train --out "$T/m2" $BUD --json --threads 1 >"$T/out2" 2>"$T/err2" || fail "train --json: $(tail -2 "$T/err2")"
h1=$($J .hash) h2=$("$JG" -f "$T/m2/model.json" .hash)
[ "$h1" = "$h2" ] || fail "same seed, different models ($h1, $h2)"
"$JG" -f "$T/out2" -e '.auto == true' '.search.leaderboard|length > 0' '.search.threads == 1' \
  '.search.chosen.options.mode == "gesture"' || fail "--json output: $(head -c 300 "$T/out2")"
grep -q "search stage" "$T/err2" || fail "--json: no progress on stderr"
# another seed searches again (other folds)
im train --out "$T/m3" $BUD --seed 9 --json >"$T/out3" 2>/dev/null || fail "train --seed 9"
"$JG" -f "$T/m3/model.json" -e '.training.search.chosen.options.seed >= 9' || fail "seed 9: seeds tried from 9"

# --auto with a pinned option keeps it
im train --out "$T/m4" $BUD --auto --hidden 8 --quiet >/dev/null 2>"$T/err4" || fail "--auto --hidden 8: $(tail -1 "$T/err4")"
"$JG" -f "$T/m4/model.json" -e '.training.search.leaderboard|[].options.hidden|all' \
  '(.training.search.leaderboard|[].options.hidden[0])|unique == [8]' || fail "--hidden 8 not kept by --auto"
# model options without --auto: no search
im train --out "$T/m5" --mode gesture --hidden 8 --quiet >"$T/out5" || fail "train with options"
grep -q "cross-validation" "$T/out5" && fail "searched although model options were given"
"$JG" -f "$T/m5/model.json" -e '.training.options.auto == false' || fail "options.auto should be false"
"$JG" -f "$T/m5/model.json" .training.search >/dev/null 2>&1 && fail "a search recorded without a search"

# bad input
im train --out "$T/x" --folds 1 >/dev/null 2>"$T/e" && fail "--folds 1 accepted"
grep -q "folds" "$T/e" || fail "--folds 1: $(cat "$T/e")"
im train --out "$T/x" --budget-flash 100 >/dev/null 2>"$T/e" && fail "a budget nothing fits succeeded"
grep -q "no configuration fits the device budgets" "$T/e" || fail "tiny budget: $(cat "$T/e")"
# the message names the candidate nearest to the budgets and what it needs
grep -q "the nearest, .* needs flash [0-9]* B, RAM [0-9]* B, [0-9]* instructions" "$T/e" || fail "tiny budget, no nearest: $(cat "$T/e")"
[ ! -e "$T/x/model.json" ] || fail "a model was written although nothing fits"
# subjects from info.labels (metadata.subject, as uji-watch records them), unless --subject
if command -v sqlite3 >/dev/null; then
  mkdir -p "$T/il"
  a=$(ls "$T/g/p0" | head -1) b=$(ls "$T/g/p1" | head -1)
  cp "$T/g/p0/$a" "$T/g/p1/$b" "$T/il/"
  printf '{"version": 1, "files": [{"path": "%s", "category": "training", "label": {"type": "label", "label": "x"}, "metadata": {"subject": "alice"}}, {"path": "%s", "category": "training", "label": {"type": "label", "label": "y"}, "metadata": {"subject": "bob"}}]}' "$a" "$b" >"$T/il/info.labels"
  "$IM" --db "$T/s.db" import "$T/il" >/dev/null || fail "import with metadata.subject"
  [ "$(sqlite3 "$T/s.db" "select group_concat(subject, ',') from (select subject from recordings order by subject)")" = "alice,bob" ] \
    || fail "subjects from info.labels: $(sqlite3 "$T/s.db" 'select label, subject from recordings')"
  "$IM" --db "$T/s2.db" import --subject carol "$T/il" >/dev/null || fail "import --subject"
  [ "$(sqlite3 "$T/s2.db" "select count(*) from recordings where subject = 'carol'")" = 2 ] || fail "--subject did not win"
  sed -i 's/"subject": "bob"/"subject": 7/' "$T/il/info.labels"
  "$IM" --db "$T/s3.db" import "$T/il" >/dev/null 2>"$T/e" && fail "a numeric metadata.subject was accepted"
  grep -q "metadata.subject" "$T/e" || fail "bad metadata.subject: $(cat "$T/e")"
fi
echo "auto_e2e: ok"
