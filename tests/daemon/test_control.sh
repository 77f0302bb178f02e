#!/bin/bash
# SPDX-License-Identifier: MIT
# The control socket's device commands and the trash (docs/control.md): each `device` command is
# forwarded to the simulator and answered after its ACK, with its effect visible in the
# simulator's log and the daemon's status; bad arguments, a NAK from the device, and rate or range
# changes while recording are refused with a reason; delete/undelete move a recording to and from
# the trash in the database, and `recordings`/`labels` list what is there.
. "$(dirname "$0")/lib.sh"

start_sim tty --rate 200 --per-frame 10 --log "$T/sim.log"
start_daemon tty ctl
wait_for 5 connected ctl || fail "daemon never connected: $(ctl ctl status)"
ok() { # REQUEST: the reply must be ok
    local r
    r=$(ctl ctl "$1")
    [ "$(jget "$r" ok)" = true ] || fail "$1: $r"
    REPLY=$r
}
refused() { # REQUEST TEXT: an error reply containing TEXT
    local r
    r=$(ctl ctl "$1")
    [ "$(jget "$r" ok)" = false ] && printf '%s' "$r" | grep -qF -- "$2" || fail "$1: want an error with '$2': $r"
}
in_log() { grep -q -- "$1" "$T/sim.log"; }

for c in "device ping" "device info" "device stop" "device start"; do ok "$c"; done
[ "$(jget "$REPLY" device)" = start ] || fail "device start reply: $REPLY"
ok "device gesture wave"
wait_for 5 in_log "# gesture wave" || fail "gesture wave never reached the simulator"
ok "device gesture 3"
wait_for 5 in_log "# gesture updown" || fail "gesture 3 never reached the simulator"
ok "device ranges 8 1000"
wait_for 5 in_log "accel_g=8 gyro_dps=1000" || fail "ranges never reached the simulator"
ok "device rate 100"
rate100() { [ "$(jget "$(ctl ctl status)" sample_rate_hz)" = 100 ]; }
wait_for 5 rate100 || fail "the daemon did not take the new rate: $(ctl ctl status)"
wait_for 5 in_log "rate_hz=100" || fail "rate never reached the simulator"

refused "device" "usage: device"
refused "device rate abc" "'abc' is not a rate"
refused "device rate 0" "is not a rate"
refused "device ranges 8" "unknown or malformed"
refused "device ranges x 1000" "want ACCEL_G (1 to 255) GYRO_DPS (1 to 65535)"
refused "device gesture flap" "'flap' is not idle, wave, circle, updown"
refused "device frobnicate" "unknown or malformed command 'frobnicate'"
refused "device ranges 3 1000" "unsupported" # the simulator NAKs it, the reason comes back
refused "device gesture 9" "unknown" # NAKed too

# not while recording
wait_for 5 connected ctl || fail "not connected after the rate change: $(ctl ctl status)"
refused "record start x category=bogus" "category 'bogus' is not training, testing or unassigned"
refused 'record start x subject="a\u0001b"' "subject:"
refused "record start" "usage"
ok "record start trashme"
ID=$(jget "$REPLY" recording_id)
refused "record start again" "already recording 'trashme'"
refused "device rate 50" "not while recording"
refused "device ranges 4 500" "not while recording"
refused "delete $ID" "still open"
ok "record stop"

# the trash
refused "delete" "usage: delete ID"
refused "delete 0" "usage: delete ID"
refused "delete 12x" "usage: delete ID"
ok "delete $ID"
[ "$(jget "$REPLY" id)" = "$ID" ] || fail "delete reply: $REPLY"
[ "$(sql "SELECT deleted_at IS NOT NULL FROM recordings WHERE id=$ID")" = 1 ] || fail "not in the trash after delete"
refused "delete $ID" "already in the trash"
r=$(ctl ctl "labels")
printf '%s' "$r" | grep -q '"trashme"' && fail "labels lists a recording in the trash: $r"
ok "undelete $ID"
[ "$(sql "SELECT deleted_at IS NULL FROM recordings WHERE id=$ID")" = 1 ] || fail "still in the trash after undelete"
refused "undelete $ID" "in the trash"
refused "delete 999" "no recording 999"
r=$(ctl ctl "recordings 5")
printf '%s' "$r" | grep -q "\"id\":$ID" && printf '%s' "$r" | grep -q '"label":"trashme"' || fail "recordings: $r"
r=$(ctl ctl "labels")
printf '%s' "$r" | grep -q '"label":"trashme"' || fail "labels: $r"
alive "$D_PID" || fail "daemon died"
# a daemon whose port has nothing behind it records nothing, and says why
start_daemon nothing ctl2
r=$(ctl ctl2 "record start x")
[ "$(jget "$r" ok)" = false ] && printf '%s' "$r" | grep -q "no device connected" || fail "record start without a device: $r"
r=$(ctl ctl2 "device ping")
[ "$(jget "$r" ok)" = false ] && printf '%s' "$r" | grep -q "no binary-protocol device" || fail "device ping without a device: $r"
pass "device commands forwarded and refused with reasons; trash round trip"
