"""Logistic regression on the standardised breast-cancer data: gdref.descend against scikit-learn.

tests/data/sklearn_logreg.json holds scikit-learn's LogisticRegression(C = 1/(mλ), tol=1e-12)
solution for λ = 0.01 (scripts/record_sklearn_golden.py); scikit-learn is not imported here.
Without a penalty the data are linearly separable: the loss has infimum 0 and no minimiser, and
descend must not pretend to converge.
"""

from __future__ import annotations

import numpy as np
import pytest
from gdref_golden import sklearn_golden

from gdref import datasets, descend, logistic_grads, logistic_loss, logistic_objective, optim

GOLDEN = sklearn_golden()


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y, _ = datasets.breast_cancer()
    Xs, _, _ = datasets.standardize(X)
    return Xs, y


def test_golden_file_matches_the_data(data):
    Xs, y = data
    assert (GOLDEN["m"], GOLDEN["n"]) == Xs.shape
    assert GOLDEN["estimator"]["C"] == pytest.approx(1.0 / (GOLDEN["m"] * GOLDEN["l2"]), rel=1e-15)
    assert GOLDEN["estimator"]["tol"] == 1e-12
    assert GOLDEN["sklearn_version"]


def test_sklearn_solution_is_stationary_for_gdrefs_objective(data):
    """C = 1/(mλ) makes sklearn's objective a multiple of ours: its optimum zeroes our gradient."""
    Xs, y = data
    W, b = np.array(GOLDEN["coef"]), GOLDEN["intercept"]
    dW, db = logistic_grads(Xs, y, W, b, l2=GOLDEN["l2"])
    assert np.sqrt(dW @ dW + db**2) < 1e-10
    # …and it is not stationary without the penalty term (the λW part matters).
    dW0, _ = logistic_grads(Xs, y, W, b, l2=0.0)
    assert np.linalg.norm(dW0) > 1e-3


@pytest.mark.parametrize(
    ("name", "optimizer", "grad_tol"),
    [
        ("nesterov", optim.momentum(0.3, beta=0.9, nesterov=True), 1e-11),
        ("batch GD", optim.sgd(0.5), 1e-10),
    ],
)
def test_descend_reaches_sklearns_optimum(data, name, optimizer, grad_tol):
    Xs, y = data
    l2 = GOLDEN["l2"]
    trace = descend(
        logistic_objective(l2),
        (np.zeros(Xs.shape[1]), 0.0),
        optimizer,
        X=Xs,
        y=y,
        max_steps=20_000,
        grad_tol=grad_tol,
        record_params=False,
    )
    assert trace.stop_reason == "converged", trace.message
    assert trace.grad_norms[-1] <= grad_tol
    W, b = trace.params
    np.testing.assert_allclose(W, GOLDEN["coef"], rtol=1e-6, atol=0)
    assert float(b) == pytest.approx(GOLDEN["intercept"], rel=1e-6)
    # Same optimum, same objective value.
    ours = logistic_loss(Xs, y, W, b, l2)
    theirs = logistic_loss(Xs, y, np.array(GOLDEN["coef"]), GOLDEN["intercept"], l2)
    assert ours == pytest.approx(theirs, rel=1e-12)


# --- no penalty: separable data, no finite optimum ------------------------------------------


def test_unpenalised_loss_has_infimum_zero_along_a_separating_direction(data):
    Xs, y = data
    hyperplane = GOLDEN["separating_hyperplane"]
    W_sep, b_sep = np.array(hyperplane["W"]), hyperplane["b"]
    signs = 2.0 * y - 1.0
    assert np.min(signs * (Xs @ W_sep + b_sep)) > 0.99  # every example on its own side
    losses = [logistic_loss(Xs, y, c * W_sep, c * b_sep) for c in (1.0, 3.0, 10.0, 30.0, 100.0)]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:], strict=False))
    assert 0.0 < losses[-1] < 1e-30  # arbitrarily close to 0, never 0: no finite minimiser


def test_descend_does_not_claim_convergence_without_a_penalty(data):
    Xs, y = data
    start = (np.zeros(Xs.shape[1]), 0.0)
    optimizer = optim.momentum(1.0, beta=0.9, nesterov=True)
    trace = descend(logistic_objective(0.0), start, optimizer, X=Xs, y=y, max_steps=2000, tol=1e-6)
    assert trace.stop_reason == "max_steps", trace.message
    assert trace.steps == 2000

    norms = np.array([np.linalg.norm(W) for W, _ in trace.params_history])
    losses = np.array(trace.losses)
    last_half = slice(len(norms) // 2, None)
    assert np.all(np.diff(norms[last_half]) > 0), "‖W‖ must keep growing"
    assert np.all(np.diff(losses[len(losses) // 2 :]) < 0), "the loss must keep falling"
    assert losses[-1] < 0.05 * losses[0]

    # Running on from where it stopped: still no convergence, a larger ‖W‖, a smaller loss.
    more = descend(
        logistic_objective(0.0), trace.params, optimizer, X=Xs, y=y, max_steps=1000, tol=1e-6
    )
    assert more.stop_reason == "max_steps"
    assert np.linalg.norm(more.params[0]) > norms[-1] + 1.0
    assert more.losses[-1] < losses[-1]

    # The same optimizer, budget and tol with the penalty converges: the tol is not the reason.
    penalised = descend(
        logistic_objective(GOLDEN["l2"]), start, optimizer, X=Xs, y=y, max_steps=2000, tol=1e-6
    )
    assert penalised.stop_reason == "converged", penalised.message
