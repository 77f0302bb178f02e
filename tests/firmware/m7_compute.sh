#!/bin/bash
# SPDX-License-Identifier: MIT
# m7_compute.sh BIN FWDIR MODEL DB -- the Cortex-M7 compute: classifier-qemu-mps2-an500.elf (features
# + inference built with -mcpu=cortex-m7 -mfpu=fpv5-d16, as for the H743) runs on QEMU's mps2-an500,
# and `imulab validate` sends it every testing window of DB: each answer (feature vector and int8
# scores, and the decision) must be the host's bytes, as cls_e2e checks the F4 build. MODEL and DB
# are the default model the build trained (cmake/firmware.cmake) and its database.
set -u
BIN=$1 FW=$2 MODEL=$3 DB=$4
command -v qemu-system-arm >/dev/null || { echo "SKIP: no qemu-system-arm"; exit 77; }
qemu-system-arm -machine help | grep -q '^mps2-an500' || { echo "SKIP: this QEMU has no mps2-an500"; exit 77; }
ELF=$FW/classifier-qemu-mps2-an500.elf
for f in "$ELF" "$MODEL/model.json" "$DB"; do [ -e "$f" ] || { echo "FAIL: no $f"; exit 1; }; done
T=$(mktemp -d /tmp/imulab-m7.XXXXXX)
Q=
trap '[ -n "$Q" ] && kill "$Q" 2>/dev/null; rm -rf "$T"' EXIT
qemu-system-arm -M mps2-an500 -nographic -monitor none -serial pty -icount shift=0 -kernel "$ELF" >"$T/q.log" 2>&1 &
Q=$!
pts=
for _ in $(seq 50); do pts=$(grep -o '/dev/pts/[0-9]*' "$T/q.log" | head -1); [ -n "$pts" ] && break; sleep 0.1; done
[ -n "$pts" ] || { echo "FAIL: QEMU gave no pty: $(cat "$T/q.log")"; exit 1; }
"$BIN/imulab" --db "$DB" validate --model "$MODEL" --port "$pts" --json --timeout-ms 20000 >"$T/v.json" 2>"$T/v.err" \
  || { echo "FAIL: validate: $(tail -3 "$T/v.err")"; exit 1; }
cat "$T/v.json"; echo
read -r board win exact dexact ins < <(/usr/bin/python3 -c '
import json,sys; v=json.load(open(sys.argv[1]))
print(v["board"], v["windows"], v["bit_exact"], v.get("decisions_exact", v["windows"]), v["instructions_per_window"])' "$T/v.json")
[ "$board" = qemu-mps2-an500 ] || { echo "FAIL: the device says board '$board'"; exit 1; }
[ "$win" -ge 1 ] || { echo "FAIL: no testing windows"; exit 1; }
[ "$exact" = "$win" ] || { echo "FAIL: $exact of $win windows bit-exact on the Cortex-M7"; exit 1; }
[ "$dexact" = "$win" ] || { echo "FAIL: $dexact of $win decisions as the host's"; exit 1; }
echo "PASS: Cortex-M7 (mps2-an500): $exact/$win windows bit-exact, $ins instructions per window"
