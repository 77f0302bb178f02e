#!/bin/bash
# SPDX-License-Identifier: MIT
# The quick start's database and socket are where `imulab` and `imulab-tui` look by default
# (issue 16, defect 14: as non-root the daemon listened on $XDG_RUNTIME_DIR/imulab/imulabd.sock,
# the CLI looked at $XDG_RUNTIME_DIR/imulab.sock). Checked as root, and as an unprivileged user
# (setpriv) with and without XDG_RUNTIME_DIR / XDG_DATA_HOME.
. "$(dirname "$0")/lib.sh"
BIN=$(dirname "$IMULAB")
now() { sed -n "s/.*$1.*(now: \(.*\))$/\1/p" | head -n 1; }
# check WHO ENV...: compare under the given environment (WHO: root or user)
check() {
  local who=$1; shift
  local run=()
  [ "$who" = user ] && run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  local qs cli_db cli_sock tui_sock
  qs=$(env -i PATH="$PATH" HOME=/nonexistent "$@" "${run[@]}" bash "$SRC/scripts/quickstart.sh" --print-paths) \
    || fail "quickstart --print-paths ($who $*)"
  cli_db=$(env -i PATH="$PATH" HOME=/nonexistent "$@" "${run[@]}" "$IMULAB" --help | now "--db FILE")
  cli_sock=$(env -i PATH="$PATH" HOME=/nonexistent "$@" "${run[@]}" "$IMULAB" --help | now "--socket PATH")
  tui_sock=$(env -i PATH="$PATH" HOME=/nonexistent "$@" "${run[@]}" "$BIN/imulab-tui" --help | now "--socket PATH")
  [ -n "$cli_sock" ] && [ -n "$cli_db" ] && [ -n "$tui_sock" ] || fail "no defaults in --help ($who $*)"
  [ "$qs" = "$(printf 'db=%s\nsocket=%s' "$cli_db" "$cli_sock")" ] \
    || fail "$who $*: quickstart uses '$(echo $qs)', imulab looks at db=$cli_db socket=$cli_sock"
  [ "$tui_sock" = "$cli_sock" ] || fail "$who $*: imulab-tui looks at $tui_sock, imulab at $cli_sock"
}
check root
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  check user XDG_RUNTIME_DIR=/run/user/65534 XDG_DATA_HOME=/tmp/xdgdata
  check user XDG_RUNTIME_DIR=/run/user/65534
  check user
  echo "PASS: quickstart paths match the CLI and TUI defaults (root and unprivileged)"
else
  echo "PASS: quickstart paths match the CLI and TUI defaults (root only: setpriv or root missing)"
fi
