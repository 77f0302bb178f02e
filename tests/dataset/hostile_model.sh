#!/bin/bash
# SPDX-License-Identifier: MIT
# A hostile or corrupt model.json (issue 16, defect 12): every bad field is named, nothing hangs
# or crashes, and edits of what defines the model (rate, windows, float weights, normalization)
# fail the hash. Each case edits a copy of a freshly trained model and runs `imulab eval`.
. "$(dirname "$0")/lib.sh"
gen "$T/in" wave:4:training idle:4:training wave:2:testing idle:2:testing
expect 0 im import "$T/in"
expect 0 im train --out "$T/m" --mode continuous --epochs 5 --quiet # the stride cases are about windows
expect 0 im eval --model "$T/m" --json
# bad NAME EXPECTED-TEXT JGET-EDIT...: eval of the edited copy exits 1 naming the problem, in
# seconds, without a signal
bad() {
  local name=$1 text=$2; shift 2
  rm -rf "$T/$name"; cp -r "$T/m" "$T/$name"
  "$TOOLS/jget" -f "$T/m/model.json" "$@" -o >"$T/$name/model.json" || fail "jget $*"
  timeout 20 "$IMULAB" --db "$DB" eval --model "$T/$name" --json >"$T/out" 2>"$T/err"; local rc=$?
  [ $rc = 1 ] || fail "$name: eval exit $rc (want 1): $(head -c 300 "$T/err")"
  err_has "$T/$name/model.json"
  err_has "$text"
}
bad stride "stride_len" -s .stride_len=3e9
bad stride0 "stride_len" -s .stride_len=0
bad shiftneg "quantization.layers[0].shift[0] is -70: want -31 to 30" -s '.quantization.layers[0].shift[0]=-70'
bad shiftbig "quantization.layers[0].shift[1] is 100: want -31 to 30" -s '.quantization.layers[0].shift[1]=100'
bad mult "multiplier[0]" -s '.quantization.layers[0].multiplier[0]=1e300'
bad multsmall "quantization.layers[0].multiplier[0] is 5: want 0 or 2^30" -s '.quantization.layers[0].multiplier[0]=5'
bad bias "quantization.layers[0].bias_folded[0] is 2147483000" -s '.quantization.layers[0].bias_folded[0]=2147483000'
bad wbig "network.float_layers[0].weights[0] is 1e+38" -s '.network.float_layers[0].weights[0]=1e38'
bad std0 "normalization.std[2] is 0" -s '.normalization.std[2]=0'
bad zp "activation_zero_point" -s '.quantization.activation_zero_point[0]=1000'
bad rate "hash mismatch" -s .sample_rate_hz=52
bad window "hash mismatch" -s .window_ms=1500
bad weight "hash mismatch" -s '.network.float_layers[0].weights[0]=0.125'
bad mean "hash mismatch" -s '.normalization.mean[0]=0.5'
bad label "labels[1] has a control character" -s '.labels[1]="a\u0007b"'
bad noflags "field 'flags'" -d .features.flags
# a directory named model.json
mkdir -p "$T/dir/model.json"
timeout 20 "$IMULAB" --db "$DB" eval --model "$T/dir" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] || fail "a directory named model.json: exit $rc"
err_has "a directory, not a model file"
echo "PASS: hostile model.json: every bad field named, edits caught by the hash"
