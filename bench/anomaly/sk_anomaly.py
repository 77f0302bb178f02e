#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# sk_anomaly.py CSV_DIR -- scikit-learn's IsolationForest and Gaussian mixtures on the very int8
# vectors bench_anomaly (out-LABEL.csv: gestures, one class left out) and bench_vibration
# (vibration.csv) scored, for the side-by-side in docs/benchmarks.md. Prints the ROC AUC per
# left-out class (worst last) and per fault and amplitude. Run with Debian's /usr/bin/python3.
import glob
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture

try:
    from threadpoolctl import threadpool_info
    blas = ", ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')})" for i in threadpool_info())
except Exception:  # threadpoolctl missing: say so
    blas = "unknown (no threadpoolctl)"


def models():
    return [("IsolationForest", lambda: IsolationForest(random_state=0)),
            ("GMM diag k=4", lambda: GaussianMixture(4, covariance_type="diag", random_state=0, reg_covar=1.0)),
            ("GMM diag k=8", lambda: GaussianMixture(8, covariance_type="diag", random_state=0, reg_covar=1.0)),
            ("GMM full k=4", lambda: GaussianMixture(4, covariance_type="full", random_state=0, reg_covar=1.0))]


def gestures(d):
    files = sorted(glob.glob(os.path.join(d, "out-*.csv")))
    if not files:
        return
    print("gestures, one class left out (int8 network input, 60 values):")
    worst = {}
    for f in files:
        rows = [line.strip().split(";")[0].split(",") for line in open(f)]
        s = np.array([r[0] for r in rows])
        x = np.array([[float(v) for v in r[1:]] for r in rows])
        tr, kn, un = x[s == "train"], x[s == "known"], x[s == "unknown"]
        y = np.r_[np.zeros(len(kn)), np.ones(len(un))]
        t = np.r_[kn, un]
        out = []
        for name, mk in models():
            m = mk().fit(tr)
            auc = roc_auc_score(y, -m.score_samples(t))
            worst[name] = min(worst.get(name, 1.0), auc)
            out.append(f"{name} {auc:.4f}")
        print(f"  {os.path.basename(f)[4:-4]:8s} " + ", ".join(out))
    print("  worst: " + ", ".join(f"{k} {v:.4f}" for k, v in worst.items()))


def vibration(d):
    f = os.path.join(d, "vibration.csv")
    if not os.path.exists(f):
        return
    rows = [line.strip().split(",") for line in open(f)]
    s = np.array([r[0] for r in rows])
    fault = np.array([r[1] for r in rows])
    amp = np.array([float(r[2]) for r in rows])
    x = np.array([[float(v) for v in r[3:]] for r in rows])
    tr = x[s == "train"]
    test = s == "test"
    normal = test & (fault == "normal")
    amps = sorted(set(amp[test & (fault != "normal")]))
    print("vibration (int8 features, 108 values): AUC per amplitude (g) " + " ".join(f"{a:g}" for a in amps))
    for name, mk in models():
        m = mk().fit(tr)
        sc = -m.score_samples(x)
        for fl in ("imbalance", "looseness", "bearing"):
            aucs = []
            for a in amps:
                pos = test & (fault == fl) & (amp == a)
                y = np.r_[np.zeros(normal.sum()), np.ones(pos.sum())]
                aucs.append(roc_auc_score(y, np.r_[sc[normal], sc[pos]]))
            ok = [a for a, u in zip(amps, aucs) if u >= 0.98]
            print(f"  {name:16s} {fl:10s} " + " ".join(f"{u:.4f}" for u in aucs) +
                  f"   min amp AUC>=0.98: {ok[0]:g} g" if ok else f"  {name:16s} {fl:10s} " + " ".join(f"{u:.4f}" for u in aucs) + "   none")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: sk_anomaly.py CSV_DIR")
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, BLAS: {blas}")
    gestures(sys.argv[1])
    vibration(sys.argv[1])
