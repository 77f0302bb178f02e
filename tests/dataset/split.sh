#!/bin/bash
# SPDX-License-Identifier: MIT
# split: stratified per label, stable, never moves assigned recordings unless --reassign,
# --by-subject keeps subjects on one side.
. "$(dirname "$0")/lib.sh"
gen "$T/in" wave:10 idle:20
expect 0 im import "$T/in"
cp "$DB" "$T/copy.db"
expect 0 im split --test-ratio 0.2
[ "$(count "SELECT count(*) FROM recordings WHERE category='unassigned'")" = 0 ] || fail "unassigned left"
[ "$(count "SELECT count(*) FROM recordings WHERE label='wave' AND category='testing'")" = 2 ] || fail "wave 2 testing"
[ "$(count "SELECT count(*) FROM recordings WHERE label='idle' AND category='testing'")" = 4 ] || fail "idle 4 testing"
# stable: the same data splits the same way, whatever the order it was imported in. The second
# database gets the files one by one in reverse order, so its ids and row order differ from the
# first's (checked: otherwise the comparison could not tell an order-dependent split).
"$IMULAB" --db "$T/copy.db" split >/dev/null || fail "split copy"
a=$(count "SELECT group_concat(content_hash||category) FROM (SELECT * FROM recordings ORDER BY content_hash)")
b=$(sqlite3 "$T/copy.db" "SELECT group_concat(content_hash||category) FROM (SELECT * FROM recordings ORDER BY content_hash)")
[ "$a" = "$b" ] || fail "split is not stable"
for f in $(ls -r "$T/in"/*.json); do
  "$IMULAB" --db "$T/rev.db" import "$f" >/dev/null || fail "import $f into rev.db"
done
ida=$(count "SELECT group_concat(content_hash||':'||id) FROM (SELECT * FROM recordings ORDER BY content_hash)")
idb=$(sqlite3 "$T/rev.db" "SELECT group_concat(content_hash||':'||id) FROM (SELECT * FROM recordings ORDER BY content_hash)")
[ "$ida" != "$idb" ] || fail "the reversed import gave the same ids: the check below could not fail"
"$IMULAB" --db "$T/rev.db" split --test-ratio 0.2 >/dev/null || fail "split rev.db"
c=$(sqlite3 "$T/rev.db" "SELECT group_concat(content_hash||category) FROM (SELECT * FROM recordings ORDER BY content_hash)")
[ "$a" = "$c" ] || fail "split depends on the import order (ids, row order), not only on the content"
# assigned recordings stay; new ones are split around them
snap() { count "SELECT group_concat(id||category) FROM (SELECT * FROM recordings WHERE id<=30 ORDER BY id)"; }
snapshot=$(snap)
expect 0 im split --json; [ "$(json .changed)" = 0 ] || fail "a second split moved recordings"
gen "$T/more" wave:5
expect 0 im import "$T/more"
expect 0 im split
[ "$(snap)" = "$snapshot" ] || fail "assigned moved"
[ "$(count "SELECT count(*) FROM recordings WHERE label='wave' AND category='testing'")" = 3 ] || fail "15 wave -> 3 testing"
# --dry-run changes nothing; --reassign redoes everything
expect 0 im split --reassign --test-ratio 0.5 --dry-run
[ "$(count "SELECT count(*) FROM recordings WHERE category='testing'")" = 7 ] || fail "dry run changed"
expect 0 im split --reassign --test-ratio 0.5
[ "$(count "SELECT count(*) FROM recordings WHERE label='idle' AND category='testing'")" = 10 ] || fail "reassign"
# --by-subject
sqlite3 "$DB" "UPDATE recordings SET category='unassigned', subject='p' || (id % 5)"
expect 0 im split --by-subject --test-ratio 0.2
mixed=$(count "SELECT count(*) FROM (SELECT subject FROM recordings GROUP BY subject HAVING count(DISTINCT category) > 1)")
[ "$mixed" = 0 ] || fail "a subject is on both sides"
t=$(count "SELECT count(DISTINCT subject) FROM recordings WHERE category='testing'")
[ "$t" = 1 ] || fail "by-subject: $t testing subjects (want 1 of 5)"
echo ok
