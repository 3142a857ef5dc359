"""Numerical stability of σ and both BCE forms for |z| up to 1e4, in float32 and float64.

"No warnings" is enforced two ways at once: Python warnings become errors, and NumPy raises on
overflow, invalid operations (NaN from inf − inf, 0·inf, …) and division by zero. Underflow is
left at NumPy's default ("ignore"): e^(−10⁴) rounding to 0 is the correctly rounded answer, not a
failure, and NumPy never warns about it by default.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdref import bce, bce_grad, bce_with_logits, bce_with_logits_grad, sigmoid, sigmoid_grad
from gdref.losses import BCE_EPS

DTYPES = [np.float32, np.float64]
EXTREMES = [0.0, 1e-3, 1.0, 20.0, 36.0, 40.0, 88.0, 89.0, 100.0, 709.0, 710.0, 745.0, 800.0, 1e4]


@contextmanager
def strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


def logits(dtype) -> np.ndarray:
    values = np.array(EXTREMES)
    return np.concatenate([-values[::-1], values]).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_is_finite_bounded_and_keeps_the_dtype(dtype):
    z = logits(dtype)
    with strict():
        s = sigmoid(z)
        ds = sigmoid_grad(z)
    assert s.dtype == dtype
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    assert np.all((s >= 0) & (s <= 1))
    assert np.all(np.diff(s) >= 0)  # monotone
    assert s[0] == 0.0 and s[-1] == 1.0  # σ(−1e4) underflows to 0, σ(1e4) rounds to 1
    assert sigmoid(dtype(0.0)) == 0.5
    # symmetry σ(−z) = 1 − σ(z)
    np.testing.assert_allclose(s[::-1], 1.0 - s, atol=np.finfo(dtype).eps)


def test_sigmoid_tail_is_relatively_accurate_where_the_naive_formula_overflows():
    z = np.array([-700.0, -745.0, -100.0])
    with strict():
        s = sigmoid(z)
    np.testing.assert_allclose(s[[0, 2]], np.exp(z[[0, 2]]), rtol=1e-12)  # σ(z) ≈ e^z there
    assert s[1] > 0  # e^(−745) is the smallest subnormal, not 0
    with strict(), pytest.raises(FloatingPointError):
        1.0 / (1.0 + np.exp(-z))  # the textbook formula overflows: this test can tell


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_float32_input_stays_float32_even_for_scalars(dtype):
    assert sigmoid(np.array(3.0, dtype=dtype)).dtype == dtype
    assert sigmoid(np.float32(-1e4)).dtype == np.float32
    assert sigmoid([1, 2]).dtype == np.float64  # ints and lists are computed in float64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label", [0.0, 1.0])
def test_bce_with_logits_finite_and_exact_in_the_tails(dtype, label):
    z = logits(dtype)
    y = np.full(z.shape, label)
    with strict():
        per_example = [bce_with_logits(z[i : i + 1], y[i : i + 1]) for i in range(z.size)]
        loss = bce_with_logits(z, y)
        grad = bce_with_logits_grad(z, y)
    assert np.all(np.isfinite(per_example)) and np.isfinite(loss)
    assert np.all(np.isfinite(grad))
    # a confidently wrong logit costs |z| (log(1 + e^|z|) ≈ |z|), a confidently right one ≈ 0
    wrong = -1e4 if label == 1.0 else 1e4
    assert bce_with_logits(np.array([wrong]), np.array([label])) == pytest.approx(1e4, rel=1e-12)
    assert bce_with_logits(np.array([-wrong]), np.array([label])) == 0.0
    assert np.all(np.abs(grad) <= 1.0 / z.size)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label", [0.0, 1.0])
def test_bce_from_probabilities_finite_for_saturated_sigmoids(dtype, label):
    with strict():
        p = sigmoid(logits(dtype))
        y = np.full(p.shape, label)
        loss = bce(p, y)
        grad = bce_grad(p, y)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    # clipped: no example can cost more than about −log(eps)
    assert loss <= -np.log(BCE_EPS) * (1 + 1e-5)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-20.0, 20.0), min_size=1, max_size=10), st.integers(0, 2**32 - 1))
def test_bce_with_logits_equals_bce_of_sigmoid_where_both_are_accurate(z, seed):
    """For |z| ≤ 20, σ(z) is not rounded to 0 or 1, and the two forms agree to a relative 1e-7
    or an absolute 1e-14, whichever is looser. The probability form loses digits in two places:
    log(1 − p) with y = 0 (1 − p ≈ e^(−z) carries an absolute error ≈ 1e-16, relative ≤ 5e-8 at
    z = 20, on a loss ≈ z), and −log p with y = 1 (a loss ≈ e^(−z) ≈ 2e-9 with an absolute
    error of a few 1e-16 from rounding p near 1: relative up to ~4e-7, hence the absolute term).
    """
    z = np.array(z)
    y = np.random.default_rng(seed).integers(0, 2, size=z.size).astype(float)
    with strict():
        from_logits = bce_with_logits(z, y)
        from_probabilities = bce(sigmoid(z), y)
    assert from_probabilities == pytest.approx(from_logits, rel=1e-7, abs=1e-14)


def test_the_two_forms_part_where_sigmoid_rounds_to_one():
    """Documented limit of the probability form: σ(40) rounds to 1.0 in float64, so bce with
    y = 0 sees p = 1 and is clipped to −log(eps) ≈ 27.6, while the logit form gives the exact 40."""
    z, y = np.array([40.0]), np.array([0.0])
    assert sigmoid(z)[0] == 1.0
    assert bce_with_logits(z, y) == pytest.approx(40.0, rel=1e-15)
    assert bce(sigmoid(z), y) == pytest.approx(-np.log(BCE_EPS), rel=1e-5)


def test_bce_clips_certain_probabilities_to_minus_log_eps():
    with strict():
        assert bce(np.array([0.0]), np.array([1.0])) == pytest.approx(-np.log(BCE_EPS), rel=1e-12)
        # the mirror case must cost the same −log(eps): clipping p at the float nearest 1 − eps
        # and then taking log1p(−p) would give −log(1 − fl(1 − 1e-12)) = 27.63104… instead
        assert bce(np.array([1.0]), np.array([0.0])) == pytest.approx(-np.log(BCE_EPS), rel=1e-12)
        assert bce(np.array([0.0]), np.array([0.0])) == pytest.approx(0.0, abs=1e-11)
        assert bce(np.array([1.0]), np.array([1.0])) == pytest.approx(0.0, abs=1e-11)
        # a custom eps sets the cap: −log(0.01) per example
        assert bce(np.array([0.0, 1.0]), np.array([1.0, 0.0]), eps=0.01) == pytest.approx(
            -np.log(0.01), rel=1e-12
        )
        grad = bce_grad(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert np.all(np.isfinite(grad))
    assert grad[0] < 0 < grad[1]  # the clipped gradient still points the right way
