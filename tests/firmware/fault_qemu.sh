#!/bin/sh
# SPDX-License-Identifier: MIT
# fault_qemu.sh FIRMWARE_DIR FWLINK -- the fault handler reports a stack overflow: fault-qemu.elf
# recurses until the main stack (at the bottom of SRAM) is gone; the exception entry cannot stack
# its frame there, so only a handler on its own stack gets ERROR FAULT (code 8) out, with the
# binary detail (24 bytes). Exit 77 (skipped) without QEMU.
FW=$1 FWLINK=$2
command -v qemu-system-arm >/dev/null || { echo "skip: no qemu-system-arm"; exit 77; }
T=$(mktemp -d /tmp/imulab-fault.XXXXXX)
qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty \
  -kernel "$FW/fault-qemu.elf" >"$T/q.log" 2>&1 &
Q=$!
# SIGKILL: with nobody reading its pty, QEMU blocks in the write of the next report and never
# gets to a SIGTERM
trap 'kill -KILL $Q 2>/dev/null; wait $Q 2>/dev/null; rm -rf "$T"' EXIT
pts=""
for _ in $(seq 50); do pts=$(grep -o '/dev/pts/[0-9]*' "$T/q.log" | head -1); [ -n "$pts" ] && break; sleep 0.1; done
[ -n "$pts" ] || { echo "FAIL: QEMU gave no pty"; exit 1; }
# the image faults, reports and resets over and over: any 3 s window holds reports
"$FWLINK" "$pts" --settle 0.1 --seconds 3 >"$T/out.json" 2>"$T/err" || { echo "FAIL: fwlink: $(cat "$T/err")"; exit 1; }
echo "ERROR frames: $(grep -o '\[8,' "$T/out.json" | wc -l) FAULT reports, $(grep -o '"bytes":[0-9]*' "$T/out.json")"
grep -q '"errors":\[\[8,' "$T/out.json" || { echo "FAIL: no ERROR FAULT from a stack overflow"; tail -3 "$T/q.log"; exit 1; }
echo "fault reported from the fault stack"
