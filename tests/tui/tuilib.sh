# SPDX-License-Identifier: MIT
# Shared by imulab-tui's tests: a private tmux server, screen capture and waits.
# Usage in a test: . tuilib.sh BIN_DIR ; every helper fails the test with a message.
# The C helpers (fake_daemon, feed_lines) are in $TUI_HELPERS, by default BIN_DIR/../tests/tui.
set -u
BIN=$1
HELPERS=${TUI_HELPERS:-$BIN/../tests/tui}
T=$(mktemp -d /tmp/imulab-tui-test.XXXXXX)
TMUX_SOCK=imulab-tui-test-$$
SESSION=tui
PIDS=()

tm() { tmux -L "$TMUX_SOCK" "$@"; }

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    tm kill-server 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    echo "--- screen:"; screen 2>/dev/null
    echo "--- tui stderr:"; cat "$T/tui.err" 2>/dev/null | head -40
    exit 1
}

# start_tui ENV... -- ARGS... : the TUI in an 80x24 tmux pane; its exit status lands in $T/rc
start_tui() {
    local envs=() ; while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
    local cmd="env ${envs[*]} $BIN/imulab-tui $* 2>$T/tui.err; echo \$? >$T/rc; sleep 60"
    tm new-session -d -s $SESSION -x 80 -y 24 "$cmd" || fail "tmux did not start"
}

screen() { tm capture-pane -p -t $SESSION; }
keys() { tm send-keys -t $SESSION "$@"; }
typed() { tm send-keys -t $SESSION -l "$1"; }

# wait_screen REGEX [SECONDS]: until the screen matches (grep -E)
wait_screen() {
    local n=$(( ${2:-5} * 10 ))
    for _ in $(seq $n); do screen | grep -qE -- "$1" && return 0; sleep 0.1; done
    fail "screen never showed /$1/"
}

# no_screen REGEX: the screen does not match now
no_screen() { screen | grep -qE -- "$1" && fail "screen shows /$1/"; return 0; }

# wait_exit [SECONDS]: the TUI ended; prints its exit status
wait_exit() {
    local n=$(( ${1:-5} * 10 ))
    for _ in $(seq $n); do [ -s "$T/rc" ] && { cat "$T/rc"; return 0; }; sleep 0.1; done
    fail "imulab-tui did not exit"
}

# sanitizer or crash reports in the TUI's stderr fail the test
check_stderr() {
    if grep -qE "AddressSanitizer|LeakSanitizer|runtime error|Segmentation" "$T/tui.err"; then
        fail "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$T/tui.err")"
    fi
}

fake_daemon() { # fake_daemon SOCKET MODE
    [ -x "$HELPERS/fake_daemon" ] || fail "$HELPERS/fake_daemon not built"
    "$HELPERS/fake_daemon" "$1" "$2" >"$T/fake.log" 2>&1 &
    FAKE=$!; PIDS+=($FAKE)
    for _ in $(seq 50); do [ -S "$1" ] && return 0; sleep 0.1; done
    fail "fake daemon made no socket"
}

tui_pid() { pgrep -f -n "imulab-tui .*$T" ; }
