#!/bin/bash
# SPDX-License-Identifier: MIT
# Text-mode rate after a pause (issue 16, defect 5): data-forwarder lines at 97 Hz, a 6 s
# silence, then 97 Hz again; a recording made after the pause is stored at 97 Hz (within 2%),
# not at the lines-over-elapsed-time average that counts the pause (~40 Hz).
. "$(dirname "$0")/lib.sh"

socat pty,raw,echo=0,link="$T/dev" pty,raw,echo=0,link="$T/host" 2>>"$T/socat.err" &
track $!
wait_for 5 test -e "$T/dev" || fail "socat pty pair"
wait_for 5 test -e "$T/host" || fail "socat pty pair"
start_daemon host ctl --axes x,y,z
python3 - "$T/dev" "$T/phase" <<'PY' &
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NOCTTY)
def burst(seconds, phase):
    open(sys.argv[2], 'w').write(phase)
    t0 = time.monotonic(); i = 0
    while i / 97.0 < seconds:
        t = t0 + i / 97.0
        d = t - time.monotonic()
        if d > 0:
            time.sleep(d)
        os.write(fd, b'%d.5,-1.25,%d\r\n' % (i, i % 7))
        i += 1
burst(3, 'before')
open(sys.argv[2], 'w').write('pause')
time.sleep(6)
burst(5, 'after')
open(sys.argv[2], 'w').write('done')
PY
track $!
wait_for 5 connected ctl || fail "text stream never connected: $(ctl ctl status)"
wait_for 10 grep -q after "$T/phase" || fail "writer never resumed"
sleep 1
record_for ctl 2 afterpause
rate=$(sql "SELECT sample_rate_hz FROM recordings WHERE id=$REC_ID")
awk -v r="$rate" 'BEGIN { exit !(r >= 95 && r <= 99) }' || fail "recording after a pause stored at $rate Hz, lines came at 97 Hz"
rows=$(sql "SELECT sample_count FROM recordings WHERE id=$REC_ID")
rows_match_rate "$rows" 97 || fail "$rows rows for a ~2 s recording at 97 Hz"
alive "$D_PID" || fail "daemon died"
pass "text rate after a 6 s pause: $rate Hz stored (97 sent), $rows rows"
