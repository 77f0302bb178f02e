#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/classifier/anomaly_only_e2e.sh BIN SRC JGET_DIR -- anomaly-only mode end to end (issue 14,
# deliver 2): `imulab train --normal circle` on the shared dataset trains on circle's recordings
# only (features, a 36->1 network, the anomaly model on the input) and `imulab eval --json` scores
# every recording of the other labels as an anomaly (training ones too: AUC >= 0.95); the same
# with one training label left after `imulab rm` (no --normal); the refusals; `imulab
# export-model --format c` builds with the anomaly score in its result; the classifier firmware
# with on-device learning (on because it fits the budgets: model.h IMU_MODEL_LEARN) within 16 KB /
# 8 KB and near the cost model; on the emulated board the user button (pressed by the synthetic
# board 10 s after boot) starts a learn of IMULAB_LEARN_WINDOWS=12 windows with no host command,
# after which the synthetic idle signal is normal; `imulab validate` bit-exact, anomaly scores
# included. Exit 77 (skipped) without the ARM toolchain, QEMU or the dataset.
set -u
BIN=$1 SRC=$2 JG=$3/jget
DS=$SRC/../shared/data/ei-xiao-gestures
. "$SRC/tests/classifier/lib.sh"
cls_need arm-none-eabi-gcc qemu-system-arm cc
[ -d "$DS" ] || { echo "skip: no dataset at $DS"; exit 77; }
cls_scratch anomaly-only-test
I="$BIN/imulab --db $T/a.db"
$I import "$DS" >/dev/null || fail "import"

# --normal circle: 18 training recordings of circle; 72 recordings of the other labels (54 of
# them training ones) are the anomalies
$I train --out "$T/m" --normal circle --features stats,spectral --seed 1 --json >"$T/t.json" 2>"$T/t.err" \
  || fail "train --normal: $(tail -1 "$T/t.err")"
"$JG" -f "$T/t.json" -e '.anomaly_only == true' '.normal_label == "circle"' '.anomaly == "gauss"' '.device_learn == true' \
  '.anomaly_auc >= 0.95' || fail "train --normal: $(head -c 400 "$T/t.json")"
"$JG" -f "$T/m/model.json" -e '(.labels|length) == 1' '.labels[0] == "circle"' '.device_learn == true' \
  || fail "model.json: labels $("$JG" -f "$T/m/model.json" .labels)"
grep -q '^#define IMU_MODEL_N_CLASSES 1$' "$T/m/model.h" && grep -q '^#define IMU_MODEL_LEARN 1$' "$T/m/model.h" \
  && grep -q '^#define IMU_MODEL_NN_LAYERS 1 ' "$T/m/model.h" || fail "model.h: $(grep -E 'CLASSES|LEARN|LAYERS' "$T/m/model.h")"
$I eval --model "$T/m" --json >"$T/e.json" || fail "eval"
read -r auc det far < <("$JG" -f "$T/e.json" .anomaly_auc .anomaly_detect_rate .anomaly_false_alarm_rate)
echo "anomaly-only (normal: circle): AUC $auc, detected $det, false alarms $far"
"$JG" -f "$T/e.json" -e '.anomaly_only == true' '.windows == 114' '.unknown_recordings == 72' '.anomaly_windows == 1368' \
  '.anomaly_auc >= 0.95' '.anomaly_false_alarm_rate <= 0.05' '.accuracy_int8 == 1' || fail "eval: $(head -c 600 "$T/e.json")"

# one training label left (imulab rm of the others' training recordings): anomaly-only without --normal
cp "$T/a.db" "$T/b.db"
J="$BIN/imulab --db $T/b.db"
for l in circle flick updown; do
  ids=$($J list --label $l --category training --json | "$JG" '[].id' | tr ',[]' '   ')
  $J rm $ids >/dev/null || fail "rm $l"
done
$J train --out "$T/i" --seed 1 --window-ms 1000 --stride-ms 500 >"$T/i.log" || fail "train on idle only: $(tail -1 "$T/i.log")"
grep -q "^anomaly-only mode: trained on the recordings of 'idle'" "$T/i.log" || fail "one label: $(head -3 "$T/i.log")"
$J eval --model "$T/i" --json >"$T/ie.json" || fail "eval of the idle model"
"$JG" -f "$T/ie.json" -e '.anomaly_only == true' '.unknown_recordings == 18' '.anomaly_auc >= 0.95' \
  || fail "idle eval: $(head -c 400 "$T/ie.json")"

# refusals
$I train --out "$T/x" --normal nosuch >/dev/null 2>"$T/r1" && fail "--normal nosuch accepted"
grep -q -- "--normal nosuch: no training recordings" "$T/r1" || fail "--normal nosuch: $(cat "$T/r1")"
$J train --out "$T/x" --anomaly none >/dev/null 2>"$T/r2" && fail "one label with --anomaly none accepted"
grep -q -- "--anomaly none: the training recordings are of one label" "$T/r2" || fail "--anomaly none: $(cat "$T/r2")"
$I train --out "$T/x" --normal circle --auto >/dev/null 2>"$T/r3" && fail "--normal with --auto accepted"
grep -q -- "--auto" "$T/r3" || fail "--auto: $(cat "$T/r3")"
$I train --out "$T/x" --normal circle --hidden 20,10 >/dev/null 2>"$T/r5" && fail "--normal with --hidden accepted"
grep -q -- "--hidden: anomaly-only mode" "$T/r5" || fail "--hidden: $(cat "$T/r5")"
cp -r "$T/m" "$T/bad"
sed -i 's/"anomaly":/"anomaly_removed":/' "$T/bad/model.json"
$I eval --model "$T/bad" >/dev/null 2>"$T/r4" && fail "a one-label model without an anomaly model loaded"
grep -q "one label and no anomaly model" "$T/r4" || fail "one label, no anomaly model: $(cat "$T/r4")"

# flash --dry-run names the programmer for the anomaly-only model's image
$I flash --model "$T/m" --dry-run >"$T/fl.log" 2>&1 || fail "flash --dry-run: $(tail -1 "$T/fl.log")"
grep -qE "openocd|st-flash" "$T/fl.log" || fail "flash --dry-run names no programmer: $(cat "$T/fl.log")"

# the exported C library: one class, the anomaly score in its result
$I export-model --model "$T/m" --format c --out "$T/lib" >/dev/null || fail "export-model c"
cat >"$T/lib/main.c" <<'EOF'
#include <stdio.h>
#include "imulab.h"
int main(void)
{
    static struct imulab_state st;
    static int16_t w[IMULAB_WINDOW_LEN * IMULAB_N_AXES];
    struct imulab_result r;
    imulab_init(&st);
    if (IMULAB_N_CLASSES != 1 || !IMULAB_HAS_ANOMALY || imulab_classify(&st, w, IMULAB_WINDOW_LEN, &r) != 0) return 1;
    printf("%u %u %u\n", (unsigned)r.anomaly, (unsigned)r.unknown, (unsigned)(r.anomaly > imu_model_anomaly.threshold));
    return 0;
}
EOF
cc -std=c99 -Wall -Wextra -Werror -O2 -I"$T/lib" "$T"/lib/*.c -o "$T/lib/run" -lm 2>"$T/cc.log" || fail "library build: $(head -3 "$T/cc.log")"
read -r sc unk above < <("$T/lib/run") || fail "library run"
[ "$unk" = "$above" ] && [ "$sc" -gt 0 ] || fail "library result: anomaly $sc, unknown $unk (above the threshold: $above)"

# the firmware: learning on (model.h), the button pressed 6 s after boot, 12 windows
CLS_CMAKE_ARGS="-DIMULAB_LEARN_WINDOWS=12 -DIMULAB_SYNTH_BUTTON_MS=10000" \
  cls_build "$T/m" "$T/fw" classifier-nucleo-f446re classifier-qemu
cls_size "$T/fw/out/classifier-nucleo-f446re.elf"
pred=$("$JG" -f "$T/m/model.json" .device_cost.flash_bytes); pram=$("$JG" -f "$T/m/model.json" .device_cost.ram_bytes)
echo "classifier-nucleo-f446re, anomaly-only model with on-device learning: flash $flash B (predicted $pred), RAM $ram B (predicted $pram)"
[ $flash -le 16384 ] && [ $ram -le 8192 ] || fail "over 16 KB / 8 KB: flash $flash B, RAM $ram B"
d=$((flash - pred)); [ ${d#-} -le 272 ] || fail "cost model off by $d B of flash"
d=$((ram - pram)); [ ${d#-} -le 64 ] || fail "cost model off by $d B of RAM"

cls_qemu_start "$T/fw/out/classifier-qemu.elf" "$T/q.log"
# one watch from boot on: before the press the model's own score (trained on circle: the synthetic
# idle signal is unknown); the press (10 s after boot: imulab attaches first even on a loaded machine) starts a learn of 12 + 12 windows with no host
# command; after its threshold the idle windows are normal
timeout 90 $I device learn --watch 52 --port "$PTS" >"$T/w.log" || fail "watch: $(tail -1 "$T/w.log")"
grep -q "^device: learn: 12 windows of normal operation$" "$T/w.log" && grep -q "^device: learn: threshold [0-9]*$" "$T/w.log" \
  || fail "the button started no learn: $(cat "$T/w.log")"
before=$(sed -n '1,/^device: learn: 12 windows of normal/p' "$T/w.log" | grep -c "^window .* unknown$")
nb=$(sed -n '1,/^device: learn: 12 windows of normal/p' "$T/w.log" | grep -c "^window ")
after=$(sed -n '/^device: learn: threshold/,$p' "$T/w.log" | grep -c "^window .* unknown$")
na=$(sed -n '/^device: learn: threshold/,$p' "$T/w.log" | grep -c "^window ")
echo "idle windows unknown: $before of $nb before the button, $after of $na after its learn"
[ "$nb" -ge 2 ] && [ "$before" = "$nb" ] || fail "before the button: $(head -8 "$T/w.log")"
[ "$na" -ge 8 ] && [ "$after" -le 1 ] || fail "idle still unknown after learning it: $(cat "$T/w.log")"
# validation keeps the model's own score, bit for bit
timeout 120 $I validate --model "$T/m" --port "$PTS" --json --limit 40 --timeout-ms 20000 >"$T/v.json" 2>"$T/v.err" \
  || fail "validate: $(tail -1 "$T/v.err")"
"$JG" -f "$T/v.json" -e '.windows == 40' '.bit_exact == 40' '.anomaly_windows == 40' '.anomaly_exact == 40' \
  || fail "validate: $(head -c 400 "$T/v.json")"
echo "validate: 40 of 40 windows bit-exact, anomaly scores included"
echo "anomaly_only_e2e: ok"
