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
. "$(dirname "$0")/lib.sh"
cls_need arm-none-eabi-gcc qemu-system-arm
[ -d "$DS" ] || { echo "skip: no dataset at $DS"; exit 77; }
cls_scratch live-test
I="$BIN/imulab --db $T/a.db"

$I import "$DS" >/dev/null || fail "import"
# a decision logic that changes often enough to be seen: smoothing over 3, a 300 ms interval
$I train --out "$T/m" --window-ms 1000 --stride-ms 500 --seed 1 --smooth 3 --min-interval-ms 300 \
  --min-confidence 0.7 >"$T/train.log" || fail "train"
"$BIN/../tests/bin/jget" -f "$T/m/model.json" -e '.decision.smooth == 3' '.decision.min_interval_ms == 300' '.decision.min_margin > 0' || fail "model.json has not the decision settings"
cls_build "$T/m" "$T/fw" classifier-qemu

cls_qemu_start "$T/fw/out/classifier-qemu.elf" "$T/q.log" shift=0,sleep=off
"$REPLAY" "$T/m" "$PTS" --samples 10000 --accel-g 16 --gyro-dps 2000 --timeout 300 >"$T/r.json" 2>"$T/r.err"
rc=$?
cat "$T/r.json" "$T/r.err"
[ $rc -eq 0 ] || fail "live path differs between device and host"
JG="$BIN/../tests/bin/jget"
"$JG" -f "$T/r.json" -e '.samples >= 10000' '.classifications >= 150' '.events >= 3' '.mismatches == 0' \
  '.accel_g == 16' '.gyro_dps == 2000' || fail "live figures"
# Right after a validation (its quiet period: live classification pauses 1 s after the last
# window), in real time: START must still start the live path at once.
cls_qemu_stop
cls_qemu_start "$T/fw/out/classifier-qemu.elf" "$T/q2.log"
timeout 60 $I validate --model "$T/m" --port "$PTS" --limit 5 >/dev/null 2>"$T/v.err" || fail "validate: $(tail -1 "$T/v.err")"
"$REPLAY" "$T/m" "$PTS" --samples 1000 --timeout 120 >"$T/r2.json" 2>"$T/r2.err" || {
  cat "$T/r2.json" "$T/r2.err"; fail "live path after a validation differs"; }
echo "after a validation: $(cat "$T/r2.json")"
echo "live path: bit-exact"
