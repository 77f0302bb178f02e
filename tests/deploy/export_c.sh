#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/deploy/export_c.sh BIN SRC -- `imulab export-model --format c|arduino` end to end:
#   - models: the shared ei-xiao-gestures data at the defaults and in gesture mode (its 10 s
#     recordings cut by the motion segmenter) when present, and generated data with short
#     recordings: continuous (zero-padded windows, five labels, one hidden layer, a low-pass filter,
#     a 32-point FFT) and gesture mode (each recording one gesture);
#   - the exported folder is copied alone to an empty directory and built there with only itself
#     on the include path; tests/deploy/replay.c, linked with it, reproduces every window of
#     `imulab eval --dump-windows` byte for byte (with the library's assertions on) (int8 scores, and the features bit for bit) through
#     imulab_classify, imulab_push and imulab_push_float, with the decisions of the documented
#     decision logic (tests/deploy/replay.c); built with gcc -std=c99 -pedantic under
#     ASan+UBSan, with gcc in GNU mode with FMA allowed (-march=native -ffp-contract=fast: the
#     library's own pragma keeps contraction off), and with clang;
#   - arm-none-eabi-gcc builds it for Cortex-M0+, M4 (hard float) and M7 (hard float) with -std=c99
#     -pedantic -Werror: no writable global data, no allocator referenced, and on the M4 in GNU mode
#     not one fused multiply-add instruction;
#   - the header compiles as C++ (Arduino sketches); the three examples compile (-fsyntax-only)
#     against declaration-only headers of the SDK calls they use (tests/deploy/sdk: HAL, FreeRTOS,
#     Arduino + Arduino_LSM9DS1, Zephyr), so they keep matching the library's interface;
#   - the Arduino layout is complete, exports are reproducible, bad invocations fail with a reason.
set -u
BIN=$1 SRC=$2
# the models' configuration is not what this test is about: the small search grid keeps it short
# under ASan (the full search is trainer_auto_e2e's, cls_gesture_e2e's and the benchmarks')
export IMULAB_SEARCH_QUICK=1
TB=$BIN/../tests/bin
T=$(mktemp -d /tmp/imulab-deploy-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v arm-none-eabi-gcc >/dev/null || { echo "skip: no arm-none-eabi-gcc"; exit 77; }

# check NAME DB MODEL [light]: export, build alone, replay, cross-compile (light: the ASan replay,
# the Cortex-M builds and links only)
check() {
  local name=$1 db=$2 model=$3 I="$BIN/imulab --db $2" light=${4:-}
  $I eval --model "$model" --json --dump-windows "$T/$name.dump" >"$T/$name.eval.json" || fail "$name: eval"
  local windows; windows=$("$TB/jget" -f "$T/$name.eval.json" .windows)
  $I export-model --model "$model" --format c --out "$T/$name.lib" >"$T/$name.export.log" || fail "$name: export-model"
  grep -q "static RAM" "$T/$name.export.log" || fail "$name: export-model said: $(cat "$T/$name.export.log")"
  for f in imulab.h imulab.c imulab_model.c imulab_nn.c imulab_imu_features.c README.md examples/stm32_freertos.c \
           examples/arduino.ino examples/zephyr_main.c; do
    [ -f "$T/$name.lib/$f" ] || fail "$name: no $f in the exported folder"
  done
  ! grep -n '@[A-Za-z_:./]*@' "$T/$name.lib/README.md" "$T/$name.lib/examples/"* || fail "$name: a template placeholder was left"
  grep -q "IMULAB_STATE_BYTES [0-9]" "$T/$name.lib/imulab.h" || fail "$name: the header does not state the static RAM"
  # alone: a fresh directory holding the folder and nothing else
  local A="$T/$name.alone"
  mkdir -p "$A/lib" && cp -r "$T/$name.lib/." "$A/lib/" && cp "$SRC/tests/deploy/replay.c" "$A/"
  ( cd "$A" &&
    gcc -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion -O1 -g \
      -DIMULAB_ASSERTS -fsanitize=address,undefined -fno-sanitize-recover=all -Ilib lib/*.c replay.c -o replay_asan ) \
    >"$T/$name.cc.log" 2>&1 || fail "$name: host build: $(head -5 "$T/$name.cc.log")"
  "$A/replay_asan" "$T/$name.dump" >"$T/$name.replay" 2>&1 || fail "$name: replay: $(cat "$T/$name.replay")"
  cat "$T/$name.replay"
  grep -Eq "^$windows (windows|gestures) .*classify $windows/$windows byte-identical" "$T/$name.replay" \
    || fail "$name: not all $windows examples"
  local want; want=$(sed -n 's/.*stream int16 \([0-9]*\)\/\([0-9]*\) .*/\1 \2/p' "$T/$name.replay")
  [ -n "$want" ] && [ "${want% *}" = "${want#* }" ] || fail "$name: stream figures: $want"
  if [ -z "$light" ]; then
  # the decision logic with a margin, smoothing and an interval (set here when the model has none):
  # margin 40 / majority of 3 / 156 samples (3 strides of the default model: the interval's
  # boundary is reached), and a majority of 2 (ties at every change: newest first)
  if ! grep -q '^#define IMU_MODEL_DECISION_MIN_MARGIN' "$model/model.h"; then
    local dc
    for dc in "40 3 156" "0 2 0"; do
      set -- $dc
      ( cd "$A" && gcc -std=c99 -O1 -DIMULAB_ASSERTS -DIMU_MODEL_DECISION_MIN_MARGIN=$1 -DIMU_MODEL_DECISION_SMOOTH=$2 \
          -DIMU_MODEL_DECISION_MIN_INTERVAL=$3 -Ilib lib/*.c replay.c -o replay_decide ) || fail "$name: decision build"
      "$A/replay_decide" "$T/$name.dump" >"$T/$name.replay_decide" 2>&1 \
        || fail "$name: decision logic ($dc): $(tail -3 "$T/$name.replay_decide")"
      echo "$name decisions (margin $1, majority of $2, interval $3): $(grep -o 'documented ([^)]*)' "$T/$name.replay_decide")"
    done
  fi
  ( cd "$A" && gcc -std=gnu99 -O2 -march=native -ffp-contract=fast -Ilib lib/*.c replay.c -o replay_fma ) \
    || fail "$name: gcc -march=native build"
  "$A/replay_fma" "$T/$name.dump" >"$T/$name.replay_fma" 2>&1 || fail "$name: with FMA allowed: $(tail -3 "$T/$name.replay_fma")"
  if command -v clang >/dev/null; then
    ( cd "$A" && clang -std=c99 -Wall -Wextra -Werror -Wno-unused-function -O2 -march=native -Ilib lib/*.c replay.c -o replay_clang ) \
      || fail "$name: clang build"
    "$A/replay_clang" "$T/$name.dump" >"$T/$name.replay_clang" 2>&1 || fail "$name: clang: $(tail -3 "$T/$name.replay_clang")"
  fi
  fi
  # Cortex-M
  local cpu flags
  for cpu in m0plus m4 m7; do
    case $cpu in
      m0plus) flags="-mcpu=cortex-m0plus -mfloat-abi=soft" ;;
      m4) flags="-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard" ;;
      m7) flags="-mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard" ;;
    esac
    mkdir -p "$A/$cpu"
    ( cd "$A/$cpu" && arm-none-eabi-gcc -std=c99 -pedantic -Wall -Wextra -Werror -Os -mthumb $flags -I../lib -c ../lib/*.c ) \
      >"$T/$name.$cpu.log" 2>&1 || fail "$name: arm-none-eabi-gcc $cpu: $(head -5 "$T/$name.$cpu.log")"
    read -r text data bss _ < <(arm-none-eabi-size -t "$A/$cpu"/*.o | tail -1)
    echo "$name cortex-$cpu: code+constants $text B, data $data B, bss $bss B"
    [ "$data" = 0 ] && [ "$bss" = 0 ] || fail "$name: $cpu: the library has writable globals (data $data, bss $bss)"
    ! arm-none-eabi-nm -u "$A/$cpu"/*.o | grep -E ' (malloc|calloc|realloc|free|_sbrk)$' \
      || fail "$name: $cpu: the library references an allocator"
    # linked into a minimal main (newlib-nano, --gc-sections) against an empty one: the cost
    local L="-std=c99 -Os -mthumb $flags -ffunction-sections -fdata-sections -Wl,--gc-sections --specs=nano.specs --specs=nosys.specs"
    printf 'int main(void) { return 0; }\n' >"$A/empty.c"
    arm-none-eabi-gcc $L -I"$A/lib" "$A/lib/"*.c "$SRC/tests/deploy/link_main.c" -o "$A/$cpu/full.elf" >"$T/$name.$cpu.ld" 2>&1 \
      || fail "$name: $cpu: does not link: $(head -5 "$T/$name.$cpu.ld")"
    arm-none-eabi-gcc $L "$A/empty.c" -o "$A/$cpu/empty.elf" || fail "$name: $cpu: empty program"
    local ft fd fb et ed eb
    read -r ft fd fb _ < <(arm-none-eabi-size "$A/$cpu/full.elf" | tail -1)
    read -r et ed eb _ < <(arm-none-eabi-size "$A/$cpu/empty.elf" | tail -1)
    local state; state=$(sed -n 's/^#define IMULAB_STATE_BYTES \([0-9]*\).*/\1/p' "$A/lib/imulab.h")
    echo "$name cortex-$cpu linked: flash +$((ft + fd - et - ed)) B, RAM +$((fd + fb - ed - eb)) B (state $state B)"
    # the stated size is exact on a 64-bit host, an upper bound here (4-byte pointers); the main
    # adds two volatiles
    [ $((fd + fb - ed - eb)) -ge $((state - 32)) ] && [ $((fd + fb - ed - eb)) -le $((state + 16)) ] \
      || fail "$name: $cpu: RAM $((fd + fb - ed - eb)) B is not about the stated state size $state B"
  done
  [ -n "$light" ] && return 0
  mkdir -p "$A/m4gnu"
  ( cd "$A/m4gnu" && arm-none-eabi-gcc -std=gnu99 -O2 -mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard \
      -I../lib -c ../lib/*.c ) || fail "$name: M4 GNU-mode build"
  ! arm-none-eabi-objdump -d "$A/m4gnu"/*.o | grep -E '\svf[n]?m[as]\.' \
    || fail "$name: fused multiply-add on the M4 (the library's fp-contract pragma did not hold)"
  # C++ (Arduino sketches include the header from C++)
  printf '#include "imulab.h"\nint main() { static imulab_state s; imulab_init(&s); return imulab_label(0)[0] ? 0 : 1; }\n' \
    >"$A/cpp.cpp"
  g++ -std=c++11 -Wall -Wextra -Werror -I"$A/lib" -fsyntax-only "$A/cpp.cpp" || fail "$name: imulab.h in C++"
  # the README's examples against the SDK calls they use (tests/deploy/sdk: declarations only)
  local K="$SRC/tests/deploy/sdk" M4="-mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
  arm-none-eabi-gcc -std=c99 -Wall -Wextra -Werror $M4 -fsyntax-only -I"$A/lib" -I"$K" "$A/lib/examples/stm32_freertos.c" \
    || fail "$name: examples/stm32_freertos.c"
  arm-none-eabi-gcc -std=c99 -Wall -Wextra -Werror $M4 -fsyntax-only -I"$A/lib" -I"$K" "$A/lib/examples/zephyr_main.c" \
    || fail "$name: examples/zephyr_main.c"
  arm-none-eabi-g++ -std=c++11 -Wall -Wextra -Werror $M4 -fsyntax-only -I"$A/lib" -I"$K" -x c++ "$A/lib/examples/arduino.ino" \
    || fail "$name: examples/arduino.ino"
}

G="$T/gen"
"$TB/gen_ei" "$G" a:10:training b:10:training c:10:training d:10:training e:10:training \
  a:3:testing b:3:testing c:3:testing d:3:testing e:3:testing || fail "gen_ei"
$BIN/imulab --db "$T/g.db" import "$G" >/dev/null || fail "import generated data"
$BIN/imulab --db "$T/g.db" train --out "$T/gmodel" --quiet --window-ms 1000 --stride-ms 200 --hidden 16 \
  --filter low --filter-hz 20 --fft-len 32 --features stats,spectral,raw --raw-points 6 >/dev/null || fail "train (generated)"
check gen "$T/g.db" "$T/gmodel"
grep -q "stream int16 [0-9]*/[0-9]*" "$T/gen.replay" || fail "gen: no stream figures"

# gesture mode on whole-gesture recordings (the generated ones are 0.5-1.5 s: one gesture each)
$BIN/imulab --db "$T/g.db" train --out "$T/ggmodel" --quiet --mode gesture --gesture-points 32 >/dev/null \
  || fail "train (generated, gesture mode)"
check gen-gesture "$T/g.db" "$T/ggmodel" light

DS=$SRC/../shared/data/ei-xiao-gestures
if [ -d "$DS" ]; then
  $BIN/imulab --db "$T/x.db" import "$DS" >/dev/null || fail "import $DS"
  $BIN/imulab --db "$T/x.db" train --out "$T/xmodel" --quiet >/dev/null || fail "train (ei-xiao-gestures)"
  check xiao "$T/x.db" "$T/xmodel"
  # gesture mode on 10 s recordings: eval and the library's stream cut them with the segmenter
  $BIN/imulab --db "$T/x.db" train --out "$T/xgmodel" --quiet --mode gesture >/dev/null || fail "train (gesture mode)"
  check xiao-gesture "$T/x.db" "$T/xgmodel" light
  grep -q "stream int16 [1-9][0-9]*/" "$T/xiao-gesture.replay" || fail "xiao-gesture: no gesture reproduced by the stream"
else
  echo "note: no $DS, the generated model only"
  cp -r "$T/gmodel" "$T/xmodel"
fi

# reproducible: the same model exports to the same bytes
$BIN/imulab export-model --model "$T/xmodel" --format c --out "$T/again" >/dev/null || fail "second export"
diff -r "$T/again" "$( [ -d "$T/xiao.lib" ] && echo "$T/xiao.lib" || echo "$T/gen.lib")" >/dev/null \
  || [ ! -d "$DS" ] || fail "two exports of one model differ"

# Arduino library layout
$BIN/imulab export-model --model "$T/xmodel" --format arduino --out "$T/ard" >/dev/null || fail "export arduino"
for f in library.properties README.md src/imulab.h src/imulab.c src/imulab_model.c src/imulab_nn.c \
         src/imulab_imu_features.c examples/imulab_classify/imulab_classify.ino; do
  [ -f "$T/ard/$f" ] || fail "arduino: no $f"
done
grep -q '^name=imulab_model_[0-9a-f]\{8\}$' "$T/ard/library.properties" || fail "arduino: library.properties name"
grep -q '^includes=imulab.h$' "$T/ard/library.properties" || fail "arduino: library.properties includes"
( cd "$T/ard/src" && gcc -std=c99 -pedantic -Wall -Wextra -Werror -c *.c ) || fail "arduino: src/ does not build"

# bad invocations
I="$BIN/imulab"
$I export-model --model "$T/nope" --format c --out "$T/o" 2>"$T/e" && fail "a missing model was exported"
grep -q "$T/nope/model.json" "$T/e" || fail "missing model: $(cat "$T/e")"
$I export-model --model "$T/xmodel" --format zip --out "$T/o" 2>"$T/e"; [ $? = 2 ] || fail "bad --format: not a usage error"
grep -q "format 'zip'" "$T/e" || fail "bad --format: $(cat "$T/e")"
$I export-model --model "$T/xmodel" --format c 2>"$T/e"; [ $? = 2 ] || fail "no --out: not a usage error"
touch "$T/file"
$I export-model --model "$T/xmodel" --format c --out "$T/file" 2>"$T/e" && fail "exported over a regular file"
grep -q "$T/file" "$T/e" || fail "out is a file: $(cat "$T/e")"
$I export-model --model "$T/xmodel" --format tflite --out "$T/nodir/m.tflite" 2>"$T/e" && fail "tflite into a missing directory"
grep -q "$T/nodir/m.tflite" "$T/e" || fail "tflite path: $(cat "$T/e")"
$I export-model --model "$T/xmodel" --format c --tflite-op conv2d --out "$T/o" 2>/dev/null; [ $? = 2 ] || fail "--tflite-op with c"
echo "PASS"
