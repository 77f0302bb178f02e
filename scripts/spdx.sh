#!/bin/bash
# SPDX-License-Identifier: MIT
# spdx.sh -- every source file of the repository names its licence (LICENSE, MIT) in an SPDX line.
#   scripts/spdx.sh           add the line where it is missing (idempotent)
#   scripts/spdx.sh --check   list the files without it; exit 1 if there are any
# C, headers and linker scripts get "/* SPDX-License-Identifier: MIT */" as their first line;
# shell, Python, CMake and systemd/udev files get "# SPDX-License-Identifier: MIT" (after a #!
# line). Data and documents (.md, .txt lists, .gitignore) are left alone.
set -u
cd "$(dirname "$0")/.." || exit 2
ID="SPDX-License-Identifier: MIT"
check=0
[ "${1:-}" = --check ] && check=1
missing=0
while IFS= read -r f; do
    [ -f "$f" ] || continue
    case "$f" in
    *.c | *.h | *.ld | *.S | *.s) style=c ;;
    *.sh | *.py | *.cmake | */CMakeLists.txt | CMakeLists.txt | *.in | *.conf | *.rules | *.sysusers | .ci/run) style=hash ;;
    *) continue ;;
    esac
    head -n 3 "$f" | grep -q "SPDX-License-Identifier:" && continue
    if [ $check = 1 ]; then
        echo "no SPDX line: $f"
        missing=$((missing + 1))
        continue
    fi
    tmp=$(mktemp)
    if [ $style = c ]; then
        { echo "/* $ID */"; cat "$f"; } >"$tmp"
    elif head -n 1 "$f" | grep -q '^#!'; then
        { head -n 1 "$f"; echo "# $ID"; tail -n +2 "$f"; } >"$tmp"
    else
        { echo "# $ID"; cat "$f"; } >"$tmp"
    fi
    cat "$tmp" >"$f" # keeps the file's mode
    rm -f "$tmp"
done < <(git ls-files)
if [ $check = 1 ] && [ $missing -gt 0 ]; then
    echo "$missing file(s) without an SPDX line: run scripts/spdx.sh"
    exit 1
fi
exit 0
