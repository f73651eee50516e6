"""scikit-learn peer of benches/forest.rs: RandomForestClassifier(n_estimators=100,
max_depth=12).predict_proba on 1,000,000 x 20, with the same data recipe.

Run: python3 benches/peer/sklearn_forest.py [--jobs 1] [--repeats 5]
Prints the best and median wall time of predict_proba over the repeats.
"""
import argparse
import statistics
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier


def data(n, p, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((n, p))
    s = x[:, 0] + x[:, 1] * x[:, 2] - x[:, 3] + 0.5 * np.sin(6 * x[:, 4]) + rng.uniform(-0.5, 0.5, n)
    return x, (s > 0.5).astype(int)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    xtr, ytr = data(50_000, 20, 1)
    xte, _ = data(1_000_000, 20, 2)
    forest = RandomForestClassifier(
        n_estimators=100, max_depth=12, n_jobs=args.jobs, random_state=1
    ).fit(xtr, ytr)
    nodes = sum(t.tree_.node_count for t in forest.estimators_)
    print(f"scikit-learn {sklearn.__version__}, n_jobs={args.jobs}: {nodes} nodes ({nodes / 100:.0f} per tree)")
    forest.predict_proba(xte[:1000])  # warm up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        forest.predict_proba(xte)
        times.append(time.perf_counter() - t0)
    print(f"predict_proba 1000000x20: best {min(times):.3f} s, median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
