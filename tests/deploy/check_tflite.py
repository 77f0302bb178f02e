#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check_tflite.py [--parse-only] [--inputs FILE] TFLITE MODEL_DIR DUMP -- an independent runtime runs imulab's .tflite.

Arm NN (Debian's python3-pyarmnn, CpuRef backend) loads the file written by
`imulab export-model --format tflite` and runs it on every testing window's int8 input (the
features of `imulab eval --dump-windows`, quantized with model.json's input_mul/input_add exactly
as imu_nn_quantize_input does in float32). Its int8 outputs are compared with imulab's.

The known difference, named and bounded: CpuRef does not compute the TFLite integer arithmetic.
It dequantizes inputs, weights and biases to float32, sums in float32 and rounds the result half
away from zero, where TFLite (and imulab, bit for bit) rescales the int32 accumulator with a
fixed-point multiplier M0 * 2^shift and rounds twice (SaturatingRoundingDoublingHighMul to an
integer of 2^shift output units, then RoundingDivideByPOT). Both approximate the same real value
v = acc * s_in * s_w / s_out, so they can differ only where v is close to a rounding boundary
(k + 0.5): a near-tie. The integer path is within 2^(shift-1) + |v| 2^-30 of v (the first
rounding and the 31-bit multiplier), CpuRef within the float32 error of its sum. This script
recomputes every layer in exact integers (and checks that this reproduces imulab eval's scores
byte for byte), bounds the gap for every output,
    delta = 2^(shift-1) + |v| 2^-30 + 2 (n_in + 4) 2^-24 (sum_i |x_i w_i| s_in s_w + |b| s_b) / s_out,
flags the outputs with |v - (k + 0.5)| < delta, and requires:
  - every window without a near-tie: Arm NN's outputs equal imulab's exactly;
  - a window with near-ties: Arm NN's outputs equal those of the exact network with some of its
    near-tie outputs rounded to the other side (all combinations are tried, up to 2^12).
Exit 0 and a summary line when that holds; 1 with the offending windows otherwise.
--parse-only stops after Arm NN's parser has read the file and its input and output tensors were
checked against the model (for the FULLY_CONNECTED form, which CpuRef cannot run per-channel: it
aborts in GetBiasTypeFromWeightsType). --inputs FILE: the network inputs the exported C library
computed (tests/deploy/replay.c), which must equal the quantized features. Exit 77 when pyarmnn is
not installed.
"""
import itertools
import json
import logging
import sys

logging.getLogger("pyarmnn").setLevel(logging.ERROR)
import numpy as np  # noqa: E402

try:
    import pyarmnn as ann  # noqa: E402
except ImportError:
    print("skip: python3-pyarmnn is not installed")
    sys.exit(77)


def load_dump(path, n_classes, n_feat):
    wins = []
    with open(path) as f:
        head = f.readline().split()
        if head[:2] != ["imulab-eval-windows", "2"]:
            raise SystemExit(f"{path}: not an imulab eval dump (version 2)")
        for line in f:
            if line.startswith("window "):  # window REC START LEN LABEL scores... features...
                t = line.split()
                scores = [int(x) for x in t[5:5 + n_classes]]
                feats = np.array([float(x) for x in t[5 + n_classes:5 + n_classes + n_feat]], dtype=np.float32)
                wins.append((int(t[1]), int(t[2]), scores, feats))
    return head[2], wins


def srdhm(a, b):
    if a == b == -2**31:
        return 2**31 - 1
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    q = ab + nudge
    return int(q / 2**31) if abs(q) < 2**52 else (q // 2**31 if q >= 0 else -((-q) // 2**31))


def rdbpot(x, e):
    mask = (1 << e) - 1
    rem = x & mask
    th = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if rem > th else 0)


def mbqm(x, mult, shift):
    if shift > 0:
        x = max(-2**31, min(2**31 - 1, x * (1 << shift)))
        return srdhm(x, mult)
    return rdbpot(srdhm(x, mult), -shift)


class Net:
    def __init__(self, model):
        q = model["quantization"]
        self.sizes = model["network"]["sizes"]
        self.s = [float(np.float32(v)) for v in q["activation_scale"]]
        self.zp = q["activation_zero_point"]
        self.in_mul = np.array(q["input_mul"], dtype=np.float32)
        self.in_add = np.array(q["input_add"], dtype=np.float32)
        self.layers = []
        for k, L in enumerate(q["layers"]):
            n_in, n_out = self.sizes[k], self.sizes[k + 1]
            w = np.array(L["weights"], dtype=np.int64).reshape(n_out, n_in)
            sw = np.array(L["weight_scale"], dtype=np.float32).astype(np.float64)
            self.layers.append((w, np.array(L["bias"], dtype=np.int64), L["multiplier"], L["shift"], sw))

    def quantize_input(self, f):
        r = f * self.in_mul + self.in_add  # float32, no fused multiply-add (numpy)
        q = np.empty(len(r), dtype=np.int64)
        for i, v in enumerate(r):
            if v != v:
                q[i] = self.zp[0]
            elif v >= 127:
                q[i] = 127
            elif v <= -128:
                q[i] = -128
            else:
                q[i] = int(np.float32(v + np.float32(0.5)) if v >= 0 else np.float32(v - np.float32(0.5)))
        return q

    def layer(self, k, x, flip=()):
        """Exact int8 outputs of layer k for int8 inputs x; with the near-tie outputs in flip
        rounded the other way. Returns (outputs, near-tie output indices with their other value)."""
        w, b, mult, shift, sw = self.layers[k]
        s_in, s_out, zp_in, zp_out = self.s[k], self.s[k + 1], self.zp[k], self.zp[k + 1]
        last = k == len(self.layers) - 1
        lo, hi = (-128, 127) if last else (zp_out, 127)
        xc = x - zp_in
        acc = w @ xc + b
        mag = np.abs(w) @ np.abs(xc)
        y, ties = [], {}
        for j in range(len(acc)):
            a = int(acc[j])
            yi = zp_out + mbqm(a, mult[j], shift[j])
            v = a * (s_in * sw[j] / s_out)
            delta = (2 * (len(x) + 4) * 2.0**-24 * (float(mag[j]) * s_in * sw[j] + abs(int(b[j])) * s_in * sw[j]) / s_out
                     + abs(v) * 2.0**-30 + (2.0**(shift[j] - 1) if shift[j] <= 0 else 0.0))
            frac = v - np.floor(v)
            if abs(frac - 0.5) < delta:  # a near-tie: the other rounding is floor or ceil
                other = zp_out + (int(np.floor(v)) if yi - zp_out == int(np.floor(v)) + 1 else int(np.floor(v)) + 1)
                other = max(lo, min(hi, other))
                yc = max(lo, min(hi, yi))
                if other != yc:
                    ties[j] = other
            if j in flip and j in ties:
                yi = ties[j]
            y.append(max(lo, min(hi, yi)))
        return np.array(y, dtype=np.int64), ties

    def run(self, q):
        x = q
        for k in range(len(self.layers)):
            x, _ = self.layer(k, x)
        return x

    def alternatives(self, q, limit=4096):
        """All outputs reachable by rounding near-ties the other way (None if too many)."""
        outs = set()
        frontier = [q]
        for k in range(len(self.layers)):
            nxt = []
            for x in frontier:
                y, ties = self.layer(k, x)
                keys = list(ties)
                if 2 ** len(keys) * len(frontier) > limit:
                    return None
                for r in range(len(keys) + 1):
                    for sub in itertools.combinations(keys, r):
                        nxt.append(self.layer(k, x, set(sub))[0] if sub else y)
            frontier = nxt
        for y in frontier:
            outs.add(tuple(int(v) for v in y))
        return outs


def main():
    args = sys.argv[1:]
    parse_only = args[:1] == ["--parse-only"]
    if parse_only:
        args = args[1:]
    lib_inputs = None
    if args[:1] == ["--inputs"]:  # the exported C library's imulab_network_input(), one line per window
        with open(args[1]) as f:
            lib_inputs = [[int(v) for v in line.split()] for line in f]
        args = args[2:]
    if len(args) != 3:
        raise SystemExit("usage: check_tflite.py [--parse-only] [--inputs FILE] TFLITE MODEL_DIR DUMP")
    tfl, mdir, dump = args
    with open(f"{mdir}/model.json") as f:
        model = json.load(f)
    net = Net(model)
    n_classes, n_feat = len(model["labels"]), model["features"]["count"]
    h, wins = load_dump(dump, n_classes, n_feat)
    if h != model["hash"]:
        raise SystemExit(f"{dump} is for model {h}, {mdir} holds {model['hash']}")

    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(tfl)
    ins, outs = parser.GetSubgraphInputTensorNames(0), parser.GetSubgraphOutputTensorNames(0)
    ib = parser.GetNetworkInputBindingInfo(0, ins[0])
    ob = parser.GetNetworkOutputBindingInfo(0, outs[0])
    # the file's own description of its input and output
    for what, info, k in (("input", ib[1], 0), ("output", ob[1], len(net.layers))):
        shape = [info.GetShape()[i] for i in range(info.GetShape().GetNumDimensions())]
        want = [1, net.sizes[k]]
        if shape != want or info.GetQuantizationOffset() != net.zp[k] or \
                abs(info.GetQuantizationScale() - net.s[k]) > 1e-7 * net.s[k]:
            raise SystemExit(f"{tfl}: {what} is {shape} scale {info.GetQuantizationScale()} zero point "
                             f"{info.GetQuantizationOffset()}, the model's is {want} {net.s[k]} {net.zp[k]}")
    if parse_only:
        print(f"Arm NN {ann.ARMNN_VERSION} parsed {tfl}: input {list(ins)} [1, {net.sizes[0]}], output {list(outs)} "
              f"[1, {net.sizes[-1]}], quantization as the model's")
        return 0
    rt = ann.IRuntime(ann.CreationOptions())
    try:
        opt, msgs = ann.Optimize(network, [ann.BackendId("CpuRef")], rt.GetDeviceSpec(), ann.OptimizerOptions())
    except RuntimeError as e:
        raise SystemExit(f"Arm NN cannot use CpuRef ({e}): install libarmnn-cpuref-backend22")
    net_id, _ = rt.LoadNetwork(opt)

    same = ties_win = explained = 0
    bad = []
    maxdiff = 0
    agree = 0
    if lib_inputs is not None and len(lib_inputs) != len(wins):
        raise SystemExit(f"{len(lib_inputs)} inputs from the C library for {len(wins)} windows")
    for w, (rec, start, scores, feats) in enumerate(wins):
        q = net.quantize_input(feats)
        if lib_inputs is not None and list(q) != lib_inputs[w]:
            raise SystemExit(f"recording {rec} window {start}: the C library's network input differs from "
                             f"model.json's quantization of imulab eval's features")
        ref = net.run(q)
        if list(ref) != scores:
            raise SystemExit(f"the exact integer reference gives {list(ref)} for recording {rec} window {start}, "
                             f"imulab eval {scores}: this checker is wrong")
        it = ann.make_input_tensors([ib], [q.astype(np.int8).reshape(1, -1)])
        ot = ann.make_output_tensors([ob])
        rt.EnqueueWorkload(net_id, it, ot)
        y = [int(v) for v in ann.workload_tensors_to_ndarray(ot)[0].reshape(-1)]
        maxdiff = max(maxdiff, max(abs(a - b) for a, b in zip(y, scores)))
        agree += int(np.argmax(y) == np.argmax(scores))
        alts = net.alternatives(q)
        if alts is not None and len(alts) > 1:
            ties_win += 1
        if y == scores:
            same += 1
        elif alts is not None and tuple(y) in alts:
            explained += 1
        else:
            bad.append((rec, start, scores, y))
    print(f"Arm NN {ann.ARMNN_VERSION} CpuRef on {len(wins)} windows: {same} identical to imulab, "
          f"{explained} differ only by near-tie rounding ({ties_win} windows have a near-tie), "
          f"{len(bad)} unexplained; max |difference| {maxdiff}; same class {agree}/{len(wins)}")
    for rec, start, s, y in bad[:10]:
        print(f"  recording {rec} window {start}: imulab {s}, Arm NN {y}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
