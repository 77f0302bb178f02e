#!/bin/bash
# SPDX-License-Identifier: MIT
# CLASSIFICATION events: a panel with the current class (named from --model DIR/model.json)
# and a bar per class.
. "$(dirname "$0")/tuilib.sh" "$1"
fake_daemon $T/s classifier
mkdir $T/model
echo '{"format":"imulab-model","labels":["idle","shake","wave"]}' >$T/model/model.json
start_tui LANG=C.UTF-8 -- --socket $T/s --model $T/model
wait_screen "Classifier" 5
wait_screen "▶ (idle|shake|wave)" 2
wait_screen "shake +█+ +89%" 2
wait_screen "▶ wave" 3
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
$BIN/imulab-tui --model $T/nope --socket $T/s >$T/out 2>&1 && fail "a missing model was accepted"
grep -q "cannot read" $T/out || fail "no reason for a missing model: $(cat $T/out)"
echo "classify: ok"
