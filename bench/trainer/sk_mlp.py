#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""scikit-learn side of bench_trainer: the same feature vectors, the same networks, timed fits.

usage: sk_mlp.py TRAIN.csv TEST.csv SEED REPEAT SCHEDULE HIDDEN [HIDDEN...]
SCHEDULE: "default" (MLPClassifier's own: batch min(200, n), up to 200 iterations, stop when the
loss stops improving) or "same:EPOCHS:BATCH:LR:L2" (imulab's schedule: that many epochs exactly,
that batch and Adam step, the same L2 penalty: imulab adds L2 * W to the batch-mean gradient,
scikit-learn alpha / batch * W, so alpha = L2 * BATCH).
prints first "blas API FILE ARCHITECTURE" (threadpoolctl; "blas none" when it sees no BLAS it
knows, e.g. the reference BLAS), then per network: hidden min_seconds median_seconds
test_accuracy iterations
"""
import sys, time, warnings
import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.exceptions import ConvergenceWarning

try:
    import threadpoolctl
    info = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
except ImportError:
    info = []
if info:
    print("blas %s %s %s" % (info[0].get("internal_api"), info[0].get("filepath"), info[0].get("architecture")))
else:
    print("blas none - -")
sys.stdout.flush()

train, test, seed, repeat, schedule = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
a = np.loadtxt(train, delimiter=",")
b = np.loadtxt(test, delimiter=",")
Xtr, ytr, Xte, yte = a[:, 1:], a[:, 0].astype(int), b[:, 1:], b[:, 0].astype(int)
sc = StandardScaler().fit(Xtr)
Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
warnings.simplefilter("ignore", ConvergenceWarning)
if schedule == "default":
    kw = dict(max_iter=200)
else:
    _, ep, batch, lr, l2 = schedule.split(":")
    kw = dict(max_iter=int(ep), batch_size=int(batch), learning_rate_init=float(lr), alpha=float(l2) * int(batch),
              n_iter_no_change=int(ep) + 1, tol=0.0)
for hidden in sys.argv[6:]:
    hid = tuple(int(h) for h in hidden.split(",")) if hidden not in ("", "0") else ()
    times = []
    for _ in range(repeat):
        clf = MLPClassifier(hidden_layer_sizes=hid, random_state=seed, **kw)
        t0 = time.perf_counter()
        clf.fit(Xtr, ytr)
        times.append(time.perf_counter() - t0)
    times.sort()
    print("%s %.6f %.6f %.6f %d" % (hidden, times[0], times[len(times) // 2], clf.score(Xte, yte), clf.n_iter_))
    sys.stdout.flush()
