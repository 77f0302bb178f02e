#!/usr/bin/env python3
"""nak.py PTY HASH -- send the classifier a validation chunk for another model (HASH xor 1), a chunk
of the wrong shape and a chunk out of order; expect NAK MODEL_MISMATCH (6), BAD_VALUE (3), BAD_VALUE.
The wire format is portable/proto.h: COBS(version, type, payload, crc32le) + 0x00."""
import os, select, struct, sys, termios, time, tty, zlib

def cobs(b):
    out, blk = bytearray(), bytearray()
    for x in b:
        if x == 0:
            out += bytes([len(blk) + 1]) + blk; blk = bytearray()
        else:
            blk.append(x)
            if len(blk) == 254:
                out += bytes([255]) + blk; blk = bytearray()
    return bytes(out + bytes([len(blk) + 1]) + blk)

def uncobs(b):
    out, i = bytearray(), 0
    while i < len(b):
        n = b[i]
        if n == 0 or i + n > len(b) + 0: return None
        out += b[i + 1:i + n]; i += n
        if n < 255 and i < len(b): out.append(0)
    return bytes(out)

def frame(t, payload):
    body = bytes([1, t]) + payload
    return b"\0" + cobs(body + struct.pack("<I", zlib.crc32(body))) + b"\0"

fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY); tty.setraw(fd)
h = int(sys.argv[2], 16)
buf = bytearray()
def nak_for(token, timeout=3.0):
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r: buf.extend(os.read(fd, 4096))
        while 0 in buf:
            i = buf.index(0); raw = bytes(buf[:i]); del buf[:i + 1]
            d = uncobs(raw) if raw else None
            if not d or len(d) < 6 or zlib.crc32(d[:-4]) != struct.unpack("<I", d[-4:])[0]: continue
            t, p = d[1], d[2:-4]
            if t in (6, 7) and struct.unpack("<H", p[:2])[0] == token:
                return (t, p[3] if t == 7 else None, p[4:].decode(errors="replace"))
    return None

def chunk(token, mh, total, off, cnt, na):
    return struct.pack("<HIHHHBB", token, mh, total, off, cnt, na, 0) + b"\1\0" * (cnt * na)

ok = True
for token, payload, want in ((101, chunk(101, h ^ 1, 104, 0, 4, 3), 6), (102, chunk(102, h, 50, 0, 4, 3), 3),
                             (103, chunk(103, h, 104, 8, 4, 3), 3)):
    os.write(fd, frame(0x88, payload))
    r = nak_for(token)
    print("token", token, "->", r)
    ok = ok and r is not None and r[0] == 7 and r[1] == want
sys.exit(0 if ok else 1)
