#!/bin/bash
# SPDX-License-Identifier: MIT
# Instructions and estimated Cortex-M4 cycles of features + int8 inference for one window of a
# model, on the emulated Cortex-M4 (QEMU netduinoplus2, exact execution trace between two markers,
# weighted by bench/cycles/m4cycles.py, zero wait states), per function: the whole window, then
# the features alone, then quantization + inference alone. Built -O2 like bench/kernel; the
# classifier firmware builds this code -Os (its figure is in bench/cycles/duty.sh).
# Usage: bench/trainer/icount/run.sh MODEL_DIR [--profile]
# --profile builds with -fno-inline so that every static function of the feature code (FFT, split
# step, logarithms...) has its own line in the per-function table (the calls add a little).
set -euo pipefail
M=${1:?usage: run.sh MODEL_DIR [--profile]}
EXTRA=()
if [ "${2:-}" = --profile ]; then EXTRA=(-fno-inline -fno-inline-small-functions -fno-inline-functions-called-once); fi
H=$(cd "$(dirname "$0")" && pwd)
P=$H/../../../portable
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp "$M/model.c" "$M/model.h" "$H/main.c" "$H/link.ld" "$W/"
cd "$W"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -O2 -ffp-contract=off \
  -fno-tree-loop-distribute-patterns ${EXTRA[@]+"${EXTRA[@]}"} -nostdlib -I"$P" -T link.ld main.c model.c "$P/conv.c" "$P/imu_features.c" "$P/nn.c" -lgcc -o t.elf
arm-none-eabi-size t.elf
timeout 20 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -kernel t.elf \
  -singlestep -d exec,nochain -D trace.log >/dev/null 2>&1 || true
python3 "$H/../../cycles/m4cycles.py" t.elf trace.log --region marker_start marker_end --top 14 |
  sed -e 's/^region 1:/features + inference:/' -e 's/^region 2:/features alone:/' -e 's/^region 3:/quantization + inference alone:/'
