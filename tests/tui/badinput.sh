#!/bin/bash
# SPDX-License-Identifier: MIT
# Bad labels and keys without a device: a message, never a crash.
. "$(dirname "$0")/tuilib.sh" "$1"
fake_daemon $T/s nodevice
start_tui LANG=C.UTF-8 -- --socket $T/s
wait_screen "no device connected" 5
keys n; keys Enter; wait_screen "label rejected: it is empty" 2
keys n; typed "ab"; keys C-a; typed "c"; keys Enter; wait_screen "label rejected: it has control characters" 2
keys n; typed "$(printf 'x%.0s' $(seq 65))"; keys Enter; wait_screen "label rejected: it is over 64 bytes" 2
keys n; typed "$(printf 'é%.0s' $(seq 33))"; keys Enter; wait_screen "label rejected: it is over 64 bytes" 2
keys n; typed "$(printf 'y%.0s' $(seq 64))"; keys Enter; wait_screen "label yyyy" 2
keys n; typed "ünï cödé"; keys Enter; wait_screen "ünï cödé" 2
keys n; typed "abc"; keys BSpace BSpace; typed "x"; keys Enter; wait_screen " ax " 2
keys r; wait_screen "no device is connected to imulabd" 2
keys ' '; wait_screen "no device is connected to imulabd" 2
keys x; wait_screen "no recording to delete" 2
keys u; wait_screen "nothing to undo" 2
keys 9; wait_screen "no label 9" 2
keys n; typed "zz"; keys Escape; wait_screen "cancelled" 2
keys q
[ "$(wait_exit 3)" = 0 ] || fail "exit status $(cat $T/rc)"
check_stderr
echo "badinput: ok"
