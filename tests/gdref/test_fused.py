"""The fused loss-and-gradient functions used by descend agree with the separate ones."""

import numpy as np
import pytest

import gdref


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_logistic_loss_and_grads_equals_loss_and_grads(seed: int, l2: float) -> None:
    rng = np.random.default_rng(seed)
    m, n = rng.integers(1, 40), rng.integers(1, 8)
    X, W, b = rng.normal(size=(m, n)), rng.normal(size=n), float(rng.normal())
    y = (rng.random(m) < 0.5).astype(float)
    loss, (dW, db) = gdref.logistic_loss_and_grads(X, y, W, b, l2)
    assert loss == pytest.approx(gdref.logistic_loss(X, y, W, b, l2), rel=1e-14)
    expected_dW, expected_db = gdref.logistic_grads(X, y, W, b, l2)
    np.testing.assert_allclose(dW, expected_dW, rtol=1e-13, atol=1e-15)
    assert db == pytest.approx(expected_db, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_linear_loss_and_grads_equals_loss_and_grads(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = rng.integers(1, 40), rng.integers(1, 8)
    X, y, W, b = rng.normal(size=(m, n)), rng.normal(size=m), rng.normal(size=n), 0.7
    loss, (dW, db) = gdref.linear_loss_and_grads(X, y, W, b)
    assert loss == pytest.approx(gdref.linear_loss(X, y, W, b), rel=1e-14)
    expected_dW, expected_db = gdref.linear_grads(X, y, W, b)
    np.testing.assert_allclose(dW, expected_dW, rtol=1e-13, atol=1e-15)
    assert db == pytest.approx(expected_db, rel=1e-13, abs=1e-15)


def test_fused_functions_validate_like_the_separate_ones() -> None:
    X, y = np.ones((3, 2)), np.zeros(3)
    with pytest.raises(ValueError, match="W must have shape"):
        gdref.logistic_loss_and_grads(X, y, np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="X must contain only finite"):
        gdref.linear_loss_and_grads(np.full((3, 2), np.nan), y, np.zeros(2), 0.0)
