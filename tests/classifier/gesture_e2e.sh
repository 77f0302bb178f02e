#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/classifier/gesture_e2e.sh BIN SRC -- gesture mode end to end: whole-gesture recordings by 6
# synthetic people (gesture_gen: mirror-image and time-reversed pairs of classes), 4 people for
# training and 2 others for testing (imported with --subject); `imulab train` picks gesture mode by
# itself and says so; `imulab eval --json` has "mode" and "accuracy_recordings" (>= 0.9 on people
# never seen in training, where continuous mode on the same data stays far below); the classifier
# built from the model fits 16 KB flash / 8 KB RAM; on the emulated board every gesture of the
# testing people validates bit-exact within 50,000 instructions; live, the device sends no
# CLASSIFICATION while idle and one when a gesture (the synthetic sensor's circle) ends, and the
# host's replay of the device's samples (live_replay) gives the device's frames byte for byte.
# Also `imulab segments` and `imulab plot --segments` on multi-gesture recordings. Exit 77 (skipped) without the ARM toolchain or QEMU.
set -u
BIN=$1 SRC=$2
. "$(dirname "$0")/lib.sh"
cls_need arm-none-eabi-gcc qemu-system-arm
cls_scratch gesture-test
I="$BIN/imulab --db $T/a.db"
JG="$BIN/../tests/bin/jget"

"$BIN/gesture_gen" "$T/d" --people 6 --reps 10 --rate 50 || fail "gesture_gen"
for p in 0 1 2 3; do $I import --subject "p$p" --category training "$T/d/p$p" >/dev/null || fail "import p$p"; done
for p in 4 5; do $I import --subject "p$p" --category testing "$T/d/p$p" >/dev/null || fail "import p$p"; done

$I train --out "$T/m" --seed 1 --quiet >"$T/train.log" || fail "train: $(tail -1 "$T/train.log")"
grep -qE "^mode: gesture: cross-validation [0-9.]+, continuous [0-9.]+ \(median training recording [0-9]+ ms, suggesting gesture\)" "$T/train.log" \
  || fail "train did not choose gesture mode by cross-validation and print it: $(cat "$T/train.log")"
"$JG" -f "$T/m/model.json" -e '.mode == "gesture"' '.gesture.points >= 8' '.gesture.segmenter.max_len >= 2' \
  || fail "model.json lacks the mode or the gesture parameters"
grep -q "^#define IMU_MODEL_MODE_GESTURE 1" "$T/m/model.h" || fail "model.h does not say gesture mode"
$I eval --model "$T/m" --json >"$T/e.json" || fail "eval"
read -r acc acc8 accr nrec mode < <("$JG" -f "$T/e.json" .accuracy .accuracy_int8 .accuracy_recordings .recordings .mode)
echo "gesture mode: float $acc, int8 $acc8, per gesture $accr over $nrec testing gestures"
"$JG" -f "$T/e.json" -e '.mode == "gesture"' '.accuracy_recordings >= 0.9' '.recordings == 120' '.windows == 120' \
  '(.confusion_recordings|[]|sum)|sum == 120' '(.warnings|type) == "array"' \
  || fail "eval JSON: $(cat "$T/e.json")"
# a model.json whose gesture section does not match its window is refused, naming the file
# (the points are whatever the automatic configuration chose: another number is written)
pts=$("$JG" -f "$T/m/model.json" .gesture.points)
bad_pts=$((pts == 32 ? 64 : 32))
cp -r "$T/m" "$T/bad" && sed -i "s/\"points\":\t$pts\b/\"points\":\t$bad_pts/" "$T/bad/model.json"
grep -q "\"points\":.$bad_pts" "$T/bad/model.json" || fail "test set-up: could not edit the points"
$I eval --model "$T/bad" 2>"$T/err" && fail "eval accepted gesture points that differ from the window"
grep -q "bad/model.json" "$T/err" || fail "bad model.json not named: $(cat "$T/err")"
# the same data in continuous mode: the time order is lost (mirror/reversed pairs), far worse
$I train --out "$T/mc" --seed 1 --quiet --mode continuous >/dev/null || fail "train --mode continuous"
$I eval --model "$T/mc" --json >"$T/ec.json" || fail "eval continuous"
"$JG" -f "$T/ec.json" -e '.mode == "continuous"' ".accuracy_recordings < $accr" || fail "continuous mode not below gesture mode"
echo "continuous mode on the same data: per recording $("$JG" -f "$T/ec.json" .accuracy_recordings)"
# forcing: --window-ms alone means continuous; --mode gesture with it stays gesture
$I train --out "$T/mw" --window-ms 1000 --quiet | grep -q "^mode: continuous: forced" || fail "--window-ms did not force continuous mode"
$I train --out "$T/x" --mode sideways 2>"$T/err" && fail "--mode sideways accepted"
grep -q -- "--mode" "$T/err" || fail "bad --mode not named: $(cat "$T/err")"

# segments: a recording with 4 gestures and rest between them
"$BIN/gesture_gen" "$T/s" --people 1 --rate 50 --stream || fail "gesture_gen --stream"
$I import --category unassigned "$T/s/p0/circle_cw.p0_stream.csv" >/dev/null || fail "import stream"
id=$($I list --json | "$JG" '[-1].id')
$I segments "$id" --model "$T/m" --json >"$T/seg.json" || fail "segments"
"$JG" -f "$T/seg.json" -e '([].kept)|all' >/dev/null 2>&1
n=$("$JG" -f "$T/seg.json" '(.segments|[].kept)|sum')
echo "segments: $n gestures found in a recording of 4"
[ "$n" -ge 3 ] && [ "$n" -le 5 ] || fail "segments found $n gestures in a recording of 4: $(cat "$T/seg.json")"
$I plot "$id" --out "$T/p.svg" --segments="$T/m" >/dev/null || fail "plot --segments"
nr=$(grep -c '<rect class="segment' "$T/p.svg"); ns=$("$JG" -f "$T/seg.json" '.segments|length')
[ "$nr" = "$ns" ] || fail "plot --segments drew $nr segments, segments found $ns"
$I segments 999999 --model "$T/m" 2>"$T/err" && fail "segments of a missing recording"
grep -q "999999" "$T/err" || fail "missing recording not named"
$I segments "$id" --model "$T/mc" 2>"$T/err" && fail "segments with a continuous model"
grep -q "continuous" "$T/err" || fail "continuous model not named"

# the classifier: budgets, bit-exact validation, live gestures
cls_build "$T/m" "$T/fw" classifier-nucleo-f446re classifier-qemu
cls_size "$T/fw/out/classifier-nucleo-f446re.elf"
echo "gesture classifier-nucleo-f446re: flash $flash B, RAM $ram B"
[ $ram -le 8192 ] || fail "RAM $ram B > 8192"
[ $flash -le 16384 ] || fail "flash $flash B > 16384"

cls_qemu_start "$T/fw/out/classifier-qemu.elf" "$T/q.log"
timeout 300 $I validate --model "$T/m" --port "$PTS" --json >"$T/v.json" 2>"$T/v.err" || fail "validate: $(tail -1 "$T/v.err")"
read -r win exact vacc ins < <("$JG" -f "$T/v.json" .windows .bit_exact .accuracy .instructions_per_window)
echo "validate: $win gestures, $exact bit-exact, accuracy $vacc, $ins instructions per gesture"
"$JG" -f "$T/v.json" -e '.windows == 120' '.bit_exact == 120' ".accuracy == $acc8" '.instructions_per_window > 0' \
  '.instructions_max <= 50000' || fail "validate figures: $(cat "$T/v.json")"
# live: idle gives no CLASSIFICATION; a circle, then idle, gives one when the gesture ends
FW="$BIN/../tests/bin/fwlink"
"$FW" "$PTS" --settle 1.5 --cmd 0x87:00 --seconds 3 >"$T/l1.json" 2>"$T/l.err" || fail "fwlink: $(cat "$T/l.err")"
"$FW" "$PTS" --settle 1.5 --cmd 0x87:02 --seconds 1.5 >"$T/l2.json" 2>"$T/l.err" || fail "fwlink: $(cat "$T/l.err")"
"$FW" "$PTS" --settle 0.2 --cmd 0x87:00 --seconds 4 >"$T/l3.json" 2>"$T/l.err" || fail "fwlink: $(cat "$T/l.err")"
ncls() { local c; c=$("$JG" -f "$1" '.frames' | grep -o '"CLASSIFICATION": *[0-9]*' | grep -o '[0-9]*$'); echo "${c:-0}"; }
c1=$(ncls "$T/l1.json"); c2=$(ncls "$T/l2.json"); c3=$(ncls "$T/l3.json")
echo "live: $c1 classifications while idle, $c2 during the circle, $c3 after it"
"$JG" -f "$T/l1.json" -e '.frames.SAMPLES > 0' || fail "no SAMPLES from the classifier while idle"
[ "$c1" = 0 ] || fail "$c1 classifications while idle"
[ "$c2" = 0 ] || fail "$c2 classifications while the gesture still ran"
[ "$c3" = 1 ] || fail "$c3 classifications after one gesture (want 1)"
cls_qemu_stop
# the live path bit-exact: every CLASSIFICATION and EVENT of the device equals the host's replay of
# the same samples through the same segmenter, buffer, resampler, features and decisions
# (-icount sleep=off: 10,000 samples at 50 Hz take seconds, not minutes)
cls_qemu_start "$T/fw/out/classifier-qemu.elf" "$T/q2.log" shift=0,sleep=off
"$BIN/../tests/classifier/live_replay" "$T/m" "$PTS" --samples 10000 --accel-g 16 --gyro-dps 2000 --timeout 240 \
  >"$T/r.json" 2>"$T/r.err" || fail "live gesture path differs between device and host: $(cat "$T/r.json" "$T/r.err")"
"$JG" -f "$T/r.json" -e '.mismatches == 0' '.classifications >= 2' '.samples >= 10000' \
  || fail "live replay figures: $(cat "$T/r.json")"
echo "live replay: $("$JG" -f "$T/r.json" .classifications) gestures classified, device and host identical"
echo "PASS"
