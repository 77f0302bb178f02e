#!/bin/bash
# SPDX-License-Identifier: MIT
# Quick start: install what is missing (as root), build, then run imulabd and the TUI.
# With a Nucleo-F446RE (ST-Link virtual COM port) plugged in, that board is used; otherwise
# the streamer firmware runs on QEMU's emulated STM32F405 and its UART appears at a stable
# path ($RUN/board), which is what imulabd reads.
#
#   scripts/quickstart.sh [--port DEV] [--db FILE] [--no-tui] [--print-paths]
# The database and socket are where `imulab` and `imulab-tui` look by default, so a second
# terminal needs no options; --print-paths prints them and exits.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT="" DB="" TUI=1 PRINT=0
while [ $# -gt 0 ]; do
  case $1 in
    --port) PORT=$2; shift 2 ;;
    --db) DB=$2; shift 2 ;;
    --no-tui) TUI=0; shift ;;
    --print-paths) PRINT=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "quickstart: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# the defaults of imulab and imulab-tui (dataset/main.c, tui/main.c): keep them in step
if [ "$(id -u)" = 0 ]; then
  RUN=/run/imulab; DATA=/var/lib/imulab; SOCK=$RUN/imulabd.sock
elif [ -n "${XDG_RUNTIME_DIR:-}" ]; then
  RUN=$XDG_RUNTIME_DIR/imulab; SOCK=$XDG_RUNTIME_DIR/imulab.sock
else
  RUN=/tmp/imulab-$(id -u)/imulab; SOCK=/tmp/imulab-$(id -u).sock
fi
[ "$(id -u)" = 0 ] || DATA=${XDG_DATA_HOME:-$HOME/.local/share}/imulab
[ -n "${IMULAB_SOCKET:-}" ] && SOCK=$IMULAB_SOCKET
[ -z "$DB" ] && [ -n "${IMULAB_DB:-}" ] && DB=$IMULAB_DB
DB=${DB:-$DATA/imulab.db}
if [ $PRINT = 1 ]; then
  echo "db=$DB"
  echo "socket=$SOCK"
  exit 0
fi

scripts/setup-debian.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2

mkdir -p "$RUN" "$(dirname "$DB")" "$(dirname "$SOCK")"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$RUN/board"; }
trap cleanup EXIT INT TERM

if [ -z "$PORT" ]; then
  for p in /dev/serial/by-id/*STLink* /dev/serial/by-id/*STMicro* ; do
    [ -e "$p" ] && PORT=$p && break
  done
fi
if [ -z "$PORT" ]; then
  echo "quickstart: no board found; starting the emulated board (QEMU netduinoplus2)"
  qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty \
    -kernel build/firmware/streamer-qemu.elf >"$RUN/qemu.log" 2>&1 &
  pids+=($!)
  pts=""
  for _ in $(seq 50); do pts=$(grep -o '/dev/pts/[0-9]*' "$RUN/qemu.log" | head -1); [ -n "$pts" ] && break; sleep 0.1; done
  [ -n "$pts" ] || { echo "quickstart: QEMU gave no pty: $(tail -1 "$RUN/qemu.log")" >&2; exit 1; }
  ln -sfn "$pts" "$RUN/board"
  PORT=$RUN/board
fi
echo "quickstart: imulabd --port $PORT --db $DB --socket $SOCK"
build/bin/imulabd --port "$PORT" --db "$DB" --socket "$SOCK" 2>"$RUN/imulabd.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
export IMULAB_DB=$DB IMULAB_SOCKET=$SOCK
if [ $TUI = 1 ] && [ -t 1 ]; then
  build/bin/imulab-tui --socket "$SOCK"
else
  echo "quickstart: running; try: IMULAB_SOCKET=$SOCK build/bin/imulab status (Ctrl-C stops)"
  wait
fi
