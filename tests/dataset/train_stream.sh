#!/bin/bash
# SPDX-License-Identifier: MIT
# train and eval read samples recording by recording, only those they use (issue 19): eval gives
# the same answer when every training recording's samples are unreadable (it never reads them),
# and a recording whose stored samples are damaged is named by train and by eval, exit 1.
. "$(dirname "$0")/lib.sh"
gen "$T/in" wave:5:training idle:5:training wave:3:testing idle:3:testing
expect 0 im import "$T/in"
expect 0 im train --out "$T/m" --mode continuous --epochs 5 --seed 2 --quiet
expect 0 im eval --model "$T/m" --json
cp "$T/out" "$T/eval_before.json"
[ "$(json .windows)" -gt 0 ] || fail "no testing windows"
# a searched configuration's refit keeps its augmented copies, unless their features would take
# over the limit (256 MB; IMULAB_REFIT_FEATURE_MB here): then fewer, and it says so
copies() { "$TOOLS/jget" -f "$1" .training.options.aug_copies; }
IMULAB_SEARCH_QUICK=1 expect 0 im train --out "$T/ms" --seed 2 --quiet
[ "$(copies "$T/ms/model.json")" -gt 0 ] || fail "the searched configuration has no augmented copies: nothing to check"
IMULAB_SEARCH_QUICK=1 IMULAB_REFIT_FEATURE_MB=0.0001 expect 0 im train --out "$T/ms0" --seed 2 --quiet
out_has "augmented copies for the final fit: 0 instead of $(copies "$T/ms/model.json")"
[ "$(copies "$T/ms0/model.json")" = 0 ] || fail "the refit over the feature limit kept $(copies "$T/ms0/model.json") copies"
# damage every training recording's chunks: eval reads testing samples only
count "UPDATE chunks SET data = x'00' WHERE recording_id IN (SELECT id FROM recordings WHERE category='training')"
expect 0 im eval --model "$T/m" --json
cmp -s "$T/out" "$T/eval_before.json" || fail "eval changed once training samples were unreadable: $(head -c 300 "$T/out")"
# train reads them: it names the damaged recording
bad=$(count "SELECT min(id) FROM recordings WHERE category='training'")
expect 1 im train --out "$T/m2" --mode continuous --epochs 5 --seed 2 --quiet
err_has "recording $bad: chunk of 1 bytes"
[ ! -e "$T/m2/model.json" ] || fail "train wrote a model from damaged data"
# a damaged testing recording: eval names it
t=$(count "SELECT min(id) FROM recordings WHERE category='testing'")
count "UPDATE chunks SET data = x'0000' WHERE recording_id = $t"
expect 1 im eval --model "$T/m" --json
err_has "recording $t: chunk of 2 bytes"
echo "PASS train_stream"
