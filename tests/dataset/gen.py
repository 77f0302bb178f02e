#!/usr/bin/python3
"""Writes small Edge Impulse JSON files for the tests: gen.py DIR LABEL:COUNT[:CATEGORY] ...
Values are deterministic (a seed per file) with 4 decimals, 3 axes, 100 Hz, 50..149 rows."""
import json, os, random, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
files = []
n = 0
for spec in sys.argv[2:]:
    parts = spec.split(':')
    label, count = parts[0], int(parts[1])
    cat = parts[2] if len(parts) > 2 else None
    for i in range(count):
        n += 1
        r = random.Random(f"{os.path.abspath(out)}/{label}/{n}")
        rows = [[round(r.uniform(-2, 2), 4) for _ in range(3)] for _ in range(50 + r.randrange(100))]
        d = {"protected": {"ver": "v1", "alg": "none", "iat": 1700000000 + n},
             "signature": "0" * 64,
             "payload": {"device_type": "TEST", "interval_ms": 10,
                         "sensors": [{"name": "accX", "units": "g"}, {"name": "accY", "units": "g"},
                                     {"name": "accZ", "units": "g"}],
                         "values": rows}}
        name = f"{label}.f{n}.json"
        with open(os.path.join(out, name), "w") as f:
            json.dump(d, f)
        if cat:
            files.append({"path": name, "name": name[:-5], "category": cat,
                          "label": {"type": "label", "label": label}})
if files:
    with open(os.path.join(out, "info.labels"), "w") as f:
        json.dump({"version": 1, "files": files}, f)
