"""Every analytic gradient in gdref against gdref.gradcheck's central differences (float64).

Hypothesis draws the shapes, the scales and a seed; the values come from that seed. Values stay
where finite differences are accurate: the check uses h = 1e-5 (truncation error O(h²) ≈ 1e-10
times the third derivative, rounding error ≈ 1e-16·|f| / h ≈ 1e-11·|f|), and a draw is skipped
(``assume``) only when a gradient component is so small (below 1e-3·(1 + |f|)) that rounding in
f alone would dominate it — no method can check such a component to a relative 1e-7.
Kinks (|x| at 0, sign at 0) are kept at least 0.1 away from the evaluation point.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gdref import (
    absolute_error,
    absolute_error_grad,
    bce,
    bce_grad,
    bce_with_logits,
    bce_with_logits_grad,
    check_gradient,
    datasets,
    descend,
    linear_grads,
    linear_loss,
    logistic_grads,
    logistic_loss,
    mse,
    mse_grad,
    numerical_gradient,
    optim,
    rel_error,
    sigmoid,
    sigmoid_grad,
    sign_perceptron_grads,
    sign_perceptron_loss,
)
from gdref.tree import tree_leaves

H = 1e-5
TOLERANCE = 1e-7
FAST = settings(max_examples=25, deadline=None)

seeds = st.integers(0, 2**32 - 1)
examples = st.integers(1, 8)
features = st.integers(1, 5)


def assert_gradient_matches(f, grad_f, params):
    """check_gradient with our tolerance, after skipping draws with unresolvable components."""
    value = abs(float(f(params)))
    analytic = np.concatenate([np.ravel(leaf) for leaf in tree_leaves(grad_f(params))])
    small = (np.abs(analytic) < 1e-3 * (1.0 + value)) & (analytic != 0)
    assume(not np.any(small))
    result = check_gradient(f, grad_f, params, eps=H, threshold=TOLERANCE)
    assert result.ok, str(result)
    assert result.max_rel_error <= TOLERANCE


def offsets(rng: np.random.Generator, shape, low: float = 0.1, high: float = 2.0) -> np.ndarray:
    """Random values with |value| in [low, high] and a random sign: away from a kink at 0."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


@FAST
@given(seeds, examples, st.integers(0, 2))
def test_mse_grad(seed, m, extra_dims):
    rng = np.random.default_rng(seed)
    shape = (m,) + (2,) * extra_dims
    y = rng.normal(0, 3, size=shape)
    y_hat = y + offsets(rng, shape)
    assert_gradient_matches(lambda p: mse(p, y), lambda p: mse_grad(p, y), y_hat)


@FAST
@given(seeds, examples, st.booleans())
def test_bce_grad(seed, m, soft_labels):
    rng = np.random.default_rng(seed)
    y = rng.uniform(0, 1, size=m) if soft_labels else rng.integers(0, 2, size=m).astype(float)
    p = rng.uniform(0.05, 0.95, size=m)
    assume(np.all(np.abs(p - y) > 0.02))
    assert_gradient_matches(lambda q: bce(q, y), lambda q: bce_grad(q, y), p)


@FAST
@given(seeds, examples, st.floats(0.1, 5.0))
def test_bce_with_logits_grad(seed, m, scale):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=m).astype(float)
    z = rng.uniform(-scale, scale, size=m)
    assert_gradient_matches(
        lambda t: bce_with_logits(t, y), lambda t: bce_with_logits_grad(t, y), z
    )


@FAST
@given(seeds, features, st.floats(0.1, 6.0))
def test_sigmoid_grad(seed, n, scale):
    rng = np.random.default_rng(seed)
    z = rng.uniform(-scale, scale, size=n)
    # σ acts elementwise, so ∂/∂zᵢ Σⱼ σ(zⱼ) = σ'(zᵢ)
    assert_gradient_matches(lambda t: float(np.sum(sigmoid(t))), sigmoid_grad, z)


@FAST
@given(seeds, examples, features, st.floats(0.1, 3.0))
def test_linear_grads(seed, m, n, scale):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, scale, size=(m, n))
    y = rng.normal(0, 3, size=m)
    params = (rng.normal(size=n), float(rng.normal()))
    assert_gradient_matches(
        lambda p: linear_loss(X, y, *p), lambda p: linear_grads(X, y, *p), params
    )


@FAST
@given(seeds, examples, features, st.floats(0.1, 2.0), st.sampled_from([0.0, 0.01, 0.5]))
def test_logistic_grads_with_and_without_l2(seed, m, n, scale, l2):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, scale, size=(m, n))
    y = rng.integers(0, 2, size=m).astype(float)
    params = (rng.normal(size=n), float(rng.normal()))
    assert_gradient_matches(
        lambda p: logistic_loss(X, y, *p, l2=l2), lambda p: logistic_grads(X, y, *p, l2=l2), params
    )


def test_logistic_l2_term_is_in_the_gradient():
    """λW must appear: the check fails if the gradient of the unpenalised loss is used."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6).astype(float)
    params = (rng.normal(size=3), 0.2)
    result = check_gradient(
        lambda p: logistic_loss(X, y, *p, l2=0.5),
        lambda p: logistic_grads(X, y, *p, l2=0.0),
        params,
        eps=H,
    )
    assert not result.ok


@FAST
@given(seeds, examples)
def test_absolute_error_grad_away_from_kinks(seed, m):
    rng = np.random.default_rng(seed)
    y = rng.normal(20, 1, size=m)
    y_hat = y + offsets(rng, m)
    assert_gradient_matches(
        lambda p: absolute_error(p, y), lambda p: absolute_error_grad(p, y), y_hat
    )


def test_absolute_error_grad_is_zero_at_a_tie():
    assert absolute_error_grad(np.array([1.0, 2.0]), np.array([1.0, 3.0])).tolist() == [0.0, -0.5]


@FAST
@given(st.floats(-10, 10).filter(lambda w: abs(w - 2.0) > 0.01))
def test_parabola_grad(w):
    assert_gradient_matches(datasets.parabola_loss, datasets.parabola_grad, w)


@FAST
@given(seeds, features)
def test_parabola_grad_elementwise_on_arrays(seed, n):
    w = np.random.default_rng(seed).uniform(-10, 10, size=n)
    assume(np.all(np.abs(w - 2.0) > 0.01))
    assert_gradient_matches(
        lambda v: float(np.sum(datasets.parabola_loss(v))), datasets.parabola_grad, w
    )


# --- the sign perceptron: a zero gradient, demonstrated ---------------------------------------


def perceptron_problem(seed: int, m: int, n: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = rng.choice([-1.0, 1.0], size=m)
    W, b = rng.normal(size=n), float(rng.normal())
    return X, y, W, b


@FAST
@given(seeds, examples, features)
def test_sign_perceptron_gradient_is_identically_zero(seed, m, n):
    X, y, W, b = perceptron_problem(seed, m, n)
    dW, db = sign_perceptron_grads(X, y, W, b)
    assert dW.shape == (n,)
    assert np.all(dW == 0.0)
    assert db == 0.0


@pytest.mark.parametrize(
    "optimizer",
    [optim.sgd(1.0), optim.momentum(0.5, 0.9), optim.adam(0.1)],
    ids=["sgd", "momentum", "adam"],
)
def test_sign_perceptron_parameters_never_move_under_descend(optimizer):
    X, y, W, b = perceptron_problem(seed=7, m=40, n=3)
    y = -np.sign(X @ W + b)  # every example misclassified: as much to learn as possible
    loss = sign_perceptron_loss(X, y, W, b)
    assert loss == pytest.approx(2.0)  # (±1 − ∓1)² / 2 for every example

    def objective(params, X_batch, y_batch):
        return sign_perceptron_loss(X_batch, y_batch, *params), sign_perceptron_grads(
            X_batch, y_batch, *params
        )

    trace = descend(objective, (W, b), optimizer, X=X, y=y, max_steps=50)
    assert trace.steps == 50
    for W_k, b_k in trace.params_history:
        assert np.array_equal(W_k, W)
        assert float(b_k) == b
    assert trace.losses == [loss] * 50
    assert trace.grad_norms == [0.0] * 50

    # A gradient-norm stopping rule is fooled: it "converges" at once, with every example wrong.
    fooled = descend(objective, (W, b), optimizer, X=X, y=y, max_steps=50, grad_tol=1e-12)
    assert fooled.stop_reason == "converged"
    assert fooled.steps == 0


@FAST
@given(seeds, examples, features)
def test_sign_perceptron_numerical_gradient_is_zero_away_from_z_0(seed, m, n):
    X, y, W, b = perceptron_problem(seed, m, n)
    assume(np.min(np.abs(X @ W + b)) > 1e-3)  # no example within reach of the jump at z = 0
    dW, db = numerical_gradient(lambda p: sign_perceptron_loss(X, y, *p), (W, b))
    assert np.all(dW == 0.0)
    assert float(db) == 0.0


def test_sign_perceptron_numerical_gradient_blows_up_at_the_jump():
    """At z = 0 exactly the loss jumps: the finite difference is huge, not a derivative."""
    X = np.array([[1.0], [2.0]])
    y = np.array([1.0, 1.0])
    W, b = np.array([1.0]), -1.0  # z = [0, 1]
    _, db = numerical_gradient(lambda p: sign_perceptron_loss(X, y, *p), (W, b), eps=1e-6)
    assert abs(float(db)) > 1e5


# --- gradcheck itself ------------------------------------------------------------------------


def test_check_gradient_catches_a_wrong_component_and_says_where():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(10, 4)), rng.normal(size=10)
    params = (rng.normal(size=4), 0.5)

    def wrong_grads(p):
        dW, db = linear_grads(X, y, *p)
        dW = dW.copy()
        dW[2] *= -1.0  # one sign error
        return dW, db

    result = check_gradient(lambda p: linear_loss(X, y, *p), wrong_grads, params)
    assert not result.ok
    assert result.worst_path == "[0]"
    assert result.worst_index == (2,)
    assert result.max_rel_error == pytest.approx(1.0, rel=1e-6)  # |a − (−a)| / (|a| + |a|)
    assert result.analytic == pytest.approx(-linear_grads(X, y, *params)[0][2])
    assert result.numeric == pytest.approx(linear_grads(X, y, *params)[0][2], rel=1e-7)
    assert "MISMATCH" in str(result) and "[0][2]" in str(result)

    right = check_gradient(
        lambda p: linear_loss(X, y, *p), lambda p: linear_grads(X, y, *p), params
    )
    assert right.ok


def test_check_gradient_catches_a_missing_one_over_m_in_the_bias():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    params = (rng.normal(size=2), 0.3)

    def summed(p):
        dW, db = linear_grads(X, y, *p)
        return dW, db * X.shape[0]

    result = check_gradient(lambda p: linear_loss(X, y, *p), summed, params)
    assert not result.ok
    assert result.worst_path == "[1]"
    assert result.worst_index == ()


def test_numerical_gradient_keeps_the_structure_and_leaves_params_alone():
    params = {"W": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.25])}
    before = {key: value.copy() for key, value in params.items()}
    grad = numerical_gradient(lambda p: float(np.sum(p["W"] ** 3) + 2 * p["b"][0]), params)
    assert set(grad) == {"W", "b"}
    np.testing.assert_allclose(grad["W"], 3 * params["W"] ** 2, rtol=1e-9)
    np.testing.assert_allclose(grad["b"], [2.0], rtol=1e-9)
    for key in params:
        assert np.array_equal(params[key], before[key])


def test_rel_error_formula_on_hand_made_values():
    # max over components of |a − b| / max(1e-8, |a| + |b|)
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    assert rel_error(np.array([-1.0]), np.array([1.0])) == pytest.approx(1.0)
    assert rel_error(3.0, 3.0) == 0.0
    # below the 1e-8 floor the denominator is 1e-8, not |a| + |b|
    assert rel_error(1e-10, 3e-10) == pytest.approx(2e-10 / 1e-8)
    assert rel_error(0.0, 0.0) == 0.0
    # the maximum is over every leaf of a structure
    a = (np.array([1.0, 1.0]), 4.0)
    b = (np.array([1.0, 1.0]), 5.0)
    assert rel_error(a, b) == pytest.approx(1.0 / 9.0)
    with pytest.raises(ValueError, match="same structure"):
        rel_error(np.zeros(2), np.zeros(3))
