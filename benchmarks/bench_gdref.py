"""Benchmark gdref's gradient-descent epoch against PyTorch CPU and the memory bound.

    python benchmarks/bench_gdref.py            # prints a Markdown table
    python benchmarks/bench_gdref.py --m 200000 # a smaller "large" case

(a) small — call overhead: one full-batch logistic-regression epoch on the standardised
    breast-cancer data (569 × 30): loss + gradients + one SGD step. gdref:
    ``logistic_loss``, ``logistic_grads``, ``optim.sgd(...).step``; PyTorch: ``zero_grad``,
    forward (``binary_cross_entropy_with_logits``), ``backward``, ``SGD.step``. Median over
    many single epochs, in µs.
(b) large — memory bound: an epoch on X of shape (1e6, 100) float64 (800 MB), gradients + one
    SGD step, for linear and logistic regression. Computing z = XW and then Xᵀ dJ/dz reads X
    twice, so the floor is 2 · X.nbytes / bandwidth, where the bandwidth is measured in the same
    run from ``np.copyto`` of X into another array of its size: (bytes read + bytes written) / t.
    Reading X twice moves as many bytes as one copy of X, so the bound equals the copy time.
    PyTorch CPU does the same epoch on the same memory (``torch.from_numpy``: no copy), forward
    loss + backward + step. Median of several epochs.

torch is optional: when it cannot be imported the PyTorch rows are left out. Ratios are
gdref time / other time (below 1: gdref is faster). Nothing here is asserted; the table is for
the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gdref import datasets, linear_grads, logistic_grads, logistic_loss, optim  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional
    torch = None


def interleaved_medians(
    fns: dict[str, Callable[[], object]], rounds: int, calls: int, warmup: int = 1
) -> dict[str, float]:
    """Median wall time (s) of single calls of each function.

    The functions take turns, ``calls`` single calls at a time for ``rounds`` rounds, so that a
    change in the machine's load during the run (other processes, frequency scaling) affects all
    of them alike and the ratios stay meaningful.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(calls):
                start = time.perf_counter_ns()
                fn()
                times[name].append((time.perf_counter_ns() - start) / 1e9)
    return {name: float(np.median(values)) for name, values in times.items()}


class GdrefEpoch:
    """One epoch with gdref: (optionally the loss,) the gradients, one SGD step."""

    def __init__(self, X, y, grads, loss=None, lr: float = 0.1):
        self.X, self.y, self.grads, self.loss = X, y, grads, loss
        self.opt = optim.sgd(lr)
        self.params = (np.zeros(X.shape[1]), 0.0)
        self.state = self.opt.init(self.params)

    def __call__(self) -> None:
        W, b = self.params
        if self.loss is not None:
            self.loss(self.X, self.y, W, b)
        g = self.grads(self.X, self.y, W, b)
        self.params, self.state = self.opt.step(self.params, g, self.state)


class TorchEpoch:
    """One epoch with PyTorch: zero_grad, forward loss, backward, SGD step (float64)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, kind: str, lr: float = 0.1):
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.W = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
        self.b = torch.zeros((), dtype=torch.float64, requires_grad=True)
        self.opt = torch.optim.SGD([self.W, self.b], lr=lr)
        self.kind = kind

    def __call__(self) -> None:
        self.opt.zero_grad()
        z = self.X @ self.W + self.b
        if self.kind == "logistic":
            loss = torch.nn.functional.binary_cross_entropy_with_logits(z, self.y)
        else:
            loss = 0.5 * torch.mean((z - self.y) ** 2)
        loss.backward()
        self.opt.step()


def small_case(calls: int) -> list[tuple[str, str, str, str]]:
    X, y, _ = datasets.breast_cancer()
    Xs, _, _ = datasets.standardize(X)
    Xs = np.ascontiguousarray(Xs)
    fns: dict[str, Callable[[], object]] = {
        "gdref": GdrefEpoch(Xs, y, logistic_grads, logistic_loss)
    }
    if torch is not None:
        fns["torch"] = TorchEpoch(Xs, y, "logistic")
    medians = interleaved_medians(fns, rounds=10, calls=max(1, calls // 10), warmup=calls // 10)
    label = "small: logistic epoch 569 × 30"
    ours = medians["gdref"] * 1e6
    rows = [(label, "gdref (loss + grads + step)", f"{ours:.1f} µs", "")]
    if "torch" in medians:
        theirs = medians["torch"] * 1e6
        rows.append(
            (
                label,
                "PyTorch CPU (forward + backward + step)",
                f"{theirs:.1f} µs",
                f"gdref / PyTorch = **{ours / theirs:.2f}**",
            )
        )
    return rows


def large_case(m: int, n: int, repeats: int) -> list[tuple[str, str, str, str]]:
    rng = np.random.default_rng(0)
    X = rng.random((m, n))
    X -= 0.5
    w_true = rng.normal(size=n)
    z = X @ w_true
    y_linear = z + 0.1 * rng.normal(size=m)
    y_logistic = (z + 0.5 * rng.normal(size=m) > 0).astype(np.float64)
    del z

    target = np.empty_like(X)
    np.copyto(target, X)  # first touch of the pages, outside the timing

    fns: dict[str, Callable[[], object]] = {
        "copy": lambda: np.copyto(target, X),
        "gdref linear": GdrefEpoch(X, y_linear, linear_grads),
        "gdref logistic": GdrefEpoch(X, y_logistic, logistic_grads),
        "gdref logistic+loss": GdrefEpoch(X, y_logistic, logistic_grads, logistic_loss),
    }
    if torch is not None:
        fns["torch linear"] = TorchEpoch(X, y_linear, "linear")
        fns["torch logistic"] = TorchEpoch(X, y_logistic, "logistic")
    medians = interleaved_medians(fns, rounds=repeats, calls=1)

    bandwidth = 2 * X.nbytes / medians["copy"]  # bytes read + bytes written per second
    bound = 2 * X.nbytes / bandwidth  # X streamed twice (= the copy time)
    label = f"large: epoch {m:.0e} × {n} float64"
    rows = [
        (
            label,
            f"memory bound: X read twice (2 × {X.nbytes / 1e6:.0f} MB at "
            f"{bandwidth / 1e9:.1f} GB/s np.copyto bandwidth)",
            f"{bound * 1e3:.1f} ms",
            "",
        )
    ]
    names = {
        "gdref linear": ("gdref linear (grads + step)", "torch linear"),
        "gdref logistic": ("gdref logistic (grads + step)", "torch logistic"),
        "gdref logistic+loss": ("gdref logistic (loss + grads + step)", "torch logistic"),
        "torch linear": ("PyTorch CPU linear (forward + backward + step)", None),
        "torch logistic": ("PyTorch CPU logistic (forward + backward + step)", None),
    }
    for key, (name, reference) in names.items():
        if key not in medians:
            continue
        seconds = medians[key]
        ratio = f"vs bound {seconds / bound:.2f}×"
        if reference in medians:
            ratio += f"; gdref / PyTorch = **{seconds / medians[reference]:.2f}**"
        rows.append((label, name, f"{seconds * 1e3:.1f} ms", ratio))
    return rows


def environment() -> str:
    parts = [
        f"Python {platform.python_version()}",
        f"NumPy {np.__version__}",
        f"{os.cpu_count()} CPUs",
        platform.machine(),
    ]
    if torch is not None:
        parts.append(f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)")
    else:
        parts.append("PyTorch not installed")
    if hasattr(os, "getloadavg"):
        parts.append(f"load average {os.getloadavg()[0]:.2f} at the start (other processes)")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--m", type=int, default=1_000_000, help="rows of the large case")
    parser.add_argument("--n", type=int, default=100, help="columns of the large case")
    parser.add_argument("--calls", type=int, default=2000, help="epochs timed in the small case")
    parser.add_argument("--repeats", type=int, default=7, help="epochs timed in the large case")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    header = f"gdref benchmark — {environment()}\n"
    rows = small_case(args.calls) + large_case(args.m, args.n, args.repeats)
    print(header)
    print("| case | implementation | median | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\n(total benchmark time {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
