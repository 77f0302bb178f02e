#!/bin/sh
# SPDX-License-Identifier: MIT
# flash.sh [--dry-run] IMAGE.elf -- program a board through its ST-Link.
# Uses openocd (interface/stlink.cfg and the chip's target, from the image's name: stm32l4x.cfg for
# *-nucleo-l476rg.elf, stm32h7x.cfg for *-nucleo-h743zi.elf, stm32f4x.cfg otherwise (the F446RE and
# the F407 Discovery); program, verify, reset); falls back to
# st-flash with the .bin next to the .elf (written at 0x08000000) when openocd is absent. With no
# probe attached it says so in one line and exits non-zero.
dry=0
[ "$1" = "--dry-run" ] && { dry=1; shift; }
elf=$1
[ -n "$elf" ] || { echo "usage: flash.sh [--dry-run] IMAGE.elf" >&2; exit 2; }
[ -f "$elf" ] || { echo "flash: no image $elf (build first)" >&2; exit 1; }
case $(basename "$elf") in
  *-nucleo-l476rg.elf) target=stm32l4x board=Nucleo-L476RG ;;
  *-nucleo-h743zi.elf) target=stm32h7x board=Nucleo-H743ZI ;;
  *-disco-f407vg.elf) target=stm32f4x board="STM32F4 Discovery" ;;
  *) target=stm32f4x board=Nucleo-F446RE ;;
esac
if command -v openocd >/dev/null 2>&1; then
  set -- openocd -f interface/stlink.cfg -f target/$target.cfg -c "program $elf verify reset exit"
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
  echo "flash: no ST-Link probe found (is the $board plugged in over USB?)" >&2
else
  echo "flash: $1 failed: $(grep -iE 'error|fail' "$log" | head -n 1)" >&2
fi
exit 1
