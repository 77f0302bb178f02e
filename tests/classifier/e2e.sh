#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/classifier/e2e.sh BIN SRC -- the classifier firmware end to end on the emulated board:
# train on the shared dataset, build the classifier images with -DIMULAB_MODEL, check the flash and
# RAM budgets, run QEMU (-icount shift=0) and `imulab validate` (every window bit-exact, accuracy
# >= 0.92, <= 50,000 instructions per window), then the bad inputs: a model directory missing a
# file or trained for other axes, the streamer or another model on the device, a silent device and
# a device that stops answering. Exit 77 (skipped) without the ARM toolchain, QEMU or the dataset.
set -u
BIN=$1 SRC=$2
DS=$SRC/../shared/data/ei-xiao-gestures
. "$(dirname "$0")/lib.sh"
cls_need arm-none-eabi-gcc qemu-system-arm socat
[ -d "$DS" ] || { echo "skip: no dataset at $DS"; exit 77; }
cls_scratch cls-test
I="$BIN/imulab --db $T/a.db"

$I import "$DS" >/dev/null || fail "import"
$I train --out "$T/m" --window-ms 1000 --stride-ms 500 --seed 1 >"$T/train.log" || fail "train"
$I train --out "$T/m2" --window-ms 1000 --stride-ms 500 --seed 2 >/dev/null || fail "train seed 2"
h1=$(grep -o '"hash":[^,]*' "$T/m/model.json"); h2=$(grep -o '"hash":[^,]*' "$T/m2/model.json")
[ "$h1" != "$h2" ] || fail "seeds 1 and 2 gave the same model hash"

# build: the firmware project with the model (as imulab flash does)
cls_build "$T/m" "$T/fw" classifier-nucleo-f446re classifier-qemu
for f in classifier-nucleo-f446re.elf classifier-nucleo-f446re.bin classifier-qemu.elf; do
  [ -f "$T/fw/out/$f" ] || fail "no $f"
done
cls_size "$T/fw/out/classifier-nucleo-f446re.elf"
echo "classifier-nucleo-f446re: flash $flash B, RAM $ram B"
[ $flash -le 16384 ] || fail "flash $flash B > 16384"
[ $ram -le 8192 ] || fail "RAM $ram B > 8192"

# validate on the emulated board
cls_qemu_start "$T/fw/out/classifier-qemu.elf" "$T/q.log"
timeout 240 $I validate --model "$T/m" --port "$PTS" --json >"$T/v.json" 2>"$T/v.err" || fail "validate: $(tail -1 "$T/v.err")"
JG="$BIN/../tests/bin/jget"
read -r win exact acc ins < <("$JG" -f "$T/v.json" .windows .bit_exact .accuracy .instructions_per_window)
echo "validate: $win windows, $exact bit-exact, accuracy $acc, $ins instructions/window"
"$JG" -f "$T/v.json" -e '.windows > 400' ".bit_exact == $win" '.accuracy >= 0.92' \
  '.instructions_per_window > 0' '.instructions_per_window <= 50000' "(.classes|values|[].windows)|sum == $win" \
  || fail "validate figures"
# a device that computes differently must fail validation: tamper relays the classifier's answers
# and changes one int8 score in window 3, one feature bit in window 6, the class in window 9 (each
# frame keeps a valid CRC). Through the same relay unchanged, the 12 windows are bit-exact.
tamper_run() { # NAME ARGS... -> validate of 12 windows through tamper; rc in TRC
  "$BIN/../tests/bin/tamper" --link "$T/$1" --dev "$PTS" "${@:2}" 2>"$T/$1.log" &
  local tp=$!; pids+=($tp)
  for _ in $(seq 50); do [ -e "$T/$1" ] && break; sleep 0.1; done
  timeout 60 $I validate --model "$T/m" --port "$T/$1" --limit 12 --timeout-ms 1500 --json >"$T/$1.json" 2>"$T/$1.err"; TRC=$?
  kill "$tp"; wait "$tp" 2>/dev/null
}
tamper_run relay
[ $TRC = 0 ] || fail "validate through an unchanged relay: exit $TRC: $(cat "$T/relay.err")"
"$JG" -f "$T/relay.json" -e '.windows == 12' '.bit_exact == 12' || fail "relay: $(cat "$T/relay.json")"
# flow control (proto.h): one command in flight, each within the device's 128-byte receive ring
# (validate once sent a window's chunks at once, and a busy device lost bytes: "stopped answering")
grep -q ' [1-9][0-9]* commands, 0 flow breaches$' "$T/relay.log" || fail "flow control: $(grep flow "$T/relay.log" | head -3)"
# a lost answer (the first whose decision changed): the window goes again with the same number and
# the device decides it once (live_validate_decide; test_live checks the take-back itself)
tamper_run dropped --drop-event
[ $TRC = 0 ] || fail "validate after a lost answer: exit $TRC: $(cat "$T/dropped.err")"
"$JG" -f "$T/dropped.json" -e '.windows == 12' '.bit_exact == 12' '.retries == 1' '.decisions_exact == 12' \
  || fail "lost answer: $(cat "$T/dropped.json")"
grep -q '^tamper: dropped VALIDATE_RESULT' "$T/dropped.log" || fail "tamper dropped no answer: $(cat "$T/dropped.log")"
tamper_run tampered --score 3 --feature 6 --class 9
[ $TRC = 1 ] || fail "validate accepted a device that computes differently (exit $TRC): $(cat "$T/tampered.json")"
[ "$(grep -c '^tamper: changed' "$T/tampered.log")" = 3 ] || fail "tamper did not change 3 results: $(cat "$T/tampered.log")"
"$JG" -f "$T/tampered.json" -e '.windows == 12' '.bit_exact == 9' || fail "tampered windows: $(cat "$T/tampered.json")"
grep -q "3 of 12 windows differ from the host; the first is window 3 (int8 score of class 0" "$T/tampered.err" \
  || fail "no clear report of the changed score: $(cat "$T/tampered.err")"
echo "validate through tamper: 12/12 bit-exact unchanged, $("$JG" -f "$T/tampered.json" .bit_exact)/12 with 3 results changed"
# another model on the device
timeout 20 $I validate --model "$T/m2" --port "$PTS" >/dev/null 2>"$T/e.err" && fail "validate accepted a device running another model"
grep -q "runs model" "$T/e.err" || fail "no clear error for another model: $(cat "$T/e.err")"
# the device itself refuses a window for another model, of another shape, or out of order
hash=$(grep -o '"hash":[^,]*' "$T/m/model.json" | grep -o '[0-9a-f]\{8\}')
# QEMU notices a reopened pty only on its 1 s poll, hence the settle time before the commands.
# chunk payloads after the token: model_hash:u32 total:u16 offset:u16 count:u16 n_axes:u8 0, 4x3 int16
le32() { printf '%02x%02x%02x%02x' $(( $1 & 255 )) $(( ($1 >> 8) & 255 )) $(( ($1 >> 16) & 255 )) $(( ($1 >> 24) & 255 )); }
le16() { printf '%02x%02x' $(( $1 & 255 )) $(( ($1 >> 8) & 255 )); }
vals=$(printf '0100%.0s' $(seq 12))
h=$((16#$hash)); other=$(( h ^ 1 ))
"$BIN/../tests/bin/fwlink" "$PTS" --settle 1.5 --seconds 1 \
  --cmd "0x88:$(le32 $other)$(le16 104)$(le16 0)$(le16 4)0300$vals" \
  --cmd "0x88:$(le32 $h)$(le16 50)$(le16 0)$(le16 4)0300$vals" \
  --cmd "0x88:$(le32 $h)$(le16 104)$(le16 8)$(le16 4)0300$vals" >"$T/nak.json" 2>"$T/nak.log" \
  || fail "fwlink: $(cat "$T/nak.log")"
# NAK MODEL_MISMATCH (6) for another model, BAD_VALUE (3) for another shape and out of order
"$JG" -f "$T/nak.json" -e '.naks[0][0] == 1' '.naks[0][2] == 6' '.naks[1][0] == 2' '.naks[1][2] == 3' \
  '.naks[2][0] == 3' '.naks[2][2] == 3' || fail "device NAKs: $(cat "$T/nak.json")"
# a device that stops answering mid-way: stop QEMU after 4 s (HELLO may take a second)
( sleep 4; kill -STOP "$QPID" ) &
s=$(date +%s)
timeout 30 $I validate --model "$T/m" --port "$PTS" --timeout-ms 500 >/dev/null 2>"$T/e.err"; rc=$?
[ $rc = 1 ] || fail "validate against a stopped device: exit $rc (want 1)"
grep -q "stopped answering" "$T/e.err" || fail "no clear error for a stopped device: $(cat "$T/e.err")"
[ $(( $(date +%s) - s )) -le 12 ] || fail "validate took too long to give up"
kill -CONT "$QPID"; cls_qemu_stop

# the streamer on the device
if [ -f "$BIN/../firmware/streamer-qemu.elf" ]; then
  cls_qemu_start "$BIN/../firmware/streamer-qemu.elf" "$T/q.log"
  timeout 20 $I validate --model "$T/m" --port "$PTS" >/dev/null 2>"$T/e.err" && fail "validate accepted the streamer"
  grep -q "another firmware" "$T/e.err" || fail "no clear error for the streamer: $(cat "$T/e.err")"
  cls_qemu_stop
fi

# a silent device
socat pty,raw,echo=0,link="$T/silent" pty,raw,echo=0,link="$T/silent2" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [ -e "$T/silent" ] && break; sleep 0.1; done
s=$(date +%s)
timeout 30 $I validate --model "$T/m" --port "$T/silent" --timeout-ms 1000 >/dev/null 2>"$T/e.err"; rc=$?
[ $rc = 1 ] || fail "validate against a silent device: exit $rc (want 1)"
grep -q "no answer" "$T/e.err" || fail "no clear error for a silent device: $(cat "$T/e.err")"
[ $(( $(date +%s) - s )) -le 10 ] || fail "validate took too long to give up on a silent device"

# flash: bad model directories, dry runs
mkdir -p "$T/bad" && cp "$T/m/model.c" "$T/m/model.json" "$T/bad/"
out=$($I flash --model "$T/bad" --dry-run 2>&1) && fail "flash accepted a model without model.h"
echo "$out" | grep -q "model.h" || fail "flash did not name the missing model.h: $out"
cp -r "$T/m" "$T/axes" && sed -i 's/"accx", "accy", "accz"/"magx", "magy", "magz"/' "$T/axes/model.json"
out=$($I flash --model "$T/axes" --dry-run 2>&1) && fail "flash accepted a model for other axes"
echo "$out" | grep -q "magx" || fail "flash did not name the axis: $out"
cp -r "$T/m" "$T/rate" && sed -i 's/"sample_rate_hz":\t104/"sample_rate_hz":\t3000/' "$T/rate/model.json"
out=$($I flash --model "$T/rate" --dry-run 2>&1) && fail "flash accepted a model at 3000 Hz"
# the rate is part of the model's hash (issue 16): an edited rate is an edited model
echo "$out" | grep -q "hash mismatch" || fail "flash did not refuse an edited rate as an edited model: $out"
out=$($I flash --model "$T/m" --dry-run 2>&1) || fail "flash --dry-run: $out"
echo "$out" | grep -q "^openocd -f interface/stlink.cfg -f target/stm32f4x.cfg -c 'program .*classifier-nucleo-f446re.elf verify reset exit'$" \
  || echo "$out" | grep -qE "^(st-flash|dfu-util) " || fail "flash --dry-run: $out"
out=$($I flash --model "$T/m" --dry-run --probe st-flash 2>&1) || fail "flash --dry-run --probe st-flash: $out"
echo "$out" | grep -q "^st-flash --reset write .*classifier-nucleo-f446re.bin 0x08000000$" || fail "st-flash dry run: $out"
echo "PASS"
