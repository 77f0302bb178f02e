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
    """TFLite's SaturatingRoundingDoublingHighMul, element-wise on int64 arrays."""
    a = np.asarray(a, dtype=np.int64)
    ab = a * np.int64(b)  # |a|, |b| < 2^31: fits
    q = ab + np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    r = np.where(q >= 0, q >> 31, -((-q) >> 31))  # division truncating toward zero
    return np.where((a == -2**31) & (np.int64(b) == -2**31), np.int64(2**31 - 1), r)


def rdbpot(x, e):
    mask = np.int64((1 << e) - 1)
    rem = x & mask
    th = (mask >> 1) + (x < 0).astype(np.int64)
    return (x >> e) + (rem > th).astype(np.int64)


def mbqm(x, mult, shift):
    """MultiplyByQuantizedMultiplier of int64 accumulators x (one multiplier and shift each)."""
    x = np.asarray(x, dtype=np.int64)
    out = np.empty_like(x)
    for j in range(x.shape[-1]):
        m, s = int(mult[j]), int(shift[j])
        if s > 0:
            out[..., j] = srdhm(np.clip(x[..., j] * (1 << s), -2**31, 2**31 - 1), m)
        else:
            out[..., j] = rdbpot(srdhm(x[..., j], m), -s)
    return out


def requant(acc, mag, bias, mult, shift, s_in, sw, s_out, zp_out, n_in, lo, hi):
    """Exact int8 outputs of int64 accumulators (last axis: output channel), and the near-ties:
    {index: the other rounding} where CpuRef's float result v = acc s_in sw / s_out may round to
    the other side (|v - (k + 1/2)| below the bound of the module docstring)."""
    y = np.clip(zp_out + mbqm(acc, mult, shift), lo, hi)
    v = acc * (s_in * sw / s_out)
    sh = np.array(shift, dtype=np.float64)
    delta = (2 * (n_in + 4) * 2.0**-24 * (mag + np.abs(bias)) * s_in * sw / s_out + np.abs(v) * 2.0**-30
             + np.where(sh <= 0, 2.0**(sh - 1), 0.0))
    ties = {}
    fl = np.floor(v)
    for j in zip(*np.nonzero(np.abs(v - fl - 0.5) < delta)):
        other = zp_out + (int(fl[j]) if y[j] - zp_out == int(fl[j]) + 1 else int(fl[j]) + 1)
        other = max(lo, min(hi, other))
        if other != y[j]:
            ties[j] = other
    return y, ties


class Dense:
    """A dense layer: int8 [n_in] -> int8 [n_out]."""

    def __init__(self, w, b, mult, shift, sw, s_in, zp_in, s_out, zp_out, relu):
        self.w, self.b, self.mult, self.shift, self.sw = w, b, mult, shift, sw
        self.s_in, self.zp_in, self.s_out, self.zp_out = s_in, zp_in, s_out, zp_out
        self.lo, self.hi = (zp_out, 127) if relu else (-128, 127)

    def run(self, x):
        xc = x - self.zp_in
        acc = self.w @ xc + self.b
        mag = (np.abs(self.w) @ np.abs(xc)).astype(np.float64)
        return requant(acc, mag, self.b, self.mult, self.shift, self.s_in, self.sw, self.s_out, self.zp_out,
                       len(x), self.lo, self.hi)


class Conv:
    """A conv layer (imulab's "same" padding = TFLite's SAME, stride, ReLU): int8 [len, ch_in]
    time-major -> int8 [len_out, ch_out]. Padding rows are real zeros (the input's zero point)."""

    def __init__(self, L, len_in, ch_in, s_in, zp_in):
        self.k, self.stride, self.co = L["kernel"], L["stride"], L["channels"]
        self.w = np.array(L["int8_weights"], dtype=np.int64).reshape(self.co, self.k * ch_in)
        self.b = np.array(L["int32_bias"], dtype=np.int64)
        self.mult, self.shift = L["multiplier"], L["shift"]
        self.sw = np.array(L["weight_scale"], dtype=np.float32).astype(np.float64)
        self.s_in, self.zp_in = s_in, zp_in
        self.s_out, self.zp_out = float(np.float32(L["output_scale"])), L["output_zero_point"]
        self.len_in, self.ch_in = len_in, ch_in
        self.len_out = (len_in + self.stride - 1) // self.stride
        total = (self.len_out - 1) * self.stride + self.k - len_in
        self.pad = total // 2 if total > 0 else 0

    def run(self, x):
        xc = np.zeros(((self.len_out - 1) * self.stride + self.k + self.len_in, self.ch_in), dtype=np.int64)
        xc[self.pad:self.pad + self.len_in] = x - self.zp_in
        patches = np.stack([xc[t * self.stride:t * self.stride + self.k].reshape(-1) for t in range(self.len_out)])
        acc = patches @ self.w.T + self.b
        mag = (np.abs(patches) @ np.abs(self.w).T).astype(np.float64)
        return requant(acc, mag, self.b, self.mult, self.shift, self.s_in, self.sw, self.s_out, self.zp_out,
                       self.k * self.ch_in, self.zp_out, 127)


class Pool:
    """Max pooling (size = stride = p, valid) or, with p = 0, global average pooling: the sum
    divided by the count rounding half away from zero (TFLite). CpuRef averages dequantized
    values and rounds v = mean - zero point half away from zero: a tie (mean exactly k + 1/2) may
    go the other way."""

    def __init__(self, p, zp):
        self.p, self.zp = p, zp

    def run(self, x):
        if self.p:
            n = x.shape[0] // self.p
            return x[:n * self.p].reshape(n, self.p, -1).max(axis=1), {}
        k = x.shape[0]
        s = x.sum(axis=0)
        y = np.where(s > 0, (s + k // 2) // k, -((-s + k // 2) // k))
        ties = {}
        # CpuRef's float error: its sum of k dequantized terms, the division and the scalings
        delta = 2 * 2.0**-24 * (np.abs(x - self.zp).sum(axis=0) + 4 * np.abs(s / k - self.zp))
        for j in np.nonzero(np.abs(s / k - np.floor(s / k) - 0.5) < delta)[0]:
            f = int(np.floor(s[j] / k))
            other = f if y[j] == f + 1 else f + 1
            if other != y[j]:
                ties[(j,)] = other
        return y, ties


class Net:
    def __init__(self, model):
        q = model["quantization"]
        self.sizes = model["network"]["sizes"]
        self.s = [float(np.float32(v)) for v in q["activation_scale"]]
        self.zp = q["activation_zero_point"]
        self.in_mul = np.array(q["input_mul"], dtype=np.float32)
        self.in_add = np.array(q["input_add"], dtype=np.float32)
        self.stages = []
        self.conv = model.get("conv")
        if self.conv:  # the front end: input [len, ch] time-major
            c = self.conv
            self.in_shape = [1, c["length"], c["channels"]]
            self.in_s, self.in_zp = float(np.float32(c["input_scale"])), c["input_zero_point"]
            n, ch, s, zp = c["length"], c["channels"], self.in_s, self.in_zp
            for L in c["layers"]:
                cv = Conv(L, n, ch, s, zp)
                self.stages.append(cv)
                n, ch, s, zp = cv.len_out, cv.co, cv.s_out, cv.zp_out
                if L["pool"] > 1:
                    self.stages.append(Pool(L["pool"], zp))
                    n //= L["pool"]
            self.stages.append(Pool(0, zp))
        else:
            self.in_shape = [1, self.sizes[0]]
            self.in_s, self.in_zp = self.s[0], self.zp[0]
        nl = len(q["layers"])
        for k, L in enumerate(q["layers"]):
            n_in, n_out = self.sizes[k], self.sizes[k + 1]
            w = np.array(L["weights"], dtype=np.int64).reshape(n_out, n_in)
            sw = np.array(L["weight_scale"], dtype=np.float32).astype(np.float64)
            self.stages.append(Dense(w, np.array(L["bias"], dtype=np.int64), L["multiplier"], L["shift"], sw,
                                     self.s[k], self.zp[k], self.s[k + 1], self.zp[k + 1], k < nl - 1))

    def quantize_input(self, f):
        """The network's int8 input for features f, flat in the .tflite's input order (a conv
        model's is time-major: the features are channel-major)."""
        r = f * self.in_mul + self.in_add  # float32, no fused multiply-add (numpy)
        q = np.empty(len(r), dtype=np.int64)
        for i, v in enumerate(r):
            if v != v:
                q[i] = self.in_zp
            elif v >= 127:
                q[i] = 127
            elif v <= -128:
                q[i] = -128
            else:
                q[i] = int(np.float32(v + np.float32(0.5)) if v >= 0 else np.float32(v - np.float32(0.5)))
        if self.conv:
            q = q.reshape(self.conv["channels"], self.conv["length"]).T.reshape(-1)
        return q

    def _shaped(self, q):
        return q.reshape(self.conv["length"], self.conv["channels"]) if self.conv else q

    def run(self, q):
        x = self._shaped(q)
        for st in self.stages:
            x, _ = st.run(x)
        return x

    def alternatives(self, q, limit=4096):
        """All outputs reachable by rounding near-ties the other way (None if too many). The
        tensors reached after each stage are kept once each (pooling merges most of them)."""
        frontier = {self._shaped(q).tobytes(): self._shaped(q)}
        for st in self.stages:
            nxt = {}
            for x in frontier.values():
                y, ties = st.run(x)
                keys = list(ties)
                if 2 ** len(keys) * len(frontier) > limit:
                    return None
                for r in range(len(keys) + 1):
                    for sub in itertools.combinations(keys, r):
                        z = y.copy()
                        for j in sub:
                            z[j] = ties[j]
                        nxt[z.tobytes()] = z
            frontier = nxt
        return {tuple(int(v) for v in y.reshape(-1)) for y in frontier.values()}


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
    for what, info, want, sc, zp in (("input", ib[1], net.in_shape, net.in_s, net.in_zp),
                                     ("output", ob[1], [1, net.sizes[-1]], net.s[-1], net.zp[-1])):
        shape = [info.GetShape()[i] for i in range(info.GetShape().GetNumDimensions())]
        if shape != want or info.GetQuantizationOffset() != zp or abs(info.GetQuantizationScale() - sc) > 1e-7 * sc:
            raise SystemExit(f"{tfl}: {what} is {shape} scale {info.GetQuantizationScale()} zero point "
                             f"{info.GetQuantizationOffset()}, the model's is {want} {sc} {zp}")
    if parse_only:
        print(f"Arm NN {ann.ARMNN_VERSION} parsed {tfl}: input {list(ins)} {net.in_shape}, output {list(outs)} "
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
        it = ann.make_input_tensors([ib], [q.astype(np.int8).reshape(net.in_shape)])
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
