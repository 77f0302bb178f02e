#!/bin/sh
# SPDX-License-Identifier: MIT
# e2e_qemu.sh BIN_DIR FW_DIR TOOLS_DIR -- QEMU runs streamer-qemu.elf (USART2 on a pty), imulabd ingests it,
# and 5 s of each synthetic gesture is recorded under its label (the gesture is switched through
# the daemon: `imulab device gesture NAME`). Each recording must hold rate x 5 s samples within one
# frame, with zero sequence gaps and zero CRC errors. Exit 77 (skip) without QEMU or the daemon.
BIN=$1 FW=$2 J=$3/jget
command -v qemu-system-arm >/dev/null || { echo "qemu-system-arm missing: skipped"; exit 77; }
[ -x "$BIN/imulabd" ] && [ -x "$BIN/imulab" ] || { echo "imulabd/imulab not built: skipped"; exit 77; }
[ -f "$FW/streamer-qemu.elf" ] || { echo "no $FW/streamer-qemu.elf"; exit 1; }
[ -x "$J" ] || { echo "no $J"; exit 1; }
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
  if $IM status --json 2>/dev/null | "$J" -e .connected 2>/dev/null; then
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
  $IM record stop --json >"$T/stop-$g.json" || fail "record stop $g"
done
st=$($IM status --json) || fail "status"
# The link budget: 1 kHz does not fit 115200 baud (refused, the reason names the baud); 100 and
# 250 Hz do; after `device baud 921600` (device and imulabd switch) 1 kHz does. Then back.
$IM device rate 1000 >"$T/r.out" 2>&1 && fail "device rate 1000 accepted at 115200 baud"
grep -q "115200 baud" "$T/r.out" || fail "device rate 1000: the reason does not name the baud: $(cat "$T/r.out")"
echo "device rate 1000: $(cat "$T/r.out")"
for r in 250 100; do $IM device rate $r >"$T/r.out" 2>&1 || fail "device rate $r: $(cat "$T/r.out")"; done
$IM device baud 921600 >"$T/r.out" 2>&1 || fail "device baud 921600: $(cat "$T/r.out")"
$IM device rate 1000 >"$T/r.out" 2>&1 || fail "device rate 1000 at 921600 baud: $(cat "$T/r.out")"
ok=0
for _ in $(seq 30); do
  $IM status --json >"$T/st2.json" 2>/dev/null && "$J" -f "$T/st2.json" -e '.sample_rate_hz == 1000' >/dev/null 2>&1 && { ok=1; break; }
  sleep 0.2
done
[ $ok = 1 ] || fail "1 kHz at 921600 baud: $(cat "$T/st2.json")"
echo "device baud 921600: 1000 Hz accepted"
$IM device rate 100 >/dev/null 2>&1 && $IM device baud 115200 >/dev/null 2>&1 || fail "back to 100 Hz at 115200 baud"
kill -TERM $DPID
wait $DPID
DPID=
$BIN/imulab --db "$T/q.db" list --json >"$T/list.json" || fail "list"

# Each recording: rate x its length (about 5 s; the length imulabd measured between start and
# stop, so a slow command on a loaded machine does not count against the firmware) within one frame of the firmware (rate/10 samples, 1..25),
# 6 axes; the four labels once each; no gaps and no CRC errors in the daemon's status.
L=$T/list.json
ok=1
"$J" -f "$L" -e '([].label)|sort == ["circle", "idle", "updown", "wave"]' || {
  echo "labels: $("$J" -f "$L" '[].label')"; ok=0; }
n=$("$J" -f "$L" length) || fail "list: $(head -c 300 "$L")"
i=0
while [ "$i" -lt "$n" ]; do
  types=$("$J" -f "$L" "[$i].samples|type" "[$i].sample_rate_hz|type") || fail "list: recording $i"
  case $types in
    int\ int | int\ float | float\ int | float\ float) ;;
    *) fail "recording $i: samples and sample_rate_hz are $types" ;;
  esac
  vals=$("$J" -f "$L" "[$i].samples" "[$i].sample_rate_hz" "[$i].axes|length" "[$i].label") || fail "list: recording $i"
  label=$("$J" -f "$L" "[$i].label")
  secs=$("$J" -f "$T/stop-$label.json" .seconds) || fail "no stop reply for $label"
  echo "$vals" | awk -v secs="$secs" '{
    samples = $1; rate = $2; axes = $3; label = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", label)
    spf = int(int(rate) / 10); if (spf > 25) spf = 25; if (spf < 1) spf = 1   # the firmware'"'"'s samples per frame
    want = rate * secs; d = samples - want; if (d < 0) d = -d
    good = d <= spf && secs >= 4.95 && secs < 8
    printf "%-7s %5d samples at %g Hz in %.2f s (want %d +- %d) axes %d %s\n", label, samples, rate, secs, want, spf, axes, good ? "ok" : "BAD"
    exit !(good && axes == 6) }' || ok=0
  i=$((i + 1))
done
printf "%s\n" "$st" >"$T/st.json"
echo "gaps $("$J" -f "$T/st.json" .gaps), crc_errors $("$J" -f "$T/st.json" .crc_errors)"
"$J" -f "$T/st.json" -e '.gaps == 0' '.crc_errors == 0' || ok=0
[ $ok = 1 ] || fail "recordings do not match"
echo "fw_qemu_e2e: ok"
