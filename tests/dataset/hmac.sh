#!/bin/bash
# SPDX-License-Identifier: MIT
# HS256: exported signatures are what Edge Impulse computes (HMAC-SHA256 over the JSON with a
# signature of 64 zeros) and import --hmac-key verifies them.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "openssl missing"; exit 77; }
gen "$T/in" wave:2
expect 0 im import "$T/in"
expect 0 im export --format ei-json --out "$T/s" --hmac-key "s3cret key"
ZEROS=0000000000000000000000000000000000000000000000000000000000000000
hmac() { openssl dgst -sha256 -hmac "s3cret key" -r | cut -d" " -f1; }
shopt -s nullglob
for f in "$T/s"/*.json; do
  "$TOOLS/jget" -f "$f" -e '.protected.alg == "HS256"' || fail "$f: alg is not HS256"
  sig=$("$TOOLS/jget" -f "$f" .signature)
  # an HMAC-SHA256 in hex, and a string in the JSON
  [[ $sig =~ ^[0-9a-f]{64}$ ]] && "$TOOLS/jget" -f "$f" -e ".signature == \"$sig\"" || fail "$f: signature $sig"
  # HMAC of the file with the signature replaced by 64 zeros
  [ "$(sed "s/$sig/$ZEROS/g" "$f" | hmac)" = "$sig" ] \
    || fail "signature is not HMAC-SHA256 of the JSON with a zero signature: $f"
  # and the same as signing the re-encoded object the way Edge Impulse's examples do
  # (json.dumps with separators=(",", ":"))
  [ "$("$TOOLS/jget" -f "$f" -s ".signature=\"$ZEROS\"" -c | hmac)" = "$sig" ] || fail "re-encoded $f"
done
shopt -u nullglob
DB=$T/b.db
expect 0 im import --hmac-key "s3cret key" "$T/s"
[ "$(count 'SELECT count(*) FROM recordings')" = 2 ] || fail "verified import"
DB=$T/c.db
expect 1 im import --hmac-key "wrong" "$T/s"; err_has "does not match the HMAC key"
f=$(ls "$T/s"/*.json | head -1)
sed -i 's/"values":\[\[/"values":[[1.5,/; s/\[\[1\.5,[^,]*,/[[1.5,/' "$f"
expect 1 im import --hmac-key "s3cret key" "$f"; err_has "does not match"
expect 1 im import --hmac-key "k" "$T/in/wave.f1.json"; err_has "not signed"
expect 0 im import "$T/s"   # without a key the signature is not checked
[ -e "$DB" ] && [ "$(count 'SELECT count(*) FROM recordings')" = 2 ] || fail "unverified import"
echo ok
