#!/usr/bin/python3
"""A stand-in for imulabd's control socket (docs/control.md), for imulab-tui's tests.

Usage: fake_daemon.py SOCKET MODE
  good     answers the protocol: status/samples events, labels, recordings, record start/stop
           (samples counted at 100 Hz while open), delete/undelete
  garbage  answers every request and event stream with junk (not JSON, wrong types, binary,
           an over-long line, replies nobody asked for)
  nodevice like good, but no device is connected (record start fails as imulabd's does)
  classifier like good, plus a CLASSIFICATION event every 100 ms (class cycles 0,1,2 each second)
"""
import asyncio, json, math, os, sys, time

SOCK, MODE = sys.argv[1], sys.argv[2]
RATE = 100.0
recs, open_rec = [], None
t0 = time.monotonic()


def status():
    return {"ok": True, "connected": MODE != "nodevice", "port": "/dev/fake", "mode": "text",
            "recording": open_rec is not None, "label": open_rec["label"] if open_rec else None,
            "recording_id": open_rec["id"] if open_rec else None, "subject": None,
            "category": "unassigned", "recording_samples": nsamples(open_rec) if open_rec else 0,
            "recording_seconds": 0, "sample_rate_hz": RATE, "axes": ["accX", "accY", "accZ"],
            "units": ["g", "g", "g"], "device": None, "frames": int((time.monotonic() - t0) * RATE),
            "bytes": 0, "crc_errors": 0, "framing_errors": 0, "resyncs": 0, "gaps": 0,
            "missing_samples": 0, "text_lines": 0, "bad_lines": 0, "frames_per_s": RATE,
            "db": "/tmp/fake.db", "db_errors": 0, "dropped_events": 0, "uptime_s": 1.0,
            "classification": None}


def nsamples(r):
    return int(((r["end"] or time.monotonic()) - r["start"]) * RATE)


def rec_json(r):
    return {"id": r["id"], "label": r["label"], "category": r["category"], "subject": r["subject"],
            "samples": nsamples(r), "seconds": nsamples(r) / RATE, "started_at": 0}


def tokens(line):
    out, i = [], 0
    dec = json.JSONDecoder()
    while i < len(line):
        if line[i] == ' ':
            i += 1
            continue
        if line[i] == '"':
            s, i = dec.raw_decode(line, i)
            out.append(s)
            continue
        j = line.find(' ', i)
        j = len(line) if j < 0 else j
        tok = line[i:j]
        if '=' in tok and tok.split('=', 1)[1].startswith('"'):
            k, rest = tok.split('=', 1)
            s, i = dec.raw_decode(line, i + len(k) + 1)
            out.append(k + '=' + s)
            continue
        out.append(tok)
        i = j
    return out


def handle(line):
    global open_rec
    t = tokens(line)
    if not t:
        return {"ok": False, "error": "empty request"}
    live = [r for r in recs if not r["deleted"]]
    if t[0] == "ping":
        return {"ok": True, "pong": True}
    if t[0] == "status":
        return status()
    if t[0] == "labels":
        labs = {}
        for r in live:
            e = labs.setdefault(r["label"], {"label": r["label"], "recordings": 0, "samples": 0, "seconds": 0})
            e["recordings"] += 1; e["samples"] += nsamples(r); e["seconds"] += nsamples(r) / RATE
        return {"ok": True, "labels": sorted(labs.values(), key=lambda e: e["label"])}
    if t[0] == "recordings":
        n = int(t[1]) if len(t) > 1 else 10
        return {"ok": True, "recordings": [rec_json(r) for r in reversed(live)][:n]}
    if t[:2] == ["record", "start"] and len(t) >= 3:
        if MODE == "nodevice":
            return {"ok": False, "error": "no device is connected"}
        if open_rec:
            return {"ok": False, "error": "a recording is already open"}
        opts = dict(x.split('=', 1) for x in t[3:] if '=' in x)
        open_rec = {"id": len(recs) + 1, "label": t[2], "category": opts.get("category", "unassigned"),
                    "subject": opts.get("subject"), "start": time.monotonic(), "end": None, "deleted": False}
        recs.append(open_rec)
        with open(SOCK + ".log", "a") as f:
            f.write(line + "\n")
        return {"ok": True, "recording_id": open_rec["id"], "label": t[2]}
    if t[:2] == ["record", "stop"]:
        if not open_rec:
            return {"ok": False, "error": "no recording is open"}
        open_rec["end"] = time.monotonic()
        r, open_rec = open_rec, None
        with open(SOCK + ".log", "a") as f:
            f.write("stopped %s %d\n" % (r["label"], nsamples(r)))
        return {"ok": True, **rec_json(r), "recording_id": r["id"], "gaps": 0}
    if t[0] in ("delete", "undelete") and len(t) == 2:
        for r in recs:
            if str(r["id"]) == t[1]:
                r["deleted"] = t[0] == "delete"
                return {"ok": True, "id": r["id"]}
        return {"ok": False, "error": "no recording " + t[1]}
    return {"ok": False, "error": "unknown request"}


GARBAGE = [b"this is not json\n", b"[1,2,3]\n", b'{"ok":"yes","labels":7}\n', b"\x01\x02\xff\xfe\x1b[2J\n",
           b'{"ok":true,"labels":[{"label":5},{"label":"\\u0007bell"},null]}\n',
           b'{"ok":true,"recordings":[{"id":"x","label":null}]}\n', b"\n", b"x" * 300000 + b"\n",
           b'{"event":"samples","axes":[1,2],"values":[[1,"a"],null,[1e308,-1e308]]}\n',
           b'{"event":"status","connected":"maybe","device":[1],"classification":{"scores":"no"}}\n',
           b'{"event":"classification","class":99,"scores":[1,2,3,"x",5000,-9999]}\n']


async def events(w):
    i = 0
    while True:
        await asyncio.sleep(0.05)
        if MODE == "garbage":
            w.write(GARBAGE[i % len(GARBAGE)]); i += 1
        else:
            t = time.monotonic() - t0
            vals = [[math.sin(2 * math.pi * (t + k / RATE)), math.cos(3 * (t + k / RATE)), 0.5 * ((i + k) % 20) / 20]
                    for k in range(5)]
            i += 5
            w.write((json.dumps({"event": "samples", "t": time.time(), "rate_hz": RATE,
                                 "axes": ["accX", "accY", "accZ"], "values": vals}) + "\n").encode())
            if MODE == "classifier" and i % 10 == 0:
                c = int(t) % 3
                w.write((json.dumps({"event": "classification", "class": c, "instructions": 41234,
                                     "scores": [100 if k == c else -100 for k in range(3)]}) + "\n").encode())
            if i % 50 == 0:
                w.write((json.dumps({"event": "status", **status()}) + "\n").encode())
        await w.drain()


async def client(r, w):
    task = None
    try:
        while True:
            line = await r.readline()
            if not line:
                break
            line = line.decode(errors="replace").rstrip("\n")
            if MODE == "garbage":
                w.write(GARBAGE[hash(line) % len(GARBAGE)])
                if line == "subscribe" and not task:
                    task = asyncio.ensure_future(events(w))
            elif line == "subscribe":
                w.write(b'{"ok":true,"subscribed":true}\n')
                w.write((json.dumps({"event": "status", **status()}) + "\n").encode())
                task = asyncio.ensure_future(events(w))
            else:
                w.write((json.dumps(handle(line)) + "\n").encode())
            await w.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        if task:
            task.cancel()
        w.close()


async def main():
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    srv = await asyncio.start_unix_server(client, SOCK, limit=1 << 20)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
