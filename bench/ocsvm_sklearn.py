"""Reference for the One-Class SVM benchmark: scikit-learn's OneClassSVM trained on the same
sub-sample with the same nu and gamma, scored with decision_function on the same test matrix.
Prints JSON: fit and score seconds, support vectors, ROC-AUC, version."""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score
from sklearn.svm import OneClassSVM

folder, train_rows, test_rows, cols, nu, gamma = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
X_train = np.fromfile(f"{folder}/train.f32", dtype=np.float32).reshape(train_rows, cols).astype(np.float64)
X_test = np.fromfile(f"{folder}/test.f32", dtype=np.float32).reshape(test_rows, cols).astype(np.float64)
y = np.fromfile(f"{folder}/y.u8", dtype=np.uint8)
t = time.perf_counter()
model = OneClassSVM(kernel="rbf", nu=nu, gamma=gamma).fit(X_train)
fit = time.perf_counter() - t
t = time.perf_counter()
scores = -model.decision_function(X_test)  # scikit-learn's sign: negative outside the support
score = time.perf_counter() - t
print(json.dumps({"fit": fit, "score": score, "auc": roc_auc_score(y, scores), "sv": int(model.support_.shape[0]), "version": sklearn.__version__}))
