#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""scikit-learn side of bench_trainer: the same feature vectors, the same networks, timed fits.

usage: sk_mlp.py TRAIN.csv TEST.csv SEED REPEAT HIDDEN [HIDDEN...]
prints per network: hidden min_seconds median_seconds test_accuracy iterations
"""
import sys, time, warnings
import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.exceptions import ConvergenceWarning

train, test, seed, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
a = np.loadtxt(train, delimiter=",")
b = np.loadtxt(test, delimiter=",")
Xtr, ytr, Xte, yte = a[:, 1:], a[:, 0].astype(int), b[:, 1:], b[:, 0].astype(int)
sc = StandardScaler().fit(Xtr)
Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
warnings.simplefilter("ignore", ConvergenceWarning)
for hidden in sys.argv[5:]:
    hid = tuple(int(h) for h in hidden.split(",")) if hidden not in ("", "0") else ()
    times = []
    for _ in range(repeat):
        clf = MLPClassifier(hidden_layer_sizes=hid, random_state=seed, max_iter=200)
        t0 = time.perf_counter()
        clf.fit(Xtr, ytr)
        times.append(time.perf_counter() - t0)
    times.sort()
    print("%s %.6f %.6f %.6f %d" % (hidden, times[0], times[len(times) // 2], clf.score(Xte, yte), clf.n_iter_))
    sys.stdout.flush()
