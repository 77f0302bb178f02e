#!/bin/bash
# SPDX-License-Identifier: MIT
# test_m4cycles.sh -- m4cycles.py on a known sequence (seq.S) run in QEMU: the exact instruction
# count and the cycles counted by hand from the Cortex-M4 timings the tool documents. Exit 77
# without the ARM toolchain or QEMU.
set -u
for t in arm-none-eabi-gcc qemu-system-arm python3; do command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }; done
H=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -nostdlib -Wl,--section-start=.isr_vector=0x08000000 -Wl,-e,Reset_Handler \
  -Wl,-Ttext=0x08000100 "$H/seq.S" -o "$W/seq.elf" || { echo "FAIL: assemble"; exit 1; }
timeout 20 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null \
  -semihosting-config enable=on,target=native -kernel "$W/seq.elf" -singlestep -d exec,nochain -D "$W/trace" \
  >/dev/null 2>&1 || { echo "FAIL: QEMU did not exit through semihosting"; exit 1; }
out=$(python3 "$H/m4cycles.py" "$W/seq.elf" "$W/trace" --region seq_start seq_end --quiet) || { echo "FAIL: m4cycles"; exit 1; }
echo "$out"
# 9 + 3 + 3 + 2 instructions; 1+2+1+1+1+3+5+1+1 + 3 + 7 + 12 + 3 cycles
want="region 1: 17 instructions, 41 cycles"
case "$out" in
  "$want"*) echo "ok: $want" ;;
  *) echo "FAIL: expected '$want'"; exit 1 ;;
esac
