#!/bin/bash
# HS256: exported signatures are what Edge Impulse computes (HMAC-SHA256 over the JSON with a
# signature of 64 zeros) and import --hmac-key verifies them.
. "$(dirname "$0")/lib.sh"
$PY "$(dirname "$0")/gen.py" "$T/in" wave:2
expect 0 im import "$T/in"
expect 0 im export --format ei-json --out "$T/s" --hmac-key "s3cret key"
$PY - "$T/s" <<'P' || fail "signature is not HMAC-SHA256 of the JSON with a zero signature"
import glob, hashlib, hmac, json, sys
for f in glob.glob(sys.argv[1] + "/*.json"):
    text = open(f).read()
    d = json.loads(text)
    assert d["protected"]["alg"] == "HS256"
    sig = d["signature"]
    zeroed = text.replace(sig, "0" * 64)
    assert hmac.new(b"s3cret key", zeroed.encode(), hashlib.sha256).hexdigest() == sig, f
    # and the same as signing the re-encoded object the way Edge Impulse's examples do
    d["signature"] = "0" * 64
    enc = json.dumps(d, separators=(",", ":"))
    assert hmac.new(b"s3cret key", enc.encode(), hashlib.sha256).hexdigest() == sig, "re-encoded " + f
P
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
