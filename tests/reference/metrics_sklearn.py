"""Reference values for tests/eval_metrics.rs, computed with scikit-learn.

Run: python3 tests/reference/metrics_sklearn.py
The positive class is "fake" (1). An item is predicted fake when P(fake) >= threshold.
ECE is computed from sklearn's calibration_curve(strategy="uniform", n_bins=15) bins,
weighted by bin counts (sklearn has no ECE function of its own).
"""
import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, brier_score_loss, f1_score, log_loss,
                             matthews_corrcoef, precision_score, recall_score, roc_auc_score,
                             confusion_matrix)

# 1 = fake, 0 = genuine. Ties in the scores (0.35 x3, 0.8 x2), an exact 0 and 1 (log-loss clipping).
y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1])
p = np.array([0.92, 0.35, 0.35, 0.8, 0.1, 0.0, 1.0, 0.8, 0.66, 0.21,
              0.35, 0.47, 0.73, 0.58, 0.05, 0.44, 0.12, 0.99, 0.3, 0.51])


def ece(y, p, bins=15):
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], p)
    counts = np.bincount(ids, minlength=bins)
    counts = counts[counts > 0]
    return float(np.sum(counts / len(p) * np.abs(prob_true - prob_pred)))


def report(name, y, p, t):
    pred = (p >= t).astype(int)
    print(f"# {name} (sklearn {sklearn.__version__}), threshold {t}")
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    print(f"confusion tp={tp} fp={fp} tn={tn} fn={fn}")
    print("accuracy", repr(accuracy_score(y, pred)))
    print("precision", repr(precision_score(y, pred, zero_division=0)))
    print("recall", repr(recall_score(y, pred, zero_division=0)))
    print("f1", repr(f1_score(y, pred, zero_division=0)))
    print("mcc", repr(matthews_corrcoef(y, pred)))
    if len(set(y)) == 2:
        print("auc", repr(roc_auc_score(y, p)))
    print("brier", repr(brier_score_loss(y, p, pos_label=1)))
    print("log_loss", repr(log_loss(y, p, labels=[0, 1])))
    print("ece15", repr(ece(y, p)))


report("mixed", y, p, 0.5)
report("mixed", y, p, 0.35)
# Nothing predicted fake: precision and F1 hit zero_division (0), MCC 0.
report("nothing predicted fake", y[p < 1.0], p[p < 1.0], 0.995)
# One class only (all genuine): AUC undefined in sklearn (raises); MCC 0.
yg = np.zeros(6, dtype=int)
pg = np.array([0.1, 0.6, 0.2, 0.0, 0.9, 0.4])
report("all genuine", yg, pg, 0.5)
