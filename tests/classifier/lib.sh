# SPDX-License-Identifier: MIT
# tests/classifier/lib.sh -- what the classifier's end-to-end scripts share, sourced by them:
#   cls_need TOOL...           exit 77 (skipped, with the reason) when a tool is missing
#   cls_scratch NAME           T (a fresh directory), cleaned up at exit with every process in pids
#   fail MESSAGE               print FAIL: MESSAGE and exit 1
#   cls_build MODEL DIR TGT... the firmware project built for MODEL into DIR (images in DIR/out),
#                              as `imulab flash` builds it; fails naming the first error
#   cls_size ELF               flash (text + data) and ram (data + bss) of an image
#   cls_qemu_start ELF LOG [ICOUNT]  the emulated board on a pseudo-terminal: PTS and QPID
#                              (ICOUNT: QEMU's -icount option, default shift=0)
#   cls_qemu_stop              stops the board cls_qemu_start started
# SRC (the source tree) must be set before cls_build.

cls_need() {
  for t in "$@"; do command -v "$t" >/dev/null || { echo "skip: no $t"; exit 77; }; done
}

pids=()
cls_cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${T:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
}

cls_scratch() {
  T=$(mktemp -d "/tmp/imulab-$1.XXXXXX")
  trap cls_cleanup EXIT
}

fail() { echo "FAIL: $*"; exit 1; }

cls_build() {
  local model=$1 dir=$2
  shift 2
  cmake -S "$SRC/firmware" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/arm-none-eabi.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DFW_OUTPUT_DIR="$dir/out" -DIMULAB_MODEL="$model" >"$dir.log" 2>&1 &&
    cmake --build "$dir" -j2 --target "$@" >>"$dir.log" 2>&1 \
    || fail "classifier build: $(grep -m1 -i error "$dir.log")"
}

cls_size() {
  local text data bss
  read -r text data bss _ < <(arm-none-eabi-size "$1" | tail -1)
  flash=$((text + data))
  ram=$((data + bss))
}

cls_qemu_start() {
  qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial null -serial pty \
    -icount "${3:-shift=0}" -kernel "$1" >"$2" 2>&1 &
  QPID=$!
  pids+=("$QPID")
  PTS=""
  for _ in $(seq 50); do
    PTS=$(grep -o '/dev/pts/[0-9]*' "$2" | head -1)
    [ -n "$PTS" ] && break
    sleep 0.1
  done
  [ -n "$PTS" ] || fail "QEMU gave no pty ($2)"
}

cls_qemu_stop() { kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null; }
