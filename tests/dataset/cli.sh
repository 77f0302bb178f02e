#!/bin/bash
# SPDX-License-Identifier: MIT
# Global options, --help everywhere, usage errors (exit 2, one line), default paths.
. "$(dirname "$0")/lib.sh"
expect 0 "$IMULAB" --help
out_has "--db FILE"; out_has "IMULAB_DB"; out_has "import"
IMULAB_DB=$T/env.db expect 0 "$IMULAB" --help
out_has "$T/env.db"
for c in list stats show plot relabel rm restore purge trim split windows import export; do
  expect 0 "$IMULAB" --db "$DB" $c --help
  out_has "usage: imulab $c"
done
expect 2 "$IMULAB"
expect 2 "$IMULAB" --db
expect 2 "$IMULAB" --bogus list
expect 2 "$IMULAB" frobnicate
err_has "unknown command 'frobnicate'"
expect 2 im list --bogus
err_has "unknown option '--bogus'"
[ "$(wc -l < "$T/err")" = 1 ] || fail "usage error is not one line: $(cat "$T/err")"
expect 2 im list --category nope
err_has "--category must be"
expect 2 im list --label
err_has "needs a value"
expect 2 im show abc
expect 2 im trim 1
expect 2 im windows
expect 2 im export --format xml --out "$T/x"
expect 2 im import
expect 2 im relabel 1
expect 2 im split --test-ratio 1.5
# a database that does not exist yet lists as empty and is not created by reading
expect 0 im list --json
[ "$(json length)" = 0 ] || fail "list --json on no database"
expect 0 im stats --json
[ "$(json .recordings)" = 0 ] || fail "stats on no database"
[ -e "$DB" ] && fail "reading created the database"
# IMULAB_DB is used when --db is absent
IMULAB_DB=$DB expect 1 "$IMULAB" import "$T/none"
err_has "$T/none"
echo ok
