#!/bin/bash
# SPDX-License-Identifier: MIT
# boards_cli.sh BIN MODEL DB SRC FWDIR -- the boards in imulab's CLI: `imulab flash --board B --dry-run` names
# openocd's target of each chip (stm32f4x, stm32l4x, stm32h7x), with --model for the classifier and
# without it for the build's streamer image, an unknown board is a usage error
# naming the boards; `imulab train --board B` searches within the board's flash and RAM and prints
# the latency in cycles at its clock; firmware/flash.sh (cmake's flash-streamer-<board>) picks the
# same targets from the image's name. MODEL and DB: the build's default model and its database.
set -u
BIN=$1 MODEL=$2 DB=$3 SRC=$4 FW=$5
[ -f "$MODEL/model.json" ] && [ -f "$DB" ] || { echo "SKIP: no default model (built with -DIMULAB_MODEL?)"; exit 77; }
T=$(mktemp -d /tmp/imulab-boards.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
I="$BIN/imulab --db $DB"
for pair in nucleo-f446re:stm32f4x nucleo-l476rg:stm32l4x nucleo-h743zi:stm32h7x disco-f407vg:stm32f4x; do
  b=${pair%%:*} t=${pair#*:}
  out=$($I flash --model "$MODEL" --board "$b" --probe openocd --dry-run 2>&1) || fail "$b: flash --dry-run: $out"
  grep -q -- "-f target/$t.cfg" <<<"$out" || fail "$b: not target/$t.cfg: $out"
  grep -q "classifier-$b.elf" <<<"$out" || fail "$b: not the board's image: $out"
  echo "$b: $out"
  out=$($I flash --model "$MODEL" --board "$b" --probe st-flash --dry-run 2>&1) || fail "$b: st-flash: $out"
  grep -q "^st-flash --reset write .*classifier-$b.bin 0x08000000" <<<"$out" || fail "$b: st-flash line: $out"
done
# the acceptance's own form: whichever programmer is installed, the H7 target when it is openocd
out=$($I flash --model "$MODEL" --board nucleo-h743zi --dry-run 2>&1) || fail "h743 dry run: $out"
grep -qE "stm32h7x|^st-flash" <<<"$out" || fail "h743 dry run: $out"
# without --model: the streamer image this build made, for each board (data collection)
for pair in nucleo-f446re:stm32f4x nucleo-l476rg:stm32l4x nucleo-h743zi:stm32h7x disco-f407vg:stm32f4x; do
  b=${pair%%:*} t=${pair#*:}
  out=$($I flash --board "$b" --probe openocd --dry-run 2>&1) || fail "$b: streamer dry run: $out"
  grep -q -- "-f target/$t.cfg -c 'program .*/firmware/streamer-$b.elf verify reset exit'" <<<"$out" || fail "$b: streamer line: $out"
  out=$($I flash --board "$b" --probe st-flash --dry-run 2>&1) || fail "$b: streamer st-flash: $out"
  grep -q "^st-flash --reset write .*/firmware/streamer-$b.bin 0x08000000" <<<"$out" || fail "$b: streamer st-flash line: $out"
done
out=$($I flash --board nucleo-h743zi --dry-run 2>&1) || fail "h743 streamer dry run: $out"
grep -qE "stm32h7x|^st-flash" <<<"$out" || fail "h743 streamer dry run: $out"
$I flash --model "$MODEL" --board nucleo-g071rb --dry-run >"$T/o" 2>&1; [ $? = 2 ] || fail "unknown board accepted"
grep -q "unknown board 'nucleo-g071rb' (nucleo-f446re, nucleo-l476rg, nucleo-h743zi, disco-f407vg or qemu)" "$T/o" \
  || fail "unknown board: $(cat "$T/o")"
# train --board: the H743's memory as the budget, latency at 400 MHz; the L476 at 80 MHz
out=$($I train --out "$T/m" --window-ms 1000 --stride-ms 500 --hidden 8 --seed 1 --board nucleo-h743zi 2>/dev/null) \
  || fail "train --board nucleo-h743zi"
line=$(grep "^on the nucleo-h743zi: " <<<"$out") || fail "no board line: $out"
echo "$line"
grep -q "budget 2097152), RAM [0-9]* B (budget 131072); latency \([0-9]*\) instructions per window = about \1 cycles at 400 MHz" <<<"$line" \
  || fail "h743 line: $line"
n=$(sed 's/.*latency \([0-9]*\) instructions.*/\1/' <<<"$line")
ms=$(sed 's/.* = \([0-9.]*\) ms.*/\1/' <<<"$line")
awk -v n="$n" -v ms="$ms" 'BEGIN { exit !(n > 1000 && (ms - n / 400000) ^ 2 < 1e-6) }' || fail "latency $ms ms for $n cycles at 400 MHz"
out=$($I train --out "$T/m2" --window-ms 1000 --stride-ms 500 --hidden 8 --seed 1 --board nucleo-l476rg --budget-ram 9000 2>/dev/null) \
  || fail "train --board nucleo-l476rg"
grep -q "^on the nucleo-l476rg: .*budget 1048576), RAM [0-9]* B (budget 9000); .* at 80 MHz" <<<"$out" \
  || fail "l476 line (explicit --budget-ram wins): $(grep '^on the' <<<"$out")"
$I train --out "$T/m3" --board nope >"$T/o" 2>&1; [ $? = 2 ] || fail "train --board nope accepted"
grep -q "unknown board 'nope'" "$T/o" || fail "train --board nope: $(cat "$T/o")"
# flash.sh, with a stand-in openocd on PATH (its dry run only looks the program up)
mkdir -p "$T/path"
printf '#!/bin/sh\nexit 0\n' >"$T/path/openocd"
chmod +x "$T/path/openocd"
for pair in nucleo-f446re:stm32f4x nucleo-l476rg:stm32l4x nucleo-h743zi:stm32h7x disco-f407vg:stm32f4x; do
  b=${pair%%:*} t=${pair#*:}
  out=$(PATH="$T/path:$PATH" sh "$SRC/firmware/flash.sh" --dry-run "$FW/streamer-$b.elf" 2>&1) || fail "flash.sh $b: $out"
  grep -q -- "-f target/$t.cfg -c 'program $FW/streamer-$b.elf verify reset exit'" <<<"$out" || fail "flash.sh $b: $out"
done
echo PASS
