"""Record scikit-learn's L2-regularised logistic regression on the standardised breast-cancer data
into tests/data/sklearn_logreg.json.

Run in a virtual environment that has the project and scikit-learn (the golden file was
recorded with scikit-learn 1.9.1; it is not a dependency of gdkit):

    python -m pip install -e . scikit-learn==1.9.1
    python scripts/record_sklearn_golden.py

gdref minimises J(W, b) = BCE(σ(XW + b), y) + λ/2 ‖W‖² (mean BCE, bias not penalised).
scikit-learn minimises C Σ logloss + ½‖W‖²; dividing by C·m shows the two are the same problem
when C = 1/(mλ). The data are gdref.datasets.breast_cancer() standardised with
gdref.datasets.standardize (population std), exactly as the test prepares them.

Solver: newton-cg. With tol=1e-12, lbfgs stops with a gradient norm near 1e-8 on this problem
(its line search ends first), which is ~1e-6 relative on the coefficients — not accurate enough
to be a reference at 1e-6. newton-cg reaches a gradient norm near 1e-14.

The file also records a strictly separating hyperplane of the same (unpenalised) data, found as
a linear-programming feasibility problem y±ᵢ (xᵢ·W + b) ≥ 1 with scipy's HiGHS (scipy comes with
scikit-learn): the evidence that without a penalty the loss has infimum 0 and no finite minimiser.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy.optimize import linprog
from sklearn.linear_model import LogisticRegression

from gdref import datasets, logistic_grads

L2 = 0.01
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "sklearn_logreg.json"


def main() -> None:
    X, y, _ = datasets.breast_cancer()
    Xs, _, _ = datasets.standardize(X)
    m, n = Xs.shape
    C = 1.0 / (m * L2)
    model = LogisticRegression(C=C, tol=1e-12, solver="newton-cg", max_iter=10_000)
    model.fit(Xs, y)
    W, b = model.coef_[0], float(model.intercept_[0])
    dW, db = logistic_grads(Xs, y, W, b, L2)
    grad_norm = float(np.sqrt(dW @ dW + db * db))

    signs = 2.0 * y - 1.0
    A = -(signs[:, None] * np.column_stack([Xs, np.ones(m)]))
    lp = linprog(np.zeros(n + 1), A_ub=A, b_ub=-np.ones(m), bounds=[(None, None)] * (n + 1))
    if lp.status != 0:
        raise SystemExit(f"no separating hyperplane found: {lp.message}")
    W_sep, b_sep = lp.x[:-1], float(lp.x[-1])

    payload = {
        "generated_by": "scripts/record_sklearn_golden.py",
        "sklearn_version": sklearn.__version__,
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "data": "gdref.datasets.breast_cancer(), standardised by gdref.datasets.standardize",
        "m": m,
        "n": n,
        "l2": L2,
        "estimator": {
            "class": "sklearn.linear_model.LogisticRegression",
            "C": C,
            "tol": 1e-12,
            "solver": "newton-cg",
            "max_iter": 10_000,
            "n_iter": int(model.n_iter_[0]),
        },
        "coef": W.tolist(),
        "intercept": b,
        "gdref_grad_norm_at_solution": grad_norm,
        "separating_hyperplane": {
            "method": "scipy.optimize.linprog (HiGHS): find W, b with s_i (x_i.W + b) >= 1",
            "W": W_sep.tolist(),
            "b": b_sep,
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=1) + "\n")
    print(
        f"wrote {OUT}: sklearn {sklearn.__version__}, {model.n_iter_[0]} iterations, "
        f"gdref gradient norm at the solution {grad_norm:.2e}"
    )


if __name__ == "__main__":
    main()
