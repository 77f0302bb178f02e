#!/bin/bash
# SPDX-License-Identifier: MIT
# fwlink against imulab-sim: HELLO, ACK and NAK of commands with their tokens, the rate a
# SET_RATE asks for, and the CRC errors and sequence gaps of injected faults.
# $1: the test tools directory, $2: imulab-sim.
set -u
TOOLS=$1 SIM=$2
T=$(mktemp -d /tmp/imulab-fwlink-test.XXXXXX)
SP=
cleanup() { [ -n "$SP" ] && kill "$SP" 2>/dev/null && wait "$SP" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$T/out" 2>/dev/null; exit 1; }
j() { "$TOOLS/jget" -f "$T/out" -e "$@" || fail "not true: $*"; }
sim() {
  [ -n "$SP" ] && { kill "$SP"; wait "$SP" 2>/dev/null; }
  rm -f "$T/tty"
  "$SIM" --link "$T/tty" --quiet "$@" >/dev/null 2>&1 &
  SP=$!
  for _ in $(seq 50); do [ -e "$T/tty" ] && return; sleep 0.1; done
  fail "imulab-sim made no pty"
}

sim --rate 100
# PING, SET_RATE 200 Hz, SET_RATE 1 Hz (refused), INFO (ACK then HELLO)
"$TOOLS/fwlink" "$T/tty" --seconds 2 --cmd 0x85: --cmd 0x83:c800 --cmd 0x83:0100 --cmd 0x86: >"$T/out" \
  || fail "fwlink exit $?"
j '.acks == [[1, 133], [2, 131], [4, 134]]' '.naks|length == 1' '.naks[0][0] == 3' '.naks[0][1] == 131' \
  '.naks[0][2] == 3' '.errors == []'
# the HELLO that answers INFO comes after SET_RATE
j '.hello.board == "imulab-sim"' '.hello.rate == 200' '.hello.spf == 10' \
  '.hello.axes == ["accX", "accY", "accZ", "gyrX", "gyrY", "gyrZ"]'
j '.gaps == 0' '.crc_errors == 0' '.framing_errors == 0' '.mean|length == 6' '.absdev|length == 6'
# 2 s at 200 Hz: 400 samples within two frames, device time spanning about as much
read -r n span seqs < <("$TOOLS/jget" -f "$T/out" .samples .device_span_s .seqs)
awk -v n="$n" -v s="$span" -v q="$seqs" 'BEGIN { exit !(n >= 380 && n <= 420 && n == 10 * q && s > 1.8 && s < 2.1) }' \
  || fail "samples $n, span $span s, frames $seqs"

# faults: every 7th frame corrupted, every 10th not sent
sim --rate 100 --flip-every 7 --drop-every 10
"$TOOLS/fwlink" "$T/tty" --seconds 1.5 >"$T/out" || fail "fwlink exit $?"
read -r gaps crc framing < <("$TOOLS/jget" -f "$T/out" .gaps .crc_errors .framing_errors)
[ "$gaps" -gt 0 ] && [ $((crc + framing)) -gt 0 ] || fail "gaps $gaps, CRC errors $crc, framing errors $framing"

# usage errors
"$TOOLS/fwlink" >/dev/null 2>&1; [ $? = 2 ] || fail "no device: not a usage error"
"$TOOLS/fwlink" "$T/tty" --cmd 0x85:zz >/dev/null 2>&1; [ $? = 1 ] || fail "bad hex accepted"
"$TOOLS/fwlink" "$T/nope" >/dev/null 2>&1; [ $? = 1 ] || fail "missing device accepted"
echo ok
