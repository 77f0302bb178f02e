#!/bin/bash
# SPDX-License-Identifier: MIT
# Instructions executed by features + int8 inference for one window of a model, on the emulated
# Cortex-M4 (QEMU netduinoplus2, one instruction per translation block, exec trace between two
# markers). Usage: bench/trainer/icount/run.sh MODEL_DIR
set -euo pipefail
M=${1:?usage: run.sh MODEL_DIR}
H=$(cd "$(dirname "$0")" && pwd)
P=$H/../../../portable
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp "$M/model.c" "$M/model.h" "$H/main.c" "$H/link.ld" "$H/count.py" "$W/"
cd "$W"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -O2 -ffp-contract=off \
  -fno-tree-loop-distribute-patterns -nostdlib -I"$P" -T link.ld main.c model.c "$P/imu_features.c" "$P/nn.c" -lgcc -o t.elf
arm-none-eabi-size t.elf
timeout 8 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -kernel t.elf \
  -singlestep -d exec,nochain -D trace.log >/dev/null 2>&1 || true
arm-none-eabi-nm -n t.elf | grep -i " t " > syms.txt
python3 count.py
