#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/cycles/duty.sh MODEL_DIR [SECONDS] -- the classifier firmware's whole duty cycle on the
# emulated board (QEMU netduinoplus2, -icount shift=0,sleep=off: idle time skipped; synthetic IMU
# at the model's rate): every
# instruction executed between two decisions (from one entry of classify() to the next: sensor
# interrupts, sample handling, window copy, features, inference, CLASSIFICATION frame, raw SAMPLES
# frames when streaming, UART, idle loop), from an exact trace, weighted into estimated Cortex-M4
# cycles (m4cycles.py, zero wait states). Two runs: raw streaming on (the boot default) and off
# (a CMD_STOP frame sent to the board). Prints per decision and per second of data, and the CPU
# load at 180 MHz (the STM32F446 at full speed). Needs arm-none-eabi-gcc, cmake, qemu-system-arm.
set -euo pipefail
M=$(cd "${1:?usage: duty.sh MODEL_DIR [SECONDS]}" && pwd)
SECS=${2:-20}
H=$(cd "$(dirname "$0")" && pwd)
SRC=$H/../..
W=$(mktemp -d)
QPID= CPID= TPID=
cleanup() {
  [ -n "$QPID" ] && kill "$QPID" 2>/dev/null || true
  [ -n "$CPID" ] && kill "$CPID" 2>/dev/null || true
  [ -n "$TPID" ] && kill "$TPID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
cmake -S "$SRC/firmware" -B "$W/fw" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/arm-none-eabi.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DFW_OUTPUT_DIR="$W/out" -DIMULAB_MODEL="$M" >"$W/fw.log" 2>&1 &&
  cmake --build "$W/fw" -j2 --target classifier-qemu >>"$W/fw.log" 2>&1 || { cat "$W/fw.log"; exit 1; }
ELF=$W/out/classifier-qemu.elf
${CC:-cc} -O2 -Wall -Wextra -Werror -I"$SRC/portable" "$H/frame.c" "$SRC/portable/proto.c" -o "$W/frame"
rate=$(sed -n 's/^#define IMU_MODEL_RATE_HZ \([0-9.]*\)f.*/\1/p' "$M/model.h")
stride=$(sed -n 's/^#define IMU_MODEL_STRIDE_LEN \([0-9]*\).*/\1/p' "$M/model.h")

run() { # MODE (on|off) -> $W/cyc_MODE.txt
  rm -f "$W/trace"; mkfifo "$W/trace"
  python3 "$H/m4cycles.py" "$ELF" "$W/trace" --region classify classify --top 8 >"$W/cyc_$1.txt" &
  TPID=$!
  qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty -icount shift=0,sleep=off \
    -kernel "$ELF" -singlestep -d exec,nochain -D "$W/trace" >"$W/q_$1.log" 2>&1 &
  QPID=$!
  local pts=""
  for _ in $(seq 100); do pts=$(grep -o '/dev/pts/[0-9]*' "$W/q_$1.log" | head -1 || true); [ -n "$pts" ] && break; sleep 0.1; done
  [ -n "$pts" ] || { echo "duty.sh: QEMU gave no pty" >&2; exit 1; }
  stty -F "$pts" raw -echo
  cat "$pts" >/dev/null 2>&1 & CPID=$!   # drain the UART like a host would
  if [ "$1" = off ]; then "$W/frame" stop 7 >"$pts"; fi
  sleep "$SECS"
  kill "$QPID"; wait "$QPID" 2>/dev/null || true; QPID=
  kill "$CPID" 2>/dev/null || true; wait "$CPID" 2>/dev/null || true; CPID=
  wait "$TPID"; TPID=
}
run on
run off
python3 - "$W/cyc_on.txt" "$W/cyc_off.txt" "$rate" "$stride" <<'PY'
import re, statistics, sys
rate, stride = float(sys.argv[3]), int(sys.argv[4])
per_s = rate / stride
print(f"classifier duty cycle (QEMU netduinoplus2, synthetic IMU at {rate:g} Hz, a decision every {stride} samples = {per_s:g}/s)")
print(f"{'streaming':10s} {'intervals':>9s} {'insn/decision':>14s} {'cycles/decision*':>16s} {'insn/s':>9s} {'cycles/s*':>10s} {'CPU @180 MHz':>12s}")
for mode, path in (("on", sys.argv[1]), ("off", sys.argv[2])):
    text = open(path).read()
    regs = [(int(a), int(b)) for a, b in re.findall(r'^region \d+: (\d+) instructions, (\d+) cycles', text, re.M)]
    # the last region was cut by the end of the run (the first starts at the first decision)
    full = regs[:-1]
    if len(full) < 3:
        sys.exit(f"duty.sh: only {len(regs)} decisions traced with streaming {mode}: run longer")
    insn = statistics.median(n for n, _ in full)
    cyc = statistics.median(c for _, c in full)
    spread = f"{min(n for n, _ in full)}-{max(n for n, _ in full)}"
    print(f"{mode:10s} {len(full):9d} {insn:14.0f} {cyc:16.0f} {insn * per_s:9.0f} {cyc * per_s:10.0f} {100 * cyc * per_s / 180e6:11.3f}%   (insn range {spread})")
    # where one interval goes: the region with the median instruction count
    k = sorted(range(len(full)), key=lambda i: full[i][0])[len(full) // 2]
    blocks = re.split(r'^region \d+: ', text, flags=re.M)[1:]
    print("  " + "\n  ".join(blocks[k].strip().splitlines()[1:]))
print("* estimated from an exact trace weighted by Cortex-M4 timings (bench/cycles/m4cycles.py), zero wait states")
PY
