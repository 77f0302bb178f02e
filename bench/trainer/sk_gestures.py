#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""sk_gestures.py CSV_DIR [--folds K] [--seeds N] -- the reference of issue 10 on the examples
bench_gestures wrote: scikit-learn's MLPClassifier(64, 32) on time-normalized gestures (each
recording resampled to 64 points per axis) with stats + spectral + 32 raw points per axis, with
the same held-out-people folds (person p in fold p % K). Benchmarks only, never a dependency.

Features per axis: mean, standard deviation, skewness, excess kurtosis; log10 of the maximum over
frames of 16 (hop 8, Hann, mean removed) of the power of FFT bins 1..8; the signal resampled to
32 points. Standardized (StandardScaler fitted on the training people). Run with /usr/bin/python3
and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset (docs/benchmarks.md); prints the BLAS it used (on
this machine libblas.so.3 is the reference BLAS: the bench-gestures target puts OpenBLAS first with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread). The BLAS changes the time, not what is
compared here (accuracy).
"""
import glob
import os
import re
import sys

import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler


def resample(x, n):
    t = np.linspace(0, len(x) - 1, n)
    return np.interp(t, np.arange(len(x)), x)


def features(sig):
    out = []
    for a in range(sig.shape[1]):
        x = resample(sig[:, a], 64)
        mu, sd = x.mean(), x.std()
        d = x - mu
        m2 = (d ** 2).mean()
        skew = (d ** 3).mean() / (m2 * np.sqrt(m2)) if m2 > 1e-12 else 0.0
        kurt = (d ** 4).mean() / (m2 * m2) - 3.0 if m2 > 1e-12 else 0.0
        out += [mu, sd, skew, kurt]
        win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(16) / 16)
        pmax = np.zeros(8)
        for s in range(0, 64 - 16 + 1, 8):
            X = np.fft.rfft(d[s:s + 16] * win)
            p = np.abs(X[1:9]) ** 2 / 16
            pmax = np.maximum(pmax, p)
        out += list(np.log10(np.maximum(pmax, 1e-10)))
        out += list(resample(sig[:, a], 32))
    return out


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    root, folds, seeds = args[0], 5, 3
    if "--folds" in args:
        folds = int(args[args.index("--folds") + 1])
    if "--seeds" in args:
        seeds = int(args[args.index("--seeds") + 1])
    X, y, person = [], [], []
    for path in sorted(glob.glob(os.path.join(root, "person*", "*.csv"))):
        name = os.path.basename(path)
        m = re.match(r"(.+)\.p(\d+)\.r(\d+)\.csv$", name)
        sig = np.loadtxt(path, delimiter=",", skiprows=1)[:, 1:4]
        X.append(features(sig))
        y.append(m.group(1))
        person.append(int(m.group(2)))
    X, y, person = np.array(X), np.array(y), np.array(person)
    print("scikit-learn MLPClassifier(64,32) on time-normalized gestures, stats+spectral+raw32 (%d features), "
          "%d recordings, %d folds of held-out people, seeds 1..%d" % (X.shape[1], len(y), folds, seeds))
    accs = []
    for seed in range(1, seeds + 1):
        ok = n = 0
        for k in range(folds):
            te = person % folds == k
            sc = StandardScaler().fit(X[~te])
            clf = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=500, random_state=seed)
            clf.fit(sc.transform(X[~te]), y[~te])
            ok += int((clf.predict(sc.transform(X[te])) == y[te]).sum())
            n += int(te.sum())
        accs.append(ok / n)
        print("  seed %d: accuracy %.4f (%d/%d)" % (seed, ok / n, ok, n))
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join("%s %s (%s)" % (i.get("internal_api"), i.get("version"), i.get("architecture"))
                         for i in threadpool_info())
    except Exception as e:  # noqa
        blas = "unknown (%s)" % e
    print("BLAS and threads:", blas)
    print("scikit-learn (64,32) stats+spectral+raw32, held-out people: mean %.4f over %d seeds (min %.4f, max %.4f)"
          % (np.mean(accs), seeds, min(accs), max(accs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
