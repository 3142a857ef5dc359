"""Every worked example of the seeds, reproduced by gdref.

seed 002: the parabola L(w) = (w − 2)² from w₀ = 6 with α = 0.3 (converges, |w − 2| × 0.4 a step)
and α = 1.2 (diverges, |w − 2| × 1.4 a step); the updates 3.0 − 0.1·2.5 = 2.75 and
5.0 − 0.2·(−3.0) = 5.6.
seed 000: the thermometers with the absolute-error loss: fixed-step subgradient descent ends up
hopping back and forth across the median forever.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdref import absolute_error, absolute_error_grad, datasets, descend, optim

# Floating point: 0.3 · 8 etc. are not exact binary numbers; 1e-12 is "exact" for these sizes.
EXACT = {"rel": 1e-12, "abs": 1e-12}


def parabola_run(alpha: float, steps: int) -> tuple[list[float], list[float]]:
    """w₀ = 6 and ``steps`` updates w ← w − α L'(w) with gdref.optim.sgd; returns (w, L(w))."""
    opt = optim.sgd(alpha)
    w, state = 6.0, opt.init(6.0)
    ws, losses = [w], [datasets.parabola_loss(w)]
    for _ in range(steps):
        w, state = opt.step(w, datasets.parabola_grad(w), state)
        ws.append(float(w))
        losses.append(datasets.parabola_loss(w))
    return ws, losses


def test_parabola_first_gradient_and_step():
    assert datasets.parabola_grad(6.0) == 8.0
    assert datasets.PARABOLA_MIN == 2.0
    ws, _ = parabola_run(0.3, 1)
    assert ws[1] == pytest.approx(3.6, **EXACT)  # 6.0 − 0.3 × 8.0 = 6.0 − 2.4


def test_parabola_five_steps_alpha_0_3():
    ws, losses = parabola_run(0.3, 5)
    assert ws[1:] == pytest.approx([3.6, 2.64, 2.256, 2.1024, 2.04096], **EXACT)
    assert losses == pytest.approx(
        [16.0, 2.56, 0.4096, 0.065536, 0.01048576, 0.0016777216], **EXACT
    )
    # monotone decrease; each step shrinks the distance to the minimum by |1 − 2α| = 0.4
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))
    distance = np.abs(np.array(ws) - 2.0)
    np.testing.assert_allclose(distance[1:] / distance[:-1], 0.4, rtol=1e-9)


def test_parabola_alpha_1_2_diverges_by_1_4_per_step():
    ws, losses = parabola_run(1.2, 5)
    assert ws[1:] == pytest.approx([-3.6, 9.84, -8.976, 17.3664, -19.51296], **EXACT)
    distance = np.abs(np.array(ws) - 2.0)
    np.testing.assert_allclose(distance[1:] / distance[:-1], 1.4, rtol=1e-12)
    signs = np.sign(np.array(ws) - 2.0)
    assert np.all(signs[1:] == -signs[:-1])  # overshoots to the other side every time
    np.testing.assert_allclose(np.array(losses[1:]) / np.array(losses[:-1]), 1.96, rtol=1e-12)


def test_descend_reports_the_parabola_at_alpha_1_2_as_diverged():
    trace = descend(datasets.parabola_objective, 6.0, optim.sgd(1.2), max_steps=1000)
    assert trace.stop_reason == "diverged"
    assert "learning rate" in trace.message
    # L grows ×1.96 a step from 16; it first exceeds 1e6 × 16 at step ⌈log(1e6)/log(1.96)⌉ = 21.
    assert trace.steps == int(np.ceil(np.log(1e6) / np.log(1.96)))
    assert trace.losses[:3] == pytest.approx([16.0, 31.36, 61.4656], **EXACT)


def test_descend_converges_on_the_parabola_at_alpha_0_3():
    trace = descend(datasets.parabola_objective, 6.0, optim.sgd(0.3), max_steps=1000, tol=1e-9)
    assert trace.params_history[1:6] == pytest.approx([3.6, 2.64, 2.256, 2.1024, 2.04096], **EXACT)
    assert trace.stop_reason == "converged"
    assert float(trace.params) == pytest.approx(2.0, abs=1e-4)


def test_update_w3_grad2_5_lr0_1_gives_2_75():
    opt = optim.sgd(0.1)
    w, _ = opt.step(3.0, 2.5, opt.init(3.0))
    assert float(w) == pytest.approx(2.75, **EXACT)


def test_update_w5_grad_minus3_lr0_2_gives_5_6():
    opt = optim.sgd(0.2)
    w, _ = opt.step(5.0, -3.0, opt.init(5.0))
    assert float(w) == pytest.approx(5.6, **EXACT)  # a negative slope moves w to the right


# --- the thermometers (seed 000) ------------------------------------------------------------
# The seed's numbers were lost; we start at θ₀ = 18 °C with α = 0.45. Left of every reading the
# subgradient of L(θ) = 1/3 Σ|θ − xᵢ| is −1 (steps of 0.45); between the readings it is ±1/3
# (steps of 0.15), so the iterate walks up, crosses the median 20.6 and then hops between 20.55
# and 20.70 for ever: a 2-cycle straddling the median, never settling on it.


def thermometer_objective(readings: np.ndarray):
    def objective(theta):
        predictions = np.full_like(readings, float(theta))
        # dJ/dθ = Σᵢ ∂J/∂ŷᵢ · dŷᵢ/dθ with dŷᵢ/dθ = 1
        return absolute_error(predictions, readings), np.sum(
            absolute_error_grad(predictions, readings)
        )

    return objective


def test_thermometers_are_three_readings_with_a_median_away_from_the_mean():
    readings = datasets.thermometers()
    assert readings.shape == (3,)
    assert np.median(readings) != pytest.approx(np.mean(readings), abs=1e-3)


def test_thermometer_iterate_ends_in_a_two_cycle_straddling_the_median():
    readings = datasets.thermometers()
    median = float(np.median(readings))
    trace = descend(thermometer_objective(readings), 18.0, optim.sgd(0.45), max_steps=60)
    assert trace.stop_reason == "max_steps"  # no convergence: the subgradient never shrinks
    path = np.array([float(t) for t in trace.params_history])

    # the walk up: steps of α·1 = 0.45 below the lowest reading
    np.testing.assert_allclose(np.diff(path[:5]), 0.45, rtol=1e-12)
    tail = path[20:]
    side = np.sign(tail - median)
    assert np.all(side != 0)
    assert np.all(side[1:] == -side[:-1]), "the iterate must alternate sides of the median"
    np.testing.assert_allclose(tail[2:], tail[:-2], atol=1e-9)  # period 2
    low, high = sorted(tail[:2])
    assert low < median < high
    assert (low, high) == pytest.approx((20.55, 20.70), abs=1e-9)
    assert high - low == pytest.approx(0.45 / 3, rel=1e-9)  # one step of α/3
    # the loss keeps bouncing between two values instead of decreasing to the minimum
    minimum = absolute_error(np.full(3, median), readings)
    assert min(trace.losses[20:]) > minimum


def test_thermometer_loss_is_minimised_by_the_median_not_the_mean():
    readings = datasets.thermometers()
    grid = np.linspace(readings.min() - 1, readings.max() + 1, 4001)
    losses = [absolute_error(np.full(3, t), readings) for t in grid]
    assert grid[int(np.argmin(losses))] == pytest.approx(np.median(readings), abs=1e-3)
    assert absolute_error(np.full(3, np.median(readings)), readings) < absolute_error(
        np.full(3, np.mean(readings)), readings
    )
