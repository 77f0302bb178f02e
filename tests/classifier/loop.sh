#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/classifier/loop.sh BIN -- the whole loop of issue 7 on the emulated board: the streamer
# (QEMU, linked at a stable path) streams synthetic gestures -> imulabd records each label ->
# imulab split -> imulab train -> imulab flash --board qemu (builds the classifier, restarts QEMU on
# it at the same path) -> imulab validate (100% bit-exact, accuracy >= 0.95) -> imulabd again:
# `imulab status` shows live classifications with the model's hash. Exit 77 without QEMU/toolchain.
set -u
BIN=$1
for t in arm-none-eabi-gcc qemu-system-arm; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
FW=$BIN/../firmware
[ -f "$FW/streamer-qemu.elf" ] || { echo "skip: no $FW/streamer-qemu.elf"; exit 77; }
T=$(mktemp -d /tmp/imulab-cls-loop.XXXXXX)
DPID=
cleanup() {
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
  # the QEMU behind the link (the one flash started is detached)
  q=$(readlink "$T/board" 2>/dev/null)
  for p in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$(cat /proc/$p/comm 2>/dev/null)" = qemu-system-arm ] || continue
    grep -qs "$T/" /proc/$p/cmdline && kill "$p" 2>/dev/null
  done
  [ -n "${QPID:-}" ] && kill "$QPID" 2>/dev/null
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
fail() { echo "FAIL: $*"; tail -n 5 "$T/d.log" 2>/dev/null; exit 1; }
JG="$BIN/../tests/bin/jget"
IM="$BIN/imulab --db $T/a.db --socket $T/s"

cp "$FW/streamer-qemu.elf" "$T/streamer-qemu.elf"
qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty -icount shift=0 \
  -kernel "$T/streamer-qemu.elf" >"$T/q.log" 2>&1 &
QPID=$!
for _ in $(seq 50); do pts=$(grep -o '/dev/pts/[0-9]*' "$T/q.log" | head -1); [ -n "$pts" ] && break; sleep 0.1; done
[ -n "$pts" ] || fail "QEMU gave no pty"
ln -sfn "$pts" "$T/board"

daemon() {
  "$BIN/imulabd" --port "$T/board" --db "$T/a.db" --socket "$T/s" >>"$T/d.log" 2>&1 &
  DPID=$!
  for _ in $(seq 50); do [ -S "$T/s" ] && break; sleep 0.1; done
  for _ in $(seq 50); do
    $IM status --json 2>/dev/null | "$JG" -e .connected 2>/dev/null && return 0
    sleep 0.2
  done
  fail "imulabd never saw the device"
}
daemon_stop() { kill -TERM "$DPID"; wait "$DPID"; DPID=; }
# model_on_device STATUS_JSON CONDITION: the device's model hash (8 hex digits) when CONDITION
# holds and the device runs the classifier, else nothing
model_on_device() {
  echo "$1" | "$JG" -e "$2" '.device|type == "object"' 2>/dev/null || return 0
  echo "$1" | "$JG" -e .device.classifier 2>/dev/null || return 0
  printf '%08x' "$(echo "$1" | "$JG" .device.model_hash)"
}

daemon
for rep in 1 2 3 4; do
  for g in idle wave circle updown; do
    $IM device gesture $g >/dev/null 2>&1 || fail "device gesture $g"
    sleep 0.3
    $IM record start $g >/dev/null || fail "record start $g"
    sleep 2.5
    $IM record stop >/dev/null || fail "record stop $g"
  done
done
$IM split --test-ratio 0.25 >/dev/null || fail "split"
$IM train --out "$T/m" --window-ms 500 --stride-ms 250 --seed 1 >"$T/train.log" 2>&1 || fail "train: $(tail -1 "$T/train.log")"
tail -n 2 "$T/train.log"
$IM flash --model "$T/m" --board qemu --port "$T/board" --build-dir "$T/fwb" >"$T/flash.log" 2>&1 || fail "flash: $(tail -2 "$T/flash.log")"
tail -n 2 "$T/flash.log"
kill "$QPID" 2>/dev/null; QPID= # flash stopped it already
[ "$(readlink "$T/board")" != "$pts" ] && echo "(new pty $(readlink "$T/board"))"
# imulabd (still running) follows the stable path onto the classifier on its own
hash=$(grep -o '"hash":[^,]*' "$T/m/model.json" | grep -o '[0-9a-f]\{8\}')
ok=0
for _ in $(seq 50); do
  c=$(model_on_device "$($IM status --json 2>/dev/null)" .connected)
  [ "$c" = "$hash" ] && { ok=1; break; }
  sleep 0.2
done
[ $ok = 1 ] || fail "imulabd did not reconnect to the classifier at $T/board"
echo "imulabd reconnected to the classifier (model $hash)"
daemon_stop # validate needs the port to itself
timeout 120 $IM validate --model "$T/m" --port "$T/board" --json >"$T/v.json" 2>"$T/v.err" || fail "validate: $(tail -1 "$T/v.err")"
read -r win exact acc ins < <("$JG" -f "$T/v.json" .windows .bit_exact .accuracy .instructions_per_window)
echo "validate: $exact/$win bit-exact, accuracy $acc, $ins instructions/window"
[ "$win" -gt 0 ] && [ "$exact" = "$win" ] || fail "not all windows bit-exact"
"$JG" -f "$T/v.json" -e '.accuracy >= 0.95' || fail "accuracy $acc < 0.95"
daemon
ok=0
for _ in $(seq 30); do
  st=$($IM status --json)
  c=$(model_on_device "$st" '.classification|type != "null"')
  [ "$c" = "$hash" ] && { ok=1; break; }
  sleep 0.2
done
[ $ok = 1 ] || fail "status shows no live classification of model $hash: $st"
echo "live: class $(echo "$st" | "$JG" .classification.class), scores $(echo "$st" | "$JG" .classification.scores), $(echo "$st" | "$JG" .classification.instructions) instructions"
# the device's decisions (EVENT frames, only on change) reach the status: change the gesture
ok=0
for g in wave idle circle updown; do
  $IM device gesture $g >/dev/null 2>&1 || fail "device gesture $g"
  for _ in $(seq 20); do
    $IM status --json >"$T/st.json"
    "$JG" -f "$T/st.json" -e '.decision != null' '.decision.events >= 1' >/dev/null 2>&1 && { ok=1; break 2; }
    sleep 0.25
  done
done
[ $ok = 1 ] || fail "status shows no decision from the device: $(cat "$T/st.json")"
echo "decision: class $("$JG" -f "$T/st.json" .decision.class), $("$JG" -f "$T/st.json" .decision.events) event(s)"
daemon_stop
echo PASS
