#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/deploy/tflite.sh BIN SRC -- `imulab export-model --format tflite` checked by an independent
# runtime: Arm NN (python3-pyarmnn, CpuRef) runs the file on every testing window's int8 features
# and must agree with `imulab eval`'s int8 scores, exactly except where check_tflite.py proves a
# near-tie (see its header for the named difference and its bound); the inputs are those the
# exported C library computes (imulab_network_input), as a TFLite Micro user would. Models: generated data (one
# hidden layer) and, when present, the shared ei-xiao-gestures data at the defaults (two hidden
# layers), with no hidden layer and in gesture mode; models with a conv front end (issue 21: CONV_2D,
# MAX_POOL_2D, AVERAGE_POOL_2D over the whole length) on synthetic whole gestures of several people
# (two conv layers, a max pool, a stride of 2, a hidden layer) and on the generated windows (one
# conv layer). The FULLY_CONNECTED form must parse in Arm NN with the model's
# tensors. Also checks the flatbuffer's identifier, determinism and bad paths.
# Exit 77 (skipped) only when /usr/bin/python3 cannot import pyarmnn.
set -u
BIN=$1 SRC=$2
# the models' configuration is not what this test is about: the small search grid keeps it short
# under ASan (the full search is trainer_auto_e2e's, cls_gesture_e2e's and the benchmarks')
export IMULAB_SEARCH_QUICK=1
TB=$BIN/../tests/bin
PY=/usr/bin/python3
CHECK="$SRC/tests/deploy/check_tflite.py"
[ -x $PY ] && $PY -c 'import pyarmnn' 2>/dev/null || { echo "skip: /usr/bin/python3 has no pyarmnn (apt-get install python3-pyarmnn libarmnn-cpuref-backend22)"; exit 77; }
T=$(mktemp -d /tmp/imulab-tflite-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# check NAME DB MODEL
check() {
  local name=$1 I="$BIN/imulab --db $2" model=$3
  $I eval --model "$model" --json --dump-windows "$T/$name.dump" >/dev/null || fail "$name: eval"
  $I export-model --model "$model" --format tflite --out "$T/$name.tflite" >/dev/null || fail "$name: export-model"
  [ "$(head -c 8 "$T/$name.tflite" | tail -c 4)" = TFL3 ] || fail "$name: no TFL3 identifier"
  $I export-model --model "$model" --format tflite --out "$T/$name.again.tflite" >/dev/null || fail "$name: export again"
  cmp -s "$T/$name.tflite" "$T/$name.again.tflite" || fail "$name: two exports differ"
  # the network's input as the exported C library computes it (features + quantization)
  $I export-model --model "$model" --format c --out "$T/$name.lib" >/dev/null || fail "$name: export c"
  gcc -std=c99 -O2 -I"$T/$name.lib" "$T/$name.lib/"*.c "$SRC/tests/deploy/replay.c" -o "$T/$name.replay" \
    || fail "$name: replay build"
  "$T/$name.replay" "$T/$name.dump" --inputs "$T/$name.inputs" >/dev/null || fail "$name: replay"
  $PY "$CHECK" --inputs "$T/$name.inputs" "$T/$name.tflite" "$model" "$T/$name.dump" >"$T/$name.out" 2>"$T/$name.err" \
    || fail "$name: $(cat "$T/$name.out") $(grep -v Skipped "$T/$name.err" | tail -3)"
  echo "$name: $(cat "$T/$name.out")"
  $I export-model --model "$model" --format tflite --tflite-op fully-connected --out "$T/$name.fc.tflite" >/dev/null \
    || fail "$name: export fully-connected"
  $PY "$CHECK" --parse-only "$T/$name.fc.tflite" "$model" "$T/$name.dump" >"$T/$name.fc.out" 2>"$T/$name.fc.err" \
    || fail "$name: fully-connected: $(cat "$T/$name.fc.out") $(grep -v Skipped "$T/$name.fc.err" | tail -3)"
  echo "$name (fully-connected): $(cat "$T/$name.fc.out")"
}

G="$T/gen"
"$TB/gen_ei" "$G" a:10:training b:10:training c:10:training a:4:testing b:4:testing c:4:testing || fail "gen_ei"
$BIN/imulab --db "$T/g.db" import "$G" >/dev/null || fail "import generated data"
$BIN/imulab --db "$T/g.db" train --out "$T/gmodel" --quiet --window-ms 500 --stride-ms 100 --hidden 12 >/dev/null \
  || fail "train (generated)"
check gen "$T/g.db" "$T/gmodel"

# conv front ends: whole gestures of 4 synthetic people (3 train, 1 tests), and the generated windows
"$BIN/gesture_gen" "$T/gg" --people 4 --reps 6 --rate 50 >/dev/null || fail "gesture_gen"
for p in 0 1 2; do $BIN/imulab --db "$T/c.db" import --subject "p$p" --category training "$T/gg/p$p" >/dev/null \
  || fail "import p$p"; done
$BIN/imulab --db "$T/c.db" import --subject p3 --category testing "$T/gg/p3" >/dev/null || fail "import p3"
$BIN/imulab --db "$T/c.db" train --out "$T/cmodel" --quiet --seed 2 --mode gesture --gesture-points 24 \
  --conv 8:7:2,16:5:0:2 --hidden 8 --epochs 40 >/dev/null || fail "train (conv, gesture mode)"
check conv-gesture "$T/c.db" "$T/cmodel"
$BIN/imulab --db "$T/g.db" train --out "$T/gcmodel" --quiet --window-ms 500 --stride-ms 100 --conv 6:5 --hidden 0 \
  --epochs 20 >/dev/null || fail "train (conv, generated)"
check conv-gen "$T/g.db" "$T/gcmodel"

DS=$SRC/../shared/data/ei-xiao-gestures
if [ -d "$DS" ]; then
  $BIN/imulab --db "$T/x.db" import "$DS" >/dev/null || fail "import $DS"
  $BIN/imulab --db "$T/x.db" train --out "$T/xmodel" --quiet >/dev/null || fail "train (ei-xiao-gestures)"
  check xiao "$T/x.db" "$T/xmodel"
  $BIN/imulab --db "$T/x.db" train --out "$T/x0model" --quiet --hidden 0 >/dev/null || fail "train (no hidden layer)"
  check xiao-linear "$T/x.db" "$T/x0model"
  $BIN/imulab --db "$T/x.db" train --out "$T/xgmodel" --quiet --mode gesture >/dev/null || fail "train (gesture mode)"
  check xiao-gesture "$T/x.db" "$T/xgmodel"
else
  echo "note: no $DS, the generated model only"
fi
$BIN/imulab export-model --model "$T/gmodel" --format tflite --out "$T/nodir/m.tflite" 2>"$T/e" && fail "wrote into a missing directory"
grep -q "$T/nodir/m.tflite" "$T/e" || fail "bad path: $(cat "$T/e")"
echo PASS
