#!/bin/sh
# e2e_qemu.sh BIN_DIR FW_DIR -- QEMU runs streamer-qemu.elf (USART2 on a pty), imulabd ingests it,
# and 5 s of each synthetic gesture is recorded under its label (the gesture is switched through
# the daemon: `imulab device gesture NAME`). Each recording must hold rate x 5 s samples within one
# frame, with zero sequence gaps and zero CRC errors. Exit 77 (skip) without QEMU or the daemon.
BIN=$1 FW=$2
PY=python3
command -v qemu-system-arm >/dev/null || { echo "qemu-system-arm missing: skipped"; exit 77; }
[ -x "$BIN/imulabd" ] && [ -x "$BIN/imulab" ] || { echo "imulabd/imulab not built: skipped"; exit 77; }
[ -f "$FW/streamer-qemu.elf" ] || { echo "no $FW/streamer-qemu.elf"; exit 1; }
T=$(mktemp -d /tmp/imulab-fw-e2e.XXXXXX)
QPID= DPID=
cleanup() {
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
  [ -n "$QPID" ] && kill "$QPID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
fail() { echo "FAIL: $*"; echo "--- imulabd log"; tail -n 20 "$T/d.log" 2>/dev/null; exit 1; }

qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty \
  -kernel "$FW/streamer-qemu.elf" >"$T/q.log" 2>&1 &
QPID=$!
pts=
for _ in $(seq 50); do
  pts=$(grep -o '/dev/pts/[0-9]*' "$T/q.log" | head -n 1)
  [ -n "$pts" ] && break
  sleep 0.1
done
[ -n "$pts" ] || fail "QEMU gave no pty: $(cat "$T/q.log")"

"$BIN/imulabd" --port "$pts" --db "$T/q.db" --socket "$T/s" >"$T/d.log" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$T/s" ] && break; sleep 0.1; done
[ -S "$T/s" ] || fail "imulabd made no socket"
IM="$BIN/imulab --socket $T/s"
connected=0
for _ in $(seq 50); do
  if $IM status --json 2>/dev/null | $PY -c 'import sys,json; sys.exit(0 if json.load(sys.stdin)["connected"] else 1)'; then
    connected=1; break
  fi
  sleep 0.2
done
[ $connected = 1 ] || fail "imulabd never saw the device"

for g in idle wave circle updown; do
  $IM device gesture $g >"$T/g.out" 2>&1 || fail "device gesture $g: $(cat "$T/g.out")"
  sleep 0.3 # frames already under way still carry the previous gesture
  $IM record start $g >/dev/null || fail "record start $g"
  sleep 5
  $IM record stop >/dev/null || fail "record stop $g"
done
st=$($IM status --json) || fail "status"
kill -TERM $DPID
wait $DPID
DPID=
$BIN/imulab --db "$T/q.db" list --json >"$T/list.json" || fail "list"

$PY - "$st" "$T/list.json" <<'PYEOF' || fail "recordings do not match"
import json, sys
st = json.loads(sys.argv[1])
recs = json.load(open(sys.argv[2]))
ok = True
labels = [r["label"] for r in recs]
if sorted(labels) != sorted(["idle", "wave", "circle", "updown"]):
    print("labels:", labels); ok = False
for r in recs:
    rate = r["sample_rate_hz"]
    spf = max(1, min(25, int(rate) // 10))           # the firmware's samples per frame
    want = rate * 5
    good = abs(r["samples"] - want) <= spf
    print("%-7s %5d samples at %g Hz (want %d +- %d) axes %d %s" % (r["label"], r["samples"], rate, want, spf,
          len(r["axes"]), "ok" if good else "BAD"))
    ok &= good and len(r["axes"]) == 6
print("gaps %d, crc_errors %d" % (st["gaps"], st["crc_errors"]))
ok &= st["gaps"] == 0 and st["crc_errors"] == 0
sys.exit(0 if ok else 1)
PYEOF
echo "fw_qemu_e2e: ok"
