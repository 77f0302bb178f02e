#!/bin/sh
# SPDX-License-Identifier: MIT
# flash.sh [--dry-run] IMAGE.elf -- program a Nucleo-F446RE through its ST-Link.
# Uses openocd (interface/stlink.cfg, target/stm32f4x.cfg: program, verify, reset); falls back to
# st-flash with the .bin next to the .elf (written at 0x08000000) when openocd is absent. With no
# probe attached it says so in one line and exits non-zero.
dry=0
[ "$1" = "--dry-run" ] && { dry=1; shift; }
elf=$1
[ -n "$elf" ] || { echo "usage: flash.sh [--dry-run] IMAGE.elf" >&2; exit 2; }
[ -f "$elf" ] || { echo "flash: no image $elf (build first)" >&2; exit 1; }
if command -v openocd >/dev/null 2>&1; then
  set -- openocd -f interface/stlink.cfg -f target/stm32f4x.cfg -c "program $elf verify reset exit"
elif command -v st-flash >/dev/null 2>&1; then
  set -- st-flash --reset write "${elf%.elf}.bin" 0x08000000
else
  echo "flash: neither openocd nor st-flash is installed (apt-get install openocd)" >&2
  exit 1
fi
if [ $dry = 1 ]; then
  printf '%s' "$1"; shift
  for a in "$@"; do case $a in *" "*) printf " '%s'" "$a" ;; *) printf ' %s' "$a" ;; esac; done
  echo
  exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if "$@" >"$log" 2>&1; then
  tail -n 3 "$log"
  exit 0
fi
if grep -qiE 'open failed|no device found|unable to (find|open)|couldn.t find|not found.*st-?link|no st-?link|LIBUSB_ERROR|Couldn.t find any ST-Link|failed to connect|Error connecting' "$log"; then
  echo "flash: no ST-Link probe found (is the Nucleo-F446RE plugged in over USB?)" >&2
else
  echo "flash: $1 failed: $(grep -iE 'error|fail' "$log" | head -n 1)" >&2
fi
exit 1
