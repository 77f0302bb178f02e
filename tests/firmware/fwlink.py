#!/usr/bin/env python3
"""fwlink.py -- talk to the streamer firmware over a serial device or pty (test helper).

  fwlink.py DEV [--seconds S] [--cmd TYPE:HEXPAYLOAD ...] [--json]

Decodes COBS/CRC frames (portable/proto.h), sends the given commands (token added), and
prints a JSON summary: frames per type, samples, measured rate, sequence gaps, CRC errors,
the last HELLO, ACK/NAK seen, ERROR codes, mean per-axis values per second.
"""
import argparse, json, os, select, struct, sys, termios, time, tty, zlib

TYPES = {1: "HELLO", 2: "SAMPLES", 3: "CLASSIFICATION", 4: "LOG", 5: "ERROR", 6: "ACK", 7: "NAK", 8: "STATS"}


def cobs_encode(data):
    out, code_at, code = bytearray([0]), 0, 1
    for b in data:
        if b == 0:
            out[code_at] = code
            code_at, code = len(out), 1
            out.append(0)
        else:
            out.append(b)
            code += 1
            if code == 0xFF:
                out[code_at] = code
                code_at, code = len(out), 1
                out.append(0)
    out[code_at] = code
    return bytes(out)


def cobs_decode(data):
    out, i = bytearray(), 0
    while i < len(data):
        code = data[i]
        i += 1
        if code == 0 or i + code - 1 > len(data):
            return None
        out += data[i:i + code - 1]
        i += code - 1
        if code != 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def frame(ftype, payload):
    body = bytes([1, ftype]) + payload
    return cobs_encode(body + struct.pack("<I", zlib.crc32(body))) + b"\0"


def parse_hello(p):
    board = p[4:20].split(b"\0")[0].decode()
    sensor = p[20:36].split(b"\0")[0].decode()
    rate, acc, gyr, flags, baud, mh, spf, nax = struct.unpack_from("<HBHBIIBB", p, 36)
    axes = [p[64 + 20 * a:72 + 20 * a].split(b"\0")[0].decode() for a in range(nax)]
    return dict(board=board, sensor=sensor, rate=rate, accel_g=acc, gyro_dps=gyr, flags=flags,
                baud=baud, spf=spf, axes=axes)


class Link:
    def __init__(self, dev):
        self.fd = os.open(dev, os.O_RDWR | os.O_NOCTTY)
        try:
            tty.setraw(self.fd)
        except termios.error:
            pass
        self.buf = bytearray()
        self.token = 1
        self.st = dict(frames={}, samples=0, gaps=0, crc_errors=0, framing_errors=0, hello=None,
                       acks=[], naks=[], errors=[], first_t_us=None, last_t_us=None, seqs=0, bytes=0)
        self.last_seq = None
        self.sums = []
        self.synced = False

    def send(self, ftype, payload=b""):
        tok = self.token
        self.token += 1
        os.write(self.fd, frame(ftype, struct.pack("<H", tok) + payload))
        return tok

    def handle(self, raw):
        body = cobs_decode(raw)
        st = self.st
        if body is None or len(body) < 6:
            st["framing_errors"] += 1
            return
        if zlib.crc32(body[:-4]) != struct.unpack("<I", body[-4:])[0]:
            st["crc_errors"] += 1
            return
        t, p = body[1], body[2:-4]
        name = TYPES.get(t, hex(t))
        st["frames"][name] = st["frames"].get(name, 0) + 1
        if t == 1:
            st["hello"] = parse_hello(p)
        elif t == 2:
            seq, t_us, count, nax = struct.unpack_from("<IQHB", p)
            if self.last_seq is not None and seq != (self.last_seq + 1) & 0xFFFFFFFF:
                st["gaps"] += 1
            self.last_seq = seq
            st["samples"] += count
            st["seqs"] += 1
            if st["first_t_us"] is None:
                st["first_t_us"] = t_us
            st["last_t_us"] = t_us
            vals = struct.unpack_from("<%dh" % (count * nax), p, 16)
            for i in range(count):
                self.sums.append(vals[i * nax:(i + 1) * nax])
        elif t == 6:
            st["acks"].append(list(struct.unpack_from("<HB", p)))
        elif t == 7:
            tok, cmd, reason = struct.unpack_from("<HBB", p)
            st["naks"].append([tok, cmd, reason, p[4:].decode(errors="replace")])
        elif t == 5:
            st["errors"].append([struct.unpack_from("<H", p)[0], p[2:].decode(errors="replace")])

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                continue
            data = os.read(self.fd, 4096)
            self.st["bytes"] += len(data)
            for b in data:
                if b == 0:
                    if self.synced and self.buf:
                        self.handle(bytes(self.buf))
                    self.synced = True  # the first run may be a partial frame: skip it
                    self.buf.clear()
                else:
                    self.buf.append(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dev")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--cmd", action="append", default=[], help="TYPE:HEX, e.g. 0x83:c800")
    ap.add_argument("--settle", type=float, default=0.3)
    a = ap.parse_args()
    link = Link(a.dev)
    link.pump(a.settle)
    for c in a.cmd:
        t, _, hx = c.partition(":")
        link.send(int(t, 0), bytes.fromhex(hx))
        link.pump(0.05)
    link.st.update(samples=0, seqs=0, first_t_us=None, gaps=0)
    link.last_seq = None
    link.sums.clear()
    t0 = time.monotonic()
    link.pump(a.seconds)
    el = time.monotonic() - t0
    st = link.st
    st["wall_rate"] = st["samples"] / el
    if st["first_t_us"] is not None and st["seqs"] > 1:
        st["device_span_s"] = (st["last_t_us"] - st["first_t_us"]) / 1e6
    n = len(link.sums)
    if n:
        st["mean"] = [sum(s[a] for s in link.sums) / n for a in range(len(link.sums[0]))]
        st["absdev"] = [sum(abs(s[a] - st["mean"][a]) for s in link.sums) / n for a in range(len(link.sums[0]))]
    print(json.dumps(st))


if __name__ == "__main__":
    main()
