# SPDX-License-Identifier: MIT
# lib.sh -- shared helpers for the imulabd integration tests (sourced by each test script).
#
# Environment (set by CMakeLists.txt): BIN (the build's bin/ with imulabd and imulab-sim),
# DBDUMP (the dbdump helper). Every test gets a fresh directory $T; background processes are
# registered with track() and killed by the EXIT trap; $T is removed unless the test failed.
set -u
BIN=${BIN:?BIN must point at the build bin directory}
DBDUMP=${DBDUMP:?DBDUMP must point at the dbdump helper}
T=$(mktemp -d /tmp/imulab-dt.XXXXXX)
PIDS=()
PASSED=0

cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill -9 "$p" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "$PASSED" = 1 ]; then
        rm -rf "$T"
    else
        echo "(test files kept in $T)"
    fi
}
trap cleanup EXIT

track() { PIDS+=("$1"); }

fail() {
    echo "FAIL: $*"
    if [ -f "$T/d.log" ]; then
        echo "--- daemon log (last 15 lines)"
        tail -n 15 "$T/d.log"
    fi
    exit 1
}

pass() {
    PASSED=1
    echo "PASS: $*"
    exit 0
}

# wait_for SECONDS COMMAND...: poll every 50 ms until COMMAND succeeds.
wait_for() {
    local limit=$1 i=0
    shift
    local n=$((limit * 20))
    while ! "$@" 2>/dev/null; do
        i=$((i + 1))
        [ $i -ge $n ] && return 1
        sleep 0.05
    done
    return 0
}

# start_sim NAME ARGS...: imulab-sim on the link $T/NAME; sets SIM_PID.
start_sim() {
    local name=$1
    shift
    "$BIN/imulab-sim" --quiet --link "$T/$name" "$@" 2>>"$T/sim.err" &
    SIM_PID=$!
    track "$SIM_PID"
    wait_for 5 test -e "$T/$name" || fail "imulab-sim did not create $T/$name"
}

# start_daemon PORT SOCKET [ARGS...]: imulabd on $T/PORT with db $T/db.sqlite (or $DB); sets D_PID.
start_daemon() {
    local port=$1 sock=$2
    shift 2
    "$BIN/imulabd" --port "$T/$port" --db "${DB:-$T/db.sqlite}" --socket "$T/$sock" "$@" 2>>"$T/d.log" &
    D_PID=$!
    track "$D_PID"
    wait_for 5 pong "$sock" || fail "imulabd does not answer on $T/$sock"
}

# pong SOCKET: the daemon answers ping (a stale socket file from a killed daemon does not).
pong() {
    ctl "$1" ping 2>/dev/null | grep -q '"pong":true'
}

# ctl SOCKET REQUEST: one request, prints the reply line.
ctl() {
    printf '%s\n' "$2" | socat -t 3 - "UNIX-CONNECT:$T/$1"
}

# jget JSON KEY: the value of a top-level scalar field (numbers, booleans, null, strings raw).
jget() {
    printf '%s' "$1" | sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | head -n 1 | tr -d '"'
}

# connected SOCKET: true once the daemon reports a device with a rate.
connected() {
    [ "$(jget "$(ctl "$1" status)" connected)" = true ]
}

# sql QUERY: one value from the database.
sql() {
    sqlite3 "${DB:-$T/db.sqlite}" "$1"
}

# alive PID
alive() { kill -0 "$1" 2>/dev/null; }

# record_for SOCKET SECONDS LABEL: start, wait, stop; sets REC_ID and STOP_REPLY.
record_for() {
    local r
    r=$(ctl "$1" "record start $3")
    [ "$(jget "$r" ok)" = true ] || fail "record start: $r"
    REC_ID=$(jget "$r" recording_id)
    sleep "$2"
    STOP_REPLY=$(ctl "$1" "record stop")
    [ "$(jget "$STOP_REPLY" ok)" = true ] || fail "record stop: $STOP_REPLY"
}

# check_log LOG [ID]: dbdump --check; sets CHECK (its key=value line).
check_log() {
    CHECK=$("$DBDUMP" --check "$1" "${DB:-$T/db.sqlite}" "${2:-$REC_ID}") || fail "$CHECK"
    echo "check: $CHECK"
}

# kv NAME: a field of $CHECK.
kv() {
    printf '%s\n' "$CHECK" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# stop_sim [PID]: SIGTERM the simulator and wait, so its log is complete.
stop_sim() {
    local p=${1:-$SIM_PID}
    kill -TERM "$p" 2>/dev/null
    wait "$p" 2>/dev/null
    return 0
}

# rows_match_rate ROWS RATE: ROWS within 5% (+ one frame) of what RATE gives over the
# recording's own duration (the stop reply's seconds).
rows_match_rate() {
    awk -v n="$1" -v r="$2" -v s="$(jget "$STOP_REPLY" seconds)" \
        'BEGIN { e = r * s; exit !(n >= 0.95 * e - 10 && n <= 1.05 * e + 10) }'
}
