"""Bad input gets a ValueError whose message names the argument and what was expected.

Each case is (what is wrong, a call, a regular expression the message must match). The regex
always contains the argument's name and the expected shape or range.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdref import (
    absolute_error_grad,
    bce,
    bce_with_logits,
    bce_with_logits_grad,
    check_gradient,
    datasets,
    descend,
    linear_grads,
    linear_loss,
    linear_objective,
    linear_predict,
    logistic_grads,
    logistic_loss,
    logistic_predict_proba,
    mse,
    mse_grad,
    numerical_gradient,
    optim,
    schedules,
    sigmoid,
    sign_perceptron_grads,
)

X = np.ones((4, 3))
Y = np.zeros(4)
W = np.zeros(3)
NAN_X = np.full((4, 3), np.nan)
INF_COLUMN_X = np.column_stack([np.full(4, np.inf), np.ones((4, 2))])


def run(**kwargs):
    """descend on a small linear-regression problem, with keyword overrides."""
    arguments = {"X": X, "y": Y, "max_steps": 3}
    arguments.update(kwargs)
    return descend(linear_objective, (W, 0.0), optim.sgd(0.1), **arguments)


SHAPES = [
    (
        "mse lengths",
        lambda: mse(np.zeros(3), np.zeros(4)),
        r"y_hat and y .*same shape.*\(3,\).*\(4,\)",
    ),
    (
        "mse column vs row",
        lambda: mse_grad(np.zeros((4, 1)), Y),
        r"y_hat and y .*same shape.*\(4, 1\)",
    ),
    ("bce lengths", lambda: bce(np.full(2, 0.5), np.zeros(3)), r"p and y .*same shape"),
    ("logits lengths", lambda: bce_with_logits(np.zeros(2), np.zeros(3)), r"z and y .*same shape"),
    (
        "logits grad",
        lambda: bce_with_logits_grad(np.zeros(2), np.zeros(3)),
        r"z and y .*same shape",
    ),
    (
        "abs grad",
        lambda: absolute_error_grad(np.zeros(2), np.zeros(3)),
        r"y_hat and y .*same shape",
    ),
    ("X 1-D", lambda: linear_grads(np.ones(3), Y, W, 0.0), r"X must be 2-D .*\(m, n\)"),
    ("X 3-D", lambda: logistic_loss(np.ones((4, 3, 1)), Y, W, 0.0), r"X must be 2-D .*\(m, n\)"),
    ("X no rows", lambda: linear_loss(np.zeros((0, 3)), np.zeros(0), W, 0.0), r"X .*m >= 1"),
    (
        "y too long",
        lambda: linear_grads(X, np.zeros(5), W, 0.0),
        r"y must have shape \(m,\) = \(4,\)",
    ),
    (
        "y a column",
        lambda: logistic_grads(X, np.zeros((4, 1)), W, 0.0),
        r"y must have shape \(m,\) = \(4,\)",
    ),
    (
        "W wrong n",
        lambda: linear_grads(X, Y, np.zeros(4), 0.0),
        r"W must have shape \(n,\) = \(3,\)",
    ),
    (
        "W a column",
        lambda: logistic_grads(X, Y, np.zeros((3, 1)), 0.0),
        r"W must have shape \(n,\) = \(3,\)",
    ),
    (
        "W in predict",
        lambda: linear_predict(X, np.zeros(2), 0.0),
        r"W must have shape \(n,\) = \(3,\)",
    ),
    (
        "X in predict",
        lambda: logistic_predict_proba(np.ones(3), W, 0.0),
        r"X must be 2-D .*\(m, n\)",
    ),
    ("b a vector", lambda: linear_grads(X, Y, W, np.zeros(2)), r"b must be a scalar"),
    (
        "perceptron y",
        lambda: sign_perceptron_grads(X, np.zeros(3), W, 0.0),
        r"y must have shape \(m,\)",
    ),
    ("descend y rows", lambda: run(y=np.zeros(5)), r"y must have m = 4 rows"),
    ("descend X 1-D", lambda: run(X=np.zeros(4)), r"X must be 2-D .*\(m, n\)"),
    ("standardize 1-D", lambda: datasets.standardize(np.ones(3)), r"X must be 2-D .*\(m, n\)"),
    (
        "standardize mean",
        lambda: datasets.standardize(X, mean=np.zeros(2), std=np.ones(3)),
        r"mean must have shape \(n,\) = \(3,\)",
    ),
    (
        "split y",
        lambda: datasets.train_test_split(X, np.zeros(3)),
        r"X must be \(m, n\) and y \(m,\)",
    ),
    (
        "check_gradient",
        lambda: check_gradient(lambda p: float(np.sum(p)), lambda p: np.zeros(2), np.zeros(3)),
        r"grad_f returned shape \(2,\) .* expected \(3,\)",
    ),
]

NON_FINITE = [
    (
        "y_hat NaN",
        lambda: mse(np.array([np.nan]), np.zeros(1)),
        r"y_hat must contain only finite values",
    ),
    ("y inf", lambda: mse(np.zeros(1), np.array([np.inf])), r"y must contain only finite values"),
    ("p NaN", lambda: bce(np.array([np.nan]), np.ones(1)), r"p must contain only finite values"),
    (
        "z inf",
        lambda: bce_with_logits(np.array([np.inf]), np.ones(1)),
        r"z must contain only finite values",
    ),
    ("X NaN", lambda: linear_grads(NAN_X, Y, W, 0.0), r"X must contain only finite values"),
    (
        "X NaN logistic",
        lambda: logistic_loss(NAN_X, Y, W, 0.0),
        r"X must contain only finite values",
    ),
    (
        "y NaN",
        lambda: logistic_grads(X, np.full(4, np.nan), W, 0.0),
        r"y must contain only finite values",
    ),
    (
        "W inf",
        lambda: linear_loss(X, Y, np.array([np.inf, 0, 0]), 0.0),
        r"W must contain only finite values",
    ),
    ("b NaN", lambda: linear_grads(X, Y, W, np.nan), r"b must contain only finite values"),
    ("descend X NaN", lambda: run(X=NAN_X), r"X must contain only finite values"),
    (
        "descend y inf",
        lambda: run(y=np.array([0, 0, 0, np.inf])),
        r"y must contain only finite values",
    ),
    ("standardize X", lambda: datasets.standardize(NAN_X), r"X must contain only finite values"),
]

RANGES = [
    ("sgd lr 0", lambda: optim.sgd(0.0), r"lr must be a finite number > 0, got 0"),
    ("sgd lr < 0", lambda: optim.sgd(-0.1), r"lr must be a finite number > 0, got -0.1"),
    ("sgd lr NaN", lambda: optim.sgd(float("nan")), r"lr must be a finite number > 0"),
    ("momentum lr 0", lambda: optim.momentum(0.0), r"lr must be a finite number > 0"),
    ("adam lr < 0", lambda: optim.adam(-1e-3), r"lr must be a finite number > 0"),
    ("momentum beta 1", lambda: optim.momentum(0.1, beta=1.0), r"beta must be in \[0.0, 1.0\)"),
    ("momentum beta < 0", lambda: optim.momentum(0.1, beta=-0.5), r"beta must be in \[0.0, 1.0\)"),
    (
        "momentum form",
        lambda: optim.momentum(0.1, form="keras"),
        r"form must be 'pytorch' or 'sutskever'",
    ),
    ("adam b1", lambda: optim.adam(b1=1.0), r"b1 must be in \[0.0, 1.0\)"),
    ("adam b2", lambda: optim.adam(b2=1.5), r"b2 must be in \[0.0, 1.0\)"),
    ("adam eps", lambda: optim.adam(eps=0.0), r"eps must be a finite number > 0"),
    (
        "scheduled lr < 0",
        lambda: _step_with(optim.sgd(lambda k: 0.1 - 0.1 * k), 2),
        r"lr at update 1 must be a finite number > 0",
    ),
    (
        "batch_size 0",
        lambda: run(batch_size=0),
        r"batch_size must be an integer in \[1, m\] = \[1, 4\], got 0",
    ),
    (
        "batch_size > m",
        lambda: run(batch_size=5),
        r"batch_size must be an integer in \[1, m\] = \[1, 4\], got 5",
    ),
    ("batch_size 2.5", lambda: run(batch_size=2.5), r"batch_size must be an integer in \[1, m\]"),
    ("max_steps < 0", lambda: run(max_steps=-1), r"max_steps must be an integer >= 0"),
    ("epochs 0", lambda: run(epochs=0), r"epochs must be an integer >= 1"),
    ("no budget", lambda: run(max_steps=None), r"max_steps or epochs"),
    ("tol 0", lambda: run(tol=0.0), r"tol must be a finite number > 0"),
    ("grad_tol < 0", lambda: run(grad_tol=-1.0), r"grad_tol must be a finite number > 0"),
    (
        "divergence_factor",
        lambda: run(divergence_factor=0.0),
        r"divergence_factor must be a finite number > 0",
    ),
    (
        "y without X",
        lambda: descend(datasets.parabola_objective, 1.0, optim.sgd(0.1), y=Y),
        r"y and batch_size need X",
    ),
    (
        "X without y",
        lambda: descend(linear_objective, (W, 0.0), optim.sgd(0.1), X=X),
        r"X was given without y",
    ),
    (
        "params not numeric",
        lambda: descend(datasets.parabola_objective, "w", optim.sgd(0.1)),
        r"params leaves must be numeric",
    ),
    (
        "p outside [0, 1]",
        lambda: bce(np.array([1.5]), np.ones(1)),
        r"p must hold probabilities in \[0, 1\]",
    ),
    ("bce eps", lambda: bce(np.full(1, 0.5), np.ones(1), eps=0.0), r"eps must be in \(0, 0.5\)"),
    ("l2 < 0", lambda: logistic_grads(X, Y, W, 0.0, l2=-0.1), r"l2 must be a finite number >= 0"),
    (
        "gradcheck eps",
        lambda: numerical_gradient(lambda p: 0.0, 1.0, eps=0.0),
        r"eps must be a finite number > 0",
    ),
    ("empty y_hat", lambda: mse(np.zeros(0), np.zeros(0)), r"y_hat must hold at least one example"),
    (
        "constant column",
        lambda: datasets.standardize(np.ones((3, 2))),
        r"std must be > 0; columns \[0, 1\]",
    ),
    (
        "test_fraction",
        lambda: datasets.train_test_split(X, Y, test_fraction=1.0),
        r"test_fraction must be in \(0, 1\)",
    ),
    ("commute m", lambda: datasets.commute_times(0), r"m must be an integer >= 1"),
]

SCHEDULES = [
    (
        "unknown schedule",
        lambda: schedules.get_schedule("cosine", lr=0.1),
        r"unknown schedule 'cosine'; expected one of "
        r"\['constant', 'exponential', 'inverse_time', 'step'\]",
    ),
    (
        "step_size 0",
        lambda: schedules.step_decay(0.1, step_size=0),
        r"step_size must be an integer >= 1",
    ),
    (
        "step_size 1.5",
        lambda: schedules.step_decay(0.1, step_size=1.5),
        r"step_size must be an integer >= 1",
    ),
    (
        "gamma 0",
        lambda: schedules.exponential_decay(0.1, gamma=0.0),
        r"gamma must be a finite number > 0",
    ),
    ("schedule lr 0", lambda: schedules.constant(0.0), r"lr must be a finite number > 0"),
    (
        "decay_rate < 0",
        lambda: schedules.inverse_time_decay(0.1, decay_rate=-1.0),
        r"decay_rate must be in \[0.0, inf\)",
    ),
    (
        "decay_steps 0",
        lambda: schedules.inverse_time_decay(0.1, 0.5, decay_steps=0),
        r"decay_steps must be a finite number > 0",
    ),
    ("k < 0", lambda: schedules.exponential_decay(0.1, 0.9)(-1), r"step index k must be >= 0"),
]


def _step_with(opt: optim.Optimizer, steps: int):
    params, state = np.zeros(2), opt.init(np.zeros(2))
    for _ in range(steps):
        params, state = opt.step(params, np.ones(2), state)
    return params


CASES = SHAPES + NON_FINITE + RANGES + SCHEDULES


@pytest.mark.parametrize(("call", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_value_error_naming_the_argument(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_inf_in_x_is_reported_without_a_numpy_warning_first():
    """inf in X times a zero weight is NaN inside X @ W; the learner should see only our
    ValueError, not a RuntimeWarning from NumPy's matmul before it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"X must contain only finite values"):
            linear_grads(INF_COLUMN_X, Y, W, 0.0)


# --- shape mismatches between params and grads in the optimizers -------------------------------


@pytest.mark.parametrize(
    "opt",
    [optim.sgd(0.1), optim.momentum(0.1, 0.9), optim.adam(0.1)],
    ids=["sgd", "momentum", "adam"],
)
@pytest.mark.parametrize(
    "grads",
    [np.ones(4), np.ones((3, 1)), np.ones(1)],
    ids=["too long", "a column (would broadcast to 3 x 3)", "length 1 (would broadcast)"],
)
def test_optimizer_step_rejects_grads_of_another_shape(opt, grads):
    params = np.zeros(3)
    with pytest.raises(ValueError, match=r"grads.*shape.*\(3,\)"):
        opt.step(params, grads, opt.init(params))


@pytest.mark.parametrize("opt", [optim.sgd(0.1), optim.adam(0.1)], ids=["sgd", "adam"])
def test_optimizer_step_rejects_grads_of_another_structure(opt):
    params = (np.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"structures differ: expected a sequence of 2"):
        opt.step(params, (np.zeros(3),), opt.init(params))
    with pytest.raises(ValueError, match=r"structures differ: expected a dict with keys \['W'\]"):
        opt.step({"W": np.zeros(3)}, {"V": np.zeros(3)}, opt.init({"W": np.zeros(3)}))


def test_descend_rejects_non_finite_starting_params():
    """A NaN start is bad input, not a diverging run: say so before the first step."""
    with pytest.raises(ValueError, match=r"params must contain only finite values"):
        descend(datasets.parabola_objective, float("nan"), optim.sgd(0.1), max_steps=3)


@pytest.mark.parametrize("lr", ["0.1", None, [0.1, 0.2]], ids=["a string", "None", "a list"])
def test_a_non_numeric_learning_rate_is_a_value_error_naming_lr(lr):
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0"):
        optim.sgd(lr)


def test_get_schedule_with_missing_or_unknown_arguments_names_them():
    with pytest.raises(ValueError, match=r"step_size"):
        schedules.get_schedule("step", lr=0.1)
    with pytest.raises(ValueError, match=r"'step'.*step_size"):
        schedules.get_schedule("step", lr=0.1, step=3)  # misspelt step_size


def test_a_non_numeric_z_names_the_type_that_was_passed():
    with pytest.raises(ValueError, match=r"z must be numeric, got str"):
        sigmoid("abc")
