"""Reference for the Isolation Forest benchmark: scikit-learn's IsolationForest on the same
matrices, in a fresh process. Prints JSON: fit and score seconds, ROC-AUC, version."""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

folder, train_rows, test_rows, cols, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
X_train = np.fromfile(f"{folder}/train.f32", dtype=np.float32).reshape(train_rows, cols)
X_test = np.fromfile(f"{folder}/test.f32", dtype=np.float32).reshape(test_rows, cols)
y = np.fromfile(f"{folder}/y.u8", dtype=np.uint8)
t = time.perf_counter()
model = IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(X_train)
fit = time.perf_counter() - t
t = time.perf_counter()
scores = -model.score_samples(X_test)  # scikit-learn's sign: lower is more abnormal
score = time.perf_counter() - t
print(json.dumps({"fit": fit, "score": score, "auc": roc_auc_score(y, scores), "version": sklearn.__version__}))
