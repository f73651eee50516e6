"""Reference values for tests/quantify_estimators.rs.

Run: python3 tests/reference/quantify_quapy.py   (needs quapy 0.2.3, numpy)
CC, ACC, PCC and PACC are plain formulas (printed from numpy); EM is QuaPy's own
EMQ.EM (Saerens-Latinne-Decaestecker) run to a tight tolerance, so both implementations sit
on the fixed point.
"""
import numpy as np
import quapy
from quapy.method.aggregative import EMQ

val_p = np.array([0.95, 0.9, 0.8, 0.75, 0.6, 0.45, 0.3,      # fakes
                  0.55, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.02])  # genuine
val_y = np.array([1] * 7 + [0] * 8)
sample = np.array([0.97, 0.88, 0.7, 0.62, 0.51, 0.5, 0.42, 0.33, 0.25, 0.18, 0.12, 0.08, 0.04, 0.01])
t = 0.5
train_prev = 0.4

tpr = np.mean(val_p[val_y == 1] >= t)
fpr = np.mean(val_p[val_y == 0] >= t)
m1 = val_p[val_y == 1].mean()
m0 = val_p[val_y == 0].mean()
cc = np.mean(sample >= t)
pcc = sample.mean()
print("quapy", quapy.__version__)
print("tpr", repr(tpr), "fpr", repr(fpr), "m_fake", repr(m1), "m_genuine", repr(m0))
print("cc", repr(cc))
print("acc", repr(float(np.clip((cc - fpr) / (tpr - fpr), 0, 1))))
print("pcc", repr(pcc))
print("pacc", repr(float(np.clip((pcc - m0) / (m1 - m0), 0, 1))))
post = np.stack([1 - sample, sample], axis=1)
qs, _ = EMQ.EM(np.array([1 - train_prev, train_prev]), post, epsilon=1e-14)
print("em", repr(float(qs[1])))
# EM from a different training prior on the same sample.
qs, _ = EMQ.EM(np.array([0.8, 0.2]), post, epsilon=1e-14)
print("em_train_0.2", repr(float(qs[1])))
