#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/classifier/anomaly_e2e.sh BIN SRC JGET_DIR -- anomaly detection end to end (issue 14): the
# shared dataset with one label's training recordings removed (`imulab rm`), `imulab train
# --anomaly gauss`, `imulab eval --json` (the testing recordings of the removed label are the
# anomalies: anomaly_auc >= 0.95, false alarms on the known labels <= 5%, the --plot histogram),
# the classifier firmware with the anomaly model within 16 KB flash / 8 KB RAM, and `imulab
# validate` on the emulated board: every window bit-exact, anomaly scores included, the removed
# label's windows too; then the refusals (bad --anomaly, validate of unknown labels without an
# anomaly model). Exit 77 (skipped) without the ARM toolchain, QEMU or the dataset.
set -u
BIN=$1 SRC=$2 JG=$3/jget
DS=$SRC/../shared/data/ei-xiao-gestures
for t in arm-none-eabi-gcc qemu-system-arm; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
[ -d "$DS" ] || { echo "skip: no dataset at $DS"; exit 77; }
T=$(mktemp -d /tmp/imulab-anomaly-test.XXXXXX)
QPID=""
cleanup() { [ -n "$QPID" ] && kill "$QPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
I="$BIN/imulab --db $T/a.db"

$I import "$DS" >/dev/null || fail "import"
ids=$($I list --label updown --category training --json | "$JG" '[].id' | tr ',[]' '   ')
[ -n "$ids" ] || fail "no training recordings of updown to remove"
$I rm $ids >/dev/null || fail "rm"

# a model without an anomaly model: the unknown recordings are counted, not scored
$I train --out "$T/plain" --window-ms 1000 --stride-ms 500 --seed 1 --anomaly none --quiet >"$T/plain.log" \
  || fail "train --anomaly none: $(tail -1 "$T/plain.log")"
grep -q "6 testing recordings of labels without training data" "$T/plain.log" || fail "train did not name the unknown recordings"
$I eval --model "$T/plain" --json >"$T/plain.json" || fail "eval of the plain model"
"$JG" -f "$T/plain.json" -e '.unknown_recordings == 6' '.windows == 342' || fail "plain eval: $(cat "$T/plain.json" | head -c 300)"
grep -q anomaly_auc "$T/plain.json" && fail "a model without an anomaly model reports anomaly_auc"

# the anomaly model: 12,6 network (fits the flash budget with it), 8 Gaussians on its first hidden layer
$I train --out "$T/m" --window-ms 1000 --stride-ms 500 --seed 1 --hidden 12,6 --anomaly gauss --anomaly-k 8 \
  >"$T/train.log" || fail "train --anomaly gauss: $(tail -1 "$T/train.log")"
grep -q "^anomaly model: gauss, 8 centroids" "$T/train.log" || fail "train did not describe the anomaly model"
$I eval --model "$T/m" --json --plot "$T/p.svg" >"$T/e.json" || fail "eval"
read -r auc det far < <("$JG" -f "$T/e.json" .anomaly_auc .anomaly_detect_rate .anomaly_false_alarm_rate)
echo "eval: anomaly AUC $auc, detected $det, false alarms $far"
"$JG" -f "$T/e.json" -e '.anomaly_auc >= 0.95' '.anomaly_false_alarm_rate <= 0.05' '.anomaly_detect_rate > 0' \
  '.anomaly_windows == 114' '.windows == 342' '.accuracy_int8 >= 0.95' || fail "eval anomaly figures"
grep -q "<svg" "$T/p.anomaly.svg" && grep -q "threshold" "$T/p.anomaly.svg" || fail "no anomaly histogram next to p.svg"
grep -q '#define IMU_MODEL_ANOMALY 1' "$T/m/model.h" || fail "model.h without the anomaly model"

# the classifier firmware with it
cmake -S "$SRC/firmware" -B "$T/fw" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/arm-none-eabi.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DFW_OUTPUT_DIR="$T/fw/out" -DIMULAB_MODEL="$T/m" >"$T/fw.log" 2>&1 &&
  cmake --build "$T/fw" -j2 --target classifier-nucleo-f446re classifier-qemu >>"$T/fw.log" 2>&1 \
  || fail "classifier build: $(grep -m1 -i error "$T/fw.log")"
read -r text data bss _ < <(arm-none-eabi-size "$T/fw/out/classifier-nucleo-f446re.elf" | tail -1)
flash=$((text + data)); ram=$((data + bss))
pred=$("$JG" -f "$T/m/model.json" .device_cost.flash_bytes)
echo "classifier-nucleo-f446re with the anomaly model: flash $flash B (predicted $pred), RAM $ram B"
[ $flash -le 16384 ] || fail "flash $flash B > 16384"
[ $ram -le 8192 ] || fail "RAM $ram B > 8192"
d=$((flash - pred)); [ ${d#-} -le 272 ] || fail "cost model off by $d B of flash"

# validate on the emulated board: features, scores, class, decision and anomaly score, bit for bit
qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty -icount shift=0 \
  -kernel "$T/fw/out/classifier-qemu.elf" >"$T/q.log" 2>&1 &
QPID=$!; PTS=""
for _ in $(seq 50); do PTS=$(grep -o '/dev/pts/[0-9]*' "$T/q.log" | head -1); [ -n "$PTS" ] && break; sleep 0.1; done
[ -n "$PTS" ] || fail "QEMU gave no pty"
timeout 300 $I validate --model "$T/m" --port "$PTS" --json --timeout-ms 20000 >"$T/v.json" 2>"$T/v.err" \
  || fail "validate: $(tail -1 "$T/v.err")"
read -r win exact aw ae unk ins < <("$JG" -f "$T/v.json" .windows .bit_exact .anomaly_windows .anomaly_exact .unknown .instructions_per_window)
echo "validate: $win windows, $exact bit-exact, anomaly scores $ae of $aw equal, $unk unknown, $ins instructions/window"
"$JG" -f "$T/v.json" -e '.windows == 456' ".bit_exact == $win" ".anomaly_exact == $win" ".anomaly_windows == $win" \
  '.unknown > 10' '.instructions_per_window <= 50000' || fail "validate figures"

# imulabd on the board: imulab status carries the live anomaly score (classification.anomaly, unknown)
"$BIN/imulabd" --port "$PTS" --db "$T/d.db" --socket "$T/s" >"$T/d.log" 2>&1 &
DPID=$!
ok=0
for _ in $(seq 100); do
  if [ -S "$T/s" ] && $I --socket "$T/s" status --json >"$T/st.json" 2>/dev/null &&
     "$JG" -f "$T/st.json" -e '.classification.anomaly >= 0' '(.classification.unknown|type) != "null"'        '.classification.unknown_count >= 0' 2>/dev/null; then ok=1; break; fi
  sleep 0.2
done
kill "$DPID"; wait "$DPID" 2>/dev/null
[ $ok = 1 ] || fail "imulab status shows no anomaly score: $(cat "$T/st.json" 2>/dev/null | head -c 400)"
echo "status: $("$JG" -f "$T/st.json" .classification.anomaly .classification.unknown .classification.unknown_count)"

# refusals
$I train --out "$T/x" --anomaly maybe >/dev/null 2>"$T/bad.err" && fail "train took --anomaly maybe"
grep -q -- "--anomaly" "$T/bad.err" || fail "the bad --anomaly message does not name the option: $(cat "$T/bad.err")"
timeout 60 $I validate --model "$T/plain" --port "$PTS" --json >/dev/null 2>"$T/v2.err" && fail "validate of unknown labels without an anomaly model"
grep -q "not one of the model's labels" "$T/v2.err" || fail "validate refusal: $(cat "$T/v2.err")"
echo "anomaly_e2e: ok"
