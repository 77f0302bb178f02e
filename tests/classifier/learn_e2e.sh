#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/classifier/learn_e2e.sh BIN SRC TOOLS_DIR -- the anomaly-only mode's on-device learning (issue 14):
# the classifier firmware built with -DIMULAB_LEARN=ON (default model of the shared dataset, no
# anomaly model of its own) within 8 KB of RAM; on the emulated board `imulab device learn 20
# --port` learns the synthetic sensor's idle signal (20 windows + 20 for the threshold), the idle
# windows after it are not unknown, and after `imulab device gesture wave` (through imulabd) the
# wave windows are; then the refusals (CMD_LEARN of 3 bytes, N 1, N 10001 by the device through
# fwlink; by the CLI and imulabd) and `learn 0` through imulabd and the CLI (forget: no anomaly score). Exit 77 (skipped) without the ARM toolchain, QEMU or the dataset.
set -u
BIN=$1 SRC=$2 JG=$3/jget FWLINK=$3/fwlink
DS=$SRC/../shared/data/ei-xiao-gestures
for t in arm-none-eabi-gcc qemu-system-arm; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
[ -d "$DS" ] || { echo "skip: no dataset at $DS"; exit 77; }
T=$(mktemp -d /tmp/imulab-learn-test.XXXXXX)
QPID="" DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; [ -n "$QPID" ] && kill "$QPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
I="$BIN/imulab --db $T/a.db"

$I import "$DS" >/dev/null || fail "import"
$I train --out "$T/m" --window-ms 1000 --stride-ms 500 --seed 1 --anomaly none --quiet >"$T/train.log" || fail "train"
grep -q '^#define IMU_MODEL_NN_L1_WIDTH 20 ' "$T/m/model.h" || fail "model.h does not give the first hidden layer's width"
cmake -S "$SRC/firmware" -B "$T/fw" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/arm-none-eabi.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DFW_OUTPUT_DIR="$T/fw/out" -DIMULAB_MODEL="$T/m" -DIMULAB_LEARN=ON >"$T/fw.log" 2>&1 &&
  cmake --build "$T/fw" -j2 --target classifier-nucleo-f446re classifier-qemu >>"$T/fw.log" 2>&1 \
  || fail "classifier build: $(grep -m1 -i error "$T/fw.log")"
read -r text data bss _ < <(arm-none-eabi-size "$T/fw/out/classifier-nucleo-f446re.elf" | tail -1)
echo "classifier-nucleo-f446re with on-device learning: flash $((text + data)) B, RAM $((data + bss)) B"
[ $((data + bss)) -le 8192 ] || fail "RAM $((data + bss)) B > 8192"

qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty -icount shift=0,sleep=off \
  -kernel "$T/fw/out/classifier-qemu.elf" >"$T/q.log" 2>&1 &
QPID=$!; PTS=""
for _ in $(seq 50); do PTS=$(grep -o '/dev/pts/[0-9]*' "$T/q.log" | head -1); [ -n "$PTS" ] && break; sleep 0.1; done
[ -n "$PTS" ] || fail "QEMU gave no pty"

# before learning: no anomaly score (the model has none)
$I device learn --watch 3 --port "$PTS" >"$T/w0.log" || fail "watch: $(tail -1 "$T/w0.log")"
[ "$(grep -c 'no anomaly score' "$T/w0.log")" = 3 ] || fail "an anomaly score before learning: $(cat "$T/w0.log")"

# learn the idle signal, then 20 more idle windows: none unknown
timeout 60 $I device learn 20 --port "$PTS" --watch 20 >"$T/l.log" 2>&1 || fail "learn: $(tail -1 "$T/l.log")"
grep -q '^learn: 40 of 40 windows (threshold)$' "$T/l.log" || fail "no progress: $(head -5 "$T/l.log")"
thr=$(sed -n 's/^learned: 20 windows, threshold \([0-9]*\)$/\1/p' "$T/l.log")
[ -n "$thr" ] && [ "$thr" -gt 0 ] || fail "no learned threshold: $(cat "$T/l.log")"
read -r seen unk < <(sed -n 's/^watched: \([0-9]*\) windows, \([0-9]*\) unknown$/\1 \2/p' "$T/l.log")
echo "learned idle: threshold $thr; idle afterwards: $unk of $seen windows unknown"
[ "$seen" = 20 ] && [ "$unk" -le 1 ] || fail "idle windows unknown after learning idle: $unk of $seen"

# another gesture (through imulabd, which owns the port meanwhile): its windows are unknown
"$BIN/imulabd" --port "$PTS" --db "$T/d.db" --socket "$T/s" >"$T/d.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do [ -S "$T/s" ] && $I --socket "$T/s" status >/dev/null 2>&1 && break; sleep 0.1; done
$I --socket "$T/s" device gesture wave >"$T/g.log" 2>&1 || fail "device gesture wave: $(cat "$T/g.log")"
$I --socket "$T/s" device learn 1 >"$T/g1.log" 2>&1 && fail "imulabd sent learn 1"
grep -q "not 0 (forget) or a window count" "$T/g1.log" || fail "imulabd's refusal: $(cat "$T/g1.log")"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
$I device learn --watch 20 --port "$PTS" >"$T/w1.log" || fail "watch: $(tail -1 "$T/w1.log")"
read -r seen unk < <(sed -n 's/^watched: \([0-9]*\) windows, \([0-9]*\) unknown$/\1 \2/p' "$T/w1.log")
echo "wave after learning idle: $unk of $seen windows unknown"
# the first window or two may still hold idle samples (1 s windows, 0.5 s stride)
[ "$seen" = 20 ] && [ "$unk" -ge 17 ] || fail "wave windows not unknown: $unk of $seen: $(cat "$T/w1.log")"

# refusals: the device's (raw frames: a short payload, N 1, N 10001; 1 s of settling reads what
# the pty kept from before, the answers queue behind it), the CLI's
"$FWLINK" "$PTS" --settle 1 --seconds 0.5 --cmd 0x8b:01 --cmd 0x8b:0100 --cmd 0x8b:1127 >"$T/f.json" 2>"$T/f.err" \
  || fail "fwlink: $(cat "$T/f.err")"
"$JG" -f "$T/f.json" -e '(.naks|length) == 3' '.naks[0][2] == 2' '.naks[1][2] == 3' '.naks[2][2] == 3' \
  || fail "the device's refusals: $("$JG" -f "$T/f.json" .naks)"
$I device learn 10001 --port "$PTS" 2>"$T/e.log" && fail "learn 10001 accepted"
grep -q "N" "$T/e.log" || fail "no message for N 10001"
$I device learn 1 --port "$PTS" 2>"$T/e.log" && fail "learn 1 accepted"
grep -q "from 2 to 10000" "$T/e.log" || fail "learn 1: $(cat "$T/e.log")"
# the learned model survived the refusals
$I device learn --watch 5 --port "$PTS" >"$T/w2.log" || fail "watch: $(tail -1 "$T/w2.log")"
grep -q "^watched: 5 windows, [45] unknown" "$T/w2.log" || fail "after the refusals: $(cat "$T/w2.log")"
# forget, through imulabd: no anomaly score any more; the CLI's learn 0 too
"$BIN/imulabd" --port "$PTS" --db "$T/d2.db" --socket "$T/s2" >"$T/d2.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do [ -S "$T/s2" ] && $I --socket "$T/s2" status >/dev/null 2>&1 && break; sleep 0.1; done
$I --socket "$T/s2" device learn 0 >"$T/g0.log" 2>&1 || fail "imulabd device learn 0: $(cat "$T/g0.log")"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
$I device learn --watch 3 --port "$PTS" >"$T/w3.log" || fail "watch: $(tail -1 "$T/w3.log")"
[ "$(grep -c 'no anomaly score' "$T/w3.log")" = 3 ] || fail "a score after imulabd's learn 0: $(cat "$T/w3.log")"
$I device learn 0 --port "$PTS" --watch 3 >"$T/w4.log" || fail "learn 0: $(tail -1 "$T/w4.log")"
grep -q "forgot" "$T/w4.log" && [ "$(grep -c 'no anomaly score' "$T/w4.log")" = 3 ] || fail "learn 0: $(cat "$T/w4.log")"
echo "PASS"
