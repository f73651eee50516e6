"""Reference values for src/calibration.rs, computed once with scikit-learn.

Run: python3 tests/reference/calibration_reference.py
(scikit-learn 1.9.1, numpy 2.4.6; see benches/peer/requirements.txt). The printed constants are
pasted into the unit tests of src/calibration.rs.
"""
import numpy as np
import sklearn
from sklearn.calibration import _sigmoid_calibration
from sklearn.isotonic import IsotonicRegression

scores = np.array([0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45, 0.6, 0.65, 0.7, 0.85, 0.95])
labels = np.array([0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1])  # 1 = fake
probes = [0.0, 0.1, 0.22, 0.42, 0.5, 0.62, 0.8, 0.9, 1.0]

a, b = (float(v) for v in _sigmoid_calibration(scores, labels))
print(f"// scikit-learn {sklearn.__version__}")
print(f"const REF_PLATT_A: f64 = {a!r};")
print(f"const REF_PLATT_B: f64 = {b!r};")
platt = 1.0 / (1.0 + np.exp(a * np.array(probes) + b))
print("const REF_PLATT_PRED: [(f64, f64); %d] = [" % len(probes))
for s, p in zip(probes, platt):
    print(f"    ({s!r}, {float(p)!r}),")
print("];")

iso = IsotonicRegression(out_of_bounds="clip").fit(scores, labels)
pred = iso.predict(probes)
print("const REF_ISO_PRED: [(f64, f64); %d] = [" % len(probes))
for s, p in zip(probes, pred):
    print(f"    ({s!r}, {float(p)!r}),")
print("];")
