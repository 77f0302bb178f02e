#!/bin/bash
# SPDX-License-Identifier: MIT
# scripts/mutants.sh -- mutation testing: apply hand-written bugs one at a time and check that the
# test suite fails on each (docs/testing.md).
#
#   scripts/mutants.sh [--list FILE] [--only REGEX] [--full] [--keep]
#
# The mutants are in tests/mutants/mutants.txt (format described there). The source tree is
# copied to $MUTANTS_DIR (default /tmp/imulab-mutants) and built there once (ASan+UBSan, like the
# suite, with IMULAB_REQUIRE_ALL_TESTS=ON so that nothing is skipped); the subsets of all mutants
# are run once unmutated (they must pass, or a failing mutant would prove nothing). Then for each
# mutant: check that its text occurs exactly once, apply it, rebuild, run its ctest subset (or the
# whole suite with --full), restore the file. A mutant is killed when a test fails, survives when
# all pass; a mutant that does not build is reported as invalid (a broken mutant, not a kill).
# Prints one line per mutant, then the score and the survivors; exit 0 only if every mutant
# was killed. --only REGEX takes the mutants whose id matches; --keep keeps the copy.
#
# Why subsets: the whole suite takes ~10 minutes on 2 cores, so 40+ mutants would take 7 hours.
# Each mutant names the tests that cover its area (the unit tests of its file and the end-to-end
# tests that go through it); a mutant is only as dead as those tests make it, and --full checks
# that claim against the whole suite.
set -u
cd "$(dirname "$0")/.."
SRC=$PWD
LIST=$SRC/tests/mutants/mutants.txt
ONLY=.
FULL=0
KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
    --list) LIST=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --full) FULL=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "mutants.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -f "$LIST" ] || { echo "mutants.sh: no mutant list $LIST" >&2; exit 2; }
W=${MUTANTS_DIR:-/tmp/imulab-mutants}
JOBS=${JOBS:-2}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# ---- read the list ----------------------------------------------------------------------------
ids=() files=() froms=() tos=() tests=()
add_mutant() {
    [ -n "$id" ] || return 0
    if [ -z "$file" ] || [ -z "$from" ] || [ -z "$to" ] || [ -z "$tst" ]; then
        echo "mutants.sh: $LIST: mutant [$id] lacks file, from, to or tests" >&2
        exit 2
    fi
    if [[ $id =~ $ONLY ]]; then
        ids+=("$id") files+=("$file") froms+=("$from") tos+=("$to") tests+=("$tst")
    fi
}
id=""
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
    '#'* | '') continue ;;
    '['*']') add_mutant; id=${line#[}; id=${id%]}; file="" from="" to="" tst="" ;;
    file:*) file=${line#file:}; file=${file#"${file%%[![:space:]]*}"} ;;
    from:*) from=${line#from:}; from=${from#"${from%%[![:space:]]*}"} ;;
    to:*) to=${line#to:}; to=${to#"${to%%[![:space:]]*}"} ;;
    tests:*) tst=${line#tests:}; tst=${tst#"${tst%%[![:space:]]*}"} ;;
    *) echo "mutants.sh: $LIST: cannot read '$line'" >&2; exit 2 ;;
    esac
done <"$LIST"
add_mutant
n=${#ids[@]}
[ "$n" -gt 0 ] || { echo "mutants.sh: no mutant matches '$ONLY'" >&2; exit 2; }

# ---- a private copy of the tree, built once ---------------------------------------------------
echo "== copying the source tree to $W/src"
rm -rf "$W"
mkdir -p "$W/src"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$W/src"
# the tests find the shared data next to the source tree
[ -e "$SRC/../shared" ] && ln -s "$(cd "$SRC/../shared" && pwd)" "$W/shared"
for i in "${!ids[@]}"; do
    f=$W/src/${files[$i]}
    [ -f "$f" ] || { echo "mutants.sh: [${ids[$i]}] no file ${files[$i]}" >&2; exit 2; }
    c=$(grep -cF -- "${froms[$i]}" "$f")
    [ "$c" = 1 ] || { echo "mutants.sh: [${ids[$i]}] '${froms[$i]}' occurs $c times in ${files[$i]}, not once" >&2; exit 2; }
done
B=$W/build
echo "== building (ASan+UBSan) in $B"
cmake -S "$W/src" -B "$B" -DCMAKE_BUILD_TYPE=Asan -DIMULAB_REQUIRE_ALL_TESTS=ON >"$W/configure.log" 2>&1 ||
    { tail -5 "$W/configure.log"; exit 2; }
cmake --build "$B" -j"$JOBS" >"$W/build.log" 2>&1 || { grep -m5 -i error "$W/build.log"; exit 2; }

subset() { # regex for mutant i
    if [ "$FULL" = 1 ]; then echo .; else echo "${tests[$1]}"; fi
}
union=$(for i in "${!ids[@]}"; do subset "$i"; done | sort -u | paste -sd'|')
echo "== the unmutated tree against every subset ($union)"
if ! ctest --test-dir "$B" -R "$union" -j"$JOBS" --timeout 300 >"$W/baseline.log" 2>&1; then
    grep -E "Failed|\*\*\*" "$W/baseline.log" | head
    echo "mutants.sh: the unmutated tree fails its tests: fix that first ($W/baseline.log)"
    exit 2
fi

# ---- one mutant at a time ---------------------------------------------------------------------
killed=0 survived=() invalid=()
t_all=$(date +%s)
for i in "${!ids[@]}"; do
    id=${ids[$i]} f=$W/src/${files[$i]}
    cp "$f" "$W/orig"
    content=$(<"$f")
    printf '%s\n' "${content/"${froms[$i]}"/"${tos[$i]}"}" >"$f"
    t0=$(date +%s)
    if ! cmake --build "$B" -j"$JOBS" >"$W/$id.build.log" 2>&1; then
        result=invalid
        invalid+=("$id")
    elif ctest --test-dir "$B" -R "$(subset "$i")" -j"$JOBS" --timeout 300 >"$W/$id.log" 2>&1; then
        result=SURVIVED
        survived+=("$id")
    else
        result="killed by $(grep -oE '[0-9]+ - [^ ]+ \((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)' "$W/$id.log" |
            sed 's/^[0-9]* - //; s/ (.*//' | paste -sd, | cut -c1-80)"
        killed=$((killed + 1))
    fi
    cp "$W/orig" "$f" # a new mtime: the next build compiles the original again
    printf '%-28s %-60s %4ds\n' "$id" "$result" $(($(date +%s) - t0))
done
cmake --build "$B" -j"$JOBS" >/dev/null 2>&1

valid=$((n - ${#invalid[@]}))
echo
pct=0
[ "$valid" -gt 0 ] && pct=$((100 * killed / valid))
minutes=$((($(date +%s) - t_all) / 60))
echo "mutation score: $killed of $valid mutants killed ($pct%), $minutes min"
[ ${#survived[@]} -eq 0 ] || echo "survivors: ${survived[*]}"
[ ${#invalid[@]} -eq 0 ] || echo "did not build (fix the list): ${invalid[*]}"
[ "$KEEP" = 1 ] || rm -rf "$W"
[ ${#survived[@]} -eq 0 ] && [ ${#invalid[@]} -eq 0 ]
