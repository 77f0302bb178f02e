#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/deploy/target.sh BIN SRC -- the exported C library on emulated Cortex-M cores: built with
# arm-none-eabi-gcc -std=c99 -Os for a Cortex-M4F (hard float, the SMLAD kernel; QEMU netduinoplus2)
# and for a Cortex-M0+ (soft float, the plain C kernel; run on QEMU's microbit, a Cortex-M0: same
# ARMv6-M instruction set), it classifies every testing window of `imulab eval --dump-windows`
# (read through semihosting) and must give eval's int8 scores byte for byte and its features bit
# for bit. Models: ei-xiao-gestures at the defaults when present, else generated data.
# Exit 77 (skipped) without qemu-system-arm or arm-none-eabi-gcc.
set -u
BIN=$1 SRC=$2
# the models' configuration is not what this test is about: the small search grid keeps it short
# under ASan (the full search is trainer_auto_e2e's, cls_gesture_e2e's and the benchmarks')
export IMULAB_SEARCH_QUICK=1
TB=$BIN/../tests/bin
for t in qemu-system-arm arm-none-eabi-gcc; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
T=$(mktemp -d /tmp/imulab-target-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
I="$BIN/imulab --db $T/a.db"
DS=$SRC/../shared/data/ei-xiao-gestures
if [ -d "$DS" ]; then
  $I import "$DS" >/dev/null || fail "import"
  $I train --out "$T/model" --quiet >/dev/null || fail "train"
else
  "$TB/gen_ei" "$T/gen" a:8:training b:8:training a:3:testing b:3:testing || fail "gen_ei"
  $I import "$T/gen" >/dev/null && $I train --out "$T/model" --quiet >/dev/null || fail "train (generated)"
fi
$I eval --model "$T/model" --json --dump-windows "$T/dump" >"$T/eval.json" || fail "eval"
windows=$("$TB/jget" -f "$T/eval.json" .windows)
$I export-model --model "$T/model" --format c --out "$T/lib" >/dev/null || fail "export-model"
gcc -std=c99 -O2 -I"$T/lib" "$T/lib/"*.c "$SRC/tests/deploy/replay.c" -o "$T/replay" || fail "replay build"
mkdir -p "$T/run"
"$T/replay" "$T/dump" --target-bin "$T/run/target.bin" >/dev/null || fail "replay on the host"
D=$SRC/tests/deploy/target
for spec in "cortex-m4f|netduinoplus2|-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard|0x08000000|1024K|128K" \
            "cortex-m0plus|microbit|-mcpu=cortex-m0plus -mfloat-abi=soft|0x00000000|256K|16K"; do
  IFS='|' read -r cpu machine flags origin flen rlen <<<"$spec"
  sed "s/FLASH_ORIGIN/$origin/; s/FLASH_LEN/$flen/; s/RAM_LEN/$rlen/" "$D/link.ld.in" >"$T/$cpu.ld"
  arm-none-eabi-gcc -std=c99 -Wall -Wextra -Werror -Os -mthumb $flags -ffunction-sections -fdata-sections \
    -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections -T "$T/$cpu.ld" -I"$T/lib" -I"$D" \
    "$T/lib/"*.c "$D/main.c" "$D/startup.c" -o "$T/$cpu.elf" >"$T/$cpu.log" 2>&1 || fail "$cpu build: $(head -5 "$T/$cpu.log")"
  ( cd "$T/run" && timeout 600 qemu-system-arm -M "$machine" -nographic -monitor none -serial null \
      -semihosting-config enable=on,target=native -kernel "$T/$cpu.elf" ) >"$T/$cpu.out" 2>&1
  rc=$?
  echo "$cpu on QEMU $machine: $(grep '^target:' "$T/$cpu.out")"
  [ $rc = 0 ] || fail "$cpu: exit $rc: $(tail -3 "$T/$cpu.out")"
  grep -q "^target: $windows of $windows windows identical" "$T/$cpu.out" || fail "$cpu: not all $windows windows"
done
echo PASS
