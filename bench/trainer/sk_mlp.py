#!/usr/bin/python3
"""scikit-learn side of bench_trainer: same feature vectors, same network, timed fit."""
import sys, time, warnings
import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.exceptions import ConvergenceWarning

train, test, hidden, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
hid = tuple(int(h) for h in hidden.split(",")) if hidden else ()
a = np.loadtxt(train, delimiter=",")
b = np.loadtxt(test, delimiter=",")
Xtr, ytr, Xte, yte = a[:, 1:], a[:, 0].astype(int), b[:, 1:], b[:, 0].astype(int)
sc = StandardScaler().fit(Xtr)
Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
warnings.simplefilter("ignore", ConvergenceWarning)
clf = MLPClassifier(hidden_layer_sizes=hid, random_state=seed, max_iter=200)
t0 = time.perf_counter()
clf.fit(Xtr, ytr)
t1 = time.perf_counter()
print("%.6f %.6f %d" % (t1 - t0, clf.score(Xte, yte), clf.n_iter_))
