#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/kernel/run.sh -- the portable int8 dense kernel (portable/nn.c) on the emulated Cortex-M4
# (QEMU netduinoplus2) for the four networks of issue 7, next to CMSIS-NN's per-channel figures.
#
# Built as CMSIS-NN was measured: arm-none-eabi-gcc -O2 -mcpu=cortex-m4 -mfpu=fpv4-sp-d16
# -mfloat-abi=hard. Three runs:
#   1. the image under -icount shift=0: instructions per inference from SysTick (ticks / 0.168),
#      the checksum of every byte the kernel reads, every layer's output;
#   2. the same image single-stepped with an exact execution trace, weighted by the Cortex-M4
#      instruction timings (bench/cycles/m4cycles.py, zero wait states): estimated cycles;
#   3. the same generator on the host (gen.c + host.c): the checksum and every layer's output must
#      be equal, byte for byte.
# The CMSIS-NN figures (arm_fully_connected_s8, instructions for the whole network including the
# per-layer calls) come from outside this repository (issue 15, measured there on the same QEMU
# with the same compiler and flags); CMSIS-NN is neither packaged in Debian nor copied here.
# Exit status 1 on a wrong output, a checksum mismatch or a missing figure; 77 without the tools.
set -euo pipefail
for t in arm-none-eabi-gcc qemu-system-arm python3; do
  command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
H=$(cd "$(dirname "$0")" && pwd)
P=$H/../../portable
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
CFLAGS=(-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -O2 -ffp-contract=off
        -fno-tree-loop-distribute-patterns -ffunction-sections -nostdlib)
arm-none-eabi-gcc "${CFLAGS[@]}" -I"$P" -T "$H/link.ld" "$H/main.c" "$H/gen.c" "$P/nn.c" -lgcc \
  -Wl,--gc-sections -o "$W/k.elf"
${CC:-cc} -O2 -Wall -Wextra -Werror -I"$P" "$H/host.c" "$H/gen.c" "$P/nn.c" -o "$W/host"
"$W/host" >"$W/host.txt"

timeout 120 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -icount shift=0 \
  -chardev file,id=semi,path="$W/dev.txt" -semihosting-config enable=on,target=native,chardev=semi \
  -kernel "$W/k.elf" >/dev/null || {
  cat "$W/dev.txt"; echo "bench-kernel: the device run failed (wrong output or no exit)" >&2; exit 1; }

mkfifo "$W/trace"
python3 "$H/../cycles/m4cycles.py" "$W/k.elf" "$W/trace" --region marker_start marker_end --top 4 \
  >"$W/cycles.txt" &
cyc=$!
timeout 600 qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -icount shift=0 \
  -chardev file,id=semi,path="$W/dev2.txt" -semihosting-config enable=on,target=native,chardev=semi \
  -kernel "$W/k.elf" -singlestep -d exec,nochain -D "$W/trace" >/dev/null
wait $cyc

kb=$(arm-none-eabi-nm -S "$W/k.elf" | python3 -c 'import sys; print(sum(int(l.split()[1], 16) for l in sys.stdin if l.split()[-1] in ("imu_nn_dense", "imu_nn_run", "imu_nn_mbqm", "dense_row", "dense_blocks")))')
python3 - "$W/dev.txt" "$W/host.txt" "$W/cycles.txt" "$kb" <<'PY'
import re, sys
dev, host, cyc, kb = open(sys.argv[1]).read(), open(sys.argv[2]).read(), open(sys.argv[3]).read(), int(sys.argv[4])
names = ["6->16->4", "33->20->10->4", "150->32->16->4", "300->64->32->8"]
cmsis_pc = [1864, 4246, 13798, 46860]   # CMSIS-NN per-channel, from issue 15 (outside figures)
cmsis_pt = [1706, 3989, 13382, 46034]   # CMSIS-NN per-tensor, same source
target = [0.80, 0.80, 0.70, 0.70]       # issue 15's targets against per-channel CMSIS-NN
nets = {int(m[0]): m for m in re.findall(r'^net (\d+) checksum (\w+) macs (\d+) insn (\d+) clamped (\d+) outputs (\d+) ok (\d)$', dev, re.M)}
hnets = {int(m[0]): m for m in re.findall(r'^net (\d+) checksum (\w+) macs (\d+) clamped (\d+) outputs (\d+)$', host, re.M)}
dout = re.findall(r'^out \d+ \d+ \w*$', dev, re.M)
hout = re.findall(r'^out \d+ \d+ \w*$', host, re.M)
regions = [(int(a), int(b)) for a, b in re.findall(r'^region \d+: (\d+) instructions, (\d+) cycles', cyc, re.M)]
bad = False
if len(nets) != 4 or len(hnets) != 4 or len(regions) != 8:
    sys.exit(f"bench-kernel: missing figures (device {len(nets)}, host {len(hnets)}, trace regions {len(regions)})\n{dev}\n{cyc}")
print("int8 dense kernel (portable/nn.c, per-channel requantization) vs CMSIS-NN arm_fully_connected_s8 per-channel")
print("whole network incl. per-layer calls; QEMU netduinoplus2 (Cortex-M4), arm-none-eabi-gcc -O2; CMSIS-NN figures from issue 15")
print(f"{'network':16s} {'MACs':>6s} {'insn':>7s} {'insn/MAC':>8s} {'cycles*':>7s} {'cyc/MAC':>7s} {'CMSIS-NN pc':>11s} {'ratio':>6s} {'target':>6s} {'(per-tensor)':>12s} {'checksum':>9s} {'host':>9s} {'clamped':>8s}")
for i in range(4):
    _, ck, macs, insn, clamped, outputs, ok = nets[i]
    _, hck, hmacs, hclamped, houtputs = hnets[i]
    macs, insn = int(macs), int(insn)
    tn, tc = regions[2 * i + 1]
    ratio = insn / cmsis_pc[i]
    same = ck == hck and ok == "1"
    bad |= not same
    print(f"{names[i]:16s} {macs:6d} {insn:7d} {insn / macs:8.2f} {tc:7d} {tc / macs:7.2f} {cmsis_pc[i]:11d} {ratio:6.3f} "
          f"{'<=' + format(target[i], '.2f'):>6s} {cmsis_pt[i]:12d} {ck:>9s} {hck + (' =' if ck == hck else ' !='):>9s} "
          f"{int(clamped) * 100 // int(outputs):7d}%" + ("" if same else "  WRONG"))
    if abs(tn - insn) > 8:
        print(f"  note: the trace counted {tn} instructions in the marked region")
same_out = dout == hout and len(dout) == 11
bad |= not same_out
print(f"every layer's output ({len(dout)} layers) {'equal to' if same_out else 'DIFFERENT FROM'} the host reference, byte for byte")
print("* estimated from an exact QEMU trace weighted by Cortex-M4 timings (bench/cycles/m4cycles.py), zero wait states")
print(f"kernel code (imu_nn_dense, dense_blocks, dense_row, imu_nn_run, imu_nn_mbqm): {kb} bytes (target <= 1536; CMSIS-NN: about 3.8 KB)")
sys.exit(1 if bad else 0)
PY
