#!/bin/bash
# SPDX-License-Identifier: MIT
# vectors.sh FWDIR -- every board's images: the vector table's initial stack pointer lies inside the
# chip's RAM (and is 8-byte aligned), the reset handler inside its flash with the Thumb bit set,
# the handler is the ELF's entry point, and the ARM build attributes name the right core and FPU:
# v7E-M with hard-float calling (VFP registers), VFPv4-D16 on the Cortex-M4 parts (F446, F407, L476),
# FPv5-D16 on the Cortex-M7 (H743 and QEMU's mps2-an500). Memory from the reference manuals
# (docs/boards.md), not from the linker scripts under test.
set -u
FW=$1
command -v arm-none-eabi-readelf >/dev/null || { echo "SKIP: no arm-none-eabi-readelf"; exit 77; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# board flash_base flash_size ram_base ram_size core
boards="nucleo-f446re 0x08000000 0x80000 0x20000000 0x20000 m4
nucleo-l476rg 0x08000000 0x100000 0x20000000 0x18000 m4
nucleo-h743zi 0x08000000 0x200000 0x20000000 0x20000 m7
disco-f407vg 0x08000000 0x100000 0x20000000 0x20000 m4
qemu 0x08000000 0x100000 0x20000000 0x20000 m4
qemu-mps2-an500 0x00000000 0x400000 0x20000000 0x400000 m7"

checked=0
while read -r board fb fs rb rs core; do
  if [ "$core" = m7 ]; then fp="FPv5/FP-D16 for ARMv8"; else fp="VFPv4-D16"; fi
  for app in streamer classifier; do
    elf=$FW/$app-$board.elf
    if [ ! -f "$elf" ]; then
      [ "$board" = qemu-mps2-an500 ] && [ $app = streamer ] && continue # compute tests only
      fail "$elf missing"; continue
    fi
    checked=$((checked + 1))
    # the first two words of .isr_vector
    words=$(arm-none-eabi-objcopy -O binary -j .isr_vector "$elf" /dev/stdout | od -An -tx4 -N8 | tr -s ' ')
    set -- $words
    sp=$((0x$1)) reset=$((0x$2))
    entry=$(arm-none-eabi-readelf -h "$elf" | awk '/Entry point/ {print $4}')
    [ $sp -gt $((rb)) ] && [ $sp -le $((rb + rs)) ] && [ $((sp % 8)) = 0 ] \
      || fail "$app-$board: initial SP $(printf 0x%08x $sp) outside RAM $rb+$rs or not 8-aligned"
    [ $((reset & 1)) = 1 ] || fail "$app-$board: reset vector $(printf 0x%08x $reset) without the Thumb bit"
    r=$((reset & ~1))
    [ $r -ge $((fb)) ] && [ $r -lt $((fb + fs)) ] || fail "$app-$board: reset handler $(printf 0x%08x $r) outside flash $fb+$fs"
    [ $((entry & ~1)) = $r ] || fail "$app-$board: entry $entry is not the reset handler $(printf 0x%08x $r)"
    attrs=$(arm-none-eabi-readelf -A "$elf")
    grep -q "Tag_CPU_arch: v7E-M" <<<"$attrs" || fail "$app-$board: not v7E-M: $(grep CPU_arch: <<<"$attrs")"
    grep -q "Tag_FP_arch: $fp\$" <<<"$attrs" || fail "$app-$board: FPU $(grep FP_arch <<<"$attrs"), want $fp"
    grep -q "Tag_ABI_VFP_args: VFP registers" <<<"$attrs" || fail "$app-$board: not the hard-float ABI"
    echo "$app-$board: SP $(printf 0x%08x $sp), reset $(printf 0x%08x $reset), $fp"
  done
done <<<"$boards"
[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "PASS: $checked images"
