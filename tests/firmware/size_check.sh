#!/bin/sh
# SPDX-License-Identifier: MIT
# size_check.sh ELF MAX_FLASH MAX_RAM -- flash = text + data, RAM = data + bss (the stack is an
# allocated NOLOAD section, so it is in bss). Prints the figures and the ten largest symbols.
elf=$1 maxf=$2 maxr=$3
command -v arm-none-eabi-size >/dev/null || { echo "arm-none-eabi-size missing: skipped"; exit 77; }
[ -f "$elf" ] || { echo "no $elf (firmware not built)"; exit 1; }
set -- $(arm-none-eabi-size "$elf" | tail -n 1)
text=$1 data=$2 bss=$3
flash=$((text + data)) ram=$((data + bss))
echo "$(basename "$elf"): flash $flash B (limit $maxf), RAM $ram B (limit $maxr)"
arm-none-eabi-nm --size-sort -S "$elf" | tail -n 10
[ $flash -le $maxf ] || { echo "flash over budget"; exit 1; }
[ $ram -le $maxr ] || { echo "RAM over budget"; exit 1; }
