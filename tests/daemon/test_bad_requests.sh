#!/bin/bash
# SPDX-License-Identifier: MIT
# Labels a hostile client sends (issue 16): a NUL escaped in a label is refused, not cut; a
# 100 KB label is named as too long by `imulab record start` (it said "unterminated string")
# and by the daemon for a raw request; the daemon keeps answering.
. "$(dirname "$0")/lib.sh"
start_daemon nothere ctl
r=$(ctl ctl 'record start "a\u0000b"')
case "$r" in *'"ok":false'*"NUL"*) ;; *) fail "a NUL in a label: $r" ;; esac
r=$(ctl ctl 'record start "a\\u0000b"')  # an escaped backslash, then plain text: no NUL
case "$r" in *"no device connected"*) ;; *) fail "a literal backslash-u0000 label: $r" ;; esac
big=$(head -c 102400 /dev/zero | tr '\0' x)
out=$("$BIN/imulab" --socket "$T/ctl" record start "$big" 2>&1) && fail "a 100 KB label was accepted"
case "$out" in *"label is 102400 bytes, over 64"*) ;; *) fail "100 KB label: '$(printf '%.200s' "$out")'" ;; esac
r=$(ctl ctl "record start \"$big\"")
case "$r" in *"request over 4096 bytes"*) ;; *) fail "raw 100 KB request: $(printf '%.200s' "$r")" ;; esac
pong ctl || fail "daemon does not answer after bad requests"
alive "$D_PID" || fail "daemon died"
pass "bad requests: NUL refused, 100 KB label named as too long"
