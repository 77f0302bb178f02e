#!/bin/sh
# SPDX-License-Identifier: MIT
# qemu-board.sh [--link PATH] [--elf IMAGE.elf] [--icount] -- run the emulated board and keep a
# stable path to its serial port.
# Starts QEMU's netduinoplus2 with the streamer image (USART2 = QEMU's second -serial on a pty),
# points PATH (default: $XDG_RUNTIME_DIR/imulab-board, else /tmp/imulab-board-$USER) at the pty,
# prints PATH, and stays in the foreground until QEMU exits or it is signalled (the link is removed).
# Use it as `imulabd --port PATH ...` when no real board is plugged in.
here=$(cd "$(dirname "$0")" && pwd)
link=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/imulab-board}
link=${link:-/tmp/imulab-board-$(id -un)}
elf=$here/../build/firmware/streamer-qemu.elf
extra=
while [ $# -gt 0 ]; do
  case $1 in
    --link) link=$2; shift 2 ;;
    --elf) elf=$2; shift 2 ;;
    --icount) extra="-icount shift=0"; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "qemu-board: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v qemu-system-arm >/dev/null || { echo "qemu-board: qemu-system-arm not installed (apt-get install qemu-system-arm)" >&2; exit 1; }
[ -f "$elf" ] || { echo "qemu-board: no image $elf (build first)" >&2; exit 1; }
log=$(mktemp)
qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty $extra \
  -kernel "$elf" >"$log" 2>&1 &
q=$!
trap 'kill $q 2>/dev/null; rm -f "$link" "$log"' EXIT
trap 'exit 143' TERM INT HUP
pts=
for _ in $(seq 50); do
  pts=$(grep -o '/dev/pts/[0-9]*' "$log" | head -n 1)
  [ -n "$pts" ] && break
  kill -0 $q 2>/dev/null || break
  sleep 0.1
done
[ -n "$pts" ] || { echo "qemu-board: QEMU gave no pty: $(head -c 200 "$log")" >&2; exit 1; }
ln -sfn "$pts" "$link"
echo "$link"
wait $q
