"""gdref.descend: batching, seeded shuffling, stopping rules, divergence, the Trace."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdref import datasets, descend, linear_grads, linear_loss, linear_objective, optim, schedules


def indexed_data(m: int, n: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Column 0 of X is the row number, so a batch tells which rows it holds."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.arange(m, dtype=float), rng.normal(size=(m, n - 1))])
    y = rng.normal(size=m)
    return X, y


class Recorder:
    """An objective that records the rows of every call (linear regression).

    In a mini-batch run, descend calls the objective once per batch and, after the last batch of
    each epoch, once on all the data in order (the full-data epoch loss, ``Trace.epoch_losses``).
    ``batches`` holds the update batches only; ``calls`` every call.
    """

    def __init__(self, m: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.m = m

    @property
    def batches(self) -> list[list[int]]:
        if self.m is None:
            return self.calls
        everything = list(range(self.m))
        batches, i = [], 0
        while i < len(self.calls):
            batches.append(self.calls[i])
            # a full-data evaluation follows the batch that completes an epoch
            seen = sum(len(b) for b in batches) % self.m == 0
            i += 2 if seen and i + 1 < len(self.calls) and self.calls[i + 1] == everything else 1
        return batches

    def __call__(self, params, X_batch, y_batch):
        self.calls.append(X_batch[:, 0].astype(int).tolist())
        return linear_objective(params, X_batch, y_batch)


def start(n: int = 2):
    return (np.zeros(n), 0.0)


def expected_batches(
    m: int, batch_size: int, seed: int, epochs: int, with_epoch_evaluations: bool = False
) -> list[list[int]]:
    """The documented rule, rebuilt: one default_rng(seed) per call, permutation(m) per epoch,
    cut into consecutive batches of batch_size (the last one keeps the leftovers). With
    ``with_epoch_evaluations`` the full-data call closing each epoch is included."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(m)
        batches += [order[i : i + batch_size].tolist() for i in range(0, m, batch_size)]
        if with_epoch_evaluations:
            batches.append(list(range(m)))
    return batches


# --- batching -------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "batch_size"), [(10, 3), (10, 5), (7, 7), (7, 1), (13, 4)])
def test_batches_per_epoch_including_the_last_partial_batch(m, batch_size):
    X, y = indexed_data(m)
    recorder = Recorder(m)
    trace = descend(
        recorder,
        start(),
        optim.sgd(0.01),
        X=X,
        y=y,
        batch_size=batch_size,
        epochs=3,
        max_steps=None,
    )
    per_epoch = math.ceil(m / batch_size)
    assert trace.steps == 3 * per_epoch
    assert trace.epochs == 3
    assert len(recorder.batches) == 3 * per_epoch
    for epoch in range(3):
        batches = recorder.batches[epoch * per_epoch : (epoch + 1) * per_epoch]
        sizes = [len(b) for b in batches]
        assert sizes[:-1] == [batch_size] * (per_epoch - 1)
        assert sizes[-1] == m - batch_size * (per_epoch - 1)  # m mod k leftovers (or a full one)
        assert sorted(sum(batches, [])) == list(range(m))  # every example exactly once an epoch
    assert len(trace.epoch_losses) == 3


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_shuffling_follows_the_documented_rng_permutation_rule(seed):
    X, y = indexed_data(10)
    recorder = Recorder(10)
    descend(
        recorder,
        start(),
        optim.sgd(0.01),
        X=X,
        y=y,
        batch_size=3,
        epochs=2,
        max_steps=None,
        seed=seed,
    )
    assert recorder.calls == expected_batches(10, 3, seed, epochs=2, with_epoch_evaluations=True)
    assert recorder.batches == expected_batches(10, 3, seed, epochs=2)
    # epochs are shuffled afresh: the second epoch's order differs from the first's
    assert sum(recorder.batches[:4], []) != sum(recorder.batches[4:], [])


def test_seeded_runs_are_reproducible_and_seeds_matter():
    X, y = indexed_data(30, n=3)
    runs = [
        descend(
            linear_objective,
            start(3),
            optim.sgd(0.05),
            X=X / 30,
            y=y,
            batch_size=4,
            epochs=3,
            max_steps=None,
            seed=seed,
        )
        for seed in (5, 5, 6)
    ]
    assert runs[0].losses == runs[1].losses
    assert np.array_equal(runs[0].params[0], runs[1].params[0])
    assert runs[0].losses != runs[2].losses


def test_a_generator_can_be_passed_as_seed():
    X, y = indexed_data(10)
    recorder = Recorder(10)
    descend(
        recorder,
        start(),
        optim.sgd(0.01),
        X=X,
        y=y,
        batch_size=4,
        epochs=1,
        max_steps=None,
        seed=np.random.default_rng(99),
    )
    assert recorder.batches == expected_batches(10, 4, 99, epochs=1)


def test_full_batch_uses_every_row_in_order_every_step():
    X, y = indexed_data(6)
    recorder = Recorder()
    trace = descend(recorder, start(), optim.sgd(0.01), X=X, y=y, max_steps=4)
    assert recorder.batches == [list(range(6))] * 4
    assert trace.epochs == 4


def test_stochastic_gd_is_batch_size_one():
    X, y = indexed_data(5)
    recorder = Recorder(5)
    trace = descend(
        recorder, start(), optim.sgd(0.01), X=X, y=y, batch_size=1, epochs=2, max_steps=None, seed=3
    )
    assert [len(b) for b in recorder.batches] == [1] * 10
    assert recorder.batches == expected_batches(5, 1, 3, epochs=2)
    assert trace.steps == 10


def test_minibatch_steps_use_the_batch_gradient():
    """The update of step k is −η ∇J on exactly the rows of batch k."""
    X, y = indexed_data(9, n=3, seed=2)
    X[:, 0] /= 9
    trace = descend(
        linear_objective,
        start(3),
        optim.sgd(0.1),
        X=X,
        y=y,
        batch_size=4,
        epochs=1,
        max_steps=None,
        seed=8,
    )
    rows = expected_batches(9, 4, 8, epochs=1)
    W, b = start(3)
    for k, batch in enumerate(rows):
        dW, db = linear_grads(X[batch], y[batch], W, b)
        assert trace.losses[k] == pytest.approx(linear_loss(X[batch], y[batch], W, b), rel=1e-14)
        W, b = W - 0.1 * dW, b - 0.1 * db
        np.testing.assert_allclose(trace.params_history[k + 1][0], W, rtol=1e-14)
    assert trace.epoch_losses == [pytest.approx(linear_loss(X, y, W, b), rel=1e-14)]


# --- budgets ------------------------------------------------------------------------------------


def test_max_steps_stops_mid_epoch():
    X, y = indexed_data(10)
    trace = descend(
        linear_objective, start(), optim.sgd(0.001), X=X, y=y, batch_size=3, max_steps=5
    )
    assert (trace.steps, trace.stop_reason) == (5, "max_steps")
    assert trace.epochs == 1  # one complete epoch (4 batches) and one step into the next
    assert "max_steps = 5" in trace.message


def test_epochs_limit_wins_when_it_comes_first():
    X, y = indexed_data(10)
    trace = descend(
        linear_objective,
        start(),
        optim.sgd(0.001),
        X=X,
        y=y,
        batch_size=3,
        epochs=2,
        max_steps=1000,
    )
    assert (trace.steps, trace.epochs, trace.stop_reason) == (8, 2, "max_steps")
    assert "epochs = 2" in trace.message


def test_zero_max_steps_makes_no_update():
    trace = descend(datasets.parabola_objective, 6.0, optim.sgd(0.1), max_steps=0)
    assert trace.steps == 0 and trace.losses == [] and float(trace.params) == 6.0


# --- convergence ----------------------------------------------------------------------------


def test_tol_stops_at_the_first_small_relative_loss_change():
    trace = descend(datasets.parabola_objective, 6.0, optim.sgd(0.1), max_steps=10_000, tol=1e-6)
    assert trace.stop_reason == "converged"
    losses = trace.losses
    changes = [abs(b - a) / abs(a) for a, b in zip(losses, losses[1:], strict=False)]
    assert changes[-1] <= 1e-6
    assert all(change > 1e-6 for change in changes[:-1])
    # the loss of the final params is the last one recorded (no update after it)
    assert len(losses) == trace.steps + 1
    assert losses[-1] == pytest.approx(datasets.parabola_loss(float(trace.params)), rel=1e-15)


def test_grad_tol_stops_at_the_first_small_gradient():
    trace = descend(
        datasets.parabola_objective, 6.0, optim.sgd(0.1), max_steps=10_000, grad_tol=1e-8
    )
    assert trace.stop_reason == "converged"
    assert trace.grad_norms[-1] <= 1e-8 < trace.grad_norms[-2]
    # |w − 2| shrinks by 0.8 a step from 4: ‖g‖ = 8·0.8^k ≤ 1e-8 first at k = 92
    assert trace.steps == math.ceil(math.log(1e-8 / 8) / math.log(0.8))
    assert "grad_tol" in trace.message


def test_minibatch_tol_compares_full_data_epoch_losses():
    X, y = indexed_data(40, n=3, seed=4)
    X[:, 0] /= 40
    trace = descend(
        linear_objective,
        start(3),
        optim.sgd(0.2),
        X=X,
        y=y,
        batch_size=8,
        max_steps=100_000,
        tol=1e-4,
    )
    assert trace.stop_reason == "converged"
    a, b = trace.epoch_losses[-2:]
    assert abs(b - a) <= 1e-4 * abs(a)
    assert trace.steps == 5 * trace.epochs  # stops at an epoch boundary


def test_minibatch_grad_tol_uses_the_full_data_gradient():
    X, y = indexed_data(40, n=3, seed=4)
    X[:, 0] /= 40
    trace = descend(
        linear_objective,
        start(3),
        optim.sgd(0.2),
        X=X,
        y=y,
        batch_size=40,
        max_steps=100_000,
        grad_tol=1e-6,
    )
    assert trace.stop_reason == "converged"
    W, b = trace.params
    dW, db = linear_grads(X, y, W, b)
    assert math.hypot(*dW, db) <= 1e-6


# --- divergence -------------------------------------------------------------------------------


def test_exploding_loss_is_diverged():
    trace = descend(datasets.parabola_objective, 6.0, optim.sgd(1.2), max_steps=1000)
    assert trace.stop_reason == "diverged"
    assert max(trace.losses) <= 1e6 * trace.losses[0]
    assert datasets.parabola_loss(float(trace.params)) > 1e6 * trace.losses[0]


def test_divergence_factor_sets_the_threshold():
    trace = descend(
        datasets.parabola_objective, 6.0, optim.sgd(1.2), max_steps=1000, divergence_factor=10.0
    )
    # loss 16·1.96^k first exceeds 160 at k = 4
    assert (trace.stop_reason, trace.steps) == ("diverged", 4)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_loss_is_diverged(bad):
    def objective(w):
        loss, grad = datasets.parabola_objective(w)
        return (bad if float(w) < 3.0 else loss), grad

    trace = descend(objective, 6.0, optim.sgd(0.3), max_steps=100)
    assert trace.stop_reason == "diverged"
    assert trace.steps == 2  # w₀ = 6 and w₁ = 3.6 are fine, w₂ = 2.64 gives a non-finite loss
    assert len(trace.losses) == 2
    assert "non-finite" in trace.message


def test_non_finite_gradient_is_diverged():
    def objective(w):
        return 1.0, np.array([np.nan])

    trace = descend(objective, np.array([1.0]), optim.sgd(0.1), max_steps=10)
    assert (trace.stop_reason, trace.steps) == ("diverged", 0)


# --- the trace --------------------------------------------------------------------------------


def test_trace_fields_and_scheduled_learning_rates():
    schedule = schedules.step_decay(0.2, step_size=3, gamma=0.5)
    trace = descend(datasets.parabola_objective, 6.0, optim.sgd(schedule), max_steps=10)
    assert trace.steps == 10 and trace.stop_reason == "max_steps"
    assert len(trace.losses) == len(trace.lrs) == len(trace.grad_norms) == 10
    assert len(trace.params_history) == 11
    assert trace.lrs == [schedule(k) for k in range(10)]
    assert trace.lrs[:4] == [0.2, 0.2, 0.2, 0.1]
    for k in range(10):
        w = float(trace.params_history[k])
        assert trace.losses[k] == datasets.parabola_loss(w)
        assert trace.grad_norms[k] == pytest.approx(abs(datasets.parabola_grad(w)), rel=1e-15)
        assert float(trace.params_history[k + 1]) == pytest.approx(
            w - trace.lrs[k] * datasets.parabola_grad(w), rel=1e-15
        )
    assert float(trace.params) == float(trace.params_history[-1])


def test_grad_norm_is_over_every_leaf():
    X, y = indexed_data(6, n=3, seed=1)
    trace = descend(linear_objective, (np.ones(3), 0.5), optim.sgd(0.001), X=X, y=y, max_steps=1)
    dW, db = linear_grads(X, y, np.ones(3), 0.5)
    assert trace.grad_norms[0] == pytest.approx(math.sqrt(dW @ dW + db * db), rel=1e-14)


def test_record_params_false_keeps_only_the_final_params():
    trace = descend(
        datasets.parabola_objective, 6.0, optim.sgd(0.3), max_steps=5, record_params=False
    )
    assert trace.params_history == []
    assert float(trace.params) == pytest.approx(2.04096, rel=1e-12)


def test_inputs_are_never_mutated():
    X, y = indexed_data(12, n=3, seed=6)
    W0, b0 = np.array([0.1, -0.2, 0.3]), np.array(0.5)
    copies = [a.copy() for a in (X, y, W0, b0)]
    for batch_size in (None, 5):
        trace = descend(
            linear_objective,
            (W0, b0),
            optim.momentum(0.001, 0.9),
            X=X,
            y=y,
            batch_size=batch_size,
            max_steps=7,
        )
        for original, copy in zip((X, y, W0, b0), copies, strict=True):
            assert np.array_equal(original, copy)
        assert trace.params[0] is not W0
        assert trace.params_history[0][0] is not W0
        # history entries are snapshots, not one array updated in place
        assert not np.array_equal(trace.params_history[0][0], trace.params_history[-1][0])
        np.testing.assert_array_equal(trace.params_history[0][0], W0)


def test_optimizer_step_does_not_mutate_params_grads_or_state():
    params = {"W": np.array([1.0, 2.0]), "b": np.array(0.5)}
    grads = {"W": np.array([0.1, -0.1]), "b": np.array(0.2)}
    for opt in (optim.sgd(0.1), optim.momentum(0.1, 0.9, nesterov=True), optim.adam(0.1)):
        state = opt.init(params)
        snapshot = [a.copy() for a in (*params.values(), *grads.values())]
        new_params, new_state = opt.step(params, grads, state)
        new_params, _ = opt.step(new_params, grads, new_state)
        for original, copy in zip((*params.values(), *grads.values()), snapshot, strict=True):
            assert np.array_equal(original, copy)
        assert (
            opt.step(params, grads, state)[0]["W"].tolist()
            == opt.step(params, grads, state)[0]["W"].tolist()
        )  # a state can be reused: nothing inside it changed
