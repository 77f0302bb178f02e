#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/trainer/cost/run.sh MODEL_DIR -- instructions of one window of the model on the emulated
# Cortex-M4 (see main.c). Prints "features N", "network N", "total N". Exit 77 without the ARM
# toolchain or QEMU.
set -euo pipefail
M=${1:?usage: run.sh MODEL_DIR}
H=$(cd "$(dirname "$0")" && pwd)
P=$H/../../../portable
for t in arm-none-eabi-gcc qemu-system-arm; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -Os -flto -ffp-contract=off \
  -fno-tree-loop-distribute-patterns -nostdlib -I"$P" -I"$M" -T "$H/link.ld" \
  "$H/main.c" "$M/model.c" "$P/conv.c" "$P/imu_features.c" "$P/nn.c" "$P/segment.c" -lgcc -o "$W/c.elf"
# semihosting output into a file (QEMU writes it to the terminal otherwise, not to stdout)
timeout 60 qemu-system-arm -M netduinoplus2 -display none -monitor none -serial null -icount shift=0 \
  -chardev file,id=semi,path="$W/out.txt" -semihosting-config enable=on,target=native,chardev=semi \
  -kernel "$W/c.elf" </dev/null >"$W/qemu.log" 2>&1 || { cat "$W/qemu.log" >&2; exit 1; }
cat "$W/out.txt"
