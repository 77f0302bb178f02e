#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/kernel/run.sh -- instructions per inference of the portable int8 dense kernel on the emulated
# Cortex-M4 (QEMU netduinoplus2, -icount shift=0), for the four shapes of issue 7, next to CMSIS-NN.
# Built as CMSIS-NN was measured: arm-none-eabi-gcc -O2 -mcpu=cortex-m4 -mfpu=fpv4-sp-d16
# -mfloat-abi=hard. Also prints the kernel's code size. Exit status 1 on a wrong output.
set -euo pipefail
H=$(cd "$(dirname "$0")" && pwd)
P=$H/../../portable
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -O2 -ffp-contract=off \
  -fno-tree-loop-distribute-patterns -ffunction-sections -nostdlib -I"$P" -T "$H/link.ld" \
  "$H/main.c" "$P/nn.c" -lgcc -Wl,--gc-sections -o "$W/k.elf"
timeout 60 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -icount shift=0 \
  -semihosting-config enable=on,target=native -kernel "$W/k.elf"
kb=$(arm-none-eabi-nm -S "$W/k.elf" | python3 -c 'import sys; print(sum(int(l.split()[1], 16) for l in sys.stdin if l.split()[-1] in ("imu_nn_dense", "imu_nn_run", "imu_nn_mbqm")))')
echo "kernel code (imu_nn_dense + imu_nn_run + imu_nn_mbqm): $kb bytes (CMSIS-NN: about 3.8 KB)"
