#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/trainer/conv_dsp/run.sh -- imu_nn_dense_n against imulab_nn_dense on the emulated Cortex-M4
# (see main.c), built -Os (the firmware's) and -O2. Exit 0 when every output agrees, 1 otherwise,
# 77 (skipped) without the ARM toolchain or QEMU.
set -uo pipefail
H=$(cd "$(dirname "$0")" && pwd)
P=$H/../../../portable
for t in arm-none-eabi-gcc qemu-system-arm; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
rc=0
for opt in -Os -O2; do
  arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard $opt -ffp-contract=off \
    -fno-tree-loop-distribute-patterns -nostdlib -Wall -Wextra -Werror -I"$P" -T "$H/../cost/link.ld" \
    "$H/main.c" "$P/nn.c" "$P/conv.c" -lgcc -o "$W/t.elf" || { echo "FAIL: build $opt"; exit 1; }
  timeout 120 qemu-system-arm -M netduinoplus2 -display none -monitor none -serial null \
    -chardev file,id=semi,path="$W/out.txt" -semihosting-config enable=on,target=native,chardev=semi \
    -kernel "$W/t.elf" </dev/null >"$W/qemu.log" 2>&1
  q=$?
  line=$(cat "$W/out.txt" 2>/dev/null)
  echo "$opt: $line"
  case "$line" in
    "layers 400 outputs "*" mismatches 0 "*)
      [ $q -eq 0 ] || { echo "FAIL: $opt: QEMU exit $q"; rc=1; }
      # the generator's layers average 6.5 positions x 14 outputs: about 36,000 in all
      n=$(echo "$line" | awk '{print $4}')
      [ "$n" -ge 20000 ] || { echo "FAIL: $opt: only $n outputs: the random layers did not reach the kernel"; rc=1; } ;;
    *) echo "FAIL: $opt: $(cat "$W/qemu.log")"; rc=1 ;;
  esac
  rm -f "$W/out.txt"
done
[ $rc -eq 0 ] && echo PASS
exit $rc
