#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/classifier/live.sh BIN SRC LIVE_REPLAY -- the live path bit-exact on the emulated board:
# train on the shared dataset, build the classifier images, run QEMU (-icount shift=0,sleep=off: the
# virtual clock does not wait for the wall clock, so 10,000 samples take seconds) and live_replay:
# at 16 g / 2000 dps (not the default scale), with the synthetic gesture changing every 1500
# samples, every CLASSIFICATION and EVENT of the device equals the host's (same portable live path,
# checked against a plain reference window and the datasheet scales). Exit 77 (skipped) without the
# ARM toolchain, QEMU or the dataset.
set -u
BIN=$1 SRC=$2 REPLAY=$3
DS=$SRC/../shared/data/ei-xiao-gestures
for t in arm-none-eabi-gcc qemu-system-arm; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
[ -d "$DS" ] || { echo "skip: no dataset at $DS"; exit 77; }
T=$(mktemp -d /tmp/imulab-live-test.XXXXXX)
QPID=""
cleanup() { [ -n "$QPID" ] && kill "$QPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
I="$BIN/imulab --db $T/a.db"

$I import "$DS" >/dev/null || fail "import"
# a decision logic that changes often enough to be seen: smoothing over 3, a 300 ms interval
$I train --out "$T/m" --window-ms 1000 --stride-ms 500 --seed 1 --smooth 3 --min-interval-ms 300 \
  --min-confidence 0.7 >"$T/train.log" || fail "train"
"$BIN/../tests/bin/jget" -f "$T/m/model.json" -e '.decision.smooth == 3' '.decision.min_interval_ms == 300' '.decision.min_margin > 0' || fail "model.json has not the decision settings"
cmake -S "$SRC/firmware" -B "$T/fw" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/arm-none-eabi.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DFW_OUTPUT_DIR="$T/fw/out" -DIMULAB_MODEL="$T/m" >"$T/fw.log" 2>&1 &&
  cmake --build "$T/fw" -j2 --target classifier-qemu >>"$T/fw.log" 2>&1 \
  || fail "classifier build: $(grep -m1 -i error "$T/fw.log")"

qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty \
  -icount shift=0,sleep=off -kernel "$T/fw/out/classifier-qemu.elf" >"$T/q.log" 2>&1 &
QPID=$!
PTS=""
for _ in $(seq 50); do PTS=$(grep -o '/dev/pts/[0-9]*' "$T/q.log" | head -1); [ -n "$PTS" ] && break; sleep 0.1; done
[ -n "$PTS" ] || fail "QEMU gave no pty"
"$REPLAY" "$T/m" "$PTS" --samples 10000 --accel-g 16 --gyro-dps 2000 --timeout 300 >"$T/r.json" 2>"$T/r.err"
rc=$?
cat "$T/r.json" "$T/r.err"
[ $rc -eq 0 ] || fail "live path differs between device and host"
JG="$BIN/../tests/bin/jget"
"$JG" -f "$T/r.json" -e '.samples >= 10000' '.classifications >= 150' '.events >= 3' '.mismatches == 0' \
  '.accel_g == 16' '.gyro_dps == 2000' || fail "live figures"
# Right after a validation (its quiet period: live classification pauses 1 s after the last
# window), in real time: START must still start the live path at once.
kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null
qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty \
  -icount shift=0 -kernel "$T/fw/out/classifier-qemu.elf" >"$T/q2.log" 2>&1 &
QPID=$!
PTS=""
for _ in $(seq 50); do PTS=$(grep -o '/dev/pts/[0-9]*' "$T/q2.log" | head -1); [ -n "$PTS" ] && break; sleep 0.1; done
[ -n "$PTS" ] || fail "QEMU gave no pty (second run)"
timeout 60 $I validate --model "$T/m" --port "$PTS" --limit 5 >/dev/null 2>"$T/v.err" || fail "validate: $(tail -1 "$T/v.err")"
"$REPLAY" "$T/m" "$PTS" --samples 1000 --timeout 120 >"$T/r2.json" 2>"$T/r2.err" || {
  cat "$T/r2.json" "$T/r2.err"; fail "live path after a validation differs"; }
echo "after a validation: $(cat "$T/r2.json")"
echo "live path: bit-exact"
